"""Property: any text in any column gives the screens values without an exception and
without a character that could act on a terminal (present.py escapes what it returns)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from inspector.lookup import KeyKind
from inspector.safetext import has_unsafe
from inspector.store.records import App, Event, Installation, Match
from inspector.tui.present import (
    event_detail,
    event_summary,
    flatten,
    kind_label,
    message_lines,
    overview_fields,
    push_fields,
    result_rows,
)

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)

# Any text, weighted toward what attacks a terminal or a markup parser.
nasty = st.sampled_from(
    ["[/]", "[bold red]x[/]", "[link=file:///etc/passwd]c[/link]", "\x1b]0;T\x07", "\x9b31m",
     "\u202e", "\x1b[2J", "\\", "\n", "\r", "\u2028", "\x00", "\ud800", "NaN", "1e999"]
)  # fmt: skip
texts = st.lists(st.one_of(st.text(max_size=20), nasty), max_size=4).map("".join)
optional = st.none() | texts
times = st.none() | st.datetimes(
    min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=st.just(UTC)
)


def safe(value: str, *, lines: bool = False) -> bool:
    return not any(has_unsafe(part) for part in (value.split("\n") if lines else [value]))


@st.composite
def installations(draw: st.DrawFn) -> Installation:
    app = App(draw(texts), draw(texts), draw(texts), draw(texts), draw(optional), draw(optional))
    last_seen, installed, updated = draw(times), draw(times), draw(times)
    invalid = {
        name: draw(texts)
        for name, value in (
            ("last_seen_at", last_seen),
            ("installed_at", installed),
            ("push_token_updated_at", updated),
        )
        if value is None and draw(st.booleans())
    }
    return Installation(
        installation_id=draw(texts), app=app, custom_user_id=draw(optional),
        advertising_id=draw(optional), platform=draw(texts), device_brand=draw(optional),
        device_model=draw(optional), os_version=draw(optional), app_version=draw(optional),
        sdk_version=draw(optional), language=draw(optional), region=draw(optional),
        timezone=draw(optional), push_provider=draw(st.none() | st.sampled_from(["apns", "fcm"])
        | texts), push_token=draw(optional), apns_environment=draw(optional),
        push_token_updated_at=updated, push_token_status=draw(texts),
        notifications_enabled=draw(st.none() | st.booleans()), installed_at=installed,
        last_seen_at=last_seen,
        attributes_text=draw(st.none() | texts | texts.map(lambda t: json.dumps({t: t}))),
        invalid=invalid,
    )  # fmt: skip


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(installations(), min_size=1, max_size=4), texts)
def test_any_stored_text_gives_safe_values(insts: list[Installation], label: str) -> None:
    # Unique ids, as the store's primary key guarantees.
    insts = [replace(i, installation_id=f"{n}{i.installation_id}") for n, i in enumerate(insts)]
    matches = [Match(i, (KeyKind.CUSTOMER_ID,)) for i in insts]
    rows, states = result_rows(matches, NOW)
    assert all(safe(cell) for row in rows for cell in row.cells())
    for inst in insts:
        state = states[inst.installation_id]
        for reveal in (False, True):
            fields = overview_fields(inst, state, (KeyKind.CUSTOMER_ID,), NOW, reveal_adid=reveal)
            fields += push_fields(inst, NOW, reveal_token=reveal, test_device=label or None)
            assert all(safe(value) for _, value in fields), fields
        assert all(safe(k) and safe(v) for k, v in flatten(inst.attributes))


@settings(max_examples=300, deadline=None)
@given(texts, st.none() | texts, times, st.none() | texts)
def test_any_event_gives_safe_values(
    kind: str, detail: str | None, at: datetime | None, invalid: str | None
) -> None:
    event = Event(
        event_id=1,
        installation_id="i",
        occurred_at=at,
        kind=kind,
        detail_text=None
        if detail is None
        else (detail if len(detail) % 2 else json.dumps({detail: detail})),
        invalid={"occurred_at": invalid} if at is None and invalid is not None else {},
    )
    assert safe(kind_label(kind))
    assert safe(event_summary(event))
    assert safe(event_detail(event, NOW - timedelta(days=1)), lines=True)


@given(texts)
def test_messages_are_safe_line_by_line(text: str) -> None:
    assert safe(message_lines(text), lines=True)
