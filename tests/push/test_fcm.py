"""FCM through pyfcm against the fake FCM: one request per send, every documented error,
OAuth through the service account's token_uri, and faults that never hang or retry."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from inspector.config import FcmCredential, Settings
from inspector.fixtures.demo import ANA_PIXEL, UNICODE_DEVICE, WEB
from inspector.journal import Journal
from inspector.push import Compose, PushService
from inspector.push.fcm import FcmProvider
from inspector.push.model import ProviderNotConfigured
from inspector.push.payload import KEY_OPERATOR, KEY_RECORD, TEST_PREFIX
from inspector.store.repository import StoreRepository
from tests.push.conftest import OPERATOR, closed_port_url
from tests.push.fakes.fcm_server import FakeFcm
from tests.push.fakes.keys import ServiceAccount

HELLO = Compose(title="Hello", body="A test from the inspector", data={"screen": "cart"})


def send(service: PushService, iid: str = UNICODE_DEVICE, compose: Compose = HELLO):
    return service.send(service.prepare(iid, compose))


def test_send_makes_one_request_to_one_token(
    service: PushService, fcm: FakeFcm, store: StoreRepository, journal: Journal
) -> None:
    result = send(service)

    assert result.ok, result.explanation
    assert len(fcm.requests) == 1
    request = fcm.requests[0]
    message = request.body["message"]
    assert request.project == "shop-prod"
    assert message["token"] == store.get(UNICODE_DEVICE).push_token
    assert "topic" not in message and "condition" not in message
    assert request.body["validate_only"] is False
    assert request.authorization is not None and request.authorization[7:] in fcm.issued
    assert fcm.token_requests == 1
    assert message["notification"] == {
        "title": TEST_PREFIX + "Hello",
        "body": "A test from the inspector",
    }
    intent, outcome = sorted(
        (e for e in journal.entries(installation_id=UNICODE_DEVICE)), key=lambda e: e.record_id
    )
    assert message["data"] == {
        "screen": "cart",
        KEY_OPERATOR: OPERATOR,
        KEY_RECORD: str(intent.record_id),
    }
    assert message["android"]["collapse_key"].startswith("inspector-")
    assert result.message_id == json.loads(json.dumps(result.message_id))
    assert result.message_id.startswith("projects/shop-prod/messages/")
    assert (intent.action, outcome.action) == ("push.intent", "push.outcome")
    assert outcome.outcome == "ok"
    assert outcome.details["intent"] == intent.record_id
    assert outcome.details["message_id"] == result.message_id


def test_oauth_token_is_reused_across_sends(service: PushService, fcm: FakeFcm) -> None:
    assert send(service).ok
    assert send(service, WEB).ok
    assert len(fcm.requests) == 2
    assert fcm.token_requests == 1
    web = fcm.requests[1].body["message"]
    assert web["webpush"]["notification"]["tag"].startswith("inspector-")
    assert "android" not in web


ERRORS = [
    ("INVALID_ARGUMENT", 400, "malformed"),
    ("THIRD_PARTY_AUTH_ERROR", 401, "APNs key or web-push credentials"),
    ("SENDER_ID_MISMATCH", 403, "another Firebase project than shop-prod"),
    ("UNREGISTERED", 404, "The token is dead"),
    ("QUOTA_EXCEEDED", 429, "quota is used up"),
    ("INTERNAL", 500, "internal error"),
    ("UNAVAILABLE", 503, "overloaded or unavailable"),
]


@pytest.mark.parametrize(("code", "status", "words"), ERRORS)
def test_every_fcm_error_is_reported_from_its_error_code(
    service: PushService, fcm: FakeFcm, journal: Journal, code: str, status: int, words: str
) -> None:
    fcm.mode = code
    result = send(service)

    assert not result.ok
    assert (result.status, result.reason) == (status, code)
    assert words in result.explanation
    # pyfcm would retry 502/503 and sleep on Retry-After: one request, no sleep.
    assert len(fcm.requests) == 1
    if status in (429, 503):
        assert result.retry_after_s == 3600
        assert "retry after" in result.explanation and "(in 60 min)" in result.explanation
    outcome = journal.entries(installation_id=UNICODE_DEVICE)[0]
    assert (outcome.action, outcome.outcome) == ("push.outcome", code)


def test_check_token_is_validate_only_and_not_a_send(
    service: PushService, fcm: FakeFcm, journal: Journal
) -> None:
    result = service.check_token(UNICODE_DEVICE)

    assert result.ok and result.dry_run
    assert "validated" in result.explanation
    assert len(fcm.requests) == 1
    assert fcm.requests[0].body["validate_only"] is True
    actions = [e.action for e in journal.entries(installation_id=UNICODE_DEVICE)]
    assert actions == ["token.check", "token.check"]
    assert journal.last_send_to(UNICODE_DEVICE) is None


def test_check_token_reports_a_dead_token(
    service: PushService, fcm: FakeFcm, store: StoreRepository
) -> None:
    fcm.token_modes[store.get(ANA_PIXEL).push_token] = "UNREGISTERED"
    result = service.check_token(ANA_PIXEL)
    assert (result.reason, result.dry_run) == ("UNREGISTERED", True)
    assert fcm.requests[0].body["validate_only"] is True


def test_dry_run_send_validates_the_composed_message(service: PushService, fcm: FakeFcm) -> None:
    prepared = service.prepare(UNICODE_DEVICE, HELLO)
    result = service.send(prepared, dry_run=True)
    assert result.ok and result.dry_run
    assert fcm.requests[0].body["validate_only"] is True
    assert fcm.requests[0].body["message"]["notification"]["title"] == TEST_PREFIX + "Hello"


def test_read_timeout_is_reported_and_not_retried(
    make_settings: Callable[..., Settings],
    make_service: Callable[..., PushService],
    fcm: FakeFcm,
    journal: Journal,
) -> None:
    service = make_service(make_settings(push_read_timeout="0.3"))
    fcm.mode = "timeout"
    result = send(service)

    assert (result.ok, result.reason, result.ambiguous) == (False, "TIMEOUT", True)
    assert "may or may not have been delivered" in result.explanation
    assert "Nothing was retried" in result.explanation
    assert len(fcm.requests) == 1
    assert journal.entries(installation_id=UNICODE_DEVICE)[0].outcome == "TIMEOUT"
    fcm.mode = "ok"
    assert send(service, WEB).ok  # the provider stays usable


def test_connection_reset_is_ambiguous_and_not_retried(service: PushService, fcm: FakeFcm) -> None:
    fcm.mode = "reset"
    result = send(service)
    assert (result.reason, result.ambiguous) == ("CONNECTION_LOST", True)
    assert len(fcm.requests) == 1


def test_unreachable_fcm_sends_nothing(
    make_settings: Callable[..., Settings],
    make_service: Callable[..., PushService],
    fcm: FakeFcm,
) -> None:
    service = make_service(make_settings(fcm_url=closed_port_url()))
    result = send(service)
    assert (result.reason, result.ambiguous) == ("UNREACHABLE", False)
    assert "nothing was sent" in result.explanation


def test_slow_oauth_is_bounded_and_sends_nothing(
    make_settings: Callable[..., Settings],
    make_service: Callable[..., PushService],
    fcm: FakeFcm,
) -> None:
    service = make_service(make_settings(push_read_timeout="0.3"))
    fcm.mode = "slow_oauth"
    result = send(service)
    assert result.reason == "OAUTH_UNAVAILABLE"
    assert "nothing was sent to FCM" in result.explanation
    assert fcm.token_requests == 1
    assert fcm.requests == []


def test_oauth_refusal_is_reported_once_without_secrets(
    service: PushService, fcm: FakeFcm, service_account
) -> None:
    fcm.mode = "oauth_denied"
    result = send(service)
    assert result.reason == "OAUTH_REJECTED"
    assert "invalid_grant" in result.explanation
    assert fcm.token_requests == 1  # google-auth would retry with sleeps; we do not
    assert fcm.requests == []
    assert "PRIVATE KEY" not in result.explanation


def test_a_refused_oauth_token_is_replaced_for_the_next_send(
    service: PushService, fcm: FakeFcm
) -> None:
    assert send(service).ok
    fcm.issued.clear()  # the token is revoked
    refused = send(service)
    assert (refused.status, refused.reason) == (401, "UNAUTHENTICATED")
    assert "a fresh one is fetched for the next send" in refused.explanation
    assert len(fcm.requests) == 2  # not resent by itself
    assert send(service, WEB).ok
    assert fcm.token_requests == 2


@pytest.mark.parametrize(
    "token_uri", ["http://oauth.example.com/token", "ftp://127.0.0.1/token", "/token"]
)
def test_a_token_uri_in_clear_text_is_refused(
    token_uri: str,
    settings: Settings,
    service_account: ServiceAccount,
    tmp_path: Path,
    store: StoreRepository,
    fcm: FakeFcm,
) -> None:
    """The signed assertion that buys a bearer token goes over TLS or to this machine:
    refused when the account is loaded for its first send, before any request."""
    path = service_account.write(tmp_path / "sa.json", token_uri)
    provider = FcmProvider(replace(settings, fcm=(FcmCredential(None, path),)))
    try:
        with pytest.raises(ProviderNotConfigured) as caught:
            provider.problem(store.get(UNICODE_DEVICE))
    finally:
        provider.close()
    message = str(caught.value)
    assert message.startswith("INSPECTOR_FCM_CREDENTIALS: the token_uri of sa.json must be")
    assert "https://" in message and "\n" not in message and str(tmp_path) not in message
    assert fcm.token_requests == 0 and fcm.requests == []


def test_an_https_token_uri_is_taken(
    settings: Settings, service_account: ServiceAccount, tmp_path: Path, store: StoreRepository
) -> None:
    path = service_account.write(tmp_path / "sa.json", "https://oauth2.googleapis.com/token")
    provider = FcmProvider(replace(settings, fcm=(FcmCredential(None, path),)))
    try:
        assert provider.problem(store.get(UNICODE_DEVICE)) is None
        assert provider.accounts_loaded == 1
    finally:
        provider.close()


def test_a_plain_http_fcm_url_is_refused_whoever_built_the_settings(settings: Settings) -> None:
    with pytest.raises(ProviderNotConfigured, match=r"^INSPECTOR_FCM_URL must be an https://"):
        FcmProvider(replace(settings, fcm_url="http://fcm.example.com"))


def test_a_proofs_worth_of_sends_at_once_keeps_every_connection(
    settings: Settings, fcm: FakeFcm, store: StoreRepository, caplog: pytest.LogCaptureFixture
) -> None:
    """As many sends in flight as a proof has threads: the pool keeps every connection
    (no "pool is full" warning, no connection thrown away and opened again)."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from inspector.push.model import Outgoing
    from inspector.push.payload import build_payload, content_for
    from inspector.push.transport import MAX_CONCURRENT_SENDS

    installation = store.get(UNICODE_DEVICE)
    assert installation is not None
    content = content_for(installation, HELLO, OPERATOR)
    outgoing = Outgoing(installation, content, build_payload(installation, content))
    provider = FcmProvider(settings)
    assert provider.send(outgoing, dry_run=False).ok  # the OAuth token, fetched once
    # The fake answers no send before all are in flight: each has its own connection.
    barrier = threading.Barrier(MAX_CONCURRENT_SENDS, timeout=10)
    fcm.on_request = barrier.wait

    def round_of_sends() -> list[bool]:
        with ThreadPoolExecutor(MAX_CONCURRENT_SENDS) as pool:
            futures = [
                pool.submit(provider.send, outgoing, dry_run=False)
                for _ in range(MAX_CONCURRENT_SENDS)
            ]
            return [f.result().ok for f in futures]

    try:
        with caplog.at_level("WARNING", logger="urllib3.connectionpool"):
            assert all(round_of_sends())
            opened = fcm.connections
            assert all(round_of_sends())
    finally:
        provider.close()
    assert not [r for r in caplog.records if "pool is full" in r.getMessage()]
    assert fcm.connections == opened  # the second round reused the first one's
    assert len(fcm.requests) == 2 * MAX_CONCURRENT_SENDS + 1
