"""Shared fixtures: isolated settings, and fresh databases on SQLite, PostgreSQL, MariaDB.

PostgreSQL and MariaDB tests run when INSPECTOR_TEST_POSTGRES_URL and
INSPECTOR_TEST_MARIADB_URL are set (`.ci/run` sets both) and are skipped otherwise.
Each test session works in databases of its own, created here and dropped at the end,
so concurrent runs on one server never meet.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, make_url

from inspector.fixtures.demo import build_demo_store

DIALECTS = ("sqlite", "postgresql", "mariadb")
SERVER_ENV = {
    "postgresql": "INSPECTOR_TEST_POSTGRES_URL",
    "mariadb": "INSPECTOR_TEST_MARIADB_URL",
}
# A fixed clock for the demo store, so ages and relative times are reproducible.
DEMO_NOW = datetime(2026, 11, 27, 12, 0, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No INSPECTOR_* setting or `.env` from the developer's shell leaks into a test."""
    for name in list(os.environ):
        if name.startswith("INSPECTOR_") and name not in SERVER_ENV.values():
            monkeypatch.delenv(name)
    home = tmp_path / "xdg"
    monkeypatch.setenv("XDG_DATA_HOME", str(home))
    # Nor a profile file of the developer's: inspector.toml is looked for here too.
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.chdir(tmp_path)
    return home


def server_url(dialect: str) -> URL | None:
    raw = os.environ.get(SERVER_ENV.get(dialect, ""), "")
    return make_url(raw) if raw else None


class DatabaseFactory:
    """Creates empty databases for one test session and drops them afterwards."""

    def __init__(self, tmp_root: Path) -> None:
        self.tmp_root = tmp_root
        self.created: list[tuple[URL, str]] = []

    def __call__(self, dialect: str) -> URL:
        name = f"insp_{os.getpid()}_{secrets.token_hex(4)}"
        if dialect == "sqlite":
            return URL.create("sqlite", database=str(self.tmp_root / f"{name}.db"))
        admin = server_url(dialect)
        if admin is None:
            pytest.skip(f"{SERVER_ENV[dialect]} is not set")
        engine = create_engine(admin, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            if dialect == "postgresql":
                conn.execute(text(f"CREATE DATABASE \"{name}\" ENCODING 'UTF8' TEMPLATE template0"))
            else:
                conn.execute(text(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4"))
        engine.dispose()
        self.created.append((admin, name))
        return admin.set(database=name)

    def drop_all(self) -> None:
        for admin, name in self.created:
            engine = create_engine(admin, isolation_level="AUTOCOMMIT")
            with engine.connect() as conn:
                if admin.get_backend_name() == "postgresql":
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                else:
                    conn.execute(text(f"DROP DATABASE IF EXISTS `{name}`"))
            engine.dispose()


@pytest.fixture(scope="session")
def make_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[str], URL]]:
    """`make_database("postgresql")` returns the URL of a new, empty database."""
    factory = DatabaseFactory(tmp_path_factory.mktemp("databases"))
    yield factory
    factory.drop_all()


@pytest.fixture(scope="session", params=DIALECTS)
def dialect(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="session")
def demo_store_url(dialect: str, make_database: Callable[[str], URL]) -> URL:
    """A database per dialect holding the curated demo store, built once per session."""
    url = make_database(dialect)
    build_demo_store(url, now=DEMO_NOW)
    return url


@pytest.fixture(scope="session")
def sqlite_demo_url(make_database: Callable[[str], URL]) -> URL:
    url = make_database("sqlite")
    build_demo_store(url, now=DEMO_NOW)
    return url


@pytest.fixture(scope="session")
def hostile_store_url(dialect: str, make_database: Callable[[str], URL]) -> URL:
    """A database per dialect holding the hostile store (tests/hostile.py)."""
    from tests.hostile import build_hostile_store

    url = make_database(dialect)
    build_hostile_store(url)
    return url


@pytest.fixture(scope="session")
def odd_types_store_url(dialect: str, make_database: Callable[[str], URL]) -> URL:
    """The hostile store with column types drifted from schema.sql (TEXT/DATE timestamps,
    JSONB, text booleans)."""
    from tests.hostile import build_hostile_store

    url = make_database(dialect)
    build_hostile_store(url, odd_types=True)
    return url
