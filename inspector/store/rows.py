"""Driver rows into records, read by column name and converted by store/values.py.

A reader is built once per compiled statement from the statement's column names, so a
column added to a model or a select in another order cannot shift a field; per row it is
a list of index reads, which keeps a lookup as fast as reading by position.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
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

    __slots__ = ("_app", "_at", "_attributes", "_enabled", "_optional", "_required", "_times")

    def __init__(self, names: Sequence[str]) -> None:
        at = self._at = _positions(names, INSTALLATION_COLUMNS)
        # (field, position) pairs resolved once, so a row costs index reads only.
        self._optional = tuple((name, at[name]) for name in _OPTIONAL_TEXT)
        self._required = tuple((name, at[name]) for name in _REQUIRED_TEXT)
        self._times = tuple((name, at[name]) for name in _TIMES)
        self._enabled = at["notifications_enabled"]
        self._attributes = at["attributes"]
        self._app = tuple(at[name] for name in _APP_REQUIRED + _APP_TEXT)

    def raw(self, row: Sequence[Any], column: str) -> Any:
        """One column as the driver gave it (the lookup re-checks keys on these)."""
        return row[self._at[column]]

    def __call__(self, row: Sequence[Any], store: str = "") -> Installation:
        """The installation of one row, marked as read from `store` (its name, or "")."""
        text = values.text
        required = values.required_text
        # Text already of its type (nearly every value) skips the call.
        fields: dict[str, Any] = {
            name: v if (v := row[i]) is None or type(v) is str else text(v)
            for name, i in self._optional
        }
        for name, i in self._required:
            v = row[i]
            fields[name] = v if type(v) is str else required(v)
        invalid: dict[str, str] = {}
        for name, i in self._times:
            fields[name], bad = values.timestamp(row[i])
            if bad is not None:
                invalid[name] = bad
        fields["notifications_enabled"], bad = values.boolean(row[self._enabled])
        if bad is not None:
            invalid["notifications_enabled"] = bad
        app_id, app_name, app_platform, bundle_id, fcm_project_id, apns_topic = self._app
        app = App(
            app_id=required(row[app_id]),
            name=required(row[app_name]),
            platform=required(row[app_platform]),
            bundle_id=required(row[bundle_id]),
            fcm_project_id=text(row[fcm_project_id]),
            apns_topic=text(row[apns_topic]),
        )
        return Installation(
            app=app,
            attributes_text=values.json_text(row[self._attributes]),
            invalid=MappingProxyType(invalid) if invalid else _NO_INVALID,
            store=store,
            **fields,
        )


class EventReader:
    """Rows of a select of installation_events columns."""

    __slots__ = ("_at", "_positions")

    def __init__(self, names: Sequence[str]) -> None:
        at = self._at = _positions(names, EVENT_COLUMNS)
        self._positions = tuple(
            at[name] for name in ("event_id", "installation_id", "occurred_at", "kind", "detail")
        )

    def raw(self, row: Sequence[Any], column: str) -> Any:
        """One column as the driver gave it (the keyset cursor binds these back)."""
        return row[self._at[column]]

    def __call__(self, row: Sequence[Any]) -> Event:
        # A history page is the hot loop: values already of their type skip the calls.
        event_id_at, iid_at, occurred_at_at, kind_at, detail_at = self._positions
        occurred_at, bad_time = values.timestamp(row[occurred_at_at])
        event_id: int | None = row[event_id_at]
        bad_id = None
        if type(event_id) is not int:
            event_id, bad_id = values.integer(event_id)
        iid, kind, detail = row[iid_at], row[kind_at], row[detail_at]
        invalid: Mapping[str, str] = _NO_INVALID
        if bad_time is not None or bad_id is not None:
            bad = {"occurred_at": bad_time, "event_id": bad_id}
            invalid = MappingProxyType({k: v for k, v in bad.items() if v is not None})
        return Event(
            event_id=-1 if event_id is None else event_id,
            installation_id=iid if type(iid) is str else values.required_text(iid),
            occurred_at=occurred_at,
            kind=kind if type(kind) is str else values.required_text(kind),
            detail_text=detail if type(detail) is str else values.json_text(detail),
            invalid=invalid,
        )
