"""`inspector` and its subcommands. Data goes to stdout, messages to stderr.

Exit codes: 0 success, 1 nothing found, 2 bad input or refused, 3 store or provider
unreachable.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from inspector.cli import demo_command, journal_commands, push_commands, store_commands
from inspector.cli.common import EXIT_BAD_INPUT, CliError, err_console

# Each module adds its subcommands; `func(args) -> int` runs one.
COMMAND_MODULES = [store_commands, demo_command, journal_commands, push_commands]


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
    """Open the Textual app; textual is imported here only, so subcommands never load it."""
    from inspector.cli.common import open_store, settings

    cfg = settings()
    store = open_store(cfg)
    warnings: list[str] = []
    journal = None
    try:
        from inspector.journal import Journal, JournalError
    except ImportError:
        warnings.append("The audit journal is not available in this build: nothing is audited.")
    else:
        try:
            journal = Journal.open(cfg)
        except JournalError as exc:
            warnings.append(f"Journal unavailable ({exc}): reveals and exports are not audited.")
    push = None
    try:
        from inspector.push import PushService
    except ImportError:
        pass
    else:
        try:
            push = PushService.from_settings(cfg, store, journal)
        except Exception as exc:  # a push setup problem must not keep the inspector closed
            warnings.append(f"Push is not configured: {str(exc).splitlines()[0][:200]}")

    from inspector.tui.app import InspectorApp

    try:
        InspectorApp(cfg, store, journal, push, startup_warnings=tuple(warnings)).run()
    finally:
        if push is not None:
            push.close()
        if journal is not None:
            journal.close()
        store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
