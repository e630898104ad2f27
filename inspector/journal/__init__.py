"""The journal: audit trail with a hash chain, and the registered test devices."""

from inspector.journal.errors import (
    JournalError,
    JournalRefused,
    TestDeviceError,
    TestDeviceExists,
    TestDeviceNotFound,
)
from inspector.journal.journal import Journal
from inspector.journal.records import OUTCOME_UNKNOWN, AuditEntry, TestDevice, VerifyResult

__all__ = [
    "OUTCOME_UNKNOWN",
    "AuditEntry",
    "Journal",
    "JournalError",
    "JournalRefused",
    "TestDevice",
    "TestDeviceError",
    "TestDeviceExists",
    "TestDeviceNotFound",
    "VerifyResult",
]
