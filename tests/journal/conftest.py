"""Journal fixtures: a fresh journal database per test, on each dialect."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, Engine

from inspector.config import Settings, load_settings
from inspector.journal import Journal


def url_text(url: URL) -> str:
    return url.render_as_string(hide_password=False)


def settings_for(journal_url: URL, **env: str) -> Settings:
    values = {"INSPECTOR_JOURNAL_URL": url_text(journal_url), "INSPECTOR_OPERATOR": "ana"}
    values.update(env)
    return load_settings(values)


def raw_engine(url: URL) -> Engine:
    """A plain engine that goes behind the journal's back, as a tamperer would."""
    kwargs: dict[str, Any] = {}
    if url.get_backend_name() in ("mysql", "mariadb"):
        kwargs["connect_args"] = {"charset": "utf8mb4"}
    return create_engine(url, **kwargs)


def drop_triggers(url: URL) -> None:
    engine = raw_engine(url)
    backend = url.get_backend_name()
    with engine.begin() as conn:
        if backend == "postgresql":
            conn.execute(text("ALTER TABLE audit_log DISABLE TRIGGER USER"))
        else:
            conn.execute(text("DROP TRIGGER audit_log_no_update"))
            conn.execute(text("DROP TRIGGER audit_log_no_delete"))
    engine.dispose()


JOURNAL_TABLES = ("audit_log", "audit_chain_head", "test_devices", "journal_meta",
                  "journal_schema")  # fmt: skip


def empty_journal_database(url: URL) -> None:
    """Drop every journal object: cheaper than a new server database for each test."""
    engine = raw_engine(url)
    with engine.begin() as conn:
        if url.get_backend_name() == "postgresql":
            conn.execute(text("SET LOCAL lock_timeout = '10s'"))
            conn.execute(text(f"DROP TABLE IF EXISTS {', '.join(JOURNAL_TABLES)} CASCADE"))
            conn.execute(text("DROP FUNCTION IF EXISTS audit_log_append_only() CASCADE"))
        else:
            conn.execute(text(f"DROP TABLE IF EXISTS {', '.join(JOURNAL_TABLES)}"))
    engine.dispose()


@pytest.fixture(scope="session")
def server_journal_databases() -> dict[str, URL]:
    return {}


@pytest.fixture
def journal_url(
    dialect: str,
    make_database: Callable[[str], URL],
    server_journal_databases: dict[str, URL],
) -> URL:
    """An empty database for a journal: a new file on SQLite, one reused database emptied
    before each test on the servers."""
    if dialect == "sqlite":
        return make_database("sqlite")
    url = server_journal_databases.get(dialect)
    if url is None:
        url = server_journal_databases[dialect] = make_database(dialect)
    else:
        empty_journal_database(url)
    return url


@pytest.fixture
def journal(journal_url: URL) -> Iterator[Journal]:
    j = Journal.open(settings_for(journal_url))
    yield j
    j.close()
