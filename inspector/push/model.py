"""What the push package hands out: compose input, the prepared send, the result."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from inspector.store.records import Installation

PAYLOAD_LIMIT = 4096


class PushRefused(Exception):
    """The send is not allowed (policy, rate limit, no token, bad compose); one line."""


class InstallationNotFound(PushRefused):
    """The installation to send to is not in the store: nothing found, nothing to send."""


class ValidationRefused(PushRefused):
    """A dry run or token check is not allowed here. Its words never speak of a send:
    none was asked for."""


class PushError(Exception):
    """The send cannot happen for a reason outside the message; one line."""


class JournalUnavailable(PushError):
    """The intent could not be written, so nothing was sent."""


class ProviderNotConfigured(PushError):
    """Credentials for FCM or APNs are missing or unreadable."""

    @classmethod
    def unreadable(cls, setting: str, path: Path, exc: OSError) -> ProviderNotConfigured:
        """The credentials file a setting names cannot be read. Its name only: where keys
        are kept is nobody's business on screen, and the content never shows."""
        if isinstance(exc, FileNotFoundError):
            return cls(f"{setting}: no file named {path.name} where it points")
        return cls(f"{setting}: cannot read {path.name} ({exc.strerror})")


@dataclass(frozen=True)
class Compose:
    title: str
    body: str
    data: dict[str, str] = field(default_factory=dict)
    deep_link: str | None = None
    mark_as_test: bool = True


@dataclass(frozen=True)
class ApprovalUse:
    """An approval verified and used up for one send (push policy `approval`): the
    request it was, and the journal record of its use."""

    request_id: str
    record_id: int
    combined_sha256: str


class ApprovalGate(Protocol):
    """What the sender asks to let an approved send through (inspector.signoff's
    ApprovalService): verify the request against the installation as just re-read and
    the payload about to go, and use it up, once. Raises a PushRefused, in words, when
    it cannot be used: then nothing may be sent."""

    def claim(
        self, request_id: str, *, installation: Installation, compose: Compose
    ) -> ApprovalUse: ...


@dataclass(frozen=True)
class PushResult:
    provider: str  # "fcm" | "apns" | "simulated"
    ok: bool
    status: int | None
    reason: str | None  # provider error code, e.g. "UNREGISTERED", "BadDeviceToken"
    message_id: str | None
    latency_ms: float
    explanation: str  # one human sentence: what it means and what to do
    retry_after_s: float | None = None
    dry_run: bool = False
    simulated: bool = False
    # Whether the provider may have acted although no answer came back.
    ambiguous: bool = False
    # The approval this send used (policy `approval`); not part of the result's JSON.
    approval: ApprovalUse | None = field(default=None, compare=False, repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "provider": self.provider,
            "ok": self.ok,
            "status": self.status,
            "reason": self.reason,
            "message_id": self.message_id,
            "latency_ms": round(self.latency_ms, 1),
            "explanation": self.explanation,
            "retry_after_s": self.retry_after_s,
            "dry_run": self.dry_run,
            "simulated": self.simulated,
            "ambiguous": self.ambiguous,
        }


@dataclass(frozen=True)
class Content:
    """The message after marking: what every provider turns into its wire format."""

    title: str
    body: str
    data: dict[str, str]
    deep_link: str | None
    collapse_id: str
    marked: bool


@dataclass(frozen=True)
class Outgoing:
    """One message for one installation: what a provider sends, and all it may send to."""

    installation: Installation
    content: Content
    payload: dict[str, Any]  # the wire payload without the token


class Provider(Protocol):
    """One provider: takes one installation and one message, returns a result."""

    name: str  # "fcm" | "apns" | "simulated"
    # Whether nothing leaves this machine (the demo's provider).
    simulated: bool

    def problem(self, installation: Installation) -> str | None:
        """Why this provider cannot address the installation (no project, no topic)."""

    def host_for(self, installation: Installation) -> str | None:
        """The host a send to this installation goes to; None when nothing leaves."""

    def send(self, push: Outgoing, *, dry_run: bool) -> PushResult: ...

    def check_token(self, push: Outgoing) -> PushResult: ...

    def close(self) -> None: ...


def compact_json(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
