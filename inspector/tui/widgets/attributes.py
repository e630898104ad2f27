"""The Attributes tab: custom attributes as dotted keys, filtered as you type."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import DataTable, Input, Static

from inspector.safetext import clip, escape
from inspector.tui.plain_inputs import PlainInput
from inspector.tui.present import flatten


class AttributesView(Vertical):
    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.pairs: list[tuple[str, str]] = []

    def compose(self) -> ComposeResult:
        yield PlainInput(placeholder="filter attributes (key or value)", id="attributes-filter")
        table: DataTable[Text] = DataTable(id="attributes-table", cursor_type="row")
        table.add_columns("attribute", "value")
        yield table
        yield Static("", id="attributes-status")

    def show(self, attributes: dict[str, Any]) -> None:
        # Escaped pairs (present.flatten): filtering matches what is shown.
        self.pairs = list(flatten(attributes))
        with self.prevent(Input.Changed):
            self.query_one("#attributes-filter", Input).value = ""
        self._fill("")

    def _fill(self, needle: str) -> None:
        table = self.query_one("#attributes-table", DataTable)
        table.clear()
        lowered = needle.lower()
        shown = [p for p in self.pairs if lowered in p[0].lower() or lowered in p[1].lower()]
        for key, value in shown:
            table.add_row(Text(key, style="bold"), Text(value))
        if not self.pairs:
            said = "this installation has no custom attributes"
        elif needle:
            # What was typed is echoed as text, never markup.
            said = f"{len(shown)} of {len(self.pairs)} attributes match '{clip(needle, 60)}'"
        else:
            said = f"{len(self.pairs)} attributes"
        self.query_one("#attributes-status", Static).update(Text(escape(said)))

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self._fill(event.value.strip())

    def on_input_submitted(self, event: Input.Submitted) -> None:
        # The filter is not a search: keep Enter here.
        event.stop()
