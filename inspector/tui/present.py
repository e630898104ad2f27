"""What the screens show, as plain values: pure functions over store records (no Textual).

Keeping formatting here makes it testable without a terminal and keeps widgets thin.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from inspector.health import DeviceState, device_states, token_state
from inspector.lookup import KeyKind
from inspector.masking import mask_advertising_id, mask_token
from inspector.store.records import Event, FindResult, Installation, Match
from inspector.timefmt import ago, stamp

PLATFORM_NAMES = {"ios": "iOS", "android": "Android", "web": "Web"}
KIND_LABELS = {
    "install": "install",
    "session": "session",
    "push_token_changed": "token changed",
    "opt_in_changed": "opt-in changed",
    "push_received": "push received",
    "push_opened": "push opened",
    "app_updated": "app updated",
    "attribute_changed": "attribute changed",
    "custom": "custom",
}
# The journal's records about a device, shown in its timeline beside the store's events.
JOURNAL_KIND_PREFIX = "inspector:"
JOURNAL_LABELS = {
    "push.intent": "⚑ test push asked",
    "push.outcome": "⚑ test push verdict",
    "token.check": "⚑ token check",
    "test_device.add": "⚑ marked test device",
    "test_device.rename": "⚑ test device renamed",
    "test_device.remove": "⚑ test device removed",
    "reveal": "⚑ value revealed",
    "export": "⚑ exported",
}


def platform_name(platform: str | None) -> str:
    return PLATFORM_NAMES.get(platform or "", platform or "—")


def dash(value: Any) -> str:
    """Empty values read as a dash, never as 'None'."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def when(value: datetime | None, now: datetime) -> str:
    """Absolute and relative: '2026-11-27 10:00:00 UTC (2 h ago)'."""
    if value is None:
        return "—"
    return f"{stamp(value)} ({ago(value, now)})"


@dataclass(frozen=True, slots=True)
class ResultRow:
    """One line of the results table; `customer` is blank after the first row of a group."""

    installation_id: str
    customer: str
    marker: str
    platform: str
    app: str
    model: str
    app_version: str
    last_seen: str
    token: str
    matched: str
    state: str

    def cells(self) -> tuple[str, ...]:
        return (
            self.marker,
            self.state,
            self.customer,
            self.platform,
            self.app,
            self.model,
            self.app_version,
            self.last_seen,
            self.token,
            self.matched,
        )


RESULT_COLUMNS = (
    " ",
    "state",
    "customer",
    "platform",
    "app",
    "model",
    "version",
    "last seen",
    "token",
    "matched by",
)


def grouped(matches: Sequence[Match]) -> list[Match]:
    """Devices of one customer together, the customer seen most recently first; within a
    customer the live one first, then by last seen."""
    groups: dict[str | None, list[Match]] = {}
    for match in matches:
        groups.setdefault(match.installation.custom_user_id, []).append(match)
    for members in groups.values():
        members.sort(key=lambda m: m.installation.last_seen_at, reverse=True)
    ordered = sorted(groups.values(), key=lambda g: g[0].installation.last_seen_at, reverse=True)
    return [m for group in ordered for m in group]


def result_rows(
    matches: Sequence[Match], now: datetime
) -> tuple[list[ResultRow], dict[str, DeviceState]]:
    ordered = grouped(matches)
    states = device_states([m.installation for m in ordered], now)
    # Within a customer, the live device leads its group (the sort is stable).
    rank: dict[str | None, int] = {}
    for match in ordered:
        rank.setdefault(match.installation.custom_user_id, len(rank))
    ordered.sort(
        key=lambda m: (
            rank[m.installation.custom_user_id],
            not states[m.installation.installation_id].live,
        )
    )
    rows: list[ResultRow] = []
    previous: object = object()
    for match in ordered:
        inst = match.installation
        state = states[inst.installation_id]
        customer = inst.custom_user_id
        rows.append(
            ResultRow(
                installation_id=inst.installation_id,
                customer=("" if customer == previous else dash(customer)),
                marker="●" if state.live else "",
                platform=platform_name(inst.platform),
                app=inst.app.name,
                model=dash(inst.device_model),
                app_version=dash(inst.app_version),
                last_seen=ago(inst.last_seen_at, now),
                token=token_state(inst),
                matched=", ".join(k.label for k in match.matched_by),
                state=state.label,
            )
        )
        previous = customer
    return rows, states


def results_title(result: FindResult, description: str) -> str:
    """'3 installations of customer cust-42' and what lies beyond the cap."""
    n = len(result.matches)
    noun = "installation" if n == 1 else "installations"
    customers = {m.installation.custom_user_id for m in result.matches}
    if len(customers) == 1 and None not in customers:
        title = f"{n} {noun} of customer {next(iter(customers))}"
    else:
        title = f"{n} {noun} for {description}"
    more = result.more_text(", not shown")
    return f"{title} ({more})" if more else title


def not_found_text(description: str, kinds: Iterable[KeyKind]) -> str:
    names = " or ".join(k.label for k in kinds)
    return (
        f"No installation has {description}. Check for a typo, or try another key "
        f"(a {names} is matched exactly)."
    )


# -- device details -------------------------------------------------------------------------


def overview_fields(
    inst: Installation,
    state: DeviceState | None,
    matched_by: Sequence[KeyKind],
    now: datetime,
    *,
    reveal_adid: bool = False,
) -> list[tuple[str, str]]:
    adid = inst.advertising_id if reveal_adid else mask_advertising_id(inst.advertising_id)
    device = " ".join(p for p in (inst.device_brand, inst.device_model) if p)
    status = "—"
    if state is not None:
        status = (
            "LIVE: the customer's most recent device with an active token"
            if state.live
            else (f"STALE: {state.stale_reason}" if state.stale_reason else "not the live device")
        )
    return [
        ("Installation ID", inst.installation_id),
        ("Customer ID", dash(inst.custom_user_id)),
        ("Advertising ID", adid + (" (revealed)" if reveal_adid and inst.advertising_id else "")),
        ("Matched by", ", ".join(k.label for k in matched_by) or "—"),
        ("State", status),
        ("App", f"{inst.app.name} ({inst.app.app_id}, {inst.app.bundle_id})"),
        ("Platform", platform_name(inst.platform)),
        ("OS", dash(inst.os_version)),
        ("Device", device or "—"),
        ("App version", dash(inst.app_version)),
        ("SDK version", dash(inst.sdk_version)),
        ("Language", dash(inst.language)),
        ("Region", dash(inst.region)),
        ("Timezone", dash(inst.timezone)),
        ("Installed", when(inst.installed_at, now)),
        ("Last seen", when(inst.last_seen_at, now)),
        ("Opt-in", _opt_in(inst.notifications_enabled)),
    ]


def _opt_in(enabled: bool | None) -> str:
    if enabled is None:
        return "unknown"
    return "yes (notifications allowed)" if enabled else "no (notifications turned off)"


def push_fields(
    inst: Installation,
    now: datetime,
    *,
    reveal_token: bool = False,
    test_device: str | None = None,
) -> list[tuple[str, str]]:
    token = inst.push_token if reveal_token else mask_token(inst.push_token)
    if reveal_token and inst.push_token:
        token += " (revealed)"
    elif inst.push_token:
        token += " (masked)"
    age = "—"
    if inst.push_token_updated_at is not None:
        days = int((now - inst.push_token_updated_at).total_seconds() // 86400)
        updated = inst.push_token_updated_at.astimezone(UTC).date().isoformat()
        age = f"{days} day{'s' if days != 1 else ''} (updated {updated})"
    fields = [
        ("Provider", {"apns": "APNs", "fcm": "FCM"}.get(inst.push_provider or "", "—")),
        ("Push token", token),
        ("APNs environment", dash(inst.apns_environment) if inst.push_provider == "apns" else "—"),
        ("Token age", age),
        ("Token status", inst.push_token_status),
        ("Opt-in", _opt_in(inst.notifications_enabled)),
        ("Topic / project", dash(inst.app.apns_topic or inst.app.fcm_project_id)),
        ("Test device", test_device or "no (not on the test-device list)"),
    ]
    return fields


def flatten(value: Any, prefix: str = "") -> Iterator[tuple[str, str]]:
    """Nested attributes as dotted keys with readable values."""
    if isinstance(value, dict):
        if not value and prefix:
            yield prefix, "{}"
        for key, inner in value.items():
            yield from flatten(inner, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(value, list):
        yield prefix, json.dumps(value, ensure_ascii=False)
    elif isinstance(value, bool):
        yield prefix, "true" if value else "false"
    elif value is None:
        yield prefix, "null"
    else:
        yield prefix, str(value)


def event_summary(event: Event, limit: int = 80) -> str:
    """One line: the detail's key=value pairs."""
    detail = event.detail
    if not detail:
        return ""
    text = ", ".join(f"{k}={_short(v)}" for k, v in detail.items())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _short(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def event_detail(event: Event, now: datetime) -> str:
    """The whole event, readable: header lines and the detail as indented JSON."""
    head = (
        f"{kind_label(event.kind)} · {stamp(event.occurred_at)} ({ago(event.occurred_at, now)})"
        f" · event {event.event_id}"
    )
    detail = event.detail
    body = (
        json.dumps(detail, ensure_ascii=False, indent=2, sort_keys=True) if detail else "no detail"
    )
    return f"{head}\n{body}"


def kind_label(kind: str) -> str:
    if kind.startswith(JOURNAL_KIND_PREFIX):
        action = kind.removeprefix(JOURNAL_KIND_PREFIX)
        return JOURNAL_LABELS.get(action, f"⚑ {action}")
    return KIND_LABELS.get(kind, kind)


def journal_event(
    record_id: int, at: datetime, operator: str, action: str, outcome: str, details: dict[str, Any]
) -> Event:
    """A journal record as a timeline event: one list, one table, two sources.
    Negative ids keep it apart from the store's event ids."""
    detail = {"by": operator, "outcome": outcome, **details}
    return Event(
        event_id=-record_id,
        installation_id="",
        occurred_at=at,
        kind=JOURNAL_KIND_PREFIX + action,
        detail_text=json.dumps(detail, ensure_ascii=False, default=str),
    )


def last_verdict(journal_events: Sequence[Event], now: datetime) -> str | None:
    """The newest test push or token check of a device, from its journal records
    (newest first): what the Push tab says before anything is sent in this session."""
    for event in journal_events:
        action = event.kind.removeprefix(JOURNAL_KIND_PREFIX)
        outcome = str(event.detail.get("outcome", ""))
        if action == "push.intent":
            label = "Last test push"
        elif action == "token.check" and outcome != "intent":
            label = "Last token check"
        else:
            continue
        said = "accepted" if outcome == "ok" else outcome
        by = event.detail.get("by", "?")
        return f"{label} {ago(event.occurred_at, now)} by {by}: {said}"
    return None
