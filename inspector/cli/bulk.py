"""`inspector find -` and `inspector show -`: one query per stdin line, one answer each.

Streamed: a line is read, looked up, written and flushed before the next is read, so
memory stays flat however long the input; nothing is held but the journal's pending
batch. One store connection serves the whole run; lookups reach the journal in batches,
one transaction each. A bad line is answered on its line ("refused") and the run goes on;
a store that fails stops it ("error", exit 3), since every later line would fail alike.

Regional stores (a profile with several): a line some store did not answer is "partial"
(the others' installations, and in `error` which store is missing); an Installation ID
the answering stores do not hold while another did not answer is an "error" line; both
go on to the next line, since the store may be back for it. Only no store answering stops
the run. An Installation ID two stores hold is refused as ambiguous.

Exit status: the highest that applies, 3 (the store failed, or some line is partial or
an error) over 2 (some line refused) over 1 (some query found nothing) over 0.
"""

from __future__ import annotations

import argparse
import io
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import IO, TYPE_CHECKING, Any

from inspector.cli.common import (
    json_text,
    open_journal_or_warn,
    record_lookups,
    say,
    settings,
    store_session,
)
from inspector.cli.store_commands import cell, find_document, id_lookup, selected, with_store
from inspector.errors import (
    EXIT_BAD_INPUT,
    EXIT_NOT_FOUND,
    EXIT_OK,
    EXIT_UNREACHABLE,
    first_line,
    plain_first_line,
)
from inspector.export import TOKEN_REPORT_FIELDS, installation_to_dict
from inspector.health import device_states
from inspector.lookup import (
    KeyKind,
    Lookup,
    QueryError,
    check_installation_id,
    parse_query,
)
from inspector.safetext import clip, escape
from inspector.store.errors import (
    AmbiguousInstallation,
    IncompleteAnswer,
    StoreError,
    StoreTimeout,
)
from inspector.store.records import FindResult, Match

if TYPE_CHECKING:
    from inspector.journal import Journal
    from inspector.store.repository import StoreRepository

# A line longer than this is refused without being held whole.
MAX_LINE_CHARS = 16_384
# What of a refused line is echoed back (JSON escapes it; the table escapes it).
QUERY_ECHO_CHARS = 200
# Journal batches: this many lookups, or this many seconds after the first one waiting.
BATCH_SIZE = 500
BATCH_SECONDS = 2.0

FOUND, NOT_FOUND, REFUSED, ERROR = "found", "not found", "refused", "error"
# Regional stores: some store did not answer; what the others found is given.
PARTIAL = "partial"
OUTCOME_EXIT = {FOUND: EXIT_OK, NOT_FOUND: EXIT_NOT_FOUND, PARTIAL: EXIT_UNREACHABLE,
                REFUSED: EXIT_BAD_INPUT, ERROR: EXIT_UNREACHABLE}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Line:
    number: int
    text: str
    too_long: bool = False


def read_lines(stream: IO[str]) -> Iterator[Line]:
    """Numbered query lines, blank lines and '#' comments skipped; a line over
    MAX_LINE_CHARS is read in bounded pieces and handed on marked `too_long`."""
    number = 0
    while True:
        chunk = stream.readline(MAX_LINE_CHARS)
        if not chunk:
            return
        number += 1
        too_long = not chunk.endswith("\n") and len(chunk) >= MAX_LINE_CHARS
        while too_long and (rest := stream.readline(MAX_LINE_CHARS)):
            if rest.endswith("\n"):
                break
        text = chunk.strip()
        if not text or text.startswith("#"):
            continue
        yield Line(number, text, too_long)


def stdin_text() -> IO[str]:
    """Stdin as UTF-8 text, undecodable bytes replaced (the line is then refused or not
    found, never a traceback)."""
    raw = getattr(sys.stdin, "buffer", None)
    if raw is None:  # already text (a test, an embedding)
        return sys.stdin
    return io.TextIOWrapper(raw, encoding="utf-8", errors="replace", newline=None)


@dataclass
class Answer:
    line: Line
    outcome: str
    lookup: Lookup | None = None
    result: FindResult | None = None
    error: str | None = None  # plain text: escaped where shown, JSON-escaped in JSON


@dataclass
class LookupJournal:
    """The run's lookups, written to the journal a batch (one transaction) at a time. A
    journal that fails is said once; the lookups go on unrecorded."""

    journal: Journal | None
    pending: list[tuple[Lookup, int]] = field(default_factory=list)
    first_at: float = 0.0

    def add(self, lookup: Lookup, found: int) -> None:
        if self.journal is None:
            return
        if not self.pending:
            self.first_at = time.monotonic()
        self.pending.append((lookup, found))
        if len(self.pending) >= BATCH_SIZE or time.monotonic() - self.first_at > BATCH_SECONDS:
            self.flush()

    def flush(self) -> None:
        if self.journal is None or not self.pending:
            return
        from inspector.journal import JournalError

        batch, self.pending = self.pending, []
        try:
            record_lookups(self.journal, batch)
        except JournalError as exc:
            say(f"warning: lookups from here on are not in the audit journal: {exc}")
            self.close()

    def close(self) -> None:
        if self.journal is not None:
            self.journal.close()
            self.journal = None


def answer(store: StoreRepository, line: Line, show: bool) -> Answer:
    """One line's answer. StoreError other than a timeout (or, with regional stores, an
    answer that depends on a store that did not give one) propagates: it ends the run."""
    if line.too_long:
        return Answer(line, REFUSED, error=f"the line is over {MAX_LINE_CHARS:,} characters")
    try:
        if show:
            iid = check_installation_id(line.text)
            lookup = id_lookup(iid)
            inst = store.get(iid)
            matches = () if inst is None else (Match(inst, (KeyKind.INSTALLATION_ID,)),)
            result = FindResult(matches)
        else:
            lookup = parse_query(line.text)
            result = store.find(lookup)
    except (QueryError, AmbiguousInstallation) as exc:
        return Answer(line, REFUSED, error=plain_first_line(exc))
    except (StoreTimeout, IncompleteAnswer) as exc:  # this query was slow; the next may not be
        return Answer(line, ERROR, error=plain_first_line(exc))
    if result.warnings:
        return Answer(line, PARTIAL, lookup, result, error="; ".join(result.warnings))
    return Answer(line, FOUND if result.matches else NOT_FOUND, lookup, result)


class JsonLines:
    """One JSON document per answer."""

    def __init__(self, out: IO[str], fields: Sequence[str] | None, show: bool) -> None:
        self.out = out
        self.fields = fields
        self.show = show

    def write(self, a: Answer, now: datetime) -> None:
        rows: list[dict[str, Any]] = []
        extra: dict[str, Any] = {"truncated": False, "more": {}}
        if a.result is not None:
            if self.show and self.fields is None:
                # `show -`: the installation as `show` gives it, without history.
                rows = [
                    with_store(installation_to_dict(m.installation, now=now), m.installation)
                    for m in a.result.matches
                ]
            else:
                rows, extra = find_document(a.result, now, self.fields)
        doc = {
            "line": a.line.number,
            "query": clip(a.line.text, QUERY_ECHO_CHARS),
            "outcome": a.outcome,
            "error": a.error,
            "installations": rows,
            **extra,
        }
        self.out.write(json_text(doc, indent=None) + "\n")
        self.out.flush()


class PlainTable:
    """A table written row by row: fixed column widths, every cell clipped and escaped, so
    nothing waits for the last row and no Rich is needed."""

    def __init__(self, out: IO[str], fields: Sequence[str] | None, regional: bool = False) -> None:
        self.out = out
        self.fields = tuple(fields or TABLE_FIELDS)
        # With several stores, each installation's store after the outcome.
        self.regional = regional
        self.columns = ("line", "query", "outcome", *(("store",) if regional else ()), *self.fields)
        self.widths = [max(WIDTHS.get(name, 8), len(name)) for name in self.columns]
        self._row(list(self.columns))

    def _row(self, cells: list[str]) -> None:
        parts = [clip(c, w).ljust(w) for c, w in zip(cells, self.widths, strict=True)]
        self.out.write("  ".join(parts).rstrip() + "\n")

    def write(self, a: Answer, now: datetime) -> None:
        head = [str(a.line.number), escape(a.line.text), a.outcome]
        matches = a.result.matches if a.result is not None else ()
        width = len(self.columns) - len(head)
        if not matches:
            tail = [escape(a.error)] if a.error else []
            self._row(head + tail + [""] * (width - len(tail)))
        states = device_states([m.installation for m in matches], now)
        for m in matches:
            values = selected(m, states[m.installation.installation_id], self.fields, now)
            store = [escape(m.installation.store)] if self.regional else []
            self._row(head + store + [cell(values[name]) for name in self.fields])
        self.out.flush()


TABLE_FIELDS = ("installation_id", "platform", "device_model", *TOKEN_REPORT_FIELDS[1:])
WIDTHS = {"line": 5, "query": 24, "outcome": 9, "store": 8, "installation_id": 36,
          "custom_user_id": 20,
          "push_provider": 8, "apns_environment": 10, "push_token_status": 12,
          "token_age_days": 6, "notifications_enabled": 7, "device_model": 16,
          "last_seen_at": 25, "push_token_updated_at": 25, "stale_reason": 30}  # fmt: skip


def run_bulk(args: argparse.Namespace, *, show: bool) -> int:
    """`find -` / `show -`: answer every stdin line; the exit status of the worst."""
    cfg = settings(args)
    counts = dict.fromkeys(OUTCOME_EXIT, 0)
    journal = LookupJournal(open_journal_or_warn(cfg))
    try:
        with store_session(cfg) as store, store.held_connection():
            writer: JsonLines | PlainTable = (
                JsonLines(sys.stdout, args.fields, show)
                if args.json
                else PlainTable(sys.stdout, args.fields, cfg.regional)
            )
            for line in read_lines(stdin_text()):
                now = datetime.now(UTC)
                try:
                    a = answer(store, line, show)
                except StoreError as exc:
                    a = Answer(line, ERROR, error=plain_first_line(exc))
                    writer.write(a, now)
                    counts[ERROR] += 1
                    say(f"line {line.number}: {first_line(exc)}; stopped here", escaped=True)
                    break
                writer.write(a, now)
                counts[a.outcome] += 1
                if a.lookup is not None and a.result is not None:
                    journal.add(a.lookup, len(a.result.matches))
                if a.outcome in (REFUSED, ERROR, PARTIAL):
                    say(f"line {line.number}: {escape(a.error or a.outcome)}", escaped=True)
    finally:
        journal.flush()
        journal.close()
    total = sum(counts.values())
    shown = [o for o in counts if o != PARTIAL or cfg.regional]
    say(f"{total:,} queries: " + ", ".join(f"{o} {counts[o]:,}" for o in shown))
    return max((OUTCOME_EXIT[o] for o, n in counts.items() if n), default=EXIT_OK)
