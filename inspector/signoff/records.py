"""Plain records the sign-off services hand out (never live rows), and the sign-off rule.

Times are aware UTC. `to_dict` gives the command line's JSON: null for a missing value,
ISO 8601 UTC times, lower-case words for states.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from typing import Any

from inspector.push.model import ApprovalUse, Compose
from inspector.push.prepared import PreparedPush

# A proof's state: it becomes approved with enough approvals and no rejection.
PENDING = "pending"
APPROVED = "approved"
REJECTED = "rejected"
APPROVE = "approve"
REJECT = "reject"

# A device's state within a proof.
SKIPPED = "skipped"
SENDING = "pending"
ACCEPTED = "accepted"  # the provider took it
PROVIDER_REJECTED = "rejected"  # the provider refused this token or message
REFUSED = "refused"  # not sent: policy, cooldown, a changed token, no journal
FAILED = "failed"  # no usable answer: unreachable, timeout, 5xx, 429

# Why a test device is not a target.
SKIP_NOT_IN_STORE = "not_in_store"
SKIP_DEAD_TOKEN = "dead_token"
SKIP_NO_TOKEN = "no_token"
SKIP_NOTIFICATIONS_OFF = "notifications_off"
SKIP_NO_CREDENTIAL = "no_credential"
SKIP_REFUSED = "refused"
SKIP_STORE_ERROR = "store_error"
SKIP_OVER_CAP = "over_cap"


def iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat()


def _fields_dict(
    record: Any, *, leave_out: Collection[str] = (), renamed: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """A record's JSON: its dataclass fields in their order (so a new field is in it unless
    left out), each under its name or the one `renamed` gives, times as ISO 8601 UTC and
    a tuple of records as the list of their dicts."""
    keys = renamed or {}
    return {
        keys.get(f.name, f.name): _json_value(getattr(record, f.name))
        for f in fields(record)
        if f.name not in leave_out
    }


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, tuple):
        return [row.to_dict() for row in value]
    return value


@dataclass(frozen=True)
class ProofTarget:
    """A test device the proof will reach, as the confirm screen lists it."""

    installation_id: str
    store: str
    label: str
    owner: str
    platform: str | None
    provider: str | None  # "fcm" | "apns"
    apns_environment: str | None
    token: str  # masked
    token_state: str  # words: "active · production"
    device: str  # "customer cust-42 · ios · Apple iPhone 16 · Shop iOS (com.example.shop)"
    route: str  # "APNs production via api.push.apple.com"
    prepared: PreparedPush = field(repr=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        return _fields_dict(self, leave_out=("device", "route", "prepared"))


@dataclass(frozen=True)
class ProofSkip:
    """A test device of the app the proof will not reach, and why."""

    installation_id: str
    store: str
    label: str
    owner: str
    kind: str  # SKIP_*
    reason: str  # in words
    platform: str | None = None
    provider: str | None = None
    apns_environment: str | None = None
    token: str | None = None
    token_state: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return _fields_dict(self, renamed={"kind": "skip"})


@dataclass(frozen=True)
class ProofPlan:
    """What a proof will do, for the confirm screen: nothing is written or sent yet."""

    app: str
    compose: Compose
    payload: dict[str, Any]
    payload_sha256: str
    cap: int
    targets: tuple[ProofTarget, ...]
    skipped: tuple[ProofSkip, ...]
    operator: str
    profile: str
    environment: str
    planned_at: datetime

    def to_dict(self) -> dict[str, Any]:
        return _fields_dict(self, leave_out=("compose", "planned_at"))


@dataclass(frozen=True)
class DeviceVerdict:
    """One row of a proof's live table: a device and what became of its send."""

    proof_id: str
    installation_id: str
    store: str
    label: str
    owner: str
    platform: str | None
    provider: str | None
    apns_environment: str | None
    token: str | None
    token_state: str | None
    status: str  # skipped | pending | accepted | rejected | refused | failed
    reason: str | None  # the provider's code (UNREGISTERED, BadDeviceToken...) or the skip
    detail: str | None  # the verdict in words
    message_id: str | None = None
    latency_ms: float | None = None
    ambiguous: bool | None = None
    sent_at: datetime | None = None
    finished_at: datetime | None = None
    record_id: int | None = None

    @property
    def ok(self) -> bool:
        return self.status == ACCEPTED

    def to_dict(self) -> dict[str, Any]:
        doc = _fields_dict(self, leave_out=("proof_id",))
        doc["latency_ms"] = None if self.latency_ms is None else round(self.latency_ms, 1)
        return doc


@dataclass(frozen=True)
class SignOff:
    operator: str
    decision: str  # approve | reject
    comment: str | None
    at: datetime
    record_id: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return _fields_dict(self)


def proof_status(signoffs: Iterable[SignOff], required: int) -> str:
    """The sign-off rule: rejected by any rejection; approved with `required` distinct
    approvals (the author's own never counts: it cannot be given)."""
    decisions = list(signoffs)
    if any(s.decision == REJECT for s in decisions):
        return REJECTED
    approvers = {s.operator for s in decisions if s.decision == APPROVE}
    return APPROVED if len(approvers) >= max(1, required) else PENDING


@dataclass(frozen=True)
class Proof:
    id: str
    app: str
    author: str
    profile: str
    environment: str
    created_at: datetime
    payload: dict[str, Any]
    payload_text: str = field(repr=False)
    payload_sha256: str
    cap: int
    approvals_required: int
    status: str
    devices: tuple[DeviceVerdict, ...] = ()
    signoffs: tuple[SignOff, ...] = ()
    record_id: int | None = None

    @property
    def approvals(self) -> int:
        return sum(1 for s in self.signoffs if s.decision == APPROVE)

    @property
    def accepted(self) -> int:
        return sum(1 for d in self.devices if d.status == ACCEPTED)

    @property
    def sent_to(self) -> int:
        return sum(1 for d in self.devices if d.status != SKIPPED)

    def summary_dict(self) -> dict[str, Any]:
        return {
            "proof_id": self.id,
            "app": self.app,
            "author": self.author,
            "profile": self.profile,
            "environment": self.environment,
            "created_at": iso(self.created_at),
            "title": self.payload.get("title"),
            "payload_sha256": self.payload_sha256,
            "status": self.status,
            "approvals": self.approvals,
            "approvals_required": self.approvals_required,
            "devices": self.sent_to,
            "accepted": self.accepted,
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.summary_dict(),
            "cap": self.cap,
            "payload": self.payload,
            "record_id": self.record_id,
            "sends": [d.to_dict() for d in self.devices],
            "sign_offs": [s.to_dict() for s in self.signoffs],
        }


@dataclass(frozen=True)
class PushRequest:
    """A one-off send to one installation, waiting for a second operator's approval."""

    id: str
    requester: str
    profile: str
    environment: str
    installation_id: str
    store: str
    token_hash: str
    token: str | None  # masked
    device: str | None
    payload: dict[str, Any]
    payload_text: str = field(repr=False)
    payload_sha256: str
    combined_sha256: str
    created_at: datetime
    expires_at: datetime
    approved_by: str | None = None
    approved_at: datetime | None = None
    approve_comment: str | None = None
    rejected_by: str | None = None
    rejected_at: datetime | None = None
    reject_comment: str | None = None
    used_at: datetime | None = None
    record_id: int | None = None

    def state(self, now: datetime) -> str:
        """used | rejected | expired | approved | pending, in that order of precedence."""
        if self.used_at is not None:
            return "used"
        if self.rejected_at is not None:
            return "rejected"
        if now >= self.expires_at:
            return "expired"
        if self.approved_at is not None:
            return "approved"
        return "pending"

    def to_dict(self, now: datetime) -> dict[str, Any]:
        return {
            "request_id": self.id,
            "state": self.state(now),
            **_fields_dict(self, leave_out=("id", "token_hash", "payload_text")),
        }


# An approval, verified and used: the send it allows may go out, once. The sender's own
# type, so the sender can carry it without knowing of sign-offs.
Claim = ApprovalUse
