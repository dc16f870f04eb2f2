"""The public reads what the platform publishes, in a real browser (SQLite), without signing in: the application
list of measures with their official announcements, the lists, a published list's page with its conditions and
entries, a standard out for comment with its comment record, the catalog, the organs' inquiry lists and the service
norms. Screenshots of every page, Chinese and English."""

from __future__ import annotations

import pytest

from xinyong.db import session_scope
from xinyong.portal import public

from ..inquiry.conftest import ORG_USCC, world  # noqa: F401 - fixture
from .browser_support import By, browser, live_server, shot  # noqa: F401
from .test_public_pages import published  # noqa: F401 - fixture


def _no_sideways_scroll(driver) -> bool:
    driver.set_window_size(390, 900)  # a phone
    try:
        return driver.execute_script("return document.documentElement.scrollWidth") <= 391
    finally:
        driver.set_window_size(1280, 1000)


@pytest.mark.article("Art. 32.2")
def test_the_public_reads_the_measures_and_the_lists(engine, live_server, browser, published):  # noqa: F811
    w = published["world"]
    with session_scope(engine) as s:
        public.edit_norms(s, windows="黄浦区人民大道200号 市公共信用信息服务中心查询窗口\n各区行政服务中心信用窗口",
                          hours="工作日 9:00–17:00（法定节假日除外）", reports="凭本人有效身份证件到窗口申请，或登录本平台“我的报告”下载",
                          objections="登录本平台在“我的异议”中提交，或到窗口书面提出，附证明材料", effective_on=None,
                          actor=w.operator)
    base = live_server
    browser.get(f"{base}/?lang=zh")
    browser.find_element(By.CSS_SELECTOR, "a[href='/measures']").click()
    assert browser.find_element(By.TAG_NAME, "h1").text == "联合激励和惩戒应用清单"
    table = browser.find_element(By.CSS_SELECTOR, "table.public-measures").text
    assert "P-PENALTY" in table and "上海市人民政府公报" in table and "尚未正式公布：不得实施" in table
    assert "P-DRAFT" not in table
    assert browser.find_element(By.CSS_SELECTOR, "#measure-P-PENALTY th").text.startswith("措施 P-PENALTY")
    assert _no_sideways_scroll(browser), "/measures scrolls sideways at 390 px"
    shot(browser, "public-measures")

    browser.find_element(By.CSS_SELECTOR, "#sitenav a[href='/lists']").click()
    assert browser.find_element(By.TAG_NAME, "h1").text == "名单及其认定标准"
    shot(browser, "public-lists")
    browser.find_element(By.CSS_SELECTOR, "h2#list-BL-PUB a").click()
    assert browser.current_url.endswith("/lists/BL-PUB")
    entries = browser.find_element(By.CSS_SELECTOR, "table.public-entries").text
    assert ORG_USCC in entries and "串通投标" in entries
    assert w.person_ric not in browser.page_source and "王某" not in browser.page_source
    assert "行政复议、行政诉讼" in browser.find_element(By.ID, "conditions").find_element(By.XPATH, "..").text
    assert _no_sideways_scroll(browser), "a list's page scrolls sideways at 390 px"
    shot(browser, "public-list")
    browser.get(f"{base}/lists/BL-DRAFT")
    assert "已采纳：以罚款十万元以上为限" in browser.page_source and "尚未答复" in browser.page_source
    shot(browser, "public-list-comments")
    for path, name in (("/catalog", "catalog"), ("/organs", "organs"), ("/service", "service")):
        browser.get(base + path)
        assert browser.find_element(By.TAG_NAME, "h1").text
        shot(browser, f"public-{name}")

    # English
    browser.get(f"{base}/measures?lang=en")
    assert browser.find_element(By.TAG_NAME, "h1").text == "The application list of joint rewards and punishments"
    assert "Shanghai Municipal People's Government Gazette" in browser.page_source
    shot(browser, "public-measures-en")
    browser.get(f"{base}/lists/BL-PUB?lang=en")
    assert "Entry and removal conditions, and remedies" in browser.page_source
    shot(browser, "public-list-en")
    browser.get(f"{base}/lists?lang=en")
    shot(browser, "public-lists-en")
