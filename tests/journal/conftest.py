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


@pytest.fixture
def journal_url(dialect: str, make_database: Callable[[str], URL]) -> URL:
    return make_database(dialect)


@pytest.fixture
def journal(journal_url: URL) -> Iterator[Journal]:
    j = Journal.open(settings_for(journal_url))
    yield j
    j.close()
