"""The operator and the supervisor in a real browser (SQLite): the operator signs in, sees the overdue objection
first in the queue, goes through its pages and issues an agent's token (shown once); the supervisor signs in and
reads its page. Screenshots of every /console page and of /oversight, Chinese and English."""

from __future__ import annotations

import pytest

from xinyong.auth import CONSOLE, Actor
from xinyong.db import session_scope
from xinyong.inquiry import service as inquiries
from xinyong.objection import service as objections
from xinyong.unit import service as units

from ..factories import PROVIDER_USCC, uscc
from ..helpers import TODAY
from .browser_support import SCREENSHOTS, By, browser, live_server, shot, sign_in, sign_out, wait_for  # noqa: F401
from .conftest import ORG_USCC


@pytest.mark.article("Art. 36.2")
def test_the_operator_sees_the_overdue_objection_and_the_supervisor_its_page(engine, portal_world, live_server,  # noqa: F811
                                                                            browser, monkeypatch):  # noqa: F811
    monkeypatch.setenv("XINYONG_TODAY", "2025-06-03T10:00:00")
    with session_scope(engine) as s:
        obj = objections.file(s, actor=Actor(role="subject", subject_id=portal_world.org_id),
                              subject_id=portal_world.org_id, kind="error", reason="处罚金额记载错误",
                              record_ids=[portal_world.records["current"]], channel="portal")
        late = objections.number_of(obj)
    monkeypatch.setenv("XINYONG_TODAY", "2025-06-16T10:00:00")
    with session_scope(engine) as s:
        _, operator = units.add_unit(s, name="上海市公共信用信息服务中心", kind="operator",
                                     uscc=uscc(7171, prefix="12310000"), published_on=TODAY, actor=CONSOLE)
        _, supervisor = units.add_unit(s, name="上海市发展和改革委员会", kind="supervisor",
                                       uscc=uscc(7272, prefix="11310000"), published_on=TODAY, actor=CONSOLE)
        organ, _ = units.add_unit(s, name="上海市浏览器测试区城市管理局", kind="administrative",
                                  uscc=uscc(7373, prefix="11310000"), published_on=TODAY, actor=CONSOLE)
        organ_actor = units.actor_for(organ, officer="B-1")
    with session_scope(engine) as s:  # a refused inquiry for the supervisor's page
        assert not inquiries.inquire(s, actor=organ_actor, subject=portal_world.person_ric, purpose="permit",
                                     channel="api").allowed

    browser.get(f"{live_server}/")
    sign_in(browser, live_server, operator)
    assert browser.current_url.endswith("/console")
    first = browser.find_element(By.CSS_SELECTOR, "#objection-queue tbody tr")
    assert "overdue" in first.get_attribute("class") and late in first.text and "逾期" in first.text
    shot(browser, "console-home")
    browser.get(f"{live_server}/console?lang=en")
    assert "Overdue by" in browser.find_element(By.ID, "objection-queue").text
    shot(browser, "console-home-en")
    browser.set_window_size(390, 900)  # a phone's width: nothing may be cut off
    browser.save_screenshot(str(SCREENSHOTS / "xinyong-console-home-390.png"))
    browser.set_window_size(1280, 1000)

    browser.get(f"{live_server}/console/units?lang=zh")
    shot(browser, "console-units")
    browser.get(f"{live_server}/console/units/{PROVIDER_USCC}")
    shot(browser, "console-unit")
    browser.get(f"{live_server}/console/catalog")
    shot(browser, "console-catalog")
    browser.get(f"{live_server}/console/ingestion")
    shot(browser, "console-ingestion")

    # the exchange with another platform (Art. 12): a partner, its export imported, an export to it
    from xinyong.exchange import formats, keys, service as exchange

    from ..exchange.peer import Peer
    from ..factories import cf_row

    peer = Peer()
    with session_scope(engine) as s:
        exchange.add_partner(s, kind="province", name="浙江省公共信用信息平台", uscc=uscc(7474, prefix="11330000"), region="CN-ZJ",
                             verify_key=peer.verify_key, seal_key=peer.seal_key, items=["penalty"], actor=CONSOLE)
    body, signature, files = peer.bundle(keys.platform_keys().seal_key,
                                         {"CF.jsonl": [{**cf_row(7575), formats.REF_COLUMN: "31"}]}, export_id=4)
    exchange.import_export(engine, sender="浙江省公共信用信息平台", body=body, signature=signature, files=files,
                           actor=CONSOLE)
    with session_scope(engine) as s:
        exchange.export(s, recipient="浙江省公共信用信息平台", region="CN-ZJ", since=None, actor=CONSOLE,
                        directory=None, channel="cli").discard()
    browser.get(f"{live_server}/console/exchange?lang=zh")
    assert "浙江省公共信用信息平台" in browser.find_element(By.ID, "partners").text
    assert "接收 1" in browser.find_element(By.ID, "imports").text
    assert browser.find_element(By.ID, "verify-key").text == keys.platform_keys().verify_key
    shot(browser, "console-exchange")
    browser.get(f"{live_server}/console/exchange?lang=en")
    assert "accepted 1" in browser.find_element(By.ID, "imports").text
    shot(browser, "console-exchange-en")

    browser.get(f"{live_server}/console/agents")
    browser.find_element(By.ID, "agent-subject").send_keys(ORG_USCC)
    browser.find_element(By.ID, "agent-name").send_keys("王代理")
    browser.find_element(By.ID, "agent-document").send_keys("授权委托书 沪门-2025-007")
    browser.find_element(By.ID, "issue-agent-button").click()
    token = wait_for(browser).until(lambda d: d.find_element(By.ID, "issued-token")).text
    assert token.startswith("xy_") and ORG_USCC not in browser.current_url
    shot(browser, "console-agents-issued")
    browser.get(f"{live_server}/console/agents?lang=en")
    assert not browser.find_elements(By.ID, "issued-token")  # shown once
    shot(browser, "console-agents-en")

    sign_out(browser)
    sign_in(browser, live_server, supervisor)
    assert browser.current_url.endswith("/oversight")
    refused = browser.find_element(By.ID, "refused-inquiries").text
    assert "上海市浏览器测试区城市管理局" in refused
    assert "未披露" in browser.find_element(By.ID, "refused-note").text
    assert late in browser.find_element(By.ID, "late-objection-steps").text
    shot(browser, "oversight")
    browser.get(f"{live_server}/oversight?lang=en")
    shot(browser, "oversight-en")
