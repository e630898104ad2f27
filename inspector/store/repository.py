"""The read-only repository: point lookups on indexed keys and bounded keyset pages."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, case, func, or_, select
from sqlalchemy.engine import URL, Connection, Engine, Row

from inspector.config import describe_url
from inspector.lookup import RESULT_CAP, KeyKind, Lookup, Probe
from inspector.store.engine import open_readonly_engine, translated
from inspector.store.models import AppRow, EventRow, InstallationRow
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

EVENT_KINDS = (
    "install",
    "session",
    "push_token_changed",
    "opt_in_changed",
    "push_received",
    "push_opened",
    "app_updated",
    "attribute_changed",
    "custom",
)
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


def _probe_clause(kind: KeyKind) -> Any:
    column = _COLUMNS[kind]
    if kind in _UUID_KINDS:
        # Stored UUIDs are lower case (Android, most back ends) or upper case (iOS):
        # probing both spellings keeps the lookup an index probe.
        return column.in_([bindparam("lower"), bindparam("upper")])
    return column == bindparam("value")


def _probe_params(kind: KeyKind, value: str) -> dict[str, str]:
    if kind in _UUID_KINDS:
        return {"lower": value.lower(), "upper": value.upper(), "cap": 0}
    return {"value": value, "cap": 0}


# Built once: SQLAlchemy caches the compiled form, so a lookup costs one execution.
_FIND = {
    kind: _SELECT_INSTALLATIONS.where(_probe_clause(kind))
    .order_by(_INST.c.last_seen_at.desc())
    .limit(bindparam("cap"))
    for kind in KeyKind
}
_COUNT = {
    kind: select(func.count()).select_from(
        select(_INST.c.installation_id)
        .where(_probe_clause(kind))
        .limit(bindparam("cap"))
        .subquery()
    )
    for kind in KeyKind
}


class StoreRepository:
    """Reads the installation store. Every method is one or two index probes."""

    def __init__(self, engine: Engine, url: URL, *, result_cap: int = RESULT_CAP) -> None:
        self._engine = engine
        self.url = url
        self.result_cap = result_cap
        self._schema_checked = False

    @classmethod
    def open(cls, url: URL, *, statement_timeout_s: float = 5.0) -> StoreRepository:
        return cls(open_readonly_engine(url, statement_timeout_s=statement_timeout_s), url)

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

    # -- lookups ---------------------------------------------------------------

    def find(self, lookup: Lookup) -> FindResult:
        self.check_schema()
        found: dict[str, tuple[Installation, list[KeyKind]]] = {}
        more: dict[KeyKind, int | None] = {}
        with translated(self.url), self._engine.connect() as conn:
            for probe in lookup.probes:
                params = _probe_params(probe.kind, probe.value)
                rows = conn.execute(_FIND[probe.kind], {**params, "cap": self.result_cap + 1})
                rows = rows.all()
                hits = [r for r in rows if _exact(probe, r)]
                if len(rows) > self.result_cap:
                    more[probe.kind] = self._count_beyond_cap(conn, probe.kind, params)
                    hits = hits[: self.result_cap]
                for row in hits:
                    entry = found.setdefault(row.installation_id, (_installation(row), []))
                    entry[1].append(probe.kind)
        matches = tuple(Match(inst, tuple(kinds)) for inst, kinds in found.values())
        return FindResult(matches, more)

    def get(self, installation_id: str) -> Installation | None:
        self.check_schema()
        params = {**_probe_params(KeyKind.INSTALLATION_ID, installation_id), "cap": 1}
        with translated(self.url), self._engine.connect() as conn:
            row = conn.execute(_FIND[KeyKind.INSTALLATION_ID], params).first()
        return _installation(row) if row else None

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
        e = _EVENTS.c
        stmt = select(_EVENTS).where(e.installation_id == installation_id)
        if kinds:
            stmt = stmt.where(e.kind.in_(sorted(kinds)))
        if before is not None:
            at = _naive_utc(before.occurred_at)
            # The first conjunct is a plain range the index serves on every engine.
            stmt = stmt.where(
                e.occurred_at <= at, or_(e.occurred_at < at, e.event_id < before.event_id)
            )
        stmt = stmt.order_by(e.occurred_at.desc(), e.event_id.desc()).limit(limit + 1)
        self.check_schema()
        with translated(self.url), self._engine.connect() as conn:
            rows = conn.execute(stmt).all()
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
        self, conn: Connection, kind: KeyKind, params: dict[str, Any]
    ) -> int | None:
        total = conn.execute(_COUNT[kind], {**params, "cap": COUNT_LIMIT + 1}).scalar_one()
        return None if total > COUNT_LIMIT else total - self.result_cap


def _exact(probe: Probe, row: Row[Any]) -> bool:
    """Re-check in Python: case-insensitive collations (MariaDB) must not widen a match."""
    stored = row._mapping[_COLUMNS[probe.kind]]
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


def _installation(row: Row[Any]) -> Installation:
    m = row._mapping
    return Installation(
        installation_id=m["installation_id"],
        app=App(
            app_id=m["app_id"],
            name=m["app_name"],
            platform=m["app_platform"],
            bundle_id=m["app_bundle_id"],
            fcm_project_id=m["app_fcm_project_id"],
            apns_topic=m["app_apns_topic"],
        ),
        custom_user_id=m["custom_user_id"],
        advertising_id=m["advertising_id"],
        platform=m["platform"],
        device_brand=m["device_brand"],
        device_model=m["device_model"],
        os_version=m["os_version"],
        app_version=m["app_version"],
        sdk_version=m["sdk_version"],
        language=m["language"],
        region=m["region"],
        timezone=m["timezone"],
        push_provider=m["push_provider"],
        push_token=m["push_token"],
        apns_environment=m["apns_environment"],
        push_token_updated_at=_aware(m["push_token_updated_at"]),
        push_token_status=m["push_token_status"],
        notifications_enabled=(
            None if m["notifications_enabled"] is None else bool(m["notifications_enabled"])
        ),
        installed_at=_aware(m["installed_at"]),  # type: ignore[arg-type]
        last_seen_at=_aware(m["last_seen_at"]),  # type: ignore[arg-type]
        attributes_text=m["attributes"],
    )


def _event(row: Row[Any]) -> Event:
    m = row._mapping
    return Event(
        event_id=int(m["event_id"]),
        installation_id=m["installation_id"],
        occurred_at=_aware(m["occurred_at"]),  # type: ignore[arg-type]
        kind=m["kind"],
        detail_text=m["detail"],
    )


def installations_of(result: FindResult) -> Iterable[Installation]:
    return (m.installation for m in result.matches)
