"""In a real browser: the results page's language switch posts the search again, so the query never
reaches the address bar (SQLite; skipped like test_browser.py when Chromium is missing)."""

from __future__ import annotations

from .conftest import ORG_NAME
from .test_browser import EC, By, StaleElementReferenceException, WebDriverWait, browser, live_server  # noqa: F401 - the fixtures

QUERY = "门户测试贸易"


def test_switching_language_on_a_results_page_keeps_the_query_out_of_the_url(live_server, browser,  # noqa: F811
                                                                             portal_world):
    wait = WebDriverWait(browser, 15, ignored_exceptions=(StaleElementReferenceException,))
    browser.get(live_server + "/")
    box = browser.find_element(By.ID, "q")
    box.send_keys(QUERY)
    box.submit()
    wait.until(EC.presence_of_element_located((By.ID, "results-heading")))
    assert [a.text for a in browser.find_elements(By.CSS_SELECTOR, "a.result-link")] == [ORG_NAME]

    browser.find_element(By.ID, "lang-switch").click()
    wait.until(lambda d: d.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en")
    wait.until(EC.presence_of_element_located((By.ID, "results-heading")))
    assert [a.text for a in browser.find_elements(By.CSS_SELECTOR, "a.result-link")] == [ORG_NAME]
    assert browser.current_url == f"{live_server}/search?lang=en"
    assert browser.find_element(By.ID, "q").get_attribute("value") == QUERY

    browser.find_element(By.ID, "lang-switch").click()  # and back
    wait.until(lambda d: d.find_element(By.TAG_NAME, "html").get_attribute("lang") == "zh-CN")
    assert [a.text for a in browser.find_elements(By.CSS_SELECTOR, "a.result-link")] == [ORG_NAME]
    assert "q=" not in browser.current_url and "%E9%97%A8" not in browser.current_url
