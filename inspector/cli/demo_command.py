"""`inspector demo`: fill an empty database with a large generated store.

It only ever writes into a database without the store's tables, so it cannot touch a
real installation store by mistake.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import URL
from sqlalchemy.exc import SQLAlchemyError

from inspector.cli.common import CliError, err_console
from inspector.config import describe_url, parse_url
from inspector.dburl import require_driver, sqlite_file
from inspector.errors import EXIT_BAD_INPUT, EXIT_OK, EXIT_UNREACHABLE
from inspector.fixtures.generator import (
    MAX_INSTALLATIONS,
    GeneratorFailed,
    GeneratorRefused,
    check_counts,
    generate,
    sqlite_bytes_needed,
)
from inspector.safetext import escape
from inspector.store.engine import translate_error

_BACKENDS = ("sqlite", "postgresql", "mysql", "mariadb")


def _count(text: str) -> int:
    try:
        value = int(text.replace("_", "").replace(",", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError("must be 0 or more")
    return value


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    demo = sub.add_parser(
        "demo",
        help="fill an empty database with a generated store (demos and benchmarks)",
        description=(
            "Creates schema.sql in an empty database and writes N seeded installations "
            "with their events. Refuses a database that already has the store's tables."
        ),
    )
    demo.add_argument(
        "--installations",
        type=_count,
        required=True,
        metavar="N",
        help=f"at most {MAX_INSTALLATIONS:,}",
    )
    demo.add_argument(
        "--events-per-installation", type=_count, default=2, metavar="M", help="default 2"
    )
    demo.add_argument("--url", required=True, help="SQLAlchemy URL of an empty database")
    demo.add_argument("--seed", type=int, default=0, help="same seed, same rows (default 0)")
    demo.add_argument(
        "--heavy-device-events",
        type=_count,
        default=0,
        metavar="K",
        help="give one device K more events; its Installation ID is printed",
    )
    demo.add_argument(
        "--now",
        help="UTC time the data is relative to, ISO 8601 (default: the current hour)",
    )
    demo.set_defaults(func=cmd_demo)


def _now(text: str | None) -> datetime:
    if not text:
        return datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise CliError(
            f"--now is not an ISO 8601 time: {escape(text.strip())[:60]!r}", EXIT_BAD_INPUT
        ) from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def cmd_demo(args: argparse.Namespace) -> int:
    url = parse_url(args.url, "--url")  # ConfigError: exit 2 (`inspector.errors`)
    backend = url.get_backend_name()
    if backend not in _BACKENDS:
        raise CliError(
            f"--url names the database '{backend}'; use sqlite, postgresql or mariadb/mysql",
            EXIT_BAD_INPUT,
        )
    if backend == "sqlite" and (not url.database or url.database == ":memory:"):
        raise CliError("--url must name a SQLite file, not an in-memory database", EXIT_BAD_INPUT)
    require_driver(url, "--url")
    try:
        check_counts(args.installations, args.events_per_installation, args.heavy_device_events)
    except ValueError as exc:
        raise CliError(str(exc), EXIT_BAD_INPUT) from None
    if backend == "sqlite":
        _check_sqlite_target(url, args)
    now = _now(args.now)
    label = describe_url(url)
    err_console().print(
        f"inspector: generating {args.installations:,} installations into {label}",
        markup=False,
    )
    try:
        result = generate(
            url,
            args.installations,
            args.events_per_installation,
            seed=args.seed,
            heavy_device_events=args.heavy_device_events,
            now=now,
            progress=sys.stderr,
        )
    except GeneratorRefused:
        raise CliError(
            f"refusing to write into {label}: it already has the store's tables "
            "(inspector demo only fills an empty database)",
            EXIT_BAD_INPUT,
        ) from None
    except SQLAlchemyError as exc:
        raise translate_error(exc, url) from None  # a StoreError: exit 3
    except ValueError as exc:
        raise CliError(f"--now: {exc}", EXIT_BAD_INPUT) from None
    except GeneratorFailed as exc:
        raise CliError(f"{exc} ({label})", EXIT_UNREACHABLE) from None
    except ImportError as exc:
        raise CliError(f"no driver for --url: {exc.name or exc}", EXIT_BAD_INPUT) from None
    except OSError as exc:
        raise CliError(f"cannot write {label}: {exc.strerror or exc}", EXIT_BAD_INPUT) from None
    print(f"installations: {result.installations}")
    print(f"events: {result.events}")
    if result.heavy_installation_id:
        print(f"heavy_installation_id: {result.heavy_installation_id}")
    err_console().print(
        f"inspector: done in {result.seconds:.1f} s (seed {args.seed})", markup=False
    )
    return EXIT_OK


def _check_sqlite_target(url: URL, args: argparse.Namespace) -> None:
    """The file's directory must exist (a mistyped path is not created), and its disk
    must have room for the store."""
    path = sqlite_file(url)
    if path is None:
        raise CliError("--url must name a SQLite file, not an in-memory database", EXIT_BAD_INPUT)
    directory = Path(path).parent
    if not directory.is_dir():
        raise CliError(
            f"--url names a file in {escape(str(directory))}, which is not an existing "
            "directory (create it first)",
            EXIT_BAD_INPUT,
        )
    needed = sqlite_bytes_needed(
        args.installations, args.events_per_installation, args.heavy_device_events
    )
    try:
        free = shutil.disk_usage(directory).free
    except OSError:
        return  # no figure to check against; writing says it if the disk fills
    if needed > free:
        raise CliError(
            f"the store would take about {needed / 1e9:,.1f} GB and {escape(str(directory))} "
            f"has {free / 1e9:,.1f} GB free",
            EXIT_BAD_INPUT,
        )
