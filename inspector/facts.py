"""Device facts in words, the same on every screen and on the command line.

The results table, the device tabs, the confirm screen, the test-device screens and
`inspector show` all say a device's platform, model, opt-in, token state and APNs
environment through these functions, so one fact reads the same everywhere. Every
function returns plain text already made safe for a terminal (store values are
untrusted): callers wrap it in Rich/Textual `Text`, never parse it as markup. The one
exception is `token_words`, the same words unescaped, for a caller that escapes them
itself. None of these is JSON: `--json` carries machine values (inspector.export).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from inspector.safetext import escape
from inspector.store.records import Installation
from inspector.timefmt import INVALID, ago, when

EMPTY = "—"
PLATFORM_NAMES = {"ios": "iOS", "android": "Android", "web": "Web"}
PROVIDER_NAMES = {"apns": "APNs", "fcm": "FCM"}


def dash(value: Any) -> str:
    """Empty values read as a dash, never as 'None'; anything else escaped."""
    if value is None or value == "":
        return EMPTY
    if isinstance(value, bool):
        return "yes" if value else "no"
    return escape(str(value))


def platform_name(platform: str | None) -> str:
    """'iOS', 'Android', 'Web'; a platform the schema does not name is shown as stored."""
    return PLATFORM_NAMES.get(platform or "", dash(platform))


def provider_name(provider: str | None) -> str:
    return PROVIDER_NAMES.get(provider or "", dash(provider))


def device_label(inst: Installation) -> str:
    """Brand and model: 'Google Pixel 8'."""
    return dash(" ".join(p for p in (inst.device_brand, inst.device_model) if p))


def opt_in(enabled: bool | None) -> str:
    if enabled is None:
        return "unknown"
    return "yes (notifications allowed)" if enabled else "no (notifications turned off)"


def apns_environment(inst: Installation) -> str:
    """The APNs environment of an APNs token; a dash for other providers."""
    if inst.push_provider != "apns":
        return f"{EMPTY} (not APNs)"
    return dash(inst.apns_environment)


def token_words(inst: Installation) -> str:
    """The token state in words ('active · production', 'unregistered', 'no token'): the
    store's own words, not escaped (`token_state` escapes them). Display, not data: JSON
    gives push_token_status and apns_environment apart."""
    if not inst.push_token:
        return "no token"
    status = inst.push_token_status or EMPTY
    if inst.push_provider == "apns" and inst.apns_environment:
        return f"{status} · {inst.apns_environment}"
    return status


def token_state(inst: Installation) -> str:
    """'active · production', 'unregistered', 'no token'."""
    return escape(token_words(inst))


def seen(inst: Installation, now: datetime) -> str:
    """When the device was last seen, relative; an unreadable value says so."""
    if inst.last_seen_at is None and "last_seen_at" in inst.invalid:
        return INVALID
    return ago(inst.last_seen_at, now)


def at(inst: Installation, column: str, now: datetime) -> str:
    """A time column of the installation, absolute and relative, or 'invalid value (…)'."""
    value: datetime | None = getattr(inst, column)
    return when(value, now, inst.invalid.get(column))
