"""A dry run is a validation: the off switch refuses it, the limits on sends do not, it
never counts as a send, and its refusals never speak of a send. An installation that is
not in the store is nothing found, for a send and a check alike."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from inspector.config import Settings
from inspector.errors import EXIT_NOT_FOUND, command_line_message, exit_code
from inspector.fixtures.demo import ANA_IPHONE, UNICODE_DEVICE, WEB
from inspector.journal import Journal
from inspector.push import (
    Compose,
    InstallationNotFound,
    JournalUnavailable,
    PushRefused,
    PushService,
    ValidationRefused,
)
from tests.push.fakes.apns_server import FakeApns
from tests.push.fakes.fcm_server import FakeFcm

HELLO = Compose(title="Hello", body="A test from the inspector")
MISSING = "00000000-1111-2222-3333-444444444444"


def validations(fcm: FakeFcm) -> list[bool]:
    return [bool(r.body.get("validate_only")) for r in fcm.requests]


def sends(journal: Journal) -> int:
    return sum(e.action == "push.intent" for e in journal.entries())


def test_the_off_switch_refuses_a_dry_run_in_words_of_a_validation(
    make_settings: Callable[..., Settings],
    make_service: Callable[..., PushService],
    fcm: FakeFcm,
    apns: dict[str, FakeApns],
) -> None:
    service = make_service(make_settings(push_policy="off"))
    refusals = []
    for attempt in (
        lambda: service.prepare(UNICODE_DEVICE, HELLO, dry_run=True),
        lambda: service.send(
            service.preview(service.store.get(UNICODE_DEVICE), HELLO), dry_run=True
        ),
        lambda: service.check_token(UNICODE_DEVICE),
        lambda: service.check_token(ANA_IPHONE),
    ):
        with pytest.raises(ValidationRefused) as caught:
            attempt()
        refusals.append(str(caught.value))
    for words in refusals:
        assert "INSPECTOR_PUSH_POLICY=off" in words and "dry runs and token checks" in words
        assert "not sent" not in words and "nothing was sent" not in words
    assert fcm.requests == [] and all(f.requests == [] for f in apns.values())


def test_the_command_line_says_a_refused_validation_without_speaking_of_a_send() -> None:
    line = command_line_message(ValidationRefused("sending is off here"))
    assert line == "not validated: sending is off here"
    assert exit_code(ValidationRefused("x")) == 2


def test_the_device_cooldown_does_not_hold_back_a_dry_run(
    make_settings: Callable[..., Settings],
    service_with_journal: Callable[..., tuple[PushService, Journal]],
    fcm: FakeFcm,
) -> None:
    service, journal = service_with_journal(push_device_cooldown="3600")
    assert service.send(service.prepare(UNICODE_DEVICE, HELLO)).ok
    with pytest.raises(PushRefused, match="cooldown 3600 s"):
        service.prepare(UNICODE_DEVICE, HELLO)
    prepared = service.prepare(UNICODE_DEVICE, HELLO, dry_run=True)
    assert service.send(prepared, dry_run=True).ok
    assert service.check_token(UNICODE_DEVICE).ok
    assert validations(fcm) == [False, True, True]
    assert sends(journal) == 1


def test_the_operator_cap_does_not_hold_back_a_dry_run(
    service_with_journal: Callable[..., tuple[PushService, Journal]],
    fcm: FakeFcm,
) -> None:
    service, journal = service_with_journal(push_max_per_minute="1")
    assert service.send(service.prepare(UNICODE_DEVICE, HELLO)).ok
    with pytest.raises(PushRefused, match="rate limit: ana sent 1 test pushes"):
        service.prepare(WEB, HELLO)
    for iid in (UNICODE_DEVICE, WEB):
        assert service.send(service.prepare(iid, HELLO, dry_run=True), dry_run=True).ok
    assert validations(fcm) == [False, True, True]
    assert sends(journal) == 1


def test_dry_runs_do_not_count_as_sends_afterwards(
    service_with_journal: Callable[..., tuple[PushService, Journal]],
    fcm: FakeFcm,
) -> None:
    service, journal = service_with_journal(push_max_per_minute="1", push_device_cooldown="3600")
    for _ in range(3):
        assert service.send(service.prepare(UNICODE_DEVICE, HELLO, dry_run=True), dry_run=True).ok
        assert service.check_token(UNICODE_DEVICE).ok
    assert journal.last_send_to(UNICODE_DEVICE) is None
    assert service.rate_problem(service.store.get(UNICODE_DEVICE)) is None
    assert service.send(service.prepare(UNICODE_DEVICE, HELLO)).ok  # the first send
    assert validations(fcm) == [True] * 6 + [False]
    assert sends(journal) == 1


def test_a_dry_run_of_a_device_not_on_the_test_list_is_validated(
    service_with_journal: Callable[..., tuple[PushService, Journal]],
    fcm: FakeFcm,
) -> None:
    service, _ = service_with_journal(push_policy="test-devices")
    with pytest.raises(PushRefused, match="is not a test device"):
        service.prepare(UNICODE_DEVICE, HELLO)
    assert service.send(service.prepare(UNICODE_DEVICE, HELLO, dry_run=True), dry_run=True).ok
    assert validations(fcm) == [True]


def test_a_dry_run_without_a_journal_says_nothing_was_checked(
    settings: Settings, make_service: Callable[..., PushService], fcm: FakeFcm
) -> None:
    service = make_service(settings, journal_=None)
    with pytest.raises(JournalUnavailable, match="nothing was checked") as caught:
        service.send(service.prepare(UNICODE_DEVICE, HELLO, dry_run=True), dry_run=True)
    assert "sent" not in str(caught.value)
    assert fcm.requests == []


def test_a_missing_installation_is_nothing_found_for_a_send_and_a_check(
    service: PushService, fcm: FakeFcm
) -> None:
    for attempt in (
        lambda: service.prepare(MISSING, HELLO),
        lambda: service.prepare(MISSING, HELLO, dry_run=True),
        lambda: service.check_token(MISSING),
    ):
        with pytest.raises(InstallationNotFound, match=f"no installation {MISSING} in the store"):
            attempt()
    assert fcm.requests == []


def test_a_missing_installation_exits_as_nothing_found() -> None:
    assert exit_code(InstallationNotFound(f"no installation {MISSING} in the store")) == (
        EXIT_NOT_FOUND
    )
