"""Compiling the catalog in a real browser (SQLite): a clerk proposes an item on /unit/catalog, the supervisor records
the assessment and compiles the draft on /oversight/catalog, the public reads the draft on /catalog/drafts/{id} and,
signed out, comments on it; the supervisor sees the comment (with its contact) to answer it.
Screenshots of each page, Chinese and English."""

from __future__ import annotations

from datetime import timedelta

import pytest

from xinyong.auth import CONSOLE
from xinyong.db import session_scope
from xinyong.unit import service as units

from ..factories import uscc
from ..helpers import TODAY, add_provider
from .browser_support import By, browser, live_server, shot, sign_in, sign_out, wait_for  # noqa: F401
from .test_unit_pages import officer_token


@pytest.mark.article("Art. 10.1")
def test_a_proposal_goes_from_the_clerk_to_the_supervisor_and_the_public(engine, live_server, browser):  # noqa: F811
    add_provider(engine)
    clerk_token = officer_token(engine)
    with session_scope(engine) as s:
        _unit, boss_token = units.add_unit(s, name="上海市发展和改革委员会", kind="supervisor",
                                           uscc=uscc(5, prefix="11310000"), published_on=TODAY, actor=CONSOLE)
    base = live_server
    sign_in(browser, base, clerk_token)
    browser.get(f"{base}/unit/catalog")
    form = browser.find_element(By.ID, "propose-form")
    for field, value in (("p-code", "grade-a-taxpayer"), ("p-name-zh", "纳税信用A级纳税人"),
                         ("p-name-en", "Grade-A taxpayers"), ("p-article", "Art. 9.1"),
                         ("p-basis", "《纳税信用管理办法》第二十九条"), ("p-reasons", "守信激励，依法公开")):
        form.find_element(By.ID, field).send_keys(value)
    browser.execute_script("arguments[0].value = 'positive'", form.find_element(By.ID, "p-class"))
    form.find_element(By.CSS_SELECTOR, "input[name=contested]").click()
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait_for(browser).until(lambda d: "proposed=1" in d.current_url)
    assert "grade-a-taxpayer" in browser.find_element(By.ID, "my-proposals").text
    shot(browser, "unit-catalog")
    sign_out(browser)

    sign_in(browser, base, boss_token)
    browser.get(f"{base}/oversight/catalog")
    assert "须先评估" in browser.find_element(By.ID, "proposal-table").text
    assess = browser.find_element(By.CSS_SELECTOR, "form.assess-form")
    browser.execute_script("arguments[0].value = arguments[1]", assess.find_element(By.NAME, "held_on"),
                           TODAY.isoformat())
    assess.find_element(By.NAME, "representatives").send_keys("纳税人代表")
    assess.find_element(By.NAME, "experts").send_keys("某大学法学院教授")
    assess.find_element(By.NAME, "conclusion").send_keys("同意纳入")
    assess.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait_for(browser).until(lambda d: "done=assess" in d.current_url)
    browser.find_element(By.CSS_SELECTOR, "#proposal-table input[name=proposal]").click()
    draft = browser.find_element(By.ID, "draft-form")
    draft.find_element(By.ID, "draft-title").send_keys("上海市公共信用信息目录（2027年版）征求意见稿")
    draft.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait_for(browser).until(lambda d: "done=draft" in d.current_url)
    period = browser.find_element(By.CSS_SELECTOR, "form[action='/oversight/catalog/comment-period']")
    for name, day in (("comment_from", TODAY), ("comment_to", TODAY + timedelta(days=29))):
        browser.execute_script("arguments[0].value = arguments[1]", period.find_element(By.NAME, name),
                               day.isoformat())
    period.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait_for(browser).until(lambda d: "done=comment-period" in d.current_url)
    shot(browser, "oversight-catalog")
    browser.get(f"{base}/oversight/catalog?lang=en")
    shot(browser, "oversight-catalog-en")

    browser.find_element(By.LINK_TEXT, "As the public reads it").click()
    assert "Grade-A taxpayers" in browser.page_source
    browser.get(browser.current_url.split("?")[0] + "?lang=zh")
    assert "公开征求意见" in browser.page_source and "纳税人代表" in browser.page_source
    assert "守信信息" in browser.find_element(By.CSS_SELECTOR, "article.public-item").text
    shot(browser, "public-catalog-draft")

    # anyone, signed out, comments on the draft during its period; the supervisor sees it to answer
    draft_url = browser.current_url.split("?")[0]
    sign_out(browser)
    browser.get(draft_url)
    form = browser.find_element(By.ID, "public-comment-form")
    form.find_element(By.ID, "comment-text").send_keys("建议写明名单的更新频率")
    form.find_element(By.ID, "comment-contact").send_keys("someone@example.cn")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait_for(browser).until(lambda d: "sent=1" in d.current_url)
    assert "建议写明名单的更新频率" in browser.find_element(By.ID, "comments").text
    assert "someone@example.cn" not in browser.page_source
    shot(browser, "public-catalog-draft-commented")
    sign_in(browser, base, boss_token)
    browser.get(f"{base}/oversight/catalog")
    assert "someone@example.cn" in browser.find_element(By.CSS_SELECTOR, "ul.comments").text
