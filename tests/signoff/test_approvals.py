"""The two-person rule for one-off sends, on every journal dialect: a request pins the
payload, the installation and its token; a different operator approves it in time; the
requester sends it once. A changed token or payload, an expired, rejected or used
approval, a self-approval or someone else's request is refused in words with zero
requests to any provider; every step and every refusal is a journal record."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import text
from sqlalchemy.engine import URL

from inspector.push import Compose, InstallationNotFound, PushRefused
from inspector.signoff import ApprovalRefused, PushRequest, SignoffNotFound, SignoffRefused
from tests.push.fakes.apns_server import FakeApns
from tests.push.fakes.fcm_server import FakeFcm
from tests.signoff.conftest import OTHER_ANDROID, TOKENS, Clockwork, Desk, set_token

# A support engineer checking a delivery to a customer's own phone.
CHECK = Compose(title="Delivery check", body="Support is checking your notifications")


def requests_made(fcm: FakeFcm, apns: dict[str, FakeApns]) -> int:
    return len(fcm.requests) + sum(len(f.requests) for f in apns.values())


@pytest.fixture
def clock() -> Clockwork:
    return Clockwork()


@pytest.fixture
def pair(
    desks: Callable[..., Desk], clock: Clockwork, fcm: FakeFcm, apns: dict[str, FakeApns]
) -> tuple[Desk, Desk]:
    """ana asks, bob approves: one team, one journal, one clock."""
    return (
        desks("ana", clock=clock, push_policy="any"),
        desks("bob", clock=clock, push_policy="any"),
    )


@pytest.fixture
def asked(pair: tuple[Desk, Desk]) -> PushRequest:
    ana, _ = pair
    return ana.approvals.request(ana.push, OTHER_ANDROID, CHECK)


def test_a_request_approved_by_another_operator_is_sent_once(
    pair: tuple[Desk, Desk], asked: PushRequest, fcm: FakeFcm, apns: dict[str, FakeApns]
) -> None:
    ana, bob = pair
    assert asked.state(ana.approvals.now()) == "pending"
    assert asked.token == "••••••oooooo" and TOKENS[OTHER_ANDROID] not in repr(asked)
    assert requests_made(fcm, apns) == 0  # asking sends nothing
    approved = bob.approvals.approve(asked.id, "customer on the phone with us")
    assert approved.approved_by == "bob" and approved.state(bob.approvals.now()) == "approved"

    result, claim = ana.approvals.send_approved(ana.push, asked.id)

    assert result.ok, result.explanation
    assert [r.body["message"]["token"] for r in fcm.requests] == [TOKENS[OTHER_ANDROID]]
    assert claim.request_id == asked.id
    assert ana.approvals.get(asked.id).state(ana.approvals.now()) == "used"
    with pytest.raises(ApprovalRefused, match="already used"):
        ana.approvals.send_approved(ana.push, asked.id)
    assert len(fcm.requests) == 1


def test_the_requester_cannot_approve_their_own_request(
    pair: tuple[Desk, Desk], asked: PushRequest, fcm: FakeFcm, apns: dict[str, FakeApns]
) -> None:
    ana, _ = pair
    with pytest.raises(SignoffRefused, match="a different operator must approve it"):
        ana.approvals.approve(asked.id)
    with pytest.raises(ApprovalRefused, match="has not been approved yet"):
        ana.approvals.send_approved(ana.push, asked.id)
    assert requests_made(fcm, apns) == 0


def test_a_self_approval_written_behind_the_inspectors_back_is_no_approval(
    pair: tuple[Desk, Desk], asked: PushRequest, fcm: FakeFcm, apns: dict[str, FakeApns]
) -> None:
    ana, _ = pair
    with ana.db.engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE signoff_push_requests SET approved_by = requester, approved_at ="
                " created_at WHERE id = :i"
            ),
            {"i": asked.id},
        )
    with pytest.raises(ApprovalRefused, match="approved by its own requester"):
        ana.approvals.send_approved(ana.push, asked.id)
    assert requests_made(fcm, apns) == 0


def test_an_approval_comes_in_time_or_not_at_all(
    pair: tuple[Desk, Desk], asked: PushRequest, clock: Clockwork
) -> None:
    _, bob = pair
    clock.advance(minutes=30, seconds=1)
    with pytest.raises(SignoffRefused, match="expired at"):
        bob.approvals.approve(asked.id)
    assert bob.approvals.get(asked.id).approved_by is None


def test_an_expired_approval_is_refused_with_no_request(
    pair: tuple[Desk, Desk],
    asked: PushRequest,
    clock: Clockwork,
    fcm: FakeFcm,
    apns: dict[str, FakeApns],
) -> None:
    ana, bob = pair
    clock.advance(minutes=29)
    bob.approvals.approve(asked.id)
    clock.advance(minutes=2)
    with pytest.raises(ApprovalRefused, match=f"request {asked.id} expired at"):
        ana.approvals.send_approved(ana.push, asked.id)
    assert requests_made(fcm, apns) == 0
    assert ana.approvals.get(asked.id).used_at is None


def test_the_time_limit_is_the_services_to_choose(
    desks: Callable[..., Desk], clock: Clockwork, fcm: FakeFcm, apns: dict[str, FakeApns]
) -> None:
    from datetime import timedelta

    ana = desks("ana", clock=clock, push_policy="any", ttl=timedelta(minutes=5))
    asked = ana.approvals.request(ana.push, OTHER_ANDROID, CHECK)
    assert (asked.expires_at - asked.created_at) == timedelta(minutes=5)


def test_a_changed_token_is_refused_with_no_request(
    pair: tuple[Desk, Desk],
    asked: PushRequest,
    team_store_url: URL,
    fcm: FakeFcm,
    apns: dict[str, FakeApns],
) -> None:
    ana, bob = pair
    bob.approvals.approve(asked.id)
    set_token(team_store_url, OTHER_ANDROID, "reinstalled:APA91b" + "n" * 140)
    try:
        with pytest.raises(ApprovalRefused, match=r"push token .* changed since request"):
            ana.approvals.send_approved(ana.push, asked.id)
    finally:
        set_token(team_store_url, OTHER_ANDROID, TOKENS[OTHER_ANDROID])
    assert requests_made(fcm, apns) == 0
    # Refused before the claim: the approval was not used up by the refusal.
    assert ana.approvals.get(asked.id).used_at is None


def test_a_changed_payload_is_refused_with_no_request(
    pair: tuple[Desk, Desk], asked: PushRequest, fcm: FakeFcm, apns: dict[str, FakeApns]
) -> None:
    ana, bob = pair
    bob.approvals.approve(asked.id)
    other = Compose(title="Delivery check", body="Support is checking your notifications!")
    with pytest.raises(ApprovalRefused, match="payload differs from the one approved"):
        ana.approvals.send_approved(ana.push, asked.id, compose=other)
    assert requests_made(fcm, apns) == 0
    # The exact payload still goes, once.
    result, _ = ana.approvals.send_approved(ana.push, asked.id, compose=CHECK)
    assert result.ok and len(fcm.requests) == 1


def test_an_altered_request_is_refused(
    pair: tuple[Desk, Desk], asked: PushRequest, fcm: FakeFcm, apns: dict[str, FakeApns]
) -> None:
    ana, bob = pair
    bob.approvals.approve(asked.id)
    with ana.db.engine.begin() as conn:  # a longer life, behind the inspector's back
        conn.execute(
            text("UPDATE signoff_push_requests SET expires_at = :e WHERE id = :i"),
            {"e": asked.expires_at.replace(tzinfo=None, year=asked.expires_at.year + 1),
             "i": asked.id},
        )  # fmt: skip
    with pytest.raises(ApprovalRefused, match="does not match its hash"):
        ana.approvals.send_approved(ana.push, asked.id)
    assert requests_made(fcm, apns) == 0


def test_only_the_requester_sends_it(
    pair: tuple[Desk, Desk], asked: PushRequest, fcm: FakeFcm, apns: dict[str, FakeApns]
) -> None:
    _, bob = pair
    bob.approvals.approve(asked.id)
    bob_push = bob.push
    with pytest.raises(ApprovalRefused, match="only they can send it"):
        bob.approvals.send_approved(bob_push, asked.id)
    assert requests_made(fcm, apns) == 0


def test_a_rejected_request_cannot_be_approved_nor_sent(
    pair: tuple[Desk, Desk],
    asked: PushRequest,
    desks: Callable[..., Desk],
    fcm: FakeFcm,
    apns: dict[str, FakeApns],
) -> None:
    ana, bob = pair
    with pytest.raises(SignoffRefused, match="needs a comment"):
        bob.approvals.reject(asked.id, "")
    bob.approvals.reject(asked.id, "not while the customer is abroad")
    with pytest.raises(SignoffRefused, match="rejected by bob"):
        desks("carol").approvals.approve(asked.id)
    with pytest.raises(ApprovalRefused, match="rejected by bob"):
        ana.approvals.send_approved(ana.push, asked.id)
    assert requests_made(fcm, apns) == 0


def test_an_approval_can_be_withdrawn_before_it_is_used(
    pair: tuple[Desk, Desk],
    asked: PushRequest,
    desks: Callable[..., Desk],
    fcm: FakeFcm,
    apns: dict[str, FakeApns],
) -> None:
    ana, bob = pair
    bob.approvals.approve(asked.id)
    desks("carol").approvals.reject(asked.id, "wrong customer")
    with pytest.raises(ApprovalRefused, match="rejected by carol"):
        ana.approvals.send_approved(ana.push, asked.id)
    assert requests_made(fcm, apns) == 0


def test_asking_for_a_device_not_in_the_store_or_with_a_bad_payload(
    pair: tuple[Desk, Desk],
) -> None:
    ana, _ = pair
    with pytest.raises(InstallationNotFound):
        ana.approvals.request(ana.push, "7e000000-0000-4000-8000-0000000000aa", CHECK)
    with pytest.raises(PushRefused, match="reserved"):
        ana.approvals.request(ana.push, OTHER_ANDROID, Compose("t", "b", data={"aps": "x"}))
    with pytest.raises(SignoffNotFound):
        ana.approvals.get("r-0000000000")
    assert ana.approvals.requests() == []


def test_every_step_and_refusal_is_on_the_record(
    pair: tuple[Desk, Desk], asked: PushRequest, fcm: FakeFcm, apns: dict[str, FakeApns]
) -> None:
    ana, bob = pair
    with pytest.raises(SignoffRefused):
        ana.approvals.approve(asked.id)
    bob.approvals.approve(asked.id)
    ana.approvals.send_approved(ana.push, asked.id)
    with pytest.raises(ApprovalRefused):
        ana.approvals.send_approved(ana.push, asked.id)
    entries = [
        (e.action, e.operator, e.outcome)
        for e in reversed(ana.journal.entries(installation_id=OTHER_ANDROID))
    ]
    assert entries == [
        ("approval.request", "ana", "ok"),
        ("approval.approve", "ana", "refused"),
        ("approval.approve", "bob", "ok"),
        ("approval.use", "ana", "ok"),
        ("push.intent", "ana", "ok"),
        ("push.outcome", "ana", "ok"),
        ("approval.use", "ana", "refused"),
    ]
    assert ana.journal.verify().ok


def test_open_requests_are_listed(
    pair: tuple[Desk, Desk], asked: PushRequest, clock: Clockwork
) -> None:
    _, bob = pair
    assert [r.id for r in bob.approvals.requests(open_only=True)] == [asked.id]
    clock.advance(hours=1)
    assert bob.approvals.requests(open_only=True) == []
    (old,) = bob.approvals.requests()
    assert old.to_dict(bob.approvals.now())["state"] == "expired"
