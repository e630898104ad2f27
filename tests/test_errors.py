"""The one table from exceptions to words and exit codes: every row, its sentence for a
screen, its line for the command line and its exit code; no secret; escapes escaped."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy.engine import URL
from sqlalchemy.exc import OperationalError

from inspector.boundedjson import loads
from inspector.config import parse_url
from inspector.errors import (
    EXIT_BAD_INPUT,
    EXIT_NOT_FOUND,
    EXIT_UNREACHABLE,
    TABLE,
    command_line_message,
    describe_error,
    exit_code,
    first_line,
    plain_first_line,
    row_for,
)
from inspector.errortext import driver_error_line
from inspector.journal.errors import (
    JournalError,
    JournalRefused,
    TestDeviceError,
    TestDeviceNotFound,
)
from inspector.lookup import parse_query
from inspector.push.model import (
    InstallationNotFound,
    JournalUnavailable,
    ProviderNotConfigured,
    PushError,
    PushRefused,
    ValidationRefused,
)
from inspector.signoff.errors import ApprovalRefused, SignoffNotFound, SignoffRefused
from inspector.store.errors import (
    AmbiguousInstallation,
    IncompleteAnswer,
    SchemaMismatch,
    StoreError,
    StoreTimeout,
    StoreUnavailable,
    UnknownStore,
)
from inspector.store.repository import StoreRepository
from tests import hostile


def _raised(fn: Callable[..., object], *args: object) -> BaseException:
    try:
        fn(*args)
    except Exception as exc:
        return exc
    raise AssertionError("nothing was raised")


def _query_error() -> BaseException:
    return _raised(parse_query, "")


def _json_error() -> BaseException:
    return _raised(loads, "[" * 100 + "]" * 100)


def _config_error() -> BaseException:
    return _raised(parse_url, "not a url", "INSPECTOR_STORE_URL")


def _os_error() -> BaseException:
    return _raised(open, "/nonexistent/inspector/x.json")


# (row name, a representative exception, the screen's sentence, the command line's line,
# the exit code)
CASES = [
    ("QueryError", _query_error, "type a Customer ID", "type a Customer ID", EXIT_BAD_INPUT),
    (
        "JsonBoundError",
        _json_error,
        "JSON nested deeper than 64 levels",
        "JSON nested deeper than 64 levels",
        EXIT_BAD_INPUT,
    ),
    (
        "ConfigError",
        _config_error,
        "Configuration problem: INSPECTOR_STORE_URL is not a valid database URL.",
        "INSPECTOR_STORE_URL is not a valid database URL",
        EXIT_BAD_INPUT,
    ),
    (
        "AmbiguousInstallation",
        lambda: AmbiguousInstallation("installation x is in more than one store (eu, us)"),
        "Refused: installation x is in more than one store (eu, us).",
        "installation x is in more than one store (eu, us)",
        EXIT_BAD_INPUT,
    ),
    (
        "UnknownStore",
        lambda: UnknownStore("this profile has no store named 'ap' (stores: eu, us)"),
        "this profile has no store named 'ap' (stores: eu, us).",
        "this profile has no store named 'ap' (stores: eu, us)",
        EXIT_BAD_INPUT,
    ),
    (
        "IncompleteAnswer",
        lambda: IncompleteAnswer("installation x is not in eu, and the store us did not answer"),
        "installation x is not in eu, and the store us did not answer.",
        "installation x is not in eu, and the store us did not answer",
        EXIT_UNREACHABLE,
    ),
    (
        "StoreTimeout",
        lambda: StoreTimeout("db:5432/x: statement timeout"),
        "The database is too slow right now: db:5432/x: statement timeout. Try again",
        "db:5432/x: statement timeout",
        EXIT_UNREACHABLE,
    ),
    (
        "StoreUnavailable",
        lambda: StoreUnavailable("db:5432/x: connection refused"),
        "The database is unreachable: db:5432/x: connection refused. Nothing was looked up.",
        "db:5432/x: connection refused",
        EXIT_UNREACHABLE,
    ),
    (
        "SchemaMismatch",
        lambda: SchemaMismatch("no table 'installations'"),
        "This database is not an installation store: no table 'installations'.",
        "no table 'installations'",
        EXIT_UNREACHABLE,
    ),
    (
        "StoreError",
        lambda: StoreError("the demo store could not be built"),
        "The database failed: the demo store could not be built.",
        "the demo store could not be built",
        EXIT_UNREACHABLE,
    ),
    (
        "TestDeviceNotFound",
        lambda: TestDeviceNotFound("iid-1 is not a test device"),
        "iid-1 is not a test device.",
        "iid-1 is not a test device",
        EXIT_NOT_FOUND,
    ),
    (
        "TestDeviceError",
        lambda: TestDeviceError("the label must not be empty"),
        "the label must not be empty.",
        "the label must not be empty",
        EXIT_BAD_INPUT,
    ),
    (
        "JournalRefused",
        lambda: JournalRefused("INSPECTOR_JOURNAL_URL names the installation store itself"),
        "The audit journal is unavailable: INSPECTOR_JOURNAL_URL names the installation",
        "INSPECTOR_JOURNAL_URL names the installation store itself",
        EXIT_BAD_INPUT,
    ),
    (
        "JournalError",
        lambda: JournalError("journal.internal/inspector: connection refused"),
        "The audit journal is unavailable: journal.internal/inspector: connection refused.",
        "journal.internal/inspector: connection refused",
        EXIT_UNREACHABLE,
    ),
    (
        "InstallationNotFound",
        lambda: InstallationNotFound("no installation iid-9 in the store"),
        "no installation iid-9 in the store.",
        "no installation iid-9 in the store",
        EXIT_NOT_FOUND,
    ),
    (
        "ValidationRefused",
        lambda: ValidationRefused("sending is off here (INSPECTOR_PUSH_POLICY=off)"),
        "Refused: sending is off here (INSPECTOR_PUSH_POLICY=off).",
        "not validated: sending is off here (INSPECTOR_PUSH_POLICY=off)",
        EXIT_BAD_INPUT,
    ),
    (
        "SignoffNotFound",
        lambda: SignoffNotFound("no proof p-12 in profile staging"),
        "no proof p-12 in profile staging.",
        "no proof p-12 in profile staging",
        EXIT_NOT_FOUND,
    ),
    (
        "ApprovalRefused",
        lambda: ApprovalRefused("the approval of r-3 was already used"),
        "Refused: the approval of r-3 was already used.",
        "not sent: the approval of r-3 was already used",
        EXIT_BAD_INPUT,
    ),
    (
        "SignoffError",
        lambda: SignoffRefused("you cannot approve your own proof"),
        "Refused: you cannot approve your own proof.",
        "you cannot approve your own proof",
        EXIT_BAD_INPUT,
    ),
    (
        "PushRefused",
        lambda: PushRefused("sending is off here (INSPECTOR_PUSH_POLICY=off)"),
        "Refused: sending is off here (INSPECTOR_PUSH_POLICY=off).",
        "not sent: sending is off here (INSPECTOR_PUSH_POLICY=off)",
        EXIT_BAD_INPUT,
    ),
    (
        "ProviderNotConfigured",
        lambda: ProviderNotConfigured("FCM is not configured: set INSPECTOR_FCM_CREDENTIALS"),
        "FCM is not configured: set INSPECTOR_FCM_CREDENTIALS.",
        "FCM is not configured: set INSPECTOR_FCM_CREDENTIALS",
        EXIT_BAD_INPUT,
    ),
    (
        "PushError",
        lambda: JournalUnavailable("the journal cannot be written, so nothing was sent: x"),
        "Push failed: the journal cannot be written, so nothing was sent: x.",
        "the journal cannot be written, so nothing was sent: x",
        EXIT_UNREACHABLE,
    ),
    (
        "OSError",
        _os_error,
        "Could not use the file: No such file or directory.",
        "No such file or directory",
        EXIT_UNREACHABLE,
    ),
]


def test_every_row_has_a_case() -> None:
    assert sorted(name for name, *_ in CASES) == sorted(row.name for row in TABLE)


@pytest.mark.parametrize(
    ("name", "make", "sentence", "line", "code"), CASES, ids=[c[0] for c in CASES]
)
def test_a_row_gives_its_sentence_line_and_exit_code(
    name: str, make: Callable[[], BaseException], sentence: str, line: str, code: int
) -> None:
    exc = make()
    row = row_for(exc)
    assert row is not None and row.name == name
    assert describe_error(exc).startswith(sentence)
    assert (command_line_message(exc) or "").startswith(line)
    assert exit_code(exc) == code


def test_a_subclass_takes_its_own_row_before_its_base() -> None:
    # JournalRefused is a JournalError, ProviderNotConfigured a PushError: refused (2),
    # where their bases are unreachable (3).
    assert exit_code(JournalRefused("x")) == EXIT_BAD_INPUT
    assert exit_code(JournalError("x")) == EXIT_UNREACHABLE
    assert exit_code(ProviderNotConfigured("x")) == EXIT_BAD_INPUT
    assert exit_code(PushError("x")) == EXIT_UNREACHABLE


def test_an_unknown_exception() -> None:
    exc = RuntimeError("something broke\nsecond line")
    assert row_for(exc) is None
    assert describe_error(exc) == "Unexpected RuntimeError: something broke."
    assert describe_error(KeyError()) == "Unexpected KeyError."
    assert command_line_message(exc) is None  # main reports it as an internal error
    assert exit_code(exc) == EXIT_BAD_INPUT


def test_matching_imports_nothing() -> None:
    """A command that never loaded the push or journal packages cannot have raised their
    errors: the table learns that without importing them."""
    code = (
        "import sys\n"
        "from inspector.errors import describe_error, exit_code\n"
        "exit_code(RuntimeError('x')); describe_error(ValueError('y'))\n"
        "print(sorted(m for m in sys.modules if m.startswith(('inspector.push',"
        " 'inspector.journal', 'inspector.store', 'sqlalchemy'))))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"


HOSTILE_TEXT = (
    f"{hostile.OSC_TITLE}{hostile.CLEAR}{hostile.C1_CSI}{hostile.BIDI}{hostile.STYLED}"
    f"{hostile.OSC_CLIPBOARD}"
)


@pytest.mark.parametrize("name", [c[0] for c in CASES if c[0] not in ("OSError",)])
def test_escapes_in_the_exception_text_are_shown_escaped(name: str) -> None:
    row = next(row for row in TABLE if row.name == name)
    cls = getattr(sys.modules[row.module], row.name)
    exc = cls(f"bad value {HOSTILE_TEXT}\nForged: line")
    for said in (describe_error(exc), command_line_message(exc) or ""):
        for seq in (*hostile.FORBIDDEN_OUTPUT, "\x1b", "\n", "\r"):
            assert seq not in said
        assert "\\x1b]0;PWNED\\x07" in said and hostile.STYLED in said
        assert "Forged" not in said  # the first line only


def test_first_line_escapes_and_plain_first_line_keeps_the_text() -> None:
    exc = ValueError(f"a\\b {hostile.BIDI}x")
    assert plain_first_line(exc) == f"a\\b {hostile.BIDI}x"
    assert first_line(exc) == "a\\\\b \\u202ex"
    assert plain_first_line(ValueError("")) == "ValueError"
    # An OSError says its own words, not the errno and the path it repeats.
    assert plain_first_line(_os_error()) == "No such file or directory"
    assert len(first_line(ValueError("x" * 1000), 50)) == 50


def test_a_driver_error_never_shows_the_password_even_where_the_line_is_cut() -> None:
    url = URL.create("postgresql+psycopg", "ana", "s3cr3t-pw", "db", 5432, "x")
    # The password straddles the 300-character cut: blanked before the cut, not after.
    message = "y" * 295 + "s3cr3t-pw and more"
    exc = OperationalError("SELECT 1", {}, Exception(message))
    line = driver_error_line(exc, url)
    assert "s3cr3t" not in line and "s3cr3" not in line
    assert len(line) <= 300


def test_an_unreachable_store_names_host_and_database_never_the_password() -> None:
    url = URL.create("postgresql+psycopg", "ana", "canary-pw-71", "127.0.0.1", 1, "installs")
    exc = _raised(lambda: StoreRepository.open_checked(url, statement_timeout_s=2))
    assert isinstance(exc, StoreUnavailable)
    for said in (describe_error(exc), command_line_message(exc) or ""):
        assert "127.0.0.1:1/installs" in said
        assert "canary-pw-71" not in said
    assert exit_code(exc) == EXIT_UNREACHABLE


def test_no_row_adds_a_secret() -> None:
    # A row's words are fixed text around the exception's own first line.
    for row in TABLE:
        assert row.sentence.count("{}") == 1 and row.line.count("{}") == 1
        assert "{" not in row.sentence.replace("{}", "") + row.line.replace("{}", "")


def test_the_oserror_row_covers_its_subclasses(tmp_path: Path) -> None:
    exc = _raised(lambda: (tmp_path / "d").mkdir() or (tmp_path / "d").mkdir())
    assert isinstance(exc, FileExistsError)
    assert describe_error(exc) == "Could not use the file: File exists."
