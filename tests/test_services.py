"""Services: the store, journal and push service of one configuration, opened and held
together without textual (the UI runs `open()` in a worker; workers ask for the store)."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy.engine import URL

from inspector.config import Settings, load_settings
from inspector.fixtures import demo
from inspector.journal import Journal
from inspector.lookup import parse_query
from inspector.services import Openers, Services, State
from inspector.store.errors import StoreError
from inspector.store.repository import StoreRepository
from tests.gate import Gate
from tests.store.regional import closed_port, write_profile


def settings_for(url: URL) -> Settings:
    return load_settings(
        {
            "INSPECTOR_STORE_URL": url.render_as_string(False),
            "INSPECTOR_ENVIRONMENT": "staging",
            "INSPECTOR_OPERATOR": "ana",
        }
    )


def closed(service: StoreRepository | Journal) -> bool:
    """Closing disposes of the engine, which replaces its connection pool."""
    return service._engine.pool is not _pools[id(service)]


_pools: dict[int, object] = {}


def watch(service: StoreRepository | Journal) -> None:
    _pools[id(service)] = service._engine.pool


def watched_opener(url: URL) -> Callable[[], StoreRepository]:
    def open_store() -> StoreRepository:
        store = StoreRepository.open_checked(url, statement_timeout_s=2.0)
        watch(store)
        return store

    return open_store


@pytest.fixture
def moved_store(sqlite_demo_url: URL, tmp_path: Path) -> tuple[URL, Callable[[], None]]:
    """A store URL whose file is elsewhere until `put_back()`."""
    path = tmp_path / "store.db"
    shutil.copy(sqlite_demo_url.database or "", tmp_path / "moved.db")
    return URL.create("sqlite", database=str(path)), lambda: (tmp_path / "moved.db").rename(path)


def test_state_is_opening_then_open_in_words(sqlite_demo_url: URL) -> None:
    settings = settings_for(sqlite_demo_url)
    gate = Gate(watched_opener(sqlite_demo_url))
    services = Services(settings, Openers(store=gate))
    assert services.state is State.OPENING and services.opening
    with ThreadPoolExecutor(1) as pool:
        report = pool.submit(services.open)
        assert gate.entered.wait(30)
        assert services.describe() == f"Opening the store {settings.store_label}…"
        gate.release.set()
        assert report.result(30).store_error is None
    assert services.state is State.OPEN and not services.opening
    assert services.describe() == f"The store {settings.store_label} is open."
    assert services.store() is gate.opened[0]
    services.close()
    assert services.state is State.CLOSED


def test_a_failed_store_is_said_in_words_and_the_next_caller_retries(
    moved_store: tuple[URL, Callable[[], None]],
) -> None:
    url, put_back = moved_store
    gate = Gate(watched_opener(url))
    gate.release.set()
    services = Services(settings_for(url), Openers(store=gate))
    report = services.open()
    assert report.store_error is not None
    assert services.state is State.FAILED
    assert services.describe().startswith("The database is unreachable")
    assert "\n" not in services.describe()
    # Still down: the next caller tries again and gets the error.
    with pytest.raises(StoreError):
        services.store()
    assert gate.calls == 2
    put_back()
    store = services.store()
    assert gate.calls == 3 and services.state is State.OPEN
    assert services.store() is store and gate.calls == 3
    services.close()


def test_a_caller_waiting_on_a_failed_first_attempt_gets_its_error_without_retrying(
    moved_store: tuple[URL, Callable[[], None]],
) -> None:
    url, _ = moved_store
    gate = Gate(watched_opener(url))
    services = Services(settings_for(url), Openers(store=gate))
    with ThreadPoolExecutor(2) as pool:
        opening = pool.submit(services.open)
        assert gate.entered.wait(30)
        waiting = pool.submit(services.store)
        gate.release.set()
        with pytest.raises(StoreError):
            waiting.result(30)
        assert opening.result(30).store_error is not None
    assert gate.calls == 1
    services.close()


def test_close_closes_what_it_opened_and_not_what_it_was_given(sqlite_demo_url: URL) -> None:
    settings = settings_for(sqlite_demo_url)
    given = Journal.open(settings)
    watch(given)
    gate = Gate(watched_opener(sqlite_demo_url))
    gate.release.set()
    opened_journals: list[Journal] = []

    def open_journal() -> Journal:
        opened_journals.append(Journal.open(settings))
        return opened_journals[-1]

    services = Services(settings, Openers(store=gate, journal=open_journal), journal=given)
    assert services.open().warnings == ()
    assert services.journal is given and not opened_journals  # given: not opened again
    store = services.store()
    services.close()
    assert closed(store)
    assert not closed(given)
    given.close()


def test_a_caller_waiting_for_the_store_is_woken_by_close(sqlite_demo_url: URL) -> None:
    gate = Gate(watched_opener(sqlite_demo_url))
    services = Services(settings_for(sqlite_demo_url), Openers(store=gate))
    with ThreadPoolExecutor(2) as pool:
        opening = pool.submit(services.open)
        assert gate.entered.wait(30)
        waiting = pool.submit(services.store)
        services.close()
        with pytest.raises(StoreError, match="closing"):
            waiting.result(30)
        # The store that arrives after close is closed at once, never left open.
        gate.release.set()
        opening.result(30)
    assert closed(gate.opened[0])


def test_push_opens_after_the_store_and_a_failure_is_a_warning(sqlite_demo_url: URL) -> None:
    given: list[object] = []

    def open_push(store: StoreRepository, journal: Journal | None) -> None:
        given.extend([store, journal])
        raise ValueError("INSPECTOR_FCM_CREDENTIALS points at a missing file\nmore detail")

    store = StoreRepository.open(sqlite_demo_url)
    services = Services(settings_for(sqlite_demo_url), Openers(push=open_push), store=store)
    assert not services.opening and services.push_opening
    report = services.open()
    assert report.warnings == (
        "Push is not configured: INSPECTOR_FCM_CREDENTIALS points at a missing file",
    )
    assert given == [store, None]
    assert services.push is None and not services.push_opening
    assert services.open().warnings == ()  # opened once
    services.close()
    store.close()


def test_a_regional_profile_opens_its_stores_and_names_each(
    sqlite_demo_url: URL, tmp_path: Path
) -> None:
    stopped = f"postgresql+psycopg://inspector@127.0.0.1:{closed_port()}/installations"
    path = write_profile(tmp_path, {"eu": sqlite_demo_url, "us": stopped})
    settings = load_settings({"INSPECTOR_OPERATOR": "ana"}, config=path)
    services = Services.configured(settings)
    assert services.describe() == f"Opening the stores {settings.store_label}…"
    report = services.open(push=False)
    try:
        # One store down: the others open, and the one that did not is said.
        assert report.store_error is None
        (warning,) = report.warnings
        assert warning.startswith("the store us could not be opened (lookups will try it again)")
        assert services.state is State.OPEN
        assert services.describe() == f"The stores {settings.store_label} are open."
        assert "eu: sqlite:" in services.describe() and "us: 127.0.0.1:" in services.describe()
        result = services.store().find(parse_query(demo.CUSTOMER_ANA))
        assert len(result.matches) == 3 and result.warnings
    finally:
        services.close()
