"""What the role-by-role browser tests share: the live server and Chromium fixtures of ``test_browser.py``
(imported from there, so a missing Chromium skips them alike), full-page screenshots kept as artifacts
(``XINYONG_SCREENSHOT_DIR``, default the temporary directory), and signing in with the form.

Use: ``from .browser_support import browser, live_server, shot, sign_in, wait_for  # noqa: F401``
"""

from __future__ import annotations

from .test_browser import (  # noqa: F401 - fixtures and names re-exported
    EC,
    SCREENSHOTS,
    By,
    StaleElementReferenceException,
    WebDriverWait,
    _full_page_screenshot,
    browser,
    live_server,
)


def wait_for(driver, seconds: float = 15) -> WebDriverWait:
    return WebDriverWait(driver, seconds, ignored_exceptions=(StaleElementReferenceException,))


def shot(driver, name: str) -> None:
    """A full-page screenshot, ``xinyong-<name>.png`` in the artifacts directory."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    _full_page_screenshot(driver, SCREENSHOTS / f"xinyong-{name}.png")


def sign_in(driver, base: str, token: str, *, lang: str = "zh") -> None:
    """Sign in with the form at /login, as a person does, and wait for the role's home page."""
    driver.get(f"{base}/login?lang={lang}")
    box = driver.find_element(By.ID, "token")
    box.send_keys(token)
    driver.find_element(By.ID, "login-button").click()
    wait_for(driver).until(lambda d: "/login" not in d.current_url)


def sign_out(driver) -> None:
    driver.find_element(By.ID, "logout").click()
    wait_for(driver).until(EC.url_contains("/login"))
