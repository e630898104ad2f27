"""Lookup statements compiled once per dialect and run on the driver's own cursor.

A point lookup is a few microseconds of database work; SQLAlchemy's per-call execution
machinery costs several times that, so the repository's hot statements skip it. Driver
errors are still raised as SQLAlchemy's DBAPIError, so store.engine.translated turns
them into StoreError like any other.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy.engine import Dialect, Engine
from sqlalchemy.exc import DBAPIError, StatementError
from sqlalchemy.pool import PoolProxiedConnection


class DriverStatement:
    """A lookup statement compiled once for one dialect and run on the driver's cursor.

    The SQL is still SQLAlchemy's, compiled for the engine's dialect, and parameters
    pass through its bind processors. Rows come
    back as the driver gave them: SQLAlchemy's result processors trust the column types
    (SQLite's DateTime raises on 'yesterday', Boolean reads 'false' as true), so the
    readers of store/rows.py convert every value defensively instead.
    """

    __slots__ = ("_binds", "_compiled", "_dialect", "_params", "names", "reader", "sql")

    def __init__(
        self,
        stmt: Any,
        dialect: Dialect,
        reader: Callable[[Sequence[str]], Any] | None = None,
    ) -> None:
        compiled = stmt.compile(dialect=dialect)
        self._compiled = compiled
        self._dialect = dialect
        self.sql = compiled.string
        self._params = tuple(compiled.positiontup or ()) if compiled.positional else None
        self._binds = {
            name: proc
            for name, bind in compiled.binds.items()
            if (proc := bind.type.dialect_impl(dialect).bind_processor(dialect)) is not None
        }
        self.names = tuple(column.name for column in stmt.selected_columns)
        # The record reader for this statement's columns (store/rows.py), if it has one.
        self.reader: Any = reader(self.names) if reader is not None else None

    def rows(self, conn: PoolProxiedConnection, params: dict[str, Any]) -> list[tuple[Any, ...]]:
        values = self._compiled.construct_params(params)
        for name, proc in self._binds.items():
            values[name] = proc(values[name])
        args: Any = values if self._params is None else tuple(values[n] for n in self._params)
        cursor = _cursor(conn)
        try:
            cursor.execute(self.sql, args)
            rows = cursor.fetchall()
        except self._dialect.loaded_dbapi.Error as exc:
            conn.info.pop(_CURSOR, None)  # a cursor an error went through is not reused
            lost = self._dialect.is_disconnect(exc, conn.dbapi_connection, cursor)
            if lost:
                conn.invalidate(exc)
            else:
                cursor.close()
            raise _as_sqlalchemy(self._dialect, exc, lost, self.sql, args) from exc
        return list(rows)


# The key of a connection's lookup cursor in its pool record's `info`.
_CURSOR = "inspector.lookup_cursor"


def _cursor(conn: PoolProxiedConnection) -> Any:
    """The connection's lookup cursor, made once: a cursor per lookup is a fifth of a
    server lookup's own CPU time, which a regional fan-out pays under the GIL once per
    store. `info` lives as long as the driver connection, and a connection serves one
    thread at a time."""
    cursor = conn.info.get(_CURSOR)
    if cursor is None:
        cursor = conn.info[_CURSOR] = conn.cursor()
    return cursor


@contextmanager
def driver_connection(engine: Engine) -> Iterator[PoolProxiedConnection]:
    """A pooled driver connection (pinged by the pool), given back on exit."""
    dialect = engine.dialect
    try:
        conn = engine.raw_connection()
    except dialect.loaded_dbapi.Error as exc:
        lost = dialect.is_disconnect(exc, None, None)
        raise _as_sqlalchemy(dialect, exc, lost) from exc
    try:
        yield conn
    finally:
        conn.close()


def _as_sqlalchemy(
    dialect: Dialect, exc: Exception, lost: bool, sql: str | None = None, args: Any = None
) -> StatementError:
    """The driver's error as SQLAlchemy raises it, parameters hidden (they are keys)."""
    return DBAPIError.instance(
        sql,
        args,
        exc,
        dialect.loaded_dbapi.Error,
        hide_parameters=True,
        connection_invalidated=lost,
        dialect=dialect,
    )
