"""Cold start and bulk lookups of the command line, on a 1,000,000-installation SQLite store.

Builds (or reuses, under bench/out/) the store with `inspector demo`, then:

1. cold start: `inspector find CUSTOMER --json` in a fresh process, timed N times (median),
   interleaved with a process that only runs `python -c "import sqlalchemy"`, so both see
   the same machine load; prints both medians and their ratio, in wall time and in CPU
   time (user + system: steadier on a shared machine). `--compare-tree DIR` times the same
   command from another source tree too (e.g. `git archive` of an older commit);
   `--other-python PY` times both processes with another interpreter too (e.g. a venv
   where the inspector is installed without -e). Bytecode is cached (under bench/out/
   pycache) as an installed package's is, whatever PYTHONDONTWRITEBYTECODE says: SQLAlchemy
   comes from .pyc files, and compiling the inspector's sources in every process would
   measure the compiler.
2. bulk: `inspector find - --json` with 10,000 Customer IDs (half of them unknown), journal
   on: total time, and the peak RSS of runs of 1,000 and 10,000 lines (flat memory: the
   two should be close).

    .venv/bin/python bench/bench_cli.py
    .venv/bin/python bench/bench_cli.py --installations 100000 --runs 9     # a quick run

Targets (issue 10): cold find median < 300 ms and within 1.4x of the bare import; the
10,000-line run under 4 s.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, NamedTuple

from inspector.fixtures.rows import sample_keys

OUT = Path(__file__).resolve().parent / "out"
# Bump when the generator's output changes, so cached stores are rebuilt.
STORE_VERSION = 1
PYTHON = sys.executable


def build_store(installations: int, seed: int) -> Path:
    path = OUT / f"cli_store_{installations}_s{seed}_v{STORE_VERSION}.db"
    if path.exists():
        return path
    OUT.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial.db")
    partial.unlink(missing_ok=True)
    print(f"building {path.name} ({installations:,} installations) ...", flush=True)
    started = time.perf_counter()
    subprocess.run(
        [PYTHON, "-m", "inspector", "demo", "--installations", str(installations),
         "--seed", str(seed), "--url", f"sqlite:///{partial}"],
        check=True, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    partial.rename(path)
    print(f"built in {time.perf_counter() - started:.0f} s", flush=True)
    return path


class Run(NamedTuple):
    wall_s: float
    cpu_s: float  # user + system
    rss_kib: int  # peak
    status: int


def child(argv: list[str], env: dict[str, str], stdin: Path | None = None) -> Run:
    """Run one process and measure it."""
    with open(stdin or os.devnull, "rb") as source:
        started = time.perf_counter()
        proc = subprocess.Popen(
            argv, stdin=source, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env,
            cwd=OUT,  # no .env of the developer's is read
        )  # fmt: skip
        assert proc.stderr is not None
        err = proc.stderr.read()
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode not in (0, 1):
        sys.stderr.write(err.decode(errors="replace"))
    cpu = usage.ru_utime + usage.ru_stime
    return Run(elapsed, cpu, usage.ru_maxrss, proc.returncode)


def environment(store: Path, journal: Path, pythonpath: str | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("INSPECTOR_")}
    env |= {
        "INSPECTOR_STORE_URL": f"sqlite:///{store}",
        "INSPECTOR_ENVIRONMENT": "development",
        "INSPECTOR_JOURNAL_URL": f"sqlite:///{journal}",
        "INSPECTOR_OPERATOR": "bench",
    }
    if pythonpath:
        env["PYTHONPATH"] = pythonpath
    # Cached bytecode, as an installed package has (kept out of the source tree).
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(OUT / "pycache")
    return env


def cold_start(
    store: Path,
    journal: Path,
    customer: str,
    runs: int,
    compare_tree: str | None,
    other_python: str | None = None,
) -> dict[str, Any]:
    find = ["-m", "inspector", "find", customer, "--json"]
    bare = ["-c", "import sqlalchemy"]
    env = environment(store, journal)
    variants: dict[str, tuple[list[str], dict[str, str]]] = {
        "import sqlalchemy": ([PYTHON, *bare], env),
        "inspector find --json": ([PYTHON, *find], env),
    }
    if compare_tree:
        # A journal of its own: another version may keep another journal schema.
        other_journal = journal.with_name(f"compare-{journal.name}")
        other_journal.unlink(missing_ok=True)
        variants["find --json (compare tree)"] = (
            [PYTHON, *find], environment(store, other_journal, pythonpath=compare_tree),
        )  # fmt: skip
    if other_python:
        variants["import sqlalchemy (other python)"] = ([other_python, *bare], env)
        variants["find --json (other python)"] = ([other_python, *find], env)
    for argv, e in variants.values():  # warm the page cache and the bytecode caches
        child(argv, e)
    wall: dict[str, list[float]] = {name: [] for name in variants}
    cpu: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(runs):
        for name, (argv, e) in variants.items():  # interleaved: the same load for each
            run = child(argv, e)
            wall[name].append(run.wall_s)
            cpu[name].append(run.cpu_s)
    medians = {name: statistics.median(t) for name, t in wall.items()}
    cpu_medians = {name: statistics.median(t) for name, t in cpu.items()}

    def base(name: str) -> str:
        return "import sqlalchemy (other python)" if "other python" in name else "import sqlalchemy"

    print(f"\ncold start, median of {runs} runs each (interleaved); load {os.getloadavg()[0]:.2f}")
    print(f"  {'':34} {'wall':>8} {'(range)':>13} {'ratio':>6}   {'CPU':>7} {'ratio':>6}")
    for name, median in medians.items():
        spread = f"{min(wall[name]) * 1000:.0f}-{max(wall[name]) * 1000:.0f}"
        ratio = median / medians[base(name)]
        cpu_ratio = cpu_medians[name] / cpu_medians[base(name)]
        print(f"  {name:34} {median * 1000:5.0f} ms {spread:>13} {ratio:5.2f}x"
              f"   {cpu_medians[name] * 1000:4.0f} ms {cpu_ratio:5.2f}x")  # fmt: skip
    return {
        "runs": runs,
        "median_s": medians,
        "cpu_median_s": cpu_medians,
        "all_s": wall,
        "all_cpu_s": cpu,
        "ratio": medians["inspector find --json"] / medians["import sqlalchemy"],
        "cpu_ratio": cpu_medians["inspector find --json"] / cpu_medians["import sqlalchemy"],
    }


def bulk(store: Path, journal: Path, installations: int, seed: int) -> dict[str, Any]:
    keys = [k.custom_user_id for k in sample_keys(seed, installations, 12_000, draw=7)]
    known = [k for k in keys if k][:5_000]
    unknown = [f"cust-unknown-{n}" for n in range(5_000)]
    # Interleaved: half the lines find nothing.
    queries = [q for pair in zip(known, unknown, strict=True) for q in pair]
    env = environment(store, journal)
    result: dict[str, Any] = {}
    print("\nfind - --json, journal on (half the Customer IDs unknown)")
    with tempfile.TemporaryDirectory() as tmp:
        for lines in (1_000, 10_000):
            source = Path(tmp) / f"{lines}.txt"
            source.write_text("\n".join(queries[:lines]) + "\n")
            seconds, _, rss_kib, status = child(
                [PYTHON, "-m", "inspector", "find", "-", "--json"], env, source
            )
            result[str(lines)] = {"seconds": seconds, "peak_rss_mib": rss_kib / 1024,
                                  "exit": status}  # fmt: skip
            print(f"  {lines:6,} lines  {seconds:6.2f} s  peak RSS {rss_kib / 1024:6.1f} MiB"
                  f"  exit {status}")  # fmt: skip
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--installations", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--runs", type=int, default=15, help="cold starts per variant (15)")
    parser.add_argument("--store", type=Path, help="reuse this store (built with --seed)")
    parser.add_argument("--compare-tree", metavar="DIR", help="also time find from DIR")
    parser.add_argument("--other-python", metavar="PY", help="also time both with this interpreter")
    parser.add_argument("--cold-only", action="store_true", help="skip the bulk run")
    args = parser.parse_args()
    store = args.store.resolve() if args.store else build_store(args.installations, args.seed)
    OUT.mkdir(parents=True, exist_ok=True)
    journal = OUT / "cli_journal.db"
    journal.unlink(missing_ok=True)
    (customer,) = [
        k.custom_user_id
        for k in sample_keys(args.seed, args.installations, 50, draw=3)
        if k.custom_user_id
    ][:1]
    print(f"store {store.name}; {platform.python_version()} on {platform.machine()}, "
          f"{os.cpu_count()} CPUs; load {os.getloadavg()[0]:.2f}")  # fmt: skip
    results = {
        "store": store.name,
        "installations": args.installations,
        "cold_start": cold_start(
            store, journal, customer, args.runs, args.compare_tree, args.other_python
        ),
        "bulk": {} if args.cold_only else bulk(store, journal, args.installations, args.seed),
        "load_after": os.getloadavg()[0],
    }
    stamp = time.strftime("%Y%m%dT%H%M%S")
    (OUT / f"cli-results-{stamp}.json").write_text(json.dumps(results, indent=2))
    cold = results["cold_start"]
    median = cold["median_s"]["inspector find --json"]
    bulk_line = (f"; 10,000 lines {results['bulk']['10000']['seconds']:.2f} s (< 4 s)"
                 if results["bulk"] else "")  # fmt: skip
    print(f"\ntargets: cold find median {median * 1000:.0f} ms (< 300 ms), "
          f"{cold['ratio']:.2f}x the bare import (<= 1.4x; CPU {cold['cpu_ratio']:.2f}x)"
          f"{bulk_line}")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
