"""A unit's work in a real browser (SQLite): an organ's officer runs a batch check of a pasted list and reads
the results; a providing unit's officer opens the overdue objection in the inbox and decides it; the unit's
administrator adds an officer. Screenshots of every page, Chinese and English."""

from __future__ import annotations

import pytest

from xinyong.auth import CONSOLE
from xinyong.db import session_scope
from xinyong.objection import service as objections
from xinyong.unit import service as units

from ..conftest import PINNED_TODAY
from ..factories import PROVIDER_USCC
from ..inquiry.conftest import ORG_USCC
from ..measure.conftest import joint, world  # noqa: F401 - fixtures
from .browser_support import EC, By, browser, live_server, shot, sign_in, wait_for  # noqa: F401
from .test_unit_work import BAD_USCC, _transferred, _unit_token


def _select(driver, element_id: str, value: str) -> None:
    driver.find_element(By.CSS_SELECTOR, f"#{element_id} option[value='{value}']").click()


@pytest.mark.article("Art. 32.1")
def test_an_organ_officer_runs_a_batch_check_of_a_pasted_list(live_server, browser, joint):  # noqa: F811
    w = joint.w
    sign_in(browser, live_server, w.organ_token)
    browser.get(f"{live_server}/unit/checks?lang=zh")
    assert browser.find_element(By.CSS_SELECTOR, "label[for=subjects]").text.startswith("或名单")
    shot(browser, "unitwork-checks")
    _select(browser, "context", "permit")
    browser.find_element(By.ID, "subjects").send_keys("\n".join([ORG_USCC, BAD_USCC, w.person_ric]))
    browser.find_element(By.ID, "check-button").click()
    wait_for(browser).until(EC.presence_of_element_located((By.ID, "results")))
    assert browser.current_url.endswith("/unit/checks")  # posted: no identifier in the URL
    results = browser.find_element(By.ID, "results").text
    assert "P-PENALTY" in results and "《上海市社会信用条例》第三十条" in results and "沪罚〔2024〕1号" in results
    assert "第 2 行：代码无效" in results and "校验码为" in results and "check character" not in results
    assert w.person_ric not in results
    shot(browser, "unitwork-checks-results")
    browser.set_window_size(390, 900)  # a phone
    shot_narrow = browser.execute_script("return document.documentElement.scrollWidth")
    assert shot_narrow <= 390 + 1, "the results page scrolls sideways at 390 px"
    browser.set_window_size(1280, 1000)

    # the same in English (the list is typed again: it never travels in a link)
    browser.get(f"{live_server}/unit/checks?lang=en")
    _select(browser, "context", "permit")
    browser.find_element(By.ID, "subjects").send_keys("\n".join([ORG_USCC, BAD_USCC]))
    browser.find_element(By.ID, "check-button").click()
    wait_for(browser).until(EC.presence_of_element_located((By.ID, "results")))
    assert "Line 2: invalid identifier" in browser.find_element(By.ID, "results").text
    shot(browser, "unitwork-checks-results-en")


@pytest.mark.long  # the decision and the officers are page-tested (test_unit_work.py); CI runs this too
@pytest.mark.article("Art. 36.2(2)")
def test_a_provider_decides_the_overdue_objection_and_its_administrator_adds_an_officer(  # noqa: F811
        live_server, browser, world, engine, monkeypatch):  # noqa: F811
    w = world
    monkeypatch.setenv("XINYONG_TODAY", "2025-05-20T10:00:00")
    late = _transferred(engine, w, "current")
    monkeypatch.setenv("XINYONG_TODAY", PINNED_TODAY)
    fresh = _transferred(engine, w, "arrears")
    with session_scope(engine) as s:
        provider = units.get_by_uscc(s, PROVIDER_USCC)
        provider_id = provider.id
        token = units.add_officer(s, unit=provider, staff_no="PRV-7", name="钱七", items=None, purposes=None,
                                  expires_at=None, actor=CONSOLE)[1]
    sign_in(browser, live_server, token)
    browser.get(f"{live_server}/unit/objections?lang=zh")
    rows = browser.find_elements(By.CSS_SELECTOR, "#inbox tbody tr")
    assert [r.get_attribute("data-objection") for r in rows] == [late, fresh]
    assert "overdue" in rows[0].get_attribute("class") and "已逾期" in rows[0].text
    shot(browser, "unitwork-objections")
    rows[0].find_element(By.TAG_NAME, "a").click()
    wait_for(browser).until(EC.presence_of_element_located((By.ID, "decision-form")))
    shot(browser, "unitwork-objection")
    _select(browser, "outcome", "upheld")
    browser.find_element(By.ID, "document").send_keys("沪测监异〔2025〕2号")
    browser.find_element(By.ID, "reason").send_keys("经核查，处罚金额记载无误")
    browser.find_element(By.ID, "decision-button").click()
    wait_for(browser).until(EC.presence_of_element_located((By.ID, "done")))
    assert browser.find_element(By.ID, "objection-status").text == "已决定"
    shot(browser, "unitwork-objection-decided")
    browser.get(f"{live_server}/unit/objections?lang=en")
    assert "Objection inbox" in browser.find_element(By.TAG_NAME, "h1").text
    shot(browser, "unitwork-objections-en")
    with session_scope(engine) as s:
        assert objections.view(s, objections.get(s, late))["status"] == "decided"

    # the unit's administrator (the unit's own token) adds an officer: the token is shown once
    browser.delete_all_cookies()
    sign_in(browser, live_server, _unit_token(engine, provider_id))
    browser.get(f"{live_server}/unit/officers?lang=zh")
    browser.find_element(By.ID, "staff_no").send_keys("PRV-8")
    browser.find_element(By.ID, "name").send_keys("孙八")
    browser.find_element(By.ID, "add-officer-button").click()
    wait_for(browser).until(EC.presence_of_element_located((By.ID, "new-token")))
    assert browser.find_element(By.ID, "new-token").text.startswith("xy_")
    assert "xy_" not in browser.current_url
    shot(browser, "unitwork-officers")
    browser.get(f"{live_server}/unit/officers?lang=en")
    assert not browser.find_elements(By.ID, "new-token")
    shot(browser, "unitwork-officers-en")
