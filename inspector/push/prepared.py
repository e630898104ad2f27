"""A send ready for confirmation: the device, the exact payload and its summary."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from inspector.masking import mask_token
from inspector.push.model import PAYLOAD_LIMIT, Compose, Content
from inspector.push.payload import KEY_RECORD, RECORD_ID_WIDTH
from inspector.safetext import escape
from inspector.store.records import Installation


@dataclass(frozen=True)
class PreparedPush:
    installation: Installation
    provider: str  # "fcm" | "apns" | "simulated"
    simulated: bool  # the provider's own word: nothing leaves this machine
    wire: str  # the installation's real provider: "fcm" | "apns"
    compose: Compose
    content: Content
    payload: dict[str, Any]  # the wire payload without the token
    payload_bytes: int
    # The profile this push belongs to: it is sent only through that profile's service.
    # Every confirm screen names it (profile_line) with its environment and store.
    profile: str
    profile_label: str  # Settings.display_name: the banner's words for the profile
    environment: str
    store_name: str  # the store the installation came from ("": the profile's one store)
    store_label: str  # that store's host/database (terminal-safe, never a password)
    operator: str
    provider_host: str | None = None
    warnings: tuple[str, ...] = ()

    @property
    def masked_token(self) -> str:
        return mask_token(self.installation.push_token)

    @property
    def fits(self) -> bool:
        return self.payload_bytes <= PAYLOAD_LIMIT

    @property
    def payload_text(self) -> str:
        return json.dumps(self.payload, ensure_ascii=False, indent=2)

    def device_line(self) -> str:
        i = self.installation
        model = " ".join(x for x in (i.device_brand, i.device_model) if x) or "unknown model"
        return (
            f"customer {i.custom_user_id or '—'} · {i.platform} · {model} · {i.app.name}"
            f" ({i.app.bundle_id})"
        )

    def route_line(self) -> str:
        i = self.installation
        if self.wire == "apns":
            where = f"APNs {i.apns_environment}"
        else:
            where = f"FCM project {i.app.fcm_project_id or '(from the service account)'}"
        if self.provider_host:
            where += f" via {self.provider_host}"
        if self.simulated:
            where += " — SIMULATED, nothing leaves this machine"
        return where

    def profile_line(self) -> str:
        """Profile, environment and store: `Staging (staging) · STAGING · eu: host/db`.
        Terminal-safe: the profile's words come from the profile file."""
        name = escape(self.profile_label)
        if self.profile_label != self.profile:
            name += f" ({escape(self.profile)})"
        return f"{name} · {self.environment.upper()} · {self.store_label}"

    def summary_lines(self) -> list[str]:
        """What the confirmation screen and the command line show before a send."""
        i = self.installation
        lines = [
            f"Profile       {self.profile_line()} · operator {self.operator}",
            f"Device        {self.device_line()}",
            f"Installation  {i.installation_id}",
            f"Route         {self.route_line()}",
            f"Token         {self.masked_token} ({i.push_token_status})",
            f"Collapse id   {self.content.collapse_id}",
            f"Payload       {self.payload_bytes} of {PAYLOAD_LIMIT} bytes"
            + (
                f" (counting a {RECORD_ID_WIDTH}-digit {KEY_RECORD})" if self.content.marked else ""
            ),
        ]
        lines.extend("  " + line for line in self.payload_text.splitlines())
        lines.extend(f"⚠ {w}" for w in self.warnings)
        return lines
