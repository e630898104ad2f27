"""What a support or QA engineer needs to know about a device's reachability.

Pure functions over store records: which installation of a customer is the live one,
which were left behind, and what warnings the push state deserves.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from inspector.store.records import Installation
from inspector.timefmt import ago

# FCM treats tokens of devices inactive for over a month as stale; Android tokens
# expire after 270 days of inactivity.
STALE_AFTER = timedelta(days=30)
ANDROID_TOKEN_EXPIRY = timedelta(days=270)


@dataclass(frozen=True, slots=True)
class DeviceState:
    live: bool
    stale_reason: str | None

    @property
    def label(self) -> str:
        if self.live:
            return "LIVE"
        return "STALE" if self.stale_reason else ""


def device_states(
    installations: Sequence[Installation], now: datetime | None = None
) -> dict[str, DeviceState]:
    """LIVE: per customer, the most recently seen installation with an active token.
    STALE: left behind by a reinstall (same customer, app and model installed later)
    or not seen for over a month."""
    now = now or datetime.now(UTC)
    live_ids = set()
    by_customer: dict[str | None, list[Installation]] = {}
    for inst in installations:
        by_customer.setdefault(inst.custom_user_id, []).append(inst)
    for customer, group in by_customer.items():
        # A device whose last seen time is unknown (empty or unreadable) cannot be shown
        # to be the most recent one, so it is never the live one.
        candidates = [
            i
            for i in group
            if i.push_token and i.push_token_status == "active" and i.last_seen_at is not None
        ]
        if customer is not None and candidates:
            live_ids.add(max(candidates, key=_last_seen).installation_id)
    states = {}
    for inst in installations:
        siblings = by_customer.get(inst.custom_user_id, []) if inst.custom_user_id else []
        reason = _stale_reason(inst, siblings, now)
        live = inst.installation_id in live_ids and reason is None
        states[inst.installation_id] = DeviceState(live, reason)
    return states


def _last_seen(inst: Installation) -> datetime:
    return _aware(inst.last_seen_at) if inst.last_seen_at else datetime.min.replace(tzinfo=UTC)


def _aware(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def _inactive(inst: Installation, now: datetime) -> timedelta | None:
    """How long the device has not been seen; None when that is unknown."""
    if inst.last_seen_at is None:
        return None
    try:
        return _aware(now) - _aware(inst.last_seen_at)
    except OverflowError:
        return None


def _stale_reason(
    inst: Installation, siblings: Iterable[Installation], now: datetime
) -> str | None:
    for other in siblings:
        if (
            other.installation_id != inst.installation_id
            and other.app.app_id == inst.app.app_id
            and other.device_model == inst.device_model
            and other.installed_at is not None
            and inst.installed_at is not None
            and _aware(other.installed_at) > _aware(inst.installed_at)
        ):
            return f"left behind by a reinstall {ago(other.installed_at, now)}"
    inactive = _inactive(inst, now)
    if inactive is not None and inactive > STALE_AFTER:
        return f"not seen for {ago(inst.last_seen_at, now).removesuffix(' ago')}"
    return None


def push_warnings(inst: Installation, now: datetime | None = None) -> list[str]:
    """Warnings about whether a push can reach this device, most serious first."""
    now = now or datetime.now(UTC)
    warnings = []
    if not inst.push_token:
        warnings.append("no push token: the app never registered for push on this device")
    elif inst.push_token_status != "active":
        since = (
            f" since {ago(inst.push_token_updated_at, now)}" if inst.push_token_updated_at else ""
        )
        warnings.append(f"token {inst.push_token_status}{since}: pushes to it are rejected")
    if inst.notifications_enabled is False:
        warnings.append("notifications are turned off on this device (opted out)")
    if inst.push_provider == "apns" and inst.apns_environment == "sandbox":
        warnings.append(
            "sandbox token (development or TestFlight build): only the APNs sandbox accepts it"
        )
    inactive = _inactive(inst, now)
    if inactive is None:
        if "last_seen_at" in inst.invalid:
            warnings.append("last seen time unknown: the stored value is not a time")
    elif inst.platform == "android" and inactive > ANDROID_TOKEN_EXPIRY:
        warnings.append(f"inactive for {inactive.days} days: Android tokens expire after 270 days")
    elif inactive > STALE_AFTER:
        warnings.append(
            f"inactive for {inactive.days} days: FCM treats such tokens as stale"
            if inst.push_provider == "fcm"
            else f"inactive for {inactive.days} days"
        )
    return warnings
