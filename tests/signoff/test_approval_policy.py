"""The `approval` push policy through the single-device sender, against the local fakes,
on every journal dialect: a test device is sent to directly; any other installation only
through a request a different operator approved, which the sender verifies and uses up
after its re-read and before its intent, once. A changed token, a changed payload, an
expired approval or a self-approval is refused in words with zero requests; a send with
no request is refused with words pointing to `inspector push ID … --request`."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import text
from sqlalchemy.engine import URL

from inspector.config import PushPolicy
from inspector.push import Compose, PushRefused, PushResult, PushService, ValidationRefused
from inspector.signoff import ApprovalRefused, PushRequest, SignoffRefused
from tests.push.fakes.apns_server import FakeApns
from tests.push.fakes.fcm_server import FakeFcm
from tests.signoff.conftest import (
    APP,
    IPHONE,
    OTHER_ANDROID,
    OTHER_IPHONE,
    TOKENS,
    Clockwork,
    Desk,
    register_team,
    set_token,
)

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
    """ana asks and sends, bob approves, under the `approval` policy."""
    ana = desks("ana", clock=clock, push_policy="approval")
    bob = desks("bob", clock=clock, push_policy="approval")
    assert ana.settings.push_policy is PushPolicy.APPROVAL
    register_team(ana.journal)
    return ana, bob


@pytest.fixture
def asked(pair: tuple[Desk, Desk]) -> PushRequest:
    ana, _ = pair
    return ana.approvals.request(ana.push, OTHER_ANDROID, CHECK)


def approved_send(ana: Desk, request_id: str, compose: Compose = CHECK) -> PushResult:
    """`inspector push --approved`'s path: prepare with the request, send with it."""
    prepared = ana.push.prepare(OTHER_ANDROID, compose, approved=request_id)
    return ana.push.send(prepared, approved=request_id)


def test_a_test_device_is_sent_to_directly(
    pair: tuple[Desk, Desk], fcm: FakeFcm, apns: dict[str, FakeApns]
) -> None:
    ana, _ = pair
    result = ana.push.send(ana.push.prepare(IPHONE, CHECK))
    assert result.ok, result.explanation
    assert result.approval is None
    assert [r.path for r in apns["production"].requests] == [f"/3/device/{TOKENS[IPHONE]}"]
    assert requests_made(fcm, apns) == 1


def test_another_device_without_a_request_is_refused_in_words(
    pair: tuple[Desk, Desk],
    desks: Callable[..., Desk],
    fcm: FakeFcm,
    apns: dict[str, FakeApns],
) -> None:
    ana, _ = pair
    with pytest.raises(PushRefused) as caught:
        ana.push.prepare(OTHER_ANDROID, CHECK)
    words = str(caught.value)
    assert f"{OTHER_ANDROID} is not a test device, and the policy here is approval" in words
    assert f"`inspector push {OTHER_ANDROID} … --request`" in words
    assert "inspector push --approved REQUEST_ID" in words
    # Prepared where anything goes, then sent here: the send checks again.
    loose = desks("ana", push_policy="any")
    prepared = loose.push.prepare(OTHER_ANDROID, CHECK)
    with pytest.raises(PushRefused, match="the policy here is approval"):
        ana.push.send(prepared)
    assert requests_made(fcm, apns) == 0
    assert [e.action for e in ana.journal.entries(installation_id=OTHER_ANDROID)] == []


def test_request_approve_by_another_then_send_once(
    pair: tuple[Desk, Desk], asked: PushRequest, fcm: FakeFcm, apns: dict[str, FakeApns]
) -> None:
    ana, bob = pair
    assert requests_made(fcm, apns) == 0  # asking sends nothing
    bob.approvals.approve(asked.id, "customer on the phone")

    result = approved_send(ana, asked.id)

    assert result.ok, result.explanation
    used = result.approval
    assert used is not None and used.request_id == asked.id
    assert [r.body["message"]["token"] for r in fcm.requests] == [TOKENS[OTHER_ANDROID]]
    # The intent names the request and the record of its use.
    (intent,) = [
        e for e in ana.journal.entries(installation_id=OTHER_ANDROID) if e.action == "push.intent"
    ]
    assert intent.details["approval_request"] == asked.id
    assert intent.details["approval_record"] == used.record_id
    assert "proof" not in intent.details
    use = next(e for e in ana.journal.entries() if e.record_id == used.record_id)
    assert (use.action, use.outcome, use.operator) == ("approval.use", "ok", "ana")

    # Once: the second use is refused before any request.
    with pytest.raises(ApprovalRefused, match="already used"):
        approved_send(ana, asked.id)
    assert requests_made(fcm, apns) == 1
    assert ana.journal.verify().ok


def test_the_send_path_of_send_approved_is_the_senders(
    pair: tuple[Desk, Desk], asked: PushRequest, fcm: FakeFcm, apns: dict[str, FakeApns]
) -> None:
    ana, bob = pair
    bob.approvals.approve(asked.id)
    result, claim = ana.approvals.send_approved(ana.push, asked.id)
    assert result.ok and result.approval == claim and claim.request_id == asked.id
    with pytest.raises(ApprovalRefused, match="already used"):
        ana.approvals.send_approved(ana.push, asked.id)
    assert len(fcm.requests) == 1


def test_a_changed_token_is_refused_with_zero_requests(
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
            approved_send(ana, asked.id)
    finally:
        set_token(team_store_url, OTHER_ANDROID, TOKENS[OTHER_ANDROID])
    assert requests_made(fcm, apns) == 0
    assert ana.approvals.get(asked.id).used_at is None
    assert not any(e.action == "push.intent" for e in ana.journal.entries())


def test_a_token_changed_after_the_confirmation_is_refused_and_leaves_the_approval(
    pair: tuple[Desk, Desk],
    asked: PushRequest,
    team_store_url: URL,
    fcm: FakeFcm,
    apns: dict[str, FakeApns],
) -> None:
    ana, bob = pair
    bob.approvals.approve(asked.id)
    prepared = ana.push.prepare(OTHER_ANDROID, CHECK, approved=asked.id)
    set_token(team_store_url, OTHER_ANDROID, "reinstalled:APA91b" + "n" * 140)
    try:
        with pytest.raises(PushRefused, match="changed since the confirmation"):
            ana.push.send(prepared, approved=asked.id)
    finally:
        set_token(team_store_url, OTHER_ANDROID, TOKENS[OTHER_ANDROID])
    assert requests_made(fcm, apns) == 0
    assert ana.approvals.get(asked.id).used_at is None


def test_a_changed_payload_is_refused_with_zero_requests(
    pair: tuple[Desk, Desk], asked: PushRequest, fcm: FakeFcm, apns: dict[str, FakeApns]
) -> None:
    ana, bob = pair
    bob.approvals.approve(asked.id)
    other = Compose(title="Delivery check", body="Support is checking your notifications!")
    with pytest.raises(ApprovalRefused, match="payload differs from the one approved"):
        approved_send(ana, asked.id, other)
    assert requests_made(fcm, apns) == 0
    assert ana.approvals.get(asked.id).used_at is None


def test_an_expired_approval_is_refused_with_zero_requests(
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
        approved_send(ana, asked.id)
    assert requests_made(fcm, apns) == 0


def test_a_self_approval_is_refused_with_zero_requests(
    pair: tuple[Desk, Desk], asked: PushRequest, fcm: FakeFcm, apns: dict[str, FakeApns]
) -> None:
    ana, _ = pair
    with pytest.raises(SignoffRefused, match="a different operator must approve it"):
        ana.approvals.approve(asked.id)
    with pytest.raises(ApprovalRefused, match="has not been approved yet"):
        approved_send(ana, asked.id)
    # Written behind the inspector's back, a self-approval is still none.
    with ana.db.engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE signoff_push_requests SET approved_by = requester, approved_at ="
                " created_at WHERE id = :i"
            ),
            {"i": asked.id},
        )
    with pytest.raises(ApprovalRefused, match="approved by its own requester"):
        approved_send(ana, asked.id)
    assert requests_made(fcm, apns) == 0
    refusals = [
        e.details["reason"]
        for e in ana.journal.entries()
        if e.action == "approval.use" and e.outcome == "refused"
    ]
    assert len(refusals) == 2


def test_another_operators_approved_request_is_theirs_to_send(
    pair: tuple[Desk, Desk], asked: PushRequest, fcm: FakeFcm, apns: dict[str, FakeApns]
) -> None:
    _, bob = pair
    bob.approvals.approve(asked.id)
    prepared = bob.push.prepare(OTHER_ANDROID, CHECK, approved=asked.id)
    with pytest.raises(ApprovalRefused, match="only they can send it"):
        bob.push.send(prepared, approved=asked.id)
    assert requests_made(fcm, apns) == 0


def test_a_request_for_one_device_does_not_carry_another(
    pair: tuple[Desk, Desk], asked: PushRequest, fcm: FakeFcm, apns: dict[str, FakeApns]
) -> None:
    ana, bob = pair
    bob.approvals.approve(asked.id)
    prepared = ana.push.prepare(OTHER_IPHONE, CHECK, approved=asked.id)
    with pytest.raises(ApprovalRefused, match=f"is for installation {OTHER_ANDROID}"):
        ana.push.send(prepared, approved=asked.id)
    assert requests_made(fcm, apns) == 0


def test_an_unknown_or_malformed_request_is_refused(
    pair: tuple[Desk, Desk], fcm: FakeFcm, apns: dict[str, FakeApns]
) -> None:
    ana, _ = pair
    with pytest.raises(ApprovalRefused, match="no approval request r-0000000000"):
        approved_send(ana, "r-0000000000")
    (refusal,) = ana.journal.entries(installation_id=OTHER_ANDROID)
    assert (refusal.action, refusal.outcome) == ("approval.use", "refused")
    assert refusal.details["request"] == "r-0000000000"
    with pytest.raises(PushRefused, match="is not an approval request id"):
        ana.push.prepare(OTHER_ANDROID, CHECK, approved="r-\x1b[31m")
    with pytest.raises(ValidationRefused, match="by a send, not by a dry run"):
        ana.push.prepare(OTHER_ANDROID, CHECK, approved="r-0000000000", dry_run=True)
    assert requests_made(fcm, apns) == 0


def test_a_sender_without_approvals_cannot_use_one(
    pair: tuple[Desk, Desk], asked: PushRequest, fcm: FakeFcm, apns: dict[str, FakeApns]
) -> None:
    ana, bob = pair
    bob.approvals.approve(asked.id)
    bare = PushService(ana.settings, ana.store, ana.journal)
    with pytest.raises(PushRefused, match="has no approvals service"):
        bare.prepare(OTHER_ANDROID, CHECK, approved=asked.id)
    prepared = ana.push.prepare(OTHER_ANDROID, CHECK, approved=asked.id)
    with pytest.raises(PushRefused, match="has no approvals service"):
        bare.send(prepared, approved=asked.id)
    assert requests_made(fcm, apns) == 0
    assert ana.approvals.get(asked.id).used_at is None


def test_under_test_devices_an_approval_widens_nothing(
    desks: Callable[..., Desk], fcm: FakeFcm, apns: dict[str, FakeApns]
) -> None:
    ana = desks("ana", push_policy="test-devices")
    bob = desks("bob", push_policy="test-devices")
    asked = ana.approvals.request(ana.push, OTHER_ANDROID, CHECK)
    bob.approvals.approve(asked.id)
    with pytest.raises(PushRefused, match="the policy here is test-devices"):
        ana.push.prepare(OTHER_ANDROID, CHECK, approved=asked.id)
    with pytest.raises(PushRefused, match="the policy here is test-devices"):
        ana.approvals.send_approved(ana.push, asked.id)
    assert requests_made(fcm, apns) == 0
    # Refused before the claim: the approval is still there to use.
    assert ana.approvals.get(asked.id).used_at is None


def test_the_rate_limit_refuses_before_the_approval_is_used(
    desks: Callable[..., Desk], fcm: FakeFcm, apns: dict[str, FakeApns]
) -> None:
    ana = desks("ana", push_policy="approval", push_device_cooldown="3600")
    bob = desks("bob", push_policy="approval")
    asked = ana.approvals.request(ana.push, OTHER_ANDROID, CHECK)
    bob.approvals.approve(asked.id)
    prepared = ana.push.prepare(OTHER_ANDROID, CHECK, approved=asked.id)
    ana.journal.push_intent(  # a send to the device since the confirmation
        installation_id=OTHER_ANDROID, provider="fcm", details={"profile": "default"}
    )
    with pytest.raises(PushRefused, match="wait"):
        ana.push.send(prepared, approved=asked.id)
    assert requests_made(fcm, apns) == 0
    assert ana.approvals.get(asked.id).used_at is None


def test_a_proof_goes_to_the_test_devices_under_approval(
    pair: tuple[Desk, Desk], fcm: FakeFcm, apns: dict[str, FakeApns]
) -> None:
    ana, _ = pair
    proof = ana.proofs.send(ana.proofs.plan(APP, CHECK))
    assert proof.accepted == 3
    intents = [e for e in ana.journal.entries() if e.action == "push.intent"]
    assert len(intents) == 3 and {e.details["proof"] for e in intents} == {proof.id}
    assert requests_made(fcm, apns) == 3
