"""The journal: audit trail with a hash chain, and the registered test devices.

The plain records (journal/records.py) are loaded when first asked for: a lookup that
only appends to the journal never builds them (a cold `inspector find` counts each
millisecond)."""

from typing import TYPE_CHECKING, Any

from inspector.journal.errors import (
    IntentRefused,
    JournalError,
    JournalRefused,
    TestDeviceError,
    TestDeviceExists,
    TestDeviceNotFound,
)
from inspector.journal.journal import Intent, Journal

if TYPE_CHECKING:
    from inspector.journal.records import (
        OUTCOME_UNKNOWN,
        AuditEntry,
        SendHistory,
        TestDevice,
        VerifyResult,
    )

_RECORDS = frozenset({"OUTCOME_UNKNOWN", "AuditEntry", "SendHistory", "TestDevice", "VerifyResult"})


def __getattr__(name: str) -> Any:
    if name in _RECORDS:
        from inspector.journal import records

        return getattr(records, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "OUTCOME_UNKNOWN",
    "AuditEntry",
    "Intent",
    "IntentRefused",
    "Journal",
    "JournalError",
    "JournalRefused",
    "SendHistory",
    "TestDevice",
    "TestDeviceError",
    "TestDeviceExists",
    "TestDeviceNotFound",
    "VerifyResult",
]
