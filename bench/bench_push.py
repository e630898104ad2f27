"""Push figures against the local fake FCM and APNs (tests/push/fakes). Prints, asserts nothing.

For each provider, N sends through PushService (prepare + send: store re-reads, policy and
rate-limit reads of the journal (the send reads them again inside the intent's
transaction), intent and outcome appends on a SQLite journal with synchronous=FULL, payload
building, pyfcm / httpx). The time on the wire (request handed to the HTTP library until
its response is back, measured by wrapping the library's send) is subtracted: what is left
is the inspector's overhead, compose-to-request plus response-to-verdict. Then ten APNs
sends in a row: connections and JWTs the fake saw.

    .venv/bin/python bench/bench_push.py [--sends 200]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from inspector.config import load_settings
from inspector.fixtures.demo import ANA_IPHONE, UNICODE_DEVICE, build_demo_store
from inspector.journal import Journal
from inspector.push import Compose, PushService
from inspector.push.verdict import verdict_text
from inspector.store.repository import StoreRepository
from tests.push.fakes.apns_server import FakeApns
from tests.push.fakes.fcm_server import FakeFcm
from tests.push.fakes.keys import (
    APNS_KEY_ID,
    APNS_TEAM_ID,
    ApnsKey,
    ServiceAccount,
)

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
    fcm = FakeFcm(account.public_pem).start()
    apns = FakeApns(apns_key.public_pem, APNS_KEY_ID, APNS_TEAM_ID, "com.example.shop").start()
    env = {
        "INSPECTOR_STORE_URL": store_url,
        "INSPECTOR_ENVIRONMENT": "staging",
        "INSPECTOR_JOURNAL_URL": f"sqlite:///{root / 'journal.db'}",
        "INSPECTOR_OPERATOR": "bench",
        "INSPECTOR_PUSH_POLICY": "any",
        "INSPECTOR_FCM_CREDENTIALS": str(account.write(root / "sa.json", fcm.token_uri)),
        "INSPECTOR_FCM_URL": fcm.url,
        "INSPECTOR_APNS_KEY_FILE": str(apns_key.write(root)),
        "INSPECTOR_APNS_KEY_ID": APNS_KEY_ID,
        "INSPECTOR_APNS_TEAM_ID": APNS_TEAM_ID,
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
        fcm_provider = service._providers["fcm"]
        apns_provider = service._providers["apns"]
        wire = WireClock()
        session = fcm_provider._api.requests_session
        session.send = wire.wrap(session.send)  # type: ignore[method-assign]
        apns_provider._client.send = wire.wrap(apns_provider._client.send)  # type: ignore[method-assign]

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
            apns_provider._jwt = None
            apns_provider.provider_token()
        sign_ms = (time.perf_counter() - start) * 1000 / 50
        print(f"one ES256 JWT signature (paid once per 40 min): {sign_ms:.2f} ms")
    finally:
        service.close()
        journal.close()
        store.close()
        fcm.stop()
        apns.stop()


if __name__ == "__main__":
    main()
