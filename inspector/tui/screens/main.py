"""The main screen: search box, results, device details, and the keys that act on them.

The screen asks `services` for the store, journal and push service; it never reaches
into the App. Showing results and a device live here; searching (tui/lookups.py) and
the actions on a device (device_actions.py, push_flow.py, journal_views.py) are small
classes given this screen, and the device tabs load their own history and activity
(widgets/details.py); proofs and approvals are proof_flow.py's. Failures of this
screen's workers are turned into words in one place: `on_worker_state_changed`. About
400 lines because it is the one place where every key of the main screen is declared as
an action: each is a line or two.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.command import Provider
from textual.screen import Screen
from textual.widgets import DataTable, Input, Static
from textual.worker import Worker, WorkerState

from inspector.config import Settings
from inspector.errors import describe_error, row_for
from inspector.health import push_warnings
from inspector.safetext import escape, has_unsafe
from inspector.services import Services
from inspector.store.records import Match
from inspector.tui.commands import BY_ACTION, InspectorCommands, bindings
from inspector.tui.device_actions import DeviceActions
from inspector.tui.journal_views import JournalViews
from inspector.tui.lookups import Lookups, ResultView
from inspector.tui.messages import (
    JournalHistoryLoaded,
    LookupFinished,
    Notice,
    RevealRecorded,
    ServicesOpened,
    TestDeviceLoaded,
)
from inspector.tui.plain_inputs import PlainInput
from inspector.tui.present import (
    SafeLine,
    overview_fields,
    partial_text,
    push_fields,
    result_columns,
    result_rows,
    results_title,
    row_key,
)
from inspector.tui.profile_switch import ProfileSwitch
from inspector.tui.proof_flow import ProofFlow
from inspector.tui.push_flow import PushFlow
from inspector.tui.screens.help import HelpScreen
from inspector.tui.widgets.banner import EnvironmentBanner
from inspector.tui.widgets.details import DeviceDetails
from inspector.tui.widgets.keybar import KeyBar

SPINNER_AFTER_S = 0.3
SEARCH_PLACEHOLDER = "Customer ID, Installation ID, Advertising ID or push token  (Enter to search)"
START_HINT = (
    "Type a Customer ID, Installation ID, Advertising ID or push token, then Enter.  ? help"
)


class MainScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = bindings()
    COMMANDS: ClassVar[set[type[Provider] | Callable[[], type[Provider]]]] = {InspectorCommands}
    spinner_after_s = SPINNER_AFTER_S

    def __init__(
        self,
        settings: Settings,
        services: Services,
        *,
        clock: Callable[[], datetime],
        export_dir: Path | None,
        history_page_size: int,
    ) -> None:
        super().__init__()
        self.settings = settings
        self.services = services
        self.clock = clock
        self.export_dir = export_dir
        self.history_page_size = history_page_size
        # What is shown: the result list, the lists before it, the device and its state.
        self.view: ResultView | None = None
        self.back_stack: list[ResultView] = []
        self.device: Match | None = None
        self.revealed: set[str] = set()
        self.test_label: str | None = None
        self.verdict: str | None = None
        # Bumped per device shown: journal records of an earlier device are dropped.
        self.device_generation = 0
        self._command_key: tuple[bool, bool] = (True, False)
        self._details_ready: asyncio.Event | None = None
        self.lookups = Lookups(self)
        self.device_actions = DeviceActions(self)
        self.push_flow = PushFlow(self)
        self.proof_flow = ProofFlow(self)
        self.journal_views = JournalViews(self)
        self.profile_switch = ProfileSwitch(self)
        # Set when another profile's screen replaces this one: what its workers still
        # post (notices) never reaches the new profile's screen.
        self.retired = False

    # -- layout -------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield EnvironmentBanner(self.settings)
        # What is typed or pasted: a control character is written visible (its escape).
        yield PlainInput(placeholder=SEARCH_PLACEHOLDER, id="search", max_length=600)
        yield Static(START_HINT, id="status")
        table: DataTable[Text] = DataTable(id="results", cursor_type="row", zebra_stripes=True)
        table.add_columns(*result_columns(self.settings.regional))
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
        if self.services.opening:
            # describe() is terminal-safe (the label is made so by config.describe_url).
            self.set_status(Text(self.services.describe()), "busy")

    def _start_details_mount(self) -> None:
        if self._details_ready is None:
            self._details_ready = asyncio.Event()
            self._mount_details()

    @work(group="mount-details")
    async def _mount_details(self) -> None:
        details = DeviceDetails(self.services, self.clock, self.history_page_size, id="details")
        details.display = False
        await self.mount(details, after=self.query_one("#empty"))
        assert self._details_ready is not None
        self._details_ready.set()

    async def ensure_details(self) -> None:
        self._start_details_mount()
        assert self._details_ready is not None
        await self._details_ready.wait()

    # -- the profile ----------------------------------------------------------------------

    def retire(self) -> None:
        """Another profile's screen replaces this one: whatever its workers still say is
        about the old profile, and is dropped."""
        self.retired = True
        self.lookups.cancel(None)

    def on_notice(self, message: Notice) -> None:
        if self.retired:
            message.stop()

    # -- the services opening ---------------------------------------------------------------

    def on_services_opened(self, message: ServicesOpened) -> None:
        error = message.report.store_error
        if self.lookups.pending is not None:
            return  # a waiting search says how it went
        if error is not None:
            self.set_status(Text(f"{describe_error(error)} Searching tries again."), "error")
        elif self.query_one("#status").has_class("-busy"):
            self.set_status(START_HINT, "hint")

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

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return self.command_state(action)

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

    def on_screen_suspend(self) -> None:
        # Under a dialog the search box keeps this screen's focus, yet letters go to the
        # dialog: the bar shows this screen's keys.
        self.query_one(KeyBar).redraw(False)

    def on_screen_resume(self) -> None:
        keybar = self.query_one(KeyBar)
        in_input = isinstance(self.focused, Input)
        if keybar.in_search != in_input:
            keybar.redraw(in_input)

    # -- search -------------------------------------------------------------------------

    def action_search(self) -> None:
        search = self.query_one("#search", Input)
        search.focus()
        search.select_all()

    @on(Input.Submitted, "#search")
    def _on_search_submitted(self, event: Input.Submitted) -> None:
        # The box shows a pasted control character as its escape; the lookup is given
        # the character itself, and refuses it in words.
        box = event.input
        self.search(box.typed if isinstance(box, PlainInput) else event.value)

    @on(Input.Changed, "#search")
    def _on_search_changed(self, event: Input.Changed) -> None:
        if event.value == "?":
            # No identifier is a lone question mark: it asks for help, as elsewhere.
            event.input.value = ""
            self.action_help()
            return
        # Typing after Enter supersedes the lookup still running.
        pending = self.lookups.pending
        if pending is not None and event.value != pending[0]:
            self.lookups.cancel("Search cancelled: press Enter to search for the new text.")

    def search(self, text: str) -> None:
        self.lookups.search(text)

    def show_query(self, query: str) -> None:
        """Put a query in the search box without searching. An Input draws its value raw,
        so a query from the store or the journal (a Customer ID holding escape sequences)
        is shown escaped; the lookup itself uses the stored value."""
        search = self.query_one("#search", Input)
        with search.prevent(Input.Changed):
            search.value = escape(query) if has_unsafe(query) else query

    def warn_from_thread(self, exc: BaseException, what: str) -> None:
        """`what` is the inspector's own words; the error's are terminal-safe already."""
        self.post_message(Notice(SafeLine(f"{describe_error(exc)} ({what})"), "warning", 8))

    async def on_lookup_finished(self, message: LookupFinished) -> None:
        if not self.lookups.is_current(message):
            return  # superseded by a newer search
        await self.ensure_details()
        if self.lookups.is_current(message):
            self.lookups.finished(message)

    # -- results ------------------------------------------------------------------------

    def show_results(self, view: ResultView | None) -> None:
        table = self.query_one("#results", DataTable)
        table.clear()
        if view is None:
            table.display = False
            self.show_device(None)
            return
        rows, view.states = result_rows(view.result.matches, self.clock())
        regional = self.settings.regional
        for row in rows:
            # Text cells: a str cell would be parsed as markup (present.py escaped them).
            table.add_row(*map(Text, row.cells(with_store=regional)), key=row.key)
        table.display = True
        # Header, rows, and a line for the horizontal scrollbar of a narrow terminal.
        table.styles.height = min(len(rows), 8) + 2
        self.show_title(results_title(view.result, view.description), view.result.warnings)
        selected = view.selected
        if selected is None or view.match(selected) is None:
            selected = rows[0].key
        table.move_cursor(row=table.get_row_index(selected), animate=False)
        self.show_device(selected)

    def show_title(self, title: str, warnings: tuple[str, ...], kind: str = "title") -> None:
        """The status line over results; a store that did not answer is said under it
        (the lookup notifies it too): the results are partial."""
        if warnings:
            self.set_status(f"{title}\n{partial_text(warnings)}", "refused")
        else:
            self.set_status(title, kind)

    @on(DataTable.RowHighlighted, "#results")
    def _on_result_highlighted(self, event: DataTable.RowHighlighted) -> None:
        key = event.row_key.value
        if key and (self.device is None or row_key(self.device.installation) != key):
            self.show_device(key)

    @on(DataTable.RowSelected, "#results")
    def _on_result_selected(self, event: DataTable.RowSelected) -> None:
        self.query_one("#tabs Tabs").focus()

    # -- device details -----------------------------------------------------------------

    @property
    def current_iid(self) -> str | None:
        return self.device.installation.installation_id if self.device else None

    def show_device(self, key: str | None) -> None:
        """The device of a result row (its row_key: the Installation ID, with its store's
        name for a regional store), or none."""
        match = self.view.match(key) if self.view and key else None
        self.device = match
        self.revealed = set()
        self.test_label = None
        self.verdict = None
        self.device_generation += 1
        for details in self.query(DeviceDetails):
            details.display = match is not None
        self.query_one("#empty").display = match is None
        self._refresh_commands()
        if match is None or self.view is None:
            for details in self.query(DeviceDetails):
                details.show_device(None, None)
            return
        self.view.selected = key
        self.render_device()
        inst = match.installation
        prefetched = self.lookups.first_page(row_key(inst))
        self.query_one(DeviceDetails).show_device(inst, prefetched)
        self.journal_views.load_timeline()
        if self.services.journal is not None:
            self.push_flow.load_test_device(inst.installation_id)

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
                inst, now, reveal_token="push_token" in self.revealed, test_device=self.test_label
            ),
            push_warnings(inst, now),
            self.verdict,
        )

    def say_unavailable(self, opening: bool, waiting: str, missing: str) -> None:
        """A service an action needs is not there: being opened (wait), or not at all."""
        if opening:
            self.notify(waiting)
        else:
            self.notify(missing, severity="warning", timeout=8)

    def need_device(self) -> Match | None:
        if self.device is None:
            self.notify("Select a device first: search, then pick a row.", severity="warning")
        return self.device

    # -- messages from the workers of the actions ---------------------------------------------

    def on_reveal_recorded(self, message: RevealRecorded) -> None:
        self.device_actions.revealed(message)

    def on_test_device_loaded(self, message: TestDeviceLoaded) -> None:
        self.push_flow.test_device_loaded(message)

    def on_journal_history_loaded(self, message: JournalHistoryLoaded) -> None:
        self.journal_views.timeline_loaded(message)

    # -- actions (the keys of tui/commands.py) ---------------------------------------------

    def action_reveal(self) -> None:
        self.device_actions.reveal()

    def action_copy(self) -> None:
        self.device_actions.copy()

    def action_export(self) -> None:
        self.device_actions.export()

    def action_customer(self) -> None:
        self.device_actions.customer()

    def action_push(self) -> None:
        self.push_flow.push()

    def action_check_token(self) -> None:
        self.push_flow.check_token()

    def action_test_device(self) -> None:
        self.push_flow.toggle_test_device()

    def action_proof(self) -> None:
        self.proof_flow.proof()

    def action_proofs(self) -> None:
        self.proof_flow.proofs()

    def action_approvals(self) -> None:
        self.proof_flow.approvals()

    def action_audit(self) -> None:
        self.journal_views.audit()

    def action_test_devices(self) -> None:
        self.journal_views.test_devices()

    def action_profiles(self) -> None:
        self.profile_switch.open()

    async def action_back(self) -> None:
        if not self.back_stack:
            self.notify("Nothing to go back to.")
            return
        await self.ensure_details()
        self.lookups.cancel(None)
        self.view = self.back_stack.pop()
        self.show_query(self.view.query)
        self.show_results(self.view)
        self.query_one("#results", DataTable).focus()

    def _show_tab(self, tab: str) -> None:
        if self.need_device() is not None:
            self.query_one(DeviceDetails).switch_to(tab)

    def action_tab_overview(self) -> None:
        self._show_tab("overview")

    def action_tab_push(self) -> None:
        self._show_tab("push")

    def action_tab_attributes(self) -> None:
        self._show_tab("attributes")

    def action_tab_history(self) -> None:
        self._show_tab("history")

    def action_tab_activity(self) -> None:
        self._show_tab("activity")

    def action_help(self) -> None:
        self.app.push_screen(HelpScreen())

    def action_quit(self) -> None:
        self.app.exit()

    # -- one place for failures ---------------------------------------------------------

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is not WorkerState.ERROR:
            return
        worker = event.worker
        error = worker.error or RuntimeError("unknown failure")
        text = describe_error(error)  # terminal-safe already: shown as Text, not escaped
        if worker.group == "lookup":
            self.lookups.failed(worker, Text(text))
            return
        row = row_for(error)
        journal = row is not None and row.module.startswith("inspector.journal")
        self.notify(SafeLine(text), severity="warning" if journal else "error", timeout=10)

    def set_status(self, text: str | Text, kind: str) -> None:
        """The status line echoes queries and errors: a str is escaped into one line of
        text; a Text is taken as built, from parts the caller made safe."""
        status = self.query_one("#status", Static)
        status.update(text if isinstance(text, Text) else Text(escape(text)))
        status.set_classes(f"-{kind}")
