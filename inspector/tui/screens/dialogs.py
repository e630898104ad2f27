"""The inspector's small dialogs, one of each: pick one of a few choices, type a label,
confirm an action (Cancel has the focus). Given `profile` (present.profile_words), a
dialog names the profile it acts on above its question.

Titles, choices and questions quote identifiers and test-device labels: they are
escaped and shown as Text, never markup. The styles live here, so a dialog looks the
same over any screen or app that opens it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, OptionList, Static
from textual.widgets.option_list import Option

from inspector.safetext import escape, has_unsafe
from inspector.tui.plain_inputs import PlainInput

# A test-device label: the journal's column is String(200) and it refuses longer ones.
LABEL_LIMIT = 200

DIALOG_CSS = """
{name} {{ align: center middle; }}
{name} .dialog {{ width: 64; height: auto; border: thick $primary; background: $surface;
                 padding: 1 2; }}
{name} .dialog-title {{ text-style: bold; margin-bottom: 1; }}
{name} .dialog-hint {{ color: $text-muted; margin-top: 1; }}
{name} .dialog-profile {{ color: $text-muted; }}
"""


def profile_line(profile: str | None) -> Static | None:
    """The profile a dialog acts on (terminal-safe words), or nothing."""
    return Static(Text(f"Profile {profile}"), classes="dialog-profile") if profile else None


class PickScreen(ModalScreen[str | None]):
    """Choices are (value, label); Enter picks, Esc cancels (returns None)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "cancel", id="pick.cancel", tooltip="Choose nothing")
    ]
    DEFAULT_CSS = DIALOG_CSS.format(name="PickScreen") + (
        "PickScreen .dialog OptionList { height: auto; max-height: 8; }"
    )

    def __init__(
        self, title: str, choices: Sequence[tuple[str, str]], *, profile: str | None = None
    ) -> None:
        super().__init__()
        self.title_text = title
        self.choices = list(choices)
        self.profile = profile

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            if line := profile_line(self.profile):
                yield line
            yield Static(Text(escape(self.title_text)), classes="dialog-title")
            yield OptionList(
                *(Option(Text(escape(label)), id=value) for value, label in self.choices)
            )
            yield Static("Enter choose · Esc cancel", classes="dialog-hint")

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)


class PromptScreen(ModalScreen[str | None]):
    """One line of text (a label: at most LABEL_LIMIT characters); Enter accepts a
    non-empty value, stripped; Esc cancels (returns None)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "cancel", id="prompt.cancel", tooltip="Keep things as they are")
    ]
    DEFAULT_CSS = DIALOG_CSS.format(name="PromptScreen")

    def __init__(
        self,
        title: str,
        *,
        placeholder: str = "",
        value: str = "",
        accept: str = "accept",
        profile: str | None = None,
    ) -> None:
        super().__init__()
        self.title_text = title
        self.placeholder = placeholder
        self.initial = value
        self.accept = accept
        self.profile = profile

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            if line := profile_line(self.profile):
                yield line
            yield Static(Text(escape(self.title_text)), classes="dialog-title")
            # A stored label with control characters (the journal refuses them, another
            # writer may not) starts out escaped; what is typed or pasted, made visible.
            value = escape(self.initial) if has_unsafe(self.initial) else self.initial
            yield PlainInput(
                value, placeholder=self.placeholder, max_length=LABEL_LIMIT, id="prompt-input"
            )
            yield Static(f"Enter {self.accept} · Esc cancel", classes="dialog-hint")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        value = event.value.strip()
        if value:
            self.dismiss(value)

    def action_cancel(self) -> None:
        self.dismiss(None)


class ConfirmScreen(ModalScreen[bool]):
    """A question and two buttons; Cancel has the focus, Esc cancels (returns False)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "cancel", id="confirm.cancel", tooltip="Do nothing")
    ]
    DEFAULT_CSS = DIALOG_CSS.format(name="ConfirmScreen") + (
        "ConfirmScreen .dialog { width: 70; border: thick $warning; }\n"
        "ConfirmScreen Horizontal { height: auto; margin-top: 1; }\n"
        "ConfirmScreen Button { margin-right: 2; }"
    )

    def __init__(
        self,
        question: str,
        *,
        confirm: str,
        confirm_id: str = "confirm",
        profile: str | None = None,
    ) -> None:
        super().__init__()
        self.question = question
        self.confirm = confirm
        self.confirm_id = confirm_id
        self.profile = profile

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            if line := profile_line(self.profile):
                yield line
            yield Static(Text(escape(self.question)))
            with Horizontal():
                yield Button("Cancel", id="cancel", variant="primary")
                yield Button(self.confirm, id=self.confirm_id, variant="error")

    def on_mount(self) -> None:
        self.query_one("#cancel", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == self.confirm_id)

    def action_cancel(self) -> None:
        self.dismiss(False)
