"""APNs through httpx HTTP/2 against the fake APNs: the right host for the installation's
environment, the ES256 JWT and headers Apple checks, every documented error, faults."""

from __future__ import annotations

import json
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Any

import jwt
import pytest

from inspector.config import Settings
from inspector.fixtures.demo import ANA_IPAD, ANA_IPHONE, REINSTALL_NEW
from inspector.journal import Journal
from inspector.push import Compose, PushService
from inspector.push.apns import ApnsProvider
from inspector.push.model import Content, Outgoing, ProviderNotConfigured, compact_json
from inspector.push.payload import (
    KEY_OPERATOR,
    KEY_RECORD,
    TEST_PREFIX,
    build_payload,
    content_for,
)
from inspector.store.records import Installation
from inspector.store.repository import StoreRepository
from tests.push.conftest import OPERATOR, TOPIC, closed_port_url
from tests.push.fakes.apns_server import FakeApns
from tests.push.fakes.keys import APNS_KEY_ID, APNS_TEAM_ID, ApnsKey

HELLO = Compose(title="Hello", body="A test from the inspector", data={"screen": "cart"})


def send(service: PushService, iid: str = ANA_IPHONE, compose: Compose = HELLO):
    return service.send(service.prepare(iid, compose))


def test_send_posts_once_to_the_production_host(
    service: PushService,
    apns: dict[str, FakeApns],
    store: StoreRepository,
    journal: Journal,
    apns_key: ApnsKey,
) -> None:
    result = send(service)

    assert result.ok, result.explanation
    production, sandbox = apns["production"], apns["sandbox"]
    assert len(production.requests) == 1 and sandbox.requests == []
    request = production.requests[0]
    token = store.get(ANA_IPHONE).push_token
    assert request.path == f"/3/device/{token}"
    h = request.headers
    assert (h["apns-topic"], h["apns-push-type"], h["apns-priority"]) == (TOPIC, "alert", "10")
    assert int(h["apns-expiration"]) > time.time()
    assert h["apns-collapse-id"].startswith("inspector-")
    assert len(h["apns-collapse-id"].encode()) <= 64
    assert result.message_id == h["apns-id"]
    jwt_header = jwt.get_unverified_header(h["authorization"][len("bearer ") :])
    assert jwt_header == {"alg": "ES256", "kid": APNS_KEY_ID, "typ": "JWT"}
    claims = jwt.decode(h["authorization"][7:], apns_key.public_pem, algorithms=["ES256"])
    assert claims["iss"] == APNS_TEAM_ID
    body = json.loads(request.body)
    intent = journal.entries(installation_id=ANA_IPHONE)[1]
    assert intent.action == "push.intent"
    assert body["aps"]["alert"] == {
        "title": TEST_PREFIX + "Hello",
        "body": "A test from the inspector",
    }
    assert body[KEY_OPERATOR] == OPERATOR and body[KEY_RECORD] == str(intent.record_id)
    assert body["screen"] == "cart"


def test_sandbox_installation_goes_to_the_sandbox_host_only(
    service: PushService, apns: dict[str, FakeApns]
) -> None:
    result = send(service, ANA_IPAD)
    assert result.ok
    assert len(apns["sandbox"].requests) == 1 and apns["production"].requests == []
    assert "sandbox" in result.explanation


def test_ten_sends_reuse_one_connection_and_one_jwt(
    service: PushService, apns: dict[str, FakeApns]
) -> None:
    for _ in range(10):
        assert send(service, REINSTALL_NEW).ok
    production = apns["production"]
    assert len(production.requests) == 10
    assert production.connections == 1
    assert len(production.jwts) == 1
    assert service._providers["apns"].jwts_signed == 1


def test_many_threads_sending_at_once_share_one_connection_intact(
    settings: Settings, store: StoreRepository, apns: dict[str, FakeApns]
) -> None:
    """A proof's threads send over one connection at once: every stream reaches APNs
    intact. (httpx's sync HTTP/2 client, shared so, put HEADERS frames out of stream
    order, and the server ended the connection with every push on it.) Thread switches
    are forced as often as the interpreter allows, to open every window."""
    installation = store.get(REINSTALL_NEW)
    content = content_for(installation, HELLO, OPERATOR)
    push = Outgoing(installation, content, build_payload(installation, content))
    provider = ApnsProvider(settings)
    switch = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        for _ in range(10):
            start = threading.Barrier(20)

            def one(_n: int, start: threading.Barrier = start) -> Any:
                start.wait()
                return provider.send(push, dry_run=False)

            with ThreadPoolExecutor(20) as pool:
                results = list(pool.map(one, range(20)))
            assert all(r.ok for r in results), {r.reason for r in results if not r.ok}
    finally:
        sys.setswitchinterval(switch)
        provider.close()
    production = apns["production"]
    assert len(production.requests) == 200
    assert production.connections == 1


ERRORS = [
    ("BadDeviceToken", 400, "token of the other environment"),
    ("DeviceTokenNotForTopic", 400, "another app than topic com.example.shop"),
    ("PayloadTooLarge", 413, "4096-byte limit"),
    ("InvalidProviderToken", 403, "key id, team id or .p8 key"),
    ("ExpiredProviderToken", 403, "older than an hour"),
    ("TooManyProviderTokenUpdates", 429, "renewed too often"),
    ("Unregistered", 410, "no longer valid for topic com.example.shop since 2025-11-24"),
    ("InternalServerError", 500, "internal error"),
    ("ServiceUnavailable", 503, "unavailable right now"),
]


@pytest.mark.parametrize(("reason", "status", "words"), ERRORS)
def test_every_apns_error_is_reported_in_words(
    service: PushService,
    apns: dict[str, FakeApns],
    journal: Journal,
    reason: str,
    status: int,
    words: str,
) -> None:
    apns["production"].mode = reason
    result = send(service)

    assert (result.ok, result.status, result.reason) == (False, status, reason)
    assert words in result.explanation
    assert len(apns["production"].requests) == 1
    assert journal.entries(installation_id=ANA_IPHONE)[0].outcome == reason


def test_429_with_retry_after_returns_at_once_with_the_retry_time(
    service: PushService, apns: dict[str, FakeApns]
) -> None:
    apns["production"].mode = "retry_after"
    result = send(service)
    assert (result.status, result.reason, result.retry_after_s) == (429, "TooManyRequests", 3600)
    assert "retry after" in result.explanation and "(in 60 min)" in result.explanation
    assert len(apns["production"].requests) == 1


def test_a_wrong_team_id_is_rejected_by_the_jwt_check(
    make_settings: Callable[..., Settings],
    make_service: Callable[..., PushService],
    apns: dict[str, FakeApns],
) -> None:
    service = make_service(make_settings(apns_team_id="OTHERTEAM1"))
    result = send(service)
    assert (result.status, result.reason) == (403, "InvalidProviderToken")


def test_read_timeout_is_ambiguous_and_not_retried(
    make_settings: Callable[..., Settings],
    make_service: Callable[..., PushService],
    apns: dict[str, FakeApns],
) -> None:
    service = make_service(make_settings(push_read_timeout="0.3"))
    apns["production"].mode = "timeout"
    result = send(service)
    assert (result.reason, result.ambiguous) == ("TIMEOUT", True)
    assert "Nothing was retried" in result.explanation
    assert len(apns["production"].requests) == 1
    apns["production"].mode = "ok"
    assert send(service, REINSTALL_NEW).ok  # the provider stays usable


def test_connection_reset_is_ambiguous_and_the_next_send_reconnects(
    service: PushService, apns: dict[str, FakeApns]
) -> None:
    production = apns["production"]
    production.mode = "reset"
    result = send(service)
    assert (result.reason, result.ambiguous) == ("CONNECTION_LOST", True)
    assert len(production.requests) == 1
    production.mode = "ok"
    assert send(service, REINSTALL_NEW).ok
    assert production.connections == 2


def test_unreachable_host_sends_nothing(
    make_settings: Callable[..., Settings],
    make_service: Callable[..., PushService],
) -> None:
    service = make_service(make_settings(apns_url_production=closed_port_url()))
    result = send(service)
    assert (result.reason, result.ambiguous) == ("UNREACHABLE", False)


def test_dry_run_builds_the_request_and_sends_nothing(
    service: PushService, apns: dict[str, FakeApns], journal: Journal
) -> None:
    result = service.send(service.prepare(ANA_IPHONE, HELLO), dry_run=True)
    assert result.ok and result.dry_run
    assert "Not sent: APNs has no dry run" in result.explanation
    assert apns["production"].requests == [] and apns["sandbox"].requests == []
    assert journal.last_send_to(ANA_IPHONE) is None


def test_check_token_says_apns_has_no_dry_run(
    service: PushService, apns: dict[str, FakeApns]
) -> None:
    result = service.check_token(ANA_IPHONE)
    assert (result.ok, result.reason) == (False, "NO_DRY_RUN")
    assert "APNs has no dry run" in result.explanation
    assert apns["production"].requests == []


# -- the provider on its own, with a controlled clock --------------------------------


@pytest.fixture
def make_provider(settings: Settings) -> Iterator[Callable[..., ApnsProvider]]:
    """ApnsProvider made directly, closed after the test; its clock runs `offset[0]` s
    from the real one, so a test moves time by setting offset[0]."""
    made: list[ApnsProvider] = []

    def make(offset: list[float] | None = None) -> ApnsProvider:
        if offset is None:
            provider = ApnsProvider(settings)
        else:
            provider = ApnsProvider(settings, clock=lambda: time.time() + offset[0])
        made.append(provider)
        return provider

    yield make
    for provider in made:
        provider.close()


@pytest.fixture
def iphone(store: StoreRepository) -> tuple[Installation, Content]:
    """Ana's iPhone and the HELLO message as marked for it."""
    inst = store.get(ANA_IPHONE)
    assert inst is not None
    return inst, content_for(inst, HELLO, OPERATOR)


def test_jwt_is_signed_again_only_when_due(
    make_provider: Callable[..., ApnsProvider],
    iphone: tuple[Installation, Content],
    apns: dict[str, FakeApns],
) -> None:
    offset = [-41 * 60.0]
    provider = make_provider(offset)
    inst, content = iphone
    payload = {"aps": {"alert": "x"}}
    assert provider.send(Outgoing(inst, content, payload), dry_run=False).ok
    offset[0] = -40 * 60.0 + 30  # 30 s later: the JWT is 30 s young, kept
    assert provider.send(Outgoing(inst, content, payload), dry_run=False).ok
    assert provider.jwts_signed == 1
    offset[0] = 0.0  # 41 min after signing: due
    assert provider.send(Outgoing(inst, content, payload), dry_run=False).ok
    assert provider.jwts_signed == 2
    assert len(apns["production"].jwts) == 2


def test_expired_provider_token_is_replaced_for_the_next_send(
    make_provider: Callable[..., ApnsProvider],
    iphone: tuple[Installation, Content],
    apns: dict[str, FakeApns],
) -> None:
    offset = [-2 * 3600.0]
    provider = make_provider(offset)
    inst, content = iphone
    first = provider.send(Outgoing(inst, content, {"aps": {}}), dry_run=False)
    assert first.reason == "ExpiredProviderToken"
    offset[0] = 0.0
    assert provider.send(Outgoing(inst, content, {"aps": {}}), dry_run=False).ok
    assert provider.jwts_signed == 2


def test_the_fake_enforces_the_payload_limit(
    make_provider: Callable[..., ApnsProvider],
    iphone: tuple[Installation, Content],
    apns: dict[str, FakeApns],
) -> None:
    provider = make_provider()
    inst, content = iphone
    big = {"aps": {"alert": "x" * 4100}}
    assert len(compact_json(big)) > 4096
    result = provider.send(Outgoing(inst, content, big), dry_run=False)
    assert (result.status, result.reason) == (413, "PayloadTooLarge")


@pytest.mark.parametrize("field", ["apns_url_production", "apns_url_sandbox"])
def test_a_plain_http_apns_url_is_refused_whoever_built_the_settings(
    field: str, settings: Settings
) -> None:
    """The provider JWT goes over TLS, or to this machine (the fakes)."""
    with pytest.raises(ProviderNotConfigured) as caught:
        ApnsProvider(replace(settings, **{field: "http://apns.example.com"}))
    assert str(caught.value).startswith(f"INSPECTOR_{field.upper()} must be an https:// URL")
