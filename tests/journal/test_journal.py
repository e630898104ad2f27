"""The journal's API on each dialect: records, lookups, pushes, test devices, schema."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.engine import URL

from inspector.journal import (
    OUTCOME_UNKNOWN,
    Journal,
    JournalError,
    TestDeviceError,
    TestDeviceExists,
    TestDeviceNotFound,
)
from inspector.journal.migrate import SCHEMA_VERSION
from inspector.lookup import parse_query
from tests.journal.conftest import raw_engine, settings_for


def all_cells(url: URL) -> str:
    """Every value in every journal table, as one string."""
    engine = raw_engine(url)
    cells = []
    with engine.connect() as conn:
        for table in ("audit_log", "audit_chain_head", "test_devices", "journal_meta",
                      "journal_schema"):  # fmt: skip
            for row in conn.execute(text(f"SELECT * FROM {table}")):
                cells.extend(str(v) for v in row)
    engine.dispose()
    return "\n".join(cells)


def test_every_action_writes_exactly_one_record(journal: Journal) -> None:
    steps = [
        lambda: journal.record("reveal", installation_id="iid-1", details={"field": "token"}),
        lambda: journal.record("export", details={"format": "json"}),
        lambda: journal.record_lookup(parse_query("cust-42"), outcome="found", found=3),
        lambda: journal.push_intent(installation_id="iid-1", provider="fcm", details={}),
        lambda: journal.push_outcome(1, installation_id="iid-1", outcome="ok", details={}),
        lambda: journal.add_test_device("iid-1", "Ana's Pixel 8", "ana"),
        lambda: journal.rename_test_device("iid-1", "Ana's Pixel 8, staging build"),
        lambda: journal.remove_test_device("iid-1"),
        lambda: journal.record("token.check", installation_id="iid-1", outcome="UNREGISTERED"),
    ]
    for n, step in enumerate(steps, start=1):
        step()
        assert journal.count() == n
    actions = [e.action for e in journal.entries()]
    assert actions == [
        "token.check", "test_device.remove", "test_device.rename", "test_device.add",
        "push.outcome", "push.intent", "lookup", "export", "reveal",
    ]  # fmt: skip
    assert journal.verify().ok


def test_record_fields(journal: Journal) -> None:
    before = datetime.now(UTC)
    record_id = journal.record("reveal", installation_id="iid-9", outcome="ok",
                               details={"field": "push_token"})  # fmt: skip
    (entry,) = journal.entries()
    assert entry.record_id == record_id
    assert before - timedelta(seconds=5) <= entry.at <= datetime.now(UTC) + timedelta(seconds=5)
    assert entry.at.tzinfo is UTC
    assert (entry.operator, entry.environment, entry.installation_id) == ("ana", "demo", "iid-9")
    assert entry.store.startswith("sqlite:")  # the demo store's label
    assert (entry.action, entry.outcome, entry.details) == ("reveal", "ok", {"field": "push_token"})


def test_lookup_stores_kinds_and_keyed_hashes_never_the_identifier(
    journal: Journal, journal_url: URL
) -> None:
    lookup = parse_query("6513270E-269E-4D37-B2A7-4DE452E6B438")  # tried as iid and adid
    journal.record_lookup(lookup, outcome="found", found=1)
    (entry,) = journal.entries()
    assert entry.details["key_kinds"] == ["iid", "adid"]
    assert entry.details["found"] == 1
    assert entry.installation_id is None
    for probe, stored in zip(lookup.probes, entry.details["probes"], strict=True):
        assert stored == {"kind": probe.kind.value,
                          "hmac": journal.probe_hash(probe.kind.value, probe.value)}  # fmt: skip
    cells = all_cells(journal_url).lower()
    assert "6513270e" not in cells and "4de452e6b438" not in cells


def test_configured_hash_key_changes_the_hash_and_is_not_stored(journal_url: URL) -> None:
    lookup = parse_query("cust-42")
    generated = Journal.open(settings_for(journal_url))
    configured = Journal.open(
        settings_for(journal_url, INSPECTOR_JOURNAL_HASH_KEY="team-secret-hash-key")
    )
    try:
        generated.record_lookup(lookup, outcome="found", found=3)
        configured.record_lookup(lookup, outcome="found", found=3)
        newest, oldest = configured.entries()
    finally:
        generated.close()
        configured.close()
    assert (oldest.details["hash_key"], newest.details["hash_key"]) == ("journal", "configured")
    assert oldest.details["probes"][0]["hmac"] != newest.details["probes"][0]["hmac"]
    cells = all_cells(journal_url)
    assert "team-secret-hash-key" not in cells and "cust-42" not in cells


def test_intent_without_outcome_shows_outcome_unknown(journal: Journal) -> None:
    answered = journal.push_intent(installation_id="iid-1", provider="apns", details={})
    journal.push_outcome(answered, installation_id="iid-1", outcome="BadDeviceToken", details={})
    journal.push_intent(installation_id="iid-2", provider="fcm", details={"title": "[TEST] hi"})
    by_device = {e.installation_id: e for e in journal.entries() if e.action == "push.intent"}
    assert by_device["iid-1"].outcome == "BadDeviceToken"
    assert by_device["iid-2"].outcome == OUTCOME_UNKNOWN
    assert by_device["iid-2"].details == {"title": "[TEST] hi", "provider": "fcm"}
    outcome = next(e for e in journal.entries() if e.action == "push.outcome")
    assert outcome.details["intent"] == answered


def test_sends_since_and_last_send_to(journal: Journal, journal_url: URL) -> None:
    start = datetime.now(UTC) - timedelta(seconds=1)
    assert journal.sends_since("ana", start) == 0
    assert journal.last_send_to("iid-1") is None
    journal.push_intent(installation_id="iid-1", provider="fcm", details={})
    journal.push_intent(installation_id="iid-2", provider="fcm", details={})
    journal.record("reveal", installation_id="iid-1")
    other = Journal.open(settings_for(journal_url, INSPECTOR_OPERATOR="bob"))
    try:
        other.push_intent(installation_id="iid-1", provider="fcm", details={})
    finally:
        other.close()
    assert journal.sends_since("ana", start) == 2
    assert journal.sends_since("bob", start) == 1
    assert journal.sends_since("ana", datetime.now(UTC) + timedelta(minutes=1)) == 0
    last = journal.last_send_to("iid-1")
    assert last is not None and last.tzinfo is UTC
    assert last == max(e.at for e in journal.entries(installation_id="iid-1")
                       if e.action == "push.intent")  # fmt: skip


def test_entries_filters(journal: Journal, journal_url: URL) -> None:
    journal.record("reveal", installation_id="iid-1")
    journal.record("reveal", installation_id="iid-2")
    bob = Journal.open(settings_for(journal_url, INSPECTOR_OPERATOR="Bob"))
    try:
        bob.record("export", installation_id="iid-1")
    finally:
        bob.close()
    assert [e.operator for e in journal.entries(installation_id="iid-1")] == ["Bob", "ana"]
    assert [e.installation_id for e in journal.entries(operator="Bob")] == ["iid-1"]
    assert journal.entries(operator="bob") == []  # exact, case-sensitive on every engine
    assert len(journal.entries(limit=2)) == 2
    assert journal.entries(since=datetime.now(UTC) + timedelta(minutes=1)) == []
    assert len(journal.entries(since=datetime.now(UTC) - timedelta(minutes=1))) == 3


def test_test_devices_lifecycle(journal: Journal) -> None:
    added = journal.add_test_device(" iid-1 ", "Ana's Pixel 8, staging build", "")
    assert (added.installation_id, added.owner, added.added_by) == ("iid-1", "ana", "ana")
    assert journal.test_device("iid-1") == added
    with pytest.raises(TestDeviceExists, match="already a test device"):
        journal.add_test_device("iid-1", "again", "bob")
    renamed = journal.rename_test_device("iid-1", "Ana's Pixel 8")
    assert renamed.label == "Ana's Pixel 8" and journal.test_device("iid-1") == renamed
    journal.add_test_device("iid-0", "Ana's iPhone", "ana")
    assert [d.label for d in journal.test_devices()] == ["Ana's iPhone", "Ana's Pixel 8"]
    journal.remove_test_device("iid-1")
    assert journal.test_device("iid-1") is None
    with pytest.raises(TestDeviceNotFound):
        journal.remove_test_device("iid-1")
    with pytest.raises(TestDeviceNotFound):
        journal.rename_test_device("iid-1", "x")
    add, rename, add0, remove = reversed(
        [e for e in journal.entries() if e.action.startswith("test_device.")]
    )
    assert add.details == {"label": "Ana's Pixel 8, staging build", "owner": "ana"}
    assert rename.details == {"label": "Ana's Pixel 8", "previous": "Ana's Pixel 8, staging build"}
    assert remove.installation_id == "iid-1" and remove.details["label"] == "Ana's Pixel 8"
    assert add0.installation_id == "iid-0"


@pytest.mark.parametrize("label", ["", "   ", "a\nforged line", "\x1b[31mred", "x" * 201])
def test_test_device_label_is_checked(journal: Journal, label: str) -> None:
    with pytest.raises(TestDeviceError):
        journal.add_test_device("iid-1", label, "ana")
    assert journal.count() == 0 and journal.test_devices() == []


def test_open_is_idempotent_and_keeps_the_key(journal_url: URL) -> None:
    lookup = parse_query("cust-42")
    hashes = []
    for _ in range(2):
        j = Journal.open(settings_for(journal_url))
        hashes.append(j.probe_hash("cid", "cust-42"))
        j.record_lookup(lookup, outcome="found", found=3)
        j.close()
    assert hashes[0] == hashes[1]
    engine = raw_engine(journal_url)
    with engine.connect() as conn:
        versions = conn.execute(text("SELECT version FROM journal_schema")).scalars().all()
    engine.dispose()
    assert versions == [SCHEMA_VERSION]


def test_a_newer_schema_is_refused(journal: Journal, journal_url: URL) -> None:
    engine = raw_engine(journal_url)
    with engine.begin() as conn:
        conn.execute(
            text("INSERT INTO journal_schema (version, applied_at) VALUES (:v, :at)"),
            {"v": SCHEMA_VERSION + 1, "at": datetime(2030, 1, 1)},
        )
    engine.dispose()
    with pytest.raises(JournalError, match="newer than this inspector"):
        Journal.open(settings_for(journal_url))


def test_sqlite_journal_is_wal_with_full_sync(make_database) -> None:  # type: ignore[no-untyped-def]
    j = Journal.open(settings_for(make_database("sqlite")))
    try:
        with j._engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
    finally:
        j.close()


def test_journal_is_a_file_in_the_data_dir_by_default(isolated_env) -> None:  # type: ignore[no-untyped-def]
    from inspector.config import load_settings

    j = Journal.open(load_settings({}))
    try:
        j.record("export")
        assert (isolated_env / "inspector" / "journal.db").is_file()
    finally:
        j.close()


def test_unreachable_journal_cannot_be_opened(dialect: str) -> None:
    urls = {
        "sqlite": "sqlite:////dev/null/journal.db",
        "postgresql": "postgresql+psycopg://ana:pw-not-shown-1@127.0.0.1:1/journal",
        "mariadb": "mysql+pymysql://ana:pw-not-shown-1@127.0.0.1:1/journal",
    }
    from inspector.config import load_settings

    cfg = load_settings({"INSPECTOR_JOURNAL_URL": urls[dialect]})
    with pytest.raises(JournalError) as caught:
        Journal.open(cfg)
    assert "pw-not-shown-1" not in str(caught.value)
    assert "\n" not in str(caught.value)


def hold_write_lock(url: URL):  # type: ignore[no-untyped-def]
    """Another session holding the chain head's lock: the journal cannot append."""
    engine = raw_engine(url)
    conn = engine.connect()
    if url.get_backend_name() == "sqlite":
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        conn.execute(text("SELECT seq FROM audit_chain_head WHERE id = 1 FOR UPDATE"))
    return engine, conn


def test_push_intent_fails_closed_when_the_journal_cannot_write(journal_url: URL) -> None:
    journal = Journal.open(replace(settings_for(journal_url), statement_timeout_s=0.3))
    try:
        journal.record("export")
        engine, conn = hold_write_lock(journal_url)
        try:
            with pytest.raises(JournalError, match="could not record"):
                journal.push_intent(installation_id="iid-1", provider="fcm", details={})
            # Reads still work while writes are blocked.
            assert [e.action for e in journal.entries()] == ["export"]
        finally:
            conn.rollback()
            conn.close()
            engine.dispose()
        assert journal.count() == 1
        journal.push_intent(installation_id="iid-1", provider="fcm", details={})
        assert journal.verify().ok and journal.count() == 2
    finally:
        journal.close()


def test_domain_package_does_not_import_textual() -> None:
    code = "import sys, inspector.journal; print('textual' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_journal_refuses_to_live_in_the_store(sqlite_demo_url: URL) -> None:
    from inspector.config import load_settings

    same = sqlite_demo_url.render_as_string(hide_password=False)
    cfg = load_settings({"INSPECTOR_STORE_URL": same, "INSPECTOR_JOURNAL_URL": same})
    with pytest.raises(JournalError, match="database of its own"):
        Journal.open(cfg)
