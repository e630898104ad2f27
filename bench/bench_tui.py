"""Figures for the Textual app, measured headless with Pilot. A script, not a test.

    .venv/bin/python bench/bench_tui.py --store-url sqlite:////path/store-1m.db \
        [--lookups 50] [--heavy-iid IID | --seed 0] [--proof-devices 20 --proof-rounds 5]

The store figures build nothing: point it at a store made with
`inspector demo --installations 1000000 --heavy-device-events 1000000 --url ...`
(without --store-url only the proof figures are printed).
Prints:
- Enter -> device details drawn, p50/p90 over N lookups (keys sampled from the store,
  rotating Customer ID, Installation ID, Advertising ID and push token);
- cold start to the search input ready, the inspector vs a minimal Textual app (Header,
  Input, DataTable), each started as a fresh process, median of 5, in the same run; for
  the inspector also when its store and journal are open (it opens them after the first
  frame), and the app given a store opened before it starts, for comparison;
- opening the device with the most events: time to the first history page drawn and the
  process's resident memory before and after (and after scrolling 10 more pages);
- switching profile (two profiles of a profile file on this store, each with its own
  journal): Enter on the profile in the switcher -> the new profile's search box focused
  on screen, p50/p90 over --switches switches; and -> its store and journal open (a
  search runs at once; one typed earlier waits for them);
- a proof to --proof-devices test devices in the UI (a store and journal of its own on
  SQLite, the local fake FCM and APNs in a process of their own as a provider is, or with
  --fakes-here also in this one; each provider call given a fixed latency of 60 to
  300 ms per device, slept in the sending thread as the network would): Send pressed on
  the confirm screen -> every device's verdict drawn in the live table, against the
  slowest single send (prepare + send through the app's push service) to any of them.
  Target: within 1.5x the slowest single send.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

# The proof figures use the test suite's fake providers and team store.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import text
from sqlalchemy.engine import URL, make_url

from inspector.config import Settings, load_settings
from inspector.services import Services
from inspector.store.repository import StoreRepository

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
# The store as a staging one: a production profile's operator is the OS account.
STAGING = {"INSPECTOR_ENVIRONMENT": "staging", "INSPECTOR_OPERATOR": "bench"}
SIZE = (140, 45)


def rss_mib() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def send_key(app: Any, key: str, char: str | None = None) -> None:
    """What Pilot.press does, without its wait for the process to go idle (that wait is
    a test heuristic of up to a second, not something a user sees)."""
    from textual import events

    event = events.Key(key, char)
    event.set_sender(app)
    app._driver.send_message(event)


async def until(condition: Any, every: float = 0.0002) -> None:
    while not condition():
        await asyncio.sleep(every)


class Frames:
    """Times the frames the screen renders: `first_with(condition)` is the end of the first
    frame rendered while the condition held, i.e. the state is on screen."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.condition: Any = None
        self.drawn_at: float | None = None
        screen = app.screen
        original = screen._compositor_refresh

        def timed(*args: Any, **kwargs: Any) -> Any:
            result = original(*args, **kwargs)
            if self.condition is not None and self.drawn_at is None and self.condition():
                self.drawn_at = time.perf_counter()
            return result

        screen._compositor_refresh = timed

    async def first_with(self, condition: Any, every: float = 0.0002) -> float:
        """`every`: how often to look (the frame's own time is what is returned)."""
        self.drawn_at = None
        self.condition = condition
        await until(lambda: self.drawn_at is not None, every)
        self.condition = None
        assert self.drawn_at is not None
        return self.drawn_at


def sample_queries(store: StoreRepository, n: int, rng: random.Random) -> list[str]:
    """Real keys from the store: one PK range probe per sample, rotating key kinds."""
    queries: list[str] = []
    kinds = ("custom_user_id", "installation_id", "advertising_id", "push_token")
    stmt = text(
        "SELECT installation_id, custom_user_id, advertising_id, push_token FROM installations "
        "WHERE installation_id >= :start ORDER BY installation_id LIMIT 1"
    )
    with store.engine.connect() as conn:
        while len(queries) < n:
            row = conn.execute(stmt, {"start": str(uuid.UUID(int=rng.getrandbits(128)))}).first()
            if row is None:
                continue
            kind = kinds[len(queries) % len(kinds)]
            value = row._mapping[kind]
            if not value or value.replace("-", "").strip("0") == "":
                value = row.installation_id
            queries.append(value)
    return queries


def heaviest_device(store: StoreRepository, seed: int | None) -> str | None:
    if seed is not None:
        try:
            from inspector.fixtures.generator import heavy_installation_id
        except ImportError:
            return None
        return heavy_installation_id(seed)
    return None


async def measure_lookups(store_url: str, queries: list[str]) -> list[float]:
    from inspector.tui.app import InspectorApp

    settings = load_settings(STAGING | {"INSPECTOR_STORE_URL": store_url})
    store = StoreRepository.open(settings.store_url)
    app = InspectorApp(settings, Services(settings, store=store), clock=lambda: NOW)
    times: list[float] = []
    async with app.run_test(size=SIZE) as pilot:
        frames = Frames(app)
        search = app.query_one("#search")
        for query in queries:
            await pilot.press("slash")
            search.value = query  # type: ignore[attr-defined]
            await pilot.pause()
            started = time.perf_counter()
            send_key(app, "enter", "\r")

            def shown(query: str = query) -> bool:
                if app.query_one("#status").has_class("-error"):
                    raise SystemExit(f"lookup failed: {app.query_one('#status').content}")
                view, device = app.main.view, app.main.device
                return view is not None and view.query == query and device is not None

            times.append((await frames.first_with(shown) - started) * 1000)
            await app.workers.wait_for_complete()  # the history page, before the next lookup
    store.close()
    return times


async def measure_heavy(
    store_url: str, iid: str, warmup_queries: list[str], pages: int = 10
) -> dict[str, float]:
    from inspector.tui.app import InspectorApp

    settings = load_settings(STAGING | {"INSPECTOR_STORE_URL": store_url})
    store = StoreRepository.open(settings.store_url)
    raw_started = time.perf_counter()
    store.history(iid, limit=50)
    raw_ms = (time.perf_counter() - raw_started) * 1000
    app = InspectorApp(settings, Services(settings, store=store), clock=lambda: NOW)
    figures: dict[str, float] = {"store_first_page_ms": raw_ms}
    async with app.run_test(size=SIZE) as pilot:
        frames = Frames(app)
        # A device is open first, as in a working session: the tabs are laid out.
        for query in warmup_queries:
            await pilot.press("slash")
            app.query_one("#search").value = query  # type: ignore[attr-defined]
            await pilot.press("enter")
            await app.workers.wait_for_complete()
            await pilot.pause()
            device = app.main.device
            if device is not None and device.installation.installation_id != iid:
                break
        figures["rss_before_mib"] = rss_mib()
        await pilot.press("slash")
        app.query_one("#search").value = iid  # type: ignore[attr-defined]
        await pilot.pause()
        table = app.query_one("#history-table")
        app.query_one("#tabs").active = "history"  # type: ignore[attr-defined]
        await pilot.pause()
        started = time.perf_counter()
        send_key(app, "enter", "\r")

        def opened() -> bool:
            device = app.main.device
            return (
                device is not None
                and device.installation.installation_id == iid
                and app.query_one("#history-view").events  # type: ignore[attr-defined]
                and next(iter(app.query_one("#history-view").events.values())).installation_id
                == iid
            )

        drawn_at = await frames.first_with(opened)
        figures["first_page_ms"] = (drawn_at - started) * 1000
        await app.workers.wait_for_complete()
        await pilot.pause()
        figures["rss_after_open_mib"] = rss_mib()
        table.focus()
        for _ in range(pages):
            before = table.row_count  # type: ignore[attr-defined]
            await pilot.press("end")
            await until(lambda before=before: table.row_count > before)  # type: ignore[attr-defined]
            await pilot.pause()
        figures["rows_after_scroll"] = float(table.row_count)  # type: ignore[attr-defined]
        figures["rss_after_scroll_mib"] = rss_mib()
    store.close()
    return figures


PROFILES = """
[profiles.blue]
environment = "staging"
label = "Blue"
store = "{store}"
journal = "sqlite:///{dir}/journal-blue.db"

[profiles.green]
environment = "development"
label = "Green"
store = "{store}"
journal = "sqlite:///{dir}/journal-green.db"
"""


async def measure_switches(store_url: str, switches: int) -> dict[str, list[float]]:
    """Switch between two profiles of a profile file, both on this store, by the keys."""
    from textual.widgets import OptionList

    from inspector.tui.app import InspectorApp
    from inspector.tui.screens.main import MainScreen
    from inspector.tui.screens.profiles import ProfilesScreen

    figures: dict[str, list[float]] = {"ready": [], "open": []}
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "inspector.toml")
        with open(path, "w") as f:
            f.write(PROFILES.format(store=store_url, dir=folder))
        env = STAGING

        def load(name: str) -> Settings:
            return load_settings(env, profile=name, config=path)

        settings = load("blue")
        app = InspectorApp(
            settings, Services.configured(settings), clock=lambda: NOW, load_profile=load
        )
        # Every main screen's frames are timed: each switch brings a new one.
        drawn: dict[str, Any] = {"condition": None, "at": None}
        original = MainScreen._compositor_refresh

        def timed(screen: Any, *args: Any, **kwargs: Any) -> Any:
            result = original(screen, *args, **kwargs)
            condition = drawn["condition"]
            if condition is not None and drawn["at"] is None and condition():
                drawn["at"] = time.perf_counter()
            return result

        MainScreen._compositor_refresh = timed  # type: ignore[method-assign]
        try:
            async with app.run_test(size=SIZE) as pilot:
                await until(lambda: not app.services.opening)
                await app.workers.wait_for_complete()
                for n in range(switches):
                    target = "green" if n % 2 == 0 else "blue"
                    send_key(app, "f2")
                    await until(lambda: isinstance(app.screen, ProfilesScreen))
                    await pilot.pause()
                    options = app.screen.query_one(OptionList)
                    options.highlighted = options.get_option_index(target)
                    await pilot.pause()

                    def ready(target: str = target) -> bool:
                        focused = app.focused
                        return (
                            app.settings.profile == target
                            and app.screen is app.main
                            and focused is not None
                            and focused.id == "search"
                        )

                    drawn["at"], drawn["condition"] = None, ready
                    started = time.perf_counter()
                    send_key(app, "enter", "\r")
                    await until(lambda: drawn["at"] is not None)
                    drawn["condition"] = None
                    figures["ready"].append((drawn["at"] - started) * 1000)
                    await until(lambda: not app.services.opening)
                    figures["open"].append((time.perf_counter() - started) * 1000)
                    # The old profile's services close in a worker before the next one.
                    await app.workers.wait_for_complete()
                    await pilot.pause()
        finally:
            MainScreen._compositor_refresh = original  # type: ignore[method-assign]
    return figures


# -- a proof in the UI -------------------------------------------------------------------------


class SlowProvider:
    """A provider that takes `delay(installation)` seconds before its real request, as the
    network and the provider would."""

    def __init__(self, inner: Any, delay: Any) -> None:
        self.inner = inner
        self.name = inner.name
        self.simulated = inner.simulated
        self.delay = delay

    def problem(self, installation: Any) -> Any:
        return self.inner.problem(installation)

    def host_for(self, installation: Any) -> Any:
        return self.inner.host_for(installation)

    def send(self, push: Any, *, dry_run: bool) -> Any:
        time.sleep(self.delay(push.installation))
        return self.inner.send(push, dry_run=dry_run)

    def check_token(self, push: Any) -> Any:
        return self.inner.check_token(push)

    def close(self) -> None:
        self.inner.close()


def proof_latency(devices: int) -> Any:
    """60 to 300 ms per device, fixed; the last one the slowest."""
    from tests.tui.signoff_team import TARGETS, bench_device

    ids = [*TARGETS, *(bench_device(n) for n in range(devices - len(TARGETS)))]
    by_id = {iid: (300.0 if n == len(ids) - 1 else 60.0 + (n * 37) % 220) / 1000
             for n, iid in enumerate(ids)}  # fmt: skip
    return lambda inst: by_id.get(inst.installation_id, 0.08), ids


# The fake FCM and APNs in a process of their own, as a provider is: their work does not
# share this interpreter with the inspector's.
_FAKES_CHILD = """
import json, sys
from pathlib import Path
sys.path.insert(0, sys.argv[2])
from tests.tui.signoff_team import Fakes
fakes = Fakes(Path(sys.argv[1]))
print(json.dumps({
    "fcm": fakes.fcm.url, "production": fakes.apns["production"].url,
    "sandbox": fakes.apns["sandbox"].url, "key_id": fakes.apns_key.key_id,
    "team_id": fakes.apns_key.team_id,
    "credentials": {k: str(v) for k, v in fakes.credentials.items()},
}), flush=True)
sys.stdin.read()
fakes.stop()
"""


class FakesElsewhere:
    """tests.tui.signoff_team.Fakes, run in a child process."""

    def __init__(self, root: Path) -> None:
        from types import SimpleNamespace as Named

        here = str(Path(__file__).resolve().parents[1])
        self.child = subprocess.Popen(
            [sys.executable, "-c", _FAKES_CHILD, str(root), here],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        assert self.child.stdout is not None
        facts = json.loads(self.child.stdout.readline())
        self.fcm = Named(url=facts["fcm"])
        self.apns = {env: Named(url=facts[env]) for env in ("production", "sandbox")}
        self.apns_key = Named(key_id=facts["key_id"], team_id=facts["team_id"])
        self.credentials = {k: Path(v) for k, v in facts["credentials"].items()}

    def env(self, store_url: URL, journal_path: Path, **kw: str) -> dict[str, str]:
        from tests.tui.signoff_team import settings_env

        return settings_env(
            store_url=store_url, journal_path=journal_path, credentials=self.credentials,
            fcm=self.fcm, apns=self.apns, apns_key=self.apns_key, **kw,
        )  # fmt: skip

    def stop(self) -> None:
        assert self.child.stdin is not None
        self.child.stdin.close()
        self.child.wait(10)


async def measure_proof(devices: int, rounds: int, fakes_here: bool = False) -> dict[str, Any]:
    """Send pressed -> all verdicts drawn, per round; and the slowest single send.
    `fakes_here`: the fakes in this process rather than a child of their own."""
    from textual.widgets import Button, Input, TextArea

    from inspector.journal import Journal
    from inspector.push import Compose, PushService
    from inspector.push.apns import ApnsProvider
    from inspector.push.fcm import FcmProvider
    from inspector.tui.app import InspectorApp
    from inspector.tui.screens.proof_compose import ProofComposeScreen
    from inspector.tui.screens.proof_confirm import ProofConfirmScreen
    from inspector.tui.screens.proof_live import ProofLiveScreen
    from tests.tui.signoff_team import TARGETS, Fakes, build_team_store, register_team

    extra = max(0, devices - len(TARGETS))
    sale = Compose(title="Spring sale", body="30% off everything", mark_as_test=False)
    with tempfile.TemporaryDirectory() as folder:
        root = os.path.join(folder, "credentials")
        os.mkdir(root)
        fakes: Any = Fakes(Path(root)) if fakes_here else FakesElsewhere(Path(root))
        store_url = URL.create("sqlite", database=os.path.join(folder, "store.db"))
        build_team_store(store_url, extra=extra)
        env = fakes.env(store_url, Path(folder) / "journal.db", operator="bench",
                        push_max_per_minute="0", proof_cap=str(max(devices, 1)))  # fmt: skip
        settings = load_settings(env)
        store = StoreRepository.open(store_url)
        journal = Journal.open(settings)
        register_team(journal, extra=extra)
        delay, ids = proof_latency(devices)
        providers = {
            "fcm": SlowProvider(FcmProvider(settings), delay),
            "apns": SlowProvider(ApnsProvider(settings), delay),
        }
        push = PushService(settings, store, journal, providers)
        singles = []
        for iid in ids:  # the first of each opens its connection: not counted twice
            push.send(push.prepare(iid, sale))
        for iid in ids:
            started = time.perf_counter()
            push.send(push.prepare(iid, sale))
            singles.append((time.perf_counter() - started) * 1000)
        services = Services(settings, store=store, journal=journal, push=push)
        app = InspectorApp(settings, services, clock=lambda: NOW)
        rounds_ms: list[float] = []
        async with app.run_test(size=SIZE) as pilot:
            app.main.query_one("#search", Input).value = f"iid:{ids[0]}"
            await pilot.press("enter")
            await until(lambda: app.main.device is not None)
            await app.workers.wait_for_complete()
            for _ in range(rounds):
                send_key(app, "o", "o")
                await until(lambda: isinstance(app.screen, ProofComposeScreen))
                await pilot.pause()
                app.screen.query_one("#proof-title", Input).value = sale.title
                app.screen.query_one("#proof-body", TextArea).text = sale.body
                await pilot.pause()
                send_key(app, "ctrl+s")
                await until(lambda: isinstance(app.screen, ProofConfirmScreen))
                await pilot.pause()
                started = time.perf_counter()
                app.screen.query_one("#send", Button).press()
                # Looked at every 5 ms, not spun on: the sends share the interpreter with
                # this loop (the frame's own time is what is measured).
                await until(lambda: isinstance(app.screen, ProofLiveScreen), 0.005)
                live = app.screen
                frames = Frames(app)

                def all_drawn(live: Any = live) -> bool:
                    return len(live.answered) == devices

                drawn = await frames.first_with(all_drawn, 0.005)
                rounds_ms.append((drawn - started) * 1000)
                await app.workers.wait_for_complete()
                send_key(app, "escape")
                await until(lambda: app.screen is app.main)
                await pilot.pause()
        journal.close()
        push.close()
        store.close()
        fakes.stop()
    return {"rounds": rounds_ms, "singles": singles}


# Each child writes perf_counter() at the moments measured, straight to fd 1 (the app's
# print capture would swallow print()). perf_counter is CLOCK_MONOTONIC on Linux: the same
# clock in the parent and the children, so "ready at" counts from before the spawn.
_READY = """
import os, time
def mark(what):
    os.write(1, f"{what} {time.perf_counter()}\\n".encode())
"""

# `inspector` as a user starts it (cli.main with no arguments), run headless: the app
# class run_tui imports is swapped for one that marks the moments and exits.
_START_INSPECTOR = (
    _READY
    + """
import sys
import inspector.tui.app as tui_app
import inspector.tui.screens.main as main_screen
class Timed(tui_app.InspectorApp):
    def on_ready(self):
        assert self.focused is self.query_one("#search")
        mark("ready")
    def run(self, **kwargs):
        return super().run(headless=True, size=(140, 45))
opened = main_screen.MainScreen.on_services_opened
def timed_opened(self, message):
    assert message.report.store_error is None, message.report.store_error
    mark("store")
    opened(self, message)
    self.app.call_after_refresh(self.app.exit)
main_screen.MainScreen.on_services_opened = timed_opened
tui_app.InspectorApp = Timed
from inspector.cli import main
sys.exit(main([]))
"""
)

# The app given a store opened before it starts (as `inspector` started before).
_START_STORE_FIRST = (
    _READY
    + """
import sys
from inspector.config import load_settings
from inspector.store.repository import StoreRepository
from inspector.services import Services
from inspector.tui.app import InspectorApp
settings = load_settings()
store = StoreRepository.open(settings.store_url)
store.check_schema()
class Timed(InspectorApp):
    def on_ready(self):
        assert self.focused is self.query_one("#search")
        mark("ready")
        self.call_after_refresh(self.exit)
Timed(settings, Services(settings, store=store)).run(headless=True, size=(140, 45))
"""
)

_START_MINIMAL = (
    _READY
    + """
from textual.app import App
from textual.widgets import DataTable, Header, Input
class Minimal(App):
    def compose(self):
        yield Header()
        yield Input(placeholder="search")
        yield DataTable()
    def on_ready(self):
        assert self.focused is self.query_one(Input)
        mark("ready")
        self.call_after_refresh(self.exit)
Minimal().run(headless=True, size=(140, 45))
"""
)


def cold_start(code: str, store_url: str, runs: int = 5) -> dict[str, float]:
    """Median over fresh processes of each moment the child marks, in ms from the spawn."""
    env = dict(os.environ, INSPECTOR_STORE_URL=store_url, **STAGING)
    moments: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory() as home:
        env["XDG_DATA_HOME"] = home  # the journal in a scratch data dir
        for _ in range(runs):
            started = time.perf_counter()
            out = subprocess.run(
                [sys.executable, "-c", code], check=True, env=env, capture_output=True, text=True
            ).stdout
            for line in out.splitlines():
                what, _, at = line.partition(" ")
                moments.setdefault(what, []).append((float(at) - started) * 1000)
    return {what: statistics.median(times) for what, times in moments.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store-url", help="the store of the lookup figures")
    parser.add_argument("--lookups", type=int, default=50)
    parser.add_argument("--heavy-iid", help="the device with the most events")
    parser.add_argument("--seed", type=int, help="generator seed: derives --heavy-iid")
    parser.add_argument("--random-seed", type=int, default=7)
    parser.add_argument("--switches", type=int, default=20, help="profile switches to time")
    parser.add_argument("--proof-devices", type=int, default=20, help="0: no proof figures")
    parser.add_argument("--proof-rounds", type=int, default=5)
    parser.add_argument("--fakes-here", action="store_true",
                        help="also time the proof with the fakes in this process")  # fmt: skip
    args = parser.parse_args()

    if args.proof_devices:
        where = [("in a process of their own", False)]
        if args.fakes_here:
            where.append(("in this process", True))
        for words, here in where:
            proof = asyncio.run(measure_proof(args.proof_devices, args.proof_rounds, here))
            slowest = max(proof["singles"])
            times = proof["rounds"]
            print(f"proof to {args.proof_devices} test devices (provider latency 60-300 ms"
                  f" each; the fakes {words}): Send -> all verdicts drawn p50"
                  f" {statistics.median(times):.0f} ms, max {max(times):.0f} ms over"
                  f" {len(times)} proofs; slowest single send {slowest:.0f} ms (median single"
                  f" {statistics.median(proof['singles']):.0f} ms); ratio p50"
                  f" {statistics.median(times) / slowest:.2f}x (target 1.5x)")  # fmt: skip
    if not args.store_url:
        return 0

    url = make_url(args.store_url)
    store = StoreRepository.open(url)
    with store.engine.connect() as conn:
        installations = conn.execute(text("SELECT COUNT(*) FROM installations")).scalar_one()
    queries = sample_queries(store, args.lookups, random.Random(args.random_seed))
    heavy = args.heavy_iid or heaviest_device(store, args.seed)
    store.close()
    print(f"store: {store.label}, {installations:,} installations")

    times = asyncio.run(measure_lookups(args.store_url, queries))
    p50 = statistics.median(times)
    p90 = statistics.quantiles(times, n=10)[-1] if len(times) >= 10 else max(times)
    print(f"Enter -> details drawn over {len(times)} lookups: p50 {p50:.1f} ms, p90 {p90:.1f} ms,"
          f" max {max(times):.1f} ms")  # fmt: skip

    minimal = cold_start(_START_MINIMAL, args.store_url)
    inspector = cold_start(_START_INSPECTOR, args.store_url)
    store_first = cold_start(_START_STORE_FIRST, args.store_url)
    base = minimal["ready"]
    print("cold start, process spawn to the search input focused on screen (median of 5):")
    print(f"  minimal Textual app (Header, Input, DataTable)  {base:.0f} ms")
    print(f"  `inspector` (CLI, no arguments)  {inspector['ready']:.0f} ms"
          f"  ratio {inspector['ready'] / base:.2f}x;"
          f" store and journal open (a search runs) at {inspector['store']:.0f} ms")  # fmt: skip
    print(f"  InspectorApp given a store opened before it starts  {store_first['ready']:.0f} ms"
          f"  ratio {store_first['ready'] / base:.2f}x")  # fmt: skip

    if heavy:
        figures: dict[str, Any] = asyncio.run(measure_heavy(args.store_url, heavy, queries))
        print(f"device with the most events ({heavy}):")
        print(f"  first history page drawn {figures['first_page_ms']:.1f} ms from Enter "
              f"(store alone {figures['store_first_page_ms']:.1f} ms)")  # fmt: skip
        rows, after = figures["rows_after_scroll"], figures["rss_after_scroll_mib"]
        print(f"  RSS before {figures['rss_before_mib']:.1f} MiB, after opening "
              f"{figures['rss_after_open_mib']:.1f} MiB, after scrolling to "
              f"{rows:.0f} events {after:.1f} MiB")  # fmt: skip
    else:
        print("no heavy device given (--heavy-iid or --seed): history figures skipped")

    if args.switches:
        switched = asyncio.run(measure_switches(args.store_url, args.switches))
        for what, label in (("ready", "search box focused on screen"),
                            ("open", "store and journal open")):  # fmt: skip
            times = switched[what]
            p90 = statistics.quantiles(times, n=10)[-1] if len(times) >= 10 else max(times)
            print(f"switch profile (Enter in the switcher) -> {label}, over {len(times)}"
                  f" switches: p50 {statistics.median(times):.1f} ms, p90 {p90:.1f} ms,"
                  f" max {max(times):.1f} ms")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
