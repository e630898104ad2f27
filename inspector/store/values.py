"""Column values as the drivers hand them over, read defensively by type.

A store is written by other producers and drifts from schema.sql: timestamps kept as text
('yesterday', 'last week'), DATE columns, MariaDB zero dates (pymysql gives them as str),
PostgreSQL 'infinity' (text, thanks to the tolerant loaders of store/engine.py), numbers
in VARCHAR columns on SQLite, booleans stored as 'false', JSON already decoded by the
driver. Every function here takes whatever came and never raises: a value that cannot be
read as its type comes back as None together with its raw text, which the record keeps in
`invalid` so the device stays visible and says what it holds.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

# What an unreadable value keeps of its raw text (escaped when it is shown).
RAW_LIMIT = 200

_TRUE = frozenset({"true", "t", "1", "yes", "y", "on"})
_FALSE = frozenset({"false", "f", "0", "no", "n", "off"})


def raw_text(raw: Any) -> str:
    """The stored value as text, clipped: what `invalid` records."""
    if isinstance(raw, (bytes, bytearray, memoryview)):
        text = bytes(raw).decode("utf-8", errors="replace")
    else:
        try:
            text = raw if isinstance(raw, str) else str(raw)
        except Exception:  # a driver object whose __str__ fails: say what it is
            text = f"<{type(raw).__name__}>"
    return text if len(text) <= RAW_LIMIT else text[: RAW_LIMIT - 1] + "…"


def text(raw: Any) -> str | None:
    """A text column: None stays None, anything else becomes its text."""
    if raw is None or type(raw) is str:
        return raw
    if isinstance(raw, str):
        return str(raw)
    if isinstance(raw, (bytes, bytearray, memoryview)):
        return bytes(raw).decode("utf-8", errors="replace")
    try:
        return str(raw)
    except Exception:
        return f"<{type(raw).__name__}>"


def required_text(raw: Any) -> str:
    """A NOT NULL text column: a NULL from a drifted store reads as empty text."""
    value = text(raw)
    return "" if value is None else value


def _utc(value: datetime) -> datetime:
    # A naive time from the store is UTC (the schema's convention).
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def timestamp(raw: Any) -> tuple[datetime | None, str | None]:
    """(an aware UTC datetime, None), (None, None) for NULL, or (None, raw text) for a
    value that is not a time: text that is not ISO 8601, zero or impossible dates,
    'infinity', numbers, times that overflow when moved to UTC. A date is midnight UTC."""
    kind = type(raw)
    try:
        # The common cases first: SQLite text, a driver's naive datetime.
        if kind is str:
            parsed = datetime.fromisoformat(raw)
            return (parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else _utc(parsed)), None
        if kind is datetime:
            return (raw.replace(tzinfo=UTC) if raw.tzinfo is None else _utc(raw)), None
    except (ValueError, ArithmeticError, TypeError):
        pass  # perhaps surrounded by spaces: the general path below says
    if raw is None:
        return None, None
    try:
        if isinstance(raw, datetime):
            return _utc(raw), None
        if isinstance(raw, date):
            return datetime(raw.year, raw.month, raw.day, tzinfo=UTC), None
        if isinstance(raw, (str, bytes, bytearray, memoryview)):
            # fromisoformat takes the forms the drivers and SQLite write ('2026-11-27
            # 10:00:00.000000', 'T', 'Z', offsets, a bare date); nothing else is a time.
            return _utc(datetime.fromisoformat(raw_text(raw).strip())), None
    except (ValueError, ArithmeticError, TypeError):
        pass
    return None, raw_text(raw)


def boolean(raw: Any) -> tuple[bool | None, str | None]:
    """True/False as stored: booleans, 0/1, BIT(1) bytes, and text that says so ('false',
    'f', '0', 'no', 'off', 'true', ... any case, trimmed). Anything else is unreadable."""
    if raw is None:
        return None, None
    if isinstance(raw, bool):
        return raw, None
    if isinstance(raw, (int, float, Decimal)):
        try:
            if raw == 1:
                return True, None
            if raw == 0:
                return False, None
        except ArithmeticError:  # Decimal('sNaN') refuses to be compared
            pass
        return None, raw_text(raw)
    if isinstance(raw, (bytes, bytearray, memoryview)) and bytes(raw) in (b"\x00", b"\x01"):
        return bytes(raw) == b"\x01", None  # MySQL BIT(1)
    if isinstance(raw, (str, bytes, bytearray, memoryview)):
        word = raw_text(raw).strip().lower()
        if word in _TRUE:
            return True, None
        if word in _FALSE:
            return False, None
    return None, raw_text(raw)


def json_text(raw: Any) -> str | None:
    """A JSON column as text for boundedjson: text as it is; a value a driver already
    decoded (JSON/JSONB as dict or list) written back as JSON; other values as text."""
    if raw is None or type(raw) is str:
        return raw
    if isinstance(raw, (dict, list)):
        try:
            return json.dumps(raw)
        except (TypeError, ValueError, RecursionError):
            return raw_text(raw)
    return text(raw)


def integer(raw: Any) -> tuple[int | None, str | None]:
    """An integer column (event ids): ints, integral numbers and digit text."""
    if raw is None:
        return None, None
    if type(raw) is int:
        return raw, None
    try:
        if isinstance(raw, (float, Decimal)):
            if raw == int(raw):
                return int(raw), None
        elif isinstance(raw, (int, str, bytes)):
            return int(raw), None
    except (ValueError, ArithmeticError, TypeError):
        pass
    return None, raw_text(raw)


def day(raw: Any) -> date | None:
    """A day the database computed (SQL `date(...)`): None when it is not one (SQLite's
    date('yesterday') is NULL, PostgreSQL's date of 'infinity' is 'infinity')."""
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    if isinstance(raw, (str, bytes)):
        try:
            return date.fromisoformat(raw_text(raw).strip()[:10])
        except ValueError:
            return None
    return None
