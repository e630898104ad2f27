"""A database driver's error as one line, its password blanked out.

The first line of any exception is `errors.plain_first_line` (escaped: `errors.first_line`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from inspector.errors import plain_first_line

if TYPE_CHECKING:
    from sqlalchemy.engine import URL


def driver_error_line(exc: BaseException, url: URL) -> str:
    """The first line of a database driver's error (SQLAlchemy wraps it as `orig`), the
    URL's password blanked out. Raw text: it is escaped where it is shown."""
    password = str(url.password) if url.password else None
    return plain_first_line(getattr(exc, "orig", None) or exc, hide=password)
