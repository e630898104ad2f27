"""The inspector UI on a hostile store: every value from outside is text, never markup,
and reaches the terminal with its control characters and escape sequences made visible.

Driven with Pilot over the hostile store (tests/hostile.py) on every dialect; the SQLite
one through every screen. What the screen shows is read from the composed strips, the
cells that reach the terminal, with their styles: a `link` style or a click action from
the data would show there.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import URL
from textual.pilot import Pilot

from inspector.config import data_dir, load_settings
from inspector.journal import Journal
from inspector.push import PushService
from inspector.safetext import escape, has_unsafe
from inspector.tui.app import InspectorApp
from tests import hostile
from tests.tui.conftest import AppFactory, search, settings_for, settle, static_text, status_text

SIZE = (160, 50)
TABS = ("1", "2", "3", "4", "5")


def screen_lines(app: InspectorApp) -> list[str]:
    """The text of the screen as it reaches the terminal, line by line."""
    strips = app.screen._compositor.render_strips()
    return ["".join(segment.text for segment in strip) for strip in strips]


def screen_styles(app: InspectorApp) -> Iterator[Any]:
    for strip in app.screen._compositor.render_strips():
        for segment in strip:
            if segment.style is not None:
                yield segment.style


def assert_safe(app: InspectorApp) -> str:
    """The app is alive, nothing on screen is a raw control character, and no data made a
    link or a click action. Returns the screen's text."""
    assert app.is_running and app._exception is None, app._exception
    text = "\n".join(screen_lines(app))
    for forbidden in (*hostile.FORBIDDEN_OUTPUT, "\x1b", "\x07", "\x9b", "\u202e"):
        assert forbidden not in text, repr(forbidden)
    for style in screen_styles(app):
        assert not style.link, style.link
        assert "app.quit" not in str(style.meta.get("@click", "")), style.meta
    return text


def by_token(installation_id: str) -> str:
    """A hostile device's query: its push token (its id is not a UUID, and two of its
    customers hold what no search box takes)."""
    return "token:tok-" + installation_id + "-" + "a" * 100


def notifications(app: InspectorApp) -> list[str]:
    return [n.message for n in app._notifications]


@pytest.fixture
def hostile_app(make_app: AppFactory, hostile_store_url: URL) -> Any:
    def make(**kwargs: Any) -> InspectorApp:
        return make_app(url=hostile_store_url, **kwargs)

    return make


@pytest.fixture
def sqlite_hostile_url(make_database: Any) -> URL:
    url = make_database("sqlite")
    hostile.build_hostile_store(url)
    return url


async def visit_tabs(pilot: Pilot[Any]) -> str:
    """Every tab of the device shown, and every history row; the screen text of all."""
    app: InspectorApp = pilot.app  # type: ignore[assignment]
    seen = []
    for tab in TABS:
        app.query_one("#results").focus()
        await pilot.press(tab)
        await settle(pilot)
        seen.append(assert_safe(app))
        if tab == "4":
            table = app.query_one("#history-table")
            for _ in range(table.row_count):
                await pilot.press("down")
                await pilot.pause()
                seen.append(assert_safe(app))
    return "\n".join(seen)


# -- every device, every tab, every dialect ---------------------------------------------


@pytest.mark.parametrize("iid", hostile.ALL)
async def test_every_hostile_device_on_every_tab(hostile_app: Any, iid: str) -> None:
    app = hostile_app()
    async with app.run_test(size=SIZE) as pilot:
        await search(pilot, by_token(iid))
        assert app.main.device is not None, status_text(app)
        assert app.main.device.installation.installation_id == iid
        await visit_tabs(pilot)
        assert app.is_running


@pytest.mark.parametrize("query", [hostile.CUSTOMER, hostile.MARKUP_CUSTOMER, "cid:[/]"])
async def test_hostile_customers_are_listed(hostile_app: Any, query: str) -> None:
    app = hostile_app()
    async with app.run_test(size=SIZE) as pilot:
        await search(pilot, query)
        text = assert_safe(app)
        assert app.query_one("#results").row_count >= 1
        if query != hostile.CUSTOMER:
            assert "of customer [/]" in status_text(app)
            assert "[bold red]x[/]" in text  # the device model, as typed


# -- markup is text ------------------------------------------------------------------


async def test_markup_in_the_store_shows_as_typed(
    sqlite_hostile_url: URL, make_app: AppFactory
) -> None:
    app = make_app(url=sqlite_hostile_url)
    async with app.run_test(size=SIZE) as pilot:
        await search(pilot, by_token(hostile.H_MARKUP))
        row = [str(cell) for cell in app.query_one("#results").get_row_at(0)]
        assert hostile.STYLED in row and hostile.MARKUP in row  # model and app version
        overview = static_text(app, "#overview-fields")
        for value in (hostile.LINK, hostile.STYLED, hostile.ACTION, "[b]", "[/b]"):
            assert value in overview, value
        text = assert_safe(app)
        assert hostile.LINK in text
        await pilot.press("3")
        await settle(pilot)
        cells = {str(c) for r in range(3) for c in app.query_one("#attributes-table").get_row_at(r)}
        assert {hostile.MARKUP, hostile.STYLED, hostile.LINK, hostile.ACTION} <= cells
        await pilot.press("4")
        await settle(pilot)
        kinds = {str(app.query_one("#history-table").get_row_at(r)[2]) for r in range(2)}
        assert kinds == {hostile.MARKUP, hostile.STYLED}
        assert_safe(app)


async def test_escapes_in_the_store_are_shown_visibly(
    sqlite_hostile_url: URL, make_app: AppFactory
) -> None:
    app = make_app(url=sqlite_hostile_url)
    async with app.run_test(size=SIZE) as pilot:
        await search(pilot, by_token(hostile.H_ESCAPE))
        overview = static_text(app, "#overview-fields")
        assert escape(hostile.ESCAPE_CUSTOMER) in overview
        assert escape(hostile.BIDI + "14") in overview
        await pilot.press("3")
        await settle(pilot)
        cells = {str(c) for r in range(8) for c in app.query_one("#attributes-table").get_row_at(r)}
        # Decoded from the JSON text, then escaped for the screen.
        assert escape(hostile.OSC_TITLE + "x") in cells and escape(hostile.CLEAR) in cells
        assert "a\\nb\\rc" in cells
        await pilot.press("4")
        await settle(pilot)
        detail = static_text(app, "#history-detail")
        assert "PWNED" in detail and "\x1b" not in detail
        assert_safe(app)


async def test_deep_json_is_a_clipped_raw_value_with_a_note(
    sqlite_hostile_url: URL, make_app: AppFactory
) -> None:
    app = make_app(url=sqlite_hostile_url)
    async with app.run_test(size=SIZE) as pilot:
        await search(pilot, by_token(hostile.H_DEEP))
        await pilot.press("3")
        await settle(pilot)
        table = app.query_one("#attributes-table")
        pairs = {str(table.get_row_at(r)[0]): str(table.get_row_at(r)[1]) for r in range(2)}
        assert pairs["_raw"].startswith("[[[[") and len(pairs["_raw"]) < 3_000
        assert "deeper than 64 levels" in pairs["_note"]
        await pilot.press("4")
        await settle(pilot)
        for _ in range(2):
            await pilot.press("down")
            await pilot.pause()
            assert "deeper than 64 levels" in static_text(app, "#history-detail")
        assert_safe(app)


async def test_invalid_timestamps_are_said(sqlite_hostile_url: URL, make_app: AppFactory) -> None:
    app = make_app(url=sqlite_hostile_url)
    async with app.run_test(size=SIZE) as pilot:
        await search(pilot, hostile.CUSTOMER)
        assert app.query_one("#results").row_count == 5
        await search(pilot, by_token(hostile.H_TIME))
        overview = static_text(app, "#overview-fields")
        assert "invalid value (yesterday)" in overview
        await pilot.press("2")
        await settle(pilot)
        assert "invalid value (not a date)" in static_text(app, "#push-fields")
        await pilot.press("4")
        await settle(pilot)
        # The store orders the pages; the table says which time it could not read.
        table = app.query_one("#history-table")
        whens = [str(table.get_row_at(r)[0]) for r in range(table.row_count)]
        assert whens.count("invalid value") == 1, whens
        table.move_cursor(row=whens.index("invalid value"))
        await pilot.pause()
        assert "invalid value (yesterday)" in static_text(app, "#history-detail")
        assert_safe(app)


async def test_customer_jump_and_back_keep_escapes_out_of_the_search_box(
    sqlite_hostile_url: URL, make_app: AppFactory
) -> None:
    """`g` puts the device's Customer ID in the search box: an Input draws its value raw,
    so a stored one is shown escaped there (the lookup still uses the stored value)."""
    app = make_app(url=sqlite_hostile_url)
    async with app.run_test(size=SIZE) as pilot:
        await search(pilot, by_token(hostile.H_ESCAPE))
        app.query_one("#results").focus()
        await pilot.press("g")
        await settle(pilot)
        assert app.main.device is not None
        assert app.main.device.installation.installation_id == hostile.H_ESCAPE
        assert app.query_one("#search").value == "cid:" + escape(hostile.ESCAPE_CUSTOMER)
        assert_safe(app)
        await search(pilot, hostile.CUSTOMER)
        app.query_one("#results").focus()
        await pilot.press("b")
        await settle(pilot)
        assert app.main.device.installation.installation_id == hostile.H_ESCAPE
        assert_safe(app)


# -- what the user types is text too -------------------------------------------------------


async def test_markup_typed_in_the_search_box_is_echoed_as_text(hostile_app: Any) -> None:
    app = hostile_app()
    async with app.run_test(size=SIZE) as pilot:
        await search(pilot, "adid:[/]")
        assert "'[/]' is not one" in status_text(app)
        await search(pilot, "[bold red]nobody[/]")
        assert "[bold red]nobody[/]" in status_text(app)
        assert_safe(app)


async def test_markup_typed_in_the_attribute_filter(
    sqlite_hostile_url: URL, make_app: AppFactory
) -> None:
    app = make_app(url=sqlite_hostile_url)
    async with app.run_test(size=SIZE) as pilot:
        await search(pilot, by_token(hostile.H_MARKUP))
        await pilot.press("3")
        await settle(pilot)
        app.query_one("#attributes-filter").value = "[/]"
        await pilot.pause()
        assert "match '[/]'" in static_text(app, "#attributes-status")
        assert_safe(app)


# -- config and journal values -------------------------------------------------------------


def hostile_settings(url: URL, operator: str = hostile.MARKUP) -> Any:
    """The demo profile (its simulated provider) on the hostile store."""
    return settings_for(url, "demo", operator)


async def test_operator_name_is_text_in_the_banner_and_the_push_screens(
    sqlite_hostile_url: URL, make_app: AppFactory
) -> None:
    from inspector.tui.screens.push_compose import PushComposeScreen
    from inspector.tui.screens.push_confirm import PushConfirmScreen

    app = make_app(journal=True, settings=hostile_settings(sqlite_hostile_url))
    app.services.push = PushService.from_settings(
        app.settings, app.services.store_if_open(), app.services.journal
    )
    async with app.run_test(size=SIZE) as pilot:
        assert "operator [/]" in assert_safe(app)
        await search(pilot, by_token(hostile.H_ESCAPE))
        await pilot.press("p")
        await settle(pilot)
        for _ in range(100):
            if isinstance(app.screen, PushComposeScreen) and app.screen.query("#review"):
                break
            await pilot.pause(0.01)
        compose = app.screen
        assert isinstance(compose, PushComposeScreen)
        assert escape(hostile.ESCAPE_CUSTOMER) in "\n".join(screen_lines(app))
        assert_safe(app)
        compose.query_one("#title").value = "[bold red]x[/]"
        compose.query_one("#data").value = '{"[/]": 1}'
        await pilot.pause()
        assert "'[/]' is not" in str(compose.query_one("#problem").render())
        assert_safe(app)
        compose.query_one("#data").value = "[" * 1_500
        await pilot.pause()
        problem = str(compose.query_one("#problem").render())
        assert "deeper than" in problem and "\n" not in problem.strip()
        assert_safe(app)
        compose.query_one("#data").value = '{"k": "[/]\\u001b]0;PWNED\\u0007"}'
        await pilot.pause()
        await pilot.press("ctrl+s")
        for _ in range(200):
            if isinstance(app.screen, PushConfirmScreen) and app.focused is not None:
                break
            await pilot.pause(0.01)
        assert isinstance(app.screen, PushConfirmScreen)
        text = assert_safe(app)
        assert "operator [/]" in text and "[TEST] [bold red]x[/]" in text
        assert "Pixel\\x1b[2J\\x1b[H" in text
        await pilot.press("escape")
        await settle(pilot)
        assert_safe(app)
    app.services.push.close()


async def test_test_devices_and_audit_screens_show_journal_values_as_text(
    sqlite_hostile_url: URL, make_app: AppFactory
) -> None:
    app = make_app(url=sqlite_hostile_url, journal=True)
    journal = app.services.journal
    journal.add_test_device(hostile.H_MARKUP, hostile.STYLED, hostile.LINK)
    journal.add_test_device(hostile.H_ESCAPE, hostile.ACTION, hostile.MARKUP)
    journal.record("[/]", installation_id=hostile.H_MARKUP, details={hostile.MARKUP: hostile.LINK})
    async with app.run_test(size=SIZE) as pilot:
        await search(pilot, by_token(hostile.H_MARKUP))
        await pilot.press("2")
        await settle(pilot)
        assert hostile.STYLED in static_text(app, "#push-fields")
        await pilot.press("4")
        await settle(pilot)
        assert_safe(app)
        app.query_one("#results").focus()
        await pilot.press("T")
        await settle(pilot)
        for _ in range(100):
            if type(app.screen).__name__ == "TestDevicesScreen" and app.screen.rows:
                break
            await pilot.pause(0.01)
        text = assert_safe(app)
        assert hostile.STYLED in text and hostile.LINK in text
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("A")
        for _ in range(100):
            if type(app.screen).__name__ == "AuditScreen" and app.screen.entries:
                break
            await pilot.pause(0.01)
        text = assert_safe(app)
        assert "[/]" in text
        await pilot.press("escape")
        await settle(pilot)
        assert_safe(app)


async def test_test_device_label_and_notifications_are_text(
    sqlite_hostile_url: URL, make_app: AppFactory
) -> None:
    app = make_app(url=sqlite_hostile_url, journal=True)
    async with app.run_test(size=SIZE) as pilot:
        await search(pilot, by_token(hostile.H_MARKUP))
        await pilot.press("t")
        await pilot.pause()
        app.screen.query_one("Input").value = hostile.STYLED
        await pilot.press("enter")
        await settle(pilot)
        assert any(hostile.STYLED in n for n in notifications(app))
        assert_safe(app)
        await pilot.press("t")
        await pilot.pause()
        assert hostile.STYLED in assert_safe(app)  # the removal question names the label
        await pilot.press("escape")
        await pilot.press("c")
        await pilot.pause()
        assert "Customer ID  [/]" in assert_safe(app)


# -- audited means recorded first -----------------------------------------------------


def broken_journal() -> Journal:
    """A journal whose every write fails: a directory where its database should be."""
    journal = Journal.open(hostile_settings(URL.create("sqlite", database="unused.db"), "ana"))
    journal.close()
    journal_file = data_dir() / "journal.db"
    journal_file.unlink()
    journal_file.mkdir()
    return journal


@pytest.mark.parametrize("journal", ["none", "broken"])
async def test_reveal_without_a_working_journal_is_refused(
    sqlite_hostile_url: URL, make_app: AppFactory, journal: str
) -> None:
    app = make_app(
        url=sqlite_hostile_url, journal=broken_journal() if journal == "broken" else False
    )
    async with app.run_test(size=SIZE) as pilot:
        await search(pilot, by_token(hostile.H_BOOL))
        token = app.main.device.installation.push_token
        app.query_one("#search").value = ""  # it was the query: only the tabs may show it
        await pilot.press("2", "r")
        await settle(pilot)
        assert token not in static_text(app, "#push-fields")
        assert token not in "\n".join(screen_lines(app))
        assert "(masked)" in static_text(app, "#push-fields")
        assert not app.main.revealed
        said = notifications(app)[-1]
        assert said.startswith("Not revealed") and "audit" in said
        assert "revealed for this device" not in said and "the reveal is audited" not in said


@pytest.mark.parametrize("journal", ["none", "broken"])
async def test_export_without_a_working_journal_writes_no_file(
    sqlite_hostile_url: URL, make_app: AppFactory, tmp_path: Path, journal: str
) -> None:
    out = tmp_path / "exports"
    out.mkdir()
    app = make_app(
        url=sqlite_hostile_url,
        journal=broken_journal() if journal == "broken" else False,
        export_dir=out,
    )
    async with app.run_test(size=SIZE) as pilot:
        await search(pilot, by_token(hostile.H_BOOL))
        await pilot.press("e")
        await settle(pilot)
        assert list(out.iterdir()) == []
        said = notifications(app)[-1]
        assert said.startswith("Not exported") and "audit" in said


async def test_export_of_a_hostile_device_is_ascii_json(
    sqlite_hostile_url: URL, make_app: AppFactory, tmp_path: Path
) -> None:
    import json

    out = tmp_path / "exports"
    out.mkdir()
    app = make_app(url=sqlite_hostile_url, journal=True, export_dir=out)
    async with app.run_test(size=SIZE) as pilot:
        for iid in (hostile.H_ESCAPE, hostile.H_JSON, hostile.H_DEEP, hostile.H_TIME):
            await search(pilot, by_token(iid))
            await pilot.press("e")
            await settle(pilot)
        assert_safe(app)
    files = sorted(out.iterdir())
    assert len(files) == 4
    for file in files:
        text = file.read_text("utf-8")
        assert text.isascii() and "\x1b" not in text and "NaN" not in text.replace('"NaN"', "")
        json.loads(text)
    exports = [e for e in app.services.journal.entries() if e.action == "export"]
    assert len(exports) == 4


def test_banner_escapes_each_config_value_once() -> None:
    """The store label is made terminal-safe by the config; the operator name here. Each
    is escaped once: a `\\x1b` reads as such, not `\\\\x1b`."""
    from inspector.tui.widgets.banner import banner_text

    cfg = load_settings(
        {
            "INSPECTOR_STORE_URL": "postgresql+psycopg://u@db/inst%1b%5d0%3bowned%07",
            "INSPECTOR_ENVIRONMENT": "staging",
            "INSPECTOR_OPERATOR": hostile.MARKUP + hostile.OSC_TITLE,
        }
    )
    shown = banner_text(cfg).plain
    assert "· db/inst\\x1b]0;owned\\x07 ·" in shown
    assert shown.endswith("operator [/]\\x1b]0;PWNED\\x07")
    assert not any(has_unsafe(ch) for ch in shown)
