"""The journal: audit trail with a hash chain, and the registered test devices."""

from inspector.journal.errors import (
    IntentRefused,
    JournalError,
    JournalRefused,
    TestDeviceError,
    TestDeviceExists,
    TestDeviceNotFound,
)
from inspector.journal.journal import Journal
from inspector.journal.records import (
    OUTCOME_UNKNOWN,
    AuditEntry,
    SendHistory,
    TestDevice,
    VerifyResult,
)

__all__ = [
    "OUTCOME_UNKNOWN",
    "AuditEntry",
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
