"""A citizen signs in, files an objection against a record with an evidence file, sees its steps and deadline;
then the other request pages (zh and en), each screenshot for people to look at."""

from __future__ import annotations

import pytest

from xinyong.db import session_scope
from xinyong.models import Objection, Subject
from xinyong.objection import service as objections
from xinyong.portal import i18n

from ..helpers import issue_subject_token
from .browser_support import By, browser, live_server, shot, sign_in, wait_for  # noqa: F401


@pytest.mark.article("Art. 36.2")
def test_a_citizen_files_an_objection_with_evidence_and_follows_its_deadline(live_server, browser,  # noqa: F811
                                                                          portal_world, engine, tmp_path):
    with session_scope(engine) as s:
        token = issue_subject_token(s, s.get(Subject, portal_world.person_id))
    try:
        sign_in(browser, live_server, token)
    except Exception:
        print(browser.current_url, browser.page_source[:3000])
        raise
    browser.set_window_size(390, 1000)  # a phone's width
    browser.get(f"{live_server}/me/objections?lang=zh")
    shot(browser, "requests-objections-zh")
    evidence = tmp_path / "缴款凭证.txt"
    evidence.write_text("罚款已于2025年5月缴清", encoding="utf-8")
    browser.find_element(By.ID, f"record-{portal_world.records['person']}").click()
    browser.find_element(By.ID, "reason").send_keys("罚款已缴纳，记录有误")
    browser.find_element(By.ID, "evidence_files").send_keys(str(evidence))
    browser.find_element(By.ID, "file-objection").click()
    try:
        wait_for(browser, 5).until(lambda d: "/me/objections/" in d.current_url)
    except Exception:
        print("PAGE", browser.current_url, browser.find_element(By.TAG_NAME, "main").text[:1500])
        raise
    with session_scope(engine) as s:
        view = objections.view(s, s.query(Objection).one(), for_subject=True)
    due = view["steps"][0]["due_on"]
    assert browser.find_element(By.CSS_SELECTOR, "td.due time").text == i18n.format_day(due, "zh")
    assert "缴款凭证.txt" in browser.find_element(By.ID, "evidence-list").text
    shot(browser, "requests-objection-zh")
    browser.set_window_size(1280, 1000)
    browser.get(browser.current_url.split("?")[0] + "?lang=en")
    assert browser.find_element(By.CSS_SELECTOR, "td.due time").text == i18n.format_day(due, "en")
    shot(browser, "requests-objection-en")
    for page in ("objections", "authorizations", "remedies", "restorations"):
        browser.get(f"{live_server}/me/{page}?lang=en")
        assert browser.find_element(By.TAG_NAME, "h1").text
        shot(browser, f"requests-{page}-en")
    for page in ("authorizations", "remedies", "restorations"):
        browser.get(f"{live_server}/me/{page}?lang=zh")
        shot(browser, f"requests-{page}-zh")
    # a restoration application, followed on its own page
    browser.find_element(By.ID, "reason").send_keys("已缴清罚款")
    browser.find_element(By.ID, "apply-restoration").click()
    wait_for(browser).until(lambda d: "/me/restorations/" in d.current_url)
    assert browser.find_element(By.ID, "no-decision")
    shot(browser, "requests-restoration-zh")
