"""The Audit screen: the journal's records, newest first, filterable, with a chain check.

Standalone: it receives the Journal in its constructor and reads it in thread workers.
Every value is shown as plain text with control characters escaped, so a record cannot
restyle the screen or pretend to be two records.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input, Static
from textual.worker import Worker, WorkerState

from inspector.errors import describe_error
from inspector.journal.records import OUTCOME_UNKNOWN, AuditEntry, VerifyResult
from inspector.safetext import clip, escape
from inspector.timefmt import stamp
from inspector.tui.plain_inputs import PlainInput

if TYPE_CHECKING:
    from inspector.journal import Journal

COLUMNS = (
    "#", "when (UTC)", "operator", "profile", "action", "outcome", "installation", "details",
)  # fmt: skip
FILTER_HELP = "filter: words, or op:NAME  profile:NAME  iid:ID  action:NAME  (Esc closes)"


def details_text(details: dict[str, object]) -> str:
    parts = []
    for key, value in details.items():
        shown = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        parts.append(f"{escape(str(key))}={escape(shown)}")
    return clip(" ".join(parts), 120)


def entry_cells(e: AuditEntry) -> list[Text]:
    outcome_style = "bold yellow" if e.outcome == OUTCOME_UNKNOWN else ""
    return [
        Text(str(e.record_id)),
        Text(stamp(e.at).removesuffix(" UTC")),
        Text(escape(e.operator)),
        # A record from before the journal recorded profiles has none.
        Text(escape(e.profile or "—")),
        Text(escape(e.action)),
        Text(escape(e.outcome), style=outcome_style),
        Text(escape(e.installation_id or "—")),
        Text(details_text(e.details)),
    ]


def matches(e: AuditEntry, query: str) -> bool:
    """op:, profile:, iid: and action: match their field (prefix for iid and action);
    other words match anywhere."""
    haystack = " ".join(
        (e.operator, e.profile or "", e.action, e.outcome, e.installation_id or "",
         json.dumps(e.details))
    ).casefold()  # fmt: skip
    for word in query.split():
        key, sep, value = word.partition(":")
        value_cf = value.casefold()
        if sep and key == "op":
            if e.operator.casefold() != value_cf:
                return False
        elif sep and key == "profile":
            if (e.profile or "").casefold() != value_cf:
                return False
        elif sep and key == "iid":
            if not (e.installation_id or "").casefold().startswith(value_cf):
                return False
        elif sep and key == "action":
            if not e.action.casefold().startswith(value_cf):
                return False
        elif word.casefold() not in haystack:
            return False
    return True


class AuditLoaded(Message):
    def __init__(self, entries: list[AuditEntry]) -> None:
        super().__init__()
        self.entries = entries


class ChainVerified(Message):
    def __init__(self, result: VerifyResult) -> None:
        super().__init__()
        self.result = result


class AuditScreen(Screen[None]):
    """The journal's records. `installation_id` narrows it to one device."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "close", id="audit.close", tooltip="Back to the inspector"),
        Binding(
            "slash",
            "focus_filter",
            "filter",
            id="audit.filter",
            tooltip="Filter by words, op:NAME, profile:NAME, iid:ID, action:NAME",
        ),
        Binding("f5", "reload", "reload", id="audit.reload", tooltip="Read the journal again"),
        Binding(
            "v",
            "verify",
            "verify chain",
            id="audit.verify",
            tooltip="Walk the hash chain and name the first bad record",
        ),
    ]

    DEFAULT_CSS = """
    AuditScreen #audit-title { padding: 0 1; background: $boost; text-style: bold; }
    AuditScreen #audit-status { padding: 0 1; height: auto; }
    AuditScreen #audit-status.bad { color: $error; text-style: bold; }
    AuditScreen #audit-status.good { color: $success; }
    AuditScreen DataTable { height: 1fr; }
    """

    def __init__(
        self, journal: Journal, *, installation_id: str | None = None, limit: int = 500
    ) -> None:
        super().__init__()
        self.journal = journal
        self.installation_id = installation_id
        self.limit = limit
        self.entries: list[AuditEntry] = []
        self.shown: list[AuditEntry] = []

    def compose(self) -> ComposeResult:
        scope = f" of {escape(self.installation_id)}" if self.installation_id else ""
        # The journal's label is terminal-safe where it is made (config.describe_url).
        yield Static(Text(f"Audit journal{scope} · {self.journal.label}"), id="audit-title")
        yield PlainInput(placeholder=FILTER_HELP, id="audit-filter")
        table: DataTable[Text] = DataTable(id="audit-table", cursor_type="row", zebra_stripes=True)
        table.add_columns(*COLUMNS)
        yield table
        yield Static("reading the journal…", id="audit-status")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(DataTable).focus()
        self.load()

    # -- workers -------------------------------------------------------------------

    @work(thread=True, exclusive=True, exit_on_error=False, group="audit-load")
    def load(self) -> None:
        entries = self.journal.entries(installation_id=self.installation_id, limit=self.limit)
        self.post_message(AuditLoaded(entries))

    @work(thread=True, exclusive=True, exit_on_error=False, group="audit-verify")
    def verify(self) -> None:
        self.post_message(ChainVerified(self.journal.verify()))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is WorkerState.ERROR:
            error = event.worker.error or RuntimeError("unknown failure")
            # Terminal-safe already (inspector.errors): taken as Text, not escaped again.
            self.set_status(
                Text(f"Nothing read, the journal is unavailable. {describe_error(error)}"), bad=True
            )

    # -- messages ------------------------------------------------------------------

    def on_audit_loaded(self, message: AuditLoaded) -> None:
        self.entries = message.entries
        self.refill()

    def on_chain_verified(self, message: ChainVerified) -> None:
        r = message.result
        if r.ok:
            self.set_status(f"hash chain whole: {r.checked:,} records checked", good=True)
        else:
            self.set_status(f"hash chain BROKEN at record {r.first_bad}: {r.problem}", bad=True)

    @on(Input.Changed, "#audit-filter")
    def filter_changed(self) -> None:
        self.refill()

    @on(Input.Submitted, "#audit-filter")
    def filter_submitted(self) -> None:
        self.query_one(DataTable).focus()

    # -- helpers -------------------------------------------------------------------

    def refill(self) -> None:
        query = self.query_one("#audit-filter", Input).value.strip()
        self.shown = [e for e in self.entries if matches(e, query)] if query else self.entries
        table = self.query_one(DataTable)
        table.clear()
        for e in self.shown:
            table.add_row(*entry_cells(e), key=str(e.record_id))
        total = len(self.entries)
        more = f" (latest {self.limit})" if total >= self.limit else ""
        if query:
            self.set_status(f"{len(self.shown)} of {total} records match{more}")
        else:
            self.set_status(f"{total} records{more} · / filter · v verify chain · Esc close")

    def set_status(self, text: str | Text, *, bad: bool = False, good: bool = False) -> None:
        """A str may quote a record: escaped here; a Text is taken as built from safe parts."""
        status = self.query_one("#audit-status", Static)
        status.update(text if isinstance(text, Text) else Text(escape(text)))
        status.set_class(bad, "bad")
        status.set_class(good, "good")

    # -- actions -------------------------------------------------------------------

    def action_close(self) -> None:
        if (
            self.focused is self.query_one("#audit-filter")
            and self.query_one("#audit-filter", Input).value
        ):
            self.query_one("#audit-filter", Input).value = ""
            self.query_one(DataTable).focus()
            return
        self.dismiss(None)

    def action_focus_filter(self) -> None:
        self.query_one("#audit-filter", Input).focus()

    def action_reload(self) -> None:
        self.set_status("reading the journal…")
        self.load()

    def action_verify(self) -> None:
        self.set_status("walking the hash chain…")
        self.verify()
