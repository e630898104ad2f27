"""Code run in child processes by the single-use race test (importable by spawn)."""

from __future__ import annotations

from typing import Any

from inspector.config import load_settings
from inspector.journal import Journal
from inspector.push import PushService
from inspector.signoff import ApprovalRefused, ApprovalService, SignoffStore
from inspector.signoff.payloads import compose_of
from inspector.store.repository import StoreRepository


def use_at_barrier(env: dict[str, str], request_id: str, barrier: Any, results: Any) -> None:
    """The requester's inspector: prepare the approved send (every process passes the
    checks, nothing is claimed yet), wait for the others, then send at the same moment,
    the sender claiming the approval after its re-read; put ("sent" | "refused", words)
    on results."""
    settings = load_settings(env)
    store = StoreRepository.open(settings.store_url)
    journal = Journal.open(settings)
    db = SignoffStore.open(settings)
    approvals = ApprovalService(settings, journal, db)
    push = PushService(settings, store, journal, approvals=approvals)
    try:
        request = approvals.get(request_id)
        compose = compose_of(request.payload_text)
        prepared = push.prepare(
            request.installation_id, compose, store=request.store, approved=request_id
        )
        barrier.wait(timeout=60)
        try:
            result = push.send(prepared, approved=request_id)
        except ApprovalRefused as exc:
            results.put(("refused", str(exc)))
            return
        results.put(("sent", result.explanation))
    finally:
        push.close()
        db.close()
        journal.close()
        store.close()
