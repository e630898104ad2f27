"""`inspector` and its subcommands. Data goes to stdout, messages to stderr.

Exit codes (`inspector.errors`, one table for the command line and the UI): 0 success,
1 nothing found, 2 bad input or refused, 3 store or provider unreachable, and an
internal error: one line, never a traceback unless INSPECTOR_DEBUG=1 asks for it.

Bare `inspector` opens the terminal UI without importing any subcommand: their modules
(and the database drivers, SQLAlchemy and push clients behind them) load in
`build_parser()` only, so the UI's search box is ready sooner.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import traceback
from collections.abc import Sequence
from typing import NoReturn

from rich.text import Text

from inspector.cli.common import CliError, err_console, say, say_error
from inspector.errors import EXIT_BAD_INPUT, EXIT_UNREACHABLE, exit_code, first_line
from inspector.safetext import escape

# Each module adds its subcommands with `register(sub)`; `func(args) -> int` runs one.
COMMAND_MODULES = (
    "inspector.cli.store_commands",
    "inspector.cli.demo_command",
    "inspector.cli.journal_commands",
    "inspector.cli.push_commands",
)


class Parser(argparse.ArgumentParser):
    """argparse quotes the offending argument in its errors: escape it like any message.
    Subparsers are built with the parent's class, so this covers every subcommand."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        say(f"{self.prog}: error: {message}")
        sys.exit(EXIT_BAD_INPUT)


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="inspector",
        description="Look inside the installation store; send a test push to one device.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        if not argv:
            return run_tui()
        args = build_parser().parse_args(argv)
        if args.command is None:
            return run_tui()
        return int(args.func(args))
    except CliError as exc:
        # The one printer of errors: a message may quote an argument or a stored value.
        say(str(exc))
        return exc.code
    except KeyboardInterrupt:
        say("interrupted")
        return EXIT_BAD_INPUT
    except Exception as exc:
        # A store, journal, push, config or query error: its one line and exit code.
        if say_error(exc):
            return exit_code(exc)
        return internal_error(exc)


def internal_error(exc: BaseException) -> int:
    """A defect: one line naming it; its traceback (escaped: it quotes data) only when
    INSPECTOR_DEBUG=1 asks for it."""
    if os.environ.get("INSPECTOR_DEBUG") == "1":
        for line in traceback.format_exception(exc):
            for part in line.rstrip("\n").splitlines():
                err_console().print(Text(escape(part)), highlight=False)
    err_console().print(
        Text(
            f"inspector: internal error: {type(exc).__name__}: {first_line(exc, 200)}"
            " (run with INSPECTOR_DEBUG=1 for details)"
        ),
        highlight=False,
    )
    return EXIT_UNREACHABLE


def run_tui() -> int:
    """Open the Textual app; textual is imported there only, so subcommands never load it.
    The app draws its first frame before the store, journal and push service are opened."""
    from inspector.cli.common import settings
    from inspector.tui.launch import run

    return run(settings())


if __name__ == "__main__":
    sys.exit(main())
