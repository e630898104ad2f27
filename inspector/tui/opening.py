"""Opening the store, journal and push service after the app's first frame.

A mixin of InspectorApp. The app is given each service, or a function that opens it
(the store's and the journal's take no argument; the push service's takes the store and
the journal). The functions run in a thread worker once the search box is on screen, so
the user types while SQLAlchemy, the database drivers and the push clients load.

Workers reach the store through `self.store`: from a worker thread it waits for the first
attempt to open the store and the journal (a lookup is never left unaudited because the
journal was still opening), and a failed attempt is tried again by the next caller.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from rich.text import Text
from textual import work
from textual.message import Message

from inspector.errortext import first_line
from inspector.store.errors import StoreError
from inspector.tui.errors import describe_error

if TYPE_CHECKING:
    from inspector.journal import Journal
    from inspector.push import PushService
    from inspector.store.repository import StoreRepository
    from inspector.tui.app import InspectorApp

    _Base = InspectorApp
    StoreSource = StoreRepository | Callable[[], StoreRepository]
    JournalSource = Journal | Callable[[], Journal | None] | None
    PushSource = (
        PushService | Callable[[StoreRepository, Journal | None], PushService | None] | None
    )
else:
    _Base = object


class _Closable(Protocol):
    def close(self) -> None: ...


class ServicesOpened(Message):
    """The first attempt to open the store and the journal is over."""

    def __init__(self, store_error: BaseException | None) -> None:
        super().__init__()
        self.store_error = store_error


class StoreOpened(Message):
    """A later attempt (a search) opened the store."""


class ServiceWarning(Message):
    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text


def _on_event_loop() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


class ServiceOpening(_Base):
    def _init_services(self, store: StoreSource, journal: JournalSource, push: PushSource) -> None:
        """Called by __init__: keep the services given, or the functions that open them."""
        self._open_store_fn = store if callable(store) else None
        self._store: StoreRepository | None = None if callable(store) else store
        self._open_journal_fn = journal if callable(journal) else None
        self.journal: Journal | None = None if callable(journal) else journal
        self._open_push_fn = push if callable(push) else None
        self.push: PushService | None = None if callable(push) else push
        # True until the push service given as a function has been opened (or failed).
        self.push_opening = callable(push)
        self._store_lock = threading.Lock()
        self._store_error: BaseException | None = None
        # Set once the first attempt at the store and the journal is over.
        self._opening_done = threading.Event()
        self._opened: list[_Closable] = []  # what the app opened, so it closes it
        self._services_lock = threading.Lock()
        self._services_closed = False
        if self._open_store_fn is None and self._open_journal_fn is None:
            self._opening_done.set()

    @property
    def opening(self) -> bool:
        """True while the store or the journal is being opened for the first time."""
        return not self._opening_done.is_set()

    @property
    def store(self) -> StoreRepository:
        """The open store. From a worker thread it waits for the first attempt and tries
        again after a failed one (StoreError if that fails); on the app's event loop, which
        must never wait, StoreError while the store is not open."""
        store = self._store
        if store is not None and self._opening_done.is_set():
            return store
        if _on_event_loop():
            if store is not None:
                return store
            raise StoreError("the store is still being opened: try again in a moment")
        return self._open_store()

    def open_services_after_first_frame(self) -> None:
        """Called on mount: what was given as a function is opened once the search box is
        on screen; meanwhile the status line says so."""
        if self.opening:
            # The label is terminal-safe already (config.describe_url): not escaped twice.
            self.set_status(Text(f"Opening the store {self.settings.store_label}…"), "busy")
        self.call_after_refresh(self._start_opening)

    def _start_opening(self) -> None:
        if self.opening:
            self._open_services()
        else:
            self._start_push()

    @work(thread=True, group="open-services", exit_on_error=False)
    def _open_services(self) -> None:
        store_error: BaseException | None = None
        try:
            self._attempt_store()
        except Exception as exc:
            store_error = exc
        if self._open_journal_fn is not None:
            try:
                journal = self._open_journal_fn()
            except Exception as exc:
                text = f"{describe_error(exc)} Reveals and exports are not audited."
                self.post_message(ServiceWarning(text))
            else:
                if journal is not None:
                    self._keep(journal)
                self.journal = journal
        self._opening_done.set()
        self.post_message(ServicesOpened(store_error))

    def _open_store(self) -> StoreRepository:
        """In a worker thread: the store, once the first attempt is over; a caller that
        waited for a failed attempt gets its error, a later caller tries again."""
        waited = not self._opening_done.is_set()
        self._opening_done.wait()
        if self._services_closed:
            raise StoreError("the inspector is closing")
        store = self._store
        if store is not None:
            return store
        if waited and self._store_error is not None:
            raise self._store_error
        store = self._attempt_store()
        self.post_message(StoreOpened())
        return store

    def _attempt_store(self) -> StoreRepository:
        with self._store_lock:
            if self._store is not None:
                return self._store
            assert self._open_store_fn is not None
            try:
                store = self._open_store_fn()
            except BaseException as exc:
                self._store_error = exc
                raise
            self._store_error = None
            self._keep(store)
            self._store = store
            return store

    def _keep(self, service: _Closable) -> None:
        """Remember a service the app opened; closed at once if the app is gone already."""
        with self._services_lock:
            if not self._services_closed:
                self._opened.append(service)
                return
        service.close()

    def on_services_opened(self, message: ServicesOpened) -> None:
        if message.store_error is not None:
            if self._pending is None:  # a waiting search reports the error itself
                text = describe_error(message.store_error)
                self.set_status(f"{text} Searching tries again.", "error")
            return
        self._store_ready()

    def on_store_opened(self, message: StoreOpened) -> None:
        self._store_ready()

    def _store_ready(self) -> None:
        if self._pending is None and self.query_one("#status").has_class("-busy"):
            self.set_status(self.start_hint, "hint")
        self._start_push()

    def _start_push(self) -> None:
        open_push, self._open_push_fn = self._open_push_fn, None
        if open_push is not None and self._store is not None:
            self._open_push(open_push, self._store)

    def on_service_warning(self, message: ServiceWarning) -> None:
        self.notify(message.text, severity="warning", timeout=10)

    @work(thread=True, group="open-push", exit_on_error=False)
    def _open_push(
        self,
        open_push: Callable[[StoreRepository, Journal | None], PushService | None],
        store: StoreRepository,
    ) -> None:
        try:
            push = open_push(store, self.journal)
            if push is not None:
                self._keep(push)
            self.push = push
        except Exception as exc:  # a push setup problem must not keep the inspector closed
            self.post_message(ServiceWarning(f"Push is not configured: {first_line(exc, 200)}"))
        finally:
            self.push_opening = False

    def close_services(self) -> None:
        """Close what the app opened (the caller closes what it gave); wake any worker
        still waiting for the store."""
        with self._services_lock:
            self._services_closed = True
            opened, self._opened = self._opened, []
        self._opening_done.set()
        for service in reversed(opened):
            with contextlib.suppress(Exception):  # on the way out: nothing left to tell
                service.close()

    def on_unmount(self) -> None:
        self.close_services()
