"""Proof and approval figures against the local fake FCM and APNs. Prints, asserts nothing.

1. A proof to 20 test devices (7 APNs production, 6 APNs sandbox, 7 FCM) against the
   slowest single send to any of them. Real providers answer in tens to hundreds of
   milliseconds; the fakes answer at once, so each provider call is given a fixed
   latency per device (60 to 300 ms, slept in the sending thread before the real request
   to the fake). A single send is `prepare` + `send` through PushService (re-read, policy,
   cooldown, intent, one request, outcome); the proof's time runs from `send(plan)` to
   its last verdict (the plan, done before the confirmation, is reported apart). Target:
   the proof within 1.5x the slowest single send.

   SQLAlchemy gives a SQLite engine built from a `creator` (the store's and the
   journal's) a SingletonThreadPool, which closes another thread's connection once more
   threads than its size (5) have connected; ProofService therefore sends on at most 4
   threads over such an engine. The same proof is also timed with those engines on a
   QueuePool (the proposed fix, patched in here only), and, with
   INSPECTOR_TEST_POSTGRES_URL set, with the store and the journal on PostgreSQL.

2. Approving a request and sending it once: `approve` (as a second operator) plus
   `send_approved` (as the requester), less the provider's own time (the provider call,
   wire included). Target: under 30 ms p50 of inspector overhead.

    .venv/bin/python bench/bench_signoff.py [--rounds 5] [--approvals 100]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.pool import QueuePool

from inspector.config import Settings, load_settings
from inspector.fixtures.demo import APP_ANDROID, APP_IOS, build_demo_store
from inspector.fixtures.writer import bulk_insert
from inspector.journal import Journal
from inspector.push import Compose, PushService
from inspector.push.apns import ApnsProvider
from inspector.push.fcm import FcmProvider
from inspector.push.model import Outgoing, PushResult
from inspector.signoff import ApprovalService, DeviceVerdict, ProofService, SignoffStore
from inspector.store.engine import open_writable_engine
from inspector.store.records import Installation
from inspector.store.repository import StoreRepository
from tests.push.fakes.apns_server import FakeApns, KnownKey
from tests.push.fakes.fcm_server import FakeFcm
from tests.push.fakes.keys import ApnsKey, ServiceAccount

TOPIC = "com.example.shop"
SALE = Compose(title="Spring sale", body="30% off everything", data={"screen": "sale"},
               mark_as_test=False)  # fmt: skip
CHECK = Compose(title="Delivery check", body="Support is checking your notifications")
CUSTOMER_PHONE = "be000000-0000-4000-8000-0000000000c1"


def device_id(n: int) -> str:
    return f"be000000-0000-4000-8000-{n:012d}"


def latency_ms(n: int) -> float:
    """A fixed, varied provider latency per device: 60 to 300 ms, the last one slowest."""
    return 300.0 if n == 19 else 60.0 + (n * 37) % 220


def routes() -> list[tuple[str, str | None]]:
    """(app, APNs environment) of the 20 devices."""
    return [(APP_IOS, "production")] * 7 + [(APP_IOS, "sandbox")] * 6 + [(APP_ANDROID, None)] * 7


def team_rows() -> list[dict[str, Any]]:
    now = datetime.now(UTC).replace(tzinfo=None)
    rows = []
    for n, (app, env) in enumerate([*routes(), (APP_ANDROID, None)]):
        ios = app == APP_IOS
        iid = device_id(n) if n < 20 else CUSTOMER_PHONE
        token = f"{n:02d}" * 32 if ios else f"bench-{n:02d}:APA91b" + "x" * 140
        rows.append(dict(
            installation_id=iid, app_id=app, custom_user_id=f"bench-{n}", advertising_id=None,
            platform="ios" if ios else "android", device_brand=None, device_model=None,
            os_version=None, app_version="6.2.0", sdk_version="4.8.1", language="en",
            region="US", timezone="UTC", push_provider="apns" if ios else "fcm",
            push_token=token, apns_environment=env,
            push_token_updated_at=now - timedelta(days=3), push_token_status="active",
            notifications_enabled=True, installed_at=now - timedelta(days=30),
            last_seen_at=now - timedelta(hours=1), attributes=None,
        ))  # fmt: skip
    return rows


class Slow:
    """A provider that takes `delay(installation)` before its real request, as the network
    and the provider would; it counts the time spent in its calls."""

    def __init__(self, inner: Any, delay: Callable[[Installation], float]) -> None:
        self.inner = inner
        self.name = inner.name
        self.simulated = inner.simulated
        self.delay = delay
        self.spent = threading.local()

    def problem(self, installation: Installation) -> str | None:
        return self.inner.problem(installation)

    def host_for(self, installation: Installation) -> str | None:
        return self.inner.host_for(installation)

    def send(self, push: Outgoing, *, dry_run: bool) -> PushResult:
        start = time.perf_counter()
        try:
            time.sleep(self.delay(push.installation))
            return self.inner.send(push, dry_run=dry_run)
        finally:
            self.spent.value = getattr(self.spent, "value", 0.0) + time.perf_counter() - start

    def check_token(self, push: Outgoing) -> PushResult:
        return self.inner.check_token(push)

    def close(self) -> None:
        self.inner.close()


@dataclass
class World:
    settings: Settings
    store: StoreRepository
    journal: Journal
    db: SignoffStore
    providers: dict[str, Slow]

    def close(self) -> None:
        for provider in self.providers.values():
            provider.close()
        self.db.close()
        self.journal.close()
        self.store.close()


def delays() -> Callable[[Installation], float]:
    by_id = {device_id(n): latency_ms(n) / 1000 for n in range(20)}
    return lambda inst: by_id.get(inst.installation_id, 0.08)


def open_world(env: dict[str, str], store_url: URL) -> World:
    settings = load_settings(env)
    store = StoreRepository.open(store_url)
    journal = Journal.open(settings)
    db = SignoffStore.open(settings)
    delay = delays()
    providers = {
        "fcm": Slow(FcmProvider(settings), delay),
        "apns": Slow(ApnsProvider(settings), delay),
    }
    return World(settings, store, journal, db, providers)


def build_store(url: URL) -> None:
    build_demo_store(url)
    engine = open_writable_engine(url)
    try:
        with engine.begin() as conn:
            bulk_insert(conn, "installations", team_rows())
    finally:
        engine.dispose()


def register(journal: Journal) -> None:
    for n in range(20):
        journal.add_test_device(device_id(n), f"Phone {n:02d}", "bench")


def median(values: list[float]) -> float:
    return statistics.median(values)


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))]


# -- 1. a proof to 20 devices ---------------------------------------------------------------


def proof_figures(world: World, rounds: int, label: str) -> None:
    push = PushService(world.settings, world.store, world.journal, world.providers)
    for iid in (device_id(0), device_id(7), device_id(13)):  # OAuth token, connections, JWTs
        push.send(push.prepare(iid, SALE))
    singles: dict[str, list[float]] = {}
    for _ in range(rounds):
        for n in range(20):
            start = time.perf_counter()
            result = push.send(push.prepare(device_id(n), SALE))
            singles.setdefault(device_id(n), []).append((time.perf_counter() - start) * 1000)
            assert result.ok, result.explanation
    slowest = max(median(v) for v in singles.values())
    service = ProofService(
        world.settings, world.store, world.journal, world.db,
        providers=world.providers,
    )  # fmt: skip
    plans, sends, firsts = [], [], []
    try:
        for _ in range(rounds):
            start = time.perf_counter()
            plan = service.plan("com.example.shop", SALE)
            planned = time.perf_counter()
            arrivals: list[float] = []

            def arrived(_verdict: DeviceVerdict, into: list[float] = arrivals) -> None:
                into.append(time.perf_counter())

            proof = service.send(plan, on_verdict=arrived)
            done = max(arrivals)
            assert proof.accepted == 20, [d.detail for d in proof.devices if not d.ok]
            plans.append((planned - start) * 1000)
            sends.append((done - planned) * 1000)
            firsts.append((min(arrivals) - planned) * 1000)
        workers = service.workers
    finally:
        service.close()
        push.close()
    proof_ms = median(sends)
    print(
        f"{label:<44} {workers:>3} threads  slowest single {slowest:6.0f} ms  proof"
        f" {proof_ms:6.0f} ms  = {proof_ms / slowest:4.2f}x  (first verdict"
        f" {median(firsts):4.0f} ms; plan {median(plans):4.0f} ms)"
    )


@contextlib.contextmanager
def queue_pools() -> Iterator[None]:
    """The proposed fix, for the figures only: SQLite engines made from a `creator` get
    a QueuePool (as SQLAlchemy gives a file URL) instead of a SingletonThreadPool."""
    import inspector.journal.engine as journal_engine
    import inspector.store.engine as store_engine

    originals = (store_engine.create_engine, journal_engine.create_engine)

    def pooled(url: Any, **kwargs: Any) -> Any:
        if str(url).startswith("sqlite") and "creator" in kwargs:
            kwargs.setdefault("poolclass", QueuePool)
        return create_engine(url, **kwargs)

    store_engine.create_engine = pooled
    journal_engine.create_engine = pooled
    try:
        yield
    finally:
        store_engine.create_engine, journal_engine.create_engine = originals


@contextlib.contextmanager
def postgres_database(admin: URL, name: str) -> Iterator[URL]:
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin.set(database=name)
    finally:
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()


# -- 2. approving and sending an approved request ----------------------------------------------


def approval_figures(env: dict[str, str], store_url: URL, n: int) -> None:
    ana_world = open_world({**env, "INSPECTOR_OPERATOR": "ana"}, store_url)
    bob_settings = load_settings({**env, "INSPECTOR_OPERATOR": "bob"})
    bob_journal = Journal.open(bob_settings)
    bob_db = SignoffStore.open(bob_settings)
    ana = ApprovalService(ana_world.settings, ana_world.journal, ana_world.db)
    bob = ApprovalService(bob_settings, bob_journal, bob_db)
    push = PushService(ana_world.settings, ana_world.store, ana_world.journal, ana_world.providers)
    fcm = ana_world.providers["fcm"]
    try:
        approves, sends, overheads, providers = [], [], [], []
        for i in range(n + 3):
            asked = ana.request(push, CUSTOMER_PHONE, CHECK)
            fcm.spent.value = 0.0
            start = time.perf_counter()
            bob.approve(asked.id)
            approved = time.perf_counter()
            result, _ = ana.send_approved(push, asked.id)
            done = time.perf_counter()
            assert result.ok, result.explanation
            if i < 3:
                continue  # warm-up: OAuth token, connection
            provider_ms = fcm.spent.value * 1000
            approves.append((approved - start) * 1000)
            sends.append((done - approved) * 1000)
            providers.append(provider_ms)
            overheads.append((done - start) * 1000 - provider_ms)
        print(
            f"approve + send an approved request ({n} times, FCM, SQLite journal): overhead"
            f" p50 {median(overheads):.1f} ms, p90 {pct(overheads, 0.9):.1f} ms"
            f" (approve p50 {median(approves):.1f} ms; send p50 {median(sends):.1f} ms of"
            f" which the provider {median(providers):.1f} ms)"
        )
    finally:
        push.close()
        bob_db.close()
        bob_journal.close()
        ana_world.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--approvals", type=int, default=100)
    args = parser.parse_args()

    root = Path(tempfile.mkdtemp(prefix="bench-signoff-"))
    account, key = ServiceAccount.generate(), ApnsKey.generate()
    fcm = FakeFcm([account]).start()
    known = KnownKey(key.public_pem, key.key_id, key.team_id, frozenset({TOPIC}))
    apns = {env: FakeApns([known]).start() for env in ("production", "sandbox")}
    store_url = make_url(f"sqlite:///{root / 'store.db'}")
    build_store(store_url)
    env = {
        "INSPECTOR_STORE_URL": store_url.render_as_string(hide_password=False),
        "INSPECTOR_ENVIRONMENT": "staging",
        "INSPECTOR_OPERATOR": "bench",
        "INSPECTOR_PUSH_POLICY": "any",
        "INSPECTOR_FCM_CREDENTIALS": str(account.write(root / "sa.json", fcm.token_uri)),
        "INSPECTOR_FCM_URL": fcm.url,
        "INSPECTOR_APNS_KEY_FILE": str(key.write(root)),
        "INSPECTOR_APNS_KEY_ID": key.key_id,
        "INSPECTOR_APNS_TEAM_ID": key.team_id,
        "INSPECTOR_APNS_URL_PRODUCTION": apns["production"].url,
        "INSPECTOR_APNS_URL_SANDBOX": apns["sandbox"].url,
        "INSPECTOR_PUSH_MAX_PER_MINUTE": "0",
        "INSPECTOR_PUSH_DEVICE_COOLDOWN": "0",
    }
    try:
        print(f"a proof to 20 test devices, provider latency 60-300 ms per device,"
              f" median of {args.rounds}")  # fmt: skip
        journal_env = {**env, "INSPECTOR_JOURNAL_URL": f"sqlite:///{root / 'journal.db'}"}
        world = open_world(journal_env, store_url)
        register(world.journal)
        try:
            proof_figures(world, args.rounds, "SQLite store and journal (as shipped)")
        finally:
            world.close()
        with queue_pools():
            world = open_world(journal_env, store_url)
            try:
                proof_figures(world, args.rounds, "SQLite, engines on a QueuePool (proposed)")
            finally:
                world.close()
        admin = os.environ.get("INSPECTOR_TEST_POSTGRES_URL")
        if admin:
            name = f"bench_signoff_{os.getpid()}"
            with (
                postgres_database(make_url(admin), name + "_store") as pg_store,
                postgres_database(make_url(admin), name + "_journal") as pg_journal,
            ):
                build_store(pg_store)
                pg_env = {
                    **env,
                    "INSPECTOR_STORE_URL": pg_store.render_as_string(hide_password=False),
                    "INSPECTOR_JOURNAL_URL": pg_journal.render_as_string(hide_password=False),
                }
                world = open_world(pg_env, pg_store)
                register(world.journal)
                try:
                    proof_figures(world, args.rounds, "PostgreSQL store and journal")
                finally:
                    world.close()
        approval_figures(journal_env, store_url, args.approvals)
    finally:
        fcm.stop()
        for fake in apns.values():
            fake.stop()


if __name__ == "__main__":
    main()
