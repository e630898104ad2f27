"""The store connection: read-only, bounded by a statement timeout, and self-healing."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import Integer, column, create_engine, literal, select, table, text
from sqlalchemy.engine import URL

from inspector.fixtures import demo
from inspector.lookup import parse_query
from inspector.store.driver import DriverStatement, driver_connection
from inspector.store.engine import translated
from inspector.store.errors import StoreError, StoreReadOnly, StoreTimeout, StoreUnavailable
from inspector.store.repository import StoreRepository
from tests.conftest import server_url

WRITES = [
    "UPDATE apps SET name = 'pwned'",
    "INSERT INTO apps (app_id, name, platform, bundle_id) VALUES ('x', 'x', 'ios', 'x')",
    "DELETE FROM installation_events",
]


@pytest.mark.parametrize("statement", WRITES)
def test_writes_through_the_store_connection_fail(demo_store_url: URL, statement: str) -> None:
    store = StoreRepository.open(demo_store_url)
    try:
        with pytest.raises(StoreReadOnly), translated(store.url), store.engine.connect() as conn:
            conn.execute(text(statement))
            conn.commit()
        # Nothing was written.
        assert store.find(parse_query(demo.CUSTOMER_ANA)).matches[0].installation.app.name == (
            "Shop iOS"
        )
        assert store.history(demo.ANA_IPHONE, limit=1).events
    finally:
        store.close()


SLOW = {
    "sqlite": "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) "
    "SELECT count(*) FROM c",
    "postgresql": "SELECT pg_sleep(30)",
    "mariadb": "SELECT count(*) FROM information_schema.columns a, information_schema.columns b, "
    "information_schema.columns c",
}


def test_a_slow_query_is_cancelled_with_a_clear_error(demo_store_url: URL, dialect: str) -> None:
    store = StoreRepository.open(demo_store_url, statement_timeout_s=0.3)
    try:
        with (
            pytest.raises(StoreTimeout, match="took too long and the query was cancelled"),
            translated(store.url),
            store.engine.connect() as conn,
        ):
            conn.execute(text(SLOW[dialect])).all()
        # The connection pool is still usable afterwards.
        assert store.get(demo.ANA_IPHONE) is not None
    finally:
        store.close()


def _kill_session(dialect: str, store: StoreRepository) -> None:
    admin = create_engine(server_url(dialect), isolation_level="AUTOCOMMIT")  # type: ignore[arg-type]
    with store.engine.connect() as conn:
        if dialect == "postgresql":
            pid = conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
            kill = f"SELECT pg_terminate_backend({int(pid)})"
        else:
            pid = conn.execute(text("SELECT CONNECTION_ID()")).scalar_one()
            kill = f"KILL {int(pid)}"
    with admin.connect() as conn:
        conn.execute(text(kill))
    admin.dispose()


@pytest.mark.parametrize("server", ["postgresql", "mariadb"])
def test_lookup_succeeds_after_the_server_closed_the_connection(
    server: str, make_database: Callable[[str], URL]
) -> None:
    url = make_database(server)
    demo.build_demo_store(url)
    store = StoreRepository.open(url)
    try:
        assert store.get(demo.ANA_IPHONE) is not None
        _kill_session(server, store)
        # pool_pre_ping notices the dead connection and opens a new one.
        assert store.get(demo.ANA_IPHONE) is not None
        assert len(store.find(parse_query(demo.CUSTOMER_ANA)).matches) == 3
    finally:
        store.close()


@pytest.mark.parametrize(
    "url",
    [
        "postgresql+psycopg://inspector:hunter2-canary@127.0.0.1:1/prod",
        "mysql+pymysql://inspector:hunter2-canary@127.0.0.1:1/prod",
    ],
)
def test_unreachable_store_names_host_and_database_never_the_password(url: str) -> None:
    from sqlalchemy.engine import make_url

    store = StoreRepository.open(make_url(url))
    with pytest.raises(StoreUnavailable) as info:
        store.find(parse_query(demo.CUSTOMER_ANA))
    message = str(info.value)
    assert "127.0.0.1:1/prod" in message
    assert "hunter2" not in message
    assert "\n" not in message


def test_missing_sqlite_file_is_unavailable(tmp_path: object) -> None:
    url = URL.create("sqlite", database="/nonexistent/store.db")
    with pytest.raises(StoreUnavailable, match="no such file"):
        StoreRepository.open_checked(url)
    store = StoreRepository.open(url)  # opening alone connects to nothing
    with pytest.raises(StoreUnavailable, match="no such file"):
        store.find(parse_query(demo.CUSTOMER_ANA))
    store.close()


def test_more_threads_than_a_singleton_pool_holds_all_read_the_sqlite_store(
    demo_store_url: URL, dialect: str
) -> None:
    """A proof reads its devices from a pool of threads: each keeps its connection."""
    import threading

    if dialect != "sqlite":
        pytest.skip("the pool SQLAlchemy picks by itself matters for SQLite only")
    store = StoreRepository.open(demo_store_url)
    start = threading.Barrier(12)
    found: list[int] = []
    errors: list[BaseException] = []

    def work() -> None:
        start.wait()
        try:
            for _ in range(5):
                found.append(len(store.find(parse_query("cust-42")).matches))
        except BaseException as exc:  # collected: a thread's exception is otherwise lost
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    store.close()
    assert errors == []
    assert len(found) == 60 and len(set(found)) == 1 and found[0] > 0


def test_a_connection_keeps_its_lookup_cursor_and_drops_one_an_error_went_through(
    demo_store_url: URL,
) -> None:
    """Lookups on one connection share one cursor (a cursor per lookup is a fifth of a
    server lookup's CPU); after a statement fails, the next lookup gets a fresh cursor
    and answers."""
    store = StoreRepository.open(demo_store_url)
    broken = DriverStatement(select(column("x")).select_from(table("no_such_table")),
                             store.engine.dialect)  # fmt: skip
    try:
        with driver_connection(store.engine) as conn:
            good = DriverStatement(select(literal(1, Integer).label("one")), store.engine.dialect)
            assert good.rows(conn, {}) == [(1,)]
            first = conn.info["inspector.lookup_cursor"]
            assert good.rows(conn, {}) == [(1,)]
            assert conn.info["inspector.lookup_cursor"] is first
            with pytest.raises(StoreError, match="no_such_table"), translated(store.url):
                broken.rows(conn, {})
            assert "inspector.lookup_cursor" not in conn.info
            assert good.rows(conn, {}) == [(1,)]
            assert conn.info["inspector.lookup_cursor"] is not first
        assert store.get(demo.ANA_IPHONE) is not None
    finally:
        store.close()
