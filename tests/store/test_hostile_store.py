"""The repository reads every column of a hostile or drifted store without raising, on
SQLite, PostgreSQL and MariaDB: unreadable values become None with their raw text in
`invalid`, the device stays visible, and history pages through every event."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.engine import URL

from inspector.fixtures.writer import bulk_insert
from inspector.lookup import parse_query
from inspector.store.engine import open_writable_engine
from inspector.store.records import Event, Installation
from inspector.store.repository import StoreRepository
from inspector.store.schema import create_schema
from tests import hostile
from tests.hostile import (
    ALL,
    APP,
    CUSTOMER,
    ESCAPE_CUSTOMER,
    H_BOOL,
    H_DEEP,
    H_ESCAPE,
    H_JSON,
    H_MARKUP,
    H_TIME,
    MIXED,
)

# What each engine kept of the unreadable times tests/hostile.py writes.
BAD_TIMES = {
    "sqlite": {"installed_at": "yesterday", "push_token_updated_at": "not a date"},
    "postgresql": {"installed_at": "-infinity", "push_token_updated_at": "infinity"},
    "mariadb": {
        "installed_at": "0000-00-00 00:00:00",
        "push_token_updated_at": "0000-00-00 00:00:00",
    },
}
BAD_EVENT_TIME = {"sqlite": "yesterday", "postgresql": "infinity", "mariadb": "0000-00-00 00:00:00"}


def _open(url: URL) -> Iterator[StoreRepository]:
    repo = StoreRepository.open(url)
    yield repo
    repo.close()


@pytest.fixture(scope="module")
def store(hostile_store_url: URL) -> Iterator[StoreRepository]:
    yield from _open(hostile_store_url)


@pytest.fixture(scope="module")
def odd_store(odd_types_store_url: URL) -> Iterator[StoreRepository]:
    yield from _open(odd_types_store_url)


def _get(store: StoreRepository, iid: str) -> Installation:
    inst = store.get(iid)
    assert inst is not None, iid
    return inst


def _all_events(store: StoreRepository, iid: str, limit: int, **kw: object) -> list[Event]:
    events: list[Event] = []
    cursor = None
    for _ in range(1000):
        page = store.history(iid, before=cursor, limit=limit, **kw)  # type: ignore[arg-type]
        events.extend(page.events)
        if page.next_cursor is None:
            return events
        cursor = page.next_cursor
    raise AssertionError("history paging did not end")


def test_every_hostile_installation_is_found(store: StoreRepository) -> None:
    shared = store.find(parse_query(f"cid:{CUSTOMER}"))
    assert {m.installation.installation_id for m in shared.matches} == set(ALL) - {
        H_MARKUP,
        H_ESCAPE,
    }
    for iid in ALL:
        assert _get(store, iid).installation_id == iid
    markup = _get(store, H_MARKUP)
    assert (markup.custom_user_id, markup.device_model) == (hostile.MARKUP_CUSTOMER, hostile.STYLED)
    assert markup.app.name == f"Shop {hostile.STYLED}{hostile.OSC_TITLE}"
    assert _get(store, H_ESCAPE).custom_user_id == ESCAPE_CUSTOMER
    by_markup_id = store.find(parse_query(f"cid:{hostile.MARKUP_CUSTOMER}"))
    assert [m.installation.installation_id for m in by_markup_id.matches] == [H_MARKUP]


def test_unreadable_times_are_none_with_their_raw_text(
    store: StoreRepository, dialect: str
) -> None:
    inst = _get(store, H_TIME)
    assert inst.installed_at is None and inst.push_token_updated_at is None
    assert dict(inst.invalid) == BAD_TIMES[dialect]
    assert inst.last_seen_at == hostile.NOW - timedelta(hours=1)
    # Still listed by a lookup, with the others.
    found = store.find(parse_query(f"cid:{CUSTOMER}"))
    assert H_TIME in {m.installation.installation_id for m in found.matches}
    assert not _get(store, H_MARKUP).invalid


@pytest.mark.parametrize("limit", [1, 2, 50])
def test_history_with_an_unreadable_time_pages_through_every_event(
    store: StoreRepository, dialect: str, limit: int
) -> None:
    events = _all_events(store, H_TIME, limit)
    assert sorted(e.event_id for e in events) == [9005, 9006]
    bad = next(e for e in events if e.event_id == 9005)
    assert bad.occurred_at is None
    assert bad.invalid == {"occurred_at": BAD_EVENT_TIME[dialect]}
    good = next(e for e in events if e.event_id == 9006)
    assert good.occurred_at == hostile.NOW - timedelta(hours=2, minutes=6)


def test_activity_skips_days_it_cannot_read(store: StoreRepository) -> None:
    days = store.activity(H_TIME, now=hostile.NOW)
    assert len(days) == 90
    assert sum(d.sessions for d in days) == 1  # the readable session; the other is not a day


def test_boolean_stored_as_text_reads_as_what_it_says(odd_store: StoreRepository) -> None:
    assert _get(odd_store, H_BOOL).notifications_enabled is False
    assert _get(odd_store, MIXED).notifications_enabled is True


def test_text_false_in_a_sqlite_boolean_is_false(store: StoreRepository, dialect: str) -> None:
    if dialect != "sqlite":
        pytest.skip("only SQLite lets text into the BOOLEAN column of schema.sql")
    assert _get(store, H_BOOL).notifications_enabled is False


def test_drifted_column_types_are_read(odd_store: StoreRepository, dialect: str) -> None:
    inst = _get(odd_store, H_JSON)
    # PostgreSQL: JSONB attributes, a DATE push_token_updated_at, a TEXT installed_at.
    assert isinstance(inst.attributes_text, str)
    assert isinstance(inst.attributes, dict) and "_note" not in inst.attributes
    if dialect == "postgresql":
        assert inst.attributes == {"esc": hostile.OSC_TITLE, "m": hostile.MARKUP}
        assert inst.push_token_updated_at == datetime(2026, 11, 24, tzinfo=UTC)
        assert inst.installed_at == hostile.NOW - timedelta(days=100)
        assert _get(odd_store, H_BOOL).invalid == {"installed_at": "last week"}
        (event,) = odd_store.history(H_JSON).events
        assert event.detail == {"esc": hostile.CLEAR}


def test_deep_json_is_kept_raw_with_a_note(store: StoreRepository) -> None:
    attributes = _get(store, H_DEEP).attributes
    assert set(attributes) == {"_raw", "_note"}
    assert "deeper" in attributes["_note"]
    details = [e.detail for e in store.history(H_DEEP).events]
    assert len(details) == 2 and all(set(d) == {"_raw", "_note"} for d in details)


def test_nan_and_overflowing_numbers_stay_text(store: StoreRepository) -> None:
    attributes = _get(store, H_JSON).attributes
    assert attributes["nan"] == "NaN" and attributes["inf"] == "Infinity"
    assert attributes["big"] == "1e999" and attributes["ok"] == 1.5
    assert attributes["esc"] == "\x1b]0;PWNED\x07"
    (event,) = store.history(H_JSON).events
    values = list(attributes.values()) + list(event.detail.values())
    assert not any(isinstance(v, float) and not math.isfinite(v) for v in values)


def test_an_installation_id_is_found_as_stored(store: StoreRepository) -> None:
    assert _get(store, MIXED).device_model == "Pixel 9"
    # Not a UUID: only its own spelling, even on MariaDB's case-insensitive collation.
    assert store.get(MIXED.lower()) is None
    assert store.get(MIXED.upper()) is None


# -- a history of tangled times, and UUIDs in both cases ---------------------------------

NOW = datetime(2026, 11, 27, 12, 0, 0)
TANGLED = "tangled-1"
UPPER = "A1B2C3D4-0000-4000-8000-00000000000A"  # stored upper case
LOWER = "b1b2c3d4-0000-4000-8000-00000000000b"  # stored lower case
TWIN = "c1b2c3d4-0000-4000-8000-00000000000c"  # stored in both cases (not on MariaDB)
# Unreadable times, written after the typed insert, per engine: two of them tie.
_TANGLE = {
    "sqlite": [
        "UPDATE installation_events SET occurred_at = 'yesterday' WHERE event_id IN (3, 6)",
        "UPDATE installation_events SET occurred_at = 1700000000 WHERE event_id = 8",
        "UPDATE installations SET device_model = X'ff41', notifications_enabled = ' Yes '"
        f" WHERE installation_id = '{TANGLED}'",
    ],
    "postgresql": [
        "UPDATE installation_events SET occurred_at = 'infinity' WHERE event_id IN (3, 6)",
        "UPDATE installation_events SET occurred_at = '-infinity' WHERE event_id = 8",
    ],
    "mysql": [
        "SET SESSION sql_mode = ''",
        "UPDATE installation_events SET occurred_at = '0000-00-00 00:00:00'"
        " WHERE event_id IN (3, 6, 8)",
    ],
}


def _row(iid: str, model: str = "Pixel 8") -> dict[str, object]:
    return dict(
        installation_id=iid, app_id=APP, custom_user_id="tangled", advertising_id=None,
        platform="android", device_brand="Google", device_model=model, os_version="14",
        app_version="1.0.0", sdk_version="4.8.1", language="en", region="US",
        timezone="UTC", push_provider="fcm", push_token=f"tok-{iid}",
        apns_environment=None, push_token_updated_at=NOW, push_token_status="active",
        notifications_enabled=True, installed_at=NOW, last_seen_at=NOW, attributes=None,
    )  # fmt: skip


@pytest.fixture(scope="module")
def tangled(dialect: str, make_database: Callable[[str], URL]) -> Iterator[StoreRepository]:
    url = make_database(dialect)
    engine = open_writable_engine(url)
    create_schema(engine)
    app = dict(app_id=APP, name="Shop", platform="android", bundle_id="com.example")
    rows = [_row(TANGLED), _row(UPPER), _row(LOWER)]
    if dialect != "mariadb":  # its collation makes the two spellings one key
        rows += [_row(TWIN.lower(), "lower twin"), _row(TWIN.upper(), "upper twin")]
    # Ten events, with ties in time (4 and 5) broken by event_id.
    times = [NOW - timedelta(minutes=m) for m in (1, 2, 3, 4, 4, 5, 6, 7, 8, 9)]
    events = [
        dict(
            event_id=n,
            installation_id=TANGLED,
            occurred_at=at,
            kind="session" if n % 2 else "custom",
            detail=None,
        )
        for n, at in enumerate(times, start=1)
    ]
    with engine.begin() as conn:
        bulk_insert(conn, "apps", [app | {"fcm_project_id": None, "apns_topic": None}])
        bulk_insert(conn, "installations", rows)
        bulk_insert(conn, "installation_events", events)
    with engine.begin() as conn:
        for statement in _TANGLE[engine.dialect.name]:
            conn.exec_driver_sql(statement)
    engine.dispose()
    yield from _open(url)


@pytest.mark.parametrize("limit", [1, 2, 3, 500])
def test_tangled_history_never_repeats_or_loses_an_event(
    tangled: StoreRepository, limit: int
) -> None:
    events = _all_events(tangled, TANGLED, limit)
    ids = [e.event_id for e in events]
    assert sorted(ids) == list(range(1, 11))
    # Pages continue each other: the same order as one page of everything.
    assert ids == [e.event_id for e in tangled.history(TANGLED, limit=500).events]
    assert {e.event_id for e in events if e.occurred_at is None} == {3, 6, 8}
    assert all(e.invalid for e in events if e.occurred_at is None)


def test_tangled_history_filtered_by_kind(tangled: StoreRepository) -> None:
    events = _all_events(tangled, TANGLED, 1, kinds={"session"})
    assert sorted(e.event_id for e in events) == [1, 3, 5, 7, 9]


def test_tangled_activity(tangled: StoreRepository) -> None:
    days = tangled.activity(TANGLED, now=NOW.replace(tzinfo=UTC))
    assert sum(d.sessions for d in days) == 4  # 1, 5, 7, 9; 3 has no readable day


def test_odd_values_in_text_and_boolean_columns(tangled: StoreRepository, dialect: str) -> None:
    inst = _get(tangled, TANGLED)
    if dialect == "sqlite":
        assert inst.device_model == "\ufffdA"  # a BLOB that is not UTF-8
        assert inst.notifications_enabled is True  # ' Yes '
    assert not inst.invalid


def test_a_uuid_is_found_in_either_case(tangled: StoreRepository, dialect: str) -> None:
    assert _get(tangled, UPPER.lower()).installation_id == UPPER
    assert _get(tangled, UPPER).installation_id == UPPER
    assert _get(tangled, LOWER.upper()).installation_id == LOWER
    if dialect != "mariadb":
        # Both spellings stored: each is found as spelled.
        assert _get(tangled, TWIN.lower()).device_model == "lower twin"
        assert _get(tangled, TWIN.upper()).device_model == "upper twin"
    assert tangled.get(UPPER.replace("A1B2", "a1B2")).installation_id == UPPER  # type: ignore[union-attr]


def test_postgresql_values_python_cannot_hold_still_load(
    store: StoreRepository, dialect: str
) -> None:
    if dialect != "postgresql":
        pytest.skip("PostgreSQL's infinite times and JSONB")
    with store.engine.connect() as conn:
        row = conn.exec_driver_sql(
            "SELECT 'infinity'::timestamptz, '-infinity'::date, '4713-01-01 BC'::timestamp,"
            " '{\"a\": [1]}'::jsonb, '2026-11-27 10:00'::timestamp"
        ).one()
    assert tuple(row[:4]) == ("infinity", "-infinity", "4713-01-01 00:00:00 BC", '{"a": [1]}')
    assert row[4] == datetime(2026, 11, 27, 10)  # readable values keep their type
