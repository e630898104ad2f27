"""The journal: the inspector's own database of audit records and test devices.

Appends take the chain head's lock (SQLite BEGIN IMMEDIATE, SELECT ... FOR UPDATE on
PostgreSQL and MariaDB), so concurrent inspectors extend one chain. Every method is
synchronous and may be called from worker threads; failures raise JournalError.

Over 400 lines on purpose: every write goes through one append path under the chain
head's lock (records, lookup batches, push intents with their limits read in the same
transaction, test devices), and keeping that path and its callers in one class is what
makes the chain's guarantees readable. Schema and migrations are in schema.py and
migrate.py, hashing in chain.py.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, NamedTuple

from sqlalchemy import (
    DateTime,
    Select,
    and_,
    bindparam,
    delete,
    func,
    insert,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.engine import Connection, Engine

from inspector.config import Settings, describe_url
from inspector.dburl import family, same_database
from inspector.journal.chain import HASHED_COLUMNS, canonical_at, record_hash, walk
from inspector.journal.engine import WRITE, open_engine, translated
from inspector.journal.errors import (
    IntentRefused,
    JournalRefused,
    TestDeviceError,
    TestDeviceExists,
    TestDeviceNotFound,
)
from inspector.journal.keyed import KeyedHasher, Scrubber
from inspector.journal.migrate import ensure_schema
from inspector.safetext import clip, field, has_unsafe

if TYPE_CHECKING:
    from inspector.journal.records import AuditEntry, SendHistory, TestDevice, VerifyResult
    from inspector.lookup import Lookup

MAX_DETAILS_CHARS = 32_000


# The append path, written out as SQL text: a lookup's single append is the first and
# only use of these in a process, and compiling Core constructs for it costs more than
# the rest of the append bar the commit's fsync. The same SQL on every dialect, and no
# Table needed: journal/schema.py is loaded by the first read, change or upgrade.
_COLUMNS = (*HASHED_COLUMNS, "prev_hash", "hash")
_INSERT_RECORD = text(
    f"INSERT INTO audit_log ({', '.join(_COLUMNS)}) VALUES ({', '.join(':' + c for c in _COLUMNS)})"
).bindparams(bindparam("at", type_=DateTime()))  # SQLite keeps SQLAlchemy's text format
_MOVE_HEAD = text("UPDATE audit_chain_head SET seq = :new_seq, hash = :new_hash WHERE id = 1")
_HEAD = text("SELECT seq, hash FROM audit_chain_head WHERE id = 1")
_HEAD_LOCKED = text("SELECT seq, hash FROM audit_chain_head WHERE id = 1 FOR UPDATE")
_HASH_KEY = "SELECT value FROM journal_meta WHERE name = 'hash_key'"
# The operator cap counts intents in this window before now.
CAP_WINDOW = timedelta(minutes=1)


class Intent(NamedTuple):
    """One send's intent as its sender gives it."""

    installation_id: str
    provider: str
    details: dict[str, Any]


class Draft(NamedTuple):
    """A record as its writer gives it, before it is stamped and chained."""

    action: str
    installation_id: str | None = None
    outcome: str = "ok"
    details: dict[str, Any] | None = None
    ref_id: int | None = None


def _utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _naive(value: datetime) -> datetime:
    return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value


def _aware(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC)


class Journal:
    def __init__(self, engine: Engine, settings: Settings, hasher: KeyedHasher) -> None:
        self._engine = engine
        self._url = settings.journal_url
        self._settings = settings
        self._hasher = hasher
        self._lock = threading.Lock()
        self._family = family(engine.dialect.name)
        self._scrub = Scrubber(list(settings.secrets()))
        self._operator = field(self._scrub.text(settings.operator), 200)
        self._environment = field(settings.environment.value, 32)
        self._store = field(settings.store_label, 300)
        self._profile = field(settings.profile, 64)

    # -- opening -----------------------------------------------------------------

    @classmethod
    def open(cls, settings: Settings) -> Journal:
        """Open (and create or upgrade) the journal; JournalError when it cannot."""
        url = settings.journal_url
        # First by name (no connection yet), then by what the database holds: a journal
        # URL that reaches the store under another name still finds its tables. Every
        # store of a regional profile counts.
        if not settings.is_demo:
            for store in settings.stores:
                if same_database(url, store.url):
                    which = "the installation store" + (f" {store.name!r}" if store.name else "")
                    raise JournalRefused(
                        f"the journal's URL ({_journal_setting(settings)}) names {which} "
                        "itself; the journal needs a database of its own (the store is "
                        "never written)"
                    )
        engine = open_engine(url, timeout_s=max(settings.statement_timeout_s, 0.1))
        try:
            with translated(url, "be opened"):
                ensure_schema(engine, describe_url(url))
                with engine.connect() as conn:
                    stored_key = conn.exec_driver_sql(_HASH_KEY).scalar_one()
        except BaseException:
            engine.dispose()
            raise
        if settings.journal_hash_key:
            hasher = KeyedHasher(settings.journal_hash_key.encode(), "configured")
        else:
            hasher = KeyedHasher(bytes.fromhex(stored_key), "journal")
        return cls(engine, settings, hasher)

    def close(self) -> None:
        self._engine.dispose()

    @property
    def label(self) -> str:
        """host/database of the journal, never a password."""
        return describe_url(self._url)

    def __repr__(self) -> str:
        return f"Journal({self.label})"

    # -- appending ---------------------------------------------------------------

    @contextmanager
    def _writing(self, doing: str) -> Iterator[Connection]:
        with self._lock, translated(self._url, doing), self._engine.connect() as conn:
            conn.execution_options(**{WRITE: True})
            with conn.begin():
                yield conn

    def _head(self, conn: Connection) -> tuple[int, str]:
        """The chain head, locked until the transaction ends: SQLite holds the write lock
        since BEGIN IMMEDIATE; the servers lock the head row."""
        head = _HEAD if self._family == "sqlite" else _HEAD_LOCKED
        last_seq, prev_hash = conn.execute(head).one()
        return int(last_seq), str(prev_hash)

    def _chained(self, seq: int, prev_hash: str, draft: Draft) -> dict[str, Any]:
        """The row of record `seq`, hashed onto `prev_hash`."""
        iid = draft.installation_id
        values: dict[str, Any] = {
            "seq": seq,
            "at": _utcnow(),
            "operator": self._operator,
            "environment": self._environment,
            "store": self._store,
            "installation_id": None if iid is None else field(self._scrub.text(iid), 128),
            "action": field(draft.action, 64),
            "outcome": field(self._scrub.text(draft.outcome), 200),
            "ref_id": draft.ref_id,
            "details": self._details_text(draft.details),
            "profile": self._profile,
        }
        fields = [values[c] for c in HASHED_COLUMNS]
        fields[1] = canonical_at(values["at"])
        values["prev_hash"] = prev_hash
        values["hash"] = record_hash(fields, prev_hash)
        return values

    def _append(self, conn: Connection, *drafts: Draft, head: tuple[int, str] | None = None) -> int:
        """Chain the drafts onto the head (`head` when the caller has already read and
        locked it), insert them in one statement and move the head; the last id."""
        seq, prev_hash = head or self._head(conn)
        rows = []
        for draft in drafts:
            seq += 1
            row = self._chained(seq, prev_hash, draft)
            prev_hash = row["hash"]
            rows.append(row)
        conn.execute(_INSERT_RECORD, rows if len(rows) > 1 else rows[0])
        conn.execute(_MOVE_HEAD, {"new_seq": seq, "new_hash": prev_hash})
        return seq

    def _details_text(self, details: dict[str, Any] | None) -> str:
        # ASCII JSON: control characters and non-ASCII are escapes in the stored text.
        text = json.dumps(
            self._scrub.value(details or {}), sort_keys=True, ensure_ascii=True,
            separators=(",", ":"), default=str,
        )  # fmt: skip
        if len(text) > MAX_DETAILS_CHARS:
            text = json.dumps({"_truncated": True, "preview": text[:4000]}, ensure_ascii=True)
        return text

    def record(
        self,
        action: str,
        *,
        installation_id: str | None = None,
        outcome: str = "ok",
        details: dict[str, Any] | None = None,
        limit: Callable[[SendHistory], str | None] | None = None,
    ) -> int:
        """Append one record; returns its id. JournalError when it cannot be written.
        `limit` as for push_intent: checked with the chain head locked (a proof checks the
        operator's cap so), IntentRefused and nothing written when it gives a reason."""
        if not action or not action.strip():
            raise ValueError("an audit record needs an action")
        with self._writing("record the action") as conn:
            head = self._head(conn)
            if limit is not None:
                problem = limit(self._history(conn, installation_id, datetime.now(UTC)))
                if problem:
                    raise IntentRefused(problem)
            return self._append(conn, Draft(action, installation_id, outcome, details), head=head)

    def probe_hash(self, kind: str, value: str) -> str:
        """The keyed hash a lookup of (kind, value) is recorded under."""
        return self._hasher.digest(kind, value)

    def _lookup_details(self, lookup: Lookup, found: int) -> dict[str, Any]:
        return {
            "key_kinds": [p.kind.value for p in lookup.probes],
            "probes": [
                {"kind": p.kind.value, "hmac": self._hasher.digest(p.kind.value, p.value)}
                for p in lookup.probes
            ],
            "found": int(found),
            "hash_key": self._hasher.source,
        }

    def record_lookup(self, lookup: Lookup, *, outcome: str, found: int) -> int:
        return self.record("lookup", outcome=outcome, details=self._lookup_details(lookup, found))

    def record_lookups(self, items: Iterable[tuple[Lookup, str, int]]) -> list[int]:
        """Many lookups, each (lookup, outcome, found), as records in one transaction: one
        head lock, one insert, one commit. All are written or none. Returns their ids in
        the order given. The caller bounds a batch (a few hundred to a few thousand)."""
        drafts = [Draft("lookup", None, outcome, self._lookup_details(lookup, found))
                  for lookup, outcome, found in items]  # fmt: skip
        if not drafts:
            return []
        with self._writing("record the lookups") as conn:
            last = self._append(conn, *drafts)
        return list(range(last - len(drafts) + 1, last + 1))

    def push_intent(
        self,
        *,
        installation_id: str,
        provider: str,
        details: dict[str, Any],
        limit: Callable[[SendHistory], str | None] | None = None,
        ref_id: int | None = None,
    ) -> int:
        """Written and committed before any network call; JournalError means do not send.

        `limit` reads the send history with the chain head locked, in the transaction
        that writes the intent: a send racing from another process waits for this one,
        then sees it. When `limit` gives a reason, IntentRefused carries it and nothing
        is written. `ref_id`: the record of the proof this send belongs to (the proof
        counts once against the operator's cap, not once per device)."""
        (written,) = self.push_intents(
            [Intent(installation_id, provider, details)], limit=limit, ref_id=ref_id
        )
        if isinstance(written, IntentRefused):
            raise written
        return written

    def push_intents(
        self,
        intents: Sequence[Intent],
        *,
        limit: Callable[[SendHistory], str | None] | None = None,
        ref_id: int | None = None,
    ) -> list[int | IntentRefused]:
        """The intents of several sends (a proof's devices) in one transaction: one head
        lock, one insert, one commit, before any of them is sent. Each is checked by
        `limit` as push_intent does, the intents before it in the batch counted as
        written; a refused one is not written and gets its IntentRefused in its place.
        Returns each intent's record id or refusal, in the order given. JournalError:
        none was written, so none may be sent."""
        if not intents:
            return []
        from inspector.journal.records import SendHistory

        with self._writing("record the push intents") as conn:
            head = self._head(conn)
            now = datetime.now(UTC)
            if limit is not None:
                sent, last = self._sends(conn, {i.installation_id for i in intents}, now)
            drafts: list[Draft] = []
            slots: list[int | IntentRefused] = []  # an index into drafts, or the refusal
            counted = 0
            devices: set[str] = set()
            for intent in intents:
                iid = intent.installation_id
                if limit is not None:
                    problem = limit(
                        SendHistory(now, sent + counted, now if iid in devices else last.get(iid))
                    )
                    if problem:
                        slots.append(IntentRefused(problem))
                        continue
                slots.append(len(drafts))
                drafts.append(Draft("push.intent", iid, "pending",
                                    {**intent.details, "provider": intent.provider},
                                    ref_id=ref_id))  # fmt: skip
                if ref_id is None:  # a proof's intents count once, as the proof
                    counted += 1
                devices.add(iid)
            end = self._append(conn, *drafts, head=head) if drafts else head[0]
        first = end - len(drafts) + 1
        return [s if isinstance(s, IntentRefused) else first + s for s in slots]

    def push_outcome(
        self, intent_id: int, *, installation_id: str, outcome: str, details: dict[str, Any]
    ) -> int:
        with self._writing("record the push outcome") as conn:
            answer = Draft("push.outcome", installation_id, outcome,
                           {**details, "intent": intent_id}, ref_id=intent_id)  # fmt: skip
            return self._append(conn, answer)

    # -- reading -----------------------------------------------------------------

    def send_history(self, installation_id: str, now: datetime | None = None) -> SendHistory:
        """This operator's sends and the device's last send as they stand now, for a check
        ahead of the send (a confirmation screen); the send itself checks again, locked."""
        now = now or datetime.now(UTC)
        if now.tzinfo is None:  # a naive time is UTC, as the journal stores it
            now = now.replace(tzinfo=UTC)
        with translated(self._url, "be read"), self._engine.connect() as conn:
            return self._history(conn, installation_id, now)

    def _history(self, conn: Connection, installation_id: str | None, now: datetime) -> SendHistory:
        from inspector.journal.records import SendHistory

        sent, last = self._sends(conn, [] if installation_id is None else [installation_id], now)
        return SendHistory(now, sent, last.get(installation_id or ""))

    def _sends(
        self, conn: Connection, installation_ids: Collection[str], now: datetime
    ) -> tuple[int, dict[str, datetime]]:
        """This operator's sends in the cap's window before `now`, and each device's last
        send (anyone's), in two queries however many devices."""
        sent = conn.execute(_sends_since(self._operator, now - CAP_WINDOW)).scalar_one()
        last: dict[str, datetime] = {}
        if installation_ids:
            for iid, at in conn.execute(_last_sends_to(installation_ids)):
                last[iid] = _aware(at)
        return int(sent), last

    def sends_since(self, operator: str, since: datetime) -> int:
        with translated(self._url, "be read"), self._engine.connect() as conn:
            return int(conn.execute(_sends_since(field(operator, 200), since)).scalar_one())

    def last_send_to(self, installation_id: str) -> datetime | None:
        with translated(self._url, "be read"), self._engine.connect() as conn:
            row = conn.execute(_last_sends_to([installation_id])).first()
        return _aware(row[1]) if row is not None else None

    def entries(
        self,
        *,
        installation_id: str | None = None,
        operator: str | None = None,
        since: datetime | None = None,
        profile: str | None = None,
        limit: int = 200,
    ) -> list[AuditEntry]:
        """Newest first. An intent with no outcome record shows as "outcome unknown".
        `profile` keeps the records written under that profile (records from before the
        journal recorded profiles have none and never match)."""
        from inspector.journal.schema import audit_log

        _LOG = audit_log.c
        stmt = select(audit_log).order_by(_LOG.seq.desc()).limit(max(1, min(limit, 10_000)))
        if installation_id is not None:
            stmt = stmt.where(_LOG.installation_id == installation_id)
        if operator is not None:
            stmt = stmt.where(_LOG.operator == operator)
        if profile is not None:
            stmt = stmt.where(_LOG.profile == profile)
        if since is not None:
            stmt = stmt.where(_LOG.at >= _naive(since))
        with translated(self._url, "be read"), self._engine.connect() as conn:
            rows = conn.execute(stmt).all()
            intents = [r.seq for r in rows if r.action == "push.intent"]
            answered: dict[int, str] = {}
            if intents:
                found = conn.execute(
                    select(_LOG.ref_id, _LOG.outcome).where(
                        _LOG.action == "push.outcome", _LOG.ref_id.in_(intents)
                    )
                )
                answered = {int(ref): outcome for ref, outcome in found}
        return [_entry(r, answered) for r in rows]

    def count(self) -> int:
        from inspector.journal.schema import audit_log

        with translated(self._url, "be read"), self._engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(audit_log)).scalar_one())

    def verify(self) -> VerifyResult:
        """Walk the whole chain in record order; names the first record that breaks it."""
        from inspector.journal.schema import chain_head

        columns = ", ".join((*HASHED_COLUMNS, "prev_hash", "hash"))
        with translated(self._url, "be verified"), self._engine.connect() as conn:
            if self._family != "sqlite":
                # One snapshot for the head and the records.
                conn.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                head = conn.execute(select(chain_head.c.seq).where(chain_head.c.id == 1))
                head_seq = head.scalar()
                rows = conn.execution_options(stream_results=True, yield_per=20_000)
                result = rows.exec_driver_sql(f"SELECT {columns} FROM audit_log ORDER BY seq")
                try:
                    return walk(result, None if head_seq is None else int(head_seq))
                finally:
                    result.close()  # a walk that stops early leaves rows unread

    # -- test devices --------------------------------------------------------------

    def add_test_device(self, installation_id: str, label: str, owner: str) -> TestDevice:
        from inspector.journal.records import TestDevice
        from inspector.journal.schema import test_devices

        _DEV = test_devices.c
        iid = _checked(installation_id, "Installation ID", 128)
        label = _checked(label, "label", 200)
        owner = _checked(owner, "owner", 200) if owner and owner.strip() else self._operator
        with self._writing("register the test device") as conn:
            existing = conn.execute(select(test_devices).where(_DEV.installation_id == iid))
            row = existing.first()
            if row is not None:
                raise TestDeviceExists(
                    f"{iid} is already a test device ({clip(row.label, 60)}); rename it instead"
                )
            device = TestDevice(iid, label, owner, _aware(_utcnow()), self._operator)
            conn.execute(insert(test_devices).values(
                installation_id=iid, label=label, owner=owner,
                added_at=_naive(device.added_at), added_by=device.added_by,
            ))  # fmt: skip
            self._append(conn, Draft("test_device.add", iid, "ok",
                                     {"label": label, "owner": owner}))  # fmt: skip
        return device

    def rename_test_device(self, installation_id: str, label: str) -> TestDevice:
        from inspector.journal.schema import test_devices

        _DEV = test_devices.c
        iid = installation_id.strip()
        label = _checked(label, "label", 200)
        with self._writing("rename the test device") as conn:
            row = conn.execute(select(test_devices).where(_DEV.installation_id == iid)).first()
            if row is None:
                raise TestDeviceNotFound(f"{field(iid, 128)} is not a test device")
            conn.execute(
                update(test_devices).where(_DEV.installation_id == iid).values(label=label)
            )
            self._append(conn, Draft("test_device.rename", iid, "ok",
                                     {"label": label, "previous": row.label}))  # fmt: skip
        return replace(_device(row), label=label)

    def remove_test_device(self, installation_id: str) -> None:
        from inspector.journal.schema import test_devices

        _DEV = test_devices.c
        iid = installation_id.strip()
        with self._writing("remove the test device") as conn:
            row = conn.execute(select(test_devices).where(_DEV.installation_id == iid)).first()
            if row is None:
                raise TestDeviceNotFound(f"{field(iid, 128)} is not a test device")
            conn.execute(delete(test_devices).where(_DEV.installation_id == iid))
            self._append(conn, Draft("test_device.remove", iid, "ok",
                                     {"label": row.label, "owner": row.owner}))  # fmt: skip

    def test_device(self, installation_id: str) -> TestDevice | None:
        from inspector.journal.schema import test_devices

        _DEV = test_devices.c
        stmt = select(test_devices).where(_DEV.installation_id == installation_id.strip())
        with translated(self._url, "be read"), self._engine.connect() as conn:
            row = conn.execute(stmt).first()
        return _device(row) if row is not None else None

    def test_devices(self) -> list[TestDevice]:
        from inspector.journal.schema import test_devices

        with translated(self._url, "be read"), self._engine.connect() as conn:
            devices = [_device(r) for r in conn.execute(select(test_devices))]
        # Sorted here: collations differ between engines.
        return sorted(devices, key=lambda d: (d.label.casefold(), d.installation_id))


def _sends_since(operator: str, since: datetime) -> Select[int]:
    from inspector.journal.schema import audit_log

    _LOG = audit_log.c
    # One action each: a single send, or a proof (its per-device sends refer to it).
    actions = or_(
        and_(_LOG.action == "push.intent", _LOG.ref_id.is_(None)), _LOG.action == "proof.create"
    )
    return select(func.count()).where(actions, _LOG.operator == operator, _LOG.at >= _naive(since))


def _last_sends_to(installation_ids: Collection[str]) -> Select[str, datetime]:
    """(installation id, time) of each device's latest intent."""
    from inspector.journal.schema import audit_log

    _LOG = audit_log.c
    latest = (
        select(func.max(_LOG.seq))
        .where(_LOG.installation_id.in_(list(installation_ids)), _LOG.action == "push.intent")
        .group_by(_LOG.installation_id)
    )
    return select(_LOG.installation_id, _LOG.at).where(_LOG.seq.in_(latest))


def _journal_setting(settings: Settings) -> str:
    """Where the journal's URL was configured: the profile file's key, or the variable."""
    if settings.config_path is not None:
        return f"journal of profile {settings.profile!r}"
    return "INSPECTOR_JOURNAL_URL"


def _device(row: Any) -> TestDevice:
    from inspector.journal.records import TestDevice

    return TestDevice(row.installation_id, row.label, row.owner, _aware(row.added_at), row.added_by)


def _checked(value: str, what: str, limit: int) -> str:
    text = (value or "").strip()
    if not text:
        raise TestDeviceError(f"the {what} must not be empty")
    if len(text) > limit:
        raise TestDeviceError(f"the {what} is {len(text)} characters long; at most {limit}")
    if has_unsafe(text):
        raise TestDeviceError(f"the {what} contains control or invisible characters")
    return text


def _entry(row: Any, answered: dict[int, str]) -> AuditEntry:
    from inspector.journal.records import OUTCOME_UNKNOWN, AuditEntry

    try:
        details = json.loads(row.details)
        if not isinstance(details, dict):
            details = {"_raw": row.details}
    except ValueError:
        details = {"_raw": row.details}
    outcome = row.outcome
    if row.action == "push.intent":
        outcome = answered.get(int(row.seq), OUTCOME_UNKNOWN)
    return AuditEntry(
        record_id=int(row.seq),
        at=_aware(row.at),
        operator=row.operator,
        environment=row.environment,
        store=row.store,
        installation_id=row.installation_id,
        action=row.action,
        outcome=outcome,
        details=details,
        profile=row.profile,
    )
