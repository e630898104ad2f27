"""Plain records the repository hands out: no ORM object leaves the store package."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from inspector.boundedjson import parse_object
from inspector.lookup import KeyKind

# A stored value that could not be read as its column's type (a timestamp "yesterday", a
# MariaDB zero date, PostgreSQL 'infinity'): the field holds None and `invalid` maps the
# column name to the raw value as text, so the device stays visible and says so.
Invalid = Mapping[str, str]

# The event kinds of schema.sql, in the order the history filter lists them.
EVENT_KINDS = (
    "install",
    "session",
    "push_token_changed",
    "opt_in_changed",
    "push_received",
    "push_opened",
    "app_updated",
    "attribute_changed",
    "custom",
)


@dataclass(frozen=True, slots=True)
class App:
    app_id: str
    name: str
    platform: str
    bundle_id: str
    fcm_project_id: str | None
    apns_topic: str | None


@dataclass(frozen=True, slots=True)
class Installation:
    installation_id: str
    app: App
    custom_user_id: str | None
    advertising_id: str | None
    platform: str
    device_brand: str | None
    device_model: str | None
    os_version: str | None
    app_version: str | None
    sdk_version: str | None
    language: str | None
    region: str | None
    timezone: str | None
    push_provider: str | None
    push_token: str | None
    apns_environment: str | None
    push_token_updated_at: datetime | None
    push_token_status: str
    notifications_enabled: bool | None
    installed_at: datetime | None
    last_seen_at: datetime | None
    attributes_text: str | None = field(default=None, repr=False)
    invalid: Invalid = field(default_factory=dict)
    # The name of the store it was read from: "" for a profile's one store, `eu`, `us`…
    # for regional stores. A re-read (before a send) asks that store again.
    store: str = ""

    @property
    def attributes(self) -> dict[str, Any]:
        """The attributes as a dict; text that is not a JSON object (or is over the
        bounds) is kept under `_raw`, with `_note` saying why."""
        return parse_object(self.attributes_text)


@dataclass(frozen=True, slots=True)
class Match:
    installation: Installation
    matched_by: tuple[KeyKind, ...]


@dataclass(frozen=True, slots=True)
class FindResult:
    matches: tuple[Match, ...]
    # Rows beyond the cap, per probe kind; None means "more than the count limit".
    more: dict[KeyKind, int | None] = field(default_factory=dict)
    # Regional stores: one line per store that failed or timed out (its results are
    # missing), naming it. Never empty when a store was not heard from.
    warnings: tuple[str, ...] = ()

    @property
    def truncated(self) -> bool:
        return any(n is None or n > 0 for n in self.more.values())

    def more_text(self, tail: str = "") -> str | None:
        """What the cap left out, per key: "12 more by Customer ID", or None."""
        parts = []
        for kind, n in self.more.items():
            if n is None:
                parts.append(f"more than 10,000 more by {kind.label}{tail}")
            elif n:
                parts.append(f"{n:,} more by {kind.label}{tail}")
        return "; ".join(parts) or None


@dataclass(frozen=True, slots=True)
class Event:
    event_id: int
    installation_id: str
    occurred_at: datetime | None
    kind: str
    detail_text: str | None = field(default=None, repr=False)
    invalid: Invalid = field(default_factory=dict)

    @property
    def detail(self) -> dict[str, Any]:
        return parse_object(self.detail_text)


@dataclass(frozen=True, slots=True)
class HistoryCursor:
    """Keyset position: the next page starts strictly before this event.

    Opaque to callers: it holds the last event's `occurred_at` and `event_id` exactly as
    the driver returned them (a datetime, or the raw text of a time that is not one:
    'infinity', a MariaDB zero date, SQLite 'yesterday'). Bound back unchanged, they
    compare in the database exactly as the rows were sorted there, so an unreadable time
    neither stops the paging nor repeats or loses an event.
    """

    stored_at: Any = field(repr=False)
    stored_event_id: Any = field(repr=False)


@dataclass(frozen=True, slots=True)
class HistoryPage:
    events: tuple[Event, ...]
    next_cursor: HistoryCursor | None


@dataclass(frozen=True, slots=True)
class DayActivity:
    day: date
    sessions: int
    pushes_received: int
    pushes_opened: int
