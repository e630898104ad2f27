"""A proof against the local fakes, on every journal dialect: one single-device request per
test device of the app, each to its own token and host, none to anyone else; skipped
devices named with their reason; a fault or a slow device on one row only; the proof and
each device's verdict on the record."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from inspector.fixtures.demo import WEB
from inspector.push import Compose
from inspector.signoff import DeviceVerdict, SignoffRefused
from tests.push.fakes.apns_server import FakeApns
from tests.push.fakes.fcm_server import FakeFcm
from tests.signoff.conftest import (
    APP,
    DEAD,
    GONE,
    IPAD,
    IPHONE,
    LABELS,
    MUTED,
    PIXEL,
    TOKENS,
    Desk,
    register_team,
)

SALE = Compose(
    title="Spring sale",
    body="30% off everything until Sunday",
    data={"screen": "sale"},
    deep_link="shop://sale",
    mark_as_test=False,
)
TARGETS = {IPHONE, IPAD, PIXEL}


def sent_tokens(fcm: FakeFcm, apns: dict[str, FakeApns]) -> dict[str, list[str]]:
    """Every token each fake was asked to reach."""
    return {
        "fcm": [r.body["message"]["token"] for r in fcm.requests],
        "production": [r.path.removeprefix("/3/device/") for r in apns["production"].requests],
        "sandbox": [r.path.removeprefix("/3/device/") for r in apns["sandbox"].requests],
    }


def test_a_proof_makes_one_request_per_test_device_each_to_its_own_token_and_host(
    desks: Callable[..., Desk], fcm: FakeFcm, apns: dict[str, FakeApns]
) -> None:
    ana = desks("ana")
    register_team(ana.journal, gone=True)
    plan = ana.proofs.plan(APP, SALE)
    assert {t.installation_id for t in plan.targets} == TARGETS
    skipped = {s.installation_id: s.kind for s in plan.skipped}
    # The web device is another app's: not listed at all.
    assert skipped == {DEAD: "dead_token", MUTED: "notifications_off", GONE: "not_in_store"}
    by_id = {t.installation_id: t for t in plan.targets}
    assert (by_id[IPHONE].provider, by_id[IPHONE].apns_environment) == ("apns", "production")
    assert (by_id[IPAD].provider, by_id[IPAD].apns_environment) == ("apns", "sandbox")
    assert (by_id[PIXEL].provider, by_id[PIXEL].apns_environment) == ("fcm", None)
    assert by_id[IPHONE].label == LABELS[IPHONE] and by_id[PIXEL].owner == "bob"
    assert TOKENS[IPHONE] not in json.dumps([t.to_dict() for t in plan.targets])
    # Planning sends nothing.
    assert sent_tokens(fcm, apns) == {"fcm": [], "production": [], "sandbox": []}

    proof = ana.proofs.send(plan)

    assert sent_tokens(fcm, apns) == {
        "fcm": [TOKENS[PIXEL]],
        "production": [TOKENS[IPHONE]],
        "sandbox": [TOKENS[IPAD]],
    }
    (fcm_request,) = fcm.requests
    assert "topic" not in fcm_request.body["message"]
    assert "condition" not in fcm_request.body["message"]
    assert fcm_request.body["message"]["notification"]["title"] == "Spring sale"  # unmarked
    statuses = {d.installation_id: d.status for d in proof.devices}
    assert statuses == {
        IPHONE: "accepted", IPAD: "accepted", PIXEL: "accepted",
        DEAD: "skipped", MUTED: "skipped", GONE: "skipped",
    }  # fmt: skip
    assert proof.status == "pending" and proof.author == "ana" and proof.accepted == 3
    assert proof.payload["title"] == "Spring sale" and len(proof.payload_sha256) == 64


def test_each_send_goes_through_the_single_device_sender_with_its_intent_first(
    desks: Callable[..., Desk], fcm: FakeFcm, apns: dict[str, FakeApns]
) -> None:
    ana = desks("ana")
    register_team(ana.journal)
    proof = ana.proofs.send(ana.proofs.plan(APP, SALE))
    entries = list(reversed(ana.journal.entries(limit=100)))
    actions = [e.action for e in entries]
    create = actions.index("proof.create")
    # The proof is on the record before any intent; each device: intent, outcome, verdict.
    assert actions.count("push.intent") == 3 and actions.index("push.intent") > create
    for iid in TARGETS:
        mine = [e.action for e in entries if e.installation_id == iid]
        assert mine == ["test_device.add", "push.intent", "push.outcome", "proof.device"]
    created = entries[create].details
    assert created["proof"] == proof.id and set(created["targets"]) == TARGETS
    assert created["payload_sha256"] == proof.payload_sha256
    # Every device's intent in one transaction before any request: consecutive records,
    # each naming the proof, all before the first outcome.
    intents = [e for e in entries if e.action == "push.intent"]
    ids = [e.record_id for e in intents]
    assert ids == list(range(ids[0], ids[0] + 3))
    assert {e.details["proof"] for e in intents} == {proof.id}
    first_outcome = min(e.record_id for e in entries if e.action == "push.outcome")
    assert max(ids) < first_outcome
    assert ana.journal.verify().ok


def test_the_device_timeline_shows_the_proof_that_reached_it(
    desks: Callable[..., Desk], fcm: FakeFcm, apns: dict[str, FakeApns]
) -> None:
    ana = desks("ana")
    register_team(ana.journal)
    proof = ana.proofs.send(ana.proofs.plan(APP, SALE))
    (entry,) = [e for e in ana.journal.entries(installation_id=IPAD) if e.action == "proof.device"]
    assert entry.details["proof"] == proof.id and entry.outcome == "accepted"


def test_a_fault_on_one_device_leaves_the_others_verdicts_intact(
    desks: Callable[..., Desk], fcm: FakeFcm, apns: dict[str, FakeApns]
) -> None:
    ana = desks("ana")
    register_team(ana.journal)
    fcm.token_modes[TOKENS[PIXEL]] = "reset"
    apns["sandbox"].token_modes[TOKENS[IPAD]] = "BadDeviceToken"
    seen: list[DeviceVerdict] = []
    proof = ana.proofs.send(ana.proofs.plan(APP, SALE), on_verdict=seen.append)
    statuses = {d.installation_id: (d.status, d.reason) for d in proof.devices if d.reason != ""}
    assert statuses[IPHONE] == ("accepted", None)
    assert statuses[IPAD] == ("rejected", "BadDeviceToken")
    assert statuses[PIXEL][0] == "failed"
    assert {v.installation_id: v.status for v in seen} == {
        IPHONE: "accepted", IPAD: "rejected", PIXEL: "failed",
    }  # fmt: skip
    assert len(fcm.requests) == 1  # a reset is not retried


def test_a_slow_device_does_not_hold_up_the_others(
    desks: Callable[..., Desk], fcm: FakeFcm, apns: dict[str, FakeApns]
) -> None:
    ana = desks("ana", push_read_timeout="1")
    register_team(ana.journal)
    apns["sandbox"].token_modes[TOKENS[IPAD]] = "timeout"  # never answers
    arrived: list[str] = []

    def on_verdict(v: DeviceVerdict) -> None:
        arrived.append(v.installation_id)

    proof = ana.proofs.send(ana.proofs.plan(APP, SALE), on_verdict=on_verdict)
    assert arrived[-1] == IPAD and set(arrived) == TARGETS
    ipad = next(d for d in proof.devices if d.installation_id == IPAD)
    assert ipad.status == "failed" and ipad.ambiguous is True


def test_a_broken_callback_costs_no_device_its_verdict(
    desks: Callable[..., Desk], fcm: FakeFcm, apns: dict[str, FakeApns]
) -> None:
    ana = desks("ana")
    register_team(ana.journal)

    def broken(v: DeviceVerdict) -> None:
        raise RuntimeError("display gone")

    proof = ana.proofs.send(ana.proofs.plan(APP, SALE), on_verdict=broken)
    assert proof.accepted == 3


def test_the_cap_sends_to_at_most_that_many_and_names_the_rest(
    desks: Callable[..., Desk], fcm: FakeFcm, apns: dict[str, FakeApns]
) -> None:
    ana = desks("ana")
    register_team(ana.journal)
    plan = ana.proofs.plan(APP, SALE, cap=2)
    assert len(plan.targets) == 2
    over = [s for s in plan.skipped if s.kind == "over_cap"]
    assert len(over) == 1 and "cap" in over[0].reason
    ana.proofs.send(plan)
    assert sum(len(v) for v in sent_tokens(fcm, apns).values()) == 2
    with pytest.raises(SignoffRefused, match="from 1 to 100"):
        ana.proofs.plan(APP, SALE, cap=101)


def test_a_proof_counts_as_one_action_against_the_operators_rate_limit(
    desks: Callable[..., Desk], fcm: FakeFcm, apns: dict[str, FakeApns]
) -> None:
    ana = desks("ana", push_max_per_minute="2")
    register_team(ana.journal)
    # Three devices each time, within a limit of two actions a minute: two proofs pass.
    assert ana.proofs.send(ana.proofs.plan(APP, SALE)).accepted == 3
    assert ana.proofs.send(ana.proofs.plan(APP, SALE)).accepted == 3
    with pytest.raises(SignoffRefused, match="rate limit: ana took 2 push actions"):
        ana.proofs.send(ana.proofs.plan(APP, SALE))
    assert len(fcm.requests) == 2


def test_the_device_cooldown_still_applies_to_each_device(
    desks: Callable[..., Desk], fcm: FakeFcm, apns: dict[str, FakeApns]
) -> None:
    ana = desks("ana", push_device_cooldown="3600")
    register_team(ana.journal)
    ana.push.send(ana.push.prepare(PIXEL, Compose(title="Hi", body="one push")))
    plan = ana.proofs.plan(APP, SALE)
    assert {t.installation_id for t in plan.targets} == {IPHONE, IPAD}
    (cooling,) = [s for s in plan.skipped if s.installation_id == PIXEL]
    assert cooling.kind == "refused" and "wait" in cooling.reason
    ana.proofs.send(plan)
    assert len(fcm.requests) == 1  # the earlier single push only


def test_the_cooldown_read_at_send_time_refuses_a_device_sent_to_since_the_plan(
    desks: Callable[..., Desk], fcm: FakeFcm, apns: dict[str, FakeApns]
) -> None:
    ana = desks("ana", push_device_cooldown="3600")
    register_team(ana.journal)
    plan = ana.proofs.plan(APP, SALE)
    ana.push.send(ana.push.prepare(PIXEL, Compose(title="Hi", body="in between")))
    proof = ana.proofs.send(plan)
    pixel = next(d for d in proof.devices if d.installation_id == PIXEL)
    assert pixel.status == "refused" and "wait" in (pixel.detail or "")
    assert len(fcm.requests) == 1 and proof.accepted == 2


def test_no_test_device_of_the_app_is_refused(
    desks: Callable[..., Desk], fcm: FakeFcm, apns: dict[str, FakeApns]
) -> None:
    ana = desks("ana")
    ana.journal.add_test_device(WEB, "Web", "ana")
    plan = ana.proofs.plan(APP, SALE)
    assert plan.targets == () and plan.skipped == ()
    with pytest.raises(SignoffRefused, match=r"no test device of app com\.example\.shop"):
        ana.proofs.send(plan)
    assert ana.proofs.proofs() == []


def test_the_off_policy_refuses_a_proof(
    desks: Callable[..., Desk], fcm: FakeFcm, apns: dict[str, FakeApns]
) -> None:
    ana = desks("ana", push_policy="off")
    register_team(ana.journal)
    with pytest.raises(SignoffRefused, match="sending is off"):
        ana.proofs.plan(APP, SALE)


def test_a_bad_compose_is_refused_in_words(
    desks: Callable[..., Desk], fcm: FakeFcm, apns: dict[str, FakeApns]
) -> None:
    ana = desks("ana")
    with pytest.raises(SignoffRefused, match="reserved"):
        ana.proofs.plan(APP, Compose(title="x", body="y", data={"aps": "1"}))
    with pytest.raises(SignoffRefused, match="needs an app"):
        ana.proofs.plan("  ", SALE)


def test_the_app_id_picks_one_platform(
    desks: Callable[..., Desk], fcm: FakeFcm, apns: dict[str, FakeApns]
) -> None:
    ana = desks("ana")
    register_team(ana.journal)
    plan = ana.proofs.plan("shop-ios", SALE)
    assert {t.installation_id for t in plan.targets} == {IPHONE, IPAD}
    assert {s.installation_id for s in plan.skipped} == {MUTED}


def test_a_device_whose_app_has_no_credential_is_skipped_with_the_reason(
    desks: Callable[..., Desk], fcm: FakeFcm, apns: dict[str, FakeApns]
) -> None:
    ana = desks("ana", fcm_credentials="")
    register_team(ana.journal)
    plan = ana.proofs.plan(APP, SALE)
    assert {t.installation_id for t in plan.targets} == {IPHONE, IPAD}
    (pixel,) = [s for s in plan.skipped if s.installation_id == PIXEL]
    assert pixel.kind == "no_credential" and "no FCM credential" in pixel.reason
    ana.proofs.send(plan)
    assert fcm.requests == [] and fcm.token_requests == 0


def test_a_device_taken_off_the_test_list_after_the_plan_is_refused_with_no_request(
    desks: Callable[..., Desk], fcm: FakeFcm, apns: dict[str, FakeApns]
) -> None:
    ana = desks("ana")
    register_team(ana.journal)
    plan = ana.proofs.plan(APP, SALE)
    ana.journal.remove_test_device(PIXEL)
    started: list[int] = []

    def on_started() -> None:
        started.append(sum(e.action == "push.intent" for e in ana.journal.entries(limit=100)))

    proof = ana.proofs.send(plan, on_started=on_started)
    pixel = next(d for d in proof.devices if d.installation_id == PIXEL)
    assert pixel.status == "refused" and "not a test device" in (pixel.detail or "")
    assert fcm.requests == [] and proof.accepted == 2
    # Called once, when every intent was written (the refused device has none).
    assert started == [2]


def test_a_proof_through_the_apps_providers_builds_and_opens_none_of_its_own(
    desks: Callable[..., Desk], fcm: FakeFcm, apns: dict[str, FakeApns]
) -> None:
    from inspector.signoff import ProofService
    from inspector.tui.signoff_desk import shared_providers

    ana = desks("ana")
    register_team(ana.journal)
    shared = shared_providers(ana.push)
    # Sharing builds nothing: the app's sender builds each provider when first used.
    assert set(shared) == {"fcm", "apns"}
    assert ana.push.providers() == {"fcm": None, "apns": None}
    proofs = ProofService(ana.settings, ana.store, ana.journal, ana.db, providers=shared)
    try:
        proof = proofs.send(proofs.plan(APP, SALE))
    finally:
        proofs.close()
    assert {d.installation_id for d in proof.devices if d.ok} == TARGETS
    # The proof's sends went through the providers the app's sender built and holds,
    # which the proof's close left open: the app's own send still goes out on them.
    built = ana.push.providers()
    assert built["fcm"] is not None and built["apns"] is not None
    assert shared_providers(ana.push) == built
    assert ana.push.send(ana.push.prepare(PIXEL, SALE)).ok
    assert len(fcm.requests) == 2
