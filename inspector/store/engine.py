"""Read-only engines for the installation store, one recipe per dialect.

Every connection is read-only at the session level, carries a statement timeout and is
pinged before use. The real protection is a read-only database role (see README); this
is the second lock.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import URL, Engine
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.pool import QueuePool

from inspector.config import describe_url
from inspector.dburl import server_engine
from inspector.errortext import driver_error_line
from inspector.store.errors import (
    StoreError,
    StoreReadOnly,
    StoreTimeout,
    StoreUnavailable,
)

CONNECT_TIMEOUT_S = 5


def open_readonly_engine(url: URL, *, statement_timeout_s: float = 5.0) -> Engine:
    backend = url.get_backend_name()
    if backend == "sqlite":
        return _sqlite_engine(url, statement_timeout_s)
    if backend == "postgresql":
        return _postgres_engine(url, statement_timeout_s)
    if backend in ("mysql", "mariadb"):
        return _mysql_engine(url, statement_timeout_s)
    raise StoreError(f"unsupported store database '{backend}' (sqlite, postgresql, mariadb/mysql)")


def open_writable_engine(url: URL) -> Engine:
    """For building demo and benchmark stores only; never used on a configured store."""
    backend = url.get_backend_name()
    kwargs: dict[str, Any] = {"pool_pre_ping": True}
    if backend == "sqlite":
        if url.database:
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    elif backend == "postgresql":
        kwargs["connect_args"] = {"connect_timeout": CONNECT_TIMEOUT_S}
    elif backend in ("mysql", "mariadb"):
        kwargs["connect_args"] = {"connect_timeout": CONNECT_TIMEOUT_S, "charset": "utf8mb4"}
    engine = create_engine(url, **kwargs)
    if backend in ("mysql", "mariadb"):
        event.listen(engine, "connect", _mysql_utc)
    return engine


def _sqlite_engine(url: URL, timeout_s: float) -> Engine:
    path = url.database
    if not path or path == ":memory:":
        raise StoreError("the SQLite store must be a file (an in-memory store is empty)")
    uri = f"file:{Path(path).resolve().as_posix()}?mode=ro"

    def connect() -> sqlite3.Connection:
        # Checked on each connect, not once: a regional store whose file is missing now
        # is used once it is there.
        if not Path(path).is_file():
            raise StoreUnavailable(f"cannot open the store sqlite:{path}: no such file")
        return sqlite3.connect(uri, uri=True, check_same_thread=False, timeout=timeout_s)

    # A local file has no server to drop the connection: a ping per lookup would only
    # add a round trip, so SQLite goes without pool_pre_ping.
    # QueuePool named: for a URL without a file SQLAlchemy picks SingletonThreadPool, which
    # closes other threads' connections, in use or not, once more than five have connected.
    engine = create_engine("sqlite+pysqlite://", creator=connect, poolclass=QueuePool)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: sqlite3.Connection, _record: Any) -> None:
        dbapi_conn.execute("PRAGMA query_only = ON")
        # SQLite has no statement timeout: the trace callback notes when each statement
        # starts, and a progress handler aborts one that runs past the timeout
        # ("interrupted"). Both live on the driver connection, so the execute path
        # carries no SQLAlchemy event.
        started = [time.monotonic()]

        def arm(_sql: str) -> None:
            started[0] = time.monotonic()

        def check() -> int:
            return 1 if time.monotonic() - started[0] > timeout_s else 0

        dbapi_conn.set_trace_callback(arm)
        dbapi_conn.set_progress_handler(check, 10_000)

    return engine


def _postgres_engine(url: URL, timeout_s: float) -> Engine:
    ms = max(1, int(timeout_s * 1000))
    options = f"-c default_transaction_read_only=on -c statement_timeout={ms}"
    # Autocommit: a lookup is one statement, so no BEGIN/ROLLBACK round trips, and the
    # driver's prepared statements survive (psycopg drops them on every ROLLBACK).
    # Every implicit transaction is still read-only (default_transaction_read_only).
    engine = server_engine(
        url,
        {"connect_timeout": CONNECT_TIMEOUT_S, "options": options},
        isolation_level="AUTOCOMMIT",
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        _register_tolerant_loaders(dbapi_conn)
        with dbapi_conn.cursor() as cur:
            cur.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
        dbapi_conn.commit()

    return engine


def _register_tolerant_loaders(dbapi_conn: Any) -> None:
    """psycopg raises DataError while *fetching* a row that holds 'infinity', '-infinity'
    or a year beyond Python's range, which would hide the whole device (or the whole
    history page). Loaders that fall back to the value's text let the row load; the
    record then shows it as an invalid value. JSON and JSONB arrive as text, so the
    bounded parser (boundedjson) reads them like any other stored JSON."""
    from psycopg import DataError
    from psycopg.adapt import Loader
    from psycopg.pq import Format
    from psycopg.types.string import TextLoader

    adapters = dbapi_conn.adapters
    for name in ("timestamp", "timestamptz", "date"):
        info = adapters.types.get(name)
        if info is None:
            continue
        # psycopg's C loaders cannot be subclassed: wrap the one in place.
        inner_cls = adapters.get_loader(info.oid, Format.TEXT)

        class Tolerant(Loader):
            _inner_cls = inner_cls

            def __init__(self, oid: int, context: Any = None) -> None:
                super().__init__(oid, context)
                self._inner = self._inner_cls(oid, context)

            def load(self, data: Any) -> Any:
                try:
                    return self._inner.load(data)
                except DataError:
                    return bytes(data).decode("utf-8", errors="replace")

        adapters.register_loader(info.oid, Tolerant)
    for name in ("json", "jsonb"):
        adapters.register_loader(name, TextLoader)


def _mysql_engine(url: URL, timeout_s: float) -> Engine:
    # A socket read that outlives the statement timeout means a dead server.
    read_timeout = int(timeout_s) + CONNECT_TIMEOUT_S
    engine = server_engine(
        url, {"connect_timeout": CONNECT_TIMEOUT_S, "read_timeout": read_timeout}
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        _mysql_utc(dbapi_conn, _record)
        with dbapi_conn.cursor() as cur:
            cur.execute("SET SESSION TRANSACTION READ ONLY")
            cur.execute("SELECT VERSION()")
            version = str(cur.fetchone()[0])
            if "mariadb" in version.lower():
                cur.execute(f"SET SESSION max_statement_time = {float(timeout_s):.3f}")
            else:
                cur.execute(f"SET SESSION max_execution_time = {int(timeout_s * 1000)}")
        dbapi_conn.commit()

    return engine


def _mysql_utc(dbapi_conn: Any, _record: Any) -> None:
    # TIMESTAMP values are converted through the session time zone: keep it UTC.
    with dbapi_conn.cursor() as cur:
        cur.execute("SET time_zone = '+00:00'")


_TIMEOUT_MARKERS = (
    "statement timeout",  # PostgreSQL
    "canceling statement",
    "max_statement_time",  # MariaDB
    "maximum statement execution time",  # MySQL
    "interrupted",  # SQLite progress handler
)
_READONLY_MARKERS = (
    "read-only transaction",  # PostgreSQL
    "read only transaction",  # MariaDB
    "readonly database",  # SQLite
    "query_only",
)


def translate_error(exc: SQLAlchemyError, url: URL) -> StoreError:
    """One line a person can act on; names host and database, never the password."""
    label = describe_url(url)
    reason = driver_error_line(exc, url)
    lowered = reason.lower()
    if any(marker in lowered for marker in _TIMEOUT_MARKERS):
        return StoreTimeout(f"the store at {label} took too long and the query was cancelled")
    if any(marker in lowered for marker in _READONLY_MARKERS):
        return StoreReadOnly(f"the store at {label} is read-only for the inspector: {reason}")
    if (isinstance(exc, DBAPIError) and exc.connection_invalidated) or _looks_unreachable(exc):
        return StoreUnavailable(f"cannot reach the store at {label}: {reason}")
    return StoreError(f"the store at {label} failed: {reason}")


def _looks_unreachable(exc: SQLAlchemyError) -> bool:
    from sqlalchemy.exc import InterfaceError, OperationalError

    return isinstance(exc, OperationalError | InterfaceError)


@contextmanager
def translated(url: URL) -> Iterator[None]:
    """Run database work, re-raising driver errors as StoreError."""
    try:
        yield
    except SQLAlchemyError as exc:
        raise translate_error(exc, url) from None
