"""The sign-off tables: opened on the journal's database, created on first use.

Writes take the database's write lock where it matters: SQLite transactions that write
begin IMMEDIATE (writers queue instead of failing to upgrade a read lock), and a
sign-off locks its proof's row (SELECT ... FOR UPDATE) on PostgreSQL and MariaDB, so
two operators signing at once both count. An approval is used by one conditional UPDATE
(`... WHERE used_at IS NULL ...`) whose row count decides: of two processes racing,
exactly one wins. Errors are the journal's: JournalError naming host and database.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, func, insert, select, update
from sqlalchemy.engine import URL, Connection, Engine
from sqlalchemy.exc import IntegrityError

from inspector.config import Settings, describe_url
from inspector.dburl import family
from inspector.journal.engine import WRITE, open_engine, translated
from inspector.journal.errors import JournalError
from inspector.journal.migrate import under_schema_lock, version_on_record
from inspector.journal.schema import for_mariadb
from inspector.signoff import schema
from inspector.signoff.errors import SignoffError, SignoffRefused
from inspector.signoff.payloads import compose_of, payload_document
from inspector.signoff.records import (
    DeviceVerdict,
    Proof,
    PushRequest,
    SignOff,
    proof_status,
)
from inspector.signoff.schema import proof_sends, proofs, push_requests, signoffs, versions

_POSTGRES_LOCK = 7235518032
_MARIADB_LOCK = "inspector_signoff_schema"
_P = proofs.c
_S = proof_sends.c
_O = signoffs.c
_R = push_requests.c


def naive(value: datetime) -> datetime:
    return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value


def aware(value: datetime | None) -> datetime | None:
    return None if value is None else value.replace(tzinfo=UTC)


def new_id(prefix: str) -> str:
    """A short id a person can type: `p-` or `r-` and 10 hex digits."""
    return f"{prefix}-{secrets.token_hex(5)}"


class SignoffStore:
    def __init__(self, engine: Engine, url: URL) -> None:
        self._engine = engine
        self._url = url
        self._family = family(engine.dialect.name)
        self._ensured = False
        self._ensure_lock = threading.Lock()

    @classmethod
    def open(cls, settings: Settings) -> SignoffStore:
        """The sign-off tables of the profile's journal database (created on first use).
        Open the Journal first: it refuses a journal URL that names the store."""
        url = settings.journal_url
        engine = open_engine(url, timeout_s=max(settings.statement_timeout_s, 0.1))
        store = cls(engine, url)
        try:
            store.ensure()
        except BaseException:
            engine.dispose()
            raise
        return store

    def close(self) -> None:
        self._engine.dispose()

    @property
    def label(self) -> str:
        return describe_url(self._url)

    @property
    def engine(self) -> Engine:
        return self._engine

    def __repr__(self) -> str:
        return f"SignoffStore({self.label})"

    # -- schema ---------------------------------------------------------------------

    def ensure(self) -> None:
        """Create the tables unless they are there, under a lock other inspectors respect
        (a PostgreSQL advisory lock, a MariaDB named lock, SQLite's write lock)."""
        with self._ensure_lock:
            if self._ensured:
                return
            with translated(self._url, "create the sign-off tables"):
                if not self._current():
                    self._create()
            self._ensured = True

    def _current(self) -> bool:
        with self._engine.connect() as conn:
            newest = version_on_record(conn, versions.name)
            conn.rollback()
        if newest > schema.SCHEMA_VERSION:
            raise JournalError(
                f"the sign-off tables have schema version {newest}, newer than this"
                f" inspector understands ({schema.SCHEMA_VERSION}); upgrade the inspector"
            )
        return newest == schema.SCHEMA_VERSION

    def _create(self) -> None:
        under_schema_lock(
            self._engine,
            self._create_tables,
            postgres_lock=_POSTGRES_LOCK,
            mariadb_lock=_MARIADB_LOCK,
            busy="another inspector is creating the sign-off tables",
        )

    @staticmethod
    def _create_tables(conn: Connection) -> None:
        if family(conn.dialect.name) == "mysql":
            for_mariadb(conn.dialect.name, schema.metadata)
        schema.metadata.create_all(conn, checkfirst=True)
        if conn.execute(select(func.count()).select_from(versions)).scalar_one() == 0:
            conn.execute(
                insert(versions).values(
                    version=schema.SCHEMA_VERSION, applied_at=naive(datetime.now(UTC))
                )
            )

    # -- connections ----------------------------------------------------------------

    @contextmanager
    def _writing(self, doing: str) -> Iterator[Connection]:
        with translated(self._url, doing), self._engine.connect() as conn:
            conn.execution_options(**{WRITE: True})
            with conn.begin():
                yield conn

    @contextmanager
    def _reading(self) -> Iterator[Connection]:
        with translated(self._url, "be read"), self._engine.connect() as conn:
            yield conn

    def _locked(self, stmt: Any) -> Any:
        """Row locks on the servers; SQLite's BEGIN IMMEDIATE holds the whole file."""
        return stmt if self._family == "sqlite" else stmt.with_for_update()

    # -- proofs ---------------------------------------------------------------------

    def insert_proof(self, row: dict[str, Any], devices: Sequence[dict[str, Any]]) -> None:
        row = {**row, "created_at": naive(row["created_at"])}
        with self._writing("store the proof") as conn:
            conn.execute(insert(proofs).values(**row))
            if devices:
                conn.execute(insert(proof_sends), [dict(d) for d in devices])

    def finish_devices(self, proof_id: str, verdicts: Sequence[tuple[str, dict[str, Any]]]) -> None:
        """Each (installation id, column values) of a proof's devices, in one transaction."""
        with self._writing("store the proof's verdicts") as conn:
            for installation_id, values in verdicts:
                values = {k: naive(v) if isinstance(v, datetime) else v for k, v in values.items()}
                conn.execute(
                    update(proof_sends)
                    .where(_S.proof_id == proof_id, _S.installation_id == installation_id)
                    .values(**values)
                )

    def proof(self, proof_id: str) -> Proof | None:
        with self._reading() as conn:
            return self._proof(conn, proof_id)

    def _proof(self, conn: Connection, proof_id: str, *, lock: bool = False) -> Proof | None:
        stmt = select(proofs).where(_P.id == proof_id)
        row = conn.execute(self._locked(stmt) if lock else stmt).first()
        if row is None:
            return None
        found = self._assemble(conn, [row])
        return found[0]

    def proofs(self, profile: str, *, limit: int = 50) -> list[Proof]:
        stmt = (
            select(proofs)
            .where(_P.profile == profile)
            .order_by(_P.created_at.desc(), _P.id)
            .limit(max(1, min(limit, 1000)))
        )
        with self._reading() as conn:
            return self._assemble(conn, conn.execute(stmt).all())

    def _assemble(self, conn: Connection, rows: Sequence[Any]) -> list[Proof]:
        ids = [r.id for r in rows]
        if not ids:
            return []
        devices: dict[str, list[DeviceVerdict]] = {i: [] for i in ids}
        for d in conn.execute(select(proof_sends).where(_S.proof_id.in_(ids))):
            devices[d.proof_id].append(_device(d))
        given: dict[str, list[SignOff]] = {i: [] for i in ids}
        for s in conn.execute(select(signoffs).where(_O.proof_id.in_(ids))):
            given[s.proof_id].append(_signoff(s))
        found = []
        for r in rows:
            # Sorted here: collations differ between engines.
            rows_of = sorted(devices[r.id], key=lambda d: (d.label.casefold(), d.installation_id))
            signed = sorted(given[r.id], key=lambda s: (s.at, s.operator))
            found.append(_proof(r, tuple(rows_of), tuple(signed)))
        return found

    def add_signoff(
        self, proof_id: str, signoff: SignOff, check: Callable[[Proof], str | None]
    ) -> Proof:
        """Add one operator's sign-off with the proof locked: `check` sees the proof as it
        stands under the lock (SignoffRefused with its words when it objects), the one
        sign-off per operator is the table's key, and the status follows the rule."""
        with self._writing("store the sign-off") as conn:
            proof = self._proof(conn, proof_id, lock=True)
            if proof is None:
                raise SignoffError(f"proof {proof_id} has gone from the journal database")
            problem = check(proof)
            if problem:
                raise SignoffRefused(problem)
            values = {
                "proof_id": proof_id,
                "operator": signoff.operator,
                "decision": signoff.decision,
                "comment": signoff.comment,
                "at": naive(signoff.at),
                "record_id": signoff.record_id,
            }
            try:
                conn.execute(insert(signoffs).values(**values))
            except IntegrityError:  # the transaction is rolled back on the way out
                raise SignoffRefused(
                    f"{signoff.operator} has already signed off proof {proof_id}"
                ) from None
            signed = (*proof.signoffs, signoff)
            status = proof_status(signed, proof.approvals_required)
            if status != proof.status:
                conn.execute(update(proofs).where(_P.id == proof_id).values(status=status))
        return _replace_status(proof, status, signed)

    # -- approval requests --------------------------------------------------------------

    def insert_request(self, row: dict[str, Any]) -> None:
        row = {k: naive(v) if isinstance(v, datetime) else v for k, v in row.items()}
        with self._writing("store the approval request") as conn:
            conn.execute(insert(push_requests).values(**row))

    def request(self, request_id: str) -> PushRequest | None:
        with self._reading() as conn:
            row = conn.execute(select(push_requests).where(_R.id == request_id)).first()
        return None if row is None else _request(row)

    def requests(self, profile: str, *, limit: int = 50) -> list[PushRequest]:
        stmt = (
            select(push_requests)
            .where(_R.profile == profile)
            .order_by(_R.created_at.desc(), _R.id)
            .limit(max(1, min(limit, 1000)))
        )
        with self._reading() as conn:
            return [_request(r) for r in conn.execute(stmt)]

    def approve_request(
        self, request_id: str, operator: str, comment: str | None, now: datetime
    ) -> bool:
        """True when this approval took: the request was pending, not the operator's
        own, and not expired, at the moment of the UPDATE."""
        stmt = (
            update(push_requests)
            .where(
                _R.id == request_id,
                _R.approved_at.is_(None),
                _R.rejected_at.is_(None),
                _R.used_at.is_(None),
                _R.expires_at > naive(now),
                _R.requester != operator,
            )
            .values(approved_by=operator, approved_at=naive(now), approve_comment=comment)
        )
        with self._writing("store the approval") as conn:
            return conn.execute(stmt).rowcount == 1

    def reject_request(self, request_id: str, operator: str, comment: str, now: datetime) -> bool:
        """True when this rejection took: the request was neither rejected nor used."""
        stmt = (
            update(push_requests)
            .where(_R.id == request_id, _R.rejected_at.is_(None), _R.used_at.is_(None))
            .values(rejected_by=operator, rejected_at=naive(now), reject_comment=comment)
        )
        with self._writing("store the rejection") as conn:
            return conn.execute(stmt).rowcount == 1

    def claim_request(self, request_id: str, requester: str, now: datetime) -> bool:
        """Use the approval, once: True for the one caller whose UPDATE found it approved
        by someone else, unrejected, unexpired and unused. Everyone else gets False."""
        stmt = (
            update(push_requests)
            .where(
                and_(
                    _R.id == request_id,
                    _R.used_at.is_(None),
                    _R.approved_at.is_not(None),
                    _R.approved_by != _R.requester,
                    _R.rejected_at.is_(None),
                    _R.expires_at > naive(now),
                    _R.requester == requester,
                )
            )
            .values(used_at=naive(now))
        )
        with self._writing("use the approval") as conn:
            return conn.execute(stmt).rowcount == 1


def _device(row: Any) -> DeviceVerdict:
    return DeviceVerdict(
        proof_id=row.proof_id,
        installation_id=row.installation_id,
        store=row.store,
        label=row.label,
        owner=row.owner,
        platform=row.platform,
        provider=row.provider,
        apns_environment=row.apns_environment,
        token=row.token,
        token_state=row.token_state,
        status=row.status,
        reason=row.reason,
        detail=row.detail,
        message_id=row.message_id,
        latency_ms=row.latency_ms,
        ambiguous=row.ambiguous,
        sent_at=aware(row.sent_at),
        finished_at=aware(row.finished_at),
        record_id=None if row.record_id is None else int(row.record_id),
    )


def _signoff(row: Any) -> SignOff:
    at = aware(row.at)
    assert at is not None
    return SignOff(
        row.operator, row.decision, row.comment, at,
        None if row.record_id is None else int(row.record_id),
    )  # fmt: skip


def _payload(text: str) -> dict[str, Any]:
    """The stored payload as a document; one edited into something else is shown as
    such (and its hash no longer matches: export and sends refuse it)."""
    try:
        return payload_document(compose_of(text))
    except SignoffError as exc:
        return {"_invalid": str(exc)}


def _proof(row: Any, devices: tuple[DeviceVerdict, ...], signed: tuple[SignOff, ...]) -> Proof:
    created = aware(row.created_at)
    assert created is not None
    return Proof(
        id=row.id,
        app=row.app,
        author=row.author,
        profile=row.profile,
        environment=row.environment,
        created_at=created,
        payload=_payload(row.payload),
        payload_text=row.payload,
        payload_sha256=row.payload_sha256,
        cap=int(row.cap),
        approvals_required=int(row.approvals_required),
        status=row.status,
        devices=devices,
        signoffs=signed,
        record_id=None if row.record_id is None else int(row.record_id),
    )


def _replace_status(proof: Proof, status: str, signed: tuple[SignOff, ...]) -> Proof:
    ordered = tuple(sorted(signed, key=lambda s: (s.at, s.operator)))
    return replace(proof, status=status, signoffs=ordered)


def _request(row: Any) -> PushRequest:
    created, expires = aware(row.created_at), aware(row.expires_at)
    assert created is not None and expires is not None
    return PushRequest(
        id=row.id,
        requester=row.requester,
        profile=row.profile,
        environment=row.environment,
        installation_id=row.installation_id,
        store=row.store,
        token_hash=row.token_hash,
        token=row.token,
        device=row.device,
        payload=_payload(row.payload),
        payload_text=row.payload,
        payload_sha256=row.payload_sha256,
        combined_sha256=row.combined_sha256,
        created_at=created,
        expires_at=expires,
        approved_by=row.approved_by,
        approved_at=aware(row.approved_at),
        approve_comment=row.approve_comment,
        rejected_by=row.rejected_by,
        rejected_at=aware(row.rejected_at),
        reject_comment=row.reject_comment,
        used_at=aware(row.used_at),
        record_id=None if row.record_id is None else int(row.record_id),
    )
