"""A team's test devices in a store, and the fake providers, for the UI's proofs and
approvals (pilot tests and bench_tui).

The demo store with seven more installations of the shop app (bundle id
com.example.shop on iOS and Android): the team's iPhone on production APNs, iPad on a
TestFlight (sandbox) build and Pixel on FCM, a dead one and a muted one; and a
customer's iPhone and Android phone that are never test devices.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy.engine import URL

from inspector.fixtures.demo import APP_ANDROID, APP_IOS, build_demo_store
from inspector.fixtures.writer import bulk_insert
from inspector.journal import Journal
from inspector.store.engine import open_writable_engine
from tests.conftest import DEMO_NOW
from tests.push.fakes.apns_server import FakeApns, KnownKey
from tests.push.fakes.fcm_server import FakeFcm
from tests.push.fakes.keys import ApnsKey, ServiceAccount

APP = "com.example.shop"
TEAM = "cust-team"
IPHONE = "7e000000-0000-4000-8000-000000000001"
IPAD = "7e000000-0000-4000-8000-000000000002"
PIXEL = "7e000000-0000-4000-8000-000000000003"
DEAD = "7e000000-0000-4000-8000-000000000004"
MUTED = "7e000000-0000-4000-8000-000000000005"
CUSTOMER_IPHONE = "7e000000-0000-4000-8000-000000000006"
CUSTOMER_ANDROID = "7e000000-0000-4000-8000-000000000007"
TOKENS = {
    IPHONE: "a1" * 32,
    IPAD: "b2" * 32,
    PIXEL: "team-pixel:APA91b" + "p" * 140,
    DEAD: "team-dead:APA91b" + "d" * 140,
    MUTED: "c3" * 32,
    CUSTOMER_IPHONE: "d4" * 32,
    CUSTOMER_ANDROID: "team-other:APA91b" + "o" * 140,
}
LABELS = {
    IPHONE: "Ana's iPhone",
    IPAD: "Ana's iPad (TestFlight)",
    PIXEL: "Bob's Pixel",
    DEAD: "Old Pixel",
    MUTED: "Muted iPhone",
}
OWNERS = {IPHONE: "ana", IPAD: "ana", PIXEL: "bob", DEAD: "bob", MUTED: "carol"}
TARGETS = (IPHONE, IPAD, PIXEL)


def _rows(extra: int = 0) -> list[dict[str, object]]:
    now = DEMO_NOW.replace(tzinfo=None)

    def row(iid: str, app: str, env: str | None, token: str, **kw: object) -> dict[str, object]:
        ios = app == APP_IOS
        values: dict[str, object] = dict(
            installation_id=iid, app_id=app, custom_user_id=TEAM, advertising_id=None,
            platform="ios" if ios else "android", device_brand="Apple" if ios else "Google",
            device_model="iPhone 16" if ios else "Pixel 9", os_version="18.1",
            app_version="6.2.0", sdk_version="4.8.1", language="en", region="US",
            timezone="UTC", push_provider="apns" if ios else "fcm", push_token=token,
            apns_environment=env, push_token_updated_at=now - timedelta(days=3),
            push_token_status="active", notifications_enabled=True,
            installed_at=now - timedelta(days=30), last_seen_at=now - timedelta(hours=1),
            attributes=None,
        )  # fmt: skip
        values.update(kw)
        return values

    rows = [
        row(IPHONE, APP_IOS, "production", TOKENS[IPHONE]),
        row(IPAD, APP_IOS, "sandbox", TOKENS[IPAD]),
        row(PIXEL, APP_ANDROID, None, TOKENS[PIXEL]),
        row(DEAD, APP_ANDROID, None, TOKENS[DEAD], push_token_status="unregistered"),
        row(MUTED, APP_IOS, "production", TOKENS[MUTED], notifications_enabled=False),
        row(
            CUSTOMER_IPHONE, APP_IOS, "production", TOKENS[CUSTOMER_IPHONE], custom_user_id="cust-9"
        ),
        row(CUSTOMER_ANDROID, APP_ANDROID, None, TOKENS[CUSTOMER_ANDROID], custom_user_id="cust-9"),
    ]
    # More test devices for a benchmark (7e…-1xxxxxxxxxxx), in turn on production APNs,
    # sandbox APNs and FCM.
    for n in range(extra):
        if n % 3 == 2:
            rows.append(row(bench_device(n), APP_ANDROID, None, f"bench-{n}:APA91b" + "x" * 140))
        else:
            env = "production" if n % 3 == 0 else "sandbox"
            rows.append(row(bench_device(n), APP_IOS, env, f"{n:04x}" * 16))
    return rows


def bench_device(n: int) -> str:
    return f"7e000000-0000-4000-8000-1{n:011d}"


def build_team_store(url: URL, *, extra: int = 0) -> None:
    """The demo store at `url` and the team's devices (and `extra` more test devices)."""
    build_demo_store(url, now=DEMO_NOW)
    engine = open_writable_engine(url)
    try:
        with engine.begin() as conn:
            bulk_insert(conn, "installations", _rows(extra))
    finally:
        engine.dispose()


def register_team(journal: Journal, *, extra: int = 0) -> None:
    for iid, label in LABELS.items():
        journal.add_test_device(iid, label, OWNERS[iid])
    for n in range(extra):
        journal.add_test_device(bench_device(n), f"Bench device {n}", "bench")


def settings_env(
    *,
    store_url: URL,
    journal_path: Path,
    credentials: dict[str, Path],
    fcm: FakeFcm,
    apns: dict[str, FakeApns],
    apns_key: ApnsKey,
    operator: str = "ana",
    **overrides: str,
) -> dict[str, str]:
    """The variables of one operator's inspector on a staging profile (where
    INSPECTOR_OPERATOR may name the operator); keyword overrides by variable suffix."""
    values = {
        "INSPECTOR_STORE_URL": store_url.render_as_string(hide_password=False),
        "INSPECTOR_ENVIRONMENT": "staging",
        "INSPECTOR_JOURNAL_URL": f"sqlite:///{journal_path}",
        "INSPECTOR_OPERATOR": operator,
        "INSPECTOR_PUSH_POLICY": "test-devices",
        "INSPECTOR_FCM_CREDENTIALS": str(credentials["fcm"]),
        "INSPECTOR_FCM_URL": fcm.url,
        "INSPECTOR_APNS_KEY_FILE": str(credentials["apns"]),
        "INSPECTOR_APNS_KEY_ID": apns_key.key_id,
        "INSPECTOR_APNS_TEAM_ID": apns_key.team_id,
        "INSPECTOR_APNS_URL_PRODUCTION": apns["production"].url,
        "INSPECTOR_APNS_URL_SANDBOX": apns["sandbox"].url,
        "INSPECTOR_PUSH_CONNECT_TIMEOUT": "2",
        "INSPECTOR_PUSH_READ_TIMEOUT": "5",
        "INSPECTOR_PUSH_MAX_PER_MINUTE": "1000",
        "INSPECTOR_PUSH_DEVICE_COOLDOWN": "0",
    }
    values.update({f"INSPECTOR_{k.upper()}": v for k, v in overrides.items()})
    return values


class Fakes:
    """The fake FCM and APNs (production and sandbox) and the credentials they know."""

    def __init__(self, root: Path) -> None:
        self.account = ServiceAccount.generate()
        self.apns_key = ApnsKey.generate()
        self.fcm = FakeFcm([self.account]).start()
        known = KnownKey(
            self.apns_key.public_pem, self.apns_key.key_id, self.apns_key.team_id, frozenset({APP})
        )
        self.apns = {env: FakeApns([known]).start() for env in ("production", "sandbox")}
        self.credentials = {
            "fcm": self.account.write(root / "service-account.json", self.fcm.token_uri),
            "apns": self.apns_key.write(root),
        }

    def reset(self) -> None:
        self.fcm.reset()
        for fake in self.apns.values():
            fake.reset()

    def stop(self) -> None:
        self.fcm.stop()
        for fake in self.apns.values():
            fake.stop()

    def sent(self) -> dict[str, list[str]]:
        """Every token each fake was asked to reach."""
        return {
            "fcm": [r.body["message"]["token"] for r in self.fcm.requests],
            "production": [
                r.path.removeprefix("/3/device/") for r in self.apns["production"].requests
            ],
            "sandbox": [r.path.removeprefix("/3/device/") for r in self.apns["sandbox"].requests],
        }

    def env(self, store_url: URL, journal_path: Path, **kw: str) -> dict[str, str]:
        return settings_env(
            store_url=store_url, journal_path=journal_path, credentials=self.credentials,
            fcm=self.fcm, apns=self.apns, apns_key=self.apns_key, **kw,
        )  # fmt: skip
