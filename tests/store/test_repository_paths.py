"""The repository's fast paths keep the lookup rules: a bare UUID asked as both keys in one
round trip, caps per key, exact matches, and driver errors as clear store errors."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.engine import URL

from inspector.fixtures.rows import APPS
from inspector.fixtures.writer import bulk_insert
from inspector.lookup import KeyKind, parse_query
from inspector.store.engine import open_writable_engine
from inspector.store.errors import StoreError
from inspector.store.repository import StoreRepository
from inspector.store.schema import create_schema

NOW = datetime(2026, 11, 27, 12, 0, 0)
SHARED_ADID = "5e1f0a3c-7b2d-4c8e-9f10-2a3b4c5d6e7f"  # on 7 devices: more than the cap
CROSS = "0d8f6a52-3c1b-4e7a-8b9c-1d2e3f4a5b6c"  # one device's iid, another's adid
SELF = "7a6b5c4d-3e2f-4a1b-8c9d-0e1f2a3b4c5d"  # one device whose iid is its own adid
CAP = 5


def row(iid: str, adid: str | None, seen_days_ago: int) -> dict[str, object]:
    return dict(
        installation_id=iid, app_id="shop-ios", custom_user_id="cust-paths",
        advertising_id=adid, platform="ios", device_brand="Apple", device_model="iPhone 15",
        os_version="18.1", app_version="6.2.0", sdk_version="4.8.1", language="en",
        region="US", timezone="America/New_York", push_provider="apns",
        push_token=f"{seen_days_ago:064x}", apns_environment="production",
        push_token_updated_at=NOW - timedelta(days=300), push_token_status="active",
        notifications_enabled=True, installed_at=NOW - timedelta(days=400),
        last_seen_at=NOW - timedelta(days=seen_days_ago), attributes=None,
    )  # fmt: skip


@pytest.fixture(scope="module")
def paths_url(dialect: str, make_database: Callable[[str], URL]) -> URL:
    url = make_database(dialect)
    engine = open_writable_engine(url)
    create_schema(engine)
    keys = ("app_id", "name", "platform", "bundle_id", "fcm_project_id", "apns_topic")
    rows = [row(f"00000000-0000-4000-8000-{n:012d}", SHARED_ADID.upper(), n) for n in range(7)]
    rows += [
        row(CROSS, None, 10),
        row("11111111-0000-4000-8000-000000000000", CROSS, 11),
        row(SELF, SELF.upper(), 12),
    ]
    with engine.begin() as conn:
        bulk_insert(conn, "apps", [dict(zip(keys, a, strict=True)) for a in APPS])
        bulk_insert(conn, "installations", rows)
    engine.dispose()
    return url


@pytest.fixture
def store(paths_url: URL) -> Iterator[StoreRepository]:
    repo = StoreRepository.open(paths_url)
    repo.result_cap = CAP
    yield repo
    repo.close()


def test_bare_uuid_caps_and_counts_each_key_on_its_own(store: StoreRepository) -> None:
    result = store.find(parse_query(SHARED_ADID))
    assert len(result.matches) == CAP
    assert all(m.matched_by == (KeyKind.ADVERTISING_ID,) for m in result.matches)
    assert result.more == {KeyKind.ADVERTISING_ID: 2}
    # Most recently seen first.
    seen = [m.installation.last_seen_at for m in result.matches]
    assert seen == sorted(seen, reverse=True)


def test_bare_uuid_says_which_key_matched(store: StoreRepository) -> None:
    result = store.find(parse_query(CROSS.upper()))
    by = {m.installation.installation_id: m.matched_by for m in result.matches}
    assert by == {
        CROSS: (KeyKind.INSTALLATION_ID,),
        "11111111-0000-4000-8000-000000000000": (KeyKind.ADVERTISING_ID,),
    }
    assert not result.truncated
    both = store.find(parse_query(SELF))
    assert [m.matched_by for m in both.matches] == [
        (KeyKind.INSTALLATION_ID, KeyKind.ADVERTISING_ID)
    ]


def test_explicit_prefix_asks_one_key(store: StoreRepository) -> None:
    assert store.find(parse_query(f"adid:{CROSS}")).matches[0].matched_by == (
        KeyKind.ADVERTISING_ID,
    )
    assert store.find(parse_query(f"iid:{SHARED_ADID}")).matches == ()
    got = store.get(SELF.upper())
    assert got is not None and got.installation_id == SELF
    assert got.push_token_updated_at == (NOW - timedelta(days=300)).replace(tzinfo=UTC)
    assert got.notifications_enabled is True


def test_a_driver_error_is_a_store_error(make_database: Callable[[str], URL]) -> None:
    url = make_database("sqlite")
    engine = open_writable_engine(url)
    create_schema(engine)
    engine.dispose()
    store = StoreRepository.open(url)
    try:
        store.check_schema()
        with sqlite3.connect(str(url.database)) as conn:
            conn.execute("DROP TABLE installation_events")
        with pytest.raises(StoreError, match="no such table: installation_events"):
            store.history("6513270e-269e-4d37-b2a7-4de452e6b438")
    finally:
        store.close()
