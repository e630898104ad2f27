"""The send history the rate limits read, and the intent written only when they allow it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.engine import URL

from inspector.journal import Intent, IntentRefused, Journal, SendHistory
from tests.journal.conftest import settings_for


def test_send_history_counts_this_operators_intents_and_the_devices_last(
    journal: Journal, journal_url: URL
) -> None:
    empty = journal.send_history("iid-1")
    assert (empty.operator_sends, empty.last_to_device) == (0, None)
    assert empty.now.tzinfo is not None
    journal.push_intent(installation_id="iid-1", provider="fcm", details={})
    journal.push_intent(installation_id="iid-2", provider="fcm", details={})
    journal.record("token.check", installation_id="iid-1", outcome="intent")  # not a send
    bob = Journal.open(settings_for(journal_url, INSPECTOR_OPERATOR="bob"))
    try:
        bob.push_intent(installation_id="iid-1", provider="fcm", details={})
    finally:
        bob.close()
    history = journal.send_history("iid-1")
    assert history.operator_sends == 2  # ana's; bob's send is his
    assert history.last_to_device == journal.last_send_to("iid-1")  # bob's, the latest
    later = journal.send_history("iid-1", datetime.now(UTC) + timedelta(minutes=2))
    assert later.operator_sends == 0
    naive = journal.send_history("iid-1", datetime.now(UTC).replace(tzinfo=None))
    assert naive.now.tzinfo is UTC and naive.operator_sends == 2


def test_an_intent_the_limit_refuses_is_not_written(journal: Journal) -> None:
    seen: list[SendHistory] = []

    def limit(history: SendHistory) -> str | None:
        seen.append(history)
        return "this device got a test push 0 s ago" if history.last_to_device else None

    first = journal.push_intent(installation_id="iid-1", provider="fcm", details={}, limit=limit)
    with pytest.raises(IntentRefused, match="this device got a test push 0 s ago"):
        journal.push_intent(installation_id="iid-1", provider="fcm", details={}, limit=limit)
    assert [h.operator_sends for h in seen] == [0, 1]
    assert seen[1].last_to_device is not None
    assert [e.record_id for e in journal.entries()] == [first]
    assert journal.verify().ok
    # The refusal rolled back: the next append extends the chain as usual.
    journal.push_intent(installation_id="iid-2", provider="fcm", details={}, limit=limit)
    assert journal.count() == 2 and journal.verify().ok


def test_a_proof_counts_once_against_the_operators_cap(journal: Journal) -> None:
    """A proof is one action: its record counts, its per-device intents (which refer to
    it) do not; each device's last send still counts for its cooldown."""
    proof = journal.record("proof.create", details={"app": "shop"})
    for iid in ("iid-1", "iid-2", "iid-3"):
        journal.push_intent(installation_id=iid, provider="fcm", details={}, ref_id=proof)
    history = journal.send_history("iid-2")
    assert history.operator_sends == 1
    assert history.last_to_device is not None
    journal.push_intent(installation_id="iid-9", provider="fcm", details={})
    assert journal.send_history("iid-9").operator_sends == 2
    assert [e.action for e in journal.entries()][-1] == "proof.create"
    assert journal.verify().ok


def test_a_record_with_a_limit_is_refused_under_the_lock_and_not_written(
    journal: Journal,
) -> None:
    journal.push_intent(installation_id="iid-1", provider="fcm", details={})

    def cap_of_one(history: SendHistory) -> str | None:
        return "1 test push in the last minute" if history.operator_sends >= 1 else None

    with pytest.raises(IntentRefused, match="1 test push"):
        journal.record("proof.create", details={}, limit=cap_of_one)
    assert journal.count() == 1 and journal.verify().ok


def test_a_batch_of_intents_is_one_transaction_each_checked_under_its_lock(
    journal: Journal,
) -> None:
    """A proof's intents: written together, in order, each checked against the history
    as it stands with the ones before it in the batch counted; a refused one is left out
    and the rest are written."""
    journal.push_intent(installation_id="iid-2", provider="apns", details={})  # recently
    seen: list[tuple[int, bool]] = []

    def cooldown(history: SendHistory) -> str | None:
        seen.append((history.operator_sends, history.last_to_device is not None))
        return "this device got a test push 0 s ago" if history.last_to_device else None

    intents = [
        Intent("iid-1", "fcm", {"n": 1}),
        Intent("iid-2", "apns", {"n": 2}),
        Intent("iid-3", "fcm", {"n": 3}),
        Intent("iid-1", "fcm", {"n": 4}),  # twice in one batch: the first one counts
    ]
    before = journal.count()
    written = journal.push_intents(intents, limit=cooldown)

    assert isinstance(written[1], IntentRefused) and isinstance(written[3], IntentRefused)
    assert "0 s ago" in str(written[1])
    ids = [w for w in written if isinstance(w, int)]
    assert ids == [ids[0], ids[0] + 1]  # consecutive records, in the order given
    assert seen == [(1, False), (2, True), (2, False), (3, True)]
    assert journal.count() == before + 2
    records = {e.record_id: e for e in journal.entries()}
    assert [records[i].installation_id for i in ids] == ["iid-1", "iid-3"]
    assert [records[i].details["n"] for i in ids] == [1, 3]
    assert {records[i].action for i in ids} == {"push.intent"}
    assert journal.verify().ok


def test_a_batch_of_a_proof_refers_to_it_and_counts_once(journal: Journal) -> None:
    proof = journal.record("proof.create", details={"app": "shop"})
    written = journal.push_intents([Intent(f"iid-{n}", "fcm", {}) for n in range(5)], ref_id=proof)
    assert all(isinstance(w, int) for w in written)
    assert journal.send_history("iid-9").operator_sends == 1  # the proof alone
    assert journal.push_intents([]) == []
    assert journal.verify().ok
