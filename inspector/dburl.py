"""Which database a URL names, whether its driver is installed, and the pooled engine
every connection to a database server (store or journal) goes through.

Two URLs name the same database when their normalised parts agree: backend family
(mariadb is mysql), host (lower-case; every loopback spelling and a local socket are one
host), port (the dialect's default filled in) and database (SQLite: the file itself,
symlinks followed). Comparing URL strings is not enough: `db` and `db:5432` are one
database, and so are `localhost` and `127.0.0.1`.

SQLAlchemy is imported inside the functions: config imports this module, and loading
settings must not load SQLAlchemy.
"""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from inspector.safetext import clip, escape

if TYPE_CHECKING:
    from sqlalchemy.engine import URL, Engine

DEFAULT_PORTS = {"postgresql": 5432, "mysql": 3306}
# A pooled server connection older than this is replaced: proxies and wait_timeout drop
# idle connections, and the ping before use would only find out one query later.
POOL_RECYCLE_S = 1800
LOOPBACK = "loopback"

# DB-API module -> (package name, what to pip install).
_PACKAGES = {
    "psycopg": ("psycopg", "psycopg[binary]"),
    "psycopg2": ("psycopg2", "psycopg2-binary"),
    "pg8000": ("pg8000", "pg8000"),
    "pymysql": ("PyMySQL", "PyMySQL"),
    "MySQLdb": ("mysqlclient", "mysqlclient"),
    "mariadb": ("mariadb", "mariadb"),
    "mysql": ("mysql-connector-python", "mysql-connector-python"),
}


class DatabaseKey(NamedTuple):
    family: str
    host: str | None
    port: int | None
    database: str | None


def is_loopback_host(host: str | None) -> bool:
    """localhost, 127.0.0.0/8 and ::1 (bracketed or not)."""
    name = (host or "").strip().strip("[]").rstrip(".").lower()
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def family(backend: str) -> str:
    return "mysql" if backend in ("mysql", "mariadb") else backend


def _host(url: URL, fam: str) -> str:
    host = url.host
    if not host and fam == "postgresql":
        host = _query_value(url, "host")  # libpq's ?host=
    if not host or host.startswith("/") or _query_value(url, "unix_socket"):
        return LOOPBACK  # a local socket is this machine's server
    return LOOPBACK if is_loopback_host(host) else host.strip().rstrip(".").lower()


def _query_value(url: URL, name: str) -> str | None:
    value = url.query.get(name)
    if isinstance(value, tuple):
        value = value[0] if value else None
    return value


def sqlite_file(url: URL) -> str | None:
    """The resolved path of a SQLite URL's file, or None for an in-memory database."""
    path = url.database or ""
    if path.startswith("file:"):  # a URI filename (`?uri=true`)
        path = path[len("file:") :].split("?", 1)[0]
    if not path or path == ":memory:" or "mode=memory" in path:
        return None
    return os.path.realpath(Path(path).expanduser())


def database_key(url: URL) -> DatabaseKey:
    fam = family(url.get_backend_name())
    if fam == "sqlite":
        return DatabaseKey(fam, None, None, sqlite_file(url))
    port = url.port
    if port is None and fam == "postgresql" and _query_value(url, "port"):
        try:
            port = int(_query_value(url, "port") or "")
        except ValueError:
            port = None
    return DatabaseKey(fam, _host(url, fam), port or DEFAULT_PORTS.get(fam), url.database)


def same_database(a: URL, b: URL) -> bool:
    """True when both URLs name one database (see the module docstring)."""
    key_a, key_b = database_key(a), database_key(b)
    if key_a.family == key_b.family == "sqlite":
        if key_a.database is None or key_b.database is None:
            return False  # an in-memory database is nobody else's
        if key_a.database == key_b.database:
            return True
        try:  # hard links: one file under two names
            return os.path.samefile(key_a.database, key_b.database)
        except OSError:
            return False
    return key_a == key_b


def require_driver(url: URL, what: str) -> None:
    """ConfigError naming the package to install when the URL's driver is missing.

    `what` names the URL in the message, e.g. "the store URL" or "INSPECTOR_JOURNAL_URL".
    """
    from sqlalchemy.exc import NoSuchModuleError

    from inspector.config import ConfigError

    name = escape(clip(url.drivername, 60))
    try:
        dialect = url.get_dialect()
    except NoSuchModuleError:
        raise ConfigError(
            f"{what} names the database driver '{name}', which is not known "
            "(use sqlite, postgresql+psycopg or mysql+pymysql)"
        ) from None
    if getattr(dialect, "is_async", False):
        raise ConfigError(
            f"{what} names the asyncio driver '{name}'; use a synchronous one "
            "(postgresql+psycopg or mysql+pymysql)"
        )
    try:
        dialect.import_dbapi()
    except ImportError as exc:
        module = (exc.name or "").split(".")[0]
        package, spec = _PACKAGES.get(module, (module or name, module or name))
        raise ConfigError(
            f"{what} needs the Python package '{escape(package)}' (pip install '{escape(spec)}')"
        ) from None


def server_engine(url: URL, connect_args: dict[str, Any], **options: Any) -> Engine:
    """A pooled engine for a PostgreSQL or MariaDB server: every connection pinged
    before use and recycled after POOL_RECYCLE_S; MariaDB/MySQL connections in utf8mb4.
    `connect_args` go to the driver (timeouts, session options)."""
    from sqlalchemy import create_engine

    args = dict(connect_args)
    if family(url.get_backend_name()) == "mysql":
        args.setdefault("charset", "utf8mb4")
    return create_engine(
        url, pool_pre_ping=True, pool_recycle=POOL_RECYCLE_S, connect_args=args, **options
    )
