"""`inspector` and its subcommands. Data goes to stdout, messages to stderr.

Exit codes (`inspector.errors`, one table for the command line and the UI): 0 success,
1 nothing found, 2 bad input or refused, 3 store or provider unreachable, and an
internal error: one line, never a traceback unless INSPECTOR_DEBUG=1 asks for it.

Bare `inspector` opens the terminal UI without importing any subcommand. A subcommand
imports its own module only (`COMMANDS`): `find` never loads the push clients, the
generator, Rich or Textual, so a lookup from a script starts fast. `inspector --help`
(or an unknown command) loads them all to list them.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import traceback
from collections.abc import Sequence
from typing import NoReturn

from inspector.cli.common import CliError, err_line, say, say_error
from inspector.errors import EXIT_BAD_INPUT, EXIT_OK, EXIT_UNREACHABLE, exit_code, first_line
from inspector.safetext import escape

# Each module adds its subcommands with `register(sub)`; `func(args) -> int` runs one.
# The command names each module registers: a command imports its module only.
COMMANDS = {
    "find": "inspector.cli.store_commands",
    "show": "inspector.cli.store_commands",
    "demo": "inspector.cli.demo_command",
    "audit": "inspector.cli.journal_commands",
    "test-devices": "inspector.cli.journal_commands",
    "push": "inspector.cli.push_commands",
    "check-token": "inspector.cli.push_commands",
    "profiles": "inspector.cli.profile_commands",
    "proofs": "inspector.cli.signoff_commands",
    "approvals": "inspector.cli.signoff_commands",
    "serve": "inspector.cli.web_commands",
    "users": "inspector.cli.web_commands",
}
COMMAND_MODULES = tuple(dict.fromkeys(COMMANDS.values()))


# Options every command takes, before or after its name: `inspector --profile p find x`
# and `inspector find x --profile p` are the same command.
GLOBAL_OPTIONS = ("--profile", "--config")


class Parser(argparse.ArgumentParser):
    """argparse quotes the offending argument in its errors: escape it like any message.
    Subparsers are built with the parent's class, so this covers every subcommand, and
    every (sub)command takes the global options."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        group = self.add_argument_group("profile")
        # SUPPRESS: a subcommand's parser must not reset what the main parser read.
        group.add_argument(
            "--profile",
            metavar="NAME",
            default=argparse.SUPPRESS,
            help="the profile of the profile file to use (else INSPECTOR_PROFILE or its default)",
        )
        group.add_argument(
            "--config",
            metavar="PATH",
            default=argparse.SUPPRESS,
            help="the profile file (else INSPECTOR_CONFIG, ./inspector.toml, the user config)",
        )

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        # say() names the program already: "inspector: test-devices add: error: …".
        command = self.prog.removeprefix("inspector").strip()
        say(f"{command}: error: {message}" if command else f"error: {message}")
        sys.exit(EXIT_BAD_INPUT)


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser of `command` only (its module's subcommands), or of every command."""
    parser = Parser(
        prog="inspector",
        description="Look inside the installation store; send a test push to one device.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    module = COMMANDS.get(command or "")
    for name in (module,) if module else COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        name = command_name(argv)
        if name is None and not {"-h", "--help"} & set(argv):
            # Bare `inspector [--profile P]`: the UI, without importing any subcommand.
            return run_tui(Parser(prog="inspector").parse_args(argv))
        args = build_parser(name).parse_args(argv)
        if args.command is None:
            return run_tui(args)
        return int(args.func(args))
    except CliError as exc:
        # The one printer of errors: a message may quote an argument or a stored value.
        say(str(exc))
        return exc.code
    except BrokenPipeError:
        # The reader went away (`| head`): nothing more to say, and nowhere to say it.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK
    except KeyboardInterrupt:
        say("interrupted")
        return EXIT_BAD_INPUT
    except Exception as exc:
        # A store, journal, push, config or query error: its one line and exit code.
        if say_error(exc):
            return exit_code(exc)
        return internal_error(exc)


def command_name(argv: Sequence[str]) -> str | None:
    """The subcommand's name: the first word that is neither an option nor its value."""
    skip = False
    for word in argv:
        if skip:
            skip = False
        elif word in GLOBAL_OPTIONS:
            skip = True
        elif not word.startswith("-"):
            return word
    return None


def internal_error(exc: BaseException) -> int:
    """A defect: one line naming it; its traceback (escaped: it quotes data) only when
    INSPECTOR_DEBUG=1 asks for it."""
    if os.environ.get("INSPECTOR_DEBUG") == "1":
        for line in traceback.format_exception(exc):
            for part in line.rstrip("\n").splitlines():
                err_line(escape(part))
    err_line(
        f"inspector: internal error: {type(exc).__name__}: {first_line(exc, 200)}"
        " (run with INSPECTOR_DEBUG=1 for details)"
    )
    return EXIT_UNREACHABLE


def run_tui(args: argparse.Namespace) -> int:
    """Open the Textual app; textual is imported there only, so subcommands never load it.
    The app draws its first frame before the store, journal and push service are opened."""
    from inspector.cli.common import settings

    # Every setting is loaded (and a bad one refused, exit 2) before the UI is imported:
    # it never starts half-configured.
    cfg = settings(args)
    from inspector.tui.launch import run

    return run(cfg)


if __name__ == "__main__":
    sys.exit(main())
