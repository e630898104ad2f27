"""Fake FCM and APNs on 127.0.0.1, provider credentials, settings, journal and sender.

The fakes start once per session; each test resets their mode and request logs. Every
test gets its own journal file and a PushService driving the real pyfcm and httpx code.
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import URL

from inspector.config import Settings, load_settings, os_account
from inspector.journal import Journal
from inspector.push import PushService
from inspector.store.repository import StoreRepository
from tests.push.fakes.apns_server import FakeApns, KnownKey
from tests.push.fakes.fcm_server import FakeFcm
from tests.push.fakes.keys import ApnsKey, ServiceAccount

TOPIC = "com.example.shop"
OPERATOR = "ana"


def known_key(key: ApnsKey, *topics: str) -> KnownKey:
    """What the fake APNs knows of a key: its public half, id, team and topics."""
    return KnownKey(key.public_pem, key.key_id, key.team_id, frozenset(topics))


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
    fakes = {
        env: FakeApns([known_key(apns_key, TOPIC)]).start() for env in ("production", "sandbox")
    }
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
    root = tmp_path_factory.mktemp("credentials")
    return {
        "fcm": service_account.write(root / "service-account.json", fcm_server.token_uri),
        "apns": apns_key.write(root),
    }


def closed_port_url() -> str:
    """A URL nothing listens on: connecting is refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.fixture
def make_settings(
    tmp_path: Path,
    sqlite_demo_url: URL,
    credential_files: dict[str, Path],
    fcm_server: FakeFcm,
    apns_servers: dict[str, FakeApns],
    apns_key: ApnsKey,
) -> Callable[..., Settings]:
    """Settings as the environment would give them; keyword overrides by variable suffix."""

    def make(**overrides: str) -> Settings:
        return load_settings(settings_env(**overrides))

    def settings_env(**overrides: str) -> dict[str, str]:
        env = {
            "INSPECTOR_STORE_URL": sqlite_demo_url.render_as_string(hide_password=False),
            "INSPECTOR_ENVIRONMENT": "staging",
            "INSPECTOR_JOURNAL_URL": f"sqlite:///{tmp_path / 'journal.db'}",
            "INSPECTOR_OPERATOR": OPERATOR,
            "INSPECTOR_PUSH_POLICY": "any",
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
        env.update({f"INSPECTOR_{k.upper()}": v for k, v in overrides.items()})
        if env["INSPECTOR_ENVIRONMENT"].strip().lower() == "production" and "operator" not in {
            k.lower() for k in overrides
        }:
            # Production's operator is the account running the tests, not a label.
            env["INSPECTOR_OPERATOR"] = os_account() or ""
        return env

    make.env = settings_env  # type: ignore[attr-defined]
    return make


@pytest.fixture
def settings(make_settings: Callable[..., Settings]) -> Settings:
    return make_settings()


@pytest.fixture(scope="session")
def store(sqlite_demo_url: URL) -> Iterator[StoreRepository]:
    repo = StoreRepository.open(sqlite_demo_url)
    yield repo
    repo.close()


@pytest.fixture
def journal(settings: Settings) -> Iterator[Journal]:
    j = Journal.open(settings)
    yield j
    j.close()


@pytest.fixture
def make_service(store: StoreRepository, journal: Journal) -> Iterator[Callable[..., PushService]]:
    made: list[PushService] = []

    def make(settings: Settings, *, journal_: Journal | str | None = "default") -> PushService:
        service = PushService(settings, store, journal if journal_ == "default" else journal_)  # type: ignore[arg-type]
        made.append(service)
        return service

    yield make
    for service in made:
        service.close()


@pytest.fixture
def service(make_service: Callable[..., PushService], settings: Settings) -> PushService:
    return make_service(settings)


@pytest.fixture
def service_with_journal(
    make_settings: Callable[..., Settings], make_service: Callable[..., PushService]
) -> Iterator[Callable[..., tuple[PushService, Journal]]]:
    """A sender on settings of its own (keyword overrides), with a journal opened on them."""
    opened: list[Journal] = []

    def make(**overrides: str) -> tuple[PushService, Journal]:
        settings = make_settings(**overrides)
        journal = Journal.open(settings)
        opened.append(journal)
        return make_service(settings, journal_=journal), journal

    yield make
    for journal in opened:
        journal.close()
