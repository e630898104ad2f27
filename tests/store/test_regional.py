"""Regional stores: lookups fan out to every store of a profile at once, each within its
own deadline; results carry their store's name; a store that fails, is stopped or hangs
gives partial results and a warning naming it; an Installation ID in two stores is
refused as ambiguous; get, history and activity go to the installation's own store.

`eu` is the demo store on SQLite; `us` (tests/store/regional.py) is another store on
SQLite, PostgreSQL or MariaDB, or a server that is stopped, blocked or never answers."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL

from inspector.config import load_settings
from inspector.fixtures import demo
from inspector.lookup import KeyKind, parse_query
from inspector.store.errors import (
    AmbiguousInstallation,
    IncompleteAnswer,
    StoreError,
    StoreTimeout,
    StoreUnavailable,
    UnknownStore,
)
from inspector.store.opening import open_configured_store
from inspector.store.regional import MAX_OVERDUE, RegionalStore
from inspector.store.repository import StoreRepository
from inspector.store.tables import installations
from tests.conftest import DEMO_NOW
from tests.store.regional import (
    SHARED,
    US_ANA_PHONE,
    US_CUSTOMER_OPTED_OUT,
    US_OPTED_OUT,
    black_hole,
    build_us_store,
    closed_port,
    moved,
    us_rows,
    write_profile,
)

SERVERS = ("postgresql", "mariadb")
# The URL of a server of each dialect on a port: stopped (nothing listens) or hanging.
DRIVERS = {"postgresql": "postgresql+psycopg", "mariadb": "mysql+pymysql"}


def on_port(dialect: str, port: int) -> URL:
    return URL.create(DRIVERS[dialect], username="inspector", host="127.0.0.1", port=port,
                      database="installations")  # fmt: skip


@pytest.fixture(scope="session")
def us_sqlite_url(make_database: Callable[[str], URL]) -> URL:
    url = make_database("sqlite")
    build_us_store(url, DEMO_NOW)
    return url


@pytest.fixture(scope="session", params=SERVERS)
def us_server_url(request: pytest.FixtureRequest, make_database: Callable[[str], URL]) -> URL:
    url = make_database(str(request.param))
    build_us_store(url, DEMO_NOW)
    return url


def regional(eu: URL, us: URL, timeout_s: float = 1.0) -> RegionalStore:
    return RegionalStore.open_all([("eu", eu), ("us", us)], statement_timeout_s=timeout_s)


@pytest.fixture
def both(sqlite_demo_url: URL, us_sqlite_url: URL) -> Iterator[RegionalStore]:
    store = regional(sqlite_demo_url, us_sqlite_url)
    yield store
    store.close()


def found(store: StoreRepository, query: str) -> list[tuple[str, str]]:
    return [
        (m.installation.store, m.installation.installation_id)
        for m in store.find(parse_query(query)).matches
    ]


# -- answers from every store ---------------------------------------------------------


def test_a_lookup_asks_every_store_and_each_installation_names_its_store(
    both: RegionalStore,
) -> None:
    result = both.find(parse_query(demo.CUSTOMER_ANA))
    assert result.warnings == () and not result.truncated
    by_store = sorted((m.installation.store, m.installation.installation_id)
                      for m in result.matches)  # fmt: skip
    assert by_store == sorted(
        [("eu", demo.ANA_IPHONE), ("eu", demo.ANA_IPAD), ("eu", demo.ANA_PIXEL),
         ("us", US_ANA_PHONE)]
    )  # fmt: skip
    # Newest first across stores, as one store orders them.
    seen = [m.installation.last_seen_at for m in result.matches]
    assert seen == sorted(seen, reverse=True)
    assert found(both, US_CUSTOMER_OPTED_OUT) == [("us", US_OPTED_OUT)]
    assert found(both, demo.CUSTOMER_OPTED_OUT) == [("eu", demo.OPTED_OUT)]


def test_a_bare_uuid_keeps_its_probes_in_order_across_stores(both: RegionalStore) -> None:
    result = both.find(parse_query(demo.ANA_IPHONE_IDFA))
    assert [(m.installation.store, m.matched_by) for m in result.matches] == [
        ("eu", (KeyKind.ADVERTISING_ID,))
    ]
    result = both.find(parse_query(SHARED))
    assert sorted(m.installation.store for m in result.matches) == ["eu", "us"]


def test_the_cap_applies_per_store_and_what_it_leaves_out_adds_up(both: RegionalStore) -> None:
    both.result_cap = 1
    result = both.find(parse_query(demo.CUSTOMER_ANA))
    # One per store; eu left two out, us none: "2 more", not "3" and not "0".
    assert sorted(m.installation.store for m in result.matches) == ["eu", "us"]
    assert result.more == {KeyKind.CUSTOMER_ID: 2}
    assert result.more_text() == "2 more by Customer ID"


def test_an_id_in_two_stores_is_refused_as_ambiguous(both: RegionalStore) -> None:
    with pytest.raises(AmbiguousInstallation, match=r"more than one store \(eu, us\)"):
        both.get(SHARED)
    # Named, each store's own is read.
    assert both.get(SHARED, store="eu").store == "eu"  # type: ignore[union-attr]
    assert both.get(SHARED, store="us").store == "us"  # type: ignore[union-attr]
    # History of it without a store: refused, whichever store it was last read from.
    with pytest.raises(AmbiguousInstallation):
        both.history(SHARED)
    assert both.history(SHARED, store="us").events


def test_get_finds_the_one_store_that_holds_it_and_a_named_store_only_answers_for_itself(
    both: RegionalStore,
) -> None:
    inst = both.get(US_ANA_PHONE)
    assert inst is not None and inst.store == "us" and inst.custom_user_id == demo.CUSTOMER_ANA
    assert both.get(US_ANA_PHONE.upper()) == inst  # UUID spellings, as one store reads them
    assert both.get(US_ANA_PHONE, store="us") == inst
    assert both.get(US_ANA_PHONE, store="eu") is None  # the re-read asks that store only
    assert both.get("not-anywhere") is None
    with pytest.raises(UnknownStore, match="no store named 'ap'"):
        both.get(US_ANA_PHONE, store="ap")


def test_history_and_activity_go_to_the_installations_store(
    sqlite_demo_url: URL, us_sqlite_url: URL
) -> None:
    store = regional(sqlite_demo_url, us_sqlite_url)
    try:
        # Never read before: the store that holds it is found first.
        page = store.history(US_ANA_PHONE, limit=10)
        assert len(page.events) == 10 and {e.installation_id for e in page.events} == {US_ANA_PHONE}
        assert store.history(US_ANA_PHONE, store="eu").events == ()
        days = store.activity(US_ANA_PHONE, now=DEMO_NOW)
        assert sum(d.sessions for d in days) > 0
        assert sum(d.sessions for d in store.activity(US_ANA_PHONE, now=DEMO_NOW, store="eu")) == 0
        nowhere = store.activity("not-anywhere", days=7, now=DEMO_NOW)
        assert len(nowhere) == 7 and not any(d.sessions for d in nowhere)
        assert store.history("not-anywhere").events == ()
    finally:
        store.close()


def test_a_server_store_beside_sqlite(sqlite_demo_url: URL, us_server_url: URL) -> None:
    store = regional(sqlite_demo_url, us_server_url)
    try:
        assert sorted(found(store, demo.CUSTOMER_ANA)) == sorted(
            [("eu", demo.ANA_IPHONE), ("eu", demo.ANA_IPAD), ("eu", demo.ANA_PIXEL),
             ("us", US_ANA_PHONE)]
        )  # fmt: skip
        assert store.get(US_ANA_PHONE).store == "us"  # type: ignore[union-attr]
        with pytest.raises(AmbiguousInstallation):
            store.get(SHARED)
        assert store.history(US_ANA_PHONE, limit=5).events
    finally:
        store.close()


# -- a store that fails, is stopped, blocked or hangs ------------------------------------


@pytest.mark.parametrize("dialect", SERVERS)
def test_a_stopped_store_gives_partial_results_and_a_warning_naming_it(
    sqlite_demo_url: URL, dialect: str
) -> None:
    store = regional(sqlite_demo_url, on_port(dialect, closed_port()))
    try:
        assert (
            len(store.open_warnings) == 1
            and "the store us could not be opened" in (store.open_warnings[0])
        )
        result = store.find(parse_query(demo.CUSTOMER_ANA))
        assert sorted(m.installation.installation_id for m in result.matches) == sorted(
            [demo.ANA_IPHONE, demo.ANA_IPAD, demo.ANA_PIXEL]
        )
        (warning,) = result.warnings
        assert warning.startswith("the store us is missing from these results: ")
        assert "127.0.0.1" in warning and "eu" not in warning.split(":")[0]
        # Held by eu: found, whatever us would say.
        assert store.get(demo.ANA_IPAD).store == "eu"  # type: ignore[union-attr]
        # Held by no store that answered: never "not found".
        with pytest.raises(IncompleteAnswer, match=r"is not in eu, and the store us did not"):
            store.get(US_ANA_PHONE)
        with pytest.raises(StoreUnavailable, match=r"^store us: "):
            store.get(US_ANA_PHONE, store="us")
    finally:
        store.close()


def test_a_store_that_hangs_is_cut_off_by_its_deadline(sqlite_demo_url: URL) -> None:
    with black_hole() as port:
        # A server that accepts and never answers: the driver's own connect timeout is
        # longer than the lookup's deadline.
        store = regional(sqlite_demo_url, on_port("postgresql", port), timeout_s=0.5)
        try:
            result = store.find(parse_query(demo.CUSTOMER_ANA))
            assert len(result.matches) == 3
            (warning,) = result.warnings
            # The deadline's words, not the driver's: the lookup did not wait for it.
            assert warning.startswith("the store us is missing from these results: ")
            assert "did not answer within 0.5 s" in warning
            # Calls still hanging hold the store's threads: it is not asked again until
            # one ends, and says so, while eu goes on answering.
            for _ in range(MAX_OVERDUE):
                result = store.find(parse_query(demo.CUSTOMER_WEB))
            assert [m.installation.installation_id for m in result.matches] == [demo.WEB]
            (warning,) = result.warnings
            assert "has not answered its last 2 queries yet" in warning
        finally:
            store.close()


def test_a_store_whose_lookup_is_blocked_times_out_on_its_own(
    sqlite_demo_url: URL, us_server_url: URL
) -> None:
    store = regional(sqlite_demo_url, us_server_url, timeout_s=1.0)
    admin = create_engine(us_server_url)
    try:
        assert store.open_warnings == ()
        with admin.connect() as conn:
            if admin.dialect.name == "postgresql":
                conn.execute(text("LOCK TABLE installations IN ACCESS EXCLUSIVE MODE"))
            else:
                conn.execute(text("LOCK TABLES installations WRITE, apps WRITE"))
            try:
                result = store.find(parse_query(demo.CUSTOMER_ANA))
            finally:
                if admin.dialect.name != "postgresql":
                    conn.execute(text("UNLOCK TABLES"))
                conn.rollback()
        assert sorted(m.installation.store for m in result.matches) == ["eu", "eu", "eu"]
        (warning,) = result.warnings
        assert warning.startswith("the store us is missing from these results: ")
        # Unblocked, the store answers again.
        assert ("us", US_ANA_PHONE) in found(store, demo.CUSTOMER_ANA)
    finally:
        admin.dispose()
        store.close()


def test_no_store_answering_is_an_error_naming_each(sqlite_demo_url: URL, tmp_path: Path) -> None:
    missing = URL.create("sqlite", database=str(tmp_path / "gone.db"))
    with pytest.raises(StoreUnavailable, match=r"no store answered \(eu: .*; us: .*\)"):
        RegionalStore.open_all([("eu", missing), ("us", on_port("postgresql", closed_port()))])
    with (
        black_hole() as one,
        black_hole() as two,
        pytest.raises(StoreTimeout, match=r"no store answered \(eu: .*; us: .*\)"),
    ):
        RegionalStore.open_all(
            [("eu", on_port("postgresql", one)), ("us", on_port("mariadb", two))],
            statement_timeout_s=0.3,
        )


def test_a_store_that_comes_back_is_asked_again(
    sqlite_demo_url: URL, us_sqlite_url: URL, tmp_path: Path
) -> None:
    later = tmp_path / "us.db"
    store = regional(sqlite_demo_url, URL.create("sqlite", database=str(later)))
    try:
        assert "the store us could not be opened" in store.open_warnings[0]
        assert store.find(parse_query(demo.CUSTOMER_ANA)).warnings
        later.write_bytes(Path(str(us_sqlite_url.database)).read_bytes())
        result = store.find(parse_query(demo.CUSTOMER_ANA))
        assert result.warnings == ()
        assert ("us", US_ANA_PHONE) in [
            (m.installation.store, m.installation.installation_id) for m in result.matches
        ]
    finally:
        store.close()


# -- a server store's worker holds its connection ---------------------------------------

SESSIONS = {
    "postgresql": "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
    " AND pid <> pg_backend_pid()",
    "mariadb": "SELECT id FROM information_schema.processlist WHERE db = DATABASE()"
    " AND id <> CONNECTION_ID()",
}
KILL = {"postgresql": "SELECT pg_terminate_backend({})", "mariadb": "KILL {}"}


def test_a_held_connection_sees_every_change(sqlite_demo_url: URL, us_server_url: URL) -> None:
    """No lookup reads an old snapshot, however long the worker holds its connection
    (MariaDB would keep one for the whole of a transaction)."""
    store = regional(sqlite_demo_url, us_server_url)
    admin = create_engine(us_server_url)
    row = dict(us_rows(DEMO_NOW)["installations"][0], installation_id=moved("later"),
               custom_user_id="us-later", push_token=None)  # fmt: skip
    try:
        assert found(store, "us-later") == []
        with admin.begin() as conn:
            conn.execute(installations.insert(), [row])
        assert found(store, "us-later") == [("us", moved("later"))]
    finally:
        with admin.begin() as conn:
            conn.execute(installations.delete().where(installations.c.custom_user_id == "us-later"))
        admin.dispose()
        store.close()


def test_a_dropped_connection_is_replaced_without_a_gap(
    sqlite_demo_url: URL, us_server_url: URL
) -> None:
    store = regional(sqlite_demo_url, us_server_url)
    admin = create_engine(us_server_url, isolation_level="AUTOCOMMIT")
    dialect = "postgresql" if admin.dialect.name == "postgresql" else "mariadb"
    try:
        assert ("us", US_ANA_PHONE) in found(store, demo.CUSTOMER_ANA)
        with admin.connect() as conn:
            sessions = conn.execute(text(SESSIONS[dialect])).scalars().all()
            assert sessions  # the worker's connection, held
            for session in sessions:
                conn.execute(text(KILL[dialect].format(int(session))))
        # The held connection is gone: asked again on a fresh one, no warning.
        result = store.find(parse_query(demo.CUSTOMER_ANA))
        assert result.warnings == ()
        assert ("us", US_ANA_PHONE) in [
            (m.installation.store, m.installation.installation_id) for m in result.matches
        ]
    finally:
        admin.dispose()
        store.close()


def test_closing_gives_the_workers_connections_back(
    sqlite_demo_url: URL, us_server_url: URL
) -> None:
    store = regional(sqlite_demo_url, us_server_url)
    admin = create_engine(us_server_url, isolation_level="AUTOCOMMIT")
    dialect = "postgresql" if admin.dialect.name == "postgresql" else "mariadb"
    try:
        found(store, demo.CUSTOMER_ANA)
        store.close()
        with admin.connect() as conn:
            assert conn.execute(text(SESSIONS[dialect])).all() == []
    finally:
        admin.dispose()


# -- opened from a profile --------------------------------------------------------------


def test_a_regional_profile_opens_each_store_with_its_own_engine_and_timeout(
    sqlite_demo_url: URL, us_sqlite_url: URL, tmp_path: Path
) -> None:
    path = write_profile(tmp_path, {"eu": sqlite_demo_url, "us": us_sqlite_url}, timeout_s=2.5)
    settings = load_settings({}, config=path)
    store = open_configured_store(settings)
    try:
        assert isinstance(store, RegionalStore)
        assert store.names == ("eu", "us")
        eu, us = store.members
        assert eu.engine is not us.engine
        assert (eu.name, us.name) == ("eu", "us")
        assert store.label == settings.store_label
        assert store.label_of("us") == settings.stores[1].label
        with pytest.raises(StoreError, match="single engine"):
            store.engine  # noqa: B018
        assert found(store, US_CUSTOMER_OPTED_OUT)[0][0] == "us"
    finally:
        store.close()


def test_one_store_refuses_a_store_name(sqlite_demo_url: URL) -> None:
    store = StoreRepository.open(sqlite_demo_url)
    try:
        assert store.get(demo.ANA_IPAD, store="") is not None
        assert store.get(demo.ANA_IPAD).store == ""  # type: ignore[union-attr]
        for call in (
            lambda: store.get(demo.ANA_IPAD, store="eu"),
            lambda: store.history(demo.ANA_IPAD, store="eu"),
            lambda: store.activity(demo.ANA_IPAD, store="eu"),
        ):
            with pytest.raises(UnknownStore):
                call()
    finally:
        store.close()


def test_apps_come_from_every_store_once_and_from_those_that_answer(
    sqlite_demo_url: URL, us_server_url: URL
) -> None:
    eu = StoreRepository.open(sqlite_demo_url)
    store = regional(sqlite_demo_url, us_server_url)
    stopped = regional(sqlite_demo_url, on_port("postgresql", closed_port()))
    try:
        assert store.apps() == eu.apps()  # the same apps in both: each once
        assert stopped.apps() == eu.apps()
        assert len(store.apps(limit=1)) == 1
    finally:
        for s in (eu, store, stopped):
            s.close()
