"""A citizen in the browser: signs in, sees a record on /me, issues a report, downloads its PDF, and a bank
checks it at /verify (the QR code's link, then the JSON uploaded). Screenshots zh and en."""

from __future__ import annotations

import pytest

from xinyong.db import session_scope
from xinyong.models import Subject

from ..helpers import issue_subject_token
from .browser_support import SCREENSHOTS, By, EC, browser, live_server, shot, sign_in, wait_for  # noqa: F401
from .conftest import PERSON_NAME

FETCH = """
const done = arguments[arguments.length - 1];
fetch(arguments[0], {credentials: "same-origin"}).then(async r => {
  const body = arguments[1] ? await r.text() : (await r.arrayBuffer()).byteLength;
  done({status: r.status, type: r.headers.get("content-type"), digest: r.headers.get("x-report-digest"),
        head: arguments[1] ? body : null, size: arguments[1] ? body.length : body});
}).catch(e => done({error: String(e)}));
"""


@pytest.mark.article("Art. 34.2")
def test_a_citizen_downloads_a_pdf_report_and_a_bank_verifies_it(live_server, browser, portal_world, engine,
                                                                   tmp_path):
    with session_scope(engine) as s:
        token = issue_subject_token(s, s.get(Subject, portal_world.person_id))
    sign_in(browser, live_server, token)
    assert browser.current_url.endswith("/me")
    record = browser.find_element(By.ID, f"record-{portal_world.records['person']}")
    assert portal_world.docs["person"] in record.text
    assert browser.find_element(By.ID, "me-identifier").text == portal_world.person_ric
    shot(browser, "me-information-zh")

    browser.get(f"{live_server}/me/inquiries")
    assert browser.find_element(By.ID, "me-inquiries").is_displayed()
    shot(browser, "me-inquiries-zh")

    browser.get(f"{live_server}/me/reports")
    free_before = browser.find_element(By.ID, "free-remaining").text
    browser.find_element(By.ID, "issue-report").click()
    wait_for(browser).until(EC.presence_of_element_located((By.ID, "report-issued")))
    assert browser.find_element(By.ID, "free-remaining").text != free_before
    shot(browser, "me-reports-zh")

    link = browser.find_element(By.CSS_SELECTOR, "a.dl-pdf")
    number = link.get_attribute("href").rsplit("/", 1)[1].removesuffix(".pdf")
    pdf = browser.execute_async_script(FETCH, link.get_attribute("href"), False)
    assert pdf["status"] == 200 and pdf["type"] == "application/pdf" and pdf["size"] > 5000, pdf
    digest = pdf["digest"]
    assert digest and len(digest) == 64

    browser.get(f"{live_server}/me/reports/{number}.html")  # the HTML report: its QR code and digest
    assert browser.find_element(By.CSS_SELECTOR, "#seal svg").is_displayed()
    shot(browser, "me-report-html")

    # the bank opens the QR code's link: the report's digest travels with it
    browser.get(f"{live_server}/verify/{number}?digest={digest}")
    outcome = browser.find_element(By.ID, "verify-outcome")
    assert outcome.get_attribute("data-outcome") == "match"
    assert PERSON_NAME in browser.find_element(By.ID, "verify-name").text
    assert browser.find_element(By.ID, "verify-digest").text == digest
    shot(browser, "me-verify-zh")

    # and then uploads the JSON report it was given
    report = browser.execute_async_script(FETCH, f"{live_server}/me/reports/{number}.json", True)
    path = tmp_path / f"{number}.json"
    path.write_text(report["head"], encoding="utf-8")
    browser.get(f"{live_server}/verify/{number}?lang=en")
    assert PERSON_NAME not in browser.find_element(By.ID, "verify-name").text  # masked until shown the report
    browser.find_element(By.ID, "report_file").send_keys(str(path))
    browser.find_element(By.ID, "verify-button").click()
    outcome = wait_for(browser).until(EC.presence_of_element_located((By.ID, "verify-outcome")))
    assert outcome.get_attribute("data-outcome") == "match"
    assert "Genuine" in outcome.text
    shot(browser, "me-verify-en")

    for page, name in (("/me", "me-information-en"), ("/me/reports", "me-reports-en"),
                       ("/me/inquiries", "me-inquiries-en")):
        browser.get(f"{live_server}{page}?lang=en")
        shot(browser, name)
    browser.set_window_size(390, 900)
    browser.get(f"{live_server}/me?lang=zh")
    width = browser.execute_script("return document.documentElement.scrollWidth")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    browser.save_screenshot(str(SCREENSHOTS / "xinyong-me-information-390.png"))
    assert width <= 400, width  # usable at 390 px: nothing wider than the screen
