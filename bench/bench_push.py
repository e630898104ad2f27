"""Push figures against the local fake FCM and APNs (tests/push/fakes). Prints, asserts nothing.

For each provider, N sends through PushService (prepare + send: store re-reads, policy and
rate-limit reads of the journal (the send reads them again inside the intent's
transaction), intent and outcome appends on a SQLite journal with synchronous=FULL, payload
building, pyfcm / httpx). The time on the wire (request handed to the HTTP library until
its response is back, measured by wrapping the library's send) is subtracted: what is left
is the inspector's overhead, compose-to-request plus response-to-verdict. Then ten APNs
sends in a row: connections and JWTs the fake saw. Then sends alternating between two
Firebase projects (two service accounts) and two APNs keys (two teams), each app with its
own credential from a profile file: OAuth token requests per account, connections the
fakes accepted (TLS connections in production; the fakes speak plain HTTP/1.1 and h2c),
JWTs signed per key.

    .venv/bin/python bench/bench_push.py [--sends 200]
"""

from __future__ import annotations

import argparse
import json
import secrets
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from inspector.config import Settings, load_settings
from inspector.fixtures.demo import ANA_IPHONE, UNICODE_DEVICE, build_demo_store, demo_rows
from inspector.fixtures.writer import bulk_insert
from inspector.journal import Journal
from inspector.push import Compose, PushService
from inspector.push.verdict import verdict_text
from inspector.store.engine import open_writable_engine
from inspector.store.repository import StoreRepository
from inspector.store.schema import create_schema
from tests.push.fakes.apns_server import FakeApns, KnownKey
from tests.push.fakes.fcm_server import FakeFcm
from tests.push.fakes.keys import ApnsKey, ServiceAccount

COMPOSE = Compose(title="Bench", body="A test push from the benchmark", data={"screen": "cart"})


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))]


class WireClock:
    """Accumulates the time spent inside the HTTP library's send call."""

    def __init__(self) -> None:
        self.total = 0.0

    def wrap(self, send: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return send(*args, **kwargs)
            finally:
                self.total += time.perf_counter() - start

        return timed


def run(service: PushService, iid: str, n: int, wire: WireClock) -> dict[str, float]:
    totals, overheads, wires = [], [], []
    for _ in range(n):
        wire.total = 0.0
        start = time.perf_counter()
        result = service.send(service.prepare(iid, COMPOSE))
        verdict_text(result)
        total = time.perf_counter() - start
        if not result.ok:
            raise SystemExit(f"send failed: {result.explanation}")
        totals.append(total * 1000)
        wires.append(wire.total * 1000)
        overheads.append((total - wire.total) * 1000)
    return {
        "overhead_p50": statistics.median(overheads),
        "overhead_p90": pct(overheads, 0.9),
        "wire_p50": statistics.median(wires),
        "total_p50": statistics.median(totals),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sends", type=int, default=200)
    args = parser.parse_args()

    root = Path(tempfile.mkdtemp(prefix="bench-push-"))
    store_url = f"sqlite:///{root / 'store.db'}"
    account, apns_key = ServiceAccount.generate(), ApnsKey.generate()
    fcm = FakeFcm([account]).start()
    known = KnownKey(apns_key.public_pem, apns_key.key_id, apns_key.team_id,
                     frozenset({"com.example.shop"}))  # fmt: skip
    apns = FakeApns([known]).start()
    env = {
        "INSPECTOR_STORE_URL": store_url,
        "INSPECTOR_ENVIRONMENT": "staging",
        "INSPECTOR_JOURNAL_URL": f"sqlite:///{root / 'journal.db'}",
        "INSPECTOR_OPERATOR": "bench",
        "INSPECTOR_PUSH_POLICY": "any",
        "INSPECTOR_FCM_CREDENTIALS": str(account.write(root / "sa.json", fcm.token_uri)),
        "INSPECTOR_FCM_URL": fcm.url,
        "INSPECTOR_APNS_KEY_FILE": str(apns_key.write(root)),
        "INSPECTOR_APNS_KEY_ID": apns_key.key_id,
        "INSPECTOR_APNS_TEAM_ID": apns_key.team_id,
        "INSPECTOR_APNS_URL_PRODUCTION": apns.url,
        "INSPECTOR_APNS_URL_SANDBOX": apns.url,
        "INSPECTOR_PUSH_MAX_PER_MINUTE": "0",
        "INSPECTOR_PUSH_DEVICE_COOLDOWN": "0",
    }
    settings = load_settings(env)
    build_demo_store(settings.store_url)
    store = StoreRepository.open(settings.store_url)
    journal = Journal.open(settings)
    service = PushService(settings, store, journal)
    try:
        # Warm up: OAuth token, first connection, first JWT (each paid once, not per send).
        for iid in (UNICODE_DEVICE, ANA_IPHONE):
            service.send(service.prepare(iid, COMPOSE))
        fcm_provider: Any = service._providers["fcm"]
        apns_provider: Any = service._providers["apns"]
        wire = WireClock()
        session = fcm_provider._session
        session.send = wire.wrap(session.send)
        apns_key_client = apns_provider.key_for(store.get(ANA_IPHONE))
        apns_key_client.client.send = wire.wrap(apns_key_client.client.send)

        print(f"{args.sends} sends per provider, fakes on 127.0.0.1, SQLite journal (FULL sync)")
        print(
            f"{'provider':<8} {'overhead p50':>13} {'overhead p90':>13} {'wire p50':>9} "
            f"{'total p50':>10}  (ms)"
        )
        for name, iid in (("fcm", UNICODE_DEVICE), ("apns", ANA_IPHONE)):
            f = run(service, iid, args.sends, wire)
            print(
                f"{name:<8} {f['overhead_p50']:>13.2f} {f['overhead_p90']:>13.2f} "
                f"{f['wire_p50']:>9.2f} {f['total_p50']:>10.2f}"
            )
        print(f"OAuth token requests over all FCM sends: {fcm.token_requests}")
        print(f"APNs JWTs signed over all APNs sends: {apns_provider.jwts_signed}")

        # Ten in a row on a fresh sender: one HTTP/2 connection, one JWT.
        fresh = PushService(settings, store, journal)
        apns.reset()
        try:
            for _ in range(10):
                assert fresh.send(fresh.prepare(ANA_IPHONE, COMPOSE)).ok
            signed = fresh._providers["apns"].jwts_signed
        finally:
            fresh.close()
        print(
            f"ten APNs sends in a row: {len(apns.requests)} requests, {apns.connections}"
            f" HTTP/2 connection(s), {len(apns.jwts)} distinct JWT(s), {signed} signed"
        )
        start = time.perf_counter()
        for _ in range(50):
            apns_key_client.forget_token()
            apns_key_client.provider_token()
        sign_ms = (time.perf_counter() - start) * 1000 / 50
        print(f"one ES256 JWT signature (paid once per 40 min): {sign_ms:.2f} ms")
    finally:
        service.close()
        journal.close()
        store.close()
        fcm.stop()
        apns.stop()
    alternating(args.sends, Path(tempfile.mkdtemp(prefix="bench-push-two-")))


# -- two projects, two keys ---------------------------------------------------------------

NEWS_PHONE = "11111111-0000-4000-8000-000000000001"
NEWS_IPHONE = "11111111-0000-4000-8000-000000000002"


def two_app_store(url: str) -> None:
    """The demo store with a news app on Android (project news-prod) and on iOS (topic
    com.example.news), one installation each."""
    from sqlalchemy.engine import make_url

    rows = demo_rows(datetime.now(UTC))
    template = next(r for r in rows["installations"] if r["installation_id"] == UNICODE_DEVICE)
    apps = [
        dict(app_id="news-android", name="News Android", platform="android",
             bundle_id="com.example.news", fcm_project_id="news-prod", apns_topic=None),
        dict(app_id="news-ios", name="News iOS", platform="ios", bundle_id="com.example.news",
             fcm_project_id=None, apns_topic="com.example.news"),
    ]  # fmt: skip
    extra = [
        template | dict(installation_id=NEWS_PHONE, app_id="news-android", custom_user_id="n1",
                        advertising_id=None, push_token=f"{secrets.token_urlsafe(16)}:APA91b"),
        template | dict(installation_id=NEWS_IPHONE, app_id="news-ios", custom_user_id="n2",
                        advertising_id=None, platform="ios", push_provider="apns",
                        push_token=secrets.token_hex(32), apns_environment="production"),
    ]  # fmt: skip
    engine = open_writable_engine(make_url(url))
    try:
        create_schema(engine)
        with engine.begin() as conn:
            bulk_insert(conn, "apps", rows["apps"] + apps)
            bulk_insert(conn, "installations", rows["installations"] + extra)
    finally:
        engine.dispose()


def two_app_profile(root: Path, fcm: FakeFcm, apns: FakeApns,
                    accounts: list[ServiceAccount], keys: list[ApnsKey]) -> Settings:  # fmt: skip
    """A profile file with a service account per project and a key per topic."""
    store, journal = root / "store.db", root / "journal.db"
    lines = [
        "[profiles.bench]",
        'environment = "staging"',
        f"store = {json.dumps(f'sqlite:///{store}')}",
        f"journal = {json.dumps(f'sqlite:///{journal}')}",
        'push_policy = "any"',
        "push_max_per_minute = 0",
        "push_device_cooldown = 0",
        f"fcm_url = {json.dumps(fcm.url)}",
        f"apns_url_production = {json.dumps(apns.url)}",
        f"apns_url_sandbox = {json.dumps(apns.url)}",
    ]
    for account in accounts:
        path = account.write(root / f"{account.project_id}.json", fcm.token_uri)
        lines += ["[[profiles.bench.fcm]]", f"project_id = {json.dumps(account.project_id)}",
                  f"credentials = {json.dumps(str(path))}"]  # fmt: skip
    for key, topic in zip(keys, ("com.example.shop", "com.example.news"), strict=True):
        lines += ["[[profiles.bench.apns]]", f"key_file = {json.dumps(str(key.write(root)))}",
                  f"key_id = {json.dumps(key.key_id)}", f"team_id = {json.dumps(key.team_id)}",
                  f"topics = [{json.dumps(topic)}]"]  # fmt: skip
    config = root / "inspector.toml"
    config.write_text("\n".join(lines) + "\n")
    return load_settings({"INSPECTOR_OPERATOR": "bench"}, profile="bench", config=config)


def alternating(n: int, root: Path) -> None:
    """Sends alternating shop / news on FCM and on APNs, on one service (cold: the
    accounts, tokens, keys, JWTs and connections are made by the first sends)."""
    accounts = [ServiceAccount.generate("shop-prod"), ServiceAccount.generate("news-prod")]
    keys = [ApnsKey.generate("KEYA000001", "TEAMA00001"),
            ApnsKey.generate("KEYB000002", "TEAMB00002")]  # fmt: skip
    fcm = FakeFcm(accounts).start()
    apns = FakeApns([
        KnownKey(keys[0].public_pem, keys[0].key_id, keys[0].team_id,
                 frozenset({"com.example.shop"})),
        KnownKey(keys[1].public_pem, keys[1].key_id, keys[1].team_id,
                 frozenset({"com.example.news"})),
    ]).start()  # fmt: skip
    settings = two_app_profile(root, fcm, apns, accounts, keys)
    two_app_store(settings.store_url_text)
    store = StoreRepository.open(settings.store_url)
    journal = Journal.open(settings)
    service = PushService(settings, store, journal)
    order = (UNICODE_DEVICE, NEWS_PHONE, ANA_IPHONE, NEWS_IPHONE)
    totals: list[float] = []
    try:
        for i in range(n):
            iid = order[i % len(order)]
            start = time.perf_counter()
            result = service.send(service.prepare(iid, COMPOSE))
            totals.append((time.perf_counter() - start) * 1000)
            if not result.ok:
                raise SystemExit(f"send failed: {result.explanation}")
        apns_provider: Any = service._providers["apns"]
        signed = {k.team_id: k.jwts_signed for k in apns_provider._keys.values()}
        fcm_provider: Any = service._providers["fcm"]
        # What choosing the app's credential costs a send once it is loaded.
        phone, iphone = store.get(NEWS_PHONE), store.get(NEWS_IPHONE)
        start = time.perf_counter()
        for _ in range(10_000):
            fcm_provider.account_for(phone)
            apns_provider.key_for(iphone)
        choose_us = (time.perf_counter() - start) * 1e6 / 20_000
    finally:
        service.close()
        journal.close()
        store.close()
        fcm.stop()
        apns.stop()
    print()
    print(
        f"{n} sends alternating shop-prod / news-prod (FCM) and team A / team B keys (APNs),"
        " one profile, one service"
    )
    print(f"  total p50 {statistics.median(totals):.2f} ms, p90 {pct(totals, 0.9):.2f} ms"
          f" (the first sends pay the tokens, JWTs and connections)")  # fmt: skip
    tokens = ", ".join(f"{email.split('@')[0]}@{email.split('@')[1].split('.')[0]}: {count}"
                       for email, count in sorted(fcm.tokens_by_account.items()))  # fmt: skip
    per_account = ", ".join(f"{a}: {c}" for a, c in sorted(
        (email.split("@")[1].split(".")[0], c) for email, c in fcm.sends_by_account().items()
        if email))  # fmt: skip
    print(f"  FCM: {len(fcm.requests)} sends ({per_account}); OAuth token requests"
          f" {fcm.token_requests} ({tokens}); connections {fcm.connections}")  # fmt: skip
    teams = Counter(r.team_id for r in apns.requests)
    print(f"  APNs: {len(apns.requests)} sends ({dict(sorted(teams.items()))});"
          f" HTTP/2 connections {apns.connections}; distinct JWTs {len(apns.jwts)};"
          f" signed per team {signed}")  # fmt: skip
    print(f"  choosing the app's credential (loaded): {choose_us:.1f} µs a send")


if __name__ == "__main__":
    main()
