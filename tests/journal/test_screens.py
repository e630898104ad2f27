"""The Audit and Test devices screens, each pushed on a tiny host app and driven by Pilot."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import update
from sqlalchemy.engine import URL
from textual.app import App
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import Button, DataTable, Input, Static
from textual.worker import WorkerFailed

from inspector.fixtures.demo import ANA_IPHONE, ANA_PIXEL
from inspector.journal import Journal
from inspector.journal.schema import audit_log
from inspector.store.repository import StoreRepository
from inspector.tui.screens.audit import AuditScreen
from inspector.tui.screens.dialogs import ConfirmScreen as RemoveDialog
from inspector.tui.screens.dialogs import PromptScreen as LabelDialog
from inspector.tui.screens.test_devices import TestDevicesScreen
from tests.journal.conftest import drop_triggers, raw_engine, settings_for


class Host(App[None]):
    def __init__(self, make_screen: Callable[[], Screen[None]]) -> None:
        super().__init__()
        self.make_screen = make_screen

    def on_mount(self) -> None:
        self.push_screen(self.make_screen())


@pytest.fixture
def sqlite_journal(make_database: Callable[[str], URL]) -> Iterator[tuple[Journal, URL]]:
    url = make_database("sqlite")
    journal = Journal.open(settings_for(url))
    yield journal, url
    journal.close()


@pytest.fixture
def store(sqlite_demo_url: URL) -> Iterator[StoreRepository]:
    repo = StoreRepository.open(sqlite_demo_url)
    yield repo
    repo.close()


async def settle(pilot: Pilot) -> None:  # type: ignore[type-arg]
    # A worker that failed is part of what some tests check: its error is the screen's
    # to show, not the waiter's to raise.
    with contextlib.suppress(WorkerFailed):
        await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def rows(screen: Screen[None]) -> list[list[str]]:
    table = screen.query_one(DataTable)
    return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]


def status(screen: Screen[None], widget_id: str) -> str:
    return str(screen.query_one(widget_id, Static).render())


async def test_audit_screen_lists_filters_and_escapes(sqlite_journal) -> None:  # type: ignore[no-untyped-def]
    journal, url = sqlite_journal
    bob = Journal.open(settings_for(url, INSPECTOR_OPERATOR="bob"))
    try:
        answered = journal.push_intent(installation_id=ANA_IPHONE, provider="apns", details={})
        journal.push_outcome(answered, installation_id=ANA_IPHONE, outcome="ok", details={})
        bob.push_intent(installation_id=ANA_PIXEL, provider="fcm", details={})
        bob.record("export", details={"note": "x\n#9  forged\x1b[31m [bold]markup[/bold]"})
    finally:
        bob.close()
    app = Host(lambda: AuditScreen(journal))
    async with app.run_test(size=(160, 30)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, AuditScreen)
        shown = rows(screen)
        assert [r[0] for r in shown] == ["4", "3", "2", "1"]
        assert shown[1][4:6] == ["push.intent", "outcome unknown"]
        assert shown[3][4:6] == ["push.intent", "ok"]
        assert {r[3] for r in shown} == {"demo"}  # the profile column
        note = shown[0][7]
        assert "\n" not in note and "\x1b" not in note
        assert "\\n#9" in note and "[bold]markup[/bold]" in note  # shown, not interpreted
        await pilot.press("slash")
        await pilot.press(*"op:bob")
        await pilot.pause()
        assert [r[0] for r in rows(screen)] == ["4", "3"]
        assert "2 of 4 records match" in status(screen, "#audit-status")
        screen.query_one(Input).value = "iid:" + ANA_IPHONE[:8] + " push.outcome"
        await pilot.pause()
        assert [r[0] for r in rows(screen)] == ["2"]
        await pilot.press("escape")  # first Esc clears the filter
        assert len(rows(screen)) == 4 and app.screen is screen
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, AuditScreen)


async def test_audit_screen_for_one_installation(sqlite_journal) -> None:  # type: ignore[no-untyped-def]
    journal, _ = sqlite_journal
    journal.record("reveal", installation_id=ANA_IPHONE)
    journal.record("reveal", installation_id=ANA_PIXEL)
    app = Host(lambda: AuditScreen(journal, installation_id=ANA_PIXEL))
    async with app.run_test(size=(160, 30)) as pilot:
        await settle(pilot)
        assert [r[6] for r in rows(app.screen)] == [ANA_PIXEL]


async def test_audit_screen_verifies_the_chain(sqlite_journal) -> None:  # type: ignore[no-untyped-def]
    journal, url = sqlite_journal
    for _ in range(3):
        journal.record("export")
    app = Host(lambda: AuditScreen(journal))
    async with app.run_test(size=(160, 30)) as pilot:
        await settle(pilot)
        await pilot.press("v")
        await settle(pilot)
        assert "hash chain whole: 3 records checked" in status(app.screen, "#audit-status")
        drop_triggers(url)
        engine = raw_engine(url)
        with engine.begin() as conn:
            conn.execute(update(audit_log).where(audit_log.c.seq == 2).values(outcome="refused"))
        engine.dispose()
        await pilot.press("v")
        await settle(pilot)
        text = status(app.screen, "#audit-status")
        assert "BROKEN at record 2" in text
        assert app.screen.query_one("#audit-status").has_class("bad")


async def test_audit_screen_says_when_the_journal_is_unavailable(sqlite_journal) -> None:  # type: ignore[no-untyped-def]
    journal, url = sqlite_journal
    journal.record("export")
    journal.close()  # drop pooled connections, then spoil the file under the journal
    for suffix in ("-wal", "-shm"):
        Path(f"{url.database}{suffix}").unlink(missing_ok=True)
    Path(url.database or "").write_bytes(b"this is not a database" * 100)
    app = Host(lambda: AuditScreen(journal))
    async with app.run_test(size=(160, 30)) as pilot:
        await settle(pilot)
        assert "the journal is unavailable" in status(app.screen, "#audit-status")
        assert rows(app.screen) == []


async def test_test_devices_screen_shows_live_token_state(sqlite_journal, store) -> None:  # type: ignore[no-untyped-def]
    journal, _ = sqlite_journal
    journal.add_test_device(ANA_IPHONE, "Ana's iPhone 16", "ana")
    journal.add_test_device(ANA_PIXEL, "Ana's Pixel 8", "ana")
    journal.add_test_device("11111111-2222-3333-4444-555555555555", "Bench phone", "qa")
    app = Host(lambda: TestDevicesScreen(journal, lambda: store))
    async with app.run_test(size=(160, 30)) as pilot:
        await settle(pilot)
        by_label = {r[0]: r for r in rows(app.screen)}
        assert by_label["Ana's iPhone 16"][4] == "active · production"
        assert by_label["Ana's iPhone 16"][3].startswith("iOS · ")
        assert by_label["Ana's Pixel 8"][2] == ANA_PIXEL
        assert by_label["Bench phone"][4] == "not in the store"
        assert "3 test device(s)" in status(app.screen, "#devices-status")


async def test_test_devices_screen_renames_and_removes(sqlite_journal, store) -> None:  # type: ignore[no-untyped-def]
    journal, _ = sqlite_journal
    journal.add_test_device(ANA_IPHONE, "Ana's iPhone", "ana")
    app = Host(lambda: TestDevicesScreen(journal, lambda: store))
    async with app.run_test(size=(160, 30)) as pilot:
        await settle(pilot)
        await pilot.press("r")
        await pilot.pause()
        assert isinstance(app.screen, LabelDialog)
        app.screen.query_one(Input).value = "Ana's work iPhone"
        await pilot.press("enter")
        await settle(pilot)
        await settle(pilot)  # the reload after the rename
        assert rows(app.screen)[0][0] == "Ana's work iPhone"
        device = journal.test_device(ANA_IPHONE)
        assert device is not None and device.label == "Ana's work iPhone"

        await pilot.press("d")
        await pilot.pause()
        assert isinstance(app.screen, RemoveDialog)
        assert app.screen.focused is app.screen.query_one("#cancel", Button)
        await pilot.press("enter")  # Cancel has the focus
        await settle(pilot)
        assert journal.test_device(ANA_IPHONE) is not None

        await pilot.press("d")
        await pilot.pause()
        await pilot.click("#remove")
        await settle(pilot)
        await settle(pilot)
        assert journal.test_device(ANA_IPHONE) is None
        assert rows(app.screen) == []
    actions = [e.action for e in journal.entries(installation_id=ANA_IPHONE)]
    assert actions == ["test_device.remove", "test_device.rename", "test_device.add"]


async def test_test_devices_screen_with_the_store_down(sqlite_journal, tmp_path) -> None:  # type: ignore[no-untyped-def]
    journal, _ = sqlite_journal
    journal.add_test_device(ANA_IPHONE, "Ana's iPhone", "ana")
    gone = tmp_path / "store.db"
    gone.write_bytes(b"not a database" * 100)
    broken = StoreRepository.open(URL.create("sqlite", database=str(gone)))
    app = Host(lambda: TestDevicesScreen(journal, lambda: broken))
    try:
        async with app.run_test(size=(160, 30)) as pilot:
            await settle(pilot)
            (row,) = rows(app.screen)
            assert row[0] == "Ana's iPhone" and row[4].startswith("store unavailable")
    finally:
        broken.close()


async def test_test_devices_show_live_store_values_escaped(
    sqlite_journal, make_database: Callable[[str], URL]
) -> None:  # type: ignore[no-untyped-def]
    """The model and token state come from the store: a clear-screen sequence in them is
    shown as visible escapes, markup as typed."""
    from inspector.safetext import escape
    from tests import hostile

    journal, _ = sqlite_journal
    url = make_database("sqlite")
    hostile.build_hostile_store(url)
    repo = StoreRepository.open(url)
    journal.add_test_device(hostile.H_ESCAPE, "escape", "ana")
    journal.add_test_device(hostile.H_MARKUP, "markup", "ana")
    app = Host(lambda: TestDevicesScreen(journal, lambda: repo))
    try:
        async with app.run_test(size=(200, 30)) as pilot:
            await settle(pilot)
            by_label = {r[0]: r for r in rows(app.screen)}
            escaped = by_label["escape"]
            assert escaped[3] == "Android · " + escape("Pixel" + hostile.CLEAR)
            assert escaped[4] == escape(hostile.CLEAR + "x")
            assert by_label["markup"][3] == "Android · " + hostile.STYLED
            assert app.is_running and app._exception is None
    finally:
        repo.close()


async def test_audit_screen_shows_each_records_profile(make_database: Callable[[str], URL]) -> None:
    from dataclasses import replace

    from tests.journal.version1 import append_version1_records, create_version1_journal

    url = make_database("sqlite")
    create_version1_journal(url)
    append_version1_records(url, 1)  # written before records named their profile
    staging = Journal.open(replace(settings_for(url), profile="staging"))
    qa = Journal.open(replace(settings_for(url), profile="qa"))
    try:
        staging.record("export")
        qa.record("reveal", installation_id=ANA_IPHONE)
        app = Host(lambda: AuditScreen(staging))
        async with app.run_test(size=(160, 30)) as pilot:
            await settle(pilot)
            screen = app.screen
            assert str(screen.query_one(DataTable).ordered_columns[3].label) == "profile"
            assert [(r[0], r[3]) for r in rows(screen)] == [("3", "qa"), ("2", "staging"),
                                                            ("1", "—")]  # fmt: skip
            await pilot.press("slash")
            await pilot.press(*"profile:QA")
            await pilot.pause()
            assert [r[0] for r in rows(screen)] == ["3"]
            screen.query_one(Input).value = "staging"  # a word matches the profile too
            await pilot.pause()
            assert [r[0] for r in rows(screen)] == ["2"]
    finally:
        staging.close()
        qa.close()
