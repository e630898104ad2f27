"""`inspector` and its subcommands. Data goes to stdout, messages to stderr.

Exit codes: 0 success, 1 nothing found, 2 bad input or refused, 3 store or provider
unreachable (and an internal error, shown as an escaped traceback).

Bare `inspector` opens the terminal UI without importing any subcommand: their modules
(and the database drivers, SQLAlchemy and push clients behind them) load in
`build_parser()` only, so the UI's search box is ready sooner.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import traceback
from collections.abc import Callable, Sequence
from importlib.util import find_spec
from typing import TYPE_CHECKING, NoReturn

from rich.text import Text

from inspector.cli.common import EXIT_BAD_INPUT, EXIT_UNREACHABLE, CliError, err_console, say
from inspector.safetext import escape

if TYPE_CHECKING:
    from inspector.config import Settings
    from inspector.journal import Journal
    from inspector.push import PushService
    from inspector.store.repository import StoreRepository

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
    except Exception as exc:  # a defect: its traceback quotes data, so it is escaped too
        for line in traceback.format_exception(exc):
            for part in line.rstrip("\n").splitlines():
                err_console().print(Text(escape(part)), highlight=False)
        say(f"internal error ({type(exc).__name__}); please report it with the lines above")
        return EXIT_UNREACHABLE


def run_tui() -> int:
    """Open the Textual app; textual is imported here only, so subcommands never load it.

    The app draws its first frame before the store, journal and push service are opened:
    it gets the functions that open them and calls them in a worker.
    """
    from inspector.cli.common import settings

    cfg = settings()
    warnings = list(cfg.warnings)
    open_journal: Callable[[], Journal | None] | None = None
    if find_spec("inspector.journal") is None:
        warnings.append("The audit journal is not available in this build: nothing is audited.")
    else:
        open_journal = _journal_opener(cfg)
    open_push = _push_opener(cfg) if find_spec("inspector.push") is not None else None

    from inspector.tui.app import InspectorApp

    app = InspectorApp(
        cfg, _store_opener(cfg), open_journal, open_push, startup_warnings=tuple(warnings)
    )
    app.run()
    return 0


def _store_opener(cfg: Settings) -> Callable[[], StoreRepository]:
    def open_store() -> StoreRepository:
        from inspector.store.opening import open_configured_store

        return open_configured_store(cfg)

    return open_store


def _journal_opener(cfg: Settings) -> Callable[[], Journal | None]:
    def open_journal() -> Journal | None:
        """JournalError when it cannot be opened: the app warns that nothing is audited."""
        from inspector.journal import Journal

        return Journal.open(cfg)

    return open_journal


def _push_opener(
    cfg: Settings,
) -> Callable[[StoreRepository, Journal | None], PushService | None]:
    def open_push(store: StoreRepository, journal: Journal | None) -> PushService | None:
        from inspector.push import PushService

        return PushService.from_settings(cfg, store, journal)

    return open_push


if __name__ == "__main__":
    sys.exit(main())
