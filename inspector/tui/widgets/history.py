"""The History tab: newest first, filter by kind, keyset pages loaded as the user scrolls."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.coordinate import Coordinate
from textual.message import Message
from textual.widgets import DataTable, Select, Static

from inspector.safetext import escape
from inspector.store.records import EVENT_KINDS, Event, HistoryPage
from inspector.tui.present import event_detail, event_summary, kind_label, time_cells

_EARLIEST = datetime.min.replace(tzinfo=UTC)


def _at_or_after(at: datetime | None, until: datetime | None) -> bool:
    return at is not None and until is not None and at >= until


# Ask for the next page when the cursor or the scroll position comes this close to the end.
PREFETCH_ROWS = 10


class EventsTable(DataTable[Text]):
    """A DataTable that says when its end comes into view."""

    # Home and End go to the newest and the oldest loaded event (End then loads more).
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("home", "scroll_top", "newest", show=False),
        Binding("end", "scroll_bottom", "oldest loaded", show=False),
    ]

    class NearEnd(Message):
        pass

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        if self.row_count and new_value >= self.max_scroll_y - PREFETCH_ROWS:
            self.post_message(self.NearEnd())

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.cursor_row >= self.row_count - PREFETCH_ROWS:
            self.post_message(self.NearEnd())


class HistoryView(Vertical):
    """Shows pages it is given; DeviceDetails loads them in its workers."""

    class NeedMore(Message):
        """The user scrolled near the end and another page exists."""

    class KindsChanged(Message):
        def __init__(self, kinds: tuple[str, ...] | None) -> None:
            super().__init__()
            self.kinds = kinds

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.events: dict[str, Event] = {}
        self._store_keys: list[str] = []  # the store's events, in table order
        self.journal: list[Event] = []  # the journal's records of this device, newest first
        self._placed = 0  # how many of them are in the table
        self.has_more = False
        self.loading_more = False
        self.now: datetime | None = None

    def compose(self) -> ComposeResult:
        with Horizontal(id="history-bar"):
            yield Select(
                [(kind_label(k), k) for k in EVENT_KINDS],
                prompt="all kinds",
                allow_blank=True,
                id="history-kind",
            )
            yield Static("", id="history-status")
        table = EventsTable(id="history-table", cursor_type="row", zebra_stripes=True)
        table.add_columns("when (UTC)", "ago", "kind", "detail")
        yield table
        yield Static("", id="history-detail")

    @property
    def table(self) -> EventsTable:
        return self.query_one(EventsTable)

    @property
    def kinds(self) -> tuple[str, ...] | None:
        value = self.query_one("#history-kind", Select).value
        return (str(value),) if isinstance(value, str) else None

    def reset(self, now: datetime, *, keep_filter: bool = False) -> None:
        """A new device (or, with keep_filter, the same device under a new kind filter)."""
        self.now = now
        self.events.clear()
        self._store_keys.clear()
        self._placed = 0
        if not keep_filter:
            self.journal = []
        self.has_more = False
        self.loading_more = False
        self.table.clear()
        if not keep_filter:
            with self.prevent(Select.Changed):
                self.query_one("#history-kind", Select).clear()
        self.query_one("#history-detail", Static).update("")
        self.set_status("loading history…")

    def set_status(self, text: str | Text) -> None:
        """A str is escaped here; a Text is taken as built, from parts the caller made
        safe (an error's words from inspector.errors are terminal-safe already)."""
        self.query_one("#history-status", Static).update(
            text if isinstance(text, Text) else Text(escape(text))
        )

    def add_page(self, page: HistoryPage) -> None:
        for event in page.events:
            key = str(event.event_id)
            if key in self.events:
                continue
            self._place_journal(until=event.occurred_at)
            self._add_row(key, event)
            self._store_keys.append(key)
        self.has_more = page.next_cursor is not None
        self.loading_more = False
        if not self.has_more:
            self._place_journal(until=None, rest=True)
        self._say_count()

    def set_journal(self, records: list[Event], now: datetime) -> None:
        """The journal's records arrive on their own (also after a send, later than the
        store's page): rebuild the merged timeline, relative times from `now`."""
        self.now = now
        self.journal = sorted(
            records,
            key=lambda e: (e.occurred_at is not None, e.occurred_at or _EARLIEST),
            reverse=True,
        )
        store_events = [self.events[k] for k in self._store_keys]
        self.events.clear()
        self.table.clear()
        self._placed = 0
        for key, event in zip(self._store_keys, store_events, strict=True):
            self._place_journal(until=event.occurred_at)
            self._add_row(key, event)
        if not self.has_more and self.now is not None:
            self._place_journal(until=None, rest=True)
        self._say_count()

    def _place_journal(self, *, until: datetime | None, rest: bool = False) -> None:
        """Journal records at or after `until` go in before the next store event; with
        `rest`, all that are left. A store event whose time could not be read (None)
        places none. A kind filter shows the store's events only."""
        if self.kinds or (until is None and not rest):
            return
        while self._placed < len(self.journal) and (
            rest or _at_or_after(self.journal[self._placed].occurred_at, until)
        ):
            record = self.journal[self._placed]
            self._placed += 1
            self._add_row(f"j{-record.event_id}", record)

    def _add_row(self, key: str, event: Event) -> None:
        self.events[key] = event
        now = self.now or datetime.now().astimezone()
        at, ago = time_cells(event.occurred_at, now, event.invalid.get("occurred_at"))
        # Cells are Text: a str cell would be parsed as markup. present.py escaped them.
        self.table.add_row(
            Text(at),
            Text(ago),
            Text(kind_label(event.kind)),
            Text(event_summary(event), overflow="ellipsis", no_wrap=True),
            key=key,
        )

    def _say_count(self) -> None:
        count = len(self._store_keys)
        noun = "event" if count == 1 else "events"
        actions = f" · {self._placed} inspector action(s)" if self._placed else ""
        if not count:
            self.set_status("no events" + (" of this kind" if self.kinds else "") + actions)
        elif self.has_more:
            self.set_status(f"latest {count:,} {noun}{actions} · scroll down for more")
        else:
            self.set_status(f"all {count:,} {noun}{actions}")
        table = self.table
        if table.row_count and not self.query_one("#history-detail", Static).content:
            self._show_detail(table.cursor_row)

    def _show_detail(self, row: int) -> None:
        if not 0 <= row < self.table.row_count:
            return
        key = self.table.coordinate_to_cell_key(Coordinate(row, 0)).row_key.value
        event = self.events.get(key or "")
        if event is not None and self.now is not None:
            self.query_one("#history-detail", Static).update(Text(event_detail(event, self.now)))

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        self._show_detail(event.cursor_row)

    def on_events_table_near_end(self, event: EventsTable.NearEnd) -> None:
        event.stop()
        if self.has_more and not self.loading_more:
            self.loading_more = True
            self.set_status(f"latest {len(self.events):,} events · loading more…")
            self.post_message(self.NeedMore())

    def on_select_changed(self, event: Select.Changed) -> None:
        event.stop()
        self.post_message(self.KindsChanged(self.kinds))
