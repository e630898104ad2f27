"""Search: every key kind, refusals, not found, a dead database, superseded lookups."""

from __future__ import annotations

import asyncio
import shutil
import threading
from pathlib import Path

from sqlalchemy.engine import URL

from inspector.fixtures.demo import (
    ANA_IPAD,
    ANA_IPHONE,
    ANA_IPHONE_IDFA,
    ANA_PIXEL,
    CUSTOMER_ANA,
    CUSTOMER_REINSTALL,
    CUSTOMER_UNICODE,
    REINSTALL_NEW,
    REINSTALL_OLD,
    ZERO_ADID,
)
from inspector.lookup import Lookup
from inspector.store.records import FindResult
from inspector.store.repository import StoreRepository
from tests.tui.conftest import AppFactory, results, search, settle, status_text


async def test_search_input_has_focus_at_start_and_on_slash(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test() as pilot:
        assert app.focused is app.query_one("#search")
        await search(pilot, CUSTOMER_ANA)
        assert app.focused is app.query_one("#results")
        await pilot.press("slash")
        assert app.focused is app.query_one("#search")


async def test_customer_devices_are_grouped_with_the_live_one_first(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.press(*CUSTOMER_ANA, "enter")
        await settle(pilot)
        assert status_text(app) == "3 installations of customer cust-42"
        rows = results(app)
        assert [r["model"] for r in rows] == ["iPhone 16 Pro", "iPad Air", "Pixel 8"]
        assert rows[0]["marker"] == "●" and rows[0]["state"] == "LIVE"
        assert rows[0]["customer"] == CUSTOMER_ANA
        assert rows[1]["customer"] == rows[2]["customer"] == ""  # grouped under the first
        assert rows[2]["state"] == "STALE" and rows[2]["token"] == "unregistered"
        assert rows[1]["token"] == "active · sandbox"
        assert [r["platform"] for r in rows] == ["iOS", "iOS", "Android"]
        assert [r["last seen"] for r in rows] == ["2 h ago", "3 d ago", "40 d ago"]
        assert {r["matched by"] for r in rows} == {"Customer ID"}
        # The live device is the one opened.
        assert app.main.device is not None
        assert app.main.device.installation.installation_id == ANA_IPHONE


async def test_reinstall_leaves_a_stale_installation(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(140, 40)) as pilot:
        await search(pilot, CUSTOMER_REINSTALL)
        table = app.query_one("#results")
        keys = [table.coordinate_to_cell_key((i, 0)).row_key.value for i in range(2)]
        assert keys == [REINSTALL_NEW, REINSTALL_OLD]
        assert [r["state"] for r in results(app)] == ["LIVE", "STALE"]


async def test_search_by_installation_id_in_upper_case(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(140, 40)) as pilot:
        await search(pilot, ANA_IPAD.upper())
        rows = results(app)
        assert len(rows) == 1
        assert rows[0]["model"] == "iPad Air" and rows[0]["matched by"] == "Installation ID"
        assert status_text(app) == "1 installation of customer cust-42"


async def test_search_by_advertising_id_in_lower_case(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(140, 40)) as pilot:
        await search(pilot, ANA_IPHONE_IDFA.lower())
        rows = results(app)
        assert len(rows) == 1
        assert rows[0]["model"] == "iPhone 16 Pro" and rows[0]["matched by"] == "Advertising ID"


async def test_search_by_pasted_apns_token(make_app: AppFactory, sqlite_demo_url: URL) -> None:
    store = StoreRepository.open(sqlite_demo_url)
    iphone = store.get(ANA_IPHONE)
    store.close()
    assert iphone is not None and iphone.push_token
    token = iphone.push_token
    pasted = "<" + " ".join(token[i : i + 8] for i in range(0, 64, 8)).upper() + ">"
    app = make_app()
    async with app.run_test(size=(140, 40)) as pilot:
        await search(pilot, pasted)
        rows = results(app)
        assert len(rows) == 1 and rows[0]["matched by"] == "push token"
        assert app.main.device is not None
        assert app.main.device.installation.installation_id == ANA_IPHONE


async def test_search_by_fcm_token_with_prefix(make_app: AppFactory, sqlite_demo_url: URL) -> None:
    store = StoreRepository.open(sqlite_demo_url)
    pixel = store.get(ANA_PIXEL)
    store.close()
    assert pixel is not None and pixel.push_token
    app = make_app()
    async with app.run_test(size=(140, 40)) as pilot:
        await search(pilot, f"token:{pixel.push_token}")
        assert [r["model"] for r in results(app)] == ["Pixel 8"]


async def test_non_ascii_customer_id(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(140, 40)) as pilot:
        await search(pilot, f"cid:{CUSTOMER_UNICODE}")
        assert status_text(app) == f"1 installation of customer {CUSTOMER_UNICODE}"


async def test_zero_advertising_id_is_refused_before_any_query(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(140, 40)) as pilot:
        for spelling in (ZERO_ADID, ZERO_ADID.replace("-", ""), f"adid:{ZERO_ADID.upper()}"):
            await pilot.press("slash")
            app.query_one("#search").value = spelling
            await pilot.press("enter")
            assert not list(app.workers), "no lookup may run for the all-zero ID"
            assert "Refused" in status_text(app)
            assert "millions of devices" in status_text(app)
            assert app.query_one("#status").has_class("-refused")
        # Still usable.
        await search(pilot, CUSTOMER_ANA)
        assert len(results(app)) == 3


async def test_not_found_says_so_and_clears_results(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(140, 40)) as pilot:
        await search(pilot, CUSTOMER_ANA)
        await search(pilot, "cust-does-not-exist")
        assert status_text(app).startswith("No installation has Customer ID cust-does-not-exist")
        assert app.main.device is None
        assert not app.query_one("#results").display
        assert app.query_one("#empty").display


async def test_bad_input_is_explained(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(140, 40)) as pilot:
        await search(pilot, "   ")
        assert status_text(app).startswith("Cannot search: type a Customer ID")
        app.main.search("x" * 10_000)
        assert "10,000 characters long" in status_text(app)
        app.main.search("cust\x00-42")
        assert "control or invisible characters" in status_text(app)
        await search(pilot, "iid:not-a-uuid")
        assert "Installation IDs are UUIDs" in status_text(app)
        await search(pilot, "'; DROP TABLE installations; --")
        assert status_text(app).startswith("No installation has Customer ID")
        assert app.query_one("#status").has_class("-info")


async def test_database_unreachable_on_a_closed_port(make_app: AppFactory) -> None:
    app = make_app(url="postgresql+psycopg://inspector:s3cret-pw@127.0.0.1:1/installations")
    async with app.run_test(size=(140, 40)) as pilot:
        await search(pilot, CUSTOMER_ANA)
        text = status_text(app)
        assert text.startswith("The database is unreachable")
        assert "127.0.0.1:1/installations" in text
        assert "s3cret-pw" not in text
        assert app.query_one("#status").has_class("-error")
        assert not app.query_one("#results").loading
        # The app keeps answering keys.
        await pilot.press("f1")
        assert type(app.screen).__name__ == "HelpScreen"
        await pilot.press("escape")
        await pilot.press("slash")
        assert app.focused is app.query_one("#search")


async def test_database_file_deleted_then_back(make_app: AppFactory, sqlite_demo_url: URL,
                                               tmp_path: Path) -> None:  # fmt: skip
    path = tmp_path / "store.db"
    shutil.copy(sqlite_demo_url.database or "", path)
    app = make_app(url=URL.create("sqlite", database=str(path)))
    path.rename(tmp_path / "moved.db")
    async with app.run_test(size=(140, 40)) as pilot:
        await search(pilot, CUSTOMER_ANA)
        assert status_text(app).startswith("The database is unreachable")
        (tmp_path / "moved.db").rename(path)
        await search(pilot, CUSTOMER_ANA)
        assert status_text(app) == "3 installations of customer cust-42"


class SlowStore(StoreRepository):
    """The real repository behind a gate: a database that answers when the test says so."""

    def __init__(self, url: URL) -> None:
        other = StoreRepository.open(url)
        super().__init__(other.engine, url)
        self.gate = threading.Event()
        self.answered = threading.Event()

    def find(self, lookup: Lookup) -> FindResult:
        self.gate.wait(timeout=30)
        try:
            return super().find(lookup)
        finally:
            self.answered.set()


async def test_slow_database_shows_progress_and_typing_cancels(
    make_app: AppFactory, sqlite_demo_url: URL
) -> None:
    store = SlowStore(sqlite_demo_url)
    app = make_app(store=store)
    app.main.spinner_after_s = 0.001  # the spinner waits a moment so fast answers never flash it
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.press(*CUSTOMER_ANA, "enter")
        assert status_text(app) == "Searching Customer ID cust-42…"
        results_table = app.query_one("#results")
        for _ in range(100):  # until the spinner's timer has fired
            if results_table.loading:
                break
            await pilot.pause()
        assert results_table.loading
        # The UI answers keys while the database is busy.
        await pilot.press("f1")
        assert type(app.screen).__name__ == "HelpScreen"
        await pilot.press("escape")
        # Typing supersedes the running lookup; its late answer is ignored.
        await pilot.press("slash", "end", "x")
        assert status_text(app).startswith("Search cancelled")
        assert not app.query_one("#results").loading
        store.gate.set()
        await asyncio.to_thread(store.answered.wait, 30)
        await settle(pilot)
        assert app.main.device is None
        assert status_text(app).startswith("Search cancelled")
        # A new search after that works.
        await search(pilot, CUSTOMER_ANA)
        assert len(results(app)) == 3


async def test_rapid_searches_show_only_the_last(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(140, 40)) as pilot:
        app.main.search(CUSTOMER_ANA)
        app.main.search(CUSTOMER_REINSTALL)
        await settle(pilot)
        assert status_text(app) == "2 installations of customer cust-1001"
        assert len(app.main.back_stack) == 0


async def test_results_beyond_the_cap_are_counted_not_shown(
    make_app: AppFactory, sqlite_demo_url: URL
) -> None:
    other = StoreRepository.open(sqlite_demo_url)
    app = make_app(store=StoreRepository(other.engine, sqlite_demo_url, result_cap=2))
    async with app.run_test(size=(140, 40)) as pilot:
        await search(pilot, CUSTOMER_ANA)
        assert len(results(app)) == 2
        assert status_text(app) == (
            "2 installations of customer cust-42 (1 more by Customer ID, not shown)"
        )
