"""Driver rows into records, read by column name and converted by store/values.py.

A reader is built once per compiled statement from the statement's column names, so a
column added to a model or a select in another order cannot shift a field; per row it is
a list of index reads, which keeps a lookup as fast as reading by position.
"""

from __future__ import annotations

from collections.abc import Sequence
from types import MappingProxyType
from typing import Any

from inspector.store import values
from inspector.store.records import App, Event, Installation

_NO_INVALID: MappingProxyType[str, str] = MappingProxyType({})

_OPTIONAL_TEXT = (
    "custom_user_id", "advertising_id", "device_brand", "device_model", "os_version",
    "app_version", "sdk_version", "language", "region", "timezone", "push_provider",
    "push_token", "apns_environment",
)  # fmt: skip
_REQUIRED_TEXT = ("installation_id", "platform", "push_token_status")
_TIMES = ("push_token_updated_at", "installed_at", "last_seen_at")
_APP_TEXT = ("app_fcm_project_id", "app_apns_topic")
_APP_REQUIRED = ("app_id", "app_name", "app_platform", "app_bundle_id")
INSTALLATION_COLUMNS = frozenset(
    _OPTIONAL_TEXT + _REQUIRED_TEXT + _TIMES + _APP_TEXT + _APP_REQUIRED
    + ("notifications_enabled", "attributes")
)  # fmt: skip
EVENT_COLUMNS = frozenset({"event_id", "installation_id", "occurred_at", "kind", "detail"})


def _positions(names: Sequence[str], wanted: frozenset[str]) -> dict[str, int]:
    at = {name: i for i, name in enumerate(names)}
    missing = sorted(wanted - at.keys())
    if missing:
        raise ValueError(f"the statement does not select {', '.join(missing)}")
    return {name: at[name] for name in wanted}


class InstallationReader:
    """Rows of a select of installation columns plus the app's, labelled `app_<name>`."""

    __slots__ = ("_at",)

    def __init__(self, names: Sequence[str]) -> None:
        self._at = _positions(names, INSTALLATION_COLUMNS)

    def raw(self, row: Sequence[Any], column: str) -> Any:
        """One column as the driver gave it (the lookup re-checks keys on these)."""
        return row[self._at[column]]

    def __call__(self, row: Sequence[Any]) -> Installation:
        at = self._at
        text = values.text
        required = values.required_text
        invalid: dict[str, str] = {}
        fields: dict[str, Any] = {name: text(row[at[name]]) for name in _OPTIONAL_TEXT}
        for name in _REQUIRED_TEXT:
            fields[name] = required(row[at[name]])
        for name in _TIMES:
            fields[name], bad = values.timestamp(row[at[name]])
            if bad is not None:
                invalid[name] = bad
        fields["notifications_enabled"], bad = values.boolean(row[at["notifications_enabled"]])
        if bad is not None:
            invalid["notifications_enabled"] = bad
        app = App(
            app_id=required(row[at["app_id"]]),
            name=required(row[at["app_name"]]),
            platform=required(row[at["app_platform"]]),
            bundle_id=required(row[at["app_bundle_id"]]),
            fcm_project_id=text(row[at["app_fcm_project_id"]]),
            apns_topic=text(row[at["app_apns_topic"]]),
        )
        return Installation(
            app=app,
            attributes_text=values.json_text(row[at["attributes"]]),
            invalid=MappingProxyType(invalid) if invalid else _NO_INVALID,
            **fields,
        )


class EventReader:
    """Rows of a select of installation_events columns."""

    __slots__ = ("_at",)

    def __init__(self, names: Sequence[str]) -> None:
        self._at = _positions(names, EVENT_COLUMNS)

    def raw(self, row: Sequence[Any], column: str) -> Any:
        """One column as the driver gave it (the keyset cursor binds these back)."""
        return row[self._at[column]]

    def __call__(self, row: Sequence[Any]) -> Event:
        at = self._at
        invalid: dict[str, str] = {}
        occurred_at, bad = values.timestamp(row[at["occurred_at"]])
        if bad is not None:
            invalid["occurred_at"] = bad
        event_id, bad = values.integer(row[at["event_id"]])
        if bad is not None:
            invalid["event_id"] = bad
        return Event(
            event_id=-1 if event_id is None else event_id,
            installation_id=values.required_text(row[at["installation_id"]]),
            occurred_at=occurred_at,
            kind=values.required_text(row[at["kind"]]),
            detail_text=values.json_text(row[at["detail"]]),
            invalid=MappingProxyType(invalid) if invalid else _NO_INVALID,
        )
