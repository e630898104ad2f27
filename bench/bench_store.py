"""Lookup and history latency of the store, through the inspector and through the raw driver.

Builds (or reuses, under bench/out/) generated stores of 10,000 and 1,000,000 installations
in SQLite (10,000,000 with --ten-million), the 1,000,000 one in PostgreSQL (kept between
runs) and in MariaDB (a database of its own, dropped after the run unless --keep-mariadb),
then times each lookup kind through StoreRepository.find(parse_query(...)) over thousands
of random keys, and the first history page (50 events) of a device with 100,000 events.
Each timed call through the inspector is paired with the same question asked of the raw
driver (sqlite3 / psycopg / pymysql, one indexed SELECT of the same columns): the table
shows p50, p99 and the ratio inspector/raw.

With --fanout it also times a lookup fanned out over two stores (issue 11: regional
stores), the 1,000,000-installation SQLite and PostgreSQL stores (or, with --fanout-pair
postgresql+postgresql, the PostgreSQL one and a copy of it) asked at once through
RegionalStore, against each store alone, over the same keys: the target is a fan-out p50
within 1.3x of the slower store alone (the stores are asked in parallel, not in turn).
Both stores hold the same generated rows, so every key is found in both and the fan-out
reads two answers: the heavier case (regional stores rarely share a key).

    .venv/bin/python bench/bench_store.py        # 10k and 1M SQLite, 1M PostgreSQL and MariaDB
    .venv/bin/python bench/bench_store.py --sizes 10000 --no-postgres --no-mariadb   # quick
    .venv/bin/python bench/bench_store.py --sizes '' --no-postgres --no-mariadb --fanout
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import random
import sqlite3
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, make_url

from inspector.fixtures.generator import generate
from inspector.fixtures.rows import ZERO_ADID, heavy_installation_id, row_keys
from inspector.lookup import KeyKind, parse_query
from inspector.store.repository import StoreRepository

OUT = Path(__file__).resolve().parent / "out"
# Bump when the generator's output changes, so cached stores are rebuilt.
STORE_VERSION = 1
PAGE = 50

_COLUMNS = (
    "i.installation_id, i.app_id, i.custom_user_id, i.advertising_id, i.platform, "
    "i.device_brand, i.device_model, i.os_version, i.app_version, i.sdk_version, i.language, "
    "i.region, i.timezone, i.push_provider, i.push_token, i.apns_environment, "
    "i.push_token_updated_at, i.push_token_status, i.notifications_enabled, i.installed_at, "
    "i.last_seen_at, i.attributes, a.name, a.platform, a.bundle_id, a.fcm_project_id, "
    "a.apns_topic"
)
_FROM = "FROM installations i JOIN apps a ON a.app_id = i.app_id"
_ORDER = f"ORDER BY i.last_seen_at DESC LIMIT {PAGE + 1}"
# The raw driver's one indexed SELECT per question, in qmark style (psycopg gets %s).
RAW_SQL = {
    "customer ID": f"SELECT {_COLUMNS} {_FROM} WHERE i.custom_user_id = ? {_ORDER}",
    "installation ID (iid:)": (
        f"SELECT {_COLUMNS} {_FROM} WHERE i.installation_id IN (?, ?) {_ORDER}"
    ),
    # A bare UUID is an Installation ID or an Advertising ID: one SELECT asks both.
    "installation ID (bare UUID)": (
        f"SELECT {_COLUMNS} {_FROM} "
        f"WHERE i.installation_id IN (?, ?) OR i.advertising_id IN (?, ?) {_ORDER}"
    ),
    "advertising ID (bare UUID)": (
        f"SELECT {_COLUMNS} {_FROM} "
        f"WHERE i.installation_id IN (?, ?) OR i.advertising_id IN (?, ?) {_ORDER}"
    ),
    "push token": f"SELECT {_COLUMNS} {_FROM} WHERE i.push_token = ? {_ORDER}",
    "history page (50)": (
        "SELECT event_id, installation_id, occurred_at, kind, detail FROM installation_events "
        "WHERE installation_id = ? ORDER BY occurred_at DESC, event_id DESC "
        f"LIMIT {PAGE + 1}"
    ),
}
EXPECTED_KINDS = {
    "customer ID": (KeyKind.CUSTOMER_ID,),
    "installation ID (iid:)": (KeyKind.INSTALLATION_ID,),
    "installation ID (bare UUID)": (KeyKind.INSTALLATION_ID, KeyKind.ADVERTISING_ID),
    "advertising ID (bare UUID)": (KeyKind.INSTALLATION_ID, KeyKind.ADVERTISING_ID),
    "push token": (KeyKind.PUSH_TOKEN,),
}


@dataclass
class Figure:
    store: str
    installations: int
    question: str
    samples: int
    inspector_p50_us: float
    inspector_p99_us: float
    raw_p50_us: float
    raw_p99_us: float

    @property
    def ratio(self) -> float:
        return self.inspector_p50_us / self.raw_p50_us


# -- stores ----------------------------------------------------------------------------


def store_name(n: int, args: argparse.Namespace) -> str:
    return f"store_{n}_s{args.seed}_m{args.events}_h{args.heavy}_v{STORE_VERSION}"


def sqlite_store(n: int, args: argparse.Namespace) -> URL:
    path = OUT / f"{store_name(n, args)}.db"
    if path.is_file() and not args.rebuild:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
            if conn.execute("PRAGMA user_version").fetchone()[0] == STORE_VERSION:
                print(f"reusing {path.name}", file=sys.stderr)
                return URL.create("sqlite", database=str(path))
    OUT.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".building")
    tmp.unlink(missing_ok=True)
    print(f"building {path.name}", file=sys.stderr)
    result = generate(
        URL.create("sqlite", database=str(tmp)),
        n,
        args.events,
        seed=args.seed,
        heavy_device_events=args.heavy,
        progress=sys.stderr,
    )
    with sqlite3.connect(tmp) as conn:
        conn.execute(f"PRAGMA user_version = {STORE_VERSION}")
    os.replace(tmp, path)
    print(f"built in {result.seconds:.0f} s", file=sys.stderr)
    return URL.create("sqlite", database=str(path))


def bench_database(n: int, args: argparse.Namespace) -> str:
    return f"inspector_bench_{store_name(n, args)}".lower()


def postgres_store(n: int, args: argparse.Namespace) -> URL:
    admin_url = make_url(args.pg_url)
    name = bench_database(n, args)
    url = admin_url.set(database=name)
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            comment = conn.execute(
                text(
                    "SELECT shobj_description(oid, 'pg_database') FROM pg_database "
                    "WHERE datname = :name"
                ),
                {"name": name},
            ).first()
            if comment is not None and comment[0] == "complete" and not args.rebuild:
                print(f"reusing PostgreSQL database {name}", file=sys.stderr)
                return url
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f"CREATE DATABASE \"{name}\" ENCODING 'UTF8' TEMPLATE template0"))
        print(f"building PostgreSQL database {name}", file=sys.stderr)
        result = generate(
            url, n, args.events, seed=args.seed, heavy_device_events=args.heavy, progress=sys.stderr
        )
        with admin.connect() as conn:
            conn.execute(text(f"COMMENT ON DATABASE \"{name}\" IS 'complete'"))
        print(f"built in {result.seconds:.0f} s", file=sys.stderr)
    finally:
        admin.dispose()
    return url


def postgres_copy(n: int, args: argparse.Namespace) -> URL:
    """A second PostgreSQL store: a copy of the first (CREATE DATABASE ... TEMPLATE), kept
    between runs like it, for a fan-out over two server databases."""
    source = postgres_store(n, args)
    admin_url = make_url(args.pg_url)
    name = f"{source.database}_copy"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            comment = conn.execute(
                text(
                    "SELECT shobj_description(oid, 'pg_database') FROM pg_database "
                    "WHERE datname = :name"
                ),
                {"name": name},
            ).first()
            if comment is None or comment[0] != "complete" or args.rebuild:
                print(f"copying PostgreSQL database {source.database}", file=sys.stderr)
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{source.database}"'))
                conn.execute(text(f"COMMENT ON DATABASE \"{name}\" IS 'complete'"))
    finally:
        admin.dispose()
    return admin_url.set(database=name)


# A table of its own marks a MariaDB store as completely built (MariaDB databases carry
# no comment): a build cut short is rebuilt.
_COMPLETE = "inspector_bench_complete"


def mariadb_store(n: int, args: argparse.Namespace) -> URL:
    """A MariaDB database of its own on the server of --maria-url, built with the
    generator's generic loader (executemany in batches, indexes after)."""
    admin_url = make_url(args.maria_url)
    name = bench_database(n, args)
    url = admin_url.set(database=name)
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            done = conn.execute(
                text(
                    "SELECT COUNT(*) FROM information_schema.tables "
                    "WHERE table_schema = :name AND table_name = :table"
                ),
                {"name": name, "table": _COMPLETE},
            ).scalar_one()
            if done and not args.rebuild:
                print(f"reusing MariaDB database {name}", file=sys.stderr)
                return url
            conn.execute(text(f"DROP DATABASE IF EXISTS `{name}`"))
            conn.execute(text(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4"))
        print(f"building MariaDB database {name}", file=sys.stderr)
        result = generate(
            url, n, args.events, seed=args.seed, heavy_device_events=args.heavy, progress=sys.stderr
        )
        with admin.connect() as conn:
            conn.execute(text(f"CREATE TABLE `{name}`.{_COMPLETE} (built INTEGER)"))
            conn.execute(
                text(f"ANALYZE TABLE `{name}`.installations, `{name}`.installation_events")
            )
        print(f"built in {result.seconds:.0f} s", file=sys.stderr)
    finally:
        admin.dispose()
    return url


def drop_mariadb_store(url: URL, args: argparse.Namespace) -> None:
    admin = create_engine(make_url(args.maria_url), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS `{url.database}`"))
        print(f"dropped MariaDB database {url.database}", file=sys.stderr)
    finally:
        admin.dispose()


# -- keys --------------------------------------------------------------------------------


def questions(n: int, count: int, seed: int) -> dict[str, list[str]]:
    """For each question, `count` query texts drawn at random from the generated rows."""
    rng = random.Random(seed * 7919 + n)
    wanted = {q: [] for q in EXPECTED_KINDS}  # type: dict[str, list[str]]
    while any(len(v) < count for v in wanted.values()):
        keys = row_keys(seed, rng.randrange(n))
        if keys.custom_user_id:
            wanted["customer ID"].append(keys.custom_user_id)
        wanted["installation ID (iid:)"].append(f"iid:{keys.installation_id}")
        wanted["installation ID (bare UUID)"].append(keys.installation_id)
        if keys.advertising_id and keys.advertising_id != ZERO_ADID:
            wanted["advertising ID (bare UUID)"].append(keys.advertising_id)
        if keys.push_token:
            wanted["push token"].append(keys.push_token)
    return {q: v[:count] for q, v in wanted.items()}


def raw_params(question: str, query: str) -> tuple[Any, ...]:
    if question == "customer ID" or question == "push token":
        return (query,)
    value = query.removeprefix("iid:").lower()
    if question == "installation ID (iid:)":
        return (value, value.upper())
    return (value, value.upper(), value, value.upper())


# -- timing ------------------------------------------------------------------------------


def percentile(values: list[int], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] / 1000


def paired(
    inspector: Callable[[Any], Any], raw: Callable[[Any], Any], items: list[Any]
) -> tuple[list[int], list[int]]:
    """Time both paths on each item, back to back, so noise falls on both alike."""
    for item in items[: min(200, len(items))]:  # warm caches and compiled statements
        inspector(item)
        raw(item)
    ins, rws = [], []
    clock = time.perf_counter_ns
    for n, item in enumerate(items):
        # Whichever runs first on a key pays for its pages: take turns.
        first, second = (inspector, raw) if n % 2 == 0 else (raw, inspector)
        t0 = clock()
        first(item)
        t1 = clock()
        second(item)
        t2 = clock()
        a, b = (ins, rws) if n % 2 == 0 else (rws, ins)
        a.append(t1 - t0)
        b.append(t2 - t1)
    return ins, rws


def prewarm(url: URL) -> None:
    """Bring the store into the OS page cache, as a production store's hot pages would be:
    the timings then measure the lookup path, not the disk."""
    started = time.monotonic()
    backend = url.get_backend_name()
    if backend == "sqlite":
        with open(str(url.database), "rb") as f:
            while f.read(1 << 24):
                pass
    elif backend in ("mysql", "mariadb"):
        prewarm_mariadb(url)
    else:
        engine = create_engine(url, isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as conn:
                conn.execute(text("CREATE EXTENSION IF NOT EXISTS pg_prewarm"))
                names = conn.execute(
                    text(
                        "SELECT c.relname FROM pg_class c JOIN pg_namespace n "
                        "ON n.oid = c.relnamespace WHERE n.nspname = 'public' "
                        "AND c.relkind IN ('r', 'i')"
                    )
                ).scalars()
                for name in list(names):
                    conn.execute(text("SELECT pg_prewarm(:name, 'read')"), {"name": name})
        except Exception as exc:  # the extension is optional: warn and measure anyway
            print(
                f"pg_prewarm unavailable ({type(exc).__name__}); pages may be cold", file=sys.stderr
            )
        finally:
            engine.dispose()
    print(f"prewarmed in {time.monotonic() - started:.1f} s", file=sys.stderr)


def prewarm_mariadb(url: URL) -> None:
    """Scan every index of the lookup tables: InnoDB keeps what fits of them in its
    buffer pool (whose size the figures note)."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            indexes = conn.execute(
                text(
                    "SELECT DISTINCT table_name, index_name FROM information_schema.statistics"
                    " WHERE table_schema = DATABASE()"
                    " AND table_name IN ('apps', 'installations', 'installation_events')"
                )
            ).all()
            for table, index in indexes:
                conn.execute(text(f"SELECT COUNT(*) FROM `{table}` FORCE INDEX (`{index}`)"))
    finally:
        engine.dispose()


def raw_runner(url: URL) -> tuple[Any, Callable[[str, tuple[Any, ...]], list[Any]]]:
    """The raw driver's connection to the store and a call that runs one qmark statement."""
    backend = url.get_backend_name()
    if backend == "sqlite":
        conn: Any = sqlite3.connect(f"file:{url.database}?mode=ro", uri=True)

        def run_sqlite(sql: str, params: tuple[Any, ...]) -> list[Any]:
            return conn.execute(sql, params).fetchall()

        return conn, run_sqlite
    if backend in ("mysql", "mariadb"):
        import pymysql

        conn = pymysql.connect(
            host=url.host or "localhost", port=url.port or 3306, user=url.username,
            password=url.password or "", database=url.database, charset="utf8mb4",
            autocommit=True, init_command="SET time_zone = '+00:00'",
        )  # fmt: skip

        def run_pymysql(sql: str, params: tuple[Any, ...]) -> list[Any]:
            # pymysql has no server-side prepared statements: it quotes into the text.
            with conn.cursor() as cur:
                cur.execute(sql.replace("?", "%s"), params)
                return list(cur.fetchall())

        return conn, run_pymysql
    import psycopg

    dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
    conn = psycopg.connect(dsn, autocommit=True)

    def run_psycopg(sql: str, params: tuple[Any, ...]) -> list[Any]:
        # prepare=True: a server-side prepared statement, the driver's fastest path.
        with conn.execute(sql.replace("?", "%s"), params, prepare=True) as cur:
            return cur.fetchall()

    return conn, run_psycopg


def measure(label: str, url: URL, n: int, args: argparse.Namespace) -> list[Figure]:
    prewarm(url)
    store = StoreRepository.open(url)
    store.check_schema()
    raw_conn, run_raw = raw_runner(url)
    figures = []
    try:
        for question, queries in questions(n, args.samples, args.seed).items():
            sql = RAW_SQL[question]
            expected = EXPECTED_KINDS[question]
            for query in queries[:50]:
                lookup = parse_query(query)
                assert tuple(p.kind for p in lookup.probes) == expected, (question, query)
                found = store.find(lookup).matches
                assert found, f"{question} {query} not found in {label}"
                assert len(found) == len(run_raw(sql, raw_params(question, query)))

            ins, rws = paired(
                lambda q: store.find(parse_query(q)),
                lambda q, sql=sql, question=question: run_raw(sql, raw_params(question, q)),
                queries,
            )
            figures.append(figure(label, n, question, ins, rws))
        heavy = heavy_installation_id(args.seed)
        page = store.history(heavy, limit=PAGE)
        assert len(page.events) == PAGE and page.next_cursor is not None
        sql = RAW_SQL["history page (50)"]
        ins, rws = paired(
            lambda iid: store.history(iid, limit=PAGE),
            lambda iid: run_raw(sql, (iid,)),
            [heavy] * args.history_samples,
        )
        figures.append(figure(label, n, "history page (50)", ins, rws))
    finally:
        raw_conn.close()
        store.close()
    return figures


def figure(label: str, n: int, question: str, ins: list[int], rws: list[int]) -> Figure:
    return Figure(
        store=label,
        installations=n,
        question=question,
        samples=len(ins),
        inspector_p50_us=percentile(ins, 0.5),
        inspector_p99_us=percentile(ins, 0.99),
        raw_p50_us=percentile(rws, 0.5),
        raw_p99_us=percentile(rws, 0.99),
    )


# -- fan-out over two stores (regional) ----------------------------------------------------


@dataclass
class FanoutFigure:
    question: str
    samples: int
    # p50 / p99 in µs of each store alone, as a profile of that one store asks it
    # (StoreRepository.find: a pooled connection, pinged, per lookup)...
    alone: dict[str, tuple[float, float]]
    # ...and through its part of the regional store (a server on its worker, which holds
    # its connection; SQLite in the caller's thread), the other store not asked.
    lane: dict[str, tuple[float, float]]
    both_p50_us: float
    both_p99_us: float

    @property
    def slower_p50_us(self) -> float:
        return max(p50 for p50, _ in self.alone.values())

    @property
    def ratio(self) -> float:
        """The target's ratio: both at once against the slower store alone."""
        return self.both_p50_us / self.slower_p50_us

    @property
    def lane_ratio(self) -> float:
        """Both at once against the slower store asked alone the same way: what asking
        in parallel costs over asking one."""
        return self.both_p50_us / max(p50 for p50, _ in self.lane.values())


FANOUT_QUESTIONS = ("customer ID", "installation ID (iid:)", "installation ID (bare UUID)",
                    "push token")  # fmt: skip


def measure_fanout(
    stores: list[tuple[str, URL]], n: int, args: argparse.Namespace
) -> list[FanoutFigure]:
    """Each question over the same keys: each store alone, as a one-store profile asks
    it (a StoreRepository of its own on the same database) and through its part of the
    regional store, and the regional store asking both at once; in rotating order, so
    that whoever runs first on a key pays for its pages in turn."""
    from inspector.store.regional import RegionalStore

    for _, url in stores:
        prewarm(url)
    regional = RegionalStore.open_all(stores, statement_timeout_s=5.0)
    single = {name: StoreRepository.open(url) for name, url in stores}
    lanes = regional._lanes  # the benchmark asks one part alone, as find asks both
    figures = []
    clock = time.perf_counter_ns

    def through(name: str) -> Callable[[Any], Any]:
        return lambda lookup: regional._ask(lambda repo: repo.find(lookup), [lanes[name]])

    try:
        for question, queries in questions(n, args.fanout_samples, args.seed).items():
            if question not in FANOUT_QUESTIONS:
                continue
            lookups = [parse_query(q) for q in queries]
            for lookup in lookups[:50]:
                each = sum(len(s.find(lookup).matches) for s in single.values())
                result = regional.find(lookup)
                assert len(result.matches) == each and not result.warnings, (question, lookup)
            calls: list[tuple[str, Callable[[Any], Any]]] = [
                *((f"alone {name}", s.find) for name, s in single.items()),
                *((f"lane {name}", through(name)) for name in single),
                ("both", regional.find),
            ]
            for lookup in lookups[:200]:  # warm caches, threads and compiled statements
                for _, call in calls:
                    call(lookup)
            times: dict[str, list[int]] = {name: [] for name, _ in calls}
            for k, lookup in enumerate(lookups):
                shift = k % len(calls)
                for name, call in calls[shift:] + calls[:shift]:
                    t0 = clock()
                    call(lookup)
                    times[name].append(clock() - t0)

            def p(name: str, times: dict[str, list[int]] = times) -> tuple[float, float]:
                return percentile(times[name], 0.5), percentile(times[name], 0.99)

            figures.append(
                FanoutFigure(
                    question, len(lookups),
                    {name: p(f"alone {name}") for name in single},
                    {name: p(f"lane {name}") for name in single},
                    *p("both"),
                )
            )  # fmt: skip
    finally:
        regional.close()
        for s in single.values():
            s.close()
    return figures


def print_fanout(figures: list[FanoutFigure], n: int) -> None:
    if not figures:
        return
    names = list(figures[0].alone)
    print(f"\nFan-out over two {n:,}-installation stores ({' + '.join(names)}), p50 (p99);")
    print("alone: a profile of that store only; part: that store through the regional store:")
    cols = [f"{name} alone" for name in names] + [f"{name} part" for name in names]
    head = f"  {'question':<28} " + " ".join(f"{c:>17}" for c in cols)
    print(head + f" {'both at once':>17}  {'vs alone':>8} {'vs part':>8}")
    for f in figures:
        cells = " ".join(
            f"{p50:>6.0f}µs ({p99:>5.0f})" for p50, p99 in [*f.alone.values(), *f.lane.values()]
        )
        print(
            f"  {f.question:<28} {cells} {f.both_p50_us:>6.0f}µs ({f.both_p99_us:>5.0f})"
            f"  {f.ratio:>7.2f}x {f.lane_ratio:>7.2f}x"
        )
    print("\nTargets (issue 11), fan-out p50 within 1.3x of the slower store alone:")
    for f in figures:
        verdict = "PASS" if f.ratio <= 1.3 else "FAIL"
        print(
            f"  {verdict}  {f.question:<28} {f.both_p50_us:.0f}µs vs {f.slower_p50_us:.0f}µs"
            f" ({f.ratio:.2f}x; {f.lane_ratio:.2f}x of the slower part asked alone)"
        )


# -- report ------------------------------------------------------------------------------


def print_table(figures: list[Figure]) -> None:
    head = (
        f"{'store':<10} {'installations':>13}  {'question':<28} {'n':>5}  "
        f"{'insp p50':>9} {'insp p99':>9}  {'raw p50':>8} {'raw p99':>8}  {'ratio':>5}"
    )
    print(head)
    print("-" * len(head))
    for f in figures:
        print(
            f"{f.store:<10} {f.installations:>13,}  {f.question:<28} {f.samples:>5}  "
            f"{f.inspector_p50_us:>7.0f}µs {f.inspector_p99_us:>7.0f}µs  "
            f"{f.raw_p50_us:>6.0f}µs {f.raw_p99_us:>6.0f}µs  {f.ratio:>4.1f}x"
        )


def print_targets(figures: list[Figure]) -> None:
    by = {(f.store, f.installations, f.question): f for f in figures}
    lookups = [q for q in EXPECTED_KINDS]
    if not any(store == "sqlite" for store, _, _ in by):
        return
    print("\nTargets (issue 2), SQLite:")
    big = [by[("sqlite", 1_000_000, q)] for q in lookups if ("sqlite", 1_000_000, q) in by]
    for f in big:
        ok = f.inspector_p50_us < 150 and f.ratio < 10
        print(
            f"  {'PASS' if ok else 'FAIL'}  1M {f.question:<28} p50 {f.inspector_p50_us:.0f}µs "
            f"(< 150µs), ratio {f.ratio:.1f}x (< 10x)"
        )
    for q in lookups:
        small, large = by.get(("sqlite", 10_000, q)), by.get(("sqlite", 1_000_000, q))
        if small and large:
            growth = large.inspector_p50_us / small.inspector_p50_us
            print(
                f"  {'PASS' if growth < 1.5 else 'FAIL'}  growth 10k→1M {q:<28} "
                f"{growth:.2f}x (< 1.5x)"
            )
    for (store, n, q), f in sorted(by.items()):
        if store == "sqlite" and q == "history page (50)":
            ok = f.inspector_p50_us < 2000
            print(
                f"  {'PASS' if ok else 'FAIL'}  {n:,} history page of a 100k-event device "
                f"p50 {f.inspector_p50_us:.0f}µs (< 2 ms)"
            )


def print_server_targets(figures: list[Figure]) -> None:
    """Issue 10: MariaDB, 1,000,000 installations, each lookup's p50 within 2.5x of the
    raw pymysql. PostgreSQL's ratio is shown beside it for comparison."""
    for store, limit in (("mariadb", 2.5), ("postgresql", None)):
        rows = [f for f in figures if f.store == store and f.installations >= 1_000_000]
        if not rows:
            continue
        print(f"\nTargets (issue 10), {store}:" if limit else f"\nFor comparison, {store}:")
        for f in rows:
            verdict = ("PASS" if f.ratio <= limit else "FAIL") if limit else "    "
            bound = f" (<= {limit}x)" if limit else ""
            print(
                f"  {verdict}  {f.installations:,} {f.question:<28} p50 "
                f"{f.inspector_p50_us:.0f}µs, raw {f.raw_p50_us:.0f}µs, "
                f"ratio {f.ratio:.2f}x{bound}"
            )


def server_note(url: URL) -> str:
    """The MariaDB server's version and buffer pool, for the figures' context."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            version, pool = conn.execute(text("SELECT VERSION(), @@innodb_buffer_pool_size")).one()
    finally:
        engine.dispose()
    return f"MariaDB {version}, buffer pool {int(pool) >> 20} MiB"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes",
        default="10000,1000000",
        help="SQLite store sizes, comma-separated (default 10000,1000000)",
    )
    parser.add_argument("--ten-million", action="store_true", help="add a 10,000,000 store")
    parser.add_argument(
        "--pg-url",
        default=os.environ.get("INSPECTOR_TEST_POSTGRES_URL", ""),
        help="PostgreSQL server URL (default INSPECTOR_TEST_POSTGRES_URL)",
    )
    parser.add_argument("--pg-size", type=int, default=1_000_000)
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument(
        "--maria-url",
        default=os.environ.get("INSPECTOR_TEST_MARIADB_URL", ""),
        help="MariaDB server URL with a user that may create databases"
        " (default INSPECTOR_TEST_MARIADB_URL)",
    )
    parser.add_argument("--maria-size", type=int, default=1_000_000)
    parser.add_argument("--no-mariadb", action="store_true")
    parser.add_argument(
        "--keep-mariadb", action="store_true", help="keep the MariaDB store for the next run"
    )
    parser.add_argument("--samples", type=int, default=3000, help="random keys per question")
    parser.add_argument("--history-samples", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--events", type=int, default=2, help="events per installation")
    parser.add_argument("--heavy", type=int, default=100_000, help="events of the heavy device")
    parser.add_argument("--rebuild", action="store_true", help="ignore cached stores")
    parser.add_argument("--build-only", action="store_true", help="build the stores, time nothing")
    parser.add_argument(
        "--fanout",
        action="store_true",
        help="time a lookup fanned out over the --pg-size SQLite and PostgreSQL stores",
    )
    parser.add_argument("--fanout-samples", type=int, default=3000)
    parser.add_argument(
        "--fanout-pair",
        choices=("sqlite+postgresql", "postgresql+postgresql"),
        default="sqlite+postgresql",
        help="the two stores of the fan-out (the second PostgreSQL one is a copy)",
    )
    args = parser.parse_args()

    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    if args.ten_million:
        sizes.append(10_000_000)
    targets: list[tuple[str, URL, int]] = [("sqlite", sqlite_store(n, args), n) for n in sizes]
    if not args.no_postgres:
        if not args.pg_url:
            print("no PostgreSQL: set INSPECTOR_TEST_POSTGRES_URL or --pg-url", file=sys.stderr)
        else:
            targets.append(("postgresql", postgres_store(args.pg_size, args), args.pg_size))
    fanout: list[tuple[str, URL]] = []
    if args.fanout:
        if not args.pg_url:
            print("no fan-out: it needs PostgreSQL (--pg-url)", file=sys.stderr)
        else:
            first = (
                ("sqlite", sqlite_store(args.pg_size, args))
                if args.fanout_pair == "sqlite+postgresql"
                else ("pg-copy", postgres_copy(args.pg_size, args))
            )
            fanout = [first, ("postgresql", postgres_store(args.pg_size, args))]
    notes = []
    maria: URL | None = None
    if not args.no_mariadb:
        if not args.maria_url:
            print("no MariaDB: set INSPECTOR_TEST_MARIADB_URL or --maria-url", file=sys.stderr)
        else:
            maria = mariadb_store(args.maria_size, args)
            targets.append(("mariadb", maria, args.maria_size))
            notes.append(server_note(maria))

    figures: list[Figure] = []
    fanout_figures: list[FanoutFigure] = []
    try:
        if args.build_only:
            return 0
        for label, url, n in targets:
            print(f"measuring {label} {n:,}", file=sys.stderr)
            gc.collect()
            figures.extend(measure(label, url, n, args))
        if fanout:
            print(f"measuring the fan-out over {args.pg_size:,}", file=sys.stderr)
            gc.collect()
            fanout_figures = measure_fanout(fanout, args.pg_size, args)
    finally:
        if maria is not None and not (args.keep_mariadb or args.build_only):
            drop_mariadb_store(maria, args)

    print(
        f"\npython {platform.python_version()}, sqlite {sqlite3.sqlite_version}, "
        f"{platform.machine()} × {os.cpu_count()} cpu; events/installation {args.events}, "
        f"heavy device {args.heavy:,} events; load average at the end "
        f"{', '.join(f'{x:.1f}' for x in os.getloadavg())}; times per call, wall clock"
        + "".join(f"; {note}" for note in notes)
        + "\n"
    )
    if figures:
        print_table(figures)
        print_targets(figures)
        print_server_targets(figures)
    print_fanout(fanout_figures, args.pg_size)
    OUT.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%S")
    result = OUT / f"results-{stamp}.json"
    saved = [asdict(f) | {"ratio": round(f.ratio, 2)} for f in figures]
    saved += [
        asdict(f)
        | {"fanout": True, "ratio": round(f.ratio, 2), "part_ratio": round(f.lane_ratio, 2)}
        for f in fanout_figures
    ]
    result.write_text(json.dumps(saved, indent=2))
    print(f"\nfigures saved to {result}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
