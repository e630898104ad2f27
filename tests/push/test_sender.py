"""The single-target sender: policy, rate limits, the journal's intent before any request,
and the re-read of the installation between confirmation and send."""

from __future__ import annotations

import dataclasses
import json
import math
import sqlite3
from collections.abc import Callable

import pytest

from inspector.config import Settings
from inspector.fixtures.demo import ANA_IPHONE, ANA_PIXEL, OPTED_OUT, UNICODE_DEVICE, WEB
from inspector.journal import Journal
from inspector.push import (
    Compose,
    JournalUnavailable,
    PushError,
    PushRefused,
    PushService,
)
from inspector.push.policy import address_problem
from inspector.store.repository import StoreRepository
from tests.push.fakes.apns_server import FakeApns
from tests.push.fakes.fcm_server import FakeFcm

HELLO = Compose(title="Hello", body="A test from the inspector")


def provider_requests(fcm: FakeFcm, apns: dict[str, FakeApns]) -> int:
    return len(fcm.requests) + sum(len(f.requests) for f in apns.values())


# -- policy ------------------------------------------------------------------------


def test_policy_off_refuses_everything(
    make_settings: Callable[..., Settings],
    make_service: Callable[..., PushService],
    store: StoreRepository,
    fcm: FakeFcm,
    apns: dict[str, FakeApns],
) -> None:
    service = make_service(make_settings(push_policy="off"))
    assert "INSPECTOR_PUSH_POLICY=off" in service.policy_problem(store.get(UNICODE_DEVICE))
    with pytest.raises(PushRefused, match="sending is off"):
        service.prepare(UNICODE_DEVICE, HELLO)
    with pytest.raises(PushRefused, match="sending is off"):
        service.check_token(UNICODE_DEVICE)
    # A preview skips policy; sending it, even as a dry run, does not.
    preview = service.preview(store.get(UNICODE_DEVICE), HELLO)
    for dry_run in (True, False):
        with pytest.raises(PushRefused, match="sending is off"):
            service.send(preview, dry_run=dry_run)
    assert provider_requests(fcm, apns) == 0


def test_policy_test_devices_allows_only_registered_devices(
    service_with_journal: Callable[..., tuple[PushService, Journal]],
    fcm: FakeFcm,
    apns: dict[str, FakeApns],
) -> None:
    service, journal = service_with_journal(push_policy="test-devices")
    with pytest.raises(PushRefused, match="is not a test device"):
        service.prepare(UNICODE_DEVICE, HELLO)
    assert provider_requests(fcm, apns) == 0

    journal.add_test_device(UNICODE_DEVICE, "Li's Xiaomi", "ana")
    assert service.send(service.prepare(UNICODE_DEVICE, HELLO)).ok
    assert len(fcm.requests) == 1
    with pytest.raises(PushRefused, match="is not a test device"):
        service.prepare(WEB, HELLO)


def test_policy_approval_sends_to_test_devices_and_points_others_to_a_request(
    service_with_journal: Callable[..., tuple[PushService, Journal]],
    store: StoreRepository,
    fcm: FakeFcm,
    apns: dict[str, FakeApns],
) -> None:
    service, journal = service_with_journal(push_policy="approval")
    journal.add_test_device(UNICODE_DEVICE, "Li's Xiaomi", "ana")
    assert service.send(service.prepare(UNICODE_DEVICE, HELLO)).ok
    with pytest.raises(PushRefused) as refused:
        service.prepare(WEB, HELLO)
    assert str(refused.value) == (
        f"{WEB} is not a test device, and the policy here is approval: a send to it needs a"
        f" second person's approval; ask for one with `inspector push {WEB} … --request`,"
        " then send it with `inspector push --approved REQUEST_ID`"
    )
    with pytest.raises(PushRefused, match="the policy here is approval"):
        service.send(service.preview(store.get(WEB), HELLO))
    # An approval is used only through an approvals service, which this sender has not.
    with pytest.raises(PushRefused, match="has no approvals service"):
        service.prepare(WEB, HELLO, approved="r-0123456789")
    assert len(fcm.requests) == 1 and provider_requests(fcm, apns) == 1


def test_a_proofs_send_names_its_proof_in_the_intent(
    service_with_journal: Callable[..., tuple[PushService, Journal]], fcm: FakeFcm
) -> None:
    service, journal = service_with_journal()
    prepared = service.prepare(UNICODE_DEVICE, HELLO)
    with pytest.raises(PushRefused, match="is not a proof id"):
        service.send(prepared, proof="p-\x1b[2J")
    with pytest.raises(PushRefused, match="no send: it carries no approval nor proof"):
        service.send(prepared, proof="p-0123456789", dry_run=True)
    assert fcm.requests == []
    assert service.send(prepared, proof="p-0123456789").ok
    (intent,) = [e for e in journal.entries() if e.action == "push.intent"]
    assert intent.details["proof"] == "p-0123456789"
    assert "approval_request" not in intent.details


def test_removing_a_test_device_between_confirm_and_send_refuses(
    service_with_journal: Callable[..., tuple[PushService, Journal]],
    fcm: FakeFcm,
) -> None:
    service, journal = service_with_journal(push_policy="test-devices")
    journal.add_test_device(UNICODE_DEVICE, "Li's Xiaomi", "ana")
    prepared = service.prepare(UNICODE_DEVICE, HELLO)
    journal.remove_test_device(UNICODE_DEVICE)
    with pytest.raises(PushRefused, match="is not a test device"):
        service.send(prepared)
    assert fcm.requests == []


def test_policy_any_sends_to_any_device(service: PushService, fcm: FakeFcm) -> None:
    assert service.policy_problem(service.store.get(WEB)) is None
    assert service.send(service.prepare(WEB, HELLO)).ok


# -- rate limits -------------------------------------------------------------------


def test_operator_cap_per_minute(
    make_settings: Callable[..., Settings],
    make_service: Callable[..., PushService],
    fcm: FakeFcm,
) -> None:
    service = make_service(make_settings(push_max_per_minute="2"))
    for iid in (UNICODE_DEVICE, WEB):
        assert service.send(service.prepare(iid, HELLO)).ok
    with pytest.raises(PushRefused, match=r"rate limit: ana sent 2 test pushes in the last min"):
        service.prepare(OPTED_OUT, HELLO)
    assert len(fcm.requests) == 2


def test_device_cooldown(
    make_settings: Callable[..., Settings],
    make_service: Callable[..., PushService],
    fcm: FakeFcm,
) -> None:
    service = make_service(make_settings(push_device_cooldown="3600"))
    prepared = service.prepare(UNICODE_DEVICE, HELLO)
    assert service.send(prepared).ok
    with pytest.raises(PushRefused, match=r"this device got a test push \d+ s ago; wait \d+ s"):
        service.send(prepared)
    assert service.send(service.prepare(WEB, HELLO)).ok  # another device is not held back
    assert len(fcm.requests) == 2


def test_a_failed_send_still_counts_for_the_rate_limits(
    make_settings: Callable[..., Settings],
    make_service: Callable[..., PushService],
    fcm: FakeFcm,
) -> None:
    service = make_service(make_settings(push_device_cooldown="3600"))
    fcm.mode = "UNAVAILABLE"
    assert not service.send(service.prepare(UNICODE_DEVICE, HELLO)).ok
    with pytest.raises(PushRefused, match="cooldown"):
        service.prepare(UNICODE_DEVICE, HELLO)


# -- the journal comes first --------------------------------------------------------


def test_intent_is_written_before_the_request_and_the_outcome_after(
    service: PushService, fcm: FakeFcm, journal: Journal, store: StoreRepository
) -> None:
    result = service.send(service.prepare(UNICODE_DEVICE, HELLO))
    outcome, intent = journal.entries(installation_id=UNICODE_DEVICE)
    assert (intent.action, outcome.action) == ("push.intent", "push.outcome")
    assert intent.record_id < outcome.record_id
    # The request carried the intent's id: it existed before the request was made.
    assert fcm.requests[0].body["message"]["data"]["inspector_record"] == str(intent.record_id)
    assert intent.details["provider"] == "fcm"
    assert intent.details["title"] == "[TEST] Hello"
    assert outcome.details["message_id"] == result.message_id
    token = store.get(UNICODE_DEVICE).push_token
    for entry in (intent, outcome):
        assert token not in json.dumps(entry.details)
    assert journal.verify().ok


def test_a_journal_that_cannot_be_written_blocks_the_send(
    service_with_journal: Callable[..., tuple[PushService, Journal]],
    fcm: FakeFcm,
    apns: dict[str, FakeApns],
) -> None:
    service, _ = service_with_journal(statement_timeout="0.2")
    prepared = service.prepare(ANA_IPHONE, HELLO)
    # Another writer holds the journal's write lock past the busy timeout.
    blocker = sqlite3.connect(service.settings.journal_url.database, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(JournalUnavailable, match="nothing was sent"):
            service.send(prepared)
        with pytest.raises(JournalUnavailable, match="nothing was checked"):
            service.check_token(UNICODE_DEVICE)
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert provider_requests(fcm, apns) == 0


def test_no_journal_no_send(
    settings: Settings,
    make_service: Callable[..., PushService],
    fcm: FakeFcm,
) -> None:
    service = make_service(settings, journal_=None)
    with pytest.raises(JournalUnavailable, match="writes its intent first"):
        service.send(service.prepare(UNICODE_DEVICE, HELLO))
    assert fcm.requests == []


def test_outcome_that_cannot_be_written_is_said_in_the_result(
    service_with_journal: Callable[..., tuple[PushService, Journal]],
    fcm: FakeFcm,
) -> None:
    service, _ = service_with_journal(statement_timeout="0.2", push_read_timeout="5")
    holder: dict[str, sqlite3.Connection] = {}

    # The fake takes the journal's write lock when the request arrives.
    def lock_journal() -> None:
        conn = sqlite3.connect(
            service.settings.journal_url.database, isolation_level=None, check_same_thread=False
        )
        conn.execute("BEGIN IMMEDIATE")
        holder["conn"] = conn

    fcm.on_request = lock_journal
    try:
        result = service.send(service.prepare(UNICODE_DEVICE, HELLO))
    finally:
        fcm.on_request = None
        holder["conn"].execute("ROLLBACK")
        holder["conn"].close()
    assert result.ok
    assert "could not be written to the journal" in result.explanation
    assert len(fcm.requests) == 1


# -- one device, re-read ---------------------------------------------------------------


def test_a_changed_token_between_confirm_and_send_is_refused(
    service: PushService, fcm: FakeFcm
) -> None:
    prepared = service.prepare(UNICODE_DEVICE, HELLO)
    stale = dataclasses.replace(
        prepared, installation=dataclasses.replace(prepared.installation, push_token="old")
    )
    with pytest.raises(PushRefused, match="changed since the confirmation"):
        service.send(stale)
    assert fcm.requests == []


def test_unknown_installation_and_bad_ids_are_refused(service: PushService) -> None:
    with pytest.raises(PushRefused, match="no installation"):
        service.prepare("00000000-1111-2222-3333-444444444444", HELLO)
    with pytest.raises(PushRefused, match="1 to 64 characters"):
        service.prepare("x" * 65, HELLO)
    with pytest.raises(PushRefused, match="1 to 64 characters"):
        service.check_token("  ")


def test_apns_environment_is_never_guessed(service: PushService) -> None:
    inst = service.store.get(ANA_IPHONE)
    unknown = dataclasses.replace(inst, apns_environment=None)
    assert "APNs environment is unknown" in address_problem(unknown)
    assert "APNs environment is unknown" in service.policy_problem(unknown)


def test_token_shape_is_checked_before_any_request(service: PushService) -> None:
    inst = service.store.get(ANA_IPHONE)
    assert "no push token" in service.policy_problem(dataclasses.replace(inst, push_token=None))
    bad = dataclasses.replace(inst, push_token="../../3/device/other")
    assert "not a well-formed APNS token" in service.policy_problem(bad)


def test_warnings_for_a_dead_or_silent_device(service: PushService) -> None:
    dead = service.prepare(ANA_PIXEL, HELLO)
    assert any("unregistered" in w for w in dead.warnings)
    silent = service.prepare(OPTED_OUT, HELLO)
    assert any("notifications are turned off" in w for w in silent.warnings)


def test_missing_provider_configuration_is_one_line(
    make_settings: Callable[..., Settings],
    make_service: Callable[..., PushService],
    tmp_path,
) -> None:
    service = make_service(
        make_settings(fcm_credentials="", apns_key_file="", apns_key_id="", apns_team_id="")
    )
    with pytest.raises(PushRefused, match="set INSPECTOR_FCM_CREDENTIALS"):
        service.prepare(UNICODE_DEVICE, HELLO)
    with pytest.raises(PushRefused, match="set INSPECTOR_APNS_KEY_FILE, INSPECTOR_APNS_KEY_ID"):
        service.prepare(ANA_IPHONE, HELLO)
    broken = tmp_path / "broken.json"
    broken.write_text('{"type": "service_account", "private_key": "-----BEGIN PRIVATE KEY-----"}')
    service = make_service(make_settings(fcm_credentials=str(broken)))
    with pytest.raises(PushError, match="is not a service-account JSON") as caught:
        service.prepare(UNICODE_DEVICE, HELLO)
    assert "BEGIN" not in str(caught.value)


@pytest.mark.parametrize("field", ["push_device_cooldown_s", "push_max_per_minute"])
@pytest.mark.parametrize("value", [math.nan, math.inf, -1.0])
def test_a_limit_that_is_not_a_number_refuses_instead_of_disabling(
    field: str,
    value: float,
    make_settings: Callable[..., Settings],
    make_service: Callable[..., PushService],
    fcm: FakeFcm,
) -> None:
    # The environment cannot give these (load_settings refuses them); settings built
    # otherwise fail closed.
    service = make_service(dataclasses.replace(make_settings(), **{field: value}))
    with pytest.raises(PushRefused, match="not a limit: no send"):
        service.prepare(UNICODE_DEVICE, HELLO)
    assert fcm.requests == []


# -- its providers, shared with a proof's sender -------------------------------------


def test_its_providers_are_built_on_first_use_once_and_offered_as_built(
    service: PushService, store: StoreRepository, fcm: FakeFcm
) -> None:
    assert service.providers() == {"fcm": None, "apns": None}  # nothing built yet
    android = store.get(UNICODE_DEVICE)
    fcm_provider = service.provider_for(android)
    assert fcm_provider.name == "fcm"
    assert service.provider_for(android) is fcm_provider
    assert service.providers() == {"fcm": fcm_provider, "apns": None}
    # Its own sends go through the very provider it offered.
    assert service.send(service.prepare(UNICODE_DEVICE, HELLO)).ok
    assert service.providers()["fcm"] is fcm_provider
    assert len(fcm.requests) == 1
    with pytest.raises(PushRefused, match="unknown push provider 'pigeon'"):
        service.provider_for(dataclasses.replace(android, push_provider="pigeon"))
    assert service.providers() == {"fcm": fcm_provider, "apns": None}


def test_a_sender_given_providers_offers_those_and_builds_none(
    settings: Settings, store: StoreRepository, journal: Journal
) -> None:
    from inspector.push.simulated import SimulatedProvider

    simulated = SimulatedProvider()
    service = PushService(settings, store, journal, {"fcm": simulated})
    assert service.providers() == {"fcm": simulated}
    assert service.provider_for(store.get(UNICODE_DEVICE)) is simulated
    with pytest.raises(PushError, match="no APNS provider is configured"):
        service.provider_for(store.get(ANA_IPHONE))
    assert service.providers() == {"fcm": simulated}
