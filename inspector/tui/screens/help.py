"""The help screen: every key and command (derived from COMMANDS) and the search syntax."""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from inspector.tui.commands import COMMANDS

SEARCH_HELP = """\
Type any identifier in the search box and press Enter:
  Customer ID       cust-42            exact, case-sensitive
  Installation ID   a UUID             tried as Installation ID and Advertising ID
  Advertising ID    IDFA / GAID        the all-zero ID is refused (no tracking consent)
  push token        APNs hex or FCM    spaces and <> are ignored
Prefixes force the kind: cid:  iid:  adid:  token:

Tokens and advertising IDs are masked; reveal one with r (the reveal is audited).
Tabs: keys 1 to 5, a click, or Tab to reach the tab bar then ← →.
Command palette: ctrl+p."""


def commands_table() -> Table:
    table = Table(box=None, padding=(0, 2), show_header=True, header_style="bold")
    table.add_column("key", no_wrap=True)
    table.add_column("command", no_wrap=True)
    table.add_column("what it does")
    seen_groups = set()
    for command in COMMANDS:
        if command.group is not None:
            if command.group in seen_groups:
                continue
            seen_groups.add(command.group)
            members = [c for c in COMMANDS if c.group is command.group]
            keys = f"{members[0].keys_text}-{members[-1].keys_text}"
            names = ", ".join(c.label.title() for c in members)
            table.add_row(
                Text(keys, style="bold"), Text("Switch tab"), Text(f"Show a tab: {names}.")
            )
            continue
        # Text cells: a str cell of a Rich Table is parsed as markup.
        table.add_row(
            Text(command.keys_text, style="bold"), Text(command.title), Text(command.help)
        )
    table.add_row(Text("ctrl+p", style="bold"), Text("Command palette"),
                  Text("Find any command by name."))  # fmt: skip
    return table


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,f1,question_mark", "dismiss", "close", id="help.close"),
    ]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-body"):
            yield Static(Text("inspector · help", style="bold"), id="help-title")
            yield Static(commands_table(), id="help-commands")
            yield Static(Text(SEARCH_HELP), id="help-search")
            yield Static(Text("Esc closes this screen.", style="dim"))

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(result)
