"""The demo's provider: nothing leaves the machine, and every result says so.

It answers as the installation's real provider would for the demo stories: an active
token is accepted, an unregistered one is dead, an invalid one is rejected.
"""

from __future__ import annotations

import uuid
from typing import Any

from inspector.push.catalogue import explain, since_text
from inspector.push.model import Content, PushResult
from inspector.push.payload import wire_format
from inspector.store.records import Installation

LABEL = "Simulated (demo, nothing was sent)"
_NAMES = {"apns": "APNs", "fcm": "FCM"}


class SimulatedProvider:
    name = "simulated"

    def __init__(self) -> None:
        self.requests: list[tuple[str, dict[str, Any], bool]] = []

    def problem(self, installation: Installation) -> str | None:
        return None

    def send(
        self,
        installation: Installation,
        content: Content,
        payload: dict[str, Any],
        *,
        dry_run: bool,
    ) -> PushResult:
        self.requests.append((installation.installation_id, payload, dry_run))
        wire = wire_format(installation) or "fcm"
        status, reason = _verdict(wire, installation.push_token_status)
        if reason is None:
            message_id = f"simulated-{uuid.uuid4()}"
            what = "would have validated" if dry_run else "would have accepted"
            text = f"{LABEL}: {_NAMES[wire]} {what} this push ({message_id})."
            return PushResult(
                provider=self.name,
                ok=True,
                status=status,
                reason=None,
                message_id=message_id,
                latency_ms=0.0,
                explanation=text,
                dry_run=dry_run,
                simulated=True,
            )
        updated = installation.push_token_updated_at
        since = since_text(int(updated.timestamp() * 1000) if updated else None)
        meaning = explain(
            wire,
            reason,
            status,
            env=installation.apns_environment,
            topic=installation.app.apns_topic or installation.app.bundle_id,
            since=since,
            project=installation.app.fcm_project_id,
        )
        return PushResult(
            provider=self.name,
            ok=False,
            status=status,
            reason=reason,
            message_id=None,
            latency_ms=0.0,
            explanation=f"{LABEL}: {meaning}",
            dry_run=dry_run,
            simulated=True,
        )

    def check_token(
        self, installation: Installation, content: Content, payload: dict[str, Any]
    ) -> PushResult:
        if wire_format(installation) == "apns":
            return PushResult(
                provider=self.name,
                ok=False,
                status=None,
                reason="NO_DRY_RUN",
                message_id=None,
                latency_ms=0.0,
                dry_run=True,
                simulated=True,
                explanation=f"{LABEL}: {explain('apns', 'NO_DRY_RUN', None)}",
            )
        return self.send(installation, content, payload, dry_run=True)

    def close(self) -> None:
        pass


def _verdict(wire: str, token_status: str) -> tuple[int, str | None]:
    if token_status == "unregistered":
        return (410, "Unregistered") if wire == "apns" else (404, "UNREGISTERED")
    if token_status == "invalid":
        return (400, "BadDeviceToken") if wire == "apns" else (400, "INVALID_ARGUMENT")
    return 200, None
