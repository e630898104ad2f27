"""What every subcommand shares: settings, the store, errors and exit codes.

Text from outside (store values, what the user typed, error messages quoting either) is
shown through `say`, `text` and `print_json` only: never as Rich markup, and made safe
for a terminal by `safetext.escape` (or ASCII JSON) there, once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
from typing import TYPE_CHECKING, TypeVar

from rich.console import Console
from rich.text import Text

from inspector.boundedjson import dumps
from inspector.config import ConfigError, Settings, load_settings
from inspector.lookup import QueryError
from inspector.safetext import escape
from inspector.store.errors import StoreError
from inspector.store.opening import open_configured_store

if TYPE_CHECKING:
    from inspector.store.repository import StoreRepository

EXIT_OK = 0
EXIT_NOT_FOUND = 1
EXIT_BAD_INPUT = 2
EXIT_UNREACHABLE = 3

T = TypeVar("T")


class CliError(Exception):
    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code


@cache
def err_console() -> Console:
    return Console(stderr=True, soft_wrap=True)


def out_console() -> Console:
    """stdout; piped output gets room so tables are not cut to 80 columns."""
    import sys

    return Console(soft_wrap=True, width=None if sys.stdout.isatty() else 200)


def text(value: object, empty: str = "—") -> Text:
    """A value for a table cell or a line: literal text, one terminal-safe line; `empty`
    for None or ''. Rich reads a plain str as markup, so cells are always Text."""
    if value is None or value == "":
        return Text(empty)
    return Text(escape(str(value)))


def say(message: str) -> None:
    """One message line on stderr, prefixed 'inspector: '. The message is raw text (it
    may quote an argument or a stored value): it is escaped here."""
    err_console().print(Text(f"inspector: {escape(message)}"), highlight=False)


def json_text(value: object, indent: int | None = 2) -> str:
    """JSON for stdout or a screen: ASCII escapes for every control, C1, bidi and other
    non-ASCII character, never NaN."""
    return dumps(value, indent=indent)


def print_json(value: object) -> None:
    print(json_text(value))


def settings() -> Settings:
    """The configuration; what it ignored (a `.env` key that may not come from a file)
    is said on stderr."""
    try:
        cfg = load_settings()
    except ConfigError as exc:
        raise CliError(str(exc), EXIT_BAD_INPUT) from None
    for warning in cfg.warnings:
        say(f"warning: {warning}")
    return cfg


def open_store(cfg: Settings) -> StoreRepository:
    """For a command: the store, with the demo said on stderr; errors as CliError."""

    def built(path: str) -> None:
        err_console().print(f"inspector: built the demo store at {path}", markup=False)

    with translate_errors():
        store = open_configured_store(cfg, on_built=built)
    if cfg.is_demo:
        err_console().print(
            "inspector: DEMO store: sample data (set INSPECTOR_STORE_URL for a real store)",
            markup=False,
        )
    return store


@contextmanager
def store_session(cfg: Settings) -> Iterator[StoreRepository]:
    """The store for one command: store errors become CliError, and it is closed after."""
    store = open_store(cfg)
    try:
        with translate_errors():
            yield store
    finally:
        store.close()


@contextmanager
def translate_errors() -> Iterator[None]:
    """Domain errors become CliError with the contract's exit code."""
    try:
        yield
    except QueryError as exc:
        raise CliError(str(exc), EXIT_BAD_INPUT) from None
    except StoreError as exc:
        raise CliError(str(exc), EXIT_UNREACHABLE) from None
    except ConfigError as exc:
        raise CliError(str(exc), EXIT_BAD_INPUT) from None


def guarded(fn: Callable[[], T]) -> T:
    with translate_errors():
        return fn()
