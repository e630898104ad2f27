"""Human time: "2 h ago", "in 3 min", ISO stamps in UTC."""

from __future__ import annotations

from datetime import UTC, datetime


def ago(when: datetime | None, now: datetime | None = None) -> str:
    if when is None:
        return "never"
    now = now or datetime.now(UTC)
    seconds = (now - when).total_seconds()
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
    return when.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def age_days(when: datetime | None, now: datetime | None = None) -> int | None:
    if when is None:
        return None
    return int(((now or datetime.now(UTC)) - when).total_seconds() // 86400)


INVALID = "invalid value"


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
