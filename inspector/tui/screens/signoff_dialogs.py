"""The comment of a sign-off: approving takes one if given, rejecting needs one.

Dismisses with the comment ("" for none), or None when cancelled. The question names
what is signed off and the profile; both are escaped and shown as Text. The comment box
is a PlainInput: what is pasted into it is shown, kept and sent with its control
characters written visible.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from inspector.safetext import escape
from inspector.signoff.common import COMMENT_MAX
from inspector.tui.plain_inputs import PlainInput
from inspector.tui.screens.dialogs import DIALOG_CSS, profile_line


class CommentScreen(ModalScreen[str | None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "cancel", id="comment.cancel", tooltip="Sign nothing")
    ]
    DEFAULT_CSS = DIALOG_CSS.format(name="CommentScreen") + (
        "CommentScreen .dialog { width: 80; }\nCommentScreen #comment-problem { color: $error; }"
    )

    def __init__(
        self, question: str, *, required: bool, accept: str, profile: str | None = None
    ) -> None:
        super().__init__()
        self.question = question
        self.required = required
        self.accept = accept
        self.profile = profile

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            if line := profile_line(self.profile):
                yield line
            yield Static(Text(escape(self.question)), classes="dialog-title")
            hint = "a comment saying why" if self.required else "a comment (optional)"
            yield PlainInput(placeholder=hint, max_length=COMMENT_MAX, id="comment-input")
            yield Static("", id="comment-problem")
            yield Static(f"Enter {self.accept} · Esc cancel", classes="dialog-hint")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        value = event.value.strip()
        if self.required and not value:
            self.query_one("#comment-problem", Static).update("A rejection needs a comment.")
            return
        self.dismiss(value)

    def action_cancel(self) -> None:
        self.dismiss(None)
