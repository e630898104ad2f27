"""The sign-off rules, on every journal dialect: the author cannot approve, one sign-off per
operator, N distinct approvals and no rejection make a proof approved, a rejection after
approvals makes it rejected, and only an approved proof is exported. Every decision and
every refusal is a journal record in the hash chain."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

import pytest
from sqlalchemy import text

from inspector.push import Compose
from inspector.signoff import Proof, ProofService, SignoffNotFound, SignoffRefused
from inspector.signoff.storage import SignoffStore
from tests.push.fakes.apns_server import FakeApns
from tests.push.fakes.fcm_server import FakeFcm
from tests.signoff.conftest import APP, TOKENS, Desk, register_team

SALE = Compose(title="Spring sale", body="30% off", mark_as_test=False)


@pytest.fixture
def proof(desks: Callable[..., Desk], fcm: FakeFcm, apns: dict[str, FakeApns]) -> Proof:
    """A proof by ana that reached the team's three test devices."""
    ana = desks("ana")
    register_team(ana.journal)
    made = ana.proofs.send(ana.proofs.plan(APP, SALE))
    assert made.accepted == 3
    return made


def refusals(desk: Desk, action: str) -> list[str]:
    return [
        e.details["reason"]
        for e in desk.journal.entries(limit=500)
        if e.action == action and e.outcome == "refused"
    ]


def test_the_author_cannot_approve_their_own_proof(
    proof: Proof, desks: Callable[..., Desk]
) -> None:
    ana = desks("ana")
    with pytest.raises(SignoffRefused, match="its author cannot approve it"):
        ana.proofs.approve(proof.id)
    assert ana.proofs.proof(proof.id).signoffs == ()
    assert refusals(ana, "proof.approve") == [
        f"ana wrote proof {proof.id}: its author cannot approve it; another operator must"
    ]


def test_one_sign_off_per_operator(proof: Proof, desks: Callable[..., Desk]) -> None:
    bob = desks("bob")
    bob.proofs.approve(proof.id, "colours right on the iPad")
    with pytest.raises(SignoffRefused, match="bob already approved"):
        bob.proofs.approve(proof.id)
    with pytest.raises(SignoffRefused, match="one sign-off per operator"):
        bob.proofs.reject(proof.id, "changed my mind")
    after = bob.proofs.proof(proof.id)
    assert [(s.operator, s.decision) for s in after.signoffs] == [("bob", "approve")]
    assert after.status == "pending"


def test_the_configured_number_of_distinct_approvals_makes_it_approved(
    proof: Proof, desks: Callable[..., Desk]
) -> None:
    bob, carol = desks("bob"), desks("carol")
    assert bob.proofs.approve(proof.id).status == "pending"
    with pytest.raises(SignoffRefused, match="is pending \\(1 of 2 approvals\\)"):
        bob.proofs.export(proof.id)
    approved = carol.proofs.approve(proof.id, "ok on Android")
    assert approved.status == "approved" and approved.approvals == 2
    assert bob.proofs.proof(proof.id).status == "approved"  # as stored


def test_a_threshold_of_three(
    desks: Callable[..., Desk], fcm: FakeFcm, apns: dict[str, FakeApns]
) -> None:
    ana = desks("ana", approvals_required=3)
    register_team(ana.journal)
    made = ana.proofs.send(ana.proofs.plan(APP, SALE))
    assert made.approvals_required == 3
    for name in ("bob", "carol"):
        assert desks(name).proofs.approve(made.id).status == "pending"
    assert desks("dave").proofs.approve(made.id).status == "approved"


def test_a_rejection_after_approvals_makes_it_rejected(
    proof: Proof, desks: Callable[..., Desk]
) -> None:
    bob, carol, dave = desks("bob"), desks("carol"), desks("dave")
    bob.proofs.approve(proof.id)
    assert carol.proofs.approve(proof.id).status == "approved"
    rejected = dave.proofs.reject(proof.id, "the deep link opens the wrong screen")
    assert rejected.status == "rejected"
    with pytest.raises(SignoffRefused, match="is rejected"):
        bob.proofs.export(proof.id)
    with pytest.raises(SignoffRefused, match="was rejected by dave"):
        desks("erin").proofs.approve(proof.id)


def test_a_rejection_needs_a_comment(proof: Proof, desks: Callable[..., Desk]) -> None:
    bob = desks("bob")
    with pytest.raises(SignoffRefused, match="needs a comment"):
        bob.proofs.reject(proof.id, "  ")
    with pytest.raises(SignoffRefused, match="control or invisible"):
        bob.proofs.reject(proof.id, "fine\x1b[31m")


def test_the_export_is_the_approved_payload_with_its_sign_offs(
    proof: Proof, desks: Callable[..., Desk]
) -> None:
    bob, carol = desks("bob"), desks("carol")
    bob.proofs.approve(proof.id, "iOS ok")
    carol.proofs.approve(proof.id)
    doc = desks("ana").proofs.export(proof.id)
    assert doc["status"] == "approved" and doc["proof_id"] == proof.id
    assert doc["payload"] == {
        "title": "Spring sale", "body": "30% off", "data": {}, "deep_link": None,
        "mark_as_test": False,
    }  # fmt: skip
    assert doc["payload_sha256"] == proof.payload_sha256
    assert [(s["operator"], s["decision"], s["comment"]) for s in doc["sign_offs"]] == [
        ("bob", "approve", "iOS ok"),
        ("carol", "approve", None),
    ]
    assert all(s["at"].endswith("+00:00") for s in doc["sign_offs"])
    assert not any(token in str(doc) for token in TOKENS.values())


def test_a_proof_nobody_received_cannot_be_approved(
    desks: Callable[..., Desk], fcm: FakeFcm, apns: dict[str, FakeApns]
) -> None:
    ana = desks("ana")
    register_team(ana.journal)
    fcm.mode = "UNAVAILABLE"
    for fake in apns.values():
        fake.mode = "ServiceUnavailable"
    made = ana.proofs.send(ana.proofs.plan(APP, SALE))
    assert made.accepted == 0
    with pytest.raises(SignoffRefused, match="no test device accepted"):
        desks("bob").proofs.approve(made.id)
    # A rejection is always possible.
    assert desks("bob").proofs.reject(made.id, "never arrived").status == "rejected"


def test_an_altered_payload_cannot_be_signed_off_nor_exported(
    proof: Proof, desks: Callable[..., Desk]
) -> None:
    bob, carol = desks("bob"), desks("carol")
    bob.proofs.approve(proof.id)
    carol.proofs.approve(proof.id)
    with bob.db.engine.begin() as conn:  # behind the inspector's back
        conn.execute(
            text("UPDATE signoff_proofs SET payload = :p WHERE id = :i"),
            {"p": proof.payload_text.replace("30%", "90%"), "i": proof.id},
        )
    with pytest.raises(SignoffRefused, match="does not match its hash"):
        bob.proofs.export(proof.id)
    with pytest.raises(SignoffRefused, match="does not match its hash"):
        desks("dave").proofs.approve(proof.id)


def test_an_unknown_proof_or_one_of_another_profile_is_not_found(
    proof: Proof, desks: Callable[..., Desk]
) -> None:
    bob = desks("bob")
    with pytest.raises(SignoffNotFound, match="no proof p-nope"):
        bob.proofs.approve("p-nope")
    # Another profile whose journal is the same database.
    other = ProofService(replace(bob.settings, profile="staging-eu"), None, bob.journal, bob.db)
    with pytest.raises(SignoffNotFound, match="belongs to profile default, not staging-eu"):
        other.approve(proof.id)
    assert other.proofs() == []


def test_every_decision_and_refusal_is_in_the_hash_chain(
    proof: Proof, desks: Callable[..., Desk]
) -> None:
    ana, bob, carol = desks("ana"), desks("bob"), desks("carol")
    with pytest.raises(SignoffRefused):
        ana.proofs.approve(proof.id)
    bob.proofs.approve(proof.id, "ok")
    with pytest.raises(SignoffRefused):
        bob.proofs.approve(proof.id)
    carol.proofs.reject(proof.id, "typo in the body")
    entries = [
        e
        for e in reversed(ana.journal.entries(limit=500))
        if e.action.startswith("proof.") and e.action != "proof.device"
    ]
    assert [(e.action, e.operator, e.outcome) for e in entries] == [
        ("proof.create", "ana", "ok"),
        ("proof.approve", "ana", "refused"),
        ("proof.approve", "bob", "ok"),
        ("proof.approve", "bob", "refused"),
        ("proof.reject", "carol", "ok"),
    ]
    signoffs = {s.operator: s.record_id for s in ana.proofs.proof(proof.id).signoffs}
    assert signoffs["bob"] == entries[2].record_id
    assert ana.journal.verify().ok


def test_two_operators_approving_at_once_both_count(
    proof: Proof, desks: Callable[..., Desk]
) -> None:
    """The proof's row is locked while a sign-off is added: neither approval can miss
    the other when the status is worked out."""
    import threading

    bob, carol = desks("bob"), desks("carol")
    barrier = threading.Barrier(2)
    results: dict[str, Proof] = {}

    def approve(desk: Desk) -> None:
        barrier.wait(timeout=30)
        results[desk.operator] = desk.proofs.approve(proof.id)

    threads = [threading.Thread(target=approve, args=(d,)) for d in (bob, carol)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(p.approvals for p in results.values()) == [1, 2]
    assert bob.proofs.proof(proof.id).status == "approved"


def test_the_tables_are_created_once_and_reopened(desks: Callable[..., Desk]) -> None:
    ana = desks("ana")
    again = SignoffStore.open(ana.settings)
    try:
        assert again.proofs(ana.settings.profile) == []
    finally:
        again.close()


def test_the_tables_record_their_version_once_and_refuse_a_newer_one(
    desks: Callable[..., Desk], dialect: str
) -> None:
    from inspector.journal import JournalError

    ana = desks("ana")
    SignoffStore.open(ana.settings).close()  # already there: nothing created again
    with ana.db.engine.begin() as conn:
        assert conn.execute(text("SELECT version FROM signoff_schema")).scalars().all() == [1]
        if dialect == "mariadb":
            where = "table_schema = DATABASE() AND table_name LIKE 'signoff%'"
            options = conn.execute(
                text(f"SELECT engine, table_collation FROM information_schema.tables WHERE {where}")
            ).all()
            assert len(options) == 5
            assert set(options) == {("InnoDB", "utf8mb4_bin")}
            precisions = conn.execute(
                text(
                    "SELECT DISTINCT datetime_precision FROM information_schema.columns"
                    f" WHERE {where} AND data_type = 'datetime'"
                )
            ).scalars()
            assert list(precisions) == [6]  # microseconds kept, as in the journal
        conn.execute(
            text("INSERT INTO signoff_schema (version, applied_at) VALUES (2, :at)"),
            {"at": datetime(2030, 1, 1)},
        )
    with pytest.raises(JournalError, match="sign-off tables have schema version 2, newer than"):
        SignoffStore.open(ana.settings)


def test_the_records_json_keeps_its_keys_order_and_value_forms() -> None:
    """The command line's JSON of plans, proofs and requests is a contract (README)."""
    from datetime import UTC, timedelta
    from typing import Any

    from inspector.signoff.records import (
        DeviceVerdict,
        ProofPlan,
        ProofSkip,
        ProofTarget,
        PushRequest,
        SignOff,
    )

    at = datetime(2026, 3, 1, 12, 30, 15, 250000, tzinfo=UTC)
    stamp = "2026-03-01T12:30:15.250000+00:00"
    device_keys = [
        "installation_id", "store", "label", "owner", "platform", "provider",
        "apns_environment", "token", "token_state",
    ]  # fmt: skip
    iphone = ("i-1", "eu", "Ana", "ana", "ios", "apns", "production", "a1…b2", "active")
    prepared: Any = None
    target = ProofTarget(*iphone, "device words", "route words", prepared)
    skip = ProofSkip("i-2", "", "Old Pixel", "bob", "dead_token", "dead", provider="fcm")
    plan = ProofPlan(
        APP, SALE, {"title": "Sale"}, "ab" * 32, 20, (target,), (skip,), "ana", "default",
        "staging", at,
    ).to_dict()  # fmt: skip
    assert list(plan) == [
        "app", "payload", "payload_sha256", "cap", "targets", "skipped", "operator", "profile",
        "environment",
    ]  # fmt: skip
    assert plan["targets"] == [dict(zip(device_keys, iphone, strict=True))]
    (skipped,) = plan["skipped"]
    assert list(skipped) == [*device_keys[:4], "skip", "reason", *device_keys[4:]]
    assert (skipped["skip"], skipped["provider"], skipped["token"]) == ("dead_token", "fcm", None)

    sent = DeviceVerdict(
        "p-1", *iphone, "accepted", None, "delivered", message_id="m-1", latency_ms=12.345,
        ambiguous=False, sent_at=at, finished_at=at.replace(tzinfo=None), record_id=8,
    )  # fmt: skip
    sign = SignOff("bob", "approve", None, at, 9)
    proof = Proof(
        "p-1", APP, "ana", "default", "staging", at, {"title": "Sale"}, "{}", "ab" * 32, 20, 2,
        "pending", (sent,), (sign,), 7,
    ).to_dict()  # fmt: skip
    assert list(proof) == [
        "proof_id", "app", "author", "profile", "environment", "created_at", "title",
        "payload_sha256", "status", "approvals", "approvals_required", "devices", "accepted",
        "cap", "payload", "record_id", "sends", "sign_offs",
    ]  # fmt: skip
    (verdict,) = proof["sends"]
    assert list(verdict) == [
        *device_keys, "status", "reason", "detail", "message_id", "latency_ms", "ambiguous",
        "sent_at", "finished_at", "record_id",
    ]  # fmt: skip
    # Rounded to a tenth of a millisecond; a naive time is UTC.
    assert [verdict[k] for k in ("latency_ms", "sent_at", "finished_at")] == [12.3, stamp, stamp]
    assert proof["sign_offs"] == [
        {"operator": "bob", "decision": "approve", "comment": None, "at": stamp, "record_id": 9}
    ]

    request = PushRequest(
        "r-1", "ana", "default", "staging", "i-1", "eu", "hash", "a1…b2", "an iPhone",
        {"title": "Sale"}, "{}", "ab" * 32, "cd" * 32, at, at + timedelta(minutes=30),
        approved_by="bob", approved_at=at, record_id=4,
    ).to_dict(at)  # fmt: skip
    assert list(request) == [
        "request_id", "state", "requester", "profile", "environment", "installation_id", "store",
        "token", "device", "payload", "payload_sha256", "combined_sha256", "created_at",
        "expires_at", "approved_by", "approved_at", "approve_comment", "rejected_by",
        "rejected_at", "reject_comment", "used_at", "record_id",
    ]  # fmt: skip
    assert [request[k] for k in ("request_id", "state", "approved_at", "expires_at")] == [
        "r-1", "approved", stamp, "2026-03-01T13:00:15.250000+00:00",
    ]  # fmt: skip
