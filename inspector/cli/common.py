"""What every subcommand shares: settings, the store, messages and exit codes.

Text from outside (store values, what the user typed, error messages quoting either) is
shown through `say`, `say_error`, `text` and `print_json` only: never as Rich markup,
and made safe for a terminal by `safetext.escape` (or ASCII JSON) there, once. Words
from `inspector.facts` and `inspector.errors` are already safe: they are shown as `Text`
as they are.

A domain error (store, journal, push, config, query) is not caught here: it reaches
`main`, which says it and exits with the code `inspector.errors` gives it. `CliError`
is for what the command line itself has to say.

Rich is imported by the functions that draw tables or styled text only: messages are
plain lines on stderr and JSON plain text on stdout, so `find --json` never loads it.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import cache
from typing import TYPE_CHECKING

from inspector.boundedjson import dumps
from inspector.config import Settings, load_settings
from inspector.errors import command_line_message
from inspector.safetext import escape
from inspector.store.opening import open_configured_store

if TYPE_CHECKING:
    from rich.console import Console
    from rich.text import Text

    from inspector.journal import Journal
    from inspector.lookup import Lookup
    from inspector.store.repository import StoreRepository


class CliError(Exception):
    """A message the command line makes itself (raw text, escaped when said), with its
    exit code."""

    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code


@cache
def err_console() -> Console:
    from rich.console import Console

    return Console(stderr=True, soft_wrap=True)


def out_console() -> Console:
    """stdout; piped output gets room so tables are not cut to 80 columns."""
    from rich.console import Console

    return Console(soft_wrap=True, width=None if sys.stdout.isatty() else 200)


def text(value: object, empty: str = "—") -> Text:
    """A value for a table cell or a line: literal text, one terminal-safe line; `empty`
    for None or ''. Rich reads a plain str as markup, so cells are always Text."""
    from rich.text import Text

    if value is None or value == "":
        return Text(empty)
    return Text(escape(str(value)))


def err_line(line: str) -> None:
    """One line on stderr, already terminal-safe: written as it is, never as markup."""
    sys.stderr.write(line + "\n")
    sys.stderr.flush()


def say(message: str, *, escaped: bool = False) -> None:
    """One message line on stderr, prefixed 'inspector: '. The message is raw text (it
    may quote an argument or a stored value): it is escaped here, unless the caller
    escaped its parts (`escaped`: it quotes a store or journal label, safe already, which
    escaping again would change)."""
    line = message if escaped else escape(message)
    err_line(f"inspector: {line}")


def say_error(exc: BaseException, prefix: str = "") -> bool:
    """A domain error as its one line from `inspector.errors` (already terminal-safe),
    after `prefix` (raw text); False, and nothing said, for an exception no row knows."""
    message = command_line_message(exc)
    if message is None:
        return False
    err_line(f"inspector: {escape(prefix)}{message}")
    return True


def json_text(value: object, indent: int | None = 2) -> str:
    """JSON for stdout or a screen: ASCII escapes for every control, C1, bidi and other
    non-ASCII character, never NaN."""
    return dumps(value, indent=indent)


def print_json(value: object, indent: int | None = 2) -> None:
    print(json_text(value, indent))


def settings(args: argparse.Namespace) -> Settings:
    """The settings of the profile `--profile`/`--config` choose (ConfigError when they
    are wrong); what they ignored (a `.env` key that may not come from a file, a variable
    a profile decides) is said on stderr."""
    cfg = load_settings(
        profile=getattr(args, "profile", None), config=getattr(args, "config", None)
    )
    for warning in cfg.warnings:
        say(f"warning: {warning}", escaped=True)  # every warning is escaped where made
    return cfg


def open_store(cfg: Settings) -> StoreRepository:
    """For a command: the store, with the demo said on stderr."""

    def built(path: str) -> None:
        say(f"built the demo store at {path}")

    store = open_configured_store(cfg, on_built=built)
    if cfg.is_demo:
        say("DEMO store: sample data (set INSPECTOR_STORE_URL for a real store)")
    return store


@contextmanager
def store_session(cfg: Settings) -> Iterator[StoreRepository]:
    """The store for one command, closed after."""
    store = open_store(cfg)
    try:
        yield store
    finally:
        store.close()


def open_journal_or_warn(cfg: Settings) -> Journal | None:
    """For reads: a journal that cannot be opened is a warning, not a failure."""
    from inspector.journal import Journal, JournalError

    try:
        return Journal.open(cfg)
    except JournalError as exc:
        say_error(exc, "warning: this action is not in the audit journal: ")
        return None


def record_lookups(journal: Journal, items: Sequence[tuple[Lookup, int]]) -> None:
    """Lookups (with how many installations each found) in one journal transaction.
    JournalError when they cannot be written."""
    journal.record_lookups(
        [(lookup, "found" if found else "not found", found) for lookup, found in items]
    )


def audit_lookups(cfg: Settings, items: Sequence[tuple[Lookup, int]]) -> None:
    """Record lookups in the journal; a journal that fails is a warning, never a failure."""
    from inspector.journal import JournalError

    journal = open_journal_or_warn(cfg)
    if journal is None:
        return
    try:
        record_lookups(journal, items)
    except JournalError as exc:
        say(f"warning: this lookup is not in the audit journal: {exc}")
    finally:
        journal.close()
