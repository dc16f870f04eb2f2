"""A providing unit's clerk in a real browser (SQLite): signs in, uploads a messy real sample, follows the batch
page while the worker imports it, reads the rejected rows and downloads the rejects file; then finds a record and
opens it. Screenshots of every /unit page, Chinese and English."""

from __future__ import annotations

import pytest

from xinyong import worker

from .browser_support import SCREENSHOTS, EC, By, browser, live_server, shot, sign_in, wait_for  # noqa: F401
from .test_unit_pages import SAMPLE, add_provider, messy_sample, officer_token


@pytest.mark.skipif(not SAMPLE.exists(), reason="shared/data/real-samples not present")
def test_a_clerk_uploads_a_messy_real_sample_and_downloads_its_rejects(engine, live_server, browser,  # noqa: F811
                                                                      tmp_path):
    add_provider(engine)
    token = officer_token(engine)
    browser.get(f"{live_server}/")  # a first visit (a fresh browser's first sign-in was refused once: see the report)
    sign_in(browser, live_server, token)
    assert browser.current_url.endswith("/unit")
    assert browser.find_element(By.ID, "provides").text  # what the unit may provide
    shot(browser, "unit-home")

    path = tmp_path / "四川交通运输企业信用评价.csv"
    path.write_bytes(messy_sample())
    browser.get(f"{live_server}/unit/upload?lang=zh")
    shot(browser, "unit-upload")
    browser.find_element(By.ID, "file").send_keys(str(path))
    browser.find_element(By.ID, "upload-button").click()
    wait_for(browser).until(EC.presence_of_element_located((By.ID, "batch-progress")))
    assert "/unit/batches/" in browser.current_url
    assert browser.find_element(By.ID, "batch-status").text == "排队等待导入"
    assert "0 / 41" in browser.find_element(By.ID, "progress-text").text
    shot(browser, "unit-batch-queued")

    worker.drain(engine)  # the worker imports it; the page (polling) reloads itself with the result
    link = wait_for(browser, 20).until(EC.presence_of_element_located((By.ID, "rejects-link")))
    result_url = link.get_attribute("href").rsplit("/", 1)[0]
    assert "batch-done" in browser.find_element(By.ID, "batch-status").get_attribute("class")
    assert "41 / 41" in browser.find_element(By.ID, "progress-text").text
    rejected = int(browser.find_element(By.ID, "count-rejected").text.replace(",", ""))
    assert rejected > 0 and len(browser.find_elements(By.CSS_SELECTOR, "#rejects tbody tr")) == rejected
    shot(browser, "unit-batch-result")
    # the link's response: the rejects file, as the browser downloads it (its own session cookie)
    got = browser.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "fetch(arguments[0], {credentials: 'same-origin'}).then(r => r.text().then(t => done("
        "[r.status, r.headers.get('content-type'), r.headers.get('content-disposition'), t])));",
        link.get_attribute("href"))
    status, kind, disposition, text = got
    assert status == 200 and kind.startswith("text/csv") and "attachment" in disposition
    assert text.lstrip("\ufeff").startswith("line,field,reason,article")
    assert "'=HYPERLINK" in text  # the formula neutralised

    browser.get(f"{live_server}/unit/batches")
    shot(browser, "unit-batches")
    browser.set_window_size(390, 900)  # a phone
    for url in (f"{live_server}/unit/batches", result_url, f"{live_server}/unit"):
        browser.get(url)
        assert browser.execute_script("return document.documentElement.scrollWidth") <= 391, url
    browser.get(result_url)
    browser.save_screenshot(str(SCREENSHOTS / "xinyong-unit-batch-result-390.png"))

    browser.set_window_size(1280, 1000)
    browser.get(f"{live_server}/unit/records")
    browser.find_element(By.ID, "doc_no").send_keys("川交评〔2022〕2号")
    browser.find_element(By.ID, "find-button").click()
    wait_for(browser).until(EC.presence_of_element_located((By.ID, "found-title")))
    assert browser.current_url.endswith("/unit/records")
    shot(browser, "unit-records-found")
    found = browser.find_elements(By.CSS_SELECTOR, "a.open-record")
    assert len(found) == 1  # line 3 of the sample: a valid code
    found[0].click()
    wait_for(browser).until(EC.presence_of_element_located((By.ID, "record-facts")))
    shot(browser, "unit-record")

    # English
    browser.get(browser.current_url.split("?")[0] + "?lang=en")
    shot(browser, "unit-record-en")
    browser.find_element(By.CSS_SELECTOR, "a[href='/unit/batches']").click()
    browser.find_element(By.CSS_SELECTOR, "#batches a").click()
    wait_for(browser).until(EC.presence_of_element_located((By.ID, "rejects-link")))
    assert "41 of 41 rows read and stored" in browser.find_element(By.ID, "progress-text").text
    shot(browser, "unit-batch-result-en")
    browser.get(f"{live_server}/unit/upload")
    shot(browser, "unit-upload-en")
    bad = tmp_path / "religion.csv"
    bad.write_text("catalog_item,subject_name,subject_id,doc_no,doc_date,doc_org,content,宗教信仰\n"
                   "commendation,上海某某有限公司,91310000MA1FL0RT2K,沪奖〔2024〕1号,2024-05-01,上海市人民政府,文明单位,无\n",
                   encoding="utf-8")
    browser.find_element(By.ID, "file").send_keys(str(bad))
    browser.find_element(By.ID, "upload-button").click()
    refused = wait_for(browser).until(EC.presence_of_element_located((By.ID, "refused")))
    assert "Art. 14.3" in refused.text and "宗教信仰" in refused.text
    shot(browser, "unit-upload-refused-en")
