"""Tamper evidence on each dialect: triggers refuse changes, verify names the bad record.

Tampering goes behind the inspector's back with raw SQL after dropping (or, on
PostgreSQL, disabling) the append-only triggers, as someone with database access would.
"""

from __future__ import annotations

import multiprocessing
from datetime import datetime

import pytest
from sqlalchemy import delete, insert, select, text, update
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError

from inspector.journal import Journal
from inspector.journal.chain import (
    GENESIS,
    HASHED_COLUMNS,
    canonical_at,
    canonical_text,
    record_hash,
    walk,
)
from inspector.journal.schema import audit_log, chain_head
from tests.journal.conftest import drop_triggers, raw_engine, settings_for, url_text
from tests.journal.workers import append_many

RECORDS = 8


@pytest.fixture
def filled(journal: Journal, journal_url: URL) -> URL:
    for i in range(RECORDS):
        journal.record("export", installation_id=f"iid-{i}", details={"n": i})
    assert journal.verify().ok
    return journal_url


def verify(url: URL):  # type: ignore[no-untyped-def]
    j = Journal.open(settings_for(url))
    try:
        return j.verify()
    finally:
        j.close()


def tamper(url: URL, *statements) -> None:  # type: ignore[no-untyped-def]
    drop_triggers(url)
    engine = raw_engine(url)
    with engine.begin() as conn:
        for statement in statements:
            conn.execute(statement)
    engine.dispose()


def test_intact_chain_verifies(filled: URL) -> None:
    result = verify(filled)
    assert (result.ok, result.checked, result.first_bad) == (True, RECORDS, None)
    engine = raw_engine(filled)
    with engine.connect() as conn:
        last = conn.execute(select(audit_log.c.hash).where(audit_log.c.seq == RECORDS)).scalar()
    engine.dispose()
    assert result.head_hash == last


def test_empty_journal_verifies(journal: Journal) -> None:
    assert journal.verify().ok and journal.verify().checked == 0


@pytest.mark.parametrize("sql", ["UPDATE audit_log SET outcome = 'forged' WHERE seq = 3",
                                 "DELETE FROM audit_log WHERE seq = 3"])  # fmt: skip
def test_triggers_refuse_update_and_delete(filled: URL, sql: str) -> None:
    engine = raw_engine(filled)
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
        conn.execute(text(sql))
    with engine.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM audit_log")).scalar() == RECORDS
        outcomes = conn.execute(text("SELECT outcome FROM audit_log")).scalars().all()
    engine.dispose()
    assert set(outcomes) == {"ok"}
    assert verify(filled).ok


def test_postgresql_trigger_refuses_truncate(make_database) -> None:  # type: ignore[no-untyped-def]
    url = make_database("postgresql")
    Journal.open(settings_for(url)).close()
    engine = raw_engine(url)
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
        conn.execute(text("TRUNCATE audit_log"))
    engine.dispose()


def test_edit_is_named(filled: URL) -> None:
    tamper(filled, update(audit_log).where(audit_log.c.seq == 5).values(outcome="refused"))
    result = verify(filled)
    assert (result.ok, result.first_bad, result.checked) == (False, 5, 4)
    assert "edited" in result.problem


def test_edit_of_the_timestamp_is_named(filled: URL) -> None:
    tamper(filled, update(audit_log).where(audit_log.c.seq == 2).values(at=datetime(2020, 1, 1)))
    assert verify(filled).first_bad == 2


def test_delete_in_the_middle_is_named(filled: URL) -> None:
    tamper(filled, delete(audit_log).where(audit_log.c.seq == 4))
    result = verify(filled)
    assert (result.ok, result.first_bad) == (False, 4)
    assert "missing" in result.problem


def test_delete_at_the_end_is_named(filled: URL) -> None:
    tamper(filled, delete(audit_log).where(audit_log.c.seq >= RECORDS - 1))
    result = verify(filled)
    assert (result.ok, result.first_bad, result.checked) == (False, RECORDS - 1, RECORDS - 2)


def test_reorder_is_named(filled: URL) -> None:
    seq = audit_log.c.seq
    tamper(
        filled,
        update(audit_log).where(seq == 3).values(seq=-1),
        update(audit_log).where(seq == 6).values(seq=3),
        update(audit_log).where(seq == -1).values(seq=6),
    )
    result = verify(filled)
    assert (result.ok, result.first_bad) == (False, 3)


def _shift_up_from(position: int) -> list:  # type: ignore[type-arg]
    # One row at a time, from the end, so no engine trips over the primary key.
    return [
        update(audit_log).where(audit_log.c.seq == s).values(seq=s + 1)
        for s in range(RECORDS, position - 1, -1)
    ]


def _row(url: URL, seq: int) -> dict:  # type: ignore[type-arg]
    engine = raw_engine(url)
    with engine.connect() as conn:
        row = conn.execute(select(audit_log).where(audit_log.c.seq == seq)).one()._asdict()
    engine.dispose()
    return row


def test_insert_in_the_middle_is_named(filled: URL) -> None:
    forged = {**_row(filled, 5), "seq": 5, "action": "reveal", "hash": "f" * 64}
    tamper(filled, *_shift_up_from(5), insert(audit_log).values(**forged))
    assert verify(filled).first_bad == 5


def test_insert_with_a_recomputed_hash_is_named_at_the_next_record(filled: URL) -> None:
    # The forger knows the algorithm: the forged record itself hashes fine, and the
    # record after it no longer links to it.
    forged = {**_row(filled, 5), "action": "reveal", "prev_hash": _row(filled, 4)["hash"]}
    fields = [forged[c] for c in HASHED_COLUMNS]
    fields[1] = canonical_at(forged["at"])
    forged["hash"] = record_hash(fields, forged["prev_hash"])
    tamper(
        filled,
        *_shift_up_from(5),
        insert(audit_log).values(**forged),
        update(chain_head).values(seq=RECORDS + 1),
    )
    result = verify(filled)
    assert (result.ok, result.first_bad) == (False, 6)
    assert "does not follow record 5" in result.problem


def test_record_appended_behind_the_head_is_named(filled: URL) -> None:
    extra = {**_row(filled, RECORDS), "seq": RECORDS + 1}
    tamper(filled, insert(audit_log).values(**extra))
    assert verify(filled).first_bad == RECORDS + 1


@pytest.mark.parametrize("profile", ["staging", None])
def test_walk_names_a_broken_first_link(profile: str | None) -> None:
    fields = (1, "2026-11-27T12:00:00.000000", "ana", "demo", "s", None, "x", "ok", None, "{}",
              profile)  # fmt: skip
    good = record_hash(fields, GENESIS)
    assert walk([(*fields, GENESIS, good)]).ok
    bad = walk([(*fields, "1" * 64, record_hash(fields, "1" * 64))])
    assert (bad.ok, bad.first_bad) == (False, 1)


def test_two_processes_creating_and_appending_at_once_keep_one_chain(journal_url: URL) -> None:
    n = 40
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
    journal = Journal.open(settings_for(journal_url))
    try:
        result = journal.verify()
        assert result.ok, result.problem
        assert result.checked == journal.count() == 2 * n
        operators = [e.operator for e in journal.entries(limit=2 * n)]
    finally:
        journal.close()
    assert operators.count("ana") == operators.count("bob") == n


def test_threads_sharing_one_journal_keep_one_chain(journal: Journal) -> None:
    import threading

    def append() -> None:
        for i in range(25):
            journal.record("thread.test", details={"i": i})

    threads = [threading.Thread(target=append) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    result = journal.verify()
    assert result.ok and result.checked == journal.count() == 100


def test_canonical_text_is_the_json_array_of_the_fields() -> None:
    import json

    for iid, ref in ((None, None), ("iid-\u00e9\n\x1b", 7)):
        fields = (12, "2026-11-27T12:00:00.000001", "ana \"x\"", "demo", "h/db", iid,
                  "push.outcome", "ok", ref, '{"a":"\\u00e9"}')  # fmt: skip
        # A record from before profiles: the array it was hashed with, without one.
        expected = json.dumps([*fields, GENESIS], ensure_ascii=True, separators=(",", ":"))
        assert canonical_text((*fields, None), GENESIS) == expected
        # A record that names its profile: the profile follows the details.
        for profile in ("staging", "pr\u00f6d\n\x1b", ""):
            expected = json.dumps([*fields, profile, GENESIS], ensure_ascii=True,
                                  separators=(",", ":"))  # fmt: skip
            assert canonical_text((*fields, profile), GENESIS) == expected


def test_canonical_at_agrees_for_every_driver_shape() -> None:
    when = datetime(2026, 11, 27, 12, 0, 0, 5)
    expected = "2026-11-27T12:00:00.000005"
    assert canonical_at(when) == canonical_at("2026-11-27 12:00:00.000005") == expected
    assert canonical_at("2026-11-27T12:00:00.000005") == expected
    assert canonical_at(datetime(2026, 11, 27, 12)) == "2026-11-27T12:00:00.000000"
