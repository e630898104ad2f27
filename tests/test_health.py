"""Which device is live, which were left behind, and what the push state warns about."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone

from sqlalchemy.engine import URL

from inspector.facts import token_state
from inspector.fixtures import demo
from inspector.health import device_states, push_warnings
from inspector.lookup import parse_query
from inspector.store.records import Installation
from inspector.store.repository import StoreRepository
from inspector.timefmt import ago, stamp, when
from tests.conftest import DEMO_NOW


def find(url: URL, query: str) -> list[Installation]:
    store = StoreRepository.open(url)
    try:
        return [m.installation for m in store.find(parse_query(query)).matches]
    finally:
        store.close()


def get(url: URL, installation_id: str) -> Installation:
    (inst,) = find(url, f"iid:{installation_id}")
    return inst


def test_live_and_stale_devices_of_a_customer(sqlite_demo_url: URL) -> None:
    states = device_states(find(sqlite_demo_url, demo.CUSTOMER_ANA), DEMO_NOW)
    assert states[demo.ANA_IPHONE].live
    assert not states[demo.ANA_IPAD].live and states[demo.ANA_IPAD].stale_reason is None
    assert states[demo.ANA_PIXEL].label == "STALE"
    assert "not seen for 40 d" in (states[demo.ANA_PIXEL].stale_reason or "")


def test_reinstall_leaves_a_stale_installation(sqlite_demo_url: URL) -> None:
    states = device_states(find(sqlite_demo_url, demo.CUSTOMER_REINSTALL), DEMO_NOW)
    assert states[demo.REINSTALL_NEW].live
    assert "left behind by a reinstall" in (states[demo.REINSTALL_OLD].stale_reason or "")


def test_anonymous_installations_are_never_live(sqlite_demo_url: URL) -> None:
    inst = get(sqlite_demo_url, demo.ZERO_ADID_DEVICES[1])
    assert inst.custom_user_id is None
    assert not device_states([inst], DEMO_NOW)[inst.installation_id].live


def test_push_warnings(sqlite_demo_url: URL) -> None:
    ipad, pixel, opted_out, iphone = (
        get(sqlite_demo_url, i)
        for i in (demo.ANA_IPAD, demo.ANA_PIXEL, demo.OPTED_OUT, demo.ANA_IPHONE)
    )
    assert any("sandbox token" in w for w in push_warnings(ipad, DEMO_NOW))
    pixel_warnings = push_warnings(pixel, DEMO_NOW)
    assert pixel_warnings[0].startswith("token unregistered since 300 d ago")
    assert any("FCM treats such tokens as stale" in w for w in pixel_warnings)
    assert any("opted out" in w for w in push_warnings(opted_out, DEMO_NOW))
    assert push_warnings(iphone, DEMO_NOW) == []
    old = replace(pixel, last_seen_at=DEMO_NOW - timedelta(days=300))
    assert any("expire after 270 days" in w for w in push_warnings(old, DEMO_NOW))
    assert token_state(ipad) == "active · sandbox"


# -- times the store could not read (None, with the raw text in `invalid`) -------------


def test_an_unreadable_last_seen_is_never_live_and_never_crashes(sqlite_demo_url: URL) -> None:
    group = find(sqlite_demo_url, demo.CUSTOMER_ANA)
    broken = {i.installation_id: i for i in group}
    iphone = replace(
        broken[demo.ANA_IPHONE], last_seen_at=None, invalid={"last_seen_at": "yesterday"}
    )
    ipad = replace(broken[demo.ANA_IPAD], installed_at=None)
    states = device_states([iphone, ipad, broken[demo.ANA_PIXEL]], DEMO_NOW)
    # The iPhone's last visit is unknown: the iPad, seen 3 days ago, is the live one now.
    assert not states[demo.ANA_IPHONE].live
    assert states[demo.ANA_IPAD].live
    assert states[demo.ANA_IPHONE].stale_reason is None


def test_push_warnings_say_an_unreadable_last_seen_is_unknown(sqlite_demo_url: URL) -> None:
    pixel = replace(
        get(sqlite_demo_url, demo.ANA_PIXEL),
        last_seen_at=None,
        push_token_updated_at=None,
        invalid={"last_seen_at": "0000-00-00 00:00:00", "push_token_updated_at": "x"},
    )
    warnings = push_warnings(pixel, DEMO_NOW)
    assert warnings[0] == "token unregistered: pushes to it are rejected"
    assert "last seen time unknown: the stored value is not a time" in warnings
    assert not any("inactive" in w for w in warnings)


def test_a_reinstall_with_an_unreadable_install_time_is_not_compared(
    sqlite_demo_url: URL,
) -> None:
    old, new = (get(sqlite_demo_url, i) for i in (demo.REINSTALL_OLD, demo.REINSTALL_NEW))
    states = device_states([old, replace(new, installed_at=None)], DEMO_NOW)
    assert "left behind" not in (states[demo.REINSTALL_OLD].stale_reason or "")


def test_an_unreadable_time_is_not_never() -> None:
    assert ago(None, DEMO_NOW) == "never"
    assert ago(None, DEMO_NOW, invalid="yesterday") == "invalid value"
    assert when(None, DEMO_NOW, invalid="\x1b]0;PWNED\x07") == "invalid value (\\x1b]0;PWNED\\x07)"
    # Year 1 with an offset east of UTC cannot be moved to UTC: shown as stored.
    year_one = datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=5)))
    assert stamp(year_one) == "0001-01-01T00:00:00+05:00"
    # A naive time from a driver is UTC.
    assert ago(datetime(2026, 11, 27, 10, 0), DEMO_NOW) == "2 h ago"
