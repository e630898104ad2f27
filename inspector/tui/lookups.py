"""Searching from the main screen: parse the query in place, look it up in a thread
worker, show a spinner only for a slow database, drop a superseded answer, audit the
lookup. Given the main screen; its worker runs on it, so the screen's one failure
handler says what went wrong (`failed`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING

from textual.timer import Timer
from textual.widgets import DataTable, Input
from textual.worker import Worker

from inspector.health import DeviceState
from inspector.lookup import KeyKind, Lookup, QueryError, ZeroAdvertisingIdError, parse_query
from inspector.store.records import FindResult, HistoryPage, Installation, Match
from inspector.tui.messages import LookupFinished, StoreOpened
from inspector.tui.present import not_found_text, result_rows, row_key

if TYPE_CHECKING:
    from rich.text import Text

    from inspector.store.repository import StoreRepository
    from inspector.tui.screens.main import MainScreen

BACK_LIMIT = 50


def history_page(store: StoreRepository, inst: Installation, limit: int) -> HistoryPage:
    """The first history page of a device, from the store it was read from."""
    return store.history(inst.installation_id, limit=limit, store=inst.store or None)


@dataclass
class ResultView:
    """One result list the user has seen, kept for `back`."""

    query: str
    description: str
    kinds: tuple[KeyKind, ...]
    result: FindResult
    selected: str | None = None
    states: dict[str, DeviceState] = field(default_factory=dict)

    def match(self, key: str) -> Match | None:
        """The match of a row key (present.row_key)."""
        for m in self.result.matches:
            if row_key(m.installation) == key:
                return m
        return None


class Lookups:
    def __init__(self, screen: MainScreen) -> None:
        self.screen = screen
        self._generation = 0  # per search: a stale answer is dropped
        # The search running: query, description, key kinds.
        self.pending: tuple[str, str, tuple[KeyKind, ...]] | None = None
        self._worker: Worker[None] | None = None
        self._spinner: Timer | None = None
        self._finished: LookupFinished | None = None

    def search(self, text: str) -> None:
        """Parse in place (pure, instant) and look up in a worker."""
        try:
            lookup = parse_query(text)
        except ZeroAdvertisingIdError as exc:
            self.cancel(None)
            self.screen.set_status(f"Refused: {exc}.", "refused")
            return
        except QueryError as exc:
            self.cancel(None)
            self.screen.set_status(f"Cannot search: {exc}.", "error")
            return
        self.start(text, lookup.description, lookup)

    def start(self, query: str, description: str, lookup: Lookup) -> None:
        screen = self.screen
        self._generation += 1
        kinds = tuple(p.kind for p in lookup.probes)
        self.pending = (query, description, kinds)
        # The worker waits for the store while it is being opened (services.store()).
        when = " once the store is open" if screen.services.opening else ""
        screen.set_status(f"Searching {description}{when}…", "busy")
        self.stop_spinner()
        # A fast answer never flashes a spinner; a slow database shows one.
        self._spinner = screen.set_timer(screen.spinner_after_s, self._start_spinner)
        self._worker = screen.run_worker(
            partial(self._run, self._generation, lookup),
            thread=True,
            group="lookup",
            exclusive=True,
            exit_on_error=False,
        )

    def cancel(self, message: str | None) -> None:
        if self.pending is None:
            return
        self._generation += 1
        self.pending = None
        self._worker = None
        self.screen.workers.cancel_group(self.screen, "lookup")
        self.stop_spinner()
        if message:
            self.screen.set_status(message, "info")

    def _start_spinner(self) -> None:
        self._spinner = None
        if self.pending is not None:
            self.screen.query_one("#results", DataTable).loading = True

    def stop_spinner(self) -> None:
        if self._spinner is not None:
            self._spinner.stop()
            self._spinner = None
        results = self.screen.query_one("#results", DataTable)
        if results.loading:
            results.loading = False

    def _run(self, generation: int, lookup: Lookup) -> None:
        """In the worker thread; with the result comes the first device's history page,
        so that the details and the history arrive in the same frame."""
        screen = self.screen
        push_was_waiting = screen.services.push_opening
        try:
            store = screen.services.store()
            result = store.find(lookup)
        except Exception:
            self._audit(lookup, "error", 0)
            raise
        if push_was_waiting and not screen.services.opening:
            screen.post_message(StoreOpened(screen.services))  # the app opens push now
        first_page = None
        if result.matches and generation == self._generation:
            rows, _ = result_rows(result.matches, screen.clock())
            inst = next(
                m.installation for m in result.matches if row_key(m.installation) == rows[0].key
            )
            first_page = (rows[0].key, history_page(store, inst, screen.history_page_size))
        kinds = tuple(p.kind for p in lookup.probes)
        screen.post_message(
            LookupFinished(generation, lookup.description, kinds, result, first_page)
        )
        outcome = "ok" if result.matches else "not_found"
        self._audit(lookup, outcome, len(result.matches))

    def _audit(self, lookup: Lookup, outcome: str, found: int) -> None:
        """In the worker thread; a journal failure warns and never blocks the lookup."""
        journal = self.screen.services.journal
        if journal is None:
            return
        try:
            journal.record_lookup(lookup, outcome=outcome, found=found)
        except Exception as exc:
            self.screen.warn_from_thread(exc, "this lookup was not written to the audit journal")

    def is_current(self, message: LookupFinished) -> bool:
        return message.generation == self._generation and self.pending is not None

    def finished(self, message: LookupFinished) -> None:
        """The answer of the current search (`is_current`), with the tabs mounted."""
        screen = self.screen
        assert self.pending is not None
        query, description, kinds = self.pending
        self.pending = None
        self.stop_spinner()
        if screen.view is not None:
            screen.back_stack.append(screen.view)
            del screen.back_stack[:-BACK_LIMIT]
        warnings = message.result.warnings
        for warning in warnings:
            # Each names the store that did not answer: its devices are missing here.
            screen.notify(f"Partial results: {warning}", severity="warning", timeout=10)
        if not message.result.matches:
            screen.view = None
            screen.show_results(None)
            screen.show_title(not_found_text(description, kinds, warnings), warnings, "info")
            return
        screen.view = ResultView(query, description, kinds, message.result)
        self._finished = message
        screen.show_results(screen.view)
        search = screen.query_one("#search", Input)
        if search.has_focus and search.value == query:
            screen.query_one("#results", DataTable).focus()

    def first_page(self, key: str) -> HistoryPage | None:
        """The history page the lookup fetched, once, if it is this device's (its row key)."""
        finished, self._finished = self._finished, None
        page = finished.first_page if finished is not None else None
        return page[1] if page is not None and page[0] == key else None

    def failed(self, worker: Worker[None], text: Text) -> None:
        """The lookup failed: said in the status line, unless a newer one replaced it."""
        if worker is self._worker:
            self.pending = None
            self.stop_spinner()
            self.screen.set_status(text, "error")
