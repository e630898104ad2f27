"""The demo's provider: nothing leaves the machine, and every result says so.

It answers as the installation's real provider would for the demo stories: an active
token is accepted, an unregistered one is dead, an invalid one is rejected.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from typing import Any

from inspector.push.catalogue import since_text
from inspector.push.model import Outgoing, PushResult
from inspector.push.payload import apns_topic, wire_format
from inspector.push.results import accepted, no_dry_run, rejected
from inspector.store.records import Installation

LABEL = "Simulated (demo, nothing was sent)"
_NAMES = {"apns": "APNs", "fcm": "FCM"}


class SimulatedProvider:
    name = "simulated"
    simulated = True

    def __init__(self) -> None:
        self.requests: list[tuple[str, dict[str, Any], bool]] = []

    def problem(self, installation: Installation) -> str | None:
        return None

    def host_for(self, installation: Installation) -> str | None:
        return None

    def send(self, push: Outgoing, *, dry_run: bool) -> PushResult:
        installation = push.installation
        self.requests.append((installation.installation_id, push.payload, dry_run))
        wire = wire_format(installation) or "fcm"
        status, reason = _verdict(wire, installation.push_token_status)
        if reason is None:
            message_id = f"simulated-{uuid.uuid4()}"
            what = "would have validated" if dry_run else "would have accepted"
            return _labelled(
                accepted(
                    self.name,
                    status=status,
                    message_id=message_id,
                    latency_ms=0.0,
                    dry_run=dry_run,
                    explanation=f"{_NAMES[wire]} {what} this push ({message_id}).",
                )
            )
        updated = installation.push_token_updated_at
        facts = {
            "env": installation.apns_environment,
            "topic": apns_topic(installation),
            "since": since_text(int(updated.timestamp() * 1000) if updated else None),
            "project": installation.app.fcm_project_id,
        }
        return _labelled(
            rejected(self.name, status, reason, latency_ms=0.0, wire=wire, dry_run=dry_run,
                     facts=facts)
        )  # fmt: skip

    def check_token(self, push: Outgoing) -> PushResult:
        if wire_format(push.installation) == "apns":
            return _labelled(no_dry_run(self.name))
        return self.send(push, dry_run=True)

    def close(self) -> None:
        pass


def _labelled(result: PushResult) -> PushResult:
    """The answer the real provider would give, marked as simulated in data and in words."""
    return replace(result, simulated=True, explanation=f"{LABEL}: {result.explanation}")


def _verdict(wire: str, token_status: str) -> tuple[int, str | None]:
    if token_status == "unregistered":
        return (410, "Unregistered") if wire == "apns" else (404, "UNREGISTERED")
    if token_status == "invalid":
        return (400, "BadDeviceToken") if wire == "apns" else (400, "INVALID_ARGUMENT")
    return 200, None
