"""The journal's screens reached from the inspector: audit trail and test devices."""

from __future__ import annotations

from textual.widgets import DataTable

from inspector.fixtures.demo import ANA_IPAD, ANA_IPHONE
from inspector.tui.present import kind_label
from inspector.tui.screens.audit import AuditScreen
from inspector.tui.screens.test_devices import TestDevicesScreen
from inspector.tui.widgets.history import HistoryView
from tests.tui.conftest import AppFactory, search, settle, static_text


def table_rows(app) -> list[list[str]]:  # type: ignore[no-untyped-def]
    table = app.screen.query_one(DataTable)
    return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]


async def test_audit_screen_lists_what_was_done(make_app: AppFactory) -> None:
    app = make_app(journal=True)
    async with app.run_test(size=(150, 40)) as pilot:
        await search(pilot, ANA_IPHONE)
        await pilot.press("r")  # reveal asks which value
        await pilot.pause()
        await pilot.press("escape")
        await pilot.press("escape")  # leave the search box, then open the audit trail
        await pilot.press("A")
        await settle(pilot)
        assert isinstance(app.screen, AuditScreen)
        rows = table_rows(app)
        assert any("lookup" in " ".join(r) for r in rows)
        # The raw identifier is never in the trail.
        assert not any(ANA_IPHONE in " ".join(r) and "lookup" in " ".join(r) for r in rows)
        await pilot.press("escape")
        assert not isinstance(app.screen, AuditScreen)


async def test_test_devices_screen_opens_the_chosen_device(make_app: AppFactory) -> None:
    app = make_app(journal=True)
    assert app.services.journal is not None
    app.services.journal.add_test_device(ANA_IPAD, "Ana's iPad (TestFlight)", "ana")
    async with app.run_test(size=(150, 40)) as pilot:
        await search(pilot, ANA_IPHONE)
        await pilot.press("T")
        await settle(pilot)
        assert isinstance(app.screen, TestDevicesScreen)
        (row,) = table_rows(app)
        assert row[0] == "Ana's iPad (TestFlight)" and "sandbox" in row[4]
        await pilot.press("enter")
        await settle(pilot)
        assert not isinstance(app.screen, TestDevicesScreen)
        assert app.main.device is not None
        assert app.main.device.installation.installation_id == ANA_IPAD


async def test_without_a_journal_the_screens_say_why(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(150, 40)) as pilot:
        await search(pilot, ANA_IPHONE)
        await pilot.press("A")
        await pilot.press("T")
        await pilot.pause()
        messages = [str(n.message) for n in app._notifications]
        assert sum("Journal unavailable" in m for m in messages) == 2
        assert not isinstance(app.screen, AuditScreen | TestDevicesScreen)


async def test_marking_a_test_device_shows_in_its_timeline(make_app: AppFactory) -> None:
    app = make_app(journal=True)
    assert app.services.journal is not None
    app.services.journal.add_test_device(ANA_IPAD, "Ana's iPad", "ana")
    async with app.run_test(size=(150, 40)) as pilot:
        await search(pilot, ANA_IPAD)
        history = app.query_one(HistoryView)
        for _ in range(200):
            if history._placed:
                break
            await pilot.pause(0.01)
        rows = list(history.events.values())
        marks = [e for e in rows if kind_label(e.kind) == "⚑ marked test device"]
        assert len(marks) == 1 and marks[0].detail["by"] == "ana"
        # Store events and journal records are in one newest-first order.
        stamps = [e.occurred_at for e in rows]
        assert stamps == sorted(stamps, reverse=True)
        # A kind filter shows the store's events only.
        app.query_one("#history-kind").value = "session"
        await settle(pilot)
        assert all(e.kind == "session" for e in history.events.values())


async def test_push_tab_recalls_the_last_verdict_from_the_journal(make_app: AppFactory) -> None:
    app = make_app(journal=True)
    assert app.services.journal is not None
    intent = app.services.journal.push_intent(
        installation_id=ANA_IPAD, provider="apns", details={"title": "[TEST] hello"}
    )
    app.services.journal.push_outcome(
        intent, installation_id=ANA_IPAD, outcome="BadDeviceToken", details={"status": 400}
    )
    async with app.run_test(size=(150, 40)) as pilot:
        await search(pilot, ANA_IPAD)
        for _ in range(200):
            if app.main.verdict:
                break
            await pilot.pause(0.01)
        assert app.main.verdict is not None
        assert app.main.verdict.startswith("Last test push")
        assert app.main.verdict.endswith("by ana: BadDeviceToken")
        assert "Last test push" in static_text(app, "#push-warnings")
