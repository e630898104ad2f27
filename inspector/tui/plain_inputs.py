"""The text boxes of the inspector: every box a user types or pastes into is one of these.

Input and TextArea draw their text raw: a control character typed or pasted into one (an
escape sequence in a paste) would reach the terminal. PlainInput and PlainTextArea write
each as its visible escape (`\\x1b`) in the text itself, so what is shown is what is kept
and sent; backslashes are left as they are (escaping one would double it at each edit).
"""

from __future__ import annotations

from typing import Any

from textual.widgets import Input, TextArea
from textual.widgets.text_area import Edit, EditResult

from inspector.safetext import escape, has_unsafe


def visible(text: str, keep: str = "") -> str:
    """`text` with each character a terminal acts on (control, format, separator) written
    as its escape; backslashes, and the characters of `keep`, as they are."""
    if not has_unsafe(text):
        return text
    return "".join(ch if ch in keep or not has_unsafe(ch) else escape(ch) for ch in text)


class PlainInput(Input):
    """An Input whose value holds no character the terminal would act on.

    It remembers the escapes it wrote while they are in its value: `typed` is the value
    with those turned back into the characters given, for a caller whose rules judge
    them (a search refuses a control character in words)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._written: dict[str, str] = {}  # escape -> the character it stands for
        self._editing = False
        super().__init__(*args, **kwargs)

    @property
    def typed(self) -> str:
        """The value as typed or pasted, its control characters raw: never drawn."""
        value = self.value
        for shown, character in self._written.items():
            value = value.replace(shown, character)
        return value

    def _made_visible(self, text: str) -> str:
        shown = visible(text)
        if shown != text:
            self._written.update((escape(ch), ch) for ch in text if has_unsafe(ch))
        return shown

    def validate_value(self, value: str) -> str:
        # Every value set, typed or not (Textual calls it for the `value` reactive). One
        # set from outside an edit replaces the text: what was written before is gone.
        if not self._editing:
            self._written.clear()
        shown = self._made_visible(value)
        self._forget_all_but(shown)
        return shown

    def replace(self, text: str, start: int, end: int) -> None:
        # Typing, pasting and deleting: made visible before it goes in, so the cursor
        # lands after it.
        self._editing = True
        try:
            super().replace(self._made_visible(text), start, end)
        finally:
            self._editing = False
        # A refused edit (too long) left its escapes out of the value.
        self._forget_all_but(self.value)

    def _forget_all_but(self, value: str) -> None:
        """Forget the escapes no longer in the value (deleted, or never put in)."""
        self._written = {k: v for k, v in self._written.items() if k in value}


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
