"""What the screens show, as plain values: pure functions over store records (no Textual).

Keeping formatting here makes it testable without a terminal and keeps widgets thin.

Device facts (platform, device, opt-in, token state, APNs environment, times) read as
`inspector.facts` says them, the same as on the command line.

Every value from outside (store, journal, user, config) is text, never markup, and is made
safe for a terminal once (`inspector.safetext.escape`). The rule here: values for cells and
fields come back escaped, ready for a `Text`; sentences that go to the status line, a
notification or a dialog (`results_title`, `last_verdict`, ...) stay raw and are escaped
where they are shown, with `message_lines`, unless they are a `SafeLine`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from inspector.config import Settings
from inspector.facts import (
    apns_environment,
    dash,
    device_label,
    opt_in,
    platform_name,
    provider_name,
    seen,
    token_state,
)
from inspector.facts import at as facts_at
from inspector.health import DeviceState, device_states
from inspector.lookup import KeyKind
from inspector.masking import mask_advertising_id, mask_token
from inspector.safetext import clip, escape, has_unsafe
from inspector.store.records import Event, FindResult, Installation, Match
from inspector.timefmt import INVALID, age_days, ago, stamp, when

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
    "proof.device": "⚑ proof sent to it",
    "approval.request": "⚑ approval asked",
    "approval.approve": "⚑ approval given",
    "approval.reject": "⚑ approval refused",
    "approval.use": "⚑ approved push used",
}


class SafeLine(str):
    """A sentence made terminal-safe where it was made (its parts escaped, an error's
    words from `inspector.errors`): `message_lines` takes it as it is, never escaping
    it a second time."""

    __slots__ = ()


def profile_words(settings: Settings) -> str:
    """What a dialog calls the profile it acts on: `Staging (staging) · STAGING`,
    terminal-safe (the label and name come from the profile file)."""
    name = escape(settings.display_name)
    if settings.display_name != settings.profile:
        name += f" ({escape(settings.profile)})"
    return f"{name} · {settings.environment.value.upper()}"


def message_lines(text: str) -> str:
    """A sentence for the status line, a notification or a dialog, made safe line by line
    (a verdict's explanation keeps its own lines)."""
    if isinstance(text, SafeLine):
        return str(text)
    return "\n".join(escape(line) for line in text.split("\n"))


def visible_json(text: str) -> str:
    """JSON text (json.dumps already escapes quotes, backslashes and C0 controls): what it
    leaves raw (C1, bidi overrides, line separators) made visible, newlines kept."""
    if not has_unsafe(text.replace("\n", "")):
        return text
    return "".join(ch if ch == "\n" or not has_unsafe(ch) else escape(ch) for ch in text)


def json_text(value: Any, *, indent: int | None = None) -> str:
    """A parsed JSON value for the screen: readable (non-ASCII kept) and safe."""
    dumped = json.dumps(value, ensure_ascii=False, indent=indent, sort_keys=True, default=str)
    return visible_json(dumped)


def time_cells(
    value: datetime | None, now: datetime, invalid: str | None = None
) -> tuple[str, str]:
    """A time as two table cells, the UTC stamp and how long ago."""
    if value is None:
        return (INVALID if invalid is not None else "—"), ""
    return stamp(value).removesuffix(" UTC"), ago(value, now)


def _recent_first(at: datetime | None) -> tuple[bool, datetime]:
    """A sort key (with reverse=True): the most recent first, unknown times last."""
    if at is None:
        return False, _EARLIEST
    return True, at if at.tzinfo is not None else at.replace(tzinfo=UTC)


_EARLIEST = datetime.min.replace(tzinfo=UTC)


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
    # The regional store it came from ("" for a profile's one store), and the row's key.
    store: str = ""
    key: str = ""

    def cells(self, *, with_store: bool = False) -> tuple[str, ...]:
        store = (self.store,) if with_store else ()
        return (
            self.marker,
            self.state,
            *store,
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


STORE_COLUMN = "store"


def result_columns(regional: bool) -> tuple[str, ...]:
    """The results table's columns: a profile with several stores names each row's."""
    if not regional:
        return RESULT_COLUMNS
    return (*RESULT_COLUMNS[:2], STORE_COLUMN, *RESULT_COLUMNS[2:])


def row_key(inst: Installation) -> str:
    """What identifies a result row: the Installation ID, with its store's name in front
    for a regional store (store names hold no "/"), so the same id read from two stores
    is two rows."""
    return f"{inst.store}/{inst.installation_id}" if inst.store else inst.installation_id


def grouped(matches: Sequence[Match]) -> list[Match]:
    """Devices of one customer together, the customer seen most recently first; within a
    customer the live one first, then by last seen."""
    groups: dict[str | None, list[Match]] = {}
    for match in matches:
        groups.setdefault(match.installation.custom_user_id, []).append(match)
    for members in groups.values():
        members.sort(key=lambda m: _recent_first(m.installation.last_seen_at), reverse=True)
    ordered = sorted(
        groups.values(), key=lambda g: _recent_first(g[0].installation.last_seen_at), reverse=True
    )
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
                app=escape(inst.app.name),
                model=dash(inst.device_model),
                app_version=dash(inst.app_version),
                last_seen=seen(inst, now),
                token=token_state(inst),
                matched=", ".join(k.label for k in match.matched_by),
                state=state.label,
                store=escape(inst.store) if inst.store else "—",
                key=row_key(inst),
            )
        )
        previous = customer
    return rows, states


def results_title(result: FindResult, description: str) -> str:
    """'3 installations of customer cust-42' and what lies beyond the cap (a sentence:
    raw, escaped by the status line)."""
    n = len(result.matches)
    noun = "installation" if n == 1 else "installations"
    customers = {m.installation.custom_user_id for m in result.matches}
    if len(customers) == 1 and None not in customers:
        title = f"{n} {noun} of customer {next(iter(customers))}"
    else:
        title = f"{n} {noun} for {description}"
    more = result.more_text(", not shown")
    return f"{title} ({more})" if more else title


def not_found_text(description: str, kinds: Iterable[KeyKind], warnings: Sequence[str] = ()) -> str:
    names = " or ".join(k.label for k in kinds)
    if warnings:
        # A store did not answer: its devices may hold the key, so no "no installation".
        return f"Nothing found for {description} in the stores that answered."
    return (
        f"No installation has {description}. Check for a typo, or try another key "
        f"(a {names} is matched exactly)."
    )


def partial_text(warnings: Sequence[str]) -> str:
    """The warnings of a lookup some store did not answer (each names its store): the
    results shown are partial. A sentence per line: raw, escaped where shown."""
    return "\n".join(f"⚠ Partial results: {w}" for w in warnings)


# -- device details -------------------------------------------------------------------------


def overview_fields(
    inst: Installation,
    state: DeviceState | None,
    matched_by: Sequence[KeyKind],
    now: datetime,
    *,
    reveal_adid: bool = False,
) -> list[tuple[str, str]]:
    adid = escape(
        (inst.advertising_id or "") if reveal_adid else mask_advertising_id(inst.advertising_id)
    )
    status = "—"
    if state is not None:
        status = (
            "LIVE: the customer's most recent device with an active token"
            if state.live
            else (f"STALE: {state.stale_reason}" if state.stale_reason else "not the live device")
        )
    app = f"{inst.app.name} ({inst.app.app_id}, {inst.app.bundle_id})"
    return [
        ("Installation ID", escape(inst.installation_id)),
        ("Customer ID", dash(inst.custom_user_id)),
        ("Advertising ID", adid + (" (revealed)" if reveal_adid and inst.advertising_id else "")),
        ("Matched by", ", ".join(k.label for k in matched_by) or "—"),
        ("State", escape(status)),
        ("App", escape(app)),
        ("Platform", platform_name(inst.platform)),
        ("OS", dash(inst.os_version)),
        ("Device", device_label(inst)),
        ("App version", dash(inst.app_version)),
        ("SDK version", dash(inst.sdk_version)),
        ("Language", dash(inst.language)),
        ("Region", dash(inst.region)),
        ("Timezone", dash(inst.timezone)),
        ("Installed", facts_at(inst, "installed_at", now)),
        ("Last seen", facts_at(inst, "last_seen_at", now)),
        ("Opt-in", opt_in(inst.notifications_enabled)),
    ]


def push_fields(
    inst: Installation,
    now: datetime,
    *,
    reveal_token: bool = False,
    test_device: str | None = None,
) -> list[tuple[str, str]]:
    token = escape((inst.push_token or "") if reveal_token else mask_token(inst.push_token))
    if reveal_token and inst.push_token:
        token += " (revealed)"
    elif inst.push_token:
        token += " (masked)"
    age = when(None, now, invalid=inst.invalid.get("push_token_updated_at"))
    days = age_days(inst.push_token_updated_at, now)
    if days is not None:
        updated = stamp(inst.push_token_updated_at)[:10]
        age = f"{days} day{'s' if days != 1 else ''} (updated {updated})"
    fields = [
        ("Provider", provider_name(inst.push_provider)),
        ("Push token", token),
        ("APNs environment", apns_environment(inst)),
        ("Token age", age),
        ("Token status", dash(inst.push_token_status)),
        ("Opt-in", opt_in(inst.notifications_enabled)),
        ("Topic / project", dash(inst.app.apns_topic or inst.app.fcm_project_id)),
        ("Test device", escape(test_device) if test_device else "no (not on the test-device list)"),
    ]
    return fields


def flatten(value: Any, prefix: str = "") -> Iterator[tuple[str, str]]:
    """Nested attributes as dotted keys with readable values, both escaped. Attributes
    that were not a JSON object within bounds come as `_raw` (clipped) and `_note`."""
    if isinstance(value, dict):
        if not value and prefix:
            yield prefix, "{}"
        for key, inner in value.items():
            name = escape(str(key))
            yield from flatten(inner, f"{prefix}.{name}" if prefix else name)
    elif isinstance(value, list):
        yield prefix, json_text(value)
    elif isinstance(value, bool):
        yield prefix, "true" if value else "false"
    elif value is None:
        yield prefix, "null"
    else:
        yield prefix, escape(str(value))


def event_summary(event: Event, limit: int = 80) -> str:
    """One line: the detail's key=value pairs, escaped."""
    detail = event.detail
    if not detail:
        return ""
    return clip(", ".join(f"{escape(str(k))}={_short(v)}" for k, v in detail.items()), limit)


def _short(value: Any) -> str:
    if isinstance(value, str):
        return escape(value)
    return json_text(value)


def event_detail(event: Event, now: datetime) -> str:
    """The whole event, readable: header lines and the detail as indented JSON; safe for
    the screen line by line."""
    at = when(event.occurred_at, now, invalid=event.invalid.get("occurred_at"))
    head = f"{kind_label(event.kind)} · {at} · event {event.event_id}"
    detail = event.detail
    body = json_text(detail, indent=2) if detail else "no detail"
    return f"{head}\n{body}"


def kind_label(kind: str) -> str:
    """The event kind in words; a kind the schema does not name is shown escaped."""
    if kind.startswith(JOURNAL_KIND_PREFIX):
        action = kind.removeprefix(JOURNAL_KIND_PREFIX)
        return JOURNAL_LABELS.get(action, f"⚑ {escape(action)}")
    return KIND_LABELS.get(kind, escape(kind))


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
    (newest first): what the Push tab says before anything is sent in this session.
    A sentence: raw, escaped where it is shown."""
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
