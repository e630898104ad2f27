"""Plain-data views of store records, for `--json` output and exported files.

JSON is data, not display: one type per field in every row; null for a missing value
(never the screen's "—"); a time is an ISO 8601 UTC string or null; states are machine
values (`push_token_status` "active", `apns_environment` "production", `live` true),
never the screen's words ("active · production", "2 h ago"). `invalid` is always an
object mapping a column whose stored value could not be read as its type to that raw text
(empty when every value was readable), so null there means "empty" or "see invalid".
The README documents each command's shape and a test holds the output to it.
Write these with `boundedjson.dumps`: values are the store's, unescaped.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from inspector.health import DeviceState, push_warnings
from inspector.masking import mask_advertising_id, mask_token
from inspector.store.records import Event, Installation, Match
from inspector.timefmt import age_days


def iso(value: datetime | None) -> str | None:
    """A time as ISO 8601 UTC, or None."""
    if value is None:
        return None
    # A naive time from a driver is UTC (the store's convention); the contract says UTC.
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC).isoformat()
    try:
        return value.astimezone(UTC).isoformat()
    except OverflowError:  # year 1 with an offset east of UTC: as stored
        return value.isoformat()


def _shown(value: str | None, reveal: bool, mask: Callable[[str], str]) -> str | None:
    if not value:
        return None
    return value if reveal else mask(value)


def installation_to_dict(
    inst: Installation, *, reveal: bool = False, now: datetime | None = None
) -> dict[str, Any]:
    """Every field; token and advertising ID masked unless `reveal`."""
    return {
        "installation_id": inst.installation_id,
        "custom_user_id": inst.custom_user_id,
        # null when missing (the contract), never the screen's "—".
        "advertising_id": _shown(inst.advertising_id, reveal, mask_advertising_id),
        "platform": inst.platform,
        "app": {
            "app_id": inst.app.app_id,
            "name": inst.app.name,
            "platform": inst.app.platform,
            "bundle_id": inst.app.bundle_id,
            "fcm_project_id": inst.app.fcm_project_id,
            "apns_topic": inst.app.apns_topic,
        },
        "device_brand": inst.device_brand,
        "device_model": inst.device_model,
        "os_version": inst.os_version,
        "app_version": inst.app_version,
        "sdk_version": inst.sdk_version,
        "language": inst.language,
        "region": inst.region,
        "timezone": inst.timezone,
        "push_provider": inst.push_provider,
        "push_token": _shown(inst.push_token, reveal, mask_token),
        "push_token_masked": not reveal,
        "apns_environment": inst.apns_environment,
        "push_token_updated_at": iso(inst.push_token_updated_at),
        "push_token_status": inst.push_token_status,
        "notifications_enabled": inst.notifications_enabled,
        "installed_at": iso(inst.installed_at),
        "last_seen_at": iso(inst.last_seen_at),
        "attributes": inst.attributes,
        "warnings": push_warnings(inst, now),
        "invalid": dict(inst.invalid),
    }


def match_to_dict(
    match: Match, state: DeviceState | None = None, *, now: datetime | None = None
) -> dict[str, Any]:
    data = installation_to_dict(match.installation, now=now)
    data["matched_by"] = [k.value for k in match.matched_by]
    if state is not None:
        data |= state_to_dict(state)
    return data


def state_to_dict(state: DeviceState) -> dict[str, Any]:
    """LIVE / STALE as data: two booleans and the reason (null unless stale)."""
    return {
        "live": state.live,
        "stale": state.stale_reason is not None,
        "stale_reason": state.stale_reason,
    }


def match_fields(
    match: Match, state: DeviceState | None, now: datetime | None = None
) -> dict[str, Any]:
    """Every `--fields` name (FIELD_NAMES) with its value for one match: what a QA person
    asks of a device and its token, as machine values, null when unknown."""
    inst = match.installation
    updated = inst.push_token_updated_at
    return {
        "installation_id": inst.installation_id,
        "custom_user_id": inst.custom_user_id,
        "platform": inst.platform,
        "app_id": inst.app.app_id,
        "device_model": inst.device_model,
        "app_version": inst.app_version,
        "push_provider": inst.push_provider,
        "apns_environment": inst.apns_environment,
        "has_push_token": bool(inst.push_token),
        "push_token_status": inst.push_token_status,
        "push_token_updated_at": iso(updated),
        "token_age_days": age_days(updated, now),
        "notifications_enabled": inst.notifications_enabled,
        "last_seen_at": iso(inst.last_seen_at),
        "live": None if state is None else state.live,
        "stale": None if state is None else state.stale_reason is not None,
        "stale_reason": None if state is None else state.stale_reason,
        "matched_by": [k.value for k in match.matched_by],
    }


FIELD_NAMES = (
    "installation_id", "custom_user_id", "platform", "app_id", "device_model",
    "app_version", "push_provider", "apns_environment", "has_push_token",
    "push_token_status", "push_token_updated_at", "token_age_days",
    "notifications_enabled", "last_seen_at", "live", "stale", "stale_reason", "matched_by",
)  # fmt: skip
# `--token-report`: provider, APNs environment, status, age, opt-in, live/stale.
TOKEN_REPORT_FIELDS = (
    "installation_id", "push_provider", "apns_environment", "push_token_status",
    "token_age_days", "notifications_enabled", "live", "stale",
)  # fmt: skip


def event_to_dict(event: Event) -> dict[str, Any]:
    return {
        "event_id": event.event_id,
        "occurred_at": iso(event.occurred_at),
        "kind": event.kind,
        "detail": event.detail,
        "invalid": dict(event.invalid),
    }
