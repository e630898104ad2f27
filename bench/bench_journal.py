"""Journal figures: append latency on local SQLite (synchronous=FULL), lookup records one
by one against batches (`inspector find -`), and `audit verify` over a large chain.
Prints figures; asserts nothing.

    .venv/bin/python bench/bench_journal.py [--appends 2000] [--lookups 10000] [--records 1000000]
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from inspector.config import load_settings
from inspector.journal import Journal
from inspector.journal.chain import GENESIS, canonical_at, record_hash
from inspector.lookup import parse_query


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))]


def bench_appends(directory: Path, n: int) -> None:
    settings = load_settings({"INSPECTOR_JOURNAL_URL": f"sqlite:///{directory}/appends.db",
                              "INSPECTOR_OPERATOR": "bench"})  # fmt: skip
    journal = Journal.open(settings)
    try:
        with journal._engine.connect() as conn:
            sync = conn.exec_driver_sql("PRAGMA synchronous").scalar()
            mode = conn.exec_driver_sql("PRAGMA journal_mode").scalar()
        timings = []
        for i in range(n):
            start = time.perf_counter()
            journal.record("reveal", installation_id=f"iid-{i}", details={"field": "push_token"})
            timings.append((time.perf_counter() - start) * 1000)
        assert journal.verify().ok
    finally:
        journal.close()
    print(f"append, SQLite journal_mode={mode} synchronous={sync} (2 = FULL), {n:,} records:")
    print(f"  p50 {statistics.median(timings):.3f} ms   p99 {percentile(timings, 0.99):.3f} ms   "
          f"max {max(timings):.3f} ms   (target p50 < 2 ms)")  # fmt: skip


def bench_lookup_batches(directory: Path, n: int, batch: int) -> None:
    """n lookup records written one transaction each, then in batches of `batch`."""
    items = [(parse_query(f"cust-{i}"), "found" if i % 2 else "not found", i % 2)
             for i in range(n)]  # fmt: skip
    figures = {}
    for label in ("one by one", f"batches of {batch:,}"):
        path = directory / f"lookups-{len(figures)}.db"
        settings = load_settings({"INSPECTOR_JOURNAL_URL": f"sqlite:///{path}",
                                  "INSPECTOR_OPERATOR": "bench"})  # fmt: skip
        journal = Journal.open(settings)
        try:
            start = time.perf_counter()
            if label == "one by one":
                for lookup, outcome, found in items:
                    journal.record_lookup(lookup, outcome=outcome, found=found)
            else:
                for i in range(0, n, batch):
                    journal.record_lookups(items[i : i + batch])
            figures[label] = time.perf_counter() - start
            assert journal.verify().ok and journal.count() == n
        finally:
            journal.close()
    print(f"lookup records, SQLite synchronous=FULL, {n:,} lookups:")
    for label, seconds in figures.items():
        print(f"  {label:<18} {seconds:6.2f} s   {n / seconds:10,.0f} records/s")


def build_chain(path: Path, n: int) -> float:
    """Bulk-insert n precomputed, correctly chained records; returns the seconds it took."""
    settings = load_settings({"INSPECTOR_JOURNAL_URL": f"sqlite:///{path}"})
    Journal.open(settings).close()  # creates the schema and the triggers
    start = time.perf_counter()
    base = datetime(2026, 1, 1, tzinfo=UTC).replace(tzinfo=None)
    prev = GENESIS
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA synchronous = OFF")
    batch = []
    insert = (
        "INSERT INTO audit_log (seq, at, operator, environment, store, installation_id, action,"
        " outcome, ref_id, details, profile, prev_hash, hash) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)"
    )
    for seq in range(1, n + 1):
        at = base + timedelta(milliseconds=seq)
        stored_at = at.strftime("%Y-%m-%d %H:%M:%S.%f")  # SQLAlchemy's SQLite format
        fields = [seq, canonical_at(at), "bench", "production", "replica/installations",
                  f"iid-{seq % 5000}", "lookup", "found", None,
                  '{"found":1,"key_kinds":["cid"]}', "production"]  # fmt: skip
        digest = record_hash(fields, prev)
        row = list(fields)
        row[1] = stored_at
        batch.append((*row, prev, digest))
        prev = digest
        if len(batch) == 50_000:
            conn.executemany(insert, batch)
            batch.clear()
    if batch:
        conn.executemany(insert, batch)
    conn.execute("UPDATE audit_chain_head SET seq = ?, hash = ? WHERE id = 1", (n, prev))
    conn.commit()
    conn.close()
    return time.perf_counter() - start


def bench_verify(directory: Path, n: int) -> None:
    path = directory / "verify.db"
    built = build_chain(path, n)
    journal = Journal.open(load_settings({"INSPECTOR_JOURNAL_URL": f"sqlite:///{path}"}))
    try:
        start = time.perf_counter()
        result = journal.verify()
        elapsed = time.perf_counter() - start
    finally:
        journal.close()
    print(f"audit verify, SQLite, {n:,} records (built in {built:.1f} s):")
    print(f"  {elapsed:.2f} s, ok={result.ok}, checked={result.checked:,}, "
          f"{n / elapsed:,.0f} records/s   (target < 10 s)")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--appends", type=int, default=2000)
    parser.add_argument("--lookups", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=500, help="lookup records per batch")
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--dir", type=Path, help="where to put the databases (default: a tmp dir)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        bench_appends(Path(tmp), args.appends)
        bench_lookup_batches(Path(tmp), args.lookups, args.batch)
        bench_verify(Path(tmp), args.records)


if __name__ == "__main__":
    main()
