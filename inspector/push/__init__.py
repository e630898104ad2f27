"""Test pushes to exactly one device: providers, payloads, policy and the sender.

Never imports textual: the terminal UI and the command line both drive PushService.
"""

from inspector.push.model import (
    Compose,
    InstallationNotFound,
    JournalUnavailable,
    ProviderNotConfigured,
    PushError,
    PushRefused,
    PushResult,
    ValidationRefused,
)
from inspector.push.prepared import PreparedPush
from inspector.push.service import OpenedSend, PushService

__all__ = [
    "Compose",
    "InstallationNotFound",
    "JournalUnavailable",
    "OpenedSend",
    "PreparedPush",
    "ProviderNotConfigured",
    "PushError",
    "PushRefused",
    "PushResult",
    "PushService",
    "ValidationRefused",
]
