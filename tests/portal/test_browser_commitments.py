"""A company's agent makes a credit commitment in the browser and the accepting unit's clerk accepts it and
records its fulfilment; the company then reads the letters the platform sent it (zh and en, screenshots)."""

from __future__ import annotations

import pytest
from selenium.webdriver.support.ui import Select

from xinyong import tokens
from xinyong.auth import CONSOLE
from xinyong.db import session_scope
from xinyong.models import CreditCommitment, Record, Subject
from xinyong.unit import service as units

from ..factories import uscc
from ..helpers import TODAY, issue_subject_token
from .browser_support import By, browser, live_server, shot, sign_in, wait_for  # noqa: F401

ACCEPTING_USCC = uscc(535353, prefix="11310000")


@pytest.mark.article("Art. 13.2")
def test_a_company_commits_and_the_accepting_unit_accepts_and_records_it(live_server, browser,  # noqa: F811
                                                                         portal_world, engine):
    with session_scope(engine) as s:
        agent = issue_subject_token(s, s.get(Subject, portal_world.org_id))
        unit, _ = units.add_unit(s, name="上海市测试审批局", kind="administrative", uscc=ACCEPTING_USCC,
                                 provides=["commitment"], published_on=TODAY, actor=CONSOLE)
        clerk = tokens.issue(s, actor=CONSOLE, label="clerk", unit=unit)[1]
    sign_in(browser, live_server, agent)
    browser.get(f"{live_server}/me/commitments?lang=zh")
    shot(browser, "commitments-me-zh")
    Select(browser.find_element(By.ID, "kind")).select_by_value("approval_substitute")
    browser.find_element(By.ID, "accepting_unit").send_keys(ACCEPTING_USCC)
    browser.find_element(By.ID, "reason").send_keys("申请食品经营许可（告知承诺制）")
    browser.find_element(By.ID, "content").send_keys("本单位承诺所提交材料真实、合法、有效")
    browser.find_element(By.ID, "liability").send_keys("如有虚假，愿意承担相应法律责任")
    browser.find_element(By.ID, "guaranteed").click()
    browser.find_element(By.ID, "send-commitment").click()
    wait_for(browser).until(lambda d: "declared=" in d.current_url)
    code = f"{ACCEPTING_USCC[2:8]}20250616000001"
    assert code in browser.find_element(By.ID, "commitment-list").text
    shot(browser, "commitments-me-declared-zh")
    browser.delete_all_cookies()

    sign_in(browser, live_server, clerk)
    browser.get(f"{live_server}/unit/commitments?lang=zh")
    with session_scope(engine) as s:
        cid = s.query(CreditCommitment).one().id
    shot(browser, "commitments-unit-zh")
    browser.find_element(By.ID, f"document-{cid}").send_keys("沪测审〔2025〕承字1号")
    browser.find_element(By.ID, f"act-{cid}").click()
    wait_for(browser).until(lambda d: "done=" in d.current_url)
    Select(browser.find_element(By.ID, f"step-{cid}")).select_by_value("fulfilled")
    browser.find_element(By.ID, f"document-{cid}").send_keys("沪测审〔2025〕核字2号")
    browser.find_element(By.ID, f"act-{cid}").click()
    wait_for(browser).until(lambda d: "done=" in d.current_url)
    browser.get(f"{live_server}/unit/commitments?lang=en")
    shot(browser, "commitments-unit-en")
    with session_scope(engine) as s:
        c = s.get(CreditCommitment, cid)
        assert c.status == "fulfilled" and "已履约" in s.get(Record, c.record_id).content["remarks"]
    browser.delete_all_cookies()

    sign_in(browser, live_server, agent)
    browser.get(f"{live_server}/me/commitments?lang=en")
    assert "Fulfilled" in browser.find_element(By.ID, "commitment-list").text
    shot(browser, "commitments-me-en")
    browser.get(f"{live_server}/me/notices?lang=zh")
    shot(browser, "notices-me-zh")
