"""The send history the rate limits read, and the intent written only when they allow it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.engine import URL

from inspector.journal import IntentRefused, Journal, SendHistory
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
