"""The inspector's Textual app: search, results, device details, everyday actions.

The app receives its store, journal and push service through the constructor. Every
call to them runs in a thread worker that posts a Message back; failures of all
workers are turned into words in one place (`on_worker_state_changed`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import events, on, work
from textual.app import App, ComposeResult
from textual.binding import BindingType
from textual.notifications import SeverityLevel
from textual.timer import Timer
from textual.widgets import DataTable, Input, Static, TabbedContent
from textual.worker import Worker, WorkerState

from inspector.config import Settings
from inspector.health import DeviceState, push_warnings
from inspector.lookup import KeyKind, Lookup, QueryError, ZeroAdvertisingIdError, parse_query
from inspector.safetext import escape, has_unsafe
from inspector.store.records import FindResult, HistoryCursor, HistoryPage, Match
from inspector.tui.commands import BY_ACTION, InspectorCommands, bindings
from inspector.tui.device_actions import DeviceActions
from inspector.tui.errors import describe_error, is_journal_error
from inspector.tui.journal_actions import JournalActions
from inspector.tui.messages import (
    ActivityLoaded,
    HistoryLoaded,
    LookupFinished,
)
from inspector.tui.opening import ServiceOpening
from inspector.tui.present import (
    RESULT_COLUMNS,
    message_lines,
    not_found_text,
    overview_fields,
    push_fields,
    result_rows,
    results_title,
)
from inspector.tui.push_actions import PushActions
from inspector.tui.widgets.activity import ActivityView
from inspector.tui.widgets.attributes import AttributesView
from inspector.tui.widgets.banner import EnvironmentBanner
from inspector.tui.widgets.details import DeviceDetails
from inspector.tui.widgets.history import HistoryView
from inspector.tui.widgets.keybar import KeyBar

if TYPE_CHECKING:
    from inspector.tui.opening import JournalSource, PushSource, StoreSource

HISTORY_PAGE = 50
BACK_LIMIT = 50
SPINNER_AFTER_S = 0.3
SEARCH_PLACEHOLDER = "Customer ID, Installation ID, Advertising ID or push token  (Enter to search)"
START_HINT = (
    "Type a Customer ID, Installation ID, Advertising ID or push token, then Enter.  ? help"
)


@dataclass
class ResultView:
    """One result list the user has seen, kept for `back`."""

    query: str
    description: str
    kinds: tuple[KeyKind, ...]
    result: FindResult
    selected: str | None = None
    states: dict[str, DeviceState] = field(default_factory=dict)

    def match(self, installation_id: str) -> Match | None:
        for m in self.result.matches:
            if m.installation.installation_id == installation_id:
                return m
        return None


class InspectorApp(DeviceActions, PushActions, JournalActions, ServiceOpening, App[None]):
    CSS_PATH = Path(__file__).with_name("inspector.tcss")
    TITLE = "inspector"
    BINDINGS: ClassVar[list[BindingType]] = bindings()
    COMMANDS = App.COMMANDS | {InspectorCommands}
    spinner_after_s = SPINNER_AFTER_S
    start_hint = START_HINT

    def __init__(
        self,
        settings: Settings,
        store: StoreSource,
        journal: JournalSource = None,
        push: PushSource = None,
        *,
        clock: Callable[[], datetime] | None = None,
        export_dir: Path | None = None,
        history_page_size: int = HISTORY_PAGE,
        startup_warnings: tuple[str, ...] = (),
    ) -> None:
        """store, journal and push are the services or functions that open them (see
        inspector.tui.opening): functions run after the first frame."""
        super().__init__()
        self.settings = settings
        self._init_services(store, journal, push)
        self.clock = clock or (lambda: datetime.now(UTC))
        self.export_dir = export_dir
        self.history_page_size = history_page_size
        self.startup_warnings = startup_warnings
        self.view: ResultView | None = None
        self.back_stack: list[ResultView] = []
        self.device: Match | None = None
        self.revealed: set[str] = set()
        self.test_label: str | None = None
        self.verdict: str | None = None
        self._generation = 0
        self._pending: tuple[str, str, tuple[KeyKind, ...]] | None = None
        self._lookup_worker: Worker[None] | None = None
        self._history_generation = 0
        self._history_cursor: HistoryCursor | None = None
        self._activity_for: str | None = None
        self._command_key: tuple[bool, bool] = (True, False)
        self._prefetched: tuple[str, HistoryPage] | None = None
        self._details_ready: asyncio.Event | None = None
        self._spinner: Timer | None = None

    # -- layout -------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield EnvironmentBanner(self.settings)
        yield Input(placeholder=SEARCH_PLACEHOLDER, id="search", max_length=600)
        yield Static(START_HINT, id="status")
        table: DataTable[Text] = DataTable(id="results", cursor_type="row", zebra_stripes=True)
        table.add_columns(*RESULT_COLUMNS)
        yield table
        yield Static(
            "No device selected. Search for a customer or a device to see its details.",
            id="empty",
        )
        yield KeyBar(self.command_state, id="keybar")

    def on_mount(self) -> None:
        # The device tabs are mounted after the first frame: the search box is ready sooner.
        self.call_after_refresh(self._start_details_mount)
        self.query_one("#results").display = False
        self.query_one("#search", Input).focus()
        # The store, journal and push service too, when given as functions that open them.
        self.open_services_after_first_frame()
        if self.settings.is_demo:
            self.sub_title = "demo"
        for warning in self.startup_warnings:
            self.notify(warning, severity="warning", timeout=10)

    # -- command availability -------------------------------------------------------------

    def command_state(self, action: str) -> bool | None:
        """True: available; None: shown but disabled (no device yet / nothing to go back to)."""
        command = BY_ACTION.get(action)
        if command is None:
            return True
        if command.needs_device and self.device is None:
            return None
        if action == "back" and not self.back_stack:
            return None
        return True

    def _refresh_commands(self) -> None:
        """Recomposing the footer is costly: only when what is available has changed."""
        state = (self.device is None, bool(self.back_stack))
        if state != self._command_key:
            self._command_key = state
            self.refresh_bindings()
            self.query_one(KeyBar).redraw()

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        # Letters type into an input: the key bar then says how to get out of it.
        in_input = isinstance(event.widget, Input)
        keybar = self.query_one(KeyBar)
        if keybar.in_search != in_input:
            keybar.redraw(in_input)

    def on_descendant_blur(self, event: events.DescendantBlur) -> None:
        if isinstance(event.widget, Input) and self.focused is None:
            self.query_one(KeyBar).redraw(False)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in BY_ACTION and len(self.screen_stack) > 1:
            # A dialog is open: its own keys apply, not the main screen's.
            return False
        return self.command_state(action)

    # -- search -------------------------------------------------------------------------

    def action_search(self) -> None:
        search = self.query_one("#search", Input)
        search.focus()
        search.select_all()

    @on(Input.Submitted, "#search")
    def _on_search_submitted(self, event: Input.Submitted) -> None:
        self.search(event.value)

    @on(Input.Changed, "#search")
    def _on_search_changed(self, event: Input.Changed) -> None:
        if event.value == "?":
            # No identifier is a lone question mark: it asks for help, as elsewhere.
            event.input.value = ""
            self.action_help()
            return
        # Typing after Enter supersedes the lookup still running.
        if self._pending is not None and event.value != self._pending[0]:
            self._cancel_lookup("Search cancelled: press Enter to search for the new text.")

    def search(self, text: str) -> None:
        """Parse in place (pure, instant) and look up in a worker."""
        try:
            lookup = parse_query(text)
        except ZeroAdvertisingIdError as exc:
            self._cancel_lookup(None)
            self.set_status(f"Refused: {exc}.", "refused")
            return
        except QueryError as exc:
            self._cancel_lookup(None)
            self.set_status(f"Cannot search: {exc}.", "error")
            return
        self.start_lookup(text, lookup.description, lookup)

    def show_query(self, query: str) -> None:
        """Put a query in the search box without searching. An Input draws its value raw,
        so a query from the store or the journal (a Customer ID holding escape sequences)
        is shown escaped; the lookup itself uses the stored value."""
        search = self.query_one("#search", Input)
        with search.prevent(Input.Changed):
            search.value = escape(query) if has_unsafe(query) else query

    def start_lookup(self, query: str, description: str, lookup: Lookup) -> None:
        self._generation += 1
        kinds = tuple(p.kind for p in lookup.probes)
        self._pending = (query, description, kinds)
        # The worker waits for the store while it is being opened (self.store).
        when = " once the store is open" if self.opening else ""
        self.set_status(f"Searching {description}{when}…", "busy")
        self._stop_spinner()
        # A fast answer never flashes a spinner; a slow database shows one.
        self._spinner = self.set_timer(self.spinner_after_s, self._start_spinner)
        self._lookup_worker = self.run_lookup(self._generation, lookup)

    def _cancel_lookup(self, message: str | None) -> None:
        if self._pending is None:
            return
        self._generation += 1
        self._pending = None
        self._lookup_worker = None
        self.workers.cancel_group(self, "lookup")
        self._stop_spinner()
        if message:
            self.set_status(message, "info")

    def _start_spinner(self) -> None:
        self._spinner = None
        if self._pending is not None:
            self.query_one("#results", DataTable).loading = True

    def _stop_spinner(self) -> None:
        if self._spinner is not None:
            self._spinner.stop()
            self._spinner = None
        results = self.query_one("#results", DataTable)
        if results.loading:
            results.loading = False

    @work(thread=True, exclusive=True, group="lookup", exit_on_error=False)
    def run_lookup(self, generation: int, lookup: Lookup) -> None:
        try:
            result = self.store.find(lookup)
        except Exception:
            self._audit_lookup(lookup, "error", 0)
            raise
        first_page = None
        if result.matches and generation == self._generation:
            rows, _ = result_rows(result.matches, self.clock())
            first = rows[0].installation_id
            first_page = (first, self.store.history(first, limit=self.history_page_size))
        kinds = tuple(p.kind for p in lookup.probes)
        self.post_message(LookupFinished(generation, lookup.description, kinds, result, first_page))
        outcome = "ok" if result.matches else "not_found"
        self._audit_lookup(lookup, outcome, len(result.matches))

    def _audit_lookup(self, lookup: Lookup, outcome: str, found: int) -> None:
        """Runs in the worker thread; a journal failure warns and never blocks the lookup."""
        if self.journal is None:
            return
        try:
            self.journal.record_lookup(lookup, outcome=outcome, found=found)
        except Exception as exc:
            self._warn_from_thread(exc, "this lookup was not written to the audit journal")

    def _warn_from_thread(self, exc: BaseException, what: str) -> None:
        text = f"{describe_error(exc)} ({what})"
        self.call_from_thread(self.notify, text, severity="warning", timeout=8)

    def _start_details_mount(self) -> None:
        if self._details_ready is None:
            self._details_ready = asyncio.Event()
            self._mount_details()

    @work(group="mount-details")
    async def _mount_details(self) -> None:
        details = DeviceDetails(id="details")
        details.display = False
        main = self.screen_stack[0]  # a dialog may be open already
        await main.mount(details, after=main.query_one("#empty"))
        assert self._details_ready is not None
        self._details_ready.set()

    async def _ensure_details(self) -> None:
        self._start_details_mount()
        assert self._details_ready is not None
        await self._details_ready.wait()

    async def on_lookup_finished(self, message: LookupFinished) -> None:
        if message.generation != self._generation or self._pending is None:
            return  # superseded by a newer search
        await self._ensure_details()
        if message.generation != self._generation or self._pending is None:
            return
        query, description, kinds = self._pending
        self._pending = None
        self._stop_spinner()
        if self.view is not None:
            self.back_stack.append(self.view)
            del self.back_stack[:-BACK_LIMIT]
        if not message.result.matches:
            self.view = None
            self.show_results(None)
            self.set_status(not_found_text(description, kinds), "info")
            return
        view = ResultView(query, description, kinds, message.result)
        self.view = view
        self._prefetched = message.first_page
        self.show_results(view)
        search = self.query_one("#search", Input)
        if search.has_focus and search.value == query:
            self.query_one("#results", DataTable).focus()

    # -- results ------------------------------------------------------------------------

    def show_results(self, view: ResultView | None) -> None:
        table = self.query_one("#results", DataTable)
        table.clear()
        if view is None:
            table.display = False
            self.show_device(None)
            return
        rows, view.states = result_rows(view.result.matches, self.clock())
        for row in rows:
            # Text cells: a str cell would be parsed as markup (present.py escaped them).
            table.add_row(*map(Text, row.cells()), key=row.installation_id)
        table.display = True
        # Header, rows, and a line for the horizontal scrollbar of a narrow terminal.
        table.styles.height = min(len(rows), 8) + 2
        self.set_status(results_title(view.result, view.description), "title")
        selected = view.selected if view.match(view.selected or "") else rows[0].installation_id
        table.move_cursor(row=table.get_row_index(selected), animate=False)
        self.show_device(selected)

    @on(DataTable.RowHighlighted, "#results")
    def _on_result_highlighted(self, event: DataTable.RowHighlighted) -> None:
        iid = event.row_key.value
        if iid and (self.device is None or self.device.installation.installation_id != iid):
            self.show_device(iid)

    @on(DataTable.RowSelected, "#results")
    def _on_result_selected(self, event: DataTable.RowSelected) -> None:
        self.query_one("#tabs Tabs").focus()

    # -- device details -----------------------------------------------------------------

    def show_device(self, installation_id: str | None) -> None:
        match = self.view.match(installation_id) if self.view and installation_id else None
        self.device = match
        self.revealed = set()
        self.test_label = None
        self.verdict = None
        self._history_generation += 1
        self._activity_for = None
        for details in self.query("#details"):
            details.display = match is not None
        self.query_one("#empty").display = match is None
        self._refresh_commands()
        if match is None or self.view is None:
            return
        self.view.selected = installation_id
        self.render_device()
        inst = match.installation
        self.query_one(AttributesView).show(inst.attributes)
        self.query_one(HistoryView).reset(self.clock())
        prefetched, self._prefetched = self._prefetched, None
        if prefetched is not None and prefetched[0] == inst.installation_id:
            self._history_cursor = prefetched[1].next_cursor
            self.query_one(HistoryView).add_page(prefetched[1])
        else:
            self._load_history(first=True)
        self.load_journal_history()
        self.query_one(ActivityView).reset()
        if self.query_one(DeviceDetails).active == "activity":
            self._load_activity()
        if self.journal is not None:
            self.load_test_device(inst.installation_id)

    def render_device(self) -> None:
        if self.device is None or self.view is None:
            return
        inst = self.device.installation
        now = self.clock()
        state = self.view.states.get(inst.installation_id)
        details = self.query_one(DeviceDetails)
        details.show_overview(
            overview_fields(
                inst,
                state,
                self.device.matched_by,
                now,
                reveal_adid="advertising_id" in self.revealed,
            )
        )
        details.show_push(
            push_fields(
                inst,
                now,
                reveal_token="push_token" in self.revealed,
                test_device=self.test_label,
            ),
            push_warnings(inst, now),
            self.verdict,
        )

    @on(TabbedContent.TabActivated, "#tabs")
    def _on_tab(self, event: TabbedContent.TabActivated) -> None:
        if event.pane.id == "activity" and self.device is not None:
            self._load_activity()

    def _load_activity(self) -> None:
        if self.device is None:
            return
        iid = self.device.installation.installation_id
        if self._activity_for != iid:
            self._activity_for = iid
            self.run_activity(iid)

    @work(thread=True, exclusive=True, group="activity", exit_on_error=False)
    def run_activity(self, installation_id: str) -> None:
        days = self.store.activity(installation_id, now=self.clock())
        self.post_message(ActivityLoaded(installation_id, days))

    def on_activity_loaded(self, message: ActivityLoaded) -> None:
        if self._current_iid() == message.installation_id:
            self.query_one(ActivityView).show(message.days)

    def _current_iid(self) -> str | None:
        return self.device.installation.installation_id if self.device else None

    # -- history ------------------------------------------------------------------------

    def _load_history(self, *, first: bool) -> None:
        iid = self._current_iid()
        if iid is None:
            return
        history = self.query_one(HistoryView)
        cursor = None if first else self._history_cursor
        if not first and cursor is None:
            return
        self.run_history(iid, self._history_generation, cursor, history.kinds, append=not first)

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
        page = self.store.history(
            installation_id, before=cursor, kinds=kinds, limit=self.history_page_size
        )
        self.post_message(HistoryLoaded(installation_id, generation, page, append))

    def on_history_loaded(self, message: HistoryLoaded) -> None:
        if (
            message.generation != self._history_generation
            or message.installation_id != self._current_iid()
        ):
            return
        self._history_cursor = message.page.next_cursor
        self.query_one(HistoryView).add_page(message.page)

    def on_history_view_need_more(self, message: HistoryView.NeedMore) -> None:
        self._load_history(first=False)

    def on_history_view_kinds_changed(self, message: HistoryView.KindsChanged) -> None:
        self._history_generation += 1
        self.query_one(HistoryView).reset(self.clock(), keep_filter=True)
        self._load_history(first=True)

    # -- one place for failures ---------------------------------------------------------

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is not WorkerState.ERROR:
            return
        worker = event.worker
        error = worker.error or RuntimeError("unknown failure")
        text = describe_error(error)
        if worker.group == "lookup":
            if worker is self._lookup_worker:
                self._pending = None
                self._stop_spinner()
                self.set_status(text, "error")
            return
        if worker.group == "history":
            self.query_one(HistoryView).set_status(f"history unavailable: {text}")
            self.query_one(HistoryView).loading_more = False
            return
        if worker.group == "activity":
            self._activity_for = None
            self.query_one("#activity-summary", Static).update(
                Text(escape(f"activity unavailable: {text}"))
            )
            return
        severity = "warning" if is_journal_error(error) else "error"
        self.notify(text, severity=severity, timeout=10)

    def set_status(self, text: str | Text, kind: str) -> None:
        """The status line echoes queries and errors: a str is escaped into one line of
        text; a Text is taken as built, from parts the caller made safe."""
        status = self.query_one("#status", Static)
        status.update(text if isinstance(text, Text) else Text(escape(text)))
        status.set_classes(f"-{kind}")

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """Every notification of the inspector (screens' too: Widget.notify comes here) is
        text: it quotes identifiers, labels and errors. Escaped line by line, never markup;
        `markup` is accepted for Textual's signature and ignored."""
        super().notify(
            message_lines(message),
            title=escape(title),
            severity=severity,
            timeout=timeout,
            markup=False,
        )
