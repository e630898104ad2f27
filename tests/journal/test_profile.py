"""Records name the profile they were written under (schema version 2), on each dialect:
the hash covers it, `entries`/`audit list --profile` filter by it, a journal written by
version 1 is upgraded in place and still verifies, and a journal is refused in any store
of a regional profile."""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import inspect, select, text, update
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError

from inspector.cli import main
from inspector.config import StoreSpec, load_settings
from inspector.fixtures.demo import CUSTOMER_ANA
from inspector.journal import Journal, JournalRefused
from inspector.journal.chain import canonical_at
from inspector.journal.migrate import SCHEMA_VERSION
from inspector.journal.schema import audit_log
from tests.cli.json_contract import check
from tests.journal.conftest import (
    JOURNAL_TABLES,
    drop_triggers,
    empty_journal_database,
    raw_engine,
    settings_for,
    url_text,
)
from tests.journal.test_separation import respellings, tables
from tests.journal.version1 import append_version1_records, create_version1_journal
from tests.journal.workers import append_many


def open_as(url: URL, profile: str, **env: str) -> Journal:
    return Journal.open(replace(settings_for(url, **env), profile=profile))


def stored(url: URL, seq: int) -> dict:  # type: ignore[type-arg]
    engine = raw_engine(url)
    with engine.connect() as conn:
        row = conn.execute(select(audit_log).where(audit_log.c.seq == seq)).one()._asdict()
    engine.dispose()
    return row


def tamper(url: URL, *statements) -> None:  # type: ignore[no-untyped-def]
    drop_triggers(url)
    engine = raw_engine(url)
    with engine.begin() as conn:
        for statement in statements:
            conn.execute(statement)
    engine.dispose()


def versions(url: URL) -> list[int]:
    engine = raw_engine(url)
    with engine.connect() as conn:
        found = conn.execute(text("SELECT version FROM journal_schema ORDER BY version"))
        result = [int(v) for v in found.scalars()]
    engine.dispose()
    return result


# -- new records ---------------------------------------------------------------------------


def test_a_record_names_its_profile_and_its_hash_covers_it(journal_url: URL) -> None:
    journal = open_as(journal_url, "staging-eu")
    try:
        journal.record("reveal", installation_id="iid-1", details={"field": "push_token"})
        journal.record("export")
        assert [e.profile for e in journal.entries()] == ["staging-eu", "staging-eu"]
        assert journal.verify().ok
    finally:
        journal.close()
    row = stored(journal_url, 1)
    assert row["profile"] == "staging-eu"
    # The hashed array, written out independently: the profile follows `details`.
    array = [1, canonical_at(row["at"]), "ana", "demo", row["store"], "iid-1", "reveal", "ok",
             None, row["details"], "staging-eu", row["prev_hash"]]  # fmt: skip
    expected = json.dumps(array, ensure_ascii=True, separators=(",", ":"))
    assert row["hash"] == hashlib.sha256(expected.encode()).hexdigest()

    # Another profile's name on the record, or none at all, is an edit.
    drop_triggers(journal_url)
    for forged in ("production", None):
        engine = raw_engine(journal_url)
        with engine.begin() as conn:
            conn.execute(update(audit_log).where(audit_log.c.seq == 1).values(profile=forged))
        engine.dispose()
        journal = Journal.open(settings_for(journal_url))
        try:
            result = journal.verify()
        finally:
            journal.close()
        assert (result.ok, result.first_bad) == (False, 1)
        assert "record 1 was edited" in result.problem


def test_entries_keep_the_records_of_one_profile(journal_url: URL) -> None:
    staging, qa = (
        open_as(journal_url, "staging"),
        open_as(journal_url, "qa", INSPECTOR_OPERATOR="bo"),
    )
    try:
        staging.record("reveal", installation_id="iid-1")
        qa.record("reveal", installation_id="iid-1")
        qa.push_intent(installation_id="iid-2", provider="fcm", details={})
        staging.record("export")
        assert [e.record_id for e in staging.entries(profile="qa")] == [3, 2]
        assert [e.record_id for e in qa.entries(profile="staging")] == [4, 1]
        assert [e.record_id for e in qa.entries(profile="qa", installation_id="iid-1")] == [2]
        assert staging.entries(profile="QA") == []  # exact, as the name was written
        assert staging.entries(profile="production") == []
        assert len(staging.entries()) == 4
        assert staging.verify().ok
    finally:
        staging.close()
        qa.close()


# -- a journal written by version 1 --------------------------------------------------------


def test_a_version_1_journal_is_upgraded_in_place_and_still_verifies(journal_url: URL) -> None:
    create_version1_journal(journal_url)
    old = append_version1_records(journal_url, 5)
    engine = raw_engine(journal_url)
    with engine.connect() as conn:
        key = conn.execute(text("SELECT value FROM journal_meta")).scalar()
    engine.dispose()
    assert versions(journal_url) == [1]

    journal = open_as(journal_url, "staging")
    try:
        assert versions(journal_url) == [1, SCHEMA_VERSION] == [1, 2]
        result = journal.verify()
        assert (result.ok, result.checked) == (True, 5), result.problem
        journal.record("export", details={"after": "upgrade"})
        # An older inspector that was running during the upgrade keeps appending (its
        # records have no profile); a newer one goes on after it.
        append_version1_records(journal_url, 2, operator="old-bob")
        journal.record("reveal", installation_id="iid-new")
        result = journal.verify()
        assert (result.ok, result.checked) == (True, 9), result.problem
        entries = journal.entries()
        assert [e.profile for e in entries] == ["staging", None, None, "staging"] + [None] * 5
        assert [e.record_id for e in entries[-5:]] == old[::-1]
        assert [e.record_id for e in journal.entries(profile="staging")] == [9, 6]
        assert entries[-1].details == {"n": 0, "note": "caf\u00e9"}
    finally:
        journal.close()

    engine = raw_engine(journal_url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT value FROM journal_meta")).scalar() == key
        indexes = {i["name"] for i in inspect(conn).get_indexes("audit_log")}
        assert "ix_audit_profile" in indexes
    # The append-only triggers hold on the new column too.
    for statement in ("UPDATE audit_log SET profile = 'production' WHERE seq = 6",
                      "UPDATE audit_log SET profile = 'staging' WHERE seq = 1",
                      "DELETE FROM audit_log WHERE seq = 6"):  # fmt: skip
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
            conn.execute(text(statement))
    engine.dispose()

    # Opening again changes nothing; an old record given a profile afterwards is an edit.
    Journal.open(settings_for(journal_url)).close()
    assert versions(journal_url) == [1, 2]
    tamper(journal_url, update(audit_log).where(audit_log.c.seq == 2).values(profile="staging"))
    journal = Journal.open(settings_for(journal_url))
    try:
        result = journal.verify()
    finally:
        journal.close()
    assert (result.ok, result.first_bad) == (False, 2) and "edited" in result.problem


def test_two_inspectors_upgrading_one_journal_at_once_upgrade_it_once(journal_url: URL) -> None:
    create_version1_journal(journal_url)
    append_version1_records(journal_url, 3)
    n = 20
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(2)
    workers = [
        ctx.Process(target=append_many, args=(url_text(journal_url), name, n, barrier))
        for name in ("ana", "bob")
    ]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=120)
    assert [w.exitcode for w in workers] == [0, 0]
    assert versions(journal_url) == [1, 2]
    journal = Journal.open(settings_for(journal_url))
    try:
        result = journal.verify()
        assert (result.ok, result.checked) == (True, 3 + 2 * n), result.problem
        # Each worker's profile is the implicit demo profile (no store configured).
        assert {e.profile for e in journal.entries(limit=100)} == {None, "demo"}
    finally:
        journal.close()


def test_the_command_line_on_an_upgraded_journal(
    journal_url: URL, demo_store_url: URL, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:  # type: ignore[no-untyped-def]
    create_version1_journal(journal_url)
    append_version1_records(journal_url, 2)
    monkeypatch.setenv("INSPECTOR_STORE_URL", url_text(demo_store_url))
    monkeypatch.setenv("INSPECTOR_ENVIRONMENT", "staging")
    monkeypatch.setenv("INSPECTOR_JOURNAL_URL", url_text(journal_url))
    monkeypatch.setenv("INSPECTOR_OPERATOR", "ana")
    assert main(["find", CUSTOMER_ANA]) == 0
    capsys.readouterr()
    assert main(["audit", "verify"]) == 0
    assert "whole: 3 record(s) checked" in capsys.readouterr().out
    assert main(["audit", "list", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    check(doc, "audit-list")  # the README's shape: profile is a string or null
    assert [e["profile"] for e in doc["entries"]] == ["default", None, None]
    assert main(["audit", "list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[6] for line in lines] == ["default", "—", "—"]


# -- audit list --profile ------------------------------------------------------------------


def write_profiles(path: Path, store: URL, journal: URL) -> Path:
    """Two profiles on one store and one shared journal; `staging` is the default."""
    path.write_text(
        'default = "staging"\n'
        + "".join(
            f"[profiles.{name}]\nenvironment = \"{env}\"\n"
            f"store = \"{url_text(store)}\"\njournal = \"{url_text(journal)}\"\n"
            for name, env in (("staging", "staging"), ("qa", "development"))
        )
    )  # fmt: skip
    return path


def test_audit_list_profile_filters_and_json_names_the_profile(
    journal_url: URL, demo_store_url: URL, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:  # type: ignore[no-untyped-def]
    config = write_profiles(tmp_path / "inspector.toml", demo_store_url, journal_url)
    monkeypatch.setenv("INSPECTOR_CONFIG", str(config))
    monkeypatch.setenv("INSPECTOR_OPERATOR", "ana")
    assert main(["find", CUSTOMER_ANA, "--profile", "qa"]) == 0
    assert main(["--profile", "qa", "find", "cid:nobody-here"]) == 1
    assert main(["find", CUSTOMER_ANA]) == 0  # the default profile
    capsys.readouterr()

    # Without --profile: every record of the (shared) journal, each naming its profile.
    assert main(["audit", "list", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    check(doc, "audit-list")
    assert [e["profile"] for e in doc["entries"]] == ["staging", "qa", "qa"]
    assert [e["environment"] for e in doc["entries"]] == ["staging", "development", "development"]

    # --profile, after the command's name or before it: that profile's records only.
    for argv in (["audit", "list", "--profile", "qa", "--json"],
                 ["--profile", "qa", "audit", "list", "--json"]):  # fmt: skip
        assert main(argv) == 0
        doc = json.loads(capsys.readouterr().out)
        assert [(e["record_id"], e["profile"]) for e in doc["entries"]] == [(2, "qa"), (1, "qa")]
    assert main(["audit", "list", "--profile", "staging"]) == 0
    (line,) = capsys.readouterr().out.splitlines()
    assert line.startswith("#3 ") and line.split()[5:7] == ["staging", "staging"]
    # Combined with the other filters.
    assert main(["audit", "list", "--profile", "qa", "--operator", "bob"]) == 1
    assert "no journal record matches" in capsys.readouterr().err
    assert main(["audit", "list", "--profile", "nosuch"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "nosuch" in err


# -- regional profiles: the journal is in none of the stores --------------------------------


@pytest.fixture
def regional_stores(dialect: str, make_database, tmp_path: Path) -> tuple[URL, URL]:  # type: ignore[no-untyped-def]
    """`eu` a SQLite store, `us` a store on the dialect under test."""
    from inspector.fixtures.generator import generate

    eu: URL = make_database("sqlite")
    us: URL = make_database(dialect)
    for url in (eu, us):
        generate(url, 5, 1, progress=None)
    return eu, us


def other_spelling(url: URL, tmp_path: Path) -> URL:
    if url.get_backend_name() == "sqlite":
        alias = tmp_path / f"alias-{Path(str(url.database)).name}"
        alias.symlink_to(str(url.database))
        return url.set(database=str(alias))
    return respellings(url)[2]  # another loopback name, no port


def test_a_journal_in_any_store_of_a_regional_profile_is_refused(
    regional_stores: tuple[URL, URL], make_database, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    eu, us = regional_stores
    stores = (StoreSpec("eu", url_text(eu)), StoreSpec("us", url_text(us)))

    def regional(journal: URL):  # type: ignore[no-untyped-def]
        cfg = settings_for(
            journal, INSPECTOR_STORE_URL=url_text(eu), INSPECTOR_ENVIRONMENT="staging"
        )
        return replace(cfg, profile="prod", stores=stores)

    for name, store in (("us", us), ("eu", eu)):
        cfg = regional(other_spelling(store, tmp_path))
        assert cfg.regional and not cfg.is_demo
        with pytest.raises(JournalRefused) as caught:
            Journal.open(cfg)
        message = str(caught.value)
        assert f"the installation store '{name}'" in message and "database of its own" in message
        assert "INSPECTOR_JOURNAL_URL" in message and "\n" not in message
        assert not tables(store) & set(JOURNAL_TABLES)

    # A journal of its own opens, and its records name the regional profile.
    elsewhere = make_database("sqlite")
    journal = Journal.open(regional(elsewhere))
    try:
        journal.record("export")
        (entry,) = journal.entries()
        assert entry.profile == "prod" and "eu: " in entry.store and "us: " in entry.store
    finally:
        journal.close()


def test_a_profile_file_journal_in_a_regional_store_is_refused_naming_the_profile(
    regional_stores: tuple[URL, URL], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:  # type: ignore[no-untyped-def]
    eu, us = regional_stores
    config = tmp_path / "profiles.toml"
    config.write_text(
        "[profiles.prod]\n"
        'environment = "production"\n'
        f'journal = "{url_text(other_spelling(us, tmp_path))}"\n'
        "[profiles.prod.stores]\n"
        f'eu = "{url_text(eu)}"\n'
        f'us = "{url_text(us)}"\n'
    )
    cfg = load_settings({}, profile="prod", config=config)
    assert [s.name for s in cfg.stores] == ["eu", "us"]
    with pytest.raises(JournalRefused, match=r"journal of profile 'prod'.*store 'us'"):
        Journal.open(cfg)
    monkeypatch.chdir(tmp_path)
    assert main(["audit", "verify", "--profile", "prod", "--config", str(config)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "store 'us'" in err and "database of its own" in err
    assert not tables(us) & set(JOURNAL_TABLES)


# -- MariaDB: the table options, whichever way the URL names the dialect ---------------------


@pytest.mark.parametrize("driver", ["mysql+pymysql", "mariadb+pymysql"])
def test_a_mariadb_journal_gets_its_table_options(
    dialect: str, journal_url: URL, driver: str
) -> None:
    if dialect != "mariadb":
        pytest.skip("MariaDB only")
    empty_journal_database(journal_url)
    url = journal_url.set(drivername=driver)
    Journal.open(settings_for(url)).close()
    engine = raw_engine(journal_url)
    with engine.connect() as conn:
        found = conn.execute(
            text("SELECT table_name, engine, table_collation FROM information_schema.tables "
                 "WHERE table_schema = DATABASE()")
        ).all()  # fmt: skip
        precision = conn.execute(
            text("SELECT datetime_precision FROM information_schema.columns WHERE "
                 "table_schema = DATABASE() AND table_name = 'audit_log' AND column_name = 'at'")
        ).scalar()  # fmt: skip
    engine.dispose()
    assert {str(name).lower() for name, _, _ in found} == set(JOURNAL_TABLES)
    assert {(engine_, collation) for _, engine_, collation in found} == {("InnoDB", "utf8mb4_bin")}
    assert precision == 6


def test_the_journal_loads_no_mysql_dialect_until_a_mariadb_journal_is_opened(
    make_database,
) -> None:  # type: ignore[no-untyped-def]
    import subprocess
    import sys

    url = url_text(make_database("sqlite"))
    code = (
        "import sys\n"
        "from inspector.config import load_settings\n"
        "from inspector.journal import Journal\n"
        f"j = Journal.open(load_settings({{'INSPECTOR_JOURNAL_URL': {url!r}}}))\n"
        "j.record('export'); assert j.verify().ok; j.close()\n"
        "print(sorted(m for m in sys.modules if m.startswith('sqlalchemy.dialects.mysql')))\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("INSPECTOR_")}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, env=env)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"
