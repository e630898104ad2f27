"""Code run in child processes by the cross-process rate-limit tests (importable by spawn)."""

from __future__ import annotations

from typing import Any

from inspector.config import load_settings
from inspector.journal import Journal
from inspector.push import Compose, PushRefused, PushService
from inspector.store.repository import StoreRepository

HELLO = Compose(title="Hello", body="A test from the inspector")


def send_at_barrier(env: dict[str, str], installation_id: str, barrier: Any, results: Any) -> None:
    """Prepare a send (every process passes the checks, nothing is sent yet), wait for
    the others, then send at the same moment; put ("sent" | "refused", words) on results."""
    settings = load_settings(env)
    store = StoreRepository.open(settings.store_url)
    journal = Journal.open(settings)
    service = PushService(settings, store, journal)
    try:
        prepared = service.prepare(installation_id, HELLO)
        barrier.wait(timeout=60)
        try:
            result = service.send(prepared)
        except PushRefused as exc:
            results.put(("refused", str(exc)))
        else:
            results.put(("sent", result.explanation))
    finally:
        service.close()
        journal.close()
        store.close()
