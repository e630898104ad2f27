"""Every text box of the inspector takes a paste as text: markup stays as typed, and a
control character (an escape sequence, a C1 CSI, a bidi override) is written as its
visible escape in the box, never drawn raw.

A terminal's bracketed paste is posted to the app, which hands it to the focused box;
what reaches the terminal is read from the composed strips (test_hostile_ui).
"""

from __future__ import annotations

import json
from typing import Any

from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import Input, Static, TextArea

from inspector.fixtures.demo import ANA_IPHONE, CUSTOMER_ANA
from inspector.push import PushService
from inspector.safetext import escape
from inspector.tui.app import InspectorApp
from inspector.tui.screens.audit import AuditScreen
from inspector.tui.screens.dialogs import PromptScreen
from inspector.tui.screens.push_compose import PushComposeScreen
from inspector.tui.screens.push_confirm import PushConfirmScreen
from tests.tui.conftest import AppFactory, results, search, settle, status_text
from tests.tui.test_hostile_signoff_ui import paste
from tests.tui.test_hostile_ui import assert_safe
from tests.tui.test_signoff import until

SIZE = (160, 50)
# A clear screen, an OSC title, a C1 CSI, a bidi override and markup.
PASTED = "[bold]x[/]\x1b[2J\x1b]0;x\x07\x9b\u202e!"
# What the box shows and keeps: each control character as its escape.
SHOWN = "[bold]x[/]\\x1b[2J\\x1b]0;x\\x07\\x9b\\u202e!"
REFUSED = "Cannot search: the query contains control or invisible characters; paste it again."


def test_what_the_box_shows_is_the_paste_escaped() -> None:
    assert escape(PASTED) == SHOWN


async def paste_into(pilot: Pilot[Any], box: Input) -> None:
    """PASTED pasted into the box: nothing raw reaches the terminal, the box shows SHOWN."""
    app: InspectorApp = pilot.app  # type: ignore[assignment]
    await paste(pilot, box, PASTED)
    text = assert_safe(app)
    assert box.value == SHOWN and SHOWN in text


async def open_on_ana(pilot: Pilot[Any], key: str, kind: type[Screen[Any]]) -> Screen[Any]:
    """Ana's devices searched, then `key`: the screen it opens, its boxes composed."""
    app = pilot.app
    await search(pilot, CUSTOMER_ANA)
    await pilot.press(key)
    await until(pilot, lambda: isinstance(app.screen, kind) and bool(app.screen.query(Input)))
    await settle(pilot)
    return app.screen


async def test_a_paste_into_the_search_box_is_shown_visible_and_refused_in_words(
    make_app: AppFactory,
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        box = app.main.query_one("#search", Input)
        await paste_into(pilot, box)
        await pilot.press("enter")
        await settle(pilot)
        assert status_text(app) == REFUSED
        assert_safe(app)

        # Its escape deleted, what is left is searched.
        box.value = ""
        await paste(pilot, box, CUSTOMER_ANA + "\x07")
        assert box.value == CUSTOMER_ANA + "\\x07"
        await pilot.press(*["backspace"] * 4, "enter")
        await settle(pilot)
        assert status_text(app) == "3 installations of customer cust-42"
        assert results(app)[0]["customer"] == CUSTOMER_ANA

        # The same escape typed, not pasted, is text: searched as a Customer ID.
        await search(pilot, CUSTOMER_ANA + "\\x07")
        assert status_text(app).startswith("No installation has Customer ID cust-42\\\\x07")
        assert_safe(app)


async def test_a_paste_into_each_box_of_the_push_compose_is_shown_visible(
    make_app: AppFactory,
) -> None:
    app = make_app(journal=True)
    app.services.push = PushService.from_settings(
        app.settings, app.services.store_if_open(), app.services.journal
    )
    try:
        async with app.run_test(size=SIZE) as pilot:
            compose = await open_on_ana(pilot, "p", PushComposeScreen)
            await paste_into(pilot, compose.query_one("#title", Input))
            body = compose.query_one("#body", TextArea)
            await paste(pilot, body, f"{PASTED}\nline two\t{PASTED}")
            link = compose.query_one("#deep-link", Input)
            await paste(pilot, link, f"shop://cart/{PASTED}")
            data = compose.query_one("#data", Input)
            await paste(pilot, data, f'{{"k": "{PASTED}"}}')
            assert_safe(app)
            assert body.text == f"{SHOWN}\nline two\t{SHOWN}"  # its line break and tab kept
            assert link.value == f"shop://cart/{SHOWN}"
            assert data.value == f'{{"k": "{SHOWN}"}}'
            # The data as pasted is no JSON (\x is no JSON escape): said in one line.
            problem = str(compose.query_one("#problem", Static).render())
            assert problem.startswith("data is not") and "\n" not in problem.strip(), problem

            # The payload to confirm holds the title as shown.
            data.value = '{"k": "v"}'
            await pilot.pause()
            await pilot.press("ctrl+s")
            await until(pilot, lambda: isinstance(app.screen, PushConfirmScreen), "the confirm")
            await pilot.pause()
            assert json.dumps(SHOWN)[1:-1] in assert_safe(app)
    finally:
        app.services.push.close()


async def test_a_paste_into_the_test_device_label_is_kept_as_shown(
    make_app: AppFactory,
) -> None:
    app = make_app(journal=True)
    async with app.run_test(size=SIZE) as pilot:
        dialog = await open_on_ana(pilot, "t", PromptScreen)
        await paste_into(pilot, dialog.query_one("#prompt-input", Input))
        await pilot.press("enter")
        await settle(pilot)
        assert app.services.journal is not None
        device = app.services.journal.test_device(ANA_IPHONE)
        assert device is not None and device.label == SHOWN
        assert_safe(app)


async def test_a_paste_into_the_audit_filter_is_shown_visible(make_app: AppFactory) -> None:
    app = make_app(journal=True)
    async with app.run_test(size=SIZE) as pilot:
        audit = await open_on_ana(pilot, "A", AuditScreen)
        await paste_into(pilot, audit.query_one("#audit-filter", Input))


async def test_a_paste_into_the_attributes_filter_is_shown_visible(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await search(pilot, CUSTOMER_ANA)
        await pilot.press("3")
        await settle(pilot)
        await paste_into(pilot, app.screen.query_one("#attributes-filter", Input))
