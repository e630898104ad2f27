"""`inspector` and its subcommands. Data goes to stdout, messages to stderr.

Exit codes: 0 success, 1 nothing found, 2 bad input or refused, 3 store or provider
unreachable.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from inspector.cli import demo_command, journal_commands, store_commands
from inspector.cli.common import EXIT_BAD_INPUT, CliError, err_console

# Each module adds its subcommands; `func(args) -> int` runs one.
COMMAND_MODULES = [store_commands, demo_command, journal_commands]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="inspector",
        description="Look inside the installation store; send a test push to one device.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in COMMAND_MODULES:
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command is None:
            return run_tui()
        return int(args.func(args))
    except CliError as exc:
        err_console().print(f"inspector: {exc}", markup=False, highlight=False)
        return exc.code
    except KeyboardInterrupt:
        err_console().print("inspector: interrupted", markup=False)
        return EXIT_BAD_INPUT


def run_tui() -> int:
    from inspector.cli.common import open_store, settings

    # The terminal UI lands later; until then the bare command says how to search.
    cfg = settings()
    store = open_store(cfg)
    store.close()
    err_console().print("inspector: try `inspector find cust-42` on the demo store", markup=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
