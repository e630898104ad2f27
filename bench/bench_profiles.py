"""`inspector profiles check` with three profiles, all reachable: one store on SQLite, one
on PostgreSQL, one on MariaDB, each with its own journal (SQLite, PostgreSQL, MariaDB), two
service accounts and an APNs key each (generated here).

Builds the three demo stores and the journals in databases of its own (dropped at the
end), writes the profile file, then:

1. cold: `inspector profiles check` in a fresh process, as a user runs it, N times:
   median and slowest wall time, with the exit status (0: every profile well);
2. warm, in one process: `check_profiles` over the three profiles at once, against each
   profile checked alone one after the other (what the threads save).

    .venv/bin/python bench/bench_profiles.py
    .venv/bin/python bench/bench_profiles.py --runs 5

PostgreSQL and MariaDB come from --pg-url / --maria-url (default: INSPECTOR_TEST_POSTGRES_URL
and INSPECTOR_TEST_MARIADB_URL). Target (issue 11): three reachable profiles under 1.5 s.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, make_url

from inspector.fixtures.demo import build_demo_store

PYTHON = sys.executable
TARGET_S = 1.5


def pem(key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def write_keys(directory: Path) -> dict[str, Path]:
    private = pem(rsa.generate_private_key(public_exponent=65537, key_size=2048)).decode()
    files = {}
    for project in ("shop-prod", "shop-web"):
        path = directory / f"{project}.json"
        path.write_text(
            json.dumps(
                {
                    "type": "service_account",
                    "project_id": project,
                    "private_key_id": "0" * 40,
                    "private_key": private,
                    "client_email": f"inspector@{project}.iam.gserviceaccount.com",
                    "token_uri": "https://oauth2.googleapis.com/token",
                }
            )
        )
        files[project] = path
    files["p8"] = directory / "AuthKey_BENCH12345.p8"
    files["p8"].write_bytes(pem(ec.generate_private_key(ec.SECP256R1())))
    return files


class Databases:
    """Databases of this run on the servers, dropped at the end."""

    def __init__(self) -> None:
        self.made: list[tuple[URL, str]] = []

    def create(self, admin: URL) -> URL:
        name = f"insp_bench_profiles_{secrets.token_hex(4)}"
        engine = create_engine(admin, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            if admin.get_backend_name() == "postgresql":
                conn.execute(text(f"CREATE DATABASE \"{name}\" ENCODING 'UTF8' TEMPLATE template0"))
            else:
                conn.execute(text(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4"))
        engine.dispose()
        self.made.append((admin, name))
        return admin.set(database=name)

    def drop(self) -> None:
        for admin, name in self.made:
            engine = create_engine(admin, isolation_level="AUTOCOMMIT")
            with engine.connect() as conn:
                if admin.get_backend_name() == "postgresql":
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                else:
                    conn.execute(text(f"DROP DATABASE IF EXISTS `{name}`"))
            engine.dispose()


def url_text(url: URL) -> str:
    return url.render_as_string(hide_password=False)


def profile_text(name: str, store: URL, journal: URL, keys: dict[str, Path]) -> str:
    return f"""
[profiles.{name}]
environment = "staging"
store = {json.dumps(url_text(store))}
journal = {json.dumps(url_text(journal))}

[[profiles.{name}.fcm]]
project_id = "shop-prod"
credentials = {json.dumps(str(keys["shop-prod"]))}

[[profiles.{name}.fcm]]
project_id = "shop-web"
credentials = {json.dumps(str(keys["shop-web"]))}

[[profiles.{name}.apns]]
key_file = {json.dumps(str(keys["p8"]))}
key_id = "BENCH12345"
team_id = "TEAM123456"
topics = ["com.example.shop"]
"""


def timed(run: Callable[[], object]) -> float:
    started = time.perf_counter()
    run()
    return time.perf_counter() - started


# What the check cannot do without: SQLAlchemy with the three dialects and drivers, and
# the key loader. Timed beside it, as the floor of a cold check.
IMPORTS = (
    "import sqlalchemy.dialects.postgresql, sqlalchemy.dialects.mysql, sqlalchemy.dialects.sqlite,"
    " psycopg, pymysql, cryptography.hazmat.primitives.serialization"
)


def cold(
    work: Path,
    env: dict[str, str],
    argv: tuple[str, ...] = ("-m", "inspector", "profiles", "check"),
) -> tuple[float, float, int, str]:
    """One process: (wall s, CPU s, exit status, its output)."""
    started = time.perf_counter()
    proc = subprocess.Popen(
        [PYTHON, *argv],
        cwd=work, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    assert proc.stdout is not None
    said = proc.stdout.read().decode(errors="replace")
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    return wall, usage.ru_utime + usage.ru_stime, os.waitstatus_to_exitcode(status), said


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=11, help="cold runs (11)")
    parser.add_argument("--pg-url", default=os.environ.get("INSPECTOR_TEST_POSTGRES_URL", ""))
    parser.add_argument("--maria-url", default=os.environ.get("INSPECTOR_TEST_MARIADB_URL", ""))
    args = parser.parse_args()
    if not args.pg_url or not args.maria_url:
        parser.error("PostgreSQL and MariaDB are needed: --pg-url and --maria-url")

    dbs = Databases()
    with tempfile.TemporaryDirectory(prefix="bench-profiles-") as tmp:
        work = Path(tmp)
        try:
            keys = write_keys(work)
            stores = {
                "sqlite": URL.create("sqlite", database=str(work / "store.db")),
                "postgresql": dbs.create(make_url(args.pg_url)),
                "mariadb": dbs.create(make_url(args.maria_url)),
            }
            journals = {
                "sqlite": URL.create("sqlite", database=str(work / "journal.db")),
                "postgresql": dbs.create(make_url(args.pg_url)),
                "mariadb": dbs.create(make_url(args.maria_url)),
            }
            for url in stores.values():
                build_demo_store(url)
            (work / "inspector.toml").write_text(
                "".join(profile_text(n, stores[n], journals[n], keys) for n in stores)
            )
            env = {
                **os.environ,
                "XDG_DATA_HOME": str(work / "data"),
                "XDG_CONFIG_HOME": str(work / "config"),
            }
            env = {k: v for k, v in env.items() if not k.startswith("INSPECTOR_")}
            # The first run makes the journals' tables: not what a user waits for each day.
            _, _, status, said = cold(work, env)
            if status != 0:
                sys.stderr.write(said)
                return 1
            runs, floor = [], []
            for _ in range(args.runs):  # interleaved: both see the same machine load
                runs.append(cold(work, env))
                floor.append(cold(work, env, ("-c", IMPORTS))[0])
            walls = sorted(r[0] for r in runs)
            cpus = sorted(r[1] for r in runs)
            statuses = {r[2] for r in runs}

            os.chdir(work)
            for key in [k for k in os.environ if k.startswith("INSPECTOR_")]:
                del os.environ[key]
            os.environ.update(XDG_DATA_HOME=env["XDG_DATA_HOME"])
            from functools import partial

            from inspector.config import load_env
            from inspector.profile_check import Target, check_profiles
            from inspector.profiles import ProfileFile

            profiles = ProfileFile.load(work / "inspector.toml")
            variables = load_env(None)
            targets: list[Target] = [
                (n, partial(profiles.settings, n, variables)) for n in profiles.names()
            ]
            check_profiles(targets)  # imports, first connections
            together = statistics.median(
                timed(partial(check_profiles, targets)) for _ in range(args.runs)
            )
            alone = statistics.median(
                sum(timed(partial(check_profiles, [t])) for t in targets) for _ in range(args.runs)
            )
        finally:
            dbs.drop()

    print(f"{platform.python_implementation()} {platform.python_version()}, {os.cpu_count()} CPUs")
    print("inspector profiles check: 3 profiles (SQLite, PostgreSQL, MariaDB stores and journals),")
    print("2 service accounts and 1 APNs key each, 3 apps per store")
    print(f"  cold process   median {statistics.median(walls) * 1000:5.0f} ms   slowest"
          f" {walls[-1] * 1000:5.0f} ms   CPU median {statistics.median(cpus) * 1000:5.0f} ms"
          f" ({len(walls)} runs, exit {sorted(statuses)})")  # fmt: skip
    floor_ms = statistics.median(floor) * 1000
    print(f"  imports alone  median {floor_ms:5.0f} ms (the floor of a cold check)")
    print(f"  in process     together {together * 1000:5.0f} ms   each alone, one after the"
          f" other {alone * 1000:5.0f} ms")  # fmt: skip
    verdict = "met" if statistics.median(walls) < TARGET_S else "MISSED"
    print(f"  target: under {TARGET_S:g} s -> {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
