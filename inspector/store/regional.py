"""Several stores of one profile (regional stores: `eu`, `us`…) behind the interface of one.

A lookup asks every store at once, each within its own deadline (the statement timeout,
plus a moment for the server's own cancellation, which says more, to arrive first): a
server on a worker thread of its own, so that a connect that hangs is cut off by the same
deadline; a SQLite store, which cannot hang past its own timeout, in the caller's. What
the stores found is merged, each installation marked with its store's name. A store that
fails or does not answer in time leaves its results out and says so in a warning naming
it: the caller gets the others' results, never a crash and never a silent gap. Only when
no store answered is the lookup an error.

The cap applies per store: each returns at most `result_cap` rows per key and counts the
rest, and the counts add up, so "N more" stays true across stores.

An Installation ID is looked up in every store; one held by two stores is refused as
ambiguous (AmbiguousInstallation). History and activity go to the installation's store:
the one named, else the one it was last read from, else the one found to hold it.

The workers are daemon threads: a store that never answers cannot keep the process from
exiting. A store with MAX_OVERDUE calls still running past their deadline is not asked
again until one of them ends (each holds a thread), and says so.
"""

from __future__ import annotations

import contextlib
import queue
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from inspector.errors import plain_first_line
from inspector.lookup import KeyKind, Lookup
from inspector.store.errors import (
    AmbiguousInstallation,
    IncompleteAnswer,
    StoreError,
    StoreTimeout,
    StoreUnavailable,
    UnknownStore,
)
from inspector.store.records import (
    App,
    DayActivity,
    FindResult,
    HistoryCursor,
    HistoryPage,
    Installation,
    Match,
)
from inspector.store.repository import StoreRepository

if TYPE_CHECKING:
    from sqlalchemy.engine import URL, Engine

T = TypeVar("T")

# How long past its statement timeout a store's answer is waited for.
GRACE_S = 0.5
# Calls a store may leave running past their deadline before it is not asked again.
MAX_OVERDUE = 2
# Installation IDs whose store is remembered, for history and activity without a name.
REMEMBERED = 10_000
# How long closing waits for idle workers to give their connections back.
CLOSE_WAIT_S = 1.0


class _Gather:
    """The calls of one fan-out: the caller sleeps once, until the last one is done (or
    given up on), instead of once per store."""

    __slots__ = ("_all", "_left", "_lock")

    def __init__(self, calls: int) -> None:
        self._lock = threading.Lock()
        self._left = calls
        self._all = threading.Lock()
        if calls:
            self._all.acquire()

    def one_done(self) -> None:
        with self._lock:
            self._left -= 1
            last = self._left == 0
        if last:
            self._all.release()

    def wait(self, timeout: float) -> bool:
        """True once every call is done; False when `timeout` seconds passed first."""
        if self._all.acquire(timeout=max(0.0, timeout)):
            self._all.release()
            return True
        return False


_QUEUED, _RUNNING, _DONE = range(3)


class _Job:
    """One call to one store: its answer or error, once `state` is done."""

    __slots__ = ("abandoned", "call", "error", "gather", "state", "value")

    def __init__(self, call: Callable[[], Any], gather: _Gather) -> None:
        self.call = call
        self.gather = gather
        self.state = _QUEUED
        self.abandoned = False
        self.value: Any = None
        self.error: BaseException | None = None


def _run(call: Callable[..., Any], *args: Any) -> tuple[Any, BaseException | None]:
    """The call's value, or the exception it raised (handed to the caller, who decides)."""
    try:
        return call(*args), None
    except BaseException as exc:
        return None, exc


class _Lane:
    """One store and its workers: daemon threads fed from one queue, as many as calls
    have been in flight at once."""

    def __init__(self, repo: StoreRepository, timeout_s: float) -> None:
        self.repo = repo
        self.name = repo.name
        self.timeout_s = timeout_s
        self.deadline_s = timeout_s + GRACE_S
        # SQLite: a local file, no connection to hang, and its own timeout interrupts a
        # slow statement (store/engine.py), so its call cannot outlive the deadline: the
        # caller runs it in its own thread, one thread hop fewer per lookup.
        self.inline = repo.url.get_backend_name() == "sqlite"
        self._jobs: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._idle = 0  # workers waiting for a job, less the jobs queued for them
        self._threads = 0
        self._late: set[_Job] = set()  # given up on while running
        self._workers: list[threading.Thread] = []
        self._closed = False

    def submit(self, call: Callable[[], Any], gather: _Gather) -> _Job | None:
        """The call, queued for a worker; None when the store still has MAX_OVERDUE
        calls running past their deadline."""
        with self._lock:
            if self._closed:
                raise StoreError("the inspector is closing")
            if len(self._late) >= MAX_OVERDUE:
                return None
            spawn = self._idle == 0
            if spawn:
                self._threads += 1
            else:
                self._idle -= 1
        job = _Job(call, gather)
        self._jobs.put(job)
        if spawn:
            worker = threading.Thread(target=self._work, name=f"store-{self.name}", daemon=True)
            with self._lock:
                self._workers.append(worker)
            worker.start()
        return job

    def _work(self) -> None:
        # A worker holds its driver connection from one call to the next: no pool
        # checkout and no ping per lookup (a round trip to a distant region). It is let go
        # after any failure; a call that failed as unreachable on a connection held from
        # before (the server dropped it meanwhile) is run once more on a fresh one.
        holding = contextlib.ExitStack()
        held = False
        try:
            while (job := self._jobs.get()) is not None:
                with self._lock:
                    run = not job.abandoned
                    job.state = _RUNNING
                if run:
                    reused = held
                    if not held:
                        hold = self.repo.held_connection(live_reads=True)
                        job.error = _run(holding.enter_context, hold)[1]
                        held = job.error is None
                    if job.error is None:
                        job.value, job.error = _run(job.call)
                    if isinstance(job.error, StoreUnavailable) and reused:
                        holding.close()
                        held = False
                        job.value, job.error = _run(job.call)
                    if job.error is not None and held:
                        holding.close()
                        held = False
                with self._lock:
                    job.state = _DONE
                    self._late.discard(job)
                    self._idle += 1
                    tell = not job.abandoned
                if tell:
                    job.gather.one_done()
        finally:
            holding.close()

    def give_up(self, job: _Job) -> bool:
        """Past the deadline: True when the call is abandoned (never started, or counted
        as overdue until it ends), False when it has just finished."""
        with self._lock:
            if job.state == _DONE:
                return False
            job.abandoned = True
            if job.state == _RUNNING:
                self._late.add(job)
        job.gather.one_done()
        return True

    @property
    def busy_text(self) -> str:
        return f"the store at {self.repo.label} has not answered its last {MAX_OVERDUE} queries yet"

    def close(self) -> None:
        with self._lock:
            self._closed = True
            threads, self._threads = self._threads, 0
            workers, self._workers = self._workers, []
        for _ in range(threads):
            self._jobs.put(None)
        # Idle workers give their connections back at once; one still stuck in a call is
        # not waited for (its connection goes with the process).
        until = time.monotonic() + CLOSE_WAIT_S
        for worker in workers:
            worker.join(max(0.0, until - time.monotonic()))
        self.repo.close()


@dataclass(frozen=True, slots=True)
class _Outcome(Generic[T]):
    lane: _Lane
    value: T | None = None
    error: BaseException | None = None


class RegionalStore(StoreRepository):
    """The stores of a regional profile, asked together. A StoreRepository for its
    callers (the command line, the UI, the push service): the same methods, the same
    records, with `Installation.store` naming the store each came from. It has no
    engine or URL of its own."""

    def __init__(self, members: Sequence[StoreRepository], *, statement_timeout_s: float) -> None:
        # No super().__init__(): there is no one engine. Everything the callers use is
        # overridden below.
        names = [m.name for m in members]
        if len(members) < 2 or "" in names or len(set(names)) != len(names):
            raise ValueError("regional stores are two or more, each with its own name")
        self.name = ""
        self._lanes = {m.name: _Lane(m, statement_timeout_s) for m in members}
        self._where: OrderedDict[str, frozenset[str]] = OrderedDict()
        self._where_lock = threading.Lock()
        # What opening found: a store that could not be checked then (it is tried again
        # on every lookup).
        self.open_warnings: tuple[str, ...] = ()

    @classmethod
    def open_all(
        cls, stores: Sequence[tuple[str, URL]], *, statement_timeout_s: float = 5.0
    ) -> RegionalStore:
        """Open every store and check each against schema.sql, all at once. A store that
        fails its check is kept (and named in `open_warnings`); none passing is an error,
        and then nothing stays open."""
        members: list[StoreRepository] = []
        try:
            for name, url in stores:
                members.append(
                    StoreRepository.open(url, statement_timeout_s=statement_timeout_s, name=name)
                )
            store = cls(members, statement_timeout_s=statement_timeout_s)
        except BaseException:
            for member in members:
                member.close()
            raise
        try:
            store.open_warnings = store._check_all()
        except BaseException:
            store.close()
            raise
        return store

    # -- what the callers read ----------------------------------------------------------

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self._lanes)

    @property
    def members(self) -> tuple[StoreRepository, ...]:
        return tuple(lane.repo for lane in self._lanes.values())

    @property
    def engine(self) -> Engine:
        raise StoreError("a profile of several stores has no single engine")

    @property
    def label(self) -> str:
        return ", ".join(f"{lane.name}: {lane.repo.label}" for lane in self._lanes.values())

    def label_of(self, store: str) -> str:
        return self._lane(store).repo.label

    @property
    def result_cap(self) -> int:
        return next(iter(self._lanes.values())).repo.result_cap

    @result_cap.setter
    def result_cap(self, cap: int) -> None:
        for lane in self._lanes.values():
            lane.repo.result_cap = cap

    def close(self) -> None:
        for lane in self._lanes.values():
            lane.close()

    def check_schema(self) -> None:
        """Every store checked (each once it has passed); an error only when none passes."""
        self._check_all()

    @contextmanager
    def held_connection(self, *, live_reads: bool = False) -> Iterator[None]:
        """A run of lookups (`find -`): the stores' workers hold their connections
        already (a SQLite store, asked in the caller's thread, uses its pool)."""
        yield

    # -- lookups --------------------------------------------------------------------------

    def find(self, lookup: Lookup) -> FindResult:
        outcomes = self._ask(lambda repo: repo.find(lookup))
        answered = [o.value for o in outcomes if o.error is None and o.value is not None]
        if not answered:
            raise _none_answered(outcomes)
        order = {probe.kind: n for n, probe in enumerate(lookup.probes)}
        matches = [m for result in answered for m in result.matches]
        # As one store orders them: by the first key that matched, then newest first.
        matches.sort(key=_recency, reverse=True)
        matches.sort(key=lambda m: order.get(m.matched_by[0], len(order)) if m.matched_by else 0)
        # Each store counted what its cap left out: the counts add up ("more than
        # 10,000" in any store is more than 10,000 in all).
        more: dict[KeyKind, int | None] = {}
        for result in answered:
            for kind, n in result.more.items():
                before = more.get(kind, 0)
                more[kind] = None if n is None or before is None else before + n
        self._remember(m.installation for m in matches)
        return FindResult(tuple(matches), more, _warnings(outcomes))

    def apps(self, *, limit: int = 500) -> list[App]:
        """Every store's apps, asked at once, by app id (an app id two stores hold, the
        first store's); the stores that answered when one did not."""
        outcomes = self._ask(lambda repo: repo.apps(limit=limit))
        answered = [o.value for o in outcomes if o.error is None and o.value is not None]
        if not answered:
            raise _none_answered(outcomes)
        found: dict[str, App] = {}
        for store_apps in answered:
            for app in store_apps:
                found.setdefault(app.app_id, app)
        return [found[app_id] for app_id in sorted(found)][:limit]

    def get(self, installation_id: str, *, store: str | None = None) -> Installation | None:
        """The installation from the one store that holds it (`store`: from that store
        only). AmbiguousInstallation when two stores hold it; IncompleteAnswer when no
        store that answered holds it and another did not answer. Held by a store that
        answered while another did not, it is given (a read stays possible while a region
        is down); a send asks `sole_holder`."""
        if store:
            lane = self._lane(store)
            found = self._one(lane, lambda repo: repo.get(installation_id, store=store))
            self._remember((found,) if found is not None else ())
            return found
        return self._holder(installation_id, every_store=False)

    def sole_holder(self, installation_id: str) -> Installation | None:
        """As get(), for a send: only when every store answered, so that the one store
        found to hold the installation is known to be the only one. IncompleteAnswer,
        naming the store, when one did not answer."""
        return self._holder(installation_id, every_store=True)

    def _holder(self, installation_id: str, *, every_store: bool) -> Installation | None:
        outcomes = self._ask(lambda repo: repo.get(installation_id))
        holding = [o.value for o in outcomes if o.error is None and o.value is not None]
        if len(holding) > 1:
            names = ", ".join(inst.store for inst in holding)
            raise AmbiguousInstallation(
                f"installation {installation_id} is in more than one store ({names}),"
                " so it is ambiguous"
            )
        failed = [o for o in outcomes if o.error is not None]
        if holding and failed and every_store:
            raise _incomplete(
                failed,
                f"installation {installation_id} is in {holding[0].store}, and whether"
                " another store holds it too cannot be told: ",
            )
        if holding:
            self._remember(holding)
            return holding[0]
        if len(failed) == len(outcomes):
            raise _none_answered(outcomes)
        if failed:
            asked = ", ".join(o.lane.name for o in outcomes if o.error is None)
            raise _incomplete(failed, f"installation {installation_id} is not in {asked}, and ")
        return None

    # -- history and activity: in the installation's store ----------------------------

    def history(
        self,
        installation_id: str,
        *,
        before: HistoryCursor | None = None,
        kinds: Collection[str] | None = None,
        limit: int = 50,
        store: str | None = None,
    ) -> HistoryPage:
        name = store or self._store_of(installation_id)
        if name is None:
            return HistoryPage((), None)
        return self._one(
            self._lane(name),
            lambda repo: repo.history(
                installation_id, before=before, kinds=kinds, limit=limit, store=name
            ),
        )

    def activity(
        self,
        installation_id: str,
        *,
        days: int = 90,
        now: datetime | None = None,
        store: str | None = None,
    ) -> list[DayActivity]:
        name = store or self._store_of(installation_id)
        if name is None:  # no store holds it: no events, every day a zero
            first_day = ((now or datetime.now(UTC)) - timedelta(days=days - 1)).date()
            return [DayActivity(first_day + timedelta(days=n), 0, 0, 0) for n in range(days)]
        return self._one(
            self._lane(name),
            lambda repo: repo.activity(installation_id, days=days, now=now, store=name),
        )

    def _store_of(self, installation_id: str) -> str | None:
        """The store an installation was last read from, else the one that holds it."""
        with self._where_lock:
            names = self._where.get(installation_id)
        if names is not None and len(names) > 1:
            raise AmbiguousInstallation(
                f"installation {installation_id} is in more than one store"
                f" ({', '.join(sorted(names))}), so it is ambiguous"
            )
        if names:
            return next(iter(names))
        found = self.get(installation_id)
        return found.store if found is not None else None

    def _remember(self, installations: Iterable[Installation]) -> None:
        with self._where_lock:
            where = self._where
            for inst in installations:
                iid = inst.installation_id
                known = where.get(iid)
                if known is None:
                    where[iid] = frozenset((inst.store,))
                else:
                    where[iid] = known | {inst.store}
                    where.move_to_end(iid)
            while len(where) > REMEMBERED:
                where.popitem(last=False)

    # -- asking ---------------------------------------------------------------------------

    def _lane(self, name: str) -> _Lane:
        lane = self._lanes.get(name)
        if lane is None:
            raise UnknownStore(
                f"this profile has no store named {name!r} (stores: {', '.join(self._lanes)})"
            )
        return lane

    def _ask(
        self, call: Callable[[StoreRepository], T], lanes: Sequence[_Lane] | None = None
    ) -> list[_Outcome[T]]:
        """Every store at once; each answer, or the error of a store that failed or
        missed its deadline, in the order the profile names the stores."""
        lanes = list(self._lanes.values()) if lanes is None else lanes
        started = time.monotonic()
        # One SQLite store (if any) is asked here, while the workers ask the others.
        here = next((lane for lane in lanes if lane.inline), None)
        gather = _Gather(len(lanes) - (here is not None))
        jobs: dict[_Lane, _Job | None] = {}
        for lane in lanes:
            if lane is here:
                continue
            jobs[lane] = job = lane.submit(partial(call, lane.repo), gather)
            if job is None:
                gather.one_done()
        answered: dict[_Lane, _Outcome[T]] = {}
        if here is not None:
            try:
                answered[here] = _Outcome(here, call(here.repo))
            except Exception as exc:  # handed on like a worker's
                answered[here] = _Outcome(here, error=exc)
        errors: dict[_Lane, BaseException] = {}
        waiting = [lane for lane, job in jobs.items() if job is not None]
        while waiting:
            first = min(started + lane.deadline_s for lane in waiting)
            if gather.wait(first - time.monotonic()):
                break
            now = time.monotonic()
            for lane in [ln for ln in waiting if started + ln.deadline_s <= now]:
                waiting.remove(lane)
                job = jobs[lane]
                if job is not None and lane.give_up(job):
                    errors[lane] = StoreTimeout(
                        f"the store at {lane.repo.label} did not answer within {lane.timeout_s:g} s"
                    )
        outcomes: list[_Outcome[T]] = []
        for lane in lanes:
            job = jobs.get(lane)
            if lane in answered:
                outcomes.append(answered[lane])
            elif job is None:
                outcomes.append(_Outcome(lane, error=StoreUnavailable(lane.busy_text)))
            elif lane in errors:
                outcomes.append(_Outcome(lane, error=errors[lane]))
            else:
                outcomes.append(_Outcome(lane, job.value, job.error))
        return outcomes

    def _one(self, lane: _Lane, call: Callable[[StoreRepository], T]) -> T:
        """One store's answer within its deadline; its error names it."""
        (outcome,) = self._ask(call, (lane,))
        if outcome.error is not None:
            raise _named(outcome)
        return outcome.value  # type: ignore[return-value]

    def _check_all(self) -> tuple[str, ...]:
        outcomes = self._ask(lambda repo: repo.check_schema())
        if all(o.error is not None for o in outcomes):
            raise _none_answered(outcomes)
        return tuple(
            f"the store {o.lane.name} could not be opened (lookups will try it again): {_reason(o)}"
            for o in outcomes
            if o.error is not None
        )


def _recency(match: Match) -> tuple[int, float]:
    seen = match.installation.last_seen_at
    return (0, 0.0) if seen is None else (1, seen.timestamp())


def _reason(outcome: _Outcome[Any]) -> str:
    error = outcome.error
    assert error is not None
    return plain_first_line(error, 200)


def _warnings(outcomes: Sequence[_Outcome[Any]]) -> tuple[str, ...]:
    """One line per store that did not answer, naming it (plain text: escaped where
    shown)."""
    return tuple(
        f"the store {o.lane.name} is missing from these results: {_reason(o)}"
        for o in outcomes
        if o.error is not None
    )


def _named(outcome: _Outcome[Any]) -> BaseException:
    """A store's error with its name in front, of the same kind (a defect as it is)."""
    error = outcome.error
    assert error is not None
    if not isinstance(error, StoreError):
        return error
    named = type(error)(f"store {outcome.lane.name}: {_reason(outcome)}")
    named.__cause__ = None
    return named


def _none_answered(outcomes: Sequence[_Outcome[Any]]) -> BaseException:
    """No store answered: a timeout when every store was too slow, unreachable when
    every one was, else a store error; each store named. A defect is raised as it is."""
    errors = [o.error for o in outcomes]
    for error in errors:
        if error is not None and not isinstance(error, StoreError):
            return error
    reasons = "; ".join(f"{o.lane.name}: {_reason(o)}" for o in outcomes)
    message = f"no store answered ({reasons})"
    if all(isinstance(e, StoreTimeout) for e in errors):
        return StoreTimeout(message)
    if all(isinstance(e, StoreUnavailable) for e in errors):
        return StoreUnavailable(message)
    return StoreError(message)


def _incomplete(failed: Sequence[_Outcome[Any]], head: str) -> BaseException:
    """The answer depends on stores that did not answer: IncompleteAnswer naming them."""
    for o in failed:
        if not isinstance(o.error, StoreError):
            assert o.error is not None
            return o.error
    if len(failed) == 1:
        tail = f"the store {failed[0].lane.name} did not answer: {_reason(failed[0])}"
    else:
        names = ", ".join(o.lane.name for o in failed)
        reasons = "; ".join(f"{o.lane.name}: {_reason(o)}" for o in failed)
        tail = f"the stores {names} did not answer ({reasons})"
    return IncompleteAnswer(head + tail)
