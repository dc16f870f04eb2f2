"""The home page search works in a real browser: headless Chromium driven by Selenium.

Runs on SQLite only (the page logic is covered on both databases by test_pages.py). Skipped, with
the reason, when Chromium, chromedriver or Selenium is missing; CI installs them (.ci/run).
"""

from __future__ import annotations

import os
import shutil
import socket
import tempfile
import threading
import time
from pathlib import Path

import pytest

from .conftest import ORG_NAME, ORG_USCC, PERSON_NAME

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
SCREENSHOTS = Path(os.environ.get("XINYONG_SCREENSHOT_DIR", tempfile.gettempdir()))

webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed (test extra)")
if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
    pytest.skip(f"Chromium ({CHROMIUM}) and chromedriver ({CHROMEDRIVER}) are needed: "
                "apt-get install chromium chromium-driver", allow_module_level=True)

from selenium.common.exceptions import StaleElementReferenceException, WebDriverException  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support import expected_conditions as EC  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def live_server(engine, backend):
    # on PostgreSQL the browser tests are long trials (tests/portal/conftest.py marks them): CI runs them in its
    # `-m long` pass; the default suite drives the browser on SQLite and the pages on both databases
    import uvicorn

    from xinyong.app import create_app

    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(engine), host="127.0.0.1", port=port,
                                           log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def browser(tmp_path):
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--no-first-run", "--window-size=1280,1000", f"--user-data-dir={tmp_path / 'chromium'}"):
        options.add_argument(arg)
    try:
        driver = webdriver.Chrome(service=webdriver.ChromeService(executable_path=CHROMEDRIVER), options=options)
    except WebDriverException as exc:
        # installed but not startable (a half-finished apt run, a driver of another version): a skip with the
        # reason, not an error — except in CI, where .ci/run installs them and a failure to start is real
        if os.environ.get("CI"):
            raise
        first = (exc.msg or str(exc)).strip().splitlines()[0] if (exc.msg or str(exc)).strip() else type(exc).__name__
        pytest.skip(f"Chromium ({CHROMIUM}) with chromedriver ({CHROMEDRIVER}) could not start: {first}")
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()
    shutil.rmtree(tmp_path / "chromium", ignore_errors=True)


def _full_page_screenshot(driver, path: Path) -> None:
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(1280, max(800, min(height + 40, 4000)))
    driver.save_screenshot(str(path))
    driver.set_window_size(1280, 1000)


def test_the_home_page_search_works_in_a_browser(live_server, browser, portal_world):
    wait = WebDriverWait(browser, 15, ignored_exceptions=(StaleElementReferenceException,))
    browser.get(live_server + "/")
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "zh-CN"
    assert "上海市公共信用信息服务平台" in browser.title
    _full_page_screenshot(browser, SCREENSHOTS / "xinyong-portal-home.png")

    # the search box is found by its label, as a person (or a screen reader) finds it
    label = browser.find_element(By.CSS_SELECTOR, "label[for=q]")
    assert label.text == "名称或统一社会信用代码"
    box = browser.find_element(By.ID, label.get_attribute("for"))
    box.send_keys("门户测试贸易")
    box.submit()

    wait.until(EC.presence_of_element_located((By.ID, "results-heading")))
    assert "/search" in browser.current_url and "门户" not in browser.current_url  # posted, not in the URL
    links = browser.find_elements(By.CSS_SELECTOR, "a.result-link")
    assert [a.text for a in links] == [ORG_NAME]  # the natural person whose name matches is not there
    assert PERSON_NAME not in browser.page_source
    links[0].click()

    wait.until(EC.url_contains(f"/subjects/{portal_world.org_id}"))
    h1 = browser.find_element(By.TAG_NAME, "h1")
    assert h1.text == ORG_NAME
    body = browser.find_element(By.TAG_NAME, "body").text
    assert ORG_USCC in body
    assert portal_world.docs["current"] in body and "罚款人民币2000元" in body  # a public penalty
    assert portal_world.docs["arrears"] not in body and "欠缴" not in body  # not public (Art. 17.3)
    assert portal_world.docs["pre_rule"] not in body  # past its publicity period
    assert portal_world.docs["person"] not in body and PERSON_NAME not in body
    marker = browser.find_element(By.CSS_SELECTOR, f"#record-{portal_world.records['objection']} .marker")
    assert marker.text == "异议处理中"
    _full_page_screenshot(browser, SCREENSHOTS / "xinyong-portal-subject.png")

    # switch to English, and the choice is remembered on the next page
    browser.find_element(By.ID, "lang-switch").click()
    wait.until(lambda d: d.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en")
    body = browser.find_element(By.TAG_NAME, "body").text
    assert "Public credit information" in body and "Under objection" in body
    assert "Administrative penalties decided under the ordinary procedure" in body
    browser.find_element(By.CSS_SELECTOR, "a.brand-name").click()
    wait.until(EC.presence_of_element_located((By.ID, "search-title")))
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en"
    assert browser.find_element(By.ID, "search-title").text == "Look up a legal person or organization"
    _full_page_screenshot(browser, SCREENSHOTS / "xinyong-portal-home-en.png")

    # a natural person's page is refused, with the article, in the browser's language
    browser.get(f"{live_server}/subjects/{portal_world.person_id}?lang=zh")
    body = browser.find_element(By.TAG_NAME, "body").text
    assert "不予公开" in body and "第六条第一款" in body and PERSON_NAME not in body
    _full_page_screenshot(browser, SCREENSHOTS / "xinyong-portal-403.png")
