"""`inspector serve` in a real browser: headless Chromium from Debian's packages (installed
by .ci/run), driven through chromedriver. Heavy: two tests, one server each."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium.webdriver.common.keys import Keys

from inspector.config import Settings
from inspector.fixtures.demo import ANA_IPHONE, ANA_PIXEL, CUSTOMER_ANA
from tests.web.running import (
    Page,
    ServeProcess,
    add_user,
    chromium_missing,
    start_chromium,
)

pytestmark = pytest.mark.skipif(chromium_missing() is not None, reason=chromium_missing() or "")

PASSWORDS = {"ana": "ana's long passphrase", "bob": "bob's other passphrase"}
SEARCH_READY = "Customer ID, Installation ID, Advertising ID or push token"


@pytest.fixture
def serve(web_settings: Settings, tmp_path: Path) -> Iterator[ServeProcess]:
    for name, password in PASSWORDS.items():
        add_user(name, password)
    server = ServeProcess(tmp_path / "serve.err")
    yield server
    server.stop()


def test_log_in_search_a_customer_and_open_a_device(serve: ServeProcess, tmp_path: Path) -> None:
    driver = start_chromium(tmp_path / "chromium")
    try:
        page = Page(driver, serve.origin)
        page.login("ana", "not the passphrase")
        assert "Wrong user or password" in driver.page_source
        page.login("ana", PASSWORDS["ana"])
        screen = page.wait_for(SEARCH_READY, "operator ana")
        banner = next(line for line in screen.splitlines() if "operator ana" in line)
        assert "STAGING" in banner and "server-os-user" not in banner
        assert page.element_text("user") == "signed in as ana"

        # A customer: the live device's details open.
        page.type(CUSTOMER_ANA, Keys.ENTER)
        details = page.wait_for(ANA_IPHONE, "iPhone 16 Pro")
        assert "LIVE" in details
        # A device by its Installation ID.
        page.type("/")
        # As a person would: the box takes the focus before the next keys come.
        time.sleep(1.0)
        page.type(ANA_PIXEL, Keys.ENTER)
        details = page.wait_for(ANA_PIXEL, "Pixel 8")
        assert "operator ana" in details
        driver.save_screenshot(str(tmp_path / "inspector-in-chromium.png"))
        assert (tmp_path / "inspector-in-chromium.png").stat().st_size > 10_000
    finally:
        driver.quit()


def test_two_browsers_as_two_users_each_see_their_own_name(
    serve: ServeProcess, tmp_path: Path
) -> None:
    drivers = []
    try:
        pages = {}
        for name in ("ana", "bob"):
            driver = start_chromium(tmp_path / f"chromium-{name}")
            drivers.append(driver)
            pages[name] = Page(driver, serve.origin)
            pages[name].login(name, PASSWORDS[name])
        for name, page in pages.items():
            other = "bob" if name == "ana" else "ana"
            screen = page.wait_for(SEARCH_READY, f"operator {name}")
            assert f"operator {other}" not in screen
            assert page.element_text("user") == f"signed in as {name}"
            page.driver.save_screenshot(str(tmp_path / f"inspector-{name}.png"))
    finally:
        for driver in drivers:
            driver.quit()
