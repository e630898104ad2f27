"""One place that turns any failure into a sentence for a support engineer."""

from __future__ import annotations

from inspector.config import ConfigError
from inspector.lookup import QueryError
from inspector.store.errors import SchemaMismatch, StoreError, StoreTimeout, StoreUnavailable


def is_journal_error(exc: BaseException) -> bool:
    try:
        from inspector.journal import JournalError
    except ImportError:
        return False
    return isinstance(exc, JournalError)


def _push_error(exc: BaseException) -> str | None:
    try:
        from inspector.push import PushError, PushRefused
    except ImportError:
        return None
    if isinstance(exc, PushRefused):
        return f"Refused: {exc}."
    if isinstance(exc, PushError):
        return f"Push failed: {exc}."
    return None


def describe_error(exc: BaseException) -> str:
    """One line, no traceback, no secret (store errors already name host/database only)."""
    if isinstance(exc, StoreTimeout):
        return f"The database is too slow right now: {exc}. Try again in a moment."
    if isinstance(exc, StoreUnavailable):
        return f"The database is unreachable: {exc}. Nothing was looked up."
    if isinstance(exc, SchemaMismatch):
        return f"This database is not an installation store: {exc}."
    if isinstance(exc, StoreError):
        return f"The database failed: {exc}."
    if isinstance(exc, QueryError):
        return str(exc)
    if isinstance(exc, ConfigError):
        return f"Configuration problem: {exc}."
    if is_journal_error(exc):
        return f"The audit journal is unavailable: {exc}."
    if (push := _push_error(exc)) is not None:
        return push
    if isinstance(exc, OSError):
        return f"Could not use the file: {exc.strerror or exc}."
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"Unexpected {type(exc).__name__}{': ' + text[:200] if text else ''}."
