"""Snapshots of the main screens (pytest-textual-snapshot, Textual pinned in pyproject).

Deterministic: the demo store is built at DEMO_NOW, the app's clock is DEMO_NOW, and the
store sits at a relative path so the banner reads the same on every machine.
Update after an intended change with `pytest tests/tui --snapshot-update`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import URL
from textual.pilot import Pilot

from inspector.fixtures.demo import ANA_IPAD, CUSTOMER_ANA, ZERO_ADID
from tests.tui.conftest import AppFactory, search, settle

SIZE = (120, 36)


async def _found(pilot: Pilot[Any], query: str = CUSTOMER_ANA) -> None:
    await search(pilot, query)
    pilot.app.clear_notifications()
    await pilot.pause()


def test_start_screen(snap_compare: Any, make_app: AppFactory, local_demo_url: URL) -> None:
    assert snap_compare(make_app(url=local_demo_url), terminal_size=SIZE)


def test_customer_overview(snap_compare: Any, make_app: AppFactory, local_demo_url: URL) -> None:
    assert snap_compare(make_app(url=local_demo_url), terminal_size=SIZE, run_before=_found)


def test_push_tab_with_warnings(
    snap_compare: Any, make_app: AppFactory, local_demo_url: URL
) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await _found(pilot, ANA_IPAD)
        await pilot.press("2")
        await settle(pilot)

    assert snap_compare(make_app(url=local_demo_url), terminal_size=SIZE, run_before=run_before)


def test_history_tab(snap_compare: Any, make_app: AppFactory, local_demo_url: URL) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await _found(pilot)
        await pilot.press("4")
        await settle(pilot)

    assert snap_compare(make_app(url=local_demo_url), terminal_size=SIZE, run_before=run_before)


def test_zero_id_refusal_in_production(
    snap_compare: Any, make_app: AppFactory, local_demo_url: URL
) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await search(pilot, ZERO_ADID)

    app = make_app("production", url=local_demo_url)
    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_help_screen(snap_compare: Any, make_app: AppFactory, local_demo_url: URL) -> None:
    assert snap_compare(make_app(url=local_demo_url), terminal_size=(120, 44), press=["f1"])
