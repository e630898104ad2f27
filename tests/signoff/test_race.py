"""One approval, several inspectors of its requester racing to use it, on every journal
dialect, under the `approval` policy: each prepares the send, then all send at a barrier,
the sender claiming the approval after its re-read. The claim is one conditional
UPDATE whose row count decides, so exactly one sends and the others are refused in words,
with exactly one request reaching the provider."""

from __future__ import annotations

import multiprocessing
import queue
from collections.abc import Callable

from inspector.push import Compose
from tests.push.fakes.apns_server import FakeApns
from tests.push.fakes.fcm_server import FakeFcm
from tests.signoff.conftest import OTHER_ANDROID, TOKENS, Desk
from tests.signoff.workers import use_at_barrier

PROCESSES = 4
CHECK = Compose(title="Delivery check", body="Support is checking your notifications")


def race(env: dict[str, str], request_id: str) -> list[tuple[str, str]]:
    """PROCESSES inspectors using one approval at once; their (outcome, words), sends first."""
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(PROCESSES)
    results = ctx.Queue()
    workers = [
        ctx.Process(target=use_at_barrier, args=(env, request_id, barrier, results))
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


def test_racing_inspectors_use_one_approval_once(
    desks: Callable[..., Desk],
    make_env: Callable[..., dict[str, str]],
    fcm: FakeFcm,
    apns: dict[str, FakeApns],
) -> None:
    ana = desks("ana", push_policy="approval")
    bob = desks("bob", push_policy="approval")
    asked = ana.approvals.request(ana.push, OTHER_ANDROID, CHECK)
    bob.approvals.approve(asked.id)

    outcomes = race(make_env("ana", push_policy="approval"), asked.id)

    assert [o for o, _ in outcomes] == ["sent"] + ["refused"] * (PROCESSES - 1)
    for _, words in outcomes[1:]:
        assert f"request {asked.id} was already used at" in words
    assert [r.body["message"]["token"] for r in fcm.requests] == [TOKENS[OTHER_ANDROID]]
    uses = [e.outcome for e in ana.journal.entries() if e.action == "approval.use"]
    assert sorted(uses) == ["ok"] + ["refused"] * (PROCESSES - 1)
    assert [e.action for e in ana.journal.entries()].count("push.intent") == 1
    assert ana.journal.verify().ok
