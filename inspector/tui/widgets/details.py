"""Device details: Overview, Push, Attributes, History and Activity tabs."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Group
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Static, TabbedContent, TabPane

from inspector.tui.present import message_lines
from inspector.tui.widgets.activity import ActivityView
from inspector.tui.widgets.attributes import AttributesView
from inspector.tui.widgets.history import HistoryView

TABS = ("overview", "push", "attributes", "history", "activity")


VALUE_WIDTH = 44


def fields_text(fields: Sequence[tuple[str, str]], value_width: int | None = VALUE_WIDTH) -> Text:
    """Label/value pairs, two per line when the first value fits its column (one per line
    when `value_width` is None).

    Plain Text with computed padding: a Rich Table re-measures on every repaint, which
    cost more than the rest of the device view. Values are Text, never markup, and come
    escaped from present.py."""
    label_width = max((len(label) for label, _ in fields), default=0)
    text = Text(overflow="fold")
    pending: tuple[str, str] | None = None

    def pair(label: str, value: str, pad: bool) -> None:
        text.append(label.ljust(label_width + 2), style="bold")
        text.append(value.ljust(value_width + 2) if pad else value)

    for label, value in fields:
        if value_width is None:
            pair(label, value, pad=False)
            text.append("\n")
            continue
        if pending is None:
            if len(value) <= value_width:
                pending = (label, value)
            else:
                pair(label, value, pad=False)
                text.append("\n")
            continue
        if len(value) > value_width:
            # Too long to sit beside another pair: both get a line of their own.
            pair(*pending, pad=False)
            text.append("\n")
        else:
            pair(*pending, pad=True)
        pair(label, value, pad=False)
        text.append("\n")
        pending = None
    if pending is not None:
        pair(*pending, pad=False)
        text.append("\n")
    text.rstrip()
    return text


def warnings_text(warnings: Sequence[str], verdict: str | None = None) -> Text:
    """Warnings (they quote stored values) and the last verdict (a provider's or the
    journal's words), escaped line by line here."""
    text = Text()
    for line in warnings:
        text.append("⚠ ", style="bold yellow")
        text.append(message_lines(line) + "\n")
    if not warnings:
        text.append("✓ no warning: a push can reach this device\n", style="green")
    if verdict:
        # The first line names what was asked and the headline; the rest explains it.
        head, _, rest = message_lines(verdict).partition("\n")
        text.append("\n" + head, style="bold")
        if rest:
            text.append("\n" + rest)
    return text


class DeviceDetails(Vertical):
    def compose(self) -> ComposeResult:
        with TabbedContent(id="tabs", initial="overview"):
            with TabPane("Overview", id="overview"), VerticalScroll():
                yield Static("", id="overview-fields")
            with TabPane("Push", id="push"), VerticalScroll():
                yield Static("", id="push-fields")
                yield Static("", id="push-warnings")
            with TabPane("Attributes", id="attributes"):
                yield AttributesView(id="attributes-view")
            with TabPane("History", id="history"):
                yield HistoryView(id="history-view")
            with TabPane("Activity", id="activity"):
                yield ActivityView(id="activity-view")

    @property
    def active(self) -> str:
        return self.query_one("#tabs", TabbedContent).active

    @active.setter
    def active(self, tab: str) -> None:
        self.query_one("#tabs", TabbedContent).active = tab

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._overview: Sequence[tuple[str, str]] = ()
        self._push: Sequence[tuple[str, str]] = ()

    def _value_width(self, fields: Sequence[tuple[str, str]]) -> int | None:
        """Two pairs per line when the pane is wide enough, else one (None)."""
        width = self.size.width or 120
        label = max((len(name) for name, _ in fields), default=0) + 2
        value_width = (width - 6 - 2 * label) // 2
        return value_width if value_width >= 24 else None

    def _render_fields(self) -> None:
        if self._overview:
            self.query_one("#overview-fields", Static).update(
                fields_text(self._overview, self._value_width(self._overview))
            )
        if self._push:
            self.query_one("#push-fields", Static).update(
                fields_text(self._push, self._value_width(self._push))
            )

    def on_resize(self) -> None:
        self._render_fields()

    def show_overview(self, fields: Sequence[tuple[str, str]]) -> None:
        self._overview = fields
        self._render_fields()

    def show_push(
        self, fields: Sequence[tuple[str, str]], warnings: Sequence[str], verdict: str | None
    ) -> None:
        self._push = fields
        self._render_fields()
        self.query_one("#push-warnings", Static).update(
            Group(Text(""), warnings_text(warnings, verdict))
        )
