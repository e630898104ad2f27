"""Writable engines for the journal, one recipe per dialect, and error translation.

SQLite: WAL and synchronous=FULL (a committed record survives a power cut), a busy
timeout, and `BEGIN IMMEDIATE` for appends so writers queue instead of deadlocking.
PostgreSQL and MariaDB: bounded connect, lock and statement waits; UTC sessions.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import URL, Connection, Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import QueuePool

from inspector.config import ConfigError, describe_url
from inspector.dburl import require_driver, server_engine
from inspector.errortext import driver_error_line
from inspector.journal.errors import JournalError, JournalRefused
from inspector.safetext import clip, escape

CONNECT_TIMEOUT_S = 3
# Execution option that makes a SQLite transaction take the write lock up front.
WRITE = "journal_write"


def open_engine(url: URL, *, timeout_s: float) -> Engine:
    backend = url.get_backend_name()
    if backend not in ("sqlite", "postgresql", "mysql", "mariadb"):
        raise JournalRefused(
            f"unsupported journal database '{escape(clip(backend, 40))}'"
            " (sqlite, postgresql, mariadb/mysql)"
        )
    try:
        require_driver(url, "INSPECTOR_JOURNAL_URL")
    except ConfigError as exc:
        raise JournalRefused(str(exc)) from None
    if backend == "sqlite":
        return _sqlite_engine(url, timeout_s)
    if backend == "postgresql":
        return _postgres_engine(url, timeout_s)
    return _mysql_engine(url, timeout_s)


def _sqlite_engine(url: URL, timeout_s: float) -> Engine:
    path = url.database
    if not path or path == ":memory:":
        raise JournalError("the SQLite journal must be a file (an in-memory journal is lost)")
    file = Path(path).expanduser()
    try:
        file.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise JournalError(f"cannot create the journal directory {file.parent}: "
                           f"{exc.strerror or exc}") from None  # fmt: skip

    def connect() -> sqlite3.Connection:
        conn = sqlite3.connect(
            str(file), timeout=timeout_s, check_same_thread=False, isolation_level=None
        )
        _wal(conn, timeout_s)
        return conn

    # QueuePool named: for a URL without a file SQLAlchemy picks SingletonThreadPool, which
    # closes other threads' connections, in use or not, once more than five have connected.
    engine = create_engine(
        "sqlite+pysqlite://", creator=connect, pool_pre_ping=True, poolclass=QueuePool
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: sqlite3.Connection, _record: Any) -> None:
        dbapi_conn.execute("PRAGMA synchronous = FULL")
        dbapi_conn.execute(f"PRAGMA busy_timeout = {max(1, int(timeout_s * 1000))}")

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # The driver is in autocommit mode; we open transactions ourselves.
        write = conn.get_execution_options().get(WRITE)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


def _wal(conn: sqlite3.Connection, timeout_s: float) -> None:
    """Switch a new journal file to WAL. The switch takes an exclusive lock without
    calling the busy handler, so two inspectors creating one journal at once can see
    "database is locked": wait for the other as a write would (bounded by the timeout)."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() >= deadline:
                conn.close()
                raise
            time.sleep(0.02)


def _postgres_engine(url: URL, timeout_s: float) -> Engine:
    ms = max(1, int(timeout_s * 1000))
    options = f"-c statement_timeout={ms} -c lock_timeout={ms} -c TimeZone=UTC"
    return server_engine(url, {"connect_timeout": CONNECT_TIMEOUT_S, "options": options})


def _mysql_engine(url: URL, timeout_s: float) -> Engine:
    # A socket wait well past the lock timeout means a dead server, not a busy one.
    socket_s = int(timeout_s) + 30
    engine = server_engine(
        url,
        {"connect_timeout": CONNECT_TIMEOUT_S, "read_timeout": socket_s, "write_timeout": socket_s},
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        with dbapi_conn.cursor() as cur:
            cur.execute("SET time_zone = '+00:00'")
            cur.execute(f"SET SESSION innodb_lock_wait_timeout = {max(1, int(timeout_s))}")
        dbapi_conn.commit()

    return engine


@contextmanager
def translated(url: URL, doing: str) -> Iterator[None]:
    """Driver errors become JournalError naming the journal (host/database) and the step."""
    try:
        yield
    except SQLAlchemyError as exc:
        raise JournalError(
            f"the journal at {describe_url(url)} could not {doing}: {driver_error_line(exc, url)}"
        ) from None
    except OSError as exc:
        raise JournalError(
            f"the journal at {describe_url(url)} could not {doing}: {exc.strerror or exc}"
        ) from None
