"""A hostile installation store: what apps and their users can put in the columns.

Markup, terminal escapes (OSC title, OSC 52 clipboard, clear screen, C1 CSI), bidi
overrides, JSON nested 30,000 levels deep, NaN and 1e999, timestamps that are not
timestamps, booleans stored as text and an Installation ID in mixed case. Built on
SQLite, PostgreSQL and MariaDB; `odd_types=True` also changes column types the way real
stores drift from schema.sql (PostgreSQL TEXT/DATE timestamps and JSONB, MariaDB
VARCHAR booleans), which needs every JSON value to be valid, so the deep JSON is left
out of that variant.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import create_engine
from sqlalchemy.engine import URL

from inspector.fixtures.writer import bulk_insert
from inspector.store.schema import create_schema

NOW = datetime(2026, 11, 27, 12, 0, 0, tzinfo=UTC)

# Sequences that must never reach a terminal raw.
OSC_TITLE = "\x1b]0;PWNED\x07"
OSC_CLIPBOARD = "\x1b]52;c;cHduZWQ=\x07"
CLEAR = "\x1b[2J\x1b[H"
C1_CSI = "\x9b31m"
BIDI = "\u202e"
# Bytes a test looks for in raw terminal output: none of them may appear.
FORBIDDEN_OUTPUT = ("\x1b]0;PWNED", "\x1b]52;", "PWNED\x07", "\x9b", BIDI)

MARKUP = "[/]"
STYLED = "[bold red]x[/]"
LINK = "[link=file:///etc/passwd]click[/link]"
ACTION = "[@click=app.quit]q[/]"
DEEP_JSON = "[" * 30_000 + "]" * 30_000
DEEP_OBJECT = '{"a":' * 10_000 + "1" + "}" * 10_000  # fits MariaDB's TEXT (64 KiB)

APP = "hostile-app"
H_MARKUP = "hostile-markup"
H_ESCAPE = "hostile-escape"
H_JSON = "hostile-json"
H_DEEP = "hostile-deep"
H_TIME = "hostile-time"
H_BOOL = "hostile-bool"
MIXED = "Dev-Mixed-1"
ALL = (H_MARKUP, H_ESCAPE, H_JSON, H_DEEP, H_TIME, H_BOOL, MIXED)
# The Customer ID every hostile device shares except H_MARKUP and H_ESCAPE, which hold
# hostile ones of their own.
CUSTOMER = "hostile-customer"
MARKUP_CUSTOMER = "[/]"
ESCAPE_CUSTOMER = f"cust-{OSC_TITLE}{CLEAR}"


def _naive(at: datetime) -> datetime:
    return at.astimezone(UTC).replace(tzinfo=None)


def _inst(iid: str, **kw: Any) -> dict[str, Any]:
    row: dict[str, Any] = dict(
        installation_id=iid, app_id=APP, custom_user_id=CUSTOMER, advertising_id=None,
        platform="android", device_brand="Google", device_model="Pixel 8", os_version="14",
        app_version="1.0.0", sdk_version="4.8.1", language="en", region="US",
        timezone="Europe/Paris", push_provider="fcm", push_token=f"tok-{iid}-" + "a" * 100,
        apns_environment=None, push_token_updated_at=_naive(NOW - timedelta(days=3)),
        push_token_status="active", notifications_enabled=True,
        installed_at=_naive(NOW - timedelta(days=100)),
        last_seen_at=_naive(NOW - timedelta(hours=1)), attributes=None,
    )  # fmt: skip
    row.update(kw)
    return row


def installations(*, deep: bool = True) -> list[dict[str, Any]]:
    escaped_attrs = {
        "title": OSC_TITLE + "x",
        "clipboard": OSC_CLIPBOARD,
        "clear": CLEAR,
        "c1": C1_CSI,
        "bidi": BIDI + "evil",
        MARKUP: STYLED,
        "link": LINK,
        "newline": "a\nb\rc",
    }
    rows = [
        _inst(
            H_MARKUP,
            custom_user_id=MARKUP_CUSTOMER,
            device_brand=LINK,
            device_model=STYLED,
            app_version=MARKUP,
            os_version=ACTION,
            sdk_version="[",
            push_token_status=MARKUP,
            push_provider=MARKUP,
            language="[b]",
            region="[/b]",
            timezone=MARKUP,
            attributes=json.dumps({MARKUP: STYLED, "link": LINK, "action": ACTION}),
        ),
        _inst(
            H_ESCAPE,
            custom_user_id=ESCAPE_CUSTOMER,
            device_brand=OSC_CLIPBOARD,
            device_model=f"Pixel{CLEAR}",
            app_version=C1_CSI,
            os_version=BIDI + "14",
            sdk_version="\r\n\t",
            push_token_status=f"{CLEAR}x",
            timezone=OSC_TITLE,
            attributes=json.dumps(escaped_attrs),
        ),
        _inst(
            H_JSON,
            attributes='{"nan": NaN, "inf": Infinity, "big": 1e999, "ok": 1.5, '
            '"esc": "\\u001b]0;PWNED\\u0007", "raw": "' + "\x1b[2J" + '"}',
        ),
        _inst(H_TIME),
        _inst(H_BOOL),
        _inst(MIXED, device_model="Pixel 9"),
    ]
    if deep:
        rows.append(_inst(H_DEEP, attributes=DEEP_JSON))
    return rows


def events(*, deep: bool = True) -> list[dict[str, Any]]:
    at = _naive(NOW - timedelta(hours=2))
    rows = []
    specs: list[tuple[str, str, str | None]] = [
        (H_MARKUP, MARKUP, json.dumps({MARKUP: LINK})),
        (H_MARKUP, STYLED, None),
        (H_ESCAPE, OSC_TITLE, json.dumps({"t": OSC_TITLE, "c": CLEAR})),
        (H_ESCAPE, "session", json.dumps({"c1": C1_CSI, "bidi": BIDI})),
        (H_JSON, "custom", '{"nan": NaN, "big": -1e999}'),
        (H_TIME, "session", json.dumps({"duration_s": 3})),
        (H_TIME, "session", json.dumps({"duration_s": 4})),
        (MIXED, "session", None),
    ]
    if deep:
        specs += [(H_DEEP, "custom", DEEP_OBJECT), (H_DEEP, "session", DEEP_JSON)]
    for n, (iid, kind, detail) in enumerate(specs):
        rows.append(
            dict(
                event_id=9_000 + n,
                installation_id=iid,
                occurred_at=at - timedelta(minutes=n),
                kind=kind,
                detail=detail,
            )
        )
    return rows


# Values written after the typed insert, as each engine lets them in.
_ODD_VALUES = {
    "sqlite": [
        f"UPDATE installations SET installed_at = 'yesterday', "
        f"push_token_updated_at = 'not a date' WHERE installation_id = '{H_TIME}'",
        f"UPDATE installation_events SET occurred_at = 'yesterday' "
        f"WHERE installation_id = '{H_TIME}' AND event_id = 9005",
        f"UPDATE installations SET notifications_enabled = 'false' "
        f"WHERE installation_id = '{H_BOOL}'",
    ],
    "postgresql": [
        f"UPDATE installations SET push_token_updated_at = 'infinity', "
        f"installed_at = '-infinity' WHERE installation_id = '{H_TIME}'",
        f"UPDATE installation_events SET occurred_at = 'infinity' "
        f"WHERE installation_id = '{H_TIME}' AND event_id = 9005",
    ],
    "mysql": [
        "SET SESSION sql_mode = ''",
        f"UPDATE installations SET installed_at = '0000-00-00 00:00:00', "
        f"push_token_updated_at = '2026-02-31 00:00:00' WHERE installation_id = '{H_TIME}'",
        f"UPDATE installation_events SET occurred_at = '0000-00-00 00:00:00' "
        f"WHERE installation_id = '{H_TIME}' AND event_id = 9005",
    ],
}

# Column types drifted from schema.sql, as found in real stores.
_ODD_TYPES = {
    "sqlite": [],
    "postgresql": [
        "ALTER TABLE installations ALTER COLUMN installed_at TYPE TEXT",
        "ALTER TABLE installations ALTER COLUMN push_token_updated_at TYPE DATE",
        "ALTER TABLE installations ALTER COLUMN notifications_enabled TYPE TEXT",
        f"UPDATE installations SET notifications_enabled = 'false', installed_at = 'last week'"
        f" WHERE installation_id = '{H_BOOL}'",
        "ALTER TABLE installations ALTER COLUMN attributes TYPE JSONB USING attributes::jsonb",
        "ALTER TABLE installation_events ALTER COLUMN detail TYPE JSONB USING detail::jsonb",
    ],
    "mysql": [
        "ALTER TABLE installations MODIFY notifications_enabled VARCHAR(8) NULL",
        f"UPDATE installations SET notifications_enabled = 'false'"
        f" WHERE installation_id = '{H_BOOL}'",
    ],
}


def build_hostile_store(url: URL, *, odd_types: bool = False) -> None:
    """Write the hostile rows into an empty database (schema.sql first)."""
    engine = create_engine(url)
    dialect = engine.dialect.name
    try:
        create_schema(engine)
        app = dict(
            app_id=APP, name=f"Shop {STYLED}{OSC_TITLE}", platform="android",
            bundle_id="com.example.hostile", fcm_project_id="hostile-prod", apns_topic=None,
        )  # fmt: skip
        # JSONB refuses NaN and 1e999, and deep nesting: the odd-types store keeps to
        # what it accepts.
        deep = not odd_types
        rows = installations(deep=deep)
        evts = events(deep=deep)
        if odd_types and dialect == "postgresql":
            for row in rows:
                if row["installation_id"] == H_JSON:
                    row["attributes"] = json.dumps({"esc": OSC_TITLE, "m": MARKUP})
            for event in evts:
                if event["installation_id"] == H_JSON:
                    event["detail"] = json.dumps({"esc": CLEAR})
        with engine.begin() as conn:
            bulk_insert(conn, "apps", [app])
            bulk_insert(conn, "installations", rows)
            bulk_insert(conn, "installation_events", evts)
        with engine.begin() as conn:
            for statement in _ODD_VALUES[dialect] + (_ODD_TYPES[dialect] if odd_types else []):
                conn.exec_driver_sql(statement)
    finally:
        engine.dispose()
