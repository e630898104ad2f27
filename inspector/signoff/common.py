"""What the proof and approval services share: the clock, comments, journal refusals."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from inspector.journal import Journal, JournalError
from inspector.safetext import has_unsafe
from inspector.signoff.errors import SignoffRefused

Clock = Callable[[], datetime]
COMMENT_MAX = 2000


def utcnow() -> datetime:
    return datetime.now(UTC)


def now_from(clock: Clock) -> datetime:
    """The clock's time, aware UTC (a naive time is UTC)."""
    value = clock()
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def checked_comment(comment: str | None, *, required: bool, what: str) -> str | None:
    text = (comment or "").strip()
    if not text:
        if required:
            raise SignoffRefused(f"{what} needs a comment saying why (--comment)")
        return None
    if len(text) > COMMENT_MAX:
        raise SignoffRefused(f"the comment is {len(text)} characters long; at most {COMMENT_MAX}")
    if has_unsafe(text.replace("\n", " ")):
        raise SignoffRefused("the comment contains control or invisible characters")
    return text


def record_refusal(
    journal: Journal,
    action: str,
    reason: str,
    *,
    installation_id: str | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    """A refusal on the record. The refusal stands even when the journal cannot take it:
    nothing was changed or sent."""
    with contextlib.suppress(JournalError):
        journal.record(
            action,
            installation_id=installation_id,
            outcome="refused",
            details={**(details or {}), "reason": reason},
        )
