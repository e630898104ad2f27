"""The store is never written: a journal URL that names the store in any spelling, or a
database that holds the store's tables, is refused before anything is created there."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from sqlalchemy import inspect
from sqlalchemy.engine import URL, make_url

from inspector.cli import main
from inspector.config import ConfigError, load_settings
from inspector.dburl import database_key, require_driver, same_database
from inspector.journal import Journal, JournalError, JournalRefused
from tests.journal.conftest import JOURNAL_TABLES, raw_engine, url_text


def tables(url: URL) -> set[str]:
    engine = raw_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def open_with(store: str, journal: str) -> Journal:
    return Journal.open(
        load_settings({"INSPECTOR_STORE_URL": store, "INSPECTOR_JOURNAL_URL": journal})
    )


# -- naming: the URL parts normalised ----------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("postgresql+psycopg://u@db.internal:5432/inst", "postgresql://v@DB.internal./inst"),
        ("postgresql+psycopg://u@localhost/inst", "postgresql+psycopg://u@127.0.0.1:5432/inst"),
        ("postgresql+psycopg://u@[::1]/inst", "postgresql+psycopg://u@127.0.0.2/inst"),
        ("postgresql+psycopg://u@/inst", "postgresql+psycopg://u@localhost/inst"),
        ("postgresql+psycopg://u@/inst?host=/run/postgresql", "postgresql://u@localhost/inst"),
        ("postgresql+psycopg://u@/inst?host=db&port=5432", "postgresql://u@db/inst"),
        ("mysql+pymysql://u@localhost/inst", "mariadb+pymysql://u@127.0.0.1:3306/inst"),
        ("mysql+pymysql://u@db/inst?unix_socket=/run/m.sock", "mysql://u@localhost/inst"),
    ],
)
def test_one_database_in_two_spellings(a: str, b: str) -> None:
    assert same_database(make_url(a), make_url(b))
    assert same_database(make_url(b), make_url(a))


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("postgresql+psycopg://u@db/inst", "postgresql+psycopg://u@db/journal"),
        ("postgresql+psycopg://u@db/inst", "postgresql+psycopg://u@db:6432/inst"),
        ("postgresql+psycopg://u@db-a/inst", "postgresql+psycopg://u@db-b/inst"),
        ("postgresql+psycopg://u@localhost/inst", "mysql+pymysql://u@localhost/inst"),
        ("mysql+pymysql://u@db/inst", "mysql+pymysql://u@db:3307/inst"),
        ("sqlite://", "sqlite://"),
    ],
)
def test_different_databases_stay_different(a: str, b: str) -> None:
    assert not same_database(make_url(a), make_url(b))


def test_sqlite_files_compare_as_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = tmp_path / "data" / "store.db"
    store.parent.mkdir()
    store.write_bytes(b"")
    (tmp_path / "link.db").symlink_to(store)
    os.link(store, tmp_path / "hard.db")
    monkeypatch.chdir(tmp_path)
    absolute = make_url(f"sqlite:///{store}")
    for other in ("sqlite:///data/store.db", "sqlite:///./data/../data/store.db",
                  "sqlite:///link.db", "sqlite:///hard.db",
                  f"sqlite:///file:{store}?mode=ro&uri=true"):  # fmt: skip
        assert same_database(absolute, make_url(other)), other
    assert not same_database(absolute, make_url("sqlite:///data/journal.db"))
    assert database_key(make_url("sqlite:///link.db")).database == os.path.realpath(store)


# -- refusing: the store keeps no journal table ------------------------------------------


@pytest.fixture
def store_url(dialect: str, make_database, tmp_path: Path) -> URL:  # type: ignore[no-untyped-def]
    """A fresh store per test on each dialect: a refusal that failed would leave tables."""
    from inspector.fixtures.generator import generate

    url: URL = make_database(dialect)
    generate(url, 5, 1, progress=None)
    return url


def respellings(url: URL) -> list[URL]:
    """The same database named otherwise: no port or the default port, another loopback."""
    if url.get_backend_name() == "sqlite":
        return []
    default = 5432 if url.get_backend_name() == "postgresql" else 3306
    assert url.port in (None, default)
    host = url.host or "localhost"
    other = "localhost" if host != "localhost" else "127.0.0.1"
    return [
        url.set(port=None),
        url.set(port=default),
        url.set(host=other, port=None),
        url.set(host=other.upper(), port=default),
    ]


def test_a_journal_url_naming_the_store_otherwise_is_refused(dialect: str, store_url: URL) -> None:
    if dialect == "sqlite":
        pytest.skip("SQLite spellings: test_sqlite_store_in_other_spellings_is_refused")
    for journal in respellings(store_url):
        with pytest.raises(JournalRefused) as caught:
            open_with(url_text(store_url), url_text(journal))
        message = str(caught.value)
        assert "database of its own" in message and "\n" not in message
    assert not tables(store_url) & set(JOURNAL_TABLES)


def test_sqlite_store_in_other_spellings_is_refused(
    make_database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    from inspector.fixtures.generator import generate

    store = make_database("sqlite")
    generate(store, 5, 1, progress=None)
    path = Path(str(store.database))
    (tmp_path / "alias.db").symlink_to(path)
    os.link(path, tmp_path / "hard.db")
    monkeypatch.chdir(path.parent)
    for journal in (f"sqlite:///{path.name}", f"sqlite:///{tmp_path}/alias.db",
                    f"sqlite:///{tmp_path}/hard.db"):  # fmt: skip
        with pytest.raises(JournalRefused, match="database of its own"):
            open_with(url_text(store), journal)
    assert not tables(store) & set(JOURNAL_TABLES)


def test_a_database_holding_the_store_tables_is_refused(dialect: str, store_url: URL) -> None:
    """Whatever the URLs say (an alias the names cannot tell, the primary of a replica),
    the journal's own connection finds the store's tables before creating anything."""
    elsewhere = "sqlite:////nonexistent/elsewhere.db"
    with pytest.raises(JournalRefused) as caught:
        open_with(elsewhere, url_text(store_url))
    assert "holds the installation store's tables" in str(caught.value)
    assert "database of its own" in str(caught.value)
    assert not tables(store_url) & set(JOURNAL_TABLES)


def test_the_cli_refuses_in_one_line_with_exit_2(
    dialect: str, store_url: URL, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:  # type: ignore[type-arg]
    journal = respellings(store_url)[0] if dialect != "sqlite" else store_url
    monkeypatch.setenv("INSPECTOR_STORE_URL", url_text(store_url))
    monkeypatch.setenv("INSPECTOR_JOURNAL_URL", url_text(journal))
    assert main(["audit", "verify"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "database of its own" in err and "Traceback" not in err
    assert not tables(store_url) & set(JOURNAL_TABLES)


# -- drivers: a missing one is one line naming the package -------------------------------


@pytest.mark.parametrize(
    ("url", "package"),
    [
        ("postgresql+psycopg://u@db/j", "'psycopg' (pip install 'psycopg[binary]')"),
        ("mysql+pymysql://u@db/j", "'PyMySQL' (pip install 'PyMySQL')"),
        ("postgresql+psycopg2://u@db/j", "'psycopg2' (pip install 'psycopg2-binary')"),
        ("mysql+mysqldb://u@db/j", "'mysqlclient' (pip install 'mysqlclient')"),
    ],
)
def test_a_missing_driver_names_the_package(
    url: str, package: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As if the driver were not installed (psycopg2 and mysqlclient are not, here).
    for module in ("psycopg", "pymysql", "psycopg2", "MySQLdb"):
        monkeypatch.setitem(sys.modules, module, None)
    with pytest.raises(ConfigError) as caught:
        require_driver(make_url(url), "INSPECTOR_JOURNAL_URL")
    assert str(caught.value) == f"INSPECTOR_JOURNAL_URL needs the Python package {package}"
    with pytest.raises(JournalRefused, match="needs the Python package"):
        Journal.open(load_settings({"INSPECTOR_JOURNAL_URL": url}))


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("postgresql+nosuchdriver://u@db/j", "driver 'postgresql+nosuchdriver', which is not"),
        ("postgresql+asyncpg://u@db/j", "asyncio driver 'postgresql+asyncpg'"),
    ],
)
def test_an_unusable_driver_is_named(url: str, message: str) -> None:
    with pytest.raises(JournalError) as caught:
        Journal.open(load_settings({"INSPECTOR_JOURNAL_URL": url}))
    assert message in str(caught.value)


def test_the_cli_names_the_missing_driver(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:  # type: ignore[type-arg]
    monkeypatch.setenv("INSPECTOR_JOURNAL_URL", "postgresql+psycopg2://u@127.0.0.1:1/j")
    monkeypatch.setitem(sys.modules, "psycopg2", None)
    assert main(["audit", "verify"]) == 2
    err = capsys.readouterr().err
    assert err == (
        "inspector: INSPECTOR_JOURNAL_URL needs the Python package 'psycopg2'"
        " (pip install 'psycopg2-binary')\n"
    )
