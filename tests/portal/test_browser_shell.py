"""The portal's shell in a real browser: the site navigation (wrapping at 390 px, keyboard focus visible), the
public pages of the shell in Chinese and English, and a signed-in party's own area in the navigation.
Screenshots of every page: ``XINYONG_SCREENSHOT_DIR`` (``xinyong-shell-*.png``)."""

from __future__ import annotations

import pytest

from .browser_support import SCREENSHOTS, By, browser, live_server, shot, sign_in, wait_for  # noqa: F401
from .conftest import ORG_NAME


def _narrow_shot(driver, name: str, width: int = 390) -> None:
    """A full-page screenshot at a phone's width."""
    driver.set_window_size(width, 900)
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(width, max(900, min(height + 40, 4000)))
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(SCREENSHOTS / f"xinyong-{name}.png"))
    driver.set_window_size(1280, 1000)


@pytest.mark.long  # the public journey is in test_browser.py and test_browser_public.py; CI runs this too
def test_the_shell_navigation_and_pages_in_a_browser(live_server, browser, engine, portal_world):
    base = live_server
    browser.get(f"{base}/?lang=zh")
    nav = browser.find_element(By.ID, "sitenav")
    texts = [a.text for a in nav.find_elements(By.TAG_NAME, "a")]
    assert texts == ["目录", "机关查询清单", "联合奖惩应用清单", "名单", "服务规范", "审计日志公开核验"]
    shot(browser, "shell-home")

    # at 390 px the navigation wraps inside the page: nothing sticks out sideways
    browser.set_window_size(390, 900)
    assert browser.execute_script("return document.documentElement.scrollWidth") <= 392
    links = nav.find_elements(By.TAG_NAME, "a")
    assert links[-1].location["y"] > links[0].location["y"]  # wrapped onto a second line
    # keyboard focus is visible: tab from the skip link through the header into the navigation
    body = browser.find_element(By.TAG_NAME, "body")
    for _ in range(12):
        body.send_keys("\ue004")  # Tab
        active = browser.switch_to.active_element
        if active.get_attribute("href") and active.get_attribute("href").endswith("/catalog"):
            break
    assert active.get_attribute("href").endswith("/catalog")
    outline = browser.execute_script("return getComputedStyle(arguments[0]).outlineStyle", active)
    assert outline not in ("none", ""), outline
    _narrow_shot(browser, "shell-home-390")

    browser.get(f"{base}/transparency")
    current = browser.find_element(By.CSS_SELECTOR, '#sitenav a[aria-current="page"]')
    assert current.text == "审计日志公开核验"
    shot(browser, "shell-transparency")
    browser.get(f"{base}/articles/36")
    assert "第三十六条" in browser.find_element(By.TAG_NAME, "h1").text
    shot(browser, "shell-article")
    browser.get(f"{base}/subjects/{portal_world.org_id}")
    assert browser.find_element(By.TAG_NAME, "h1").text == ORG_NAME
    assert "2024年5月20日" in browser.find_element(By.ID, f"record-{portal_world.records['current']}").text
    shot(browser, "shell-subject")
    _narrow_shot(browser, "shell-subject-390")
    browser.get(f"{base}/articles/99")
    assert "没有这一条" in browser.find_element(By.TAG_NAME, "body").text
    shot(browser, "shell-404")

    browser.get(f"{base}/subjects/{portal_world.org_id}?lang=en")
    assert "Decision date" in browser.find_element(By.TAG_NAME, "body").text
    shot(browser, "shell-subject-en")
    browser.get(f"{base}/transparency")
    assert browser.find_element(By.TAG_NAME, "h1").text == "Audit log transparency"
    shot(browser, "shell-transparency-en")

    # signed in, the party's own area is in the navigation
    from xinyong.db import session_scope
    from xinyong.models import Subject

    from ..helpers import issue_subject_token

    with session_scope(engine) as s:
        token = issue_subject_token(s, s.get(Subject, portal_world.org_id))
    sign_in(browser, base, token)
    browser.get(f"{base}/?lang=zh")
    own = browser.find_element(By.ID, "sitenav-home")
    assert own.text == "我的信息" and own.get_attribute("href").endswith("/me")
    shot(browser, "shell-home-signed-in")
    _narrow_shot(browser, "shell-home-signed-in-390")
