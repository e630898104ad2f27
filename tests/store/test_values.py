"""Column coercion (store/values.py) and row readers (store/rows.py): any value a driver
can hand over, in any column, becomes a record without an exception."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inspector import boundedjson
from inspector.store import values
from inspector.store.rows import (
    EVENT_COLUMNS,
    INSTALLATION_COLUMNS,
    EventReader,
    InstallationReader,
)

ZONES = st.sampled_from(
    [None, UTC, timezone(timedelta(hours=14)), timezone(-timedelta(hours=12, minutes=30))]
)
JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=10,
)
ANY_VALUE = st.one_of(
    st.none(),
    st.text(),
    st.binary(),
    st.integers(),
    st.floats(),
    st.booleans(),
    st.decimals(),
    st.datetimes(timezones=ZONES),
    st.dates(),
    JSONISH,
    st.sampled_from(["infinity", "-infinity", "0000-00-00 00:00:00", "2026-02-31", " yes "]),
)


def _finite_everywhere(value: Any) -> bool:
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, dict):
        return all(_finite_everywhere(v) for v in value.values())
    if isinstance(value, list):
        return all(_finite_everywhere(v) for v in value)
    return True


@given(ANY_VALUE)
def test_every_coercion_takes_any_value(raw: Any) -> None:
    when, bad = values.timestamp(raw)
    assert when is None or when.tzinfo is UTC
    assert (bad is None) or (when is None and isinstance(bad, str))
    flag, bad = values.boolean(raw)
    assert flag in (None, True, False) and (bad is None or flag is None)
    text = values.text(raw)
    assert text is None or isinstance(text, str)
    assert isinstance(values.required_text(raw), str)
    number, bad = values.integer(raw)
    assert number is None or isinstance(number, int)
    assert values.day(raw) is None or isinstance(values.day(raw), date)
    stored = values.json_text(raw)
    assert stored is None or isinstance(stored, str)
    assert len(values.raw_text(raw)) <= values.RAW_LIMIT


@settings(max_examples=60)
@given(st.fixed_dictionaries({name: ANY_VALUE for name in sorted(INSTALLATION_COLUMNS)}))
def test_any_value_in_any_installation_column_makes_a_record(row: dict[str, Any]) -> None:
    names = sorted(row)
    inst = InstallationReader(names)(tuple(row[n] for n in names))
    attributes = inst.attributes
    assert isinstance(attributes, dict) and _finite_everywhere(attributes)
    for name, raw in inst.invalid.items():
        assert getattr(inst, name) is None and isinstance(raw, str)


@settings(max_examples=60)
@given(st.fixed_dictionaries({name: ANY_VALUE for name in sorted(EVENT_COLUMNS)}))
def test_any_value_in_any_event_column_makes_a_record(row: dict[str, Any]) -> None:
    names = sorted(row)
    event = EventReader(names)(tuple(row[n] for n in names))
    assert isinstance(event.event_id, int) and isinstance(event.detail, dict)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2026-11-27 10:00:00.000000", datetime(2026, 11, 27, 10, tzinfo=UTC)),  # SQLite
        ("2026-11-27T11:00:00+01:00", datetime(2026, 11, 27, 10, tzinfo=UTC)),
        ("2026-11-27T10:00:00Z", datetime(2026, 11, 27, 10, tzinfo=UTC)),
        (b"2026-11-27 10:00:00", datetime(2026, 11, 27, 10, tzinfo=UTC)),
        (date(2026, 11, 27), datetime(2026, 11, 27, tzinfo=UTC)),  # a DATE column
        (datetime(2026, 11, 27, 10), datetime(2026, 11, 27, 10, tzinfo=UTC)),
    ],
)
def test_readable_times(raw: Any, expected: datetime) -> None:
    assert values.timestamp(raw) == (expected, None)


@pytest.mark.parametrize(
    ("raw", "kept"),
    [
        ("yesterday", "yesterday"),
        ("last week", "last week"),
        ("infinity", "infinity"),
        ("-infinity", "-infinity"),
        ("0000-00-00 00:00:00", "0000-00-00 00:00:00"),
        ("2026-02-31 00:00:00", "2026-02-31 00:00:00"),
        (1700000000, "1700000000"),
        (datetime.min.replace(tzinfo=timezone(timedelta(hours=1))), "0001-01-01 00:00:00+01:00"),
        ("x" * 1000, "x" * (values.RAW_LIMIT - 1) + "…"),
    ],
)
def test_unreadable_times_keep_their_text(raw: Any, kept: str) -> None:
    assert values.timestamp(raw) == (None, kept)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        *[(word, False) for word in ("false", "F", " 0 ", "no", "OFF", 0, b"\x00", Decimal(0))],
        *[(word, True) for word in ("true", "T", "1", " Yes ", "on", 1, b"\x01", True)],
        ("maybe", None),
        (2, None),
        ("", None),
    ],
)
def test_booleans_read_as_what_they_say(raw: Any, expected: bool | None) -> None:
    flag, bad = values.boolean(raw)
    assert flag is expected
    assert (bad is None) == (expected is not None)


def test_a_decoded_json_column_is_written_back_as_text() -> None:
    assert values.json_text({"a": [1, "x"]}) == '{"a": [1, "x"]}'
    assert values.json_text(b'{"a": 1}') == '{"a": 1}'


def test_stored_json_may_hold_raw_control_characters() -> None:
    # Producers write them; they are data, escaped wherever they are shown.
    assert boundedjson.parse_object('{"raw": "\x1b[2J"}') == {"raw": "\x1b[2J"}
    assert "\x1b" not in boundedjson.dumps({"raw": "\x1b[2J"})


def test_days_the_database_could_not_compute_are_none() -> None:
    assert values.day(None) is None
    assert values.day("infinity") is None
    assert values.day("2026-11-27") == date(2026, 11, 27)
    assert values.day(datetime(2026, 11, 27, 10)) == date(2026, 11, 27)
