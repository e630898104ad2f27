"""The read-only repository: point lookups on indexed keys and bounded keyset pages.

About 400 lines on purpose: the statements and the one class that runs them stay
together, so every query the inspector sends to a store can be read in one file (row
reading is in rows.py and values.py, the driver-cursor runner in driver.py).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import (
    bindparam,
    case,
    func,
    literal_column,
    or_,
    select,
    type_coerce,
    union_all,
)
from sqlalchemy.engine import URL, Engine
from sqlalchemy.pool import PoolProxiedConnection
from sqlalchemy.types import NullType

from inspector.config import describe_url
from inspector.lookup import RESULT_CAP, KeyKind, Lookup, Probe, normalise_uuid
from inspector.store import values
from inspector.store.driver import DriverStatement, driver_connection
from inspector.store.engine import open_readonly_engine, translated
from inspector.store.errors import UnknownStore
from inspector.store.records import EVENT_KINDS as EVENT_KINDS  # re-exported
from inspector.store.records import (
    App,
    DayActivity,
    FindResult,
    HistoryCursor,
    HistoryPage,
    Installation,
    Match,
)
from inspector.store.rows import EventReader, InstallationReader
from inspector.store.schema import check_schema
from inspector.store.tables import apps, installation_events, installations

# Counting what lies beyond the result cap stops here: "more than 10,000".
COUNT_LIMIT = 10_000
HISTORY_PAGE_MAX = 500

_INST = installations
_APP = apps
_EVENTS = installation_events
_COLUMNS = {
    KeyKind.CUSTOMER_ID: _INST.c.custom_user_id,
    KeyKind.INSTALLATION_ID: _INST.c.installation_id,
    KeyKind.ADVERTISING_ID: _INST.c.advertising_id,
    KeyKind.PUSH_TOKEN: _INST.c.push_token,
}


@cache
def _select_installations() -> Any:
    """Installations with their app. App columns are labelled so they never collide with
    installation columns."""
    return select(_INST, *(c.label(f"app_{c.name}") for c in _APP.c if c.name != "app_id")).join(
        _APP, _APP.c.app_id == _INST.c.app_id
    )


_UUID_KINDS = (KeyKind.INSTALLATION_ID, KeyKind.ADVERTISING_ID)


def _probe_clause(kind: KeyKind, prefix: str = "") -> Any:
    column = _COLUMNS[kind]
    if kind in _UUID_KINDS:
        # Stored UUIDs are lower case (Android, most back ends) or upper case (iOS):
        # probing both spellings keeps the lookup an index probe.
        return column.in_([bindparam(f"{prefix}lower"), bindparam(f"{prefix}upper")])
    return column == bindparam(f"{prefix}value")


def _probe_params(kind: KeyKind, value: str, prefix: str = "") -> dict[str, Any]:
    if kind in _UUID_KINDS:
        return {f"{prefix}lower": value.lower(), f"{prefix}upper": value.upper()}
    return {f"{prefix}value": value}


def _find_select(kind: KeyKind, prefix: str = "") -> Any:
    return (
        _select_installations()
        .where(_probe_clause(kind, prefix))
        .order_by(_INST.c.last_seen_at.desc())
        .limit(bindparam(f"{prefix}cap"))
    )


# Built on first use, once per process (a `find` needs one of them): each repository
# compiles it once more for its dialect and keeps the result (`_statement`).
@cache
def _find_one(kind: KeyKind) -> Any:
    return _find_select(kind)


@cache
def _get_select() -> Any:
    """An Installation ID as stored, and its two UUID spellings, in one index probe: at
    most three rows (fewer on a case-insensitive collation); get() prefers the exact one."""
    return (
        _select_installations()
        .where(
            _INST.c.installation_id.in_(
                [bindparam("exact"), bindparam("lower"), bindparam("upper")]
            )
        )
        .limit(3)
    )


@cache
def _count_select(kind: KeyKind) -> Any:
    return select(func.count()).select_from(
        select(_INST.c.installation_id)
        .where(_probe_clause(kind))
        .limit(bindparam("cap"))
        .subquery()
    )


def _history_select(kinds: int, after_cursor: bool) -> Any:
    """One keyset page of events, newest first, filtered on `kinds` kinds (kind0...)."""
    e = _EVENTS.c
    stmt = select(_EVENTS).where(e.installation_id == bindparam("iid"))
    if kinds:
        stmt = stmt.where(e.kind.in_([bindparam(f"kind{n}") for n in range(kinds)]))
    if after_cursor:
        # The cursor's values are bound as the driver returned them (see HistoryCursor):
        # untyped, so no type processor or cast reinterprets a raw 'infinity', zero date
        # or SQLite text; the database compares them exactly as it sorted the rows.
        at = type_coerce(bindparam("at"), NullType())
        event_id = type_coerce(bindparam("event_id"), NullType())
        # The first conjunct is a plain range the index serves on every engine.
        stmt = stmt.where(
            e.occurred_at <= at,
            or_(e.occurred_at < at, e.event_id < event_id),
        )
    return stmt.order_by(e.occurred_at.desc(), e.event_id.desc()).limit(bindparam("limit"))


_FIND_SEVERAL: dict[tuple[tuple[KeyKind, ...], bool], Any] = {}


def _find_several(kinds: tuple[KeyKind, ...], wrapped: bool) -> Any:
    """Several probes (a bare UUID: iid and adid) in one round trip: each branch is the
    single-probe statement, capped on its own, tagged with its probe number.

    SQLite cannot parenthesise the parts of a UNION, so there each branch is wrapped in a
    subquery (`wrapped`); elsewhere the branches stand as they are, since MariaDB copies
    every subquery into a temporary table (on disk, because of the TEXT columns)."""
    stmt = _FIND_SEVERAL.get((kinds, wrapped))
    if stmt is None:
        branches = [
            _find_select(kind, f"p{n}_").add_columns(literal_column(str(n)).label("probe_no"))
            for n, kind in enumerate(kinds)
        ]
        union = union_all(*(b.subquery().select() for b in branches) if wrapped else branches)
        cols = union.selected_columns
        stmt = union.order_by(cols.probe_no, cols.last_seen_at.desc())
        _FIND_SEVERAL[(kinds, wrapped)] = stmt
    return stmt


class StoreRepository:
    """Reads the installation store. Every method is one or two index probes."""

    # What opening found but did not refuse (regional stores: one that could not be
    # opened); one store opens whole or not at all.
    open_warnings: tuple[str, ...] = ()

    def __init__(
        self, engine: Engine, url: URL, *, result_cap: int = RESULT_CAP, name: str = ""
    ) -> None:
        self._engine = engine
        self.url = url
        # The store's name in its profile: "" for a profile's one store; `eu`, `us`… for
        # one of several (store/regional.py), written on every installation it reads.
        self.name = name
        self.result_cap = result_cap
        self._schema_checked = False
        self._statements: dict[Any, DriverStatement] = {}
        # The driver connection a thread holds for a run of lookups (`held_connection`):
        # its own, so a thread never uses another's.
        self._holding = threading.local()

    @classmethod
    def open(cls, url: URL, *, statement_timeout_s: float = 5.0, name: str = "") -> StoreRepository:
        engine = open_readonly_engine(url, statement_timeout_s=statement_timeout_s)
        return cls(engine, url, name=name)

    @classmethod
    def open_checked(cls, url: URL, *, statement_timeout_s: float = 5.0) -> StoreRepository:
        """Open and verify against schema.sql; nothing stays open when it does not match."""
        store = cls.open(url, statement_timeout_s=statement_timeout_s)
        try:
            store.check_schema()
        except BaseException:
            store.close()
            raise
        return store

    @property
    def engine(self) -> Engine:
        return self._engine

    @property
    def label(self) -> str:
        return describe_url(self.url)

    def label_of(self, store: str) -> str:
        """host/database of the store of this name (an installation's `store`)."""
        self._own(store)
        return self.label

    def _own(self, store: str | None) -> None:
        """A store name given to this one store: its own (or "" / None), else refused."""
        if store and store != self.name:
            raise UnknownStore(f"this profile has no store named {store!r}")

    def close(self) -> None:
        self._engine.dispose()

    def check_schema(self) -> None:
        """Verify the store against schema.sql once; later calls are free."""
        if self._schema_checked:
            return
        with translated(self.url), self._engine.connect() as conn:
            check_schema(conn)
        self._schema_checked = True

    @contextmanager
    def held_connection(self, *, live_reads: bool = False) -> Iterator[None]:
        """One driver connection for a run of lookups in this thread (`inspector find -`,
        a regional store's worker): checked out, and pinged, once instead of per lookup.
        Other threads go on using the pool.

        `live_reads`: every lookup sees the store as it is now, however long the
        connection is held. MariaDB/MySQL then run each statement in a transaction of its
        own (autocommit), so no transaction keeps an old snapshot; PostgreSQL's engine is
        in autocommit already, and SQLite reads outside a transaction."""
        self.check_schema()
        with translated(self.url), driver_connection(self._engine) as conn:
            own = conn.dbapi_connection if live_reads and self._mysql else None
            if own is not None:
                own.autocommit(True)
            self._holding.conn = conn
            try:
                yield
            finally:
                self._holding.conn = None
                if own is not None:
                    with contextlib.suppress(Exception):  # a lost connection is discarded
                        own.autocommit(False)

    @property
    def _mysql(self) -> bool:
        return self._engine.dialect.name in ("mysql", "mariadb")

    @contextmanager
    def _connection(self) -> Iterator[PoolProxiedConnection]:
        held = getattr(self._holding, "conn", None)
        if held is not None:
            yield held
            return
        with driver_connection(self._engine) as conn:
            yield conn

    def _statement(
        self, key: Any, build: Any, reader: Callable[[Sequence[str]], Any] | None = None
    ) -> DriverStatement:
        prepared = self._statements.get(key)
        if prepared is None:
            prepared = DriverStatement(build(), self._engine.dialect, reader)
            self._statements[key] = prepared
        return prepared

    # -- lookups ---------------------------------------------------------------

    def find(self, lookup: Lookup) -> FindResult:
        self.check_schema()
        found: dict[str, tuple[Installation, list[KeyKind]]] = {}
        more: dict[KeyKind, int | None] = {}
        probes = lookup.probes
        cap = self.result_cap
        kinds = tuple(p.kind for p in probes)
        with translated(self.url), self._connection() as conn:
            if len(probes) == 1:
                probe = probes[0]
                params = {**_probe_params(probe.kind, probe.value), "cap": cap + 1}
                stmt = self._statement(
                    probe.kind, lambda: _find_one(probe.kind), InstallationReader
                )
                rows_per_probe = [stmt.rows(conn, params)]
            else:
                params = {}
                for n, probe in enumerate(probes):
                    params |= _probe_params(probe.kind, probe.value, f"p{n}_")
                    params[f"p{n}_cap"] = cap + 1
                wrapped = self._engine.dialect.name == "sqlite"
                stmt = self._statement(
                    (kinds, wrapped), lambda: _find_several(kinds, wrapped), InstallationReader
                )
                rows = stmt.rows(conn, params)
                tag = stmt.names.index("probe_no")
                rows_per_probe = [
                    [r for r in rows if values.integer(r[tag])[0] == n] for n in range(len(probes))
                ]
            reader: InstallationReader = stmt.reader
            for probe, rows in zip(probes, rows_per_probe, strict=True):
                column = _COLUMNS[probe.kind].name
                hits = [r for r in rows if _exact(probe, reader.raw(r, column))]
                if len(rows) > cap:
                    params = _probe_params(probe.kind, probe.value)
                    more[probe.kind] = self._count_beyond_cap(conn, probe.kind, params)
                    hits = hits[:cap]
                for row in hits:
                    iid = values.required_text(reader.raw(row, "installation_id"))
                    entry = found.get(iid)
                    if entry is None:
                        entry = found[iid] = (reader(row, self.name), [])
                    entry[1].append(probe.kind)
        matches = tuple(Match(inst, tuple(kinds)) for inst, kinds in found.values())
        return FindResult(matches, more)

    def apps(self, *, limit: int = 500) -> list[App]:
        """The store's apps by app id, at most `limit` of them, read as defensively as an
        installation's app."""
        self.check_schema()
        stmt = select(apps).order_by(apps.c.app_id).limit(limit)
        with translated(self.url), self._engine.connect() as conn:
            rows = conn.execute(stmt).all()
        return [
            App(
                app_id=values.required_text(r.app_id),
                name=values.required_text(r.name),
                platform=values.required_text(r.platform),
                bundle_id=values.required_text(r.bundle_id),
                fcm_project_id=values.text(r.fcm_project_id),
                apns_topic=values.text(r.apns_topic),
            )
            for r in rows
        ]

    def get(self, installation_id: str, *, store: str | None = None) -> Installation | None:
        """The installation stored under this id: the exact spelling first; for a UUID,
        then its lower- or upper-case spelling (iOS and Android store either). An id that
        is not a UUID (`Dev-Mixed-1`) is found only as spelled, as the store keys it.
        `store`: the name of the store to ask (regional stores); this one store is ""."""
        self._own(store)
        self.check_schema()
        params = {
            "exact": installation_id,
            "lower": installation_id.lower(),
            "upper": installation_id.upper(),
        }
        stmt = self._statement("get", _get_select, InstallationReader)
        with translated(self.url), self._connection() as conn:
            rows = stmt.rows(conn, params)
        reader: InstallationReader = stmt.reader
        # Re-checked in Python: a case-insensitive collation (MariaDB) matches any case.
        stored = [(values.text(reader.raw(r, "installation_id")), r) for r in rows]
        for iid, row in stored:
            if iid == installation_id:
                return reader(row, self.name)
        if normalise_uuid(installation_id) is None:
            return None
        wanted = installation_id.lower()
        for iid, row in stored:
            if iid is not None and iid.lower() == wanted:
                return reader(row, self.name)
        return None

    def customer_installations(self, custom_user_id: str) -> FindResult:
        return self.find(Lookup(custom_user_id, (Probe(KeyKind.CUSTOMER_ID, custom_user_id),)))

    # -- history -----------------------------------------------------------------

    def history(
        self,
        installation_id: str,
        *,
        before: HistoryCursor | None = None,
        kinds: Collection[str] | None = None,
        limit: int = 50,
        store: str | None = None,
    ) -> HistoryPage:
        """Events newest first, one keyset page of at most `limit`. `store` as in get()."""
        self._own(store)
        limit = max(1, min(limit, HISTORY_PAGE_MAX))
        wanted = tuple(sorted(set(kinds))) if kinds else ()
        params: dict[str, Any] = {"iid": installation_id, "limit": limit + 1}
        params |= {f"kind{n}": kind for n, kind in enumerate(wanted)}
        if before is not None:
            params |= {"at": before.stored_at, "event_id": before.stored_event_id}
        key = ("history", len(wanted), before is not None)
        stmt = self._statement(
            key, lambda: _history_select(len(wanted), before is not None), EventReader
        )
        self.check_schema()
        with translated(self.url), self._connection() as conn:
            rows = stmt.rows(conn, params)
        reader: EventReader = stmt.reader
        events = tuple(reader(r) for r in rows[:limit])
        cursor = None
        if len(rows) > limit:
            last = rows[limit - 1]
            cursor = HistoryCursor(reader.raw(last, "occurred_at"), reader.raw(last, "event_id"))
        return HistoryPage(events, cursor)

    def activity(
        self,
        installation_id: str,
        *,
        days: int = 90,
        now: datetime | None = None,
        store: str | None = None,
    ) -> list[DayActivity]:
        """Sessions and pushes per day over the last `days` days, oldest first, gaps as 0.
        `store` as in get()."""
        self._own(store)
        now = now or datetime.now(UTC)
        first_day = (now - timedelta(days=days - 1)).date()
        since = datetime.combine(first_day, datetime.min.time())
        e = _EVENTS.c
        day = func.date(e.occurred_at)
        counted = ("session", "push_received", "push_opened")
        stmt = (
            select(
                day.label("day"),
                *(func.sum(case((e.kind == k, 1), else_=0)).label(k) for k in counted),
            )
            .where(
                e.installation_id == installation_id,
                e.occurred_at >= since,
                e.kind.in_(counted),
            )
            .group_by(day)
        )
        self.check_schema()
        with translated(self.url), self._engine.connect() as conn:
            rows = conn.execute(stmt).all()
        # A day the database could not compute (SQLite's date('yesterday') is NULL,
        # PostgreSQL's date of 'infinity' is 'infinity') is not a day of the chart.
        by_day = {d: r._mapping for r in rows if (d := values.day(r.day)) is not None}
        result = []
        for offset in range(days):
            d = first_day + timedelta(days=offset)
            n = {k: int(by_day[d][k] or 0) if d in by_day else 0 for k in counted}
            result.append(DayActivity(d, n["session"], n["push_received"], n["push_opened"]))
        return result

    def _count_beyond_cap(
        self, conn: PoolProxiedConnection, kind: KeyKind, params: dict[str, Any]
    ) -> int | None:
        stmt = self._statement(("count", kind), lambda: _count_select(kind))
        total = stmt.rows(conn, {**params, "cap": COUNT_LIMIT + 1})[0][0]
        return None if total > COUNT_LIMIT else total - self.result_cap


def _exact(probe: Probe, raw: Any) -> bool:
    """Re-check in Python: case-insensitive collations (MariaDB) must not widen a match."""
    stored = values.text(raw)
    if stored is None:
        return False
    if probe.kind in _UUID_KINDS:
        return stored.lower() == probe.value.lower()
    return stored == probe.value


def installations_of(result: FindResult) -> Iterable[Installation]:
    return (m.installation for m in result.matches)
