"""The store, the journal and the push service of one configuration, opened and held
together (plain Python: the Textual app and the browser sessions share it).

Opening takes seconds on a cold start (SQLAlchemy, the database drivers, the push
clients load), so the UI draws its first frame first and calls `open()` in a worker.
Everything else asks `services` for what it needs:

- `store()` from a worker thread waits for the first attempt to open the store and the
  journal (so a lookup is never left unaudited because the journal was still opening),
  and tries again once after a failed attempt;
- `store_if_open()` on an event loop, which must never wait;
- `journal` and `push` are None until opened (or when not configured), with `state`
  and `describe()` saying which.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, Protocol

from inspector.errors import describe_error, first_line

if TYPE_CHECKING:
    from inspector.config import Settings
    from inspector.journal import Journal
    from inspector.push import PushService
    from inspector.store.repository import StoreRepository


class _Closable(Protocol):
    def close(self) -> None: ...


class State(Enum):
    OPENING = "opening"
    OPEN = "open"
    FAILED = "failed"
    NOT_CONFIGURED = "not configured"
    CLOSED = "closed"


@dataclass(frozen=True, slots=True)
class Openers:
    """How each service is opened. The defaults open what the configuration names; tests
    and benchmarks pass their own (a gate, a failing journal, a push service on fakes)."""

    # None: given to Services as it is (or, for the journal and push, not configured).
    store: Callable[[], StoreRepository] | None = None
    journal: Callable[[], Journal | None] | None = None
    push: Callable[[StoreRepository, Journal | None], PushService | None] | None = None

    @classmethod
    def configured(cls, settings: Settings) -> Openers:
        def open_store() -> StoreRepository:
            from inspector.store.opening import open_configured_store

            return open_configured_store(settings)

        def open_journal() -> Journal | None:
            from inspector.journal import Journal

            return Journal.open(settings)

        def open_push(store: StoreRepository, journal: Journal | None) -> PushService | None:
            from inspector.push import PushService

            return PushService.from_settings(settings, store, journal)

        return cls(open_store, open_journal, open_push)


@dataclass(frozen=True, slots=True)
class OpenReport:
    """What the first attempt to open found: the store's error, and warnings to show."""

    store_error: BaseException | None
    warnings: tuple[str, ...]


class Services:
    """The services of one configuration; closes what it opened, never what it was given."""

    def __init__(
        self,
        settings: Settings,
        openers: Openers | None = None,
        *,
        store: StoreRepository | None = None,
        journal: Journal | None = None,
        push: PushService | None = None,
    ) -> None:
        """Given services are used as they are (and stay the caller's to close); the
        others are opened by `openers` (default: what the configuration names)."""
        self.settings = settings
        self._openers = openers
        self._store = store
        self._store_error: BaseException | None = None
        self.journal: Journal | None = journal
        self.journal_error: BaseException | None = None
        self.push: PushService | None = push
        self.push_error: BaseException | None = None
        self._push_pending = openers is not None and openers.push is not None and push is None
        # Held while a store is being opened (seconds); `close()` must never wait for it.
        self._open_lock = threading.Lock()
        # Held for moments: the closed flag, the list of opened services, push pending.
        self._lock = threading.Lock()
        self._first_attempt = threading.Event()
        self._opened: list[_Closable] = []
        self._closed = False
        # Nothing to open before a lookup may run: the first attempt is over already.
        needs_journal = journal is None and openers is not None and openers.journal is not None
        if (store is not None or openers is None) and not needs_journal:
            self._first_attempt.set()

    @classmethod
    def configured(cls, settings: Settings) -> Services:
        return cls(settings, Openers.configured(settings))

    # -- state ------------------------------------------------------------------------

    @property
    def opening(self) -> bool:
        """True while the store or the journal is being opened for the first time."""
        return not self._first_attempt.is_set()

    @property
    def push_opening(self) -> bool:
        return self._push_pending

    @property
    def state(self) -> State:
        """The store's state: the one service the inspector cannot work without."""
        if self._closed:
            return State.CLOSED
        if self._store is not None:
            return State.OPEN
        if self.opening:
            return State.OPENING
        return State.FAILED

    def describe(self) -> str:
        """The store's state in words, for a status line; a regional profile's stores
        are each named (`eu: host/db, us: host/db`)."""
        state = self.state
        stores = "stores" if self.settings.regional else "store"
        if state is State.OPEN:
            verb = "are" if self.settings.regional else "is"
            return f"The {stores} {self.settings.store_label} {verb} open."
        if state is State.OPENING:
            return f"Opening the {stores} {self.settings.store_label}…"
        if state is State.FAILED and self._store_error is not None:
            return describe_error(self._store_error)
        return f"The store is {state.value}."

    # -- opening ------------------------------------------------------------------------

    def open(self, *, push: bool = True) -> OpenReport:
        """Blocking (run it in a worker): the store, then the journal; then, with `push`,
        the push service (a UI opens it apart, so that the search box is ready without
        waiting for the push clients to load). Failures are reported, never raised."""
        warnings: list[str] = []
        store_error: BaseException | None = None
        if self.opening:
            try:
                store = self._attempt_store()
            except Exception as exc:
                store_error = exc
            else:
                # Regional stores: one that could not be opened is said (the others work).
                warnings.extend(store.open_warnings)
            self._open_journal(warnings)
            self._first_attempt.set()
        if push:
            warnings.extend(self.open_push())
        return OpenReport(store_error, tuple(warnings))

    def _open_journal(self, warnings: list[str]) -> None:
        opener = self._openers.journal if self._openers is not None else None
        if opener is None or self.journal is not None:
            return
        try:
            journal = opener()
        except Exception as exc:
            self.journal_error = exc
            warnings.append(
                f"{describe_error(exc)} Nothing is audited: reveals, exports and sends are refused."
            )
            return
        if journal is not None and self._keep(journal):
            self.journal = journal

    def open_push(self) -> tuple[str, ...]:
        """Once the store is open: the push service, opened once; its warnings (a failure
        is a warning, never an error: the inspector works without push)."""
        with self._lock:
            if not self._push_pending or self._store is None or self._openers is None:
                return ()
            self._push_pending = False
            opener = self._openers.push
        assert opener is not None  # _push_pending implies an opener
        try:
            push = opener(self._store, self.journal)
        except Exception as exc:  # a push setup problem must not keep the inspector closed
            self.push_error = exc
            # The sentence names the service already: the error's own first line follows.
            return (f"Push is not configured: {first_line(exc, 200)}",)
        if push is not None and self._keep(push):
            self.push = push
        return ()

    def store(self) -> StoreRepository:
        """From a worker thread: the store, once the first attempt is over. A caller that
        waited for a failed attempt gets its error; a later caller tries again."""
        waited = self.opening
        self._first_attempt.wait()
        if self._closed:
            from inspector.store.errors import StoreError

            raise StoreError("the inspector is closing")
        if self._store is not None:
            return self._store
        if waited and self._store_error is not None:
            raise self._store_error
        return self._attempt_store()

    def store_if_open(self) -> StoreRepository:
        """On an event loop (never waits): the store, or StoreError while it is not open."""
        if self._store is not None:
            return self._store
        from inspector.store.errors import StoreError

        raise StoreError("the store is still being opened: try again in a moment")

    def _attempt_store(self) -> StoreRepository:
        with self._open_lock:
            if self._store is not None:
                return self._store
            opener = self._openers.store if self._openers is not None else None
            if opener is None:
                from inspector.store.errors import StoreError

                raise StoreError("no store was given and none is configured")
            try:
                store = opener()
            except BaseException as exc:
                self._store_error = exc
                raise
            self._store_error = None
            if self._keep(store):
                self._store = store
        if self._closed:
            from inspector.store.errors import StoreError

            raise StoreError("the inspector is closing")
        return store

    def _keep(self, service: _Closable) -> bool:
        """Remember a service opened here; closed at once (False) if the services are
        closed already."""
        with self._lock:
            if not self._closed:
                self._opened.append(service)
                return True
        service.close()
        return False

    def close(self) -> None:
        """Close what was opened here and wake any thread waiting for the store."""
        with self._lock:
            self._closed = True
            opened, self._opened = self._opened, []
        self._first_attempt.set()
        for service in reversed(opened):
            with contextlib.suppress(Exception):  # on the way out: nothing left to tell
                service.close()
