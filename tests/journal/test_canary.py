"""Planted secrets never reach a journal record, `audit list`, a log, an error message or
the screen."""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import URL

from inspector.cli import main
from inspector.config import load_settings
from inspector.fixtures.demo import ANA_IPHONE, ANA_PIXEL, CUSTOMER_ANA
from inspector.journal import Journal, JournalError
from inspector.push import PushService
from inspector.services import Openers, Services
from inspector.store.repository import StoreRepository
from inspector.tui.app import InspectorApp
from tests.conftest import DEMO_NOW
from tests.journal.conftest import raw_engine, url_text
from tests.journal.test_journal import all_cells
from tests.tui.conftest import search, settle

DB_PASSWORD = "Canary-Db-Pw-7c1e9f"
HASH_KEY = "canary-hash-key-5d2b8a"
KEY_ID = "CNRYKID7Q2"
OAUTH_TOKEN = "ya29.a0CanaryOAuthToken-4f8e2d1c9b7a6e5d4c3b2a1908f7e6d5"
PRIVATE_KEY = "MIGTAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBHkwdwIBAQQgCanaryPrivateKeyBody"


@pytest.fixture
def canary_urls(dialect: str, demo_store_url: URL, journal_url: URL) -> Iterator[tuple[URL, URL]]:
    """The store and journal URLs with the canary password, which the server accepts."""
    if dialect == "sqlite":
        # A file has no password: the canary rides along in the URL all the same.
        yield demo_store_url.set(password=DB_PASSWORD), journal_url.set(password=DB_PASSWORD)
        return
    if dialect == "postgresql":
        # The test server trusts local connections: the password travels but is not checked.
        yield demo_store_url.set(password=DB_PASSWORD), journal_url.set(password=DB_PASSWORD)
        return
    user = f"canary_{secrets.token_hex(3)}"
    admin = raw_engine(journal_url)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE USER '{user}'@'%' IDENTIFIED BY '{DB_PASSWORD}'"))
        conn.execute(text(f"GRANT ALL ON `{journal_url.database}`.* TO '{user}'@'%'"))
        conn.execute(text(f"GRANT SELECT ON `{demo_store_url.database}`.* TO '{user}'@'%'"))
    try:
        yield (
            demo_store_url.set(username=user, password=DB_PASSWORD),
            journal_url.set(username=user, password=DB_PASSWORD),
        )
    finally:
        with admin.begin() as conn:
            conn.execute(text(f"DROP USER '{user}'@'%'"))
        admin.dispose()


CANARIES = (DB_PASSWORD, HASH_KEY, KEY_ID, OAUTH_TOKEN, PRIVATE_KEY, "CanaryKeyPath")


def assert_clean(where: str, text_: str) -> None:
    for canary in CANARIES:
        assert canary not in text_, f"{canary!r} leaked into {where}"


def test_no_secret_reaches_the_journal_the_output_or_the_logs(
    canary_urls: tuple[URL, URL],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    tmp_path: Path,
) -> None:
    store_url, journal_url = canary_urls
    key_file = tmp_path / "CanaryKeyPath" / "AuthKey.p8"
    key_file.parent.mkdir()
    key_file.write_text(f"-----BEGIN PRIVATE KEY-----\n{PRIVATE_KEY}\n-----END PRIVATE KEY-----\n")
    credentials = tmp_path / "fcm.json"
    credentials.write_text(json.dumps({"type": "service_account", "access_token": OAUTH_TOKEN}))
    # Part of the configuration comes from `.env`, as in real use.
    Path(".env").write_text(f"INSPECTOR_FCM_CREDENTIALS={credentials}\n")
    for name, value in {
        "INSPECTOR_STORE_URL": url_text(store_url),
        "INSPECTOR_JOURNAL_URL": url_text(journal_url),
        "INSPECTOR_ENVIRONMENT": "production",
        "INSPECTOR_JOURNAL_HASH_KEY": HASH_KEY,
        "INSPECTOR_APNS_KEY_FILE": str(key_file),
        "INSPECTOR_APNS_KEY_ID": KEY_ID,
        "INSPECTOR_APNS_TEAM_ID": "TEAM123456",
    }.items():
        monkeypatch.setenv(name, value)
    caplog.set_level(logging.DEBUG)

    outputs = []

    def run(*argv: str) -> int:
        code = main(list(argv))
        out, err = capsys.readouterr()
        outputs.append(out + err)
        return code

    assert run("find", CUSTOMER_ANA) == 0
    assert run("show", ANA_IPHONE) == 0
    assert run("test-devices", "add", ANA_IPHONE, "--label", "Ana's iPhone") == 0
    assert run("test-devices", "rename", ANA_IPHONE, "--label", "Ana's work iPhone") == 0
    assert run("test-devices", "list") == 0
    assert run("test-devices", "list", "--json") == 0

    # What a careless caller might hand the journal: it is scrubbed on the way in.
    settings = load_settings()
    journal = Journal.open(settings)
    try:
        intent = journal.push_intent(
            installation_id=ANA_PIXEL,
            provider="fcm",
            details={"headers": {"authorization": f"Bearer {OAUTH_TOKEN}"},
                     "note": f"key {KEY_ID} at {key_file}", "dsn": url_text(store_url)},
        )  # fmt: skip
        pem = f"-----BEGIN PRIVATE KEY-----\n{PRIVATE_KEY}"
        journal.push_outcome(intent, installation_id=ANA_PIXEL, outcome="ok", details={"pem": pem})
        journal.record("reveal", installation_id=ANA_IPHONE, details={"hash_key": HASH_KEY})
        assert repr(journal._hasher) == "KeyedHasher(source='configured')"
        assert_clean("repr", repr(journal))
    finally:
        journal.close()

    assert run("test-devices", "remove", ANA_IPHONE) == 0
    assert run("audit", "list") == 0
    assert run("audit", "list", "--json") == 0
    assert run("audit", "verify") == 0

    # An unreachable journal and store with the password in their URLs: the errors.
    unreachable = store_url.set(host="127.0.0.1", port=1) if store_url.host else None
    if unreachable is not None:
        monkeypatch.setenv("INSPECTOR_JOURNAL_URL", url_text(unreachable))
        assert run("audit", "list") == 3
        with pytest.raises(JournalError) as caught:
            Journal.open(load_settings())
        outputs.append(str(caught.value))
        assert run("find", CUSTOMER_ANA) == 0  # a lookup still works, with a warning
        assert "warning" in outputs[-1]

    entries = json.loads(outputs[outputs.index(next(o for o in outputs if '"entries"' in o))])
    assert len(entries["entries"]) == 8  # find, show, add, rename, intent, outcome, reveal, remove
    plain = journal_url if journal_url.host else URL.create("sqlite", database=journal_url.database)
    assert_clean("the journal tables", all_cells(plain))
    for output in outputs:
        assert_clean("the command output", output)
    assert_clean("the logs", caplog.text)


async def test_no_secret_reaches_the_screen(
    canary_urls: tuple[URL, URL], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    store_url, journal_url = canary_urls
    key_file = tmp_path / "CanaryKeyPath" / "AuthKey.p8"
    key_file.parent.mkdir()
    key_file.write_text(f"-----BEGIN PRIVATE KEY-----\n{PRIVATE_KEY}\n-----END PRIVATE KEY-----\n")
    settings = load_settings(
        {
            "INSPECTOR_STORE_URL": url_text(store_url),
            "INSPECTOR_JOURNAL_URL": url_text(journal_url),
            "INSPECTOR_ENVIRONMENT": "production",
            "INSPECTOR_APNS_KEY_FILE": str(key_file),
            "INSPECTOR_APNS_KEY_ID": KEY_ID,
            "INSPECTOR_APNS_TEAM_ID": "TEAM123456",
            "INSPECTOR_FCM_CREDENTIALS": OAUTH_TOKEN,  # a token pasted where a path belongs
            "INSPECTOR_PUSH_POLICY": "any",
        }
    )
    store = StoreRepository.open(settings.store_url)
    journal = Journal.open(settings)
    journal.add_test_device(ANA_IPHONE, "Ana's iPhone", "ana")
    open_push = Openers(push=lambda s, j: PushService.from_settings(settings, s, j))
    services = Services(settings, open_push, store=store, journal=journal)
    app = InspectorApp(settings, services, clock=lambda: DEMO_NOW, export_dir=tmp_path)
    screens: list[str] = []
    try:
        async with app.run_test(size=(160, 50)) as pilot:
            await settle(pilot)
            screens.append(app.export_screenshot())
            await search(pilot, CUSTOMER_ANA)
            screens.append(app.export_screenshot())
            for key in ("2", "4", "e", "k", "p"):
                await pilot.press(key)
                await settle(pilot)
                screens.append(app.export_screenshot())
            await pilot.press("escape")
            await pilot.press("A")
            await settle(pilot)
            screens.append(app.export_screenshot())
            await pilot.press("escape")
            await pilot.press("T")
            await settle(pilot)
            screens.append(app.export_screenshot())
            said = [str(n.message) for n in app._notifications]
    finally:
        journal.close()
        store.close()
    assert len(screens) == 9
    for n, screen in enumerate(screens):
        assert_clean(f"screen {n}", screen)
    assert_clean("notifications", "\n".join(said))
