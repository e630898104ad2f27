"""The read-only repository: point lookups on indexed keys and bounded keyset pages."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, case, func, literal_column, or_, select, union_all
from sqlalchemy.engine import URL, Dialect, Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import PoolProxiedConnection

from inspector.config import describe_url
from inspector.lookup import RESULT_CAP, KeyKind, Lookup, Probe
from inspector.store.engine import open_readonly_engine, translated
from inspector.store.models import AppRow, EventRow, InstallationRow
from inspector.store.records import EVENT_KINDS as EVENT_KINDS  # re-exported
from inspector.store.records import (
    App,
    DayActivity,
    Event,
    FindResult,
    HistoryCursor,
    HistoryPage,
    Installation,
    Match,
)
from inspector.store.schema import check_schema

# Counting what lies beyond the result cap stops here: "more than 10,000".
COUNT_LIMIT = 10_000
HISTORY_PAGE_MAX = 500

_INST = InstallationRow.__table__
_APP = AppRow.__table__
_EVENTS = EventRow.__table__
_COLUMNS = {
    KeyKind.CUSTOMER_ID: _INST.c.custom_user_id,
    KeyKind.INSTALLATION_ID: _INST.c.installation_id,
    KeyKind.ADVERTISING_ID: _INST.c.advertising_id,
    KeyKind.PUSH_TOKEN: _INST.c.push_token,
}
# App columns are labelled so they never collide with installation columns.
_SELECT_INSTALLATIONS = select(
    _INST, *(c.label(f"app_{c.name}") for c in _APP.c if c.name != "app_id")
).join(_APP, _APP.c.app_id == _INST.c.app_id)
_UUID_KINDS = (KeyKind.INSTALLATION_ID, KeyKind.ADVERTISING_ID)
# Rows are read by position: the installation columns in table order, then the app's.
_INST_NAMES = [c.name for c in _INST.c]
_KEY_INDEX = {kind: _INST_NAMES.index(column.name) for kind, column in _COLUMNS.items()}
_PROBE_NO = len(_SELECT_INSTALLATIONS.selected_columns)  # the tag after every column
# fmt: off
_ROW_ORDER = [
    "installation_id", "app_id", "custom_user_id", "advertising_id", "platform",
    "device_brand", "device_model", "os_version", "app_version", "sdk_version", "language",
    "region", "timezone", "push_provider", "push_token", "apns_environment",
    "push_token_updated_at", "push_token_status", "notifications_enabled", "installed_at",
    "last_seen_at", "attributes",
    "app_name", "app_platform", "app_bundle_id", "app_fcm_project_id", "app_apns_topic",
]
# fmt: on
# _installation unpacks rows in this order: the models must not drift from it.
assert [c.name for c in _SELECT_INSTALLATIONS.selected_columns] == _ROW_ORDER


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
        _SELECT_INSTALLATIONS.where(_probe_clause(kind, prefix))
        .order_by(_INST.c.last_seen_at.desc())
        .limit(bindparam(f"{prefix}cap"))
    )


# Built once: SQLAlchemy caches the compiled form, so a lookup costs one execution.
_FIND = {kind: _find_select(kind) for kind in KeyKind}
_COUNT = {
    kind: select(func.count()).select_from(
        select(_INST.c.installation_id)
        .where(_probe_clause(kind))
        .limit(bindparam("cap"))
        .subquery()
    )
    for kind in KeyKind
}


def _history_select(kinds: int, after_cursor: bool) -> Any:
    """One keyset page of events, newest first, filtered on `kinds` kinds (kind0...)."""
    e = _EVENTS.c
    stmt = select(_EVENTS).where(e.installation_id == bindparam("iid"))
    if kinds:
        stmt = stmt.where(e.kind.in_([bindparam(f"kind{n}") for n in range(kinds)]))
    if after_cursor:
        at = bindparam("at", type_=e.occurred_at.type)
        # The first conjunct is a plain range the index serves on every engine.
        stmt = stmt.where(
            e.occurred_at <= at,
            or_(e.occurred_at < at, e.event_id < bindparam("event_id", type_=e.event_id.type)),
        )
    return stmt.order_by(e.occurred_at.desc(), e.event_id.desc()).limit(bindparam("limit"))


_FIND_SEVERAL: dict[tuple[KeyKind, ...], Any] = {}


def _find_several(kinds: tuple[KeyKind, ...]) -> Any:
    """Several probes (a bare UUID: iid and adid) in one round trip: each branch is the
    single-probe statement, capped on its own, tagged with its probe number."""
    stmt = _FIND_SEVERAL.get(kinds)
    if stmt is None:
        branches = [
            _find_select(kind, f"p{n}_").add_columns(literal_column(str(n)).label("probe_no"))
            for n, kind in enumerate(kinds)
        ]
        union = union_all(*(b.subquery().select() for b in branches))
        cols = union.selected_columns
        stmt = _FIND_SEVERAL[kinds] = union.order_by(cols.probe_no, cols.last_seen_at.desc())
    return stmt


class _DriverStatement:
    """A lookup statement compiled once for one dialect and run on the driver's cursor.

    A point lookup is a few microseconds of database work; SQLAlchemy's per-call
    execution machinery costs several times that. The SQL is still SQLAlchemy's, compiled
    for the engine's dialect, and values pass through the same type processors.
    """

    __slots__ = ("_binds", "_compiled", "_dialect", "_names", "_results", "sql")

    def __init__(self, stmt: Any, dialect: Dialect) -> None:
        compiled = stmt.compile(dialect=dialect)
        self._compiled = compiled
        self._dialect = dialect
        self.sql = compiled.string
        self._names = tuple(compiled.positiontup or ()) if compiled.positional else None
        self._binds = {
            name: proc
            for name, bind in compiled.binds.items()
            if (proc := bind.type.dialect_impl(dialect).bind_processor(dialect)) is not None
        }
        self._results = tuple(
            (i, proc)
            for i, column in enumerate(stmt.selected_columns)
            if (proc := column.type.dialect_impl(dialect).result_processor(dialect, None))
            is not None
        )

    def rows(self, conn: PoolProxiedConnection, params: dict[str, Any]) -> list[tuple[Any, ...]]:
        values = self._compiled.construct_params(params)
        for name, proc in self._binds.items():
            values[name] = proc(values[name])
        args: Any = values if self._names is None else tuple(values[n] for n in self._names)
        cursor = conn.cursor()
        try:
            cursor.execute(self.sql, args)
            rows = cursor.fetchall()
            cursor.close()
        except self._dialect.loaded_dbapi.Error as exc:
            lost = self._dialect.is_disconnect(exc, conn.dbapi_connection, cursor)
            if lost:
                conn.invalidate(exc)
            else:
                cursor.close()
            raise DBAPIError.instance(
                self.sql,
                args,
                exc,
                self._dialect.loaded_dbapi.Error,
                hide_parameters=True,
                connection_invalidated=lost,
                dialect=self._dialect,
            ) from exc
        if not self._results:
            return list(rows)
        processed = []
        for row in rows:
            values_ = list(row)
            for i, proc in self._results:
                values_[i] = proc(values_[i])
            processed.append(tuple(values_))
        return processed


class StoreRepository:
    """Reads the installation store. Every method is one or two index probes."""

    def __init__(self, engine: Engine, url: URL, *, result_cap: int = RESULT_CAP) -> None:
        self._engine = engine
        self.url = url
        self.result_cap = result_cap
        self._schema_checked = False
        self._statements: dict[Any, _DriverStatement] = {}

    @classmethod
    def open(cls, url: URL, *, statement_timeout_s: float = 5.0) -> StoreRepository:
        return cls(open_readonly_engine(url, statement_timeout_s=statement_timeout_s), url)

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

    def close(self) -> None:
        self._engine.dispose()

    def check_schema(self) -> None:
        """Verify the store against schema.sql once; later calls are free."""
        if self._schema_checked:
            return
        with translated(self.url), self._engine.connect() as conn:
            check_schema(conn)
        self._schema_checked = True

    def _statement(self, key: Any, build: Any) -> _DriverStatement:
        prepared = self._statements.get(key)
        if prepared is None:
            prepared = self._statements[key] = _DriverStatement(build(), self._engine.dialect)
        return prepared

    @contextmanager
    def _driver(self) -> Iterator[PoolProxiedConnection]:
        """A pooled driver connection (pinged by the pool), given back on exit."""
        dialect = self._engine.dialect
        try:
            conn = self._engine.raw_connection()
        except dialect.loaded_dbapi.Error as exc:
            raise DBAPIError.instance(
                None,
                None,
                exc,
                dialect.loaded_dbapi.Error,
                hide_parameters=True,
                connection_invalidated=dialect.is_disconnect(exc, None, None),
                dialect=dialect,
            ) from exc
        try:
            yield conn
        finally:
            conn.close()

    # -- lookups ---------------------------------------------------------------

    def find(self, lookup: Lookup) -> FindResult:
        self.check_schema()
        found: dict[str, tuple[Installation, list[KeyKind]]] = {}
        more: dict[KeyKind, int | None] = {}
        probes = lookup.probes
        cap = self.result_cap
        kinds = tuple(p.kind for p in probes)
        with translated(self.url), self._driver() as conn:
            if len(probes) == 1:
                probe = probes[0]
                params = {**_probe_params(probe.kind, probe.value), "cap": cap + 1}
                stmt = self._statement(probe.kind, lambda: _FIND[probe.kind])
                rows_per_probe = [stmt.rows(conn, params)]
            else:
                params = {}
                for n, probe in enumerate(probes):
                    params |= _probe_params(probe.kind, probe.value, f"p{n}_")
                    params[f"p{n}_cap"] = cap + 1
                stmt = self._statement(kinds, lambda: _find_several(kinds))
                rows = stmt.rows(conn, params)
                rows_per_probe = [
                    [r for r in rows if r[_PROBE_NO] == n] for n in range(len(probes))
                ]
            for probe, rows in zip(probes, rows_per_probe, strict=True):
                hits = [r for r in rows if _exact(probe, r)]
                if len(rows) > cap:
                    params = _probe_params(probe.kind, probe.value)
                    more[probe.kind] = self._count_beyond_cap(conn, probe.kind, params)
                    hits = hits[:cap]
                for row in hits:
                    entry = found.setdefault(row[0], (_installation(row), []))
                    entry[1].append(probe.kind)
        matches = tuple(Match(inst, tuple(kinds)) for inst, kinds in found.values())
        return FindResult(matches, more)

    def get(self, installation_id: str) -> Installation | None:
        self.check_schema()
        params = {**_probe_params(KeyKind.INSTALLATION_ID, installation_id), "cap": 1}
        stmt = self._statement(KeyKind.INSTALLATION_ID, lambda: _FIND[KeyKind.INSTALLATION_ID])
        with translated(self.url), self._driver() as conn:
            rows = stmt.rows(conn, params)
        return _installation(rows[0]) if rows else None

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
    ) -> HistoryPage:
        """Events newest first, one keyset page of at most `limit`."""
        limit = max(1, min(limit, HISTORY_PAGE_MAX))
        wanted = tuple(sorted(set(kinds))) if kinds else ()
        params: dict[str, Any] = {"iid": installation_id, "limit": limit + 1}
        params |= {f"kind{n}": kind for n, kind in enumerate(wanted)}
        if before is not None:
            params |= {"at": _naive_utc(before.occurred_at), "event_id": before.event_id}
        key = ("history", len(wanted), before is not None)
        stmt = self._statement(key, lambda: _history_select(len(wanted), before is not None))
        self.check_schema()
        with translated(self.url), self._driver() as conn:
            rows = stmt.rows(conn, params)
        events = tuple(_event(r) for r in rows[:limit])
        cursor = (
            HistoryCursor(events[-1].occurred_at, events[-1].event_id)
            if len(rows) > limit
            else None
        )
        return HistoryPage(events, cursor)

    def activity(
        self, installation_id: str, *, days: int = 90, now: datetime | None = None
    ) -> list[DayActivity]:
        """Sessions and pushes per day over the last `days` days, oldest first, gaps as 0."""
        now = now or datetime.now(UTC)
        first_day = (now - timedelta(days=days - 1)).date()
        since = datetime.combine(first_day, datetime.min.time())
        e = _EVENTS.c
        day = func.date(e.occurred_at)
        counted = ("session", "push_received", "push_opened")
        stmt = (
            select(
                day.label("day"),
                *(func.sum(case((e.kind == k, 1), else_=0)) for k in counted),
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
        by_day = {_as_date(r[0]): r for r in rows}
        result = []
        for offset in range(days):
            d = first_day + timedelta(days=offset)
            r = by_day.get(d)
            result.append(
                DayActivity(d, int(r[1] or 0), int(r[2] or 0), int(r[3] or 0))
                if r
                else DayActivity(d, 0, 0, 0)
            )
        return result

    def _count_beyond_cap(
        self, conn: PoolProxiedConnection, kind: KeyKind, params: dict[str, Any]
    ) -> int | None:
        stmt = self._statement(("count", kind), lambda: _COUNT[kind])
        total = stmt.rows(conn, {**params, "cap": COUNT_LIMIT + 1})[0][0]
        return None if total > COUNT_LIMIT else total - self.result_cap


def _exact(probe: Probe, row: tuple[Any, ...]) -> bool:
    """Re-check in Python: case-insensitive collations (MariaDB) must not widen a match."""
    stored = row[_KEY_INDEX[probe.kind]]
    if stored is None:
        return False
    if probe.kind in _UUID_KINDS:
        return stored.lower() == probe.value.lower()
    return stored == probe.value


def _aware(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _naive_utc(value: datetime) -> datetime:
    return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value


def _as_date(value: date | datetime | str) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _installation(row: tuple[Any, ...]) -> Installation:
    """From a row of _SELECT_INSTALLATIONS: the installation columns, then the app's."""
    (
        installation_id, app_id, custom_user_id, advertising_id, platform, device_brand,
        device_model, os_version, app_version, sdk_version, language, region, timezone,
        push_provider, push_token, apns_environment, push_token_updated_at, push_token_status,
        notifications_enabled, installed_at, last_seen_at, attributes,
        app_name, app_platform, app_bundle_id, app_fcm_project_id, app_apns_topic,
    ) = row[:27]  # fmt: skip
    return Installation(
        installation_id=installation_id,
        app=App(
            app_id=app_id,
            name=app_name,
            platform=app_platform,
            bundle_id=app_bundle_id,
            fcm_project_id=app_fcm_project_id,
            apns_topic=app_apns_topic,
        ),
        custom_user_id=custom_user_id,
        advertising_id=advertising_id,
        platform=platform,
        device_brand=device_brand,
        device_model=device_model,
        os_version=os_version,
        app_version=app_version,
        sdk_version=sdk_version,
        language=language,
        region=region,
        timezone=timezone,
        push_provider=push_provider,
        push_token=push_token,
        apns_environment=apns_environment,
        push_token_updated_at=_aware(push_token_updated_at),
        push_token_status=push_token_status,
        notifications_enabled=(
            None if notifications_enabled is None else bool(notifications_enabled)
        ),
        installed_at=_aware(installed_at),  # type: ignore[arg-type]
        last_seen_at=_aware(last_seen_at),  # type: ignore[arg-type]
        attributes_text=attributes,
    )


def _event(row: tuple[Any, ...]) -> Event:
    event_id, installation_id, occurred_at, kind, detail = row
    return Event(
        event_id=int(event_id),
        installation_id=installation_id,
        occurred_at=_aware(occurred_at),  # type: ignore[arg-type]
        kind=kind,
        detail_text=detail,
    )


def installations_of(result: FindResult) -> Iterable[Installation]:
    return (m.installation for m in result.matches)
