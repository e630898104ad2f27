"""The comment of a sign-off: approving takes one if given, rejecting needs one; and the
text boxes of the sign-off and profile dialogs.

Dismisses with the comment ("" for none), or None when cancelled. The question names
what is signed off and the profile; both are escaped and shown as Text.

Input and TextArea draw their text raw: a control character typed or pasted into one
(an escape sequence in a paste) would reach the terminal. PlainInput and PlainTextArea
write each as its visible escape (`\\x1b`) in the text itself, so what is shown is what
is kept and sent.
"""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static, TextArea
from textual.widgets.text_area import Edit, EditResult

from inspector.safetext import escape, has_unsafe
from inspector.signoff.common import COMMENT_MAX
from inspector.tui.screens.dialogs import DIALOG_CSS, profile_line


def visible(text: str, keep: str = "") -> str:
    """`text` with each character a terminal acts on (control, format, separator) written
    as its escape; backslashes, and the characters of `keep`, as they are (escaping a
    backslash would double it at each edit)."""
    if not has_unsafe(text):
        return text
    return "".join(ch if ch in keep or not has_unsafe(ch) else escape(ch) for ch in text)


class PlainInput(Input):
    """An Input whose value holds no character the terminal would act on."""

    def validate_value(self, value: str) -> str:
        # Every value set, typed or not (Textual calls it for the `value` reactive).
        return visible(value)

    def replace(self, text: str, start: int, end: int) -> None:
        # Typing and pasting: made visible before it goes in, so the cursor lands after it.
        super().replace(visible(text), start, end)


# Line breaks stay line breaks in a text area; a tab is drawn as spaces.
_AREA_KEEPS = "\r\n\t"


class PlainTextArea(TextArea):
    """A TextArea whose text holds no character the terminal would act on."""

    def __init__(self, text: str = "", **kwargs: Any) -> None:
        super().__init__(visible(text, _AREA_KEEPS), **kwargs)

    def edit(self, edit: Edit) -> EditResult:
        # Typing, pasting and every API edit (insert, replace) come here.
        edit.text = visible(edit.text, _AREA_KEEPS)
        return super().edit(edit)

    def load_text(self, text: str) -> None:
        super().load_text(visible(text, _AREA_KEEPS))


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
