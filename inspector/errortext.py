"""One line of an exception for a message: never a traceback, never a password."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy.engine import URL


def first_line(exc: BaseException, limit: int = 300) -> str:
    """The first line of the exception's text, or its type name when it has none."""
    text = str(exc).strip()
    return text.splitlines()[0][:limit] if text else type(exc).__name__


def driver_error_line(exc: BaseException, url: URL) -> str:
    """The first line of a database driver's error (SQLAlchemy wraps it as `orig`), the
    URL's password blanked out."""
    text = first_line(getattr(exc, "orig", None) or exc)
    if url.password:
        text = text.replace(str(url.password), "***")
    return text
