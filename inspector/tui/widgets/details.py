"""Device details: Overview, Push, Attributes, History and Activity tabs."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Static, TabbedContent, TabPane

from inspector.tui.widgets.activity import ActivityView
from inspector.tui.widgets.attributes import AttributesView
from inspector.tui.widgets.history import HistoryView

TABS = ("overview", "push", "attributes", "history", "activity")


def fields_table(fields: Sequence[tuple[str, str]], pairs_per_row: int = 2) -> Table:
    """Label/value pairs side by side; values are Text, so stored data is never markup."""
    grid = Table.grid(padding=(0, 2), expand=True)
    for _ in range(pairs_per_row):
        grid.add_column(style="bold", no_wrap=True)
        grid.add_column(ratio=1)
    for start in range(0, len(fields), pairs_per_row):
        cells: list[Text] = []
        for label, value in fields[start : start + pairs_per_row]:
            cells += [Text(label), Text(value)]
        grid.add_row(*cells)
    return grid


def warnings_text(warnings: Sequence[str], verdict: str | None = None) -> Text:
    text = Text()
    for line in warnings:
        text.append("⚠ ", style="bold yellow")
        text.append(line + "\n")
    if not warnings:
        text.append("✓ no warning: a push can reach this device\n", style="green")
    if verdict:
        text.append("\nToken check: ", style="bold")
        text.append(verdict)
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

    def show_overview(self, fields: Sequence[tuple[str, str]]) -> None:
        self.query_one("#overview-fields", Static).update(fields_table(fields))

    def show_push(
        self, fields: Sequence[tuple[str, str]], warnings: Sequence[str], verdict: str | None
    ) -> None:
        self.query_one("#push-fields", Static).update(fields_table(fields))
        self.query_one("#push-warnings", Static).update(
            Group(Text(""), warnings_text(warnings, verdict))
        )
