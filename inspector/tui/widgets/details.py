"""Device details: Overview, Push, Attributes, History and Activity tabs.

The widget loads what its tabs page through itself (the store's history pages and the
activity summary) in its own thread workers, and says their failures in the tab.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from rich.console import Group
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Static, TabbedContent, TabPane
from textual.worker import Worker, WorkerState

from inspector.errors import describe_error
from inspector.store.records import HistoryCursor, HistoryPage, Installation
from inspector.tui.messages import ActivityLoaded, HistoryLoaded
from inspector.tui.present import message_lines
from inspector.tui.widgets.activity import ActivityView
from inspector.tui.widgets.attributes import AttributesView
from inspector.tui.widgets.history import HistoryView

if TYPE_CHECKING:
    from inspector.services import Services

TABS = ("overview", "push", "attributes", "history", "activity")
# Switching tab by key puts the focus where the arrows are useful in that tab.
TAB_FOCUS = {"history": "#history-table", "attributes": "#attributes-table"}


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
        text.append(value.ljust((value_width or 0) + 2) if pad else value)

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
    """The tabs of one device. `show_device` starts its history and activity loading;
    the caller fills the Overview and Push tabs (`show_overview`, `show_push`)."""

    def __init__(
        self,
        services: Services,
        clock: Callable[[], datetime],
        page_size: int,
        *,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self.services = services
        self.clock = clock
        self.page_size = page_size
        self.installation_id: str | None = None
        # The regional store it was read from: its history and activity are asked there.
        self.store_name = ""
        self._overview: Sequence[tuple[str, str]] = ()
        self._push: Sequence[tuple[str, str]] = ()
        # A new device or a new kind filter: pages of the earlier ones are dropped.
        self._history_generation = 0
        self._history_cursor: HistoryCursor | None = None
        self._activity_for: str | None = None

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

    def switch_to(self, tab: str) -> None:
        """Show a tab, by key: the focus goes where the arrows are useful."""
        focused = self.screen.focused
        if focused is not None and self in focused.ancestors:
            # Focus left inside a pane being hidden would move to a sibling in the same
            # pane, and TabbedContent would switch back to it.
            self.screen.query_one("#results").focus()
        self.active = tab
        target = TAB_FOCUS.get(tab)
        if target:
            self.query_one(target).focus()

    @property
    def history(self) -> HistoryView:
        return self.query_one(HistoryView)

    # -- the device -------------------------------------------------------------------

    def show_device(self, inst: Installation | None, first_page: HistoryPage | None) -> None:
        """A device to show (None: none); `first_page` is its history's first page when
        the lookup fetched it already."""
        self._history_generation += 1
        self._activity_for = None
        self.installation_id = inst.installation_id if inst is not None else None
        self.store_name = inst.store if inst is not None else ""
        if inst is None:
            return
        self.query_one(AttributesView).show(inst.attributes)
        self.history.reset(self.clock())
        if first_page is not None:
            self._history_cursor = first_page.next_cursor
            self.history.add_page(first_page)
        else:
            self._load_history(first=True)
        self.query_one(ActivityView).reset()
        if self.active == "activity":
            self._load_activity()

    # -- history ----------------------------------------------------------------------

    def _load_history(self, *, first: bool) -> None:
        iid = self.installation_id
        cursor = None if first else self._history_cursor
        if iid is None or (not first and cursor is None):
            return
        kinds = self.history.kinds
        self.run_history(iid, self._history_generation, cursor, kinds, append=not first)

    @work(thread=True, exclusive=True, group="history", exit_on_error=False)
    def run_history(
        self,
        installation_id: str,
        generation: int,
        cursor: HistoryCursor | None,
        kinds: tuple[str, ...] | None,
        *,
        append: bool,
    ) -> None:
        page = self.services.store().history(
            installation_id,
            before=cursor,
            kinds=kinds,
            limit=self.page_size,
            store=self.store_name or None,
        )
        self.post_message(HistoryLoaded(installation_id, generation, page, append))

    def on_history_loaded(self, message: HistoryLoaded) -> None:
        message.stop()
        if (
            message.generation != self._history_generation
            or message.installation_id != self.installation_id
        ):
            return
        self._history_cursor = message.page.next_cursor
        self.history.add_page(message.page)

    def on_history_view_need_more(self, message: HistoryView.NeedMore) -> None:
        self._load_history(first=False)

    def on_history_view_kinds_changed(self, message: HistoryView.KindsChanged) -> None:
        self._history_generation += 1
        self.history.reset(self.clock(), keep_filter=True)
        self._load_history(first=True)

    # -- activity ---------------------------------------------------------------------

    @on(TabbedContent.TabActivated, "#tabs")
    def _on_tab(self, event: TabbedContent.TabActivated) -> None:
        if event.pane.id == "activity":
            self._load_activity()

    def _load_activity(self) -> None:
        iid = self.installation_id
        if iid is not None and self._activity_for != iid:
            self._activity_for = iid
            self.run_activity(iid)

    @work(thread=True, exclusive=True, group="activity", exit_on_error=False)
    def run_activity(self, installation_id: str) -> None:
        days = self.services.store().activity(
            installation_id, now=self.clock(), store=self.store_name or None
        )
        self.post_message(ActivityLoaded(installation_id, days))

    def on_activity_loaded(self, message: ActivityLoaded) -> None:
        message.stop()
        if message.installation_id == self.installation_id:
            self.query_one(ActivityView).show(message.days)

    # -- failures of this widget's workers, said in their tab ---------------------------

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is not WorkerState.ERROR:
            return
        # inspector.errors makes the text terminal-safe: shown as Text, not escaped again.
        text = describe_error(event.worker.error or RuntimeError("unknown failure"))
        if event.worker.group == "history":
            self.history.set_status(Text(f"history unavailable: {text}"))
            self.history.loading_more = False
        elif event.worker.group == "activity":
            self._activity_for = None
            self.query_one("#activity-summary", Static).update(
                Text(f"activity unavailable: {text}")
            )

    # -- the Overview and Push tabs -------------------------------------------------------

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
