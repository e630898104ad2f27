"""The Proofs screen: this profile's proofs, newest first; the selected proof's payload,
per-device verdicts and sign-offs; approve or reject it with a comment; its export.

Standalone: it receives the ProofService of the profile it was opened on and calls it
in thread workers. A refusal (own proof, already signed, rejected, not approved yet) is
said in words on the status line, and nothing changes. The export (an approved proof
only) is shown as JSON text, to copy into the campaign tool.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Footer, Static
from textual.worker import Worker, WorkerState

from inspector.safetext import escape
from inspector.signoff import Proof, ProofService
from inspector.tui.present import visible_json
from inspector.tui.screens.signoff_dialogs import CommentScreen
from inspector.tui.signoff_desk import error_words
from inspector.tui.signoff_present import PROOF_COLUMNS, proof_cells, proof_detail


class ProofsLoaded(Message):
    """`say`: the status line says how many (a reload); else it keeps what it says."""

    def __init__(self, proofs: list[Proof], select: str | None, *, say: bool = True) -> None:
        super().__init__()
        self.proofs = proofs
        self.select = select
        self.say = say


class ProofSaid(Message):
    """What became of a sign-off or export: words (terminal-safe), good or bad."""

    def __init__(self, text: str, *, bad: bool, export: dict[str, object] | None = None) -> None:
        super().__init__()
        self.text = text
        self.bad = bad
        self.export = export


class ExportScreen(ModalScreen[None]):
    """An approved proof's export, as the JSON `inspector proofs export` prints."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "close", id="proof_export.close", tooltip="Close"),
        Binding("c", "copy", "copy", id="proof_export.copy", tooltip="Copy the JSON"),
    ]
    DEFAULT_CSS = """
    ExportScreen { align: center middle; }
    ExportScreen > VerticalScroll {
        width: 110; max-width: 100%; height: 90%; border: thick $primary;
        background: $surface; padding: 0 1;
    }
    ExportScreen .dialog-title { text-style: bold; }
    """

    def __init__(self, export: dict[str, object]) -> None:
        super().__init__()
        self.export = export
        self.text = json.dumps(export, ensure_ascii=False, indent=2, default=str)

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(
                Text(f"Export of proof {escape(str(self.export.get('proof_id')))}"),
                classes="dialog-title",
            )
            # JSON text; what json.dumps leaves raw (C1, bidi) made visible.
            yield Static(Text(visible_json(self.text)), id="proof-export-json")

    def action_copy(self) -> None:
        self.app.copy_to_clipboard(self.text)
        self.notify("The export is on the clipboard.")

    def action_close(self) -> None:
        self.dismiss(None)


class ProofsScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "close", id="proofs.close", tooltip="Back to the inspector"),
        Binding("a", "approve", "approve", id="proofs.approve",
                tooltip="Approve the selected proof (not your own), with an optional comment"),
        Binding("x", "reject", "reject", id="proofs.reject",
                tooltip="Reject the selected proof, with a comment saying why"),
        Binding("e", "export", "export", id="proofs.export",
                tooltip="The approved proof's payload and sign-offs as JSON (campaign tool)"),
        Binding("f5", "reload", "reload", id="proofs.reload", tooltip="Read the proofs again"),
    ]  # fmt: skip
    DEFAULT_CSS = """
    ProofsScreen #proofs-title { padding: 0 1; background: $boost; text-style: bold; }
    ProofsScreen #proofs-table { height: 12; }
    ProofsScreen #proofs-detail-box { height: 1fr; border-top: solid $panel; }
    ProofsScreen #proofs-detail { padding: 0 1; }
    ProofsScreen #proofs-status { padding: 0 1; height: auto; }
    ProofsScreen #proofs-status.bad { color: $error; text-style: bold; }
    ProofsScreen #proofs-status.good { color: $success; }
    """

    def __init__(self, proofs: ProofService, *, profile: str, select: str | None = None) -> None:
        """`profile`: present.profile_words of the profile the service belongs to."""
        super().__init__()
        self.service = proofs
        self.profile = profile
        self.proofs: list[Proof] = []
        self.first_select = select

    def compose(self) -> ComposeResult:
        yield Static(
            Text(
                f"Proofs · profile {self.profile} · operator {escape(self.service.operator)}"
                f" · {self.service.approvals_required} approvals needed"
            ),
            id="proofs-title",
        )
        table: DataTable[Text] = DataTable(id="proofs-table", cursor_type="row", zebra_stripes=True)
        table.add_columns(*PROOF_COLUMNS)
        yield table
        with VerticalScroll(id="proofs-detail-box"):
            yield Static("", id="proofs-detail")
        yield Static("reading the proofs…", id="proofs-status")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(DataTable).focus()
        self.load(self.first_select)

    # -- workers -------------------------------------------------------------------

    @work(thread=True, exclusive=True, exit_on_error=False, group="proofs-load")
    def load(self, select: str | None = None) -> None:
        self.post_message(ProofsLoaded(self.service.proofs(limit=200), select))

    @work(thread=True, exclusive=True, exit_on_error=False, group="proofs-change")
    def sign(self, proof_id: str, decision: str, comment: str | None) -> None:
        try:
            if decision == "approve":
                proof = self.service.approve(proof_id, comment)
            else:
                proof = self.service.reject(proof_id, comment or "")
        except Exception as exc:
            self.post_message(ProofSaid(f"Not signed: {error_words(exc)}", bad=True))
            return
        done = "approved" if decision == "approve" else "rejected"
        self.post_message(
            ProofSaid(f"You {done} proof {escape(proof.id)}: it is {proof.status} now.", bad=False)
        )
        self.post_message(ProofsLoaded(self.service.proofs(limit=200), proof.id, say=False))

    @work(thread=True, exclusive=True, exit_on_error=False, group="proofs-change")
    def export(self, proof_id: str) -> None:
        try:
            export = self.service.export(proof_id)
        except Exception as exc:
            self.post_message(ProofSaid(f"Not exported: {error_words(exc)}", bad=True))
            return
        self.post_message(
            ProofSaid(
                f"Proof {escape(proof_id)} exported (on the record).", bad=False, export=export
            )
        )

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is WorkerState.ERROR:
            error = event.worker.error or RuntimeError("unknown failure")
            self.set_status(Text(error_words(error)), bad=True)

    # -- messages ------------------------------------------------------------------

    def on_proofs_loaded(self, message: ProofsLoaded) -> None:
        current = message.select or self.selected_id()
        self.proofs = message.proofs
        table = self.query_one(DataTable)
        table.clear()
        now = datetime.now(UTC)
        for proof in self.proofs:
            table.add_row(*proof_cells(proof, now), key=proof.id)
        if current is not None and current in table.rows:
            table.move_cursor(row=table.get_row_index(current), animate=False)
        self.show_detail()
        if not message.say:
            return
        if not self.proofs:
            self.set_status("no proof in this profile yet: send one with o")
        else:
            self.set_status(
                f"{len(self.proofs)} proof(s) · a approve · x reject · e export · Esc close"
            )

    def on_proof_said(self, message: ProofSaid) -> None:
        self.set_status(Text(message.text), bad=message.bad, good=not message.bad)
        if message.export is not None:
            self.app.push_screen(ExportScreen(message.export))

    @on(DataTable.RowHighlighted)
    def _highlighted(self) -> None:
        self.show_detail()

    # -- helpers -------------------------------------------------------------------

    def selected(self) -> Proof | None:
        table = self.query_one(DataTable)
        row = table.cursor_row
        if not self.proofs or not 0 <= row < len(self.proofs):
            return None
        return self.proofs[row]

    def selected_id(self) -> str | None:
        proof = self.selected()
        return proof.id if proof else None

    def show_detail(self) -> None:
        proof = self.selected()
        detail = self.query_one("#proofs-detail", Static)
        detail.update(proof_detail(proof, datetime.now(UTC)) if proof else "")

    def set_status(self, text: str | Text, *, bad: bool = False, good: bool = False) -> None:
        """A str is escaped here; a Text is taken as built from safe parts."""
        status = self.query_one("#proofs-status", Static)
        status.update(text if isinstance(text, Text) else Text(escape(text)))
        status.set_class(bad, "bad")
        status.set_class(good, "good")

    # -- actions -------------------------------------------------------------------

    def action_close(self) -> None:
        self.dismiss(None)

    def action_reload(self) -> None:
        self.set_status("reading the proofs…")
        self.load(self.selected_id())

    def _refused(self, proof: Proof, decision: str) -> bool:
        """Said at once when the rules refuse it (the service checks again)."""
        problem = self.service.signoff_problem(proof, decision)
        if problem:
            self.set_status(Text(f"Not signed: {escape(problem)}"), bad=True)
        return problem is not None

    def action_approve(self) -> None:
        proof = self.selected()
        if proof is None or self._refused(proof, "approve"):
            return

        def done(comment: str | None) -> None:
            if comment is not None:
                self.sign(proof.id, "approve", comment or None)

        question = f"Approve proof {proof.id} ({proof.app}, by {proof.author})?"
        self.app.push_screen(
            CommentScreen(question, required=False, accept="approve", profile=self.profile), done
        )

    def action_reject(self) -> None:
        proof = self.selected()
        if proof is None or self._refused(proof, "reject"):
            return

        def done(comment: str | None) -> None:
            if comment:
                self.sign(proof.id, "reject", comment)

        question = f"Reject proof {proof.id} ({proof.app}, by {proof.author})? Say why."
        self.app.push_screen(
            CommentScreen(question, required=True, accept="reject", profile=self.profile), done
        )

    def action_export(self) -> None:
        proof = self.selected()
        if proof is not None:
            self.export(proof.id)
