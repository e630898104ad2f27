"""Device details: tabs, push warnings, attributes, history paging and filtering, activity."""

from __future__ import annotations

from sqlalchemy.engine import URL
from textual.widgets import DataTable, Select, Sparkline

from inspector.fixtures.demo import (
    ANA_IPAD,
    ANA_IPHONE,
    ANA_PIXEL,
    CUSTOMER_ANA,
    CUSTOMER_UNICODE,
    LONG_HISTORY_EVENTS,
)
from inspector.store.repository import StoreRepository
from tests.tui.conftest import AppFactory, search, settle, static_text


def active_tab(app) -> str:  # type: ignore[no-untyped-def]
    return app.query_one("#tabs").active


async def test_tabs_switch_by_key_and_by_click(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(140, 45)) as pilot:
        await search(pilot, CUSTOMER_ANA)
        assert active_tab(app) == "overview"
        for key, tab in (("2", "push"), ("3", "attributes"), ("5", "activity"),
                         ("4", "history"), ("3", "attributes"), ("1", "overview")):  # fmt: skip
            await pilot.press(key)
            await settle(pilot)
            assert active_tab(app) == tab
        # Keys 3 and 4 put the focus in the tab's table, where the arrows are useful.
        await pilot.press("4")
        assert app.focused is app.query_one("#history-table")
        await pilot.click("#tabs Tab#--content-tab-history")
        assert active_tab(app) == "history"


async def test_overview_shows_identifiers_with_the_advertising_id_masked(
    make_app: AppFactory,
) -> None:
    app = make_app()
    async with app.run_test(size=(140, 45)) as pilot:
        await search(pilot, CUSTOMER_ANA)
        text = static_text(app, "#overview-fields")
        assert ANA_IPHONE in text
        assert "iPhone 16 Pro" in text and "America/Sao_Paulo" in text
        assert "2026-11-27 10:00:00 UTC (2 h ago)" in text  # absolute and relative
        assert "4C5D" in text and "A1B2C3D4" not in text  # masked IDFA
        assert "LIVE" in text


async def test_push_tab_masks_the_token_and_warns_about_sandbox(
    make_app: AppFactory, sqlite_demo_url: URL
) -> None:
    store = StoreRepository.open(sqlite_demo_url)
    ipad = store.get(ANA_IPAD)
    store.close()
    assert ipad is not None and ipad.push_token
    app = make_app()
    async with app.run_test(size=(140, 45)) as pilot:
        await search(pilot, ANA_IPAD)
        await pilot.press("2")
        fields = static_text(app, "#push-fields")
        assert ipad.push_token not in fields
        assert ipad.push_token[-6:] in fields and "(masked)" in fields
        assert "sandbox" in fields and "60 days" in fields
        warnings = static_text(app, "#push-warnings")
        assert "sandbox token" in warnings


async def test_push_tab_of_a_dead_android_token(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(140, 45)) as pilot:
        await search(pilot, ANA_PIXEL)
        warnings = static_text(app, "#push-warnings")
        assert "token unregistered since 300 d ago" in warnings
        assert "inactive for 40 days" in warnings


async def test_attributes_are_readable_and_filterable(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(140, 45)) as pilot:
        await search(pilot, CUSTOMER_ANA)
        await pilot.press("3")
        table = app.query_one("#attributes-table", DataTable)
        keys = [str(table.get_row_at(i)[0]) for i in range(table.row_count)]
        assert "last_order.total" in keys and "plan" in keys
        await pilot.click("#attributes-filter")
        await pilot.press(*"lisboa")
        assert [str(c) for c in table.get_row_at(0)] == ["favourite_store", "Lisboa"]
        assert table.row_count == 1
        assert "1 of 6 attributes" in static_text(app, "#attributes-status")


async def test_non_ascii_attributes(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(140, 45)) as pilot:
        await search(pilot, f"cid:{CUSTOMER_UNICODE}")
        table = app.query_one("#attributes-table", DataTable)
        rows = {str(table.get_row_at(i)[0]): str(table.get_row_at(i)[1]) for i in range(2)}
        assert rows == {"昵称": "小李", "city": "北京"}


async def test_history_pages_load_as_the_user_scrolls(make_app: AppFactory) -> None:
    app = make_app(history_page_size=40)
    async with app.run_test(size=(140, 45)) as pilot:
        await search(pilot, CUSTOMER_ANA)
        await pilot.press("4")
        table = app.query_one("#history-table", DataTable)
        # Only the first keyset page, never the whole history.
        assert table.row_count == 40
        assert "latest 40 events · scroll down for more" in static_text(app, "#history-status")
        first_when = str(table.get_row_at(0)[0])
        assert first_when == "2026-11-27 10:00:00"  # newest first: the last session
        table.focus()
        await pilot.press("end")
        await settle(pilot)
        assert table.row_count == 80
        stamps = [str(table.get_row_at(i)[0]) for i in range(table.row_count)]
        assert stamps == sorted(stamps, reverse=True)
        await pilot.press("end")
        await settle(pilot)
        assert table.row_count == 120
        assert table.row_count < LONG_HISTORY_EVENTS


async def test_history_filter_by_kind_and_event_detail(make_app: AppFactory) -> None:
    app = make_app(history_page_size=40)
    async with app.run_test(size=(140, 45)) as pilot:
        await search(pilot, CUSTOMER_ANA)
        await pilot.press("4")
        app.query_one("#history-kind", Select).value = "app_updated"
        await settle(pilot)
        table = app.query_one("#history-table", DataTable)
        assert table.row_count == 0
        assert "no events of this kind" in static_text(app, "#history-status")
        app.query_one("#history-kind", Select).value = "push_opened"
        await settle(pilot)
        kinds = {str(table.get_row_at(i)[2]) for i in range(table.row_count)}
        assert kinds == {"push opened"} and table.row_count == 40
        detail = static_text(app, "#history-detail")
        assert detail.startswith("push opened · 2026-")
        assert '"campaign":' in detail and '"message_id":' in detail
        table.focus()
        await pilot.press("down")
        assert static_text(app, "#history-detail") != detail
        # Clearing the filter shows every kind again.
        app.query_one("#history-kind", Select).clear()
        await settle(pilot)
        kinds = {str(table.get_row_at(i)[2]) for i in range(table.row_count)}
        assert len(kinds) > 2


async def test_history_of_another_device_starts_over(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(140, 45)) as pilot:
        await search(pilot, CUSTOMER_ANA)
        await pilot.press("4")
        results = app.query_one("#results", DataTable)
        results.focus()
        await pilot.press("down", "down")
        await settle(pilot)
        assert app.main.device is not None
        assert app.main.device.installation.installation_id == ANA_PIXEL
        table = app.query_one("#history-table", DataTable)
        assert table.row_count == 17
        assert static_text(app, "#history-status").strip() == "all 17 events"


async def test_activity_chart_covers_90_days(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(140, 45)) as pilot:
        await search(pilot, CUSTOMER_ANA)
        await pilot.press("5")
        await settle(pilot)
        sessions = app.query_one("#activity-sessions", Sparkline).data
        pushes = app.query_one("#activity-pushes", Sparkline).data
        assert sessions is not None and len(sessions) == 90 and sum(sessions) > 0
        assert pushes is not None and len(pushes) == 90
        summary = static_text(app, "#activity-summary")
        assert summary.startswith("last 90 days:") and "active on 90 of 90 days" in summary
        assert "alive" in summary
        assert "2026-11-27" in static_text(app, "#activity-axis")
