"""One table from exceptions to words and exit codes, for the command line and the UI.

A row gives the sentence a screen shows, the line the command line prints after
'inspector: ' (terser: the exception's own words unless the row says otherwise) and the
command line's exit code. Each row names an exception class by module and name: a class
whose module was never imported cannot have been raised, so matching costs no import (a
lookup from the command line never loads the push clients to learn what a PushError is).
Rows are tried in order, subclasses before their bases. Messages are one line, made safe
for a terminal; no row adds a secret (store and journal errors name host and database
only).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

from inspector.safetext import clip, escape

EXIT_OK = 0
EXIT_NOT_FOUND = 1
EXIT_BAD_INPUT = 2  # bad input, or refused
EXIT_UNREACHABLE = 3  # store, journal or provider unreachable


@dataclass(frozen=True, slots=True)
class ErrorRow:
    module: str
    name: str
    exit_code: int
    # The sentence a screen shows; {} is the exception's own first line.
    sentence: str
    # What the command line prints after 'inspector: '.
    line: str = "{}"

    def matches(self, exc: BaseException) -> bool:
        module = sys.modules.get(self.module)
        cls = getattr(module, self.name, None) if module is not None else None
        return isinstance(cls, type) and isinstance(exc, cls)


_JOURNAL_UNAVAILABLE = "The audit journal is unavailable: {}."

TABLE = (
    ErrorRow("inspector.lookup", "QueryError", EXIT_BAD_INPUT, "{}"),
    ErrorRow("inspector.boundedjson", "JsonBoundError", EXIT_BAD_INPUT, "{}"),
    ErrorRow("inspector.config", "ConfigError", EXIT_BAD_INPUT, "Configuration problem: {}."),
    # An Installation ID in two regional stores: refused, since it could reach the wrong
    # device; every store answered, so it is not an outage.
    ErrorRow("inspector.store.errors", "AmbiguousInstallation", EXIT_BAD_INPUT, "Refused: {}."),
    # A store name the profile does not have: a mistake to correct, not a server to wait for.
    ErrorRow("inspector.store.errors", "UnknownStore", EXIT_BAD_INPUT, "{}."),
    # Regional stores: the answer depends on a store that did not answer (the message
    # names it and what the others said).
    ErrorRow("inspector.store.errors", "IncompleteAnswer", EXIT_UNREACHABLE, "{}."),
    ErrorRow(
        "inspector.store.errors",
        "StoreTimeout",
        EXIT_UNREACHABLE,
        "The database is too slow right now: {}. Try again in a moment.",
    ),
    ErrorRow(
        "inspector.store.errors",
        "StoreUnavailable",
        EXIT_UNREACHABLE,
        "The database is unreachable: {}. Nothing was looked up.",
    ),
    ErrorRow(
        "inspector.store.errors",
        "SchemaMismatch",
        EXIT_UNREACHABLE,
        "This database is not an installation store: {}.",
    ),
    ErrorRow("inspector.store.errors", "StoreError", EXIT_UNREACHABLE, "The database failed: {}."),
    ErrorRow("inspector.journal.errors", "TestDeviceNotFound", EXIT_NOT_FOUND, "{}."),
    ErrorRow("inspector.journal.errors", "TestDeviceError", EXIT_BAD_INPUT, "{}."),
    # A configuration to change (the journal would be the store, no driver), not a server
    # to wait for: refused.
    ErrorRow("inspector.journal.errors", "JournalRefused", EXIT_BAD_INPUT, _JOURNAL_UNAVAILABLE),
    ErrorRow("inspector.journal.errors", "JournalError", EXIT_UNREACHABLE, _JOURNAL_UNAVAILABLE),
    # Nothing found, like `show` of an unknown installation: 1, not a refusal.
    ErrorRow("inspector.push.model", "InstallationNotFound", EXIT_NOT_FOUND, "{}."),
    # A dry run or token check refused: no send was asked for, so the words never say
    # "not sent".
    ErrorRow(
        "inspector.push.model",
        "ValidationRefused",
        EXIT_BAD_INPUT,
        "Refused: {}.",
        "not validated: {}",
    ),
    # Proofs and approvals: an unknown id is nothing found; a refused approval is a
    # refused send (it is a PushRefused too, so it comes first).
    ErrorRow("inspector.signoff.errors", "SignoffNotFound", EXIT_NOT_FOUND, "{}."),
    ErrorRow(
        "inspector.signoff.errors",
        "ApprovalRefused",
        EXIT_BAD_INPUT,
        "Refused: {}.",
        "not sent: {}",
    ),
    ErrorRow("inspector.signoff.errors", "SignoffError", EXIT_BAD_INPUT, "Refused: {}."),
    ErrorRow("inspector.push.model", "PushRefused", EXIT_BAD_INPUT, "Refused: {}.", "not sent: {}"),
    # Its message names what to set ("FCM is not configured: set ..."): a setting to
    # change, so refused like a ConfigError.
    ErrorRow("inspector.push.model", "ProviderNotConfigured", EXIT_BAD_INPUT, "{}."),
    ErrorRow("inspector.push.model", "PushError", EXIT_UNREACHABLE, "Push failed: {}."),
    ErrorRow("builtins", "OSError", EXIT_UNREACHABLE, "Could not use the file: {}."),
)


def plain_first_line(exc: BaseException, limit: int = 300, hide: str | None = None) -> str:
    """The first line of the exception's text (its type name when it has none), as it
    is: for a message that is escaped where it is shown. `hide` (a password) is blanked
    out before the line is cut, so no part of it survives the cut."""
    # An OSError's own words, without the errno and the path it repeats.
    text = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc).strip()
    if hide:
        text = text.replace(hide, "***")
    return clip(text.splitlines()[0] if text else type(exc).__name__, limit)


def first_line(exc: BaseException, limit: int = 300) -> str:
    """`plain_first_line`, made safe for a terminal."""
    return clip(escape(plain_first_line(exc, limit)), limit)


def row_for(exc: BaseException) -> ErrorRow | None:
    return next((row for row in TABLE if row.matches(exc)), None)


def exit_code(exc: BaseException) -> int:
    """The command-line contract's exit code; an exception no row knows is refused (2)."""
    row = row_for(exc)
    return row.exit_code if row is not None else EXIT_BAD_INPUT


def _fill(template: str, line: str) -> str:
    # A template that ends the sentence itself does not double an ending full stop.
    return template.format(line.rstrip(".") if template.endswith("{}.") else line)


def describe_error(exc: BaseException) -> str:
    """One sentence for a screen: no traceback, no secret, no control character."""
    row = row_for(exc)
    line = first_line(exc, 200)
    if row is None:
        has_text = line != type(exc).__name__
        return f"Unexpected {type(exc).__name__}{': ' + line if has_text else ''}."
    return _fill(row.sentence, line)


def command_line_message(exc: BaseException) -> str | None:
    """What the command line prints after 'inspector: ' (terminal-safe, one line), or
    None for an exception no row knows (a defect, reported as an internal error)."""
    row = row_for(exc)
    return None if row is None else _fill(row.line, first_line(exc, 500))
