"""Code run in child processes by the concurrency tests (importable by spawn)."""

from __future__ import annotations

from typing import Any

from inspector.config import load_settings
from inspector.journal import Journal


def append_many(journal_url: str, operator: str, n: int, barrier: Any) -> None:
    settings = load_settings({"INSPECTOR_JOURNAL_URL": journal_url, "INSPECTOR_OPERATOR": operator})
    # Both open a journal that does not exist yet at the same moment, then append.
    barrier.wait(timeout=60)
    journal = Journal.open(settings)
    try:
        for i in range(n):
            journal.record("concurrency.test", details={"i": i})
    finally:
        journal.close()
