"""Sign-off fixtures: a team's devices in a store, fake FCM and APNs, and desks.

A desk is one operator's inspector: settings (INSPECTOR_OPERATOR names the operator, in a
staging profile where it may), the journal on the dialect under test, the sign-off
tables, the store and the services, all over the same journal database, so two desks are
two operators of one team. The store is SQLite (the journal is what varies); the fakes
run once per session and are reset for each test.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL

from inspector.config import Settings, load_settings
from inspector.fixtures.demo import APP_ANDROID, APP_IOS, WEB, build_demo_store
from inspector.fixtures.writer import bulk_insert
from inspector.journal import Journal
from inspector.push import PushService
from inspector.signoff import ApprovalService, ProofService, SignoffStore
from inspector.signoff.common import Clock, utcnow
from inspector.store.engine import open_writable_engine
from inspector.store.repository import StoreRepository
from tests.conftest import DEMO_NOW
from tests.push.fakes.apns_server import FakeApns, KnownKey
from tests.push.fakes.fcm_server import FakeFcm
from tests.push.fakes.keys import ApnsKey, ServiceAccount

TOPIC = "com.example.shop"
APP = "com.example.shop"  # the bundle id of shop-ios and shop-android alike
TEAM = "cust-team"
# The team's test devices: an iPhone on production APNs, an iPad on a TestFlight
# (sandbox) build, an Android phone on FCM; a dead one and a muted one.
IPHONE = "7e000000-0000-4000-8000-000000000001"
IPAD = "7e000000-0000-4000-8000-000000000002"
PIXEL = "7e000000-0000-4000-8000-000000000003"
DEAD = "7e000000-0000-4000-8000-000000000004"
MUTED = "7e000000-0000-4000-8000-000000000005"
# The same customer's other devices of the same app: never test devices.
OTHER_IPHONE = "7e000000-0000-4000-8000-000000000006"
OTHER_ANDROID = "7e000000-0000-4000-8000-000000000007"
TOKENS = {
    IPHONE: "a1" * 32,
    IPAD: "b2" * 32,
    PIXEL: "team-pixel:APA91b" + "p" * 140,
    DEAD: "team-dead:APA91b" + "d" * 140,
    MUTED: "c3" * 32,
    OTHER_IPHONE: "d4" * 32,
    OTHER_ANDROID: "team-other:APA91b" + "o" * 140,
}
LABELS = {
    IPHONE: "Ana's iPhone",
    IPAD: "Ana's iPad (TestFlight)",
    PIXEL: "Bob's Pixel",
    DEAD: "Old Pixel",
    MUTED: "Muted iPhone",
}
GONE = "7e000000-0000-4000-8000-0000000000ff"  # a test device no longer in the store


def _team_rows() -> list[dict[str, object]]:
    now = DEMO_NOW.replace(tzinfo=None)

    def row(iid: str, app: str, env: str | None, **kw: object) -> dict[str, object]:
        ios = app == APP_IOS
        values: dict[str, object] = dict(
            installation_id=iid, app_id=app, custom_user_id=TEAM, advertising_id=None,
            platform="ios" if ios else "android", device_brand="Apple" if ios else "Google",
            device_model="iPhone 16" if ios else "Pixel 9", os_version="18.1",
            app_version="6.2.0", sdk_version="4.8.1", language="en", region="US",
            timezone="UTC", push_provider="apns" if ios else "fcm", push_token=TOKENS[iid],
            apns_environment=env, push_token_updated_at=now - timedelta(days=3),
            push_token_status="active", notifications_enabled=True,
            installed_at=now - timedelta(days=30), last_seen_at=now - timedelta(hours=1),
            attributes=None,
        )  # fmt: skip
        values.update(kw)
        return values

    return [
        row(IPHONE, APP_IOS, "production"),
        row(IPAD, APP_IOS, "sandbox"),
        row(PIXEL, APP_ANDROID, None),
        row(DEAD, APP_ANDROID, None, push_token_status="unregistered"),
        row(MUTED, APP_IOS, "production", notifications_enabled=False),
        row(OTHER_IPHONE, APP_IOS, "production"),
        row(OTHER_ANDROID, APP_ANDROID, None),
    ]


@pytest.fixture(scope="session")
def team_store_url(make_database: Callable[[str], URL]) -> URL:
    url = make_database("sqlite")
    build_demo_store(url, now=DEMO_NOW)
    engine = open_writable_engine(url)
    try:
        with engine.begin() as conn:
            bulk_insert(conn, "installations", _team_rows())
    finally:
        engine.dispose()
    return url


def set_token(store_url: URL, installation_id: str, token: str) -> None:
    """Change a device's token in the store, as a reinstall would."""
    engine = open_writable_engine(store_url)
    try:
        with engine.begin() as conn:
            conn.execute(
                text("UPDATE installations SET push_token = :t WHERE installation_id = :i"),
                {"t": token, "i": installation_id},
            )
    finally:
        engine.dispose()


# -- fakes ------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def service_account() -> ServiceAccount:
    return ServiceAccount.generate()


@pytest.fixture(scope="session")
def apns_key() -> ApnsKey:
    return ApnsKey.generate()


@pytest.fixture(scope="session")
def fcm_server(service_account: ServiceAccount) -> Iterator[FakeFcm]:
    fake = FakeFcm([service_account]).start()
    yield fake
    fake.stop()


@pytest.fixture(scope="session")
def apns_servers(apns_key: ApnsKey) -> Iterator[dict[str, FakeApns]]:
    known = KnownKey(apns_key.public_pem, apns_key.key_id, apns_key.team_id, frozenset({TOPIC}))
    fakes = {env: FakeApns([known]).start() for env in ("production", "sandbox")}
    yield fakes
    for fake in fakes.values():
        fake.stop()


@pytest.fixture
def fcm(fcm_server: FakeFcm) -> FakeFcm:
    fcm_server.reset()
    return fcm_server


@pytest.fixture
def apns(apns_servers: dict[str, FakeApns]) -> dict[str, FakeApns]:
    for fake in apns_servers.values():
        fake.reset()
    return apns_servers


@pytest.fixture(scope="session")
def credential_files(
    tmp_path_factory: pytest.TempPathFactory,
    service_account: ServiceAccount,
    apns_key: ApnsKey,
    fcm_server: FakeFcm,
) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("signoff-credentials")
    return {
        "fcm": service_account.write(root / "service-account.json", fcm_server.token_uri),
        "apns": apns_key.write(root),
    }


# -- the journal database ---------------------------------------------------------------


def url_text(url: URL) -> str:
    return url.render_as_string(hide_password=False)


def empty_database(url: URL) -> None:
    """Drop everything in a server database: cheaper than a new database per test."""
    kwargs: dict[str, Any] = {"isolation_level": "AUTOCOMMIT"}
    if url.get_backend_name() in ("mysql", "mariadb"):
        kwargs["connect_args"] = {"charset": "utf8mb4"}
    engine = create_engine(url, **kwargs)
    try:
        with engine.connect() as conn:
            if url.get_backend_name() == "postgresql":
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
            else:
                conn.execute(text(f"DROP DATABASE `{url.database}`"))
                conn.execute(text(f"CREATE DATABASE `{url.database}` CHARACTER SET utf8mb4"))
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def server_databases() -> dict[str, URL]:
    return {}


@pytest.fixture
def journal_url(
    dialect: str, make_database: Callable[[str], URL], server_databases: dict[str, URL]
) -> URL:
    """An empty database for the journal: a new file on SQLite, one database per server
    emptied before each test."""
    if dialect == "sqlite":
        return make_database("sqlite")
    url = server_databases.get(dialect)
    if url is None:
        url = server_databases[dialect] = make_database(dialect)
    else:
        empty_database(url)
    return url


# -- desks ------------------------------------------------------------------------------


@pytest.fixture
def make_env(
    journal_url: URL,
    team_store_url: URL,
    credential_files: dict[str, Path],
    fcm_server: FakeFcm,
    apns_servers: dict[str, FakeApns],
    apns_key: ApnsKey,
) -> Callable[..., dict[str, str]]:
    """The variables of one operator's inspector; keyword overrides by variable suffix."""

    def env(operator: str = "ana", **overrides: str) -> dict[str, str]:
        values = {
            "INSPECTOR_STORE_URL": url_text(team_store_url),
            "INSPECTOR_ENVIRONMENT": "staging",
            "INSPECTOR_JOURNAL_URL": url_text(journal_url),
            "INSPECTOR_OPERATOR": operator,
            "INSPECTOR_PUSH_POLICY": "test-devices",
            "INSPECTOR_FCM_CREDENTIALS": str(credential_files["fcm"]),
            "INSPECTOR_FCM_URL": fcm_server.url,
            "INSPECTOR_APNS_KEY_FILE": str(credential_files["apns"]),
            "INSPECTOR_APNS_KEY_ID": apns_key.key_id,
            "INSPECTOR_APNS_TEAM_ID": apns_key.team_id,
            "INSPECTOR_APNS_URL_PRODUCTION": apns_servers["production"].url,
            "INSPECTOR_APNS_URL_SANDBOX": apns_servers["sandbox"].url,
            "INSPECTOR_PUSH_CONNECT_TIMEOUT": "2",
            "INSPECTOR_PUSH_READ_TIMEOUT": "5",
            "INSPECTOR_PUSH_MAX_PER_MINUTE": "1000",
            "INSPECTOR_PUSH_DEVICE_COOLDOWN": "0",
        }
        values.update({f"INSPECTOR_{k.upper()}": v for k, v in overrides.items()})
        return values

    return env


@dataclass
class Desk:
    """One operator's inspector over the shared journal database."""

    settings: Settings
    journal: Journal
    db: SignoffStore
    store: StoreRepository
    push: PushService
    proofs: ProofService
    approvals: ApprovalService
    closers: list[Callable[[], None]] = field(default_factory=list, repr=False)

    @property
    def operator(self) -> str:
        return self.settings.operator

    def close(self) -> None:
        for close in reversed(self.closers):
            close()


@pytest.fixture
def desks(
    make_env: Callable[..., dict[str, str]], team_store_url: URL
) -> Iterator[Callable[..., Desk]]:
    """`desks("bob", clock=..., approvals_required=2, cap=20, **variables)`; the number
    of approvals, the cap and the approval's lifetime are the settings' unless given. The
    desk's sender uses approvals through the desk's approval service."""
    opened: list[Desk] = []

    def make(
        operator: str = "ana",
        *,
        clock: Clock = utcnow,
        approvals_required: int | None = None,
        cap: int | None = None,
        parallel: int = 20,
        ttl: timedelta | None = None,
        **overrides: str,
    ) -> Desk:
        settings = load_settings(make_env(operator, **overrides))
        journal = Journal.open(settings)
        db = SignoffStore.open(settings)
        store = StoreRepository.open(team_store_url)
        proofs = ProofService(
            settings, store, journal, db, approvals_required=approvals_required, cap=cap,
            parallel=parallel, clock=clock,
        )  # fmt: skip
        approvals = ApprovalService(settings, journal, db, ttl=ttl, clock=clock)
        push = PushService(settings, store, journal, approvals=approvals)
        desk = Desk(settings, journal, db, store, push, proofs, approvals)
        desk.closers = [journal.close, db.close, store.close, push.close, proofs.close]
        opened.append(desk)
        return desk

    yield make
    for desk in opened:
        desk.close()


def register_team(journal: Journal, *, gone: bool = False, web: bool = True) -> None:
    """The team's test devices (and, on demand, one no longer in the store); the web
    test device is of another app."""
    owners = {IPHONE: "ana", IPAD: "ana", PIXEL: "bob", DEAD: "bob", MUTED: "carol"}
    for iid, label in LABELS.items():
        journal.add_test_device(iid, label, owners[iid])
    if web:
        journal.add_test_device(WEB, "Web push (shop-web)", "ana")
    if gone:
        journal.add_test_device(GONE, "Lost phone", "dave")


class Clockwork:
    """A clock a test moves by hand."""

    def __init__(self) -> None:
        self.now = utcnow()

    def __call__(self) -> Any:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now = self.now + timedelta(**delta)
