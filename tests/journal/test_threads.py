"""A SQLite journal shared by many threads at once (a proof sends from a pool of them)."""

from __future__ import annotations

import threading
from pathlib import Path

from inspector.journal import Journal
from tests.journal.conftest import settings_for

THREADS = 12
EACH = 5


def test_more_threads_than_a_singleton_pool_holds_all_write_and_the_chain_verifies(
    tmp_path: Path,
) -> None:
    from sqlalchemy.engine import make_url

    journal = Journal.open(settings_for(make_url(f"sqlite:///{tmp_path / 'journal.db'}")))
    start = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def work(n: int) -> None:
        start.wait()
        try:
            for i in range(EACH):
                journal.record("test.thread", outcome=f"{n}-{i}")
                journal.count()
        except BaseException as exc:  # collected: a thread's exception is otherwise lost
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    try:
        assert errors == []
        assert journal.count() == THREADS * EACH
        assert journal.verify().ok
    finally:
        journal.close()
