"""Confirm a proof: every test device it will reach (label, owner, platform, APNs
environment, token state) and every one it skips with the reason, the exact payload and
its hash, under the profile it belongs to. Cancel has the focus; nothing is written or
sent until Send.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from inspector.safetext import escape
from inspector.signoff import ProofPlan
from inspector.tui.signoff_present import payload_text, plan_tables


class ProofConfirmScreen(ModalScreen[bool]):
    DEFAULT_CSS = """
    ProofConfirmScreen { align: center middle; }
    ProofConfirmScreen > #proof-confirm {
        width: 120; max-width: 100%; height: auto; max-height: 100%;
        border: thick $warning; background: $surface; padding: 0 1;
    }
    ProofConfirmScreen.-production > #proof-confirm { border: thick $error; }
    ProofConfirmScreen #proof-confirm-header { dock: top; height: auto; }
    ProofConfirmScreen #proof-confirm-footer { dock: bottom; height: auto; }
    ProofConfirmScreen .dialog-title { text-style: bold; }
    ProofConfirmScreen #proof-environment { text-style: bold; }
    ProofConfirmScreen.-production #proof-environment { background: $error; color: $text; }
    ProofConfirmScreen .section { text-style: bold; margin-top: 1; }
    ProofConfirmScreen #proof-skipped { color: $warning; }
    ProofConfirmScreen #proof-payload { border: round $panel; height: auto; }
    ProofConfirmScreen #proof-confirm-buttons { height: auto; align-horizontal: right; }
    ProofConfirmScreen #proof-confirm-buttons Button { margin-left: 2; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "cancel", id="proof_confirm.cancel", tooltip="Do not send"),
    ]
    AUTO_FOCUS = "#cancel"

    def __init__(self, plan: ProofPlan, *, profile: str) -> None:
        """`profile`: present.profile_words of the profile the plan was made on."""
        super().__init__()
        self.plan = plan
        self.profile = profile
        self.production = plan.environment == "production"

    def compose(self) -> ComposeResult:
        plan = self.plan
        count = len(plan.targets)
        devices = "device" if count == 1 else "devices"
        reach, skipped = plan_tables(plan)
        with VerticalScroll(id="proof-confirm"):
            with Vertical(id="proof-confirm-header"):
                yield Static(
                    Text(
                        f"Send this proof to {count} test {devices} of {escape(plan.app)}?"
                        f" One single-device send each (at most {plan.cap})."
                    ),
                    classes="dialog-title",
                )
                # profile_words is terminal-safe; the operator comes from the settings.
                yield Static(
                    Text(f" Profile {self.profile} · operator {escape(plan.operator)} "),
                    id="proof-environment",
                )
            with Vertical(id="proof-confirm-footer"), Horizontal(id="proof-confirm-buttons"):
                yield Button("Cancel", id="cancel")
                yield Button(
                    f"Send to {count} {devices}", id="send", variant="error", disabled=count == 0
                )
            yield Static(Text(f"It will reach {count} {devices}:"), classes="section")
            if count:
                yield Static(reach, id="proof-targets")
            else:
                yield Static(
                    Text(f"No test device of {escape(plan.app)} can receive it: nothing to send."),
                    id="proof-targets",
                )
            if skipped is not None:
                yield Static(
                    Text(f"It skips {len(plan.skipped)}:"), classes="section", id="proof-skipped"
                )
                yield Static(skipped, id="proof-skips")
            yield Static(Text(f"Payload · sha256 {escape(plan.payload_sha256)}"), classes="section")
            yield Static(payload_text(plan.payload), id="proof-payload")

    def on_mount(self) -> None:
        self.set_class(self.production, "-production")
        self.query_one("#cancel", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "send" and bool(self.plan.targets))

    def action_cancel(self) -> None:
        self.dismiss(False)
