"""Lookup records written in batches: one transaction per batch, the chain intact."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import event, insert, select
from sqlalchemy.engine import URL, Engine

from inspector.journal import Journal, JournalError
from inspector.journal.schema import audit_log, chain_head
from inspector.lookup import Lookup, parse_query
from tests.journal.conftest import drop_triggers, raw_engine, settings_for

BATCH = 1_000


def lookups(n: int) -> list[tuple[Lookup, str, int]]:
    return [(parse_query(f"cust-{i}"), "found" if i % 2 else "not found", i % 2) for i in range(n)]


class Statements:
    """Every transaction and statement any engine in this process runs (public events)."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.commits = 0
        self.rollbacks = 0
        self.sql: list[str] = []

    def on_commit(self, _conn: Any) -> None:
        self.commits += 1

    def on_rollback(self, _conn: Any) -> None:
        self.rollbacks += 1

    def on_statement(self, _conn: Any, _cursor: Any, sql: str, *_args: Any) -> None:
        self.sql.append(sql)

    def touching(self, table: str) -> list[str]:
        return [s for s in self.sql if table in s]


@pytest.fixture
def statements() -> Iterator[Statements]:
    seen = Statements()
    hooks = (("commit", seen.on_commit), ("rollback", seen.on_rollback),
             ("before_cursor_execute", seen.on_statement))  # fmt: skip
    for name, fn in hooks:
        event.listen(Engine, name, fn)
    try:
        yield seen
    finally:
        for name, fn in hooks:
            event.remove(Engine, name, fn)


def test_a_batch_of_a_thousand_is_one_transaction_and_the_chain_verifies(
    journal: Journal, statements: Statements
) -> None:
    journal.record("export")  # the batch extends an existing chain
    items = lookups(BATCH)
    statements.reset()  # count from here: the batch alone
    ids = journal.record_lookups(items)
    assert statements.commits == 1 and statements.rollbacks == 0
    # One read of the locked head, one move of it, one insert statement for the rows.
    assert len(statements.touching("audit_chain_head")) == 2
    assert len(statements.touching("INSERT INTO audit_log")) == 1
    assert ids == list(range(2, BATCH + 2))
    result = journal.verify()
    assert result.ok, result.problem
    assert result.checked == journal.count() == BATCH + 1
    entries = journal.entries(limit=BATCH)
    assert [e.record_id for e in entries] == ids[::-1]
    newest = entries[0]
    assert (newest.action, newest.outcome) == ("lookup", "found")
    assert newest.details["found"] == 1 and newest.details["key_kinds"] == ["cid"]
    probe = items[-1][0].probes[0]
    assert newest.details["probes"] == [
        {"kind": "cid", "hmac": journal.probe_hash("cid", probe.value)}
    ]


def test_batch_records_read_like_single_ones(journal: Journal) -> None:
    lookup = parse_query("6513270E-269E-4D37-B2A7-4DE452E6B438")
    journal.record_lookup(lookup, outcome="found", found=1)
    journal.record_lookups([(lookup, "found", 1)])
    single, batched = journal.entries()[::-1]
    assert single.details == batched.details
    assert (single.action, single.outcome) == (batched.action, batched.outcome)
    assert journal.verify().ok


def test_an_empty_batch_writes_nothing(journal: Journal, statements: Statements) -> None:
    assert journal.record_lookups([]) == []
    assert statements.commits == 0
    assert journal.count() == 0


def test_a_batch_that_fails_writes_nothing_of_it(journal: Journal, journal_url: URL) -> None:
    journal.record_lookups(lookups(3))
    # A record planted ahead of the head: the batch's 5th row collides with it.
    drop_triggers(journal_url)
    engine = raw_engine(journal_url)
    with engine.begin() as conn:
        planted = dict(conn.execute(select(audit_log).where(audit_log.c.seq == 3)).one()._mapping)
        conn.execute(insert(audit_log).values({**planted, "seq": 3 + 5}))
    with pytest.raises(JournalError, match="could not record the lookups"):
        journal.record_lookups(lookups(10))
    with engine.connect() as conn:
        head = conn.execute(select(chain_head.c.seq)).scalar_one()
        seqs = conn.execute(select(audit_log.c.seq).order_by(audit_log.c.seq)).scalars().all()
    engine.dispose()
    assert head == 3
    assert seqs == [1, 2, 3, 8]  # none of the batch's ten


def test_each_batch_extends_the_chain_another_journal_appends_to(
    journal: Journal, journal_url: URL
) -> None:
    other = Journal.open(settings_for(journal_url, INSPECTOR_OPERATOR="bob"))
    try:
        for _ in range(3):
            journal.record_lookups(lookups(50))
            other.record("reveal", installation_id="iid-1")
    finally:
        other.close()
    result = journal.verify()
    assert result.ok, result.problem
    assert result.checked == 153
