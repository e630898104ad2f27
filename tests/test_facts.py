"""Device facts in words: one wording for the screen and the command line, always
terminal-safe, whatever the store holds."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from inspector import facts
from inspector.store.records import App, Installation
from tests import hostile

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
APP = App("shop-ios", "Shop iOS", "ios", "com.example.shop", None, "com.example.shop")
IPHONE = Installation(
    installation_id="iid-1",
    app=APP,
    custom_user_id="cust-42",
    advertising_id=None,
    platform="ios",
    device_brand="Apple",
    device_model="iPhone 16 Pro",
    os_version="18.1",
    app_version="6.2.0",
    sdk_version="4.0",
    language="en",
    region="US",
    timezone="UTC",
    push_provider="apns",
    push_token="c1f3a9" * 8,
    apns_environment="production",
    push_token_updated_at=NOW - timedelta(days=12),
    push_token_status="active",
    notifications_enabled=True,
    installed_at=NOW - timedelta(days=100),
    last_seen_at=NOW - timedelta(hours=2),
)
PIXEL = replace(
    IPHONE,
    platform="android",
    device_brand="Google",
    device_model="Pixel 8",
    push_provider="fcm",
    apns_environment=None,
    push_token_status="unregistered",
    notifications_enabled=False,
)


@pytest.mark.parametrize(
    ("enabled", "words"),
    [(True, "yes (notifications allowed)"), (False, "no (notifications turned off)"),
     (None, "unknown")],
)  # fmt: skip
def test_opt_in(enabled: bool | None, words: str) -> None:
    assert facts.opt_in(enabled) == words


def test_platform_and_provider_names() -> None:
    assert [facts.platform_name(p) for p in ("ios", "android", "web")] == ["iOS", "Android", "Web"]
    assert facts.platform_name("tvos") == "tvos"  # a platform the schema does not name
    assert facts.platform_name(None) == "—" and facts.platform_name("") == "—"
    assert (facts.provider_name("apns"), facts.provider_name("fcm")) == ("APNs", "FCM")
    assert facts.provider_name(None) == "—"


def test_device_label_is_brand_and_model() -> None:
    assert facts.device_label(IPHONE) == "Apple iPhone 16 Pro"
    assert facts.device_label(replace(IPHONE, device_brand=None)) == "iPhone 16 Pro"
    assert facts.device_label(replace(IPHONE, device_brand=None, device_model=None)) == "—"


def test_token_state() -> None:
    assert facts.token_state(IPHONE) == "active · production"
    assert facts.token_state(replace(IPHONE, apns_environment="sandbox")) == "active · sandbox"
    assert facts.token_state(PIXEL) == "unregistered"
    assert facts.token_state(replace(PIXEL, push_token=None)) == "no token"
    assert facts.token_state(replace(PIXEL, push_token_status="")) == "—"


def test_apns_environment() -> None:
    assert facts.apns_environment(IPHONE) == "production"
    assert facts.apns_environment(replace(IPHONE, apns_environment=None)) == "—"
    assert facts.apns_environment(PIXEL) == "— (not APNs)"


def test_seen_and_at_say_an_unreadable_time() -> None:
    assert facts.seen(IPHONE, NOW) == "2 h ago"
    unreadable = replace(IPHONE, last_seen_at=None, invalid={"last_seen_at": "last week"})
    assert facts.seen(unreadable, NOW) == "invalid value"
    assert facts.seen(replace(IPHONE, last_seen_at=None), NOW) == "never"
    assert facts.at(IPHONE, "last_seen_at", NOW).startswith("2026-11-27 10:00:00 UTC")
    assert facts.at(unreadable, "last_seen_at", NOW).startswith("invalid value")


HOSTILE = f"{hostile.OSC_TITLE}{hostile.C1_CSI}{hostile.BIDI}{hostile.STYLED}\\"


def test_store_text_is_escaped_in_every_fact_and_kept_as_data_in_token_words() -> None:
    inst = replace(
        IPHONE,
        platform=HOSTILE,
        device_brand=HOSTILE,
        device_model="\n" + HOSTILE,
        push_token_status=HOSTILE,
        apns_environment=HOSTILE,
        invalid={"installed_at": HOSTILE},
        installed_at=None,
    )
    said = [
        facts.platform_name(inst.platform),
        facts.device_label(inst),
        facts.token_state(inst),
        facts.apns_environment(inst),
    ]
    for words in said:
        for seq in (*hostile.FORBIDDEN_OUTPUT, "\x1b", "\n"):
            assert seq not in words
        assert "\\x1b]0;PWNED\\x07" in words and hostile.STYLED in words
        assert "\\\\" in words  # a backslash doubled, once
    invalid_time = facts.at(inst, "installed_at", NOW)  # clipped: it is a short form
    assert invalid_time.startswith("invalid value (\\x1b]0;PWNED\\x07\\x9b31m\\u202e")
    # JSON escapes what it writes: the token state as data is the store's own text.
    assert facts.token_words(inst) == f"{HOSTILE} · {HOSTILE}"
