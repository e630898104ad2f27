"""A proof being sent: one row per device, filled as each verdict arrives.

The sends run on the app (they outlive this screen); each verdict is posted here from
the worker thread that got it (ProofVerdictArrived), so a slow or failing device holds
up nobody else's row and the screen answers keys throughout. Verdicts that arrive
together are drawn in one frame, the table being one widget of text lines: drawing
takes the interpreter from the sending threads. Skipped devices are listed under the others with
the reason. Closing the screen stops nothing: the proof's
verdicts are written all the same, and its end is notified.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, Static

from inspector.safetext import escape
from inspector.signoff import DeviceVerdict, Proof, ProofPlan
from inspector.tui.present import SafeLine, message_lines
from inspector.tui.signoff_present import (
    LIVE_COLUMNS,
    VERDICT_COLUMN,
    VERDICT_WIDTH,
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


def line(cells: list[Text], widths: tuple[int, ...]) -> Text:
    """Cells padded or cut to their column's width, two spaces apart; the last one takes
    what is left of the line."""
    out = Text(no_wrap=True, overflow="ellipsis", end="")
    for n, cell in enumerate(cells):
        if n < len(widths):
            cell = cell.copy()
            cell.truncate(widths[n], overflow="ellipsis", pad=True)
            cell.append("  ")
        out.append_text(cell)
    return out


def column_widths(rows: list[list[Text]]) -> tuple[int, ...]:
    """The width of each column but the last: its longest cell or header, within a cap;
    the verdict's, its longest verdict (the rows start as "… sending")."""
    caps = (28, 12, 8, 20, 34, 11)
    widths = []
    for n, cap in enumerate(caps):
        least = VERDICT_WIDTH if n == VERDICT_COLUMN else 0
        longest = max([least, len(LIVE_COLUMNS[n][1]), *(row[n].cell_len for row in rows)])
        widths.append(min(cap, longest))
    return tuple(widths)


class ProofLiveScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "close", id="proof_live.close",
                tooltip="Back to the inspector (the proof keeps sending)"),
    ]  # fmt: skip
    DEFAULT_CSS = """
    ProofLiveScreen #proof-live-title { padding: 0 1; background: $boost; text-style: bold; }
    ProofLiveScreen #proof-live-header { padding: 0 1; text-style: bold; height: 1; }
    ProofLiveScreen #proof-live-rows { height: 1fr; }
    /* One line a device, cut: a long detail (a provider's words) wrapped would start a
       line of its own under the device column, a row it could forge. */
    ProofLiveScreen #proof-live-table { padding: 0 1; text-wrap: nowrap; text-overflow: ellipsis; }
    ProofLiveScreen #proof-live-status { padding: 0 1; height: auto; }
    ProofLiveScreen #proof-live-status.bad { color: $error; text-style: bold; }
    ProofLiveScreen #proof-live-status.good { color: $success; }
    """

    # Verdicts arriving together are drawn together, at most this often (seconds): each
    # frame drawn takes the interpreter from the sending threads.
    flush_every = 0.2

    def __init__(self, plan: ProofPlan, *, profile: str) -> None:
        super().__init__()
        self.plan = plan
        self.profile = profile
        self.answered: dict[str, DeviceVerdict] = {}
        self._arrived: dict[str, DeviceVerdict] = {}
        self._flush: Timer | None = None
        self.proof: Proof | None = None
        self.error: str | None = None
        # Every device's first cells, by its key: the targets, then the skipped.
        self.first: dict[str, list[Text]] = {}
        for target in plan.targets:
            self.first[device_key(target.installation_id, target.store)] = target_cells(target)
        for skip in plan.skipped:
            self.first.setdefault(device_key(skip.installation_id, skip.store), skip_cells(skip))
        self.widths = column_widths(list(self.first.values()))
        # What each row shows now, as plain cells (for a reader of the screen).
        self.cells: dict[str, list[Text]] = dict(self.first)

    def compose(self) -> ComposeResult:
        plan = self.plan
        yield Static(
            Text(
                f"Proof of {escape(plan.app)} · profile {self.profile}"
                f" · operator {escape(plan.operator)}"
            ),
            id="proof-live-title",
        )
        header = [Text(label) for _, label in LIVE_COLUMNS]
        yield Static(line(header, self.widths), id="proof-live-header")
        with VerticalScroll(id="proof-live-rows"):
            yield Static(self.table_text(), id="proof-live-table")
        yield Static("", id="proof-live-status")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#proof-live-rows").focus()
        self.show_progress()

    # -- verdicts -------------------------------------------------------------------

    def on_proof_verdict_arrived(self, message: ProofVerdictArrived) -> None:
        verdict = message.verdict
        self._arrived[device_key(verdict.installation_id, verdict.store)] = verdict
        if len(self.answered.keys() | self._arrived.keys()) >= len(self.plan.targets):
            self.draw_arrived()  # the last one: at once
        elif self._flush is None:
            self._flush = self.set_timer(self.flush_every, self.draw_arrived)

    def draw_arrived(self) -> None:
        if self._flush is not None:
            self._flush.stop()
            self._flush = None
        arrived, self._arrived = self._arrived, {}
        for verdict in arrived.values():
            self.show_verdict(verdict)
        if arrived:
            self.redraw()
        self.show_progress()

    def show_verdict(self, verdict: DeviceVerdict) -> None:
        """Into its row; drawn with the next `redraw`."""
        key = device_key(verdict.installation_id, verdict.store)
        if key not in self.cells:
            return
        if verdict.status != "skipped":
            self.answered[key] = verdict
        self.cells[key] = verdict_cells(verdict)

    def table_text(self) -> Text:
        """Every row, one line each: one widget to draw however many verdicts came."""
        lines = [line(cells, self.widths) for cells in self.cells.values()]
        return Text("\n", no_wrap=True, overflow="ellipsis").join(lines)

    def redraw(self) -> None:
        self.query_one("#proof-live-table", Static).update(self.table_text())

    def row_cells(self) -> dict[str, list[str]]:
        """Each device's row as plain cells, by its key (the installation id)."""
        return {key: [cell.plain for cell in cells] for key, cells in self.cells.items()}

    def on_proof_send_ended(self, message: ProofSendEnded) -> None:
        self.draw_arrived()
        if message.proof is not None:
            self.proof = message.proof
            # The record's verdicts: any that did not reach the screen on its own.
            for device in message.proof.devices:
                key = device_key(device.installation_id, device.store)
                if device.status != "skipped" and key not in self.answered:
                    self.show_verdict(device)
            self.redraw()
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
