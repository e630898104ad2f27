"""Fixtures for the Textual app: the demo store, a fixed clock, and helpers to wait on workers."""

from __future__ import annotations

import contextlib
import io
import shutil
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from sqlalchemy.engine import URL
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Static
from textual.worker import WorkerFailed

from inspector.config import Settings, StoreSpec, load_settings
from inspector.journal import Journal
from inspector.services import Services
from inspector.store.repository import StoreRepository
from inspector.tui.app import InspectorApp
from tests.conftest import DEMO_NOW

AppFactory = Callable[..., InspectorApp]


def settings_for(url: URL | str, environment: str = "demo", operator: str = "ana") -> Settings:
    """Settings as the variables give them. "demo" is the built-in demo profile (only the
    demo store is the demo: INSPECTOR_ENVIRONMENT=demo on a store URL is production), with
    its store at `url`, the test's copy of the demo store. The operator is `operator`
    whatever the environment: a production profile's is the OS account, which differs
    from one machine to the next (the banner and snapshots show it)."""
    text = url if isinstance(url, str) else url.render_as_string(False)
    if environment == "demo":
        demo = load_settings({}, profile="demo")
        assert demo.is_demo
        return replace(demo, stores=(StoreSpec("", text),), operator=operator)
    settings = load_settings({"INSPECTOR_STORE_URL": text, "INSPECTOR_ENVIRONMENT": environment})
    return replace(settings, operator=operator)


@pytest.fixture
def local_demo_url(sqlite_demo_url: URL) -> URL:
    """A copy of the demo store at a relative path (the cwd is the test's tmp dir), so the
    banner reads the same on every run: snapshots depend on it."""
    shutil.copy(sqlite_demo_url.database or "", "demo-store.db")
    return URL.create("sqlite", database="demo-store.db")


@pytest.fixture
def make_app(sqlite_demo_url: URL, tmp_path: Path) -> Iterator[AppFactory]:
    opened: list[Any] = []

    def factory(
        environment: str = "demo",
        *,
        url: URL | str | None = None,
        store: StoreRepository | None = None,
        journal: bool | Journal = False,
        push: Any = None,
        settings: Settings | None = None,
        **kwargs: Any,
    ) -> InspectorApp:
        settings = settings or settings_for(url or sqlite_demo_url, environment)
        if store is None:
            store = StoreRepository.open(settings.store_url, statement_timeout_s=2.0)
        opened.append(store)
        the_journal = Journal.open(settings) if journal is True else journal or None
        if the_journal is not None:
            opened.append(the_journal)
        kwargs.setdefault("export_dir", tmp_path)
        services = Services(settings, store=store, journal=the_journal, push=push)
        return InspectorApp(settings, services, clock=lambda: DEMO_NOW, **kwargs)

    yield factory
    for thing in opened:
        thing.close()


# Workers that wait for the user (a dialog) are not waited on.
_UI_GROUPS = {"test-device-ui", "test-devices-ui", "push-flow", "profile-ui", "proof-flow"}


async def settle(pilot: Pilot[Any]) -> None:
    """Wait until the store workers are done and the messages they posted are handled
    (a handled message may start another worker, hence the loop)."""
    app = pilot.app

    def busy() -> list[Any]:
        return [w for w in app.workers if not w.is_finished and w.group not in _UI_GROUPS]

    for _ in range(50):
        await pilot.pause()
        if running := busy():
            # A worker that failed is the screen's to say (what some tests check), not
            # the waiter's to raise; it may fail while being waited on.
            with contextlib.suppress(WorkerFailed):
                await app.workers.wait_for_complete(running)
        await pilot.pause()
        if not busy():
            await pilot.pause()
            return
    raise AssertionError("workers never settled")


async def search(pilot: Pilot[Any], text: str) -> None:
    app = pilot.app
    await pilot.press("slash")
    search_input = app.main.query_one("#search", Input)
    search_input.value = text  # typing 200 characters key by key adds nothing
    await pilot.press("enter")
    await settle(pilot)


# The main screen's widgets are looked up on `app.main`: `app.query_one` looks on the
# first screen the app composed, which a profile switch replaces.


def status_text(app: InspectorApp) -> str:
    return str(app.main.query_one("#status", Static).content)


def results(app: InspectorApp) -> list[dict[str, str]]:
    """The results table as rows of {column name: text}; the marker column is "marker"."""
    table = app.main.query_one("#results", DataTable)
    labels = [str(c.label) for c in table.ordered_columns]
    names = ["marker" if c.strip() == "" else c for c in labels]
    rows = (table.get_row_at(i) for i in range(table.row_count))
    return [dict(zip(names, map(str, row), strict=True)) for row in rows]


def static_text(app: InspectorApp, selector: str) -> str:
    """The plain text a Static shows (rich renderables rendered without styles)."""
    # A screen (a dialog) is looked in itself; the app, in its main screen.
    root = app.main if isinstance(app, InspectorApp) else app
    widget = root.query_one(selector, Static)
    out = io.StringIO()
    Console(width=200, file=out, color_system=None).print(widget.content)
    return out.getvalue()
