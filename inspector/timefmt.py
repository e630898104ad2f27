"""Human time: "2 h ago", "in 3 min", ISO stamps in UTC.

A record's time may be None: empty, or a stored value that is not a time (the record's
`invalid` mapping then holds the raw text). Callers pass that raw text as `invalid` so an
unreadable time reads "invalid value", never "never".
"""

from __future__ import annotations

from datetime import UTC, datetime

INVALID = "invalid value"


def _aware(value: datetime) -> datetime:
    # A naive time from a driver is UTC (the store's convention); mixing naive and aware
    # times would raise.
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def ago(when: datetime | None, now: datetime | None = None, invalid: str | None = None) -> str:
    """'2 h ago', 'in 3 min'; 'never' for an empty time, 'invalid value' for an
    unreadable one (`invalid` is the stored text, not shown here: this form is short)."""
    if when is None:
        return "never" if invalid is None else INVALID
    now = _aware(now or datetime.now(UTC))
    try:
        seconds = (now - _aware(when)).total_seconds()
    except OverflowError:
        return INVALID
    future = seconds < 0
    seconds = abs(seconds)
    if seconds < 60:
        text = f"{int(seconds)} s"
    elif seconds < 3600:
        text = f"{int(seconds // 60)} min"
    elif seconds < 86400:
        text = f"{int(seconds // 3600)} h"
    elif seconds < 86400 * 365:
        text = f"{int(seconds // 86400)} d"
    else:
        text = f"{seconds / (86400 * 365):.1f} y"
    return f"in {text}" if future else f"{text} ago"


def stamp(when: datetime | None) -> str:
    if when is None:
        return "—"
    try:
        return _aware(when).astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    except (OverflowError, ValueError):  # year 1 with an offset east of UTC
        return when.isoformat()


def age_days(when: datetime | None, now: datetime | None = None) -> int | None:
    if when is None:
        return None
    try:
        delta = _aware(now or datetime.now(UTC)) - _aware(when)
    except OverflowError:
        return None
    return int(delta.total_seconds() // 86400)


def when(value: datetime | None, now: datetime | None = None, invalid: str | None = None) -> str:
    """Absolute and relative, '2026-11-27 10:00:00 UTC (2 h ago)'; '—' when empty; for a
    stored value that is not a time (`invalid`, the record's raw text), 'invalid value
    (…)', made safe for a terminal."""
    if value is None:
        if invalid is not None:
            from inspector.safetext import clip, escape

            return f"{INVALID} ({clip(escape(invalid), 40)})"
        return "—"
    return f"{stamp(value)} ({ago(value, now)})"
