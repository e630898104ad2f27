"""One device per send, proven where it is easiest to get wrong: a customer with several
devices on the same provider, app and APNs environment. A send to one of them makes
exactly one request, for that device's token, and neither fake sees anything else."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
from sqlalchemy.engine import URL

from inspector.config import Settings
from inspector.fixtures.demo import APP_ANDROID, APP_IOS, build_demo_store
from inspector.fixtures.writer import bulk_insert
from inspector.journal import Journal
from inspector.lookup import parse_query
from inspector.push import Compose, PushService
from inspector.store.engine import open_writable_engine
from inspector.store.repository import StoreRepository
from tests.conftest import DEMO_NOW
from tests.push.fakes.apns_server import FakeApns
from tests.push.fakes.fcm_server import FakeFcm

CUSTOMER = "cust-family"
HELLO = Compose(title="Hello", body="only this phone")
# Three Android phones on one Firebase project, three iPhones on one APNs topic and
# environment, and one iPad on the other environment: the audience a widened send hits.
FCM_DEVICES = {f"f0000000-0000-4000-8000-00000000000{n}": f"fam{n}:APA91b{'x' * 140}{n}"
               for n in (1, 2, 3)}  # fmt: skip
APNS_DEVICES = {f"a0000000-0000-4000-8000-00000000000{n}": f"{n}" * 64 for n in (1, 2, 3)}
SANDBOX_DEVICE = ("a0000000-0000-4000-8000-000000000009", "9" * 64)
ALL_TOKENS = {*FCM_DEVICES.values(), *APNS_DEVICES.values(), SANDBOX_DEVICE[1]}


def _family_rows() -> list[dict[str, object]]:
    now = DEMO_NOW.replace(tzinfo=None)

    def row(iid: str, token: str, app: str, env: str | None) -> dict[str, object]:
        ios = app == APP_IOS
        return dict(
            installation_id=iid, app_id=app, custom_user_id=CUSTOMER, advertising_id=None,
            platform="ios" if ios else "android", device_brand="Apple" if ios else "Google",
            device_model="iPhone 16" if ios else "Pixel 9", os_version="18.1",
            app_version="6.2.0", sdk_version="4.8.1", language="en", region="US",
            timezone="UTC", push_provider="apns" if ios else "fcm", push_token=token,
            apns_environment=env, push_token_updated_at=now - timedelta(days=3),
            push_token_status="active", notifications_enabled=True,
            installed_at=now - timedelta(days=30), last_seen_at=now - timedelta(hours=1),
            attributes=None,
        )  # fmt: skip

    return [
        *(row(iid, token, APP_ANDROID, None) for iid, token in FCM_DEVICES.items()),
        *(row(iid, token, APP_IOS, "production") for iid, token in APNS_DEVICES.items()),
        row(*SANDBOX_DEVICE, APP_IOS, "sandbox"),
    ]


@pytest.fixture(scope="module")
def family_store_url(make_database: Callable[[str], URL]) -> URL:
    url = make_database("sqlite")
    build_demo_store(url, now=DEMO_NOW)
    engine = open_writable_engine(url)
    try:
        with engine.begin() as conn:
            bulk_insert(conn, "installations", _family_rows())
    finally:
        engine.dispose()
    return url


@pytest.fixture
def family_service(
    family_store_url: URL, make_settings: Callable[..., Settings]
) -> Iterator[PushService]:
    settings = make_settings(store_url=family_store_url.render_as_string(hide_password=False))
    store = StoreRepository.open(family_store_url)
    journal = Journal.open(settings)
    service = PushService(settings, store, journal)
    yield service
    service.close()
    journal.close()
    store.close()


def test_the_customer_has_several_devices_on_one_route(family_service: PushService) -> None:
    found = [m.installation for m in family_service.store.find(parse_query(CUSTOMER)).matches]
    routes = {
        (i.push_provider, i.app.app_id, i.apns_environment)
        for i in found
        if i.installation_id != SANDBOX_DEVICE[0]
    }
    assert len(found) == 7
    assert routes == {("fcm", APP_ANDROID, None), ("apns", APP_IOS, "production")}


@pytest.mark.parametrize("iid", list(FCM_DEVICES))
def test_an_fcm_send_to_one_of_a_customers_devices_is_one_request_for_its_token(
    iid: str, family_service: PushService, fcm: FakeFcm, apns: dict[str, FakeApns]
) -> None:
    result = family_service.send(family_service.prepare(iid, HELLO))
    assert result.ok, result.explanation
    assert len(fcm.requests) == 1
    (request,) = fcm.requests
    message = request.body["message"]
    assert request.project == "shop-prod"
    assert message["token"] == FCM_DEVICES[iid]
    assert "topic" not in message and "condition" not in message
    assert set(request.body) == {"message", "validate_only"}
    assert request.body["validate_only"] is False
    # No other device's token anywhere in what FCM received.
    sent = json.dumps(request.body)
    assert [t for t in ALL_TOKENS if t in sent] == [FCM_DEVICES[iid]]
    assert apns["production"].requests == [] and apns["sandbox"].requests == []


@pytest.mark.parametrize("iid", list(APNS_DEVICES))
def test_an_apns_send_to_one_of_a_customers_devices_is_one_request_for_its_token(
    iid: str, family_service: PushService, fcm: FakeFcm, apns: dict[str, FakeApns]
) -> None:
    result = family_service.send(family_service.prepare(iid, HELLO))
    assert result.ok, result.explanation
    assert [r.path for r in apns["production"].requests] == [f"/3/device/{APNS_DEVICES[iid]}"]
    (request,) = apns["production"].requests
    assert request.headers["apns-topic"] == "com.example.shop"
    assert request.headers[":method"] == "POST"
    # The token is in the path only: no header or body names any device's token.
    others = {k: v for k, v in request.headers.items() if k != ":path"}
    seen = request.body.decode() + json.dumps(others)
    assert [t for t in ALL_TOKENS if t in seen] == []
    assert apns["sandbox"].requests == []
    assert fcm.requests == []


def test_each_send_is_journalled_for_its_one_device(
    family_service: PushService, fcm: FakeFcm, apns: dict[str, FakeApns]
) -> None:
    journal = family_service.journal
    assert journal is not None
    targets = [next(iter(FCM_DEVICES)), next(iter(APNS_DEVICES))]
    for iid in targets:
        family_service.send(family_service.prepare(iid, HELLO))
    sent_to = [e.installation_id for e in reversed(journal.entries()) if e.action == "push.intent"]
    assert sent_to == targets
    assert len(fcm.requests) + sum(len(f.requests) for f in apns.values()) == 2
