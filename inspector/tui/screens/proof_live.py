"""A proof being sent: one row per device, filled as each verdict arrives.

The sends run on the app (they outlive this screen); each verdict is posted here from
the worker thread that got it (ProofVerdictArrived), so a slow or failing device holds
up nobody else's row and the screen answers keys throughout. Skipped devices are listed
under the others with the reason. Closing the screen stops nothing: the proof's
verdicts are written all the same, and its end is notified.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from inspector.safetext import escape
from inspector.signoff import DeviceVerdict, Proof, ProofPlan
from inspector.tui.present import SafeLine, message_lines
from inspector.tui.signoff_present import (
    LIVE_COLUMNS,
    device_key,
    skip_cells,
    target_cells,
    verdict_cells,
)


class ProofVerdictArrived(Message):
    """One device's verdict, posted from the worker thread that got it."""

    def __init__(self, verdict: DeviceVerdict) -> None:
        super().__init__()
        self.verdict = verdict


class ProofSendEnded(Message):
    """The proof is over: its record (`proof`), or why it was not sent (`error`,
    terminal-safe)."""

    def __init__(self, proof: Proof | None, error: str | None = None) -> None:
        super().__init__()
        self.proof = proof
        self.error = error


def summary(proof: Proof) -> str:
    """`3 accepted, 1 rejected` of a proof's sends."""
    counts: dict[str, int] = {}
    for d in proof.devices:
        if d.status != "skipped":
            counts[d.status] = counts.get(d.status, 0) + 1
    return ", ".join(f"{n} {status}" for status, n in sorted(counts.items())) or "nothing sent"


class ProofLiveScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "close", id="proof_live.close",
                tooltip="Back to the inspector (the proof keeps sending)"),
    ]  # fmt: skip
    DEFAULT_CSS = """
    ProofLiveScreen #proof-live-title { padding: 0 1; background: $boost; text-style: bold; }
    ProofLiveScreen #proof-live-status { padding: 0 1; height: auto; }
    ProofLiveScreen #proof-live-status.bad { color: $error; text-style: bold; }
    ProofLiveScreen #proof-live-status.good { color: $success; }
    ProofLiveScreen DataTable { height: 1fr; }
    """

    def __init__(self, plan: ProofPlan, *, profile: str) -> None:
        super().__init__()
        self.plan = plan
        self.profile = profile
        self.answered: dict[str, DeviceVerdict] = {}
        self.proof: Proof | None = None
        self.error: str | None = None

    def compose(self) -> ComposeResult:
        plan = self.plan
        yield Static(
            Text(
                f"Proof of {escape(plan.app)} · profile {self.profile}"
                f" · operator {escape(plan.operator)}"
            ),
            id="proof-live-title",
        )
        table: DataTable[Text] = DataTable(
            id="proof-live-table", cursor_type="row", zebra_stripes=True
        )
        for key, label in LIVE_COLUMNS:
            table.add_column(label, key=key)
        yield table
        yield Static("", id="proof-live-status")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for target in self.plan.targets:
            table.add_row(
                *target_cells(target), key=device_key(target.installation_id, target.store)
            )
        for skip in self.plan.skipped:
            key = device_key(skip.installation_id, skip.store)
            if key not in table.rows:
                table.add_row(*skip_cells(skip), key=key)
        table.focus()
        self.show_progress()

    # -- verdicts -------------------------------------------------------------------

    def on_proof_verdict_arrived(self, message: ProofVerdictArrived) -> None:
        self.show_verdict(message.verdict)
        self.show_progress()

    def show_verdict(self, verdict: DeviceVerdict) -> None:
        key = device_key(verdict.installation_id, verdict.store)
        table = self.query_one(DataTable)
        if key not in table.rows:
            return
        if verdict.status != "skipped":
            self.answered[key] = verdict
        for (column, _), cell in zip(LIVE_COLUMNS, verdict_cells(verdict), strict=True):
            table.update_cell(key, column, cell)

    def on_proof_send_ended(self, message: ProofSendEnded) -> None:
        if message.proof is not None:
            self.proof = message.proof
            # The record's verdicts: any that did not reach the screen on its own.
            for device in message.proof.devices:
                key = device_key(device.installation_id, device.store)
                if device.status != "skipped" and key not in self.answered:
                    self.show_verdict(device)
        else:
            self.error = message.error
        self.show_progress()

    def show_progress(self) -> None:
        status = self.query_one("#proof-live-status", Static)
        total = len(self.plan.targets)
        if self.error is not None:
            status.update(Text(f"Not sent: {message_lines(SafeLine(self.error))}"))
            status.set_classes("bad")
            return
        if self.proof is not None:
            accepted = self.proof.accepted
            status.update(
                Text(
                    f"Proof {escape(self.proof.id)}: {summary(self.proof)}. Other operators"
                    " sign it off in Proofs (O) · Esc close"
                )
            )
            status.set_classes("good" if accepted == total else "bad")
            return
        status.update(
            Text(f"{len(self.answered)} of {total} answered… (each device on its own) · Esc close")
        )
        status.set_classes("")

    def verdict_of(self, installation_id: str, store: str = "") -> DeviceVerdict | None:
        return self.answered.get(device_key(installation_id, store))

    def action_close(self) -> None:
        self.dismiss(None)
