"""The read-only repository against the demo store, on SQLite, PostgreSQL and MariaDB."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy.engine import URL

from inspector.fixtures import demo
from inspector.lookup import KeyKind, parse_query
from inspector.store.records import Installation
from inspector.store.repository import StoreRepository
from tests.conftest import DEMO_NOW


@pytest.fixture(scope="module")
def store(demo_store_url: URL) -> Iterator[StoreRepository]:
    repo = StoreRepository.open(demo_store_url)
    yield repo
    repo.close()


def ids(result: object) -> set[str]:
    return {m.installation.installation_id for m in result.matches}  # type: ignore[attr-defined]


def test_customer_with_several_devices(store: StoreRepository) -> None:
    result = store.find(parse_query(demo.CUSTOMER_ANA))
    assert ids(result) == {demo.ANA_IPHONE, demo.ANA_IPAD, demo.ANA_PIXEL}
    assert all(m.matched_by == (KeyKind.CUSTOMER_ID,) for m in result.matches)
    # Most recently seen first.
    assert result.matches[0].installation.installation_id == demo.ANA_IPHONE
    assert not result.truncated


def test_customer_id_is_case_sensitive_and_exact(store: StoreRepository) -> None:
    assert ids(store.find(parse_query("CUST-42"))) == set()
    assert ids(store.find(parse_query("cust-42 x"))) == set()
    assert ids(store.find(parse_query("cid:cust-42 "))) == ids(store.find(parse_query("cust-42")))


def test_non_ascii_customer_id(store: StoreRepository) -> None:
    result = store.find(parse_query(demo.CUSTOMER_UNICODE))
    assert ids(result) == {demo.UNICODE_DEVICE}
    assert result.matches[0].installation.attributes["city"] == "北京"


def test_installation_id_any_case(store: StoreRepository) -> None:
    result = store.find(parse_query(demo.ANA_IPAD.upper()))
    assert ids(result) == {demo.ANA_IPAD}
    assert result.matches[0].matched_by == (KeyKind.INSTALLATION_ID,)


def test_advertising_id_stored_upper_case_is_found_lower_case(store: StoreRepository) -> None:
    result = store.find(parse_query(demo.ANA_IPHONE_IDFA.lower()))
    assert ids(result) == {demo.ANA_IPHONE}
    assert result.matches[0].matched_by == (KeyKind.ADVERTISING_ID,)


def test_push_token_lookup(store: StoreRepository) -> None:
    token = store.get(demo.ANA_PIXEL).push_token  # type: ignore[union-attr]
    assert ids(store.find(parse_query(token))) == {demo.ANA_PIXEL}
    apns = store.get(demo.ANA_IPHONE).push_token  # type: ignore[union-attr]
    spaced = "<" + " ".join(apns[i : i + 8] for i in range(0, 64, 8)) + ">"
    assert ids(store.find(parse_query(spaced))) == {demo.ANA_IPHONE}


def test_get_returns_a_plain_record_with_its_app(store: StoreRepository) -> None:
    inst = store.get(demo.ANA_IPAD)
    assert isinstance(inst, Installation)
    assert inst.app.apns_topic == "com.example.shop"
    assert inst.apns_environment == "sandbox"
    assert inst.installed_at.tzinfo is not None
    assert inst.last_seen_at == DEMO_NOW - timedelta(days=3)
    assert store.get("00000000-0000-4000-8000-000000000000") is None


def test_opt_out_and_token_states(store: StoreRepository) -> None:
    assert store.get(demo.OPTED_OUT).notifications_enabled is False  # type: ignore[union-attr]
    assert store.get(demo.ANA_PIXEL).push_token_status == "unregistered"  # type: ignore[union-attr]
    assert store.get(demo.WEB).platform == "web"  # type: ignore[union-attr]


def test_results_are_capped_and_the_rest_counted(demo_store_url: URL) -> None:
    repo = StoreRepository.open(demo_store_url)
    repo.result_cap = 2
    try:
        result = repo.find(parse_query(demo.CUSTOMER_ANA))
    finally:
        repo.close()
    assert len(result.matches) == 2
    assert result.more == {KeyKind.CUSTOMER_ID: 1}
    assert result.truncated


def test_history_pages_newest_first_without_gaps_or_repeats(store: StoreRepository) -> None:
    seen = []
    cursor = None
    pages = 0
    while True:
        page = store.history(demo.ANA_IPHONE, before=cursor, limit=500)
        seen.extend(page.events)
        pages += 1
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert len(seen) == len({e.event_id for e in seen})
    assert pages >= 10
    assert len(seen) > demo.LONG_HISTORY_EVENTS
    keys = [(e.occurred_at, e.event_id) for e in seen]
    assert keys == sorted(keys, reverse=True)


def test_history_filter_by_kind(store: StoreRepository) -> None:
    first = store.history(demo.ANA_IPHONE, kinds={"push_opened"}, limit=20)
    assert len(first.events) == 20
    assert {e.kind for e in first.events} == {"push_opened"}
    second = store.history(demo.ANA_IPHONE, kinds={"push_opened"}, before=first.next_cursor)
    assert {e.kind for e in second.events} == {"push_opened"}
    assert second.events[0].occurred_at <= first.events[-1].occurred_at
    assert not {e.event_id for e in first.events} & {e.event_id for e in second.events}


def test_history_detail_is_readable(store: StoreRepository) -> None:
    page = store.history(demo.OPTED_OUT, kinds={"opt_in_changed"})
    assert page.events[0].detail == {"notifications_enabled": False, "source": "system settings"}
    assert store.history("no-such-installation").events == ()


def test_activity_per_day_over_90_days(store: StoreRepository) -> None:
    days = store.activity(demo.ANA_IPHONE, now=DEMO_NOW)
    assert len(days) == 90
    assert days[-1].day == DEMO_NOW.date()
    assert days[0].day == (DEMO_NOW - timedelta(days=89)).date()
    assert sum(d.sessions for d in days) > 500
    assert sum(d.pushes_received for d in days) > 200
    quiet = store.activity(demo.ANA_PIXEL, now=DEMO_NOW)
    assert sum(d.sessions + d.pushes_received for d in quiet[-30:]) == 0


def test_apps_are_the_stores_apps_by_id_as_an_installation_reads_them(
    store: StoreRepository,
) -> None:
    apps = store.apps()
    ids = [a.app_id for a in apps]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    ipad = store.get(demo.ANA_IPAD)
    assert ipad is not None and ipad.app in apps
    assert [a.app_id for a in store.apps(limit=2)] == ids[:2]
