"""Plain records the journal hands out.

Each dataclass has a docstring: without one, Python 3.11's dataclass writes one from
inspect.signature when the class is made, which costs more than the class itself."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

OUTCOME_UNKNOWN = "outcome unknown"


@dataclass(frozen=True)
class TestDevice:
    """An installation registered as a test device."""

    __test__ = False  # not a pytest test class

    installation_id: str
    label: str
    owner: str
    added_at: datetime
    added_by: str


@dataclass(frozen=True)
class AuditEntry:
    """One journal record as read back."""

    record_id: int
    at: datetime
    operator: str
    environment: str
    store: str
    installation_id: str | None
    action: str
    outcome: str
    details: dict[str, Any]
    # The profile it was written under; None for a record from before the journal
    # recorded profiles (schema version 1).
    profile: str | None = None


@dataclass(frozen=True)
class VerifyResult:
    """What a walk of the hash chain found."""

    ok: bool
    checked: int
    first_bad: int | None = None
    problem: str = ""
    # Hash of the last record checked: written down elsewhere, it shows a later rewrite
    # of the whole chain by someone who can write the database.
    head_hash: str | None = None


@dataclass(frozen=True)
class SendHistory:
    """What the rate limits of a send read, under the lock of the transaction that would
    write its intent: no other send can be written in between."""

    now: datetime  # aware UTC, taken once the lock is held
    operator_sends: int  # this operator's intents in the minute before `now`
    last_to_device: datetime | None  # aware UTC: the device's latest intent, anyone's
