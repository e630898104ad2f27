"""Confirm a test push, and show its verdict.

The confirmation shows the profile the push belongs to (its name, environment and
store), the device, the masked token and the exact payload with its size. Cancel has the
focus. In production the Send button stays disabled until the last four characters of
the installation id are typed.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from inspector import facts
from inspector.push import PreparedPush, PushResult
from inspector.push.model import PAYLOAD_LIMIT
from inspector.push.verdict import headline, severity
from inspector.safetext import escape
from inspector.tui.plain_inputs import PlainInput
from inspector.tui.present import message_lines, visible_json


class PushConfirmScreen(ModalScreen[bool]):
    DEFAULT_CSS = """
    PushConfirmScreen { align: center middle; }
    PushConfirmScreen > #confirm-dialog {
        width: 100; max-width: 100%; height: auto; max-height: 100%;
        border: thick $warning; background: $surface; padding: 0 1;
    }
    PushConfirmScreen.-production > #confirm-dialog { border: thick $error; }
    /* Docked: the environment and the buttons stay in view while the details scroll. */
    PushConfirmScreen #header { dock: top; height: auto; }
    PushConfirmScreen #footer { dock: bottom; height: auto; }
    PushConfirmScreen .dialog-title { text-style: bold; }
    PushConfirmScreen #environment { text-style: bold; }
    PushConfirmScreen.-production #environment { background: $error; color: $text; }
    PushConfirmScreen #payload-text { border: round $panel; height: auto; }
    PushConfirmScreen .warning { color: $warning; }
    PushConfirmScreen #typed-row { height: auto; }
    PushConfirmScreen #typed-row Label { padding: 1 1; }
    PushConfirmScreen #typed { width: 12; }
    PushConfirmScreen #buttons { height: auto; align-horizontal: right; }
    PushConfirmScreen #buttons Button { margin-left: 2; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "cancel", id="push_confirm.cancel",
                tooltip="Do not send"),
    ]  # fmt: skip
    AUTO_FOCUS = "#cancel"

    def __init__(self, prepared: PreparedPush, *, request: bool = False) -> None:
        """`request`: confirm asking for a second operator's approval of this exact push
        (push policy `approval`): nothing is sent now, so nothing is typed."""
        super().__init__()
        self.prepared = prepared
        self.request = request
        self.production = prepared.environment == "production"
        self.expected = prepared.installation.installation_id[-4:].lower()

    def compose(self) -> ComposeResult:
        p = self.prepared
        i = p.installation
        with VerticalScroll(id="confirm-dialog"):
            with Vertical(id="header"):
                yield Static(
                    "Ask another operator to approve this exact push to ONE device?"
                    if self.request
                    else "Send this test push to ONE device?",
                    classes="dialog-title",
                )
                yield Static(
                    # The profile the push was prepared on (never the one on screen
                    # later), terminal-safe where made (PreparedPush.profile_line).
                    Text(f" {p.profile_line()} · operator {escape(p.operator)} "),
                    id="environment",
                )
            with Vertical(id="footer"):
                if self.request:
                    yield Static(
                        "Nothing is sent now. Once another operator approves it (Approvals, a),"
                        " you send it from there, once, exactly as shown.",
                        classes="warning",
                    )
                if self.production and not self.request:
                    with Horizontal(id="typed-row"):
                        yield Label("Type the last 4 characters of the installation id:")
                        yield PlainInput(id="typed", max_length=4, placeholder="····")
                with Horizontal(id="buttons"):
                    yield Button("Cancel", id="cancel")
                    yield Button(
                        "Ask for approval" if self.request else "Send to this device",
                        id="send",
                        variant="warning" if self.request else "error",
                        disabled=self.production and not self.request,
                    )
            # Every value from the store or the config escaped, in Text (never markup).
            yield Static(
                Text.assemble(
                    ("Customer      ", "bold"), escape(i.custom_user_id or "—"), "\n",
                    # Device facts read as everywhere else (inspector.facts, escaped).
                    ("Device        ", "bold"),
                    f"{facts.platform_name(i.platform)} · {facts.device_label(i)} · "
                    + escape(f"{i.app.name} ({i.app.bundle_id})"), "\n",
                    ("APNs env      ", "bold"), facts.apns_environment(i), "\n",
                    ("Installation  ", "bold"), escape(i.installation_id), "\n",
                    ("Route         ", "bold"), escape(p.route_line()), "\n",
                    ("Token         ", "bold"),
                    escape(f"{p.masked_token} ({i.push_token_status})"),
                ),
                id="device",
            )  # fmt: skip
            for warning in p.warnings:
                yield Static(Text(f"⚠ {message_lines(warning)}"), classes="warning")
            yield Label(
                Text(
                    f"Payload: {p.payload_bytes} of {PAYLOAD_LIMIT} bytes"
                    f" · collapse id {escape(p.content.collapse_id)}"
                ),
                id="payload-size",
            )
            # The exact JSON sent; what json.dumps leaves raw (C1, bidi) made visible.
            yield Static(Text(visible_json(p.payload_text)), id="payload-text")

    def on_mount(self) -> None:
        self.set_class(self.production, "-production")
        self.query_one("#cancel", Button).focus()

    def typed_ok(self) -> bool:
        if not self.production or self.request:
            return True
        return self.query_one("#typed", Input).value.strip().lower() == self.expected

    def on_input_changed(self, event: Input.Changed) -> None:
        self.query_one("#send", Button).disabled = not self.typed_ok()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self.typed_ok():
            self.dismiss(True)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "send" and self.typed_ok():
            self.dismiss(True)
        elif event.button.id == "cancel":
            self.dismiss(False)

    def action_cancel(self) -> None:
        self.dismiss(False)


def verdict_renderable(result: PushResult) -> Text:
    """The verdict in words, coloured by what it means for the user."""
    style = {"ok": "bold green", "warning": "bold yellow", "error": "bold red"}[severity(result)]
    # The provider's words (a reason, an error body) are text, escaped line by line.
    text = Text(message_lines(headline(result)), style=style)
    text.append("\n")
    text.append(message_lines(result.explanation))
    return text


class PushVerdict(Static):
    """Where the device page shows the last verdict; empty until a result is shown."""

    DEFAULT_CSS = """
    PushVerdict { height: auto; padding: 0 1; }
    """

    def show_result(self, result: PushResult | None) -> None:
        self.result = result
        self.update(verdict_renderable(result) if result is not None else "")
