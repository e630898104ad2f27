"""Rate limits across processes: inspectors racing on one device, on every journal dialect.

Each process passes the checks of `prepare` before any of them sends, then all send at a
barrier. The per-device cooldown and the operator's cap are checked in the transaction
that writes the intent, so exactly as many sends as the limits allow reach the provider.
"""

from __future__ import annotations

import multiprocessing
import queue
from collections.abc import Callable

import pytest
from sqlalchemy.engine import URL

from inspector.config import Settings
from inspector.fixtures.demo import UNICODE_DEVICE
from inspector.journal import Journal
from tests.push.fakes.fcm_server import FakeFcm
from tests.push.workers import send_at_barrier

PROCESSES = 6


def race(env: dict[str, str], installation_id: str) -> list[tuple[str, str]]:
    """PROCESSES inspectors sending at once; their (outcome, words), sends first."""
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(PROCESSES)
    results = ctx.Queue()
    workers = [
        ctx.Process(target=send_at_barrier, args=(env, installation_id, barrier, results))
        for _ in range(PROCESSES)
    ]
    for w in workers:
        w.start()
    outcomes = []
    for _ in workers:
        try:
            outcomes.append(results.get(timeout=120))
        except queue.Empty:
            break
    for w in workers:
        w.join(timeout=30)
    assert [w.exitcode for w in workers] == [0] * PROCESSES
    return sorted(outcomes, key=lambda o: o[0] != "sent")


@pytest.fixture
def race_env(
    dialect: str, make_database: Callable[[str], URL], make_settings: Callable[..., Settings]
) -> Callable[..., dict[str, str]]:
    """Settings for the racers: a fresh journal on the dialect, created before the race."""
    journal_url = make_database(dialect).render_as_string(hide_password=False)

    def env(**overrides: str) -> dict[str, str]:
        values: dict[str, str] = make_settings.env(journal_url=journal_url, **overrides)  # type: ignore[attr-defined]
        Journal.open(make_settings(journal_url=journal_url, **overrides)).close()
        return values

    return env


def intents(settings: Settings) -> list[str]:
    journal = Journal.open(settings)
    try:
        assert journal.verify().ok
        return [e.operator for e in journal.entries() if e.action == "push.intent"]
    finally:
        journal.close()


def test_racing_inspectors_send_once_within_the_device_cooldown(
    race_env: Callable[..., dict[str, str]], fcm: FakeFcm, make_settings: Callable[..., Settings]
) -> None:
    env = race_env(push_device_cooldown="3600")
    outcomes = race(env, UNICODE_DEVICE)
    assert [o for o, _ in outcomes] == ["sent"] + ["refused"] * (PROCESSES - 1)
    for _, words in outcomes[1:]:
        assert "this device got a test push" in words and "cooldown 3600 s" in words
    assert len(fcm.requests) == 1
    assert len(intents(make_settings(journal_url=env["INSPECTOR_JOURNAL_URL"]))) == 1


def test_racing_inspectors_of_one_operator_stay_under_the_cap(
    race_env: Callable[..., dict[str, str]], fcm: FakeFcm, make_settings: Callable[..., Settings]
) -> None:
    env = race_env(push_max_per_minute="2")
    outcomes = race(env, UNICODE_DEVICE)
    assert [o for o, _ in outcomes] == ["sent"] * 2 + ["refused"] * (PROCESSES - 2)
    for _, words in outcomes[2:]:
        assert "rate limit: ana sent 2 test pushes in the last minute" in words
    assert len(fcm.requests) == 2
    assert intents(make_settings(journal_url=env["INSPECTOR_JOURNAL_URL"])) == ["ana", "ana"]
