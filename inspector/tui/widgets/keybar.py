"""The key bar at the bottom: the keys of COMMANDS that work right now.

Textual's Footer recomposes a widget per key on every focus change, which cost tens of
milliseconds per lookup; this is one Static, redrawn from the same declaration.
While the search box has the focus, letters type text, so the bar says how to leave it.
"""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual import events
from textual.widgets import Static

from inspector.tui.commands import BY_ACTION, COMMANDS

# What the bar shows while the search box has the focus (letters go to the box).
# Actions are run on the screen (COMMANDS) unless they name the app.
SEARCH_HINTS = (
    ("Enter", "search", None),
    ("Tab", "leave the box", None),
    ("F1", "help", "help"),
    ("ctrl+p", "commands", "app.command_palette"),
    ("ctrl+q", "quit", "app.quit"),
)


class KeyBar(Static):
    """`state(action)` is the screen's command_state: True enabled, None disabled (dimmed)."""

    def __init__(self, state: Callable[[str], bool | None], *, id: str | None = None) -> None:
        super().__init__("", id=id)
        self.state = state
        self.in_search = True
        self._spans: list[tuple[int, int, str]] = []

    def on_mount(self) -> None:
        self.redraw()

    def redraw(self, in_search: bool | None = None) -> None:
        if in_search is not None:
            self.in_search = in_search
        text = Text(no_wrap=True, overflow="ellipsis")
        self._spans = []

        def add(key: str, label: str, action: str | None, enabled: bool = True) -> None:
            start = len(text)
            text.append(f" {key}", style="bold #ffa62b" if enabled else "dim")
            text.append(f" {label} ", style="" if enabled else "dim")
            if action and enabled:
                self._spans.append((start, len(text), action))

        if self.in_search:
            for key, label, action in SEARCH_HINTS:
                add(key, label, action)
        else:
            grouped_tabs = False
            for command in COMMANDS:
                if not command.show:
                    continue
                enabled = self.state(command.action) is True
                if command.group is not None:
                    if not grouped_tabs:
                        grouped_tabs = True
                        add(_group_keys(command.group), command.group.description, None, enabled)
                    continue
                add(command.keys_text, command.label, command.action, enabled)
            add("^p", "commands", "app.command_palette")
        self.update(text)

    def on_mouse_move(self, event: events.MouseMove) -> None:
        # The Binding tooltips of COMMANDS, shown for the key under the pointer.
        for start, end, action in self._spans:
            if start <= event.x < end:
                command = BY_ACTION.get(action)
                self.tooltip = command.help if command else None
                return
        self.tooltip = None

    async def on_click(self, event: events.Click) -> None:
        for start, end, action in self._spans:
            if start <= event.x < end:
                await self.run_action(action if "." in action else f"screen.{action}")
                return


def _group_keys(group: object) -> str:
    keys = [c.key for c in COMMANDS if c.group is group]
    return f"{keys[0]}-{keys[-1]}" if keys else ""
