"""Start: the search box is ready before the store, journal and push service are open.

The app's Services may be given functions that open them; the app runs them in a
worker after the first frame. Loading settings and importing the app never import SQLAlchemy.
"""

from __future__ import annotations

import asyncio
import gc
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy.engine import URL, make_url

from inspector.config import (
    ConfigError,
    check_url,
    data_dir,
    demo_store_path,
    describe_url,
    load_settings,
)
from inspector.fixtures.demo import CUSTOMER_ANA
from inspector.journal import Journal
from inspector.services import Openers, Services
from inspector.store.repository import StoreRepository
from inspector.tui.app import InspectorApp
from tests.conftest import DEMO_NOW
from tests.gate import Gate
from tests.tui.conftest import results, search, settings_for, settle, status_text


def test_settings_and_the_app_load_without_sqlalchemy() -> None:
    code = (
        "import sys\n"
        "import inspector.cli, inspector.tui.app\n"
        "from inspector.config import load_settings\n"
        "cfg = load_settings({'INSPECTOR_STORE_URL': 'postgresql+psycopg://a:pw@db:6432/x'})\n"
        "assert cfg.store_label == 'db:6432/x', cfg.store_label\n"
        "load_settings({})\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'sqlalchemy'"
        " or m.startswith('inspector.cli.') and m != 'inspector.cli.common'))\n"
        "cfg.store_url\n"
        "print('sqlalchemy' in sys.modules)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    # Neither SQLAlchemy nor a subcommand module; the URL object is made on first use.
    assert proc.stdout.split() == ["[]", "True"]


@pytest.mark.parametrize(
    "text",
    [
        "postgresql+psycopg://ana:s3cr3t@replica.db.internal:6432/installations",
        "postgresql://db/x",
        "mysql+pymysql://root@127.0.0.1:3306/test?charset=utf8mb4",
        "postgresql://u:p@[::1]:5432/db",
        "postgresql://u:p%40x@host/db%20name",
        "postgresql:///local",
        "sqlite:///relative/store.db",
        "sqlite:////abs/store%3F.db",
        "sqlite://",
        "sqlite:///:memory:",
    ],
)
def test_url_text_is_described_as_sqlalchemy_parses_it(text: str) -> None:
    assert check_url(text, "X") == text
    assert describe_url(text) == describe_url(make_url(text))
    assert "s3cr3t" not in describe_url(text) and "ana" not in describe_url(text)


@pytest.mark.parametrize("text", ["not a url ::: secret", "postgresql://h:port/db", "://x", ""])
def test_url_text_is_refused_where_sqlalchemy_refuses_it(text: str) -> None:
    with pytest.raises(Exception):  # noqa: B017 - ArgumentError or ValueError
        make_url(text)
    with pytest.raises(ConfigError, match=r"^X is not a valid database URL$"):
        check_url(text, "X")


def test_settings_keep_urls_as_text_and_parse_them_on_use(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg = load_settings({"INSPECTOR_STORE_URL": "postgresql+psycopg://ana:s3cr3t@db/x"})
    assert cfg.store_url.password == "s3cr3t" and cfg.store_url.host == "db"
    assert "s3cr3t" not in repr(cfg)
    # The demo store's and the journal's paths come back unchanged, whatever they hold.
    odd = tmp_path / "a b?%20#"
    monkeypatch.setenv("XDG_DATA_HOME", str(odd))
    demo = load_settings({})
    assert demo.store_url == URL.create("sqlite", database=str(demo_store_path()))
    assert str(demo_store_path()).startswith(str(odd))
    assert demo.journal_url.database == str(data_dir() / "journal.db")
    assert demo.store_label == f"sqlite:{demo_store_path()}"
    with pytest.raises(ConfigError, match="INSPECTOR_JOURNAL_URL is not a valid database URL"):
        load_settings({"INSPECTOR_JOURNAL_URL": "journal with pw"})


def open_checked(url: URL) -> Callable[[], StoreRepository]:
    def open_store() -> StoreRepository:
        return StoreRepository.open_checked(url, statement_timeout_s=2.0)

    return open_store


async def test_search_box_is_ready_before_the_store_opens_and_a_search_waits_for_it(
    sqlite_demo_url: URL, tmp_path: Path
) -> None:
    settings = settings_for(sqlite_demo_url)
    gate = Gate(open_checked(settings.store_url))
    journals: list[Journal] = []

    def open_journal() -> Journal:
        journals.append(Journal.open(settings))
        return journals[-1]

    services = Services(settings, Openers(gate, open_journal))
    app = InspectorApp(settings, services, clock=lambda: DEMO_NOW, export_dir=tmp_path)
    async with app.run_test(size=(140, 40)) as pilot:
        assert await asyncio.to_thread(gate.entered.wait, 30)
        assert app.focused is app.query_one("#search")
        assert app.services.opening and not gate.opened
        assert status_text(app).startswith("Opening the store sqlite:")
        # A search typed meanwhile waits for the store: no error, the query is kept.
        await pilot.press(*CUSTOMER_ANA, "enter")
        assert status_text(app) == "Searching Customer ID cust-42 once the store is open…"
        assert not app.query_one("#status").has_class("-error")
        gate.release.set()
        await settle(pilot)
        assert status_text(app) == "3 installations of customer cust-42"
        assert len(results(app)) == 3
        assert gate.calls == 1
        # The journal was open before the lookup ran: it is audited.
        assert app.services.journal is journals[0]
        assert [e.action for e in app.services.journal.entries()] == ["lookup"]
    assert not app.services.opening


async def test_a_store_that_cannot_be_opened_is_said_in_place_and_a_search_retries(
    sqlite_demo_url: URL, tmp_path: Path
) -> None:
    path = tmp_path / "store.db"
    shutil.copy(sqlite_demo_url.database or "", tmp_path / "moved.db")
    settings = settings_for(URL.create("sqlite", database=str(path)))
    gate = Gate(open_checked(settings.store_url))
    gate.release.set()
    services = Services(settings, Openers(gate))
    app = InspectorApp(settings, services, clock=lambda: DEMO_NOW, export_dir=tmp_path)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        text = status_text(app)
        assert text.startswith("The database is unreachable"), text
        assert text.endswith("Searching tries again.")
        assert app.query_one("#status").has_class("-error")
        assert app.focused is app.query_one("#search")
        # Still down: the search says so in place and the app stays usable.
        await search(pilot, CUSTOMER_ANA)
        assert status_text(app).startswith("The database is unreachable")
        assert gate.calls == 2
        # Back: the next search opens the store and finds the customer.
        (tmp_path / "moved.db").rename(path)
        await search(pilot, CUSTOMER_ANA)
        assert status_text(app) == "3 installations of customer cust-42"
        assert gate.calls == 3


async def test_a_search_waiting_on_a_failed_open_reports_it_then_the_next_one_retries(
    sqlite_demo_url: URL, tmp_path: Path
) -> None:
    path = tmp_path / "store.db"
    shutil.copy(sqlite_demo_url.database or "", tmp_path / "moved.db")
    settings = settings_for(URL.create("sqlite", database=str(path)))
    gate = Gate(open_checked(settings.store_url))
    services = Services(settings, Openers(gate))
    app = InspectorApp(settings, services, clock=lambda: DEMO_NOW, export_dir=tmp_path)
    async with app.run_test(size=(140, 40)) as pilot:
        assert await asyncio.to_thread(gate.entered.wait, 30)
        await pilot.press(*CUSTOMER_ANA, "enter")
        gate.release.set()
        await settle(pilot)
        # The waiting search reports the failed attempt; it does not try a second time.
        assert status_text(app).startswith("The database is unreachable")
        assert gate.calls == 1
        (tmp_path / "moved.db").rename(path)
        await search(pilot, CUSTOMER_ANA)
        assert status_text(app) == "3 installations of customer cust-42"
        assert gate.calls == 2


async def test_push_is_opened_with_the_store_and_a_failure_is_a_warning(
    sqlite_demo_url: URL, tmp_path: Path
) -> None:
    settings = settings_for(sqlite_demo_url)
    given: list[object] = []

    def open_push(store: StoreRepository, journal: Journal | None) -> None:
        given.extend([store, journal])
        raise ValueError("INSPECTOR_FCM_CREDENTIALS points at a missing file\nmore detail")

    services = Services(settings, Openers(open_checked(settings.store_url), None, open_push))
    app = InspectorApp(settings, services, clock=lambda: DEMO_NOW)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        assert given == [app.services.store_if_open(), None]
        assert app.services.push is None
        said = [n.message for n in app._notifications]
        assert said == [
            "Push is not configured: INSPECTOR_FCM_CREDENTIALS points at a missing file"
        ]
        assert status_text(app).startswith("Type a Customer ID")


async def test_a_journal_that_cannot_be_opened_is_a_warning_and_search_still_works(
    sqlite_demo_url: URL,
) -> None:
    url = sqlite_demo_url.render_as_string(hide_password=False)
    settings = load_settings({"INSPECTOR_STORE_URL": url, "INSPECTOR_JOURNAL_URL": url})

    def open_journal() -> Journal:
        return Journal.open(settings)  # refused: the journal would be the store itself

    services = Services(settings, Openers(open_checked(settings.store_url), open_journal))
    app = InspectorApp(settings, services, clock=lambda: DEMO_NOW)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        said = [n.message for n in app._notifications]
        assert len(said) == 1 and said[0].startswith("The audit journal is unavailable")
        assert said[0].endswith("Nothing is audited: reveals, exports and sends are refused.")
        assert app.services.journal is None
        await search(pilot, CUSTOMER_ANA)
        assert status_text(app) == "3 installations of customer cust-42"


async def test_while_opening_the_journal_screens_say_to_wait(
    sqlite_demo_url: URL, tmp_path: Path
) -> None:
    settings = settings_for(sqlite_demo_url)
    gate = Gate(open_checked(settings.store_url))
    services = Services(settings, Openers(gate, lambda: Journal.open(settings)))
    app = InspectorApp(settings, services, clock=lambda: DEMO_NOW)
    async with app.run_test(size=(140, 40)) as pilot:
        assert await asyncio.to_thread(gate.entered.wait, 30)
        await app.main.run_action("audit")
        await pilot.pause()
        said = [str(n.message) for n in app._notifications]
        assert said == ["The journal is still being opened: try again in a moment."]
        gate.release.set()
        await settle(pilot)
        assert app.services.journal is not None
        app.services.journal.close()


async def test_start_up_objects_leave_the_collectors_full_passes_until_the_app_ends(
    make_app: Callable[..., InspectorApp],
) -> None:
    """A full collection walks every object alive: what start-up made is frozen out of
    it once the app is up (a proof's last verdicts waited on a 130 ms pass), and given
    back when the app ends, so nothing it held outlives it."""
    app = make_app()
    async with app.run_test() as pilot:
        await settle(pilot)
        assert gc.get_freeze_count() > 0
    assert gc.get_freeze_count() == 0
