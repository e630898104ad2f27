"""The lookup engine: classification, normalisation and refusals (pure, no database)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from inspector.lookup import (
    MAX_QUERY_LENGTH,
    KeyKind,
    QueryError,
    ZeroAdvertisingIdError,
    parse_query,
)

UUID = "6513270e-269e-4d37-b2a7-4de452e6b438"
APNS = "30877432d1026706d7e805da846a32c3bb81e3c29b62179273c8eb5bb682575e"
FCM = "dQw4w9WgXcQ-abcdefghij:APA91b" + "x" * 130


def kinds(text: str) -> list[tuple[KeyKind, str]]:
    return [(p.kind, p.value) for p in parse_query(text).probes]


def test_bare_uuid_is_tried_as_installation_and_advertising_id() -> None:
    assert kinds(f"  {UUID.upper()} ") == [
        (KeyKind.INSTALLATION_ID, UUID),
        (KeyKind.ADVERTISING_ID, UUID),
    ]


def test_uuid_without_dashes_is_normalised() -> None:
    assert kinds(UUID.replace("-", ""))[0] == (KeyKind.INSTALLATION_ID, UUID)


def test_apns_token_loses_brackets_and_spaces() -> None:
    pasted = "<" + " ".join(APNS[i : i + 8] for i in range(0, 64, 8)).upper() + ">"
    assert kinds(pasted) == [(KeyKind.PUSH_TOKEN, APNS)]


def test_fcm_token_is_detected_and_kept_exact() -> None:
    assert kinds(FCM) == [(KeyKind.PUSH_TOKEN, FCM)]


def test_customer_id_is_exact_and_case_sensitive() -> None:
    assert kinds("Cust-42") == [(KeyKind.CUSTOMER_ID, "Cust-42")]
    assert kinds("José.Núñez-北京") == [(KeyKind.CUSTOMER_ID, "José.Núñez-北京")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"cid:{UUID}", [(KeyKind.CUSTOMER_ID, UUID)]),
        (f"IID: {UUID.upper()}", [(KeyKind.INSTALLATION_ID, UUID)]),
        (f"adid:{UUID}", [(KeyKind.ADVERTISING_ID, UUID)]),
        ("token:abc", [(KeyKind.PUSH_TOKEN, "abc")]),
        ("cid:cid:x", [(KeyKind.CUSTOMER_ID, "cid:x")]),
        ("shop:42", [(KeyKind.CUSTOMER_ID, "shop:42")]),
    ],
)
def test_prefixes_force_the_kind(text: str, expected: list[tuple[KeyKind, str]]) -> None:
    assert kinds(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "type a Customer ID"),
        ("   \t ", "type a Customer ID"),
        ("x" * 10_240, "10,240 characters"),
        ("cust\x00-42", "control"),
        ("cust\u200b42", "control or invisible"),
        ("iid:not-a-uuid", "Installation IDs are UUIDs"),
        ("adid:", "nothing after 'adid:'"),
    ],
)
def test_bad_input_gets_one_clear_line(text: str, message: str) -> None:
    with pytest.raises(QueryError, match=message) as info:
        parse_query(text)
    assert "\n" not in str(info.value)


def test_sql_looking_text_is_just_a_customer_id() -> None:
    # Parameters are bound, so this is a harmless exact match that finds nothing.
    assert kinds("'; DROP TABLE installations; --") == [
        (KeyKind.CUSTOMER_ID, "'; DROP TABLE installations; --")
    ]


ZERO_SPELLINGS = [
    "00000000-0000-0000-0000-000000000000",
    "00000000000000000000000000000000",
    "  00000000-0000-0000-0000-000000000000\n",
    "adid:00000000-0000-0000-0000-000000000000",
    "ADID: 00000000000000000000000000000000",
]


@pytest.mark.parametrize("text", ZERO_SPELLINGS)
def test_zero_advertising_id_is_refused(text: str) -> None:
    with pytest.raises(ZeroAdvertisingIdError, match="millions of devices"):
        parse_query(text)


@given(st.text(max_size=600))
def test_arbitrary_text_raises_only_query_error(text: str) -> None:
    try:
        lookup = parse_query(text)
    except QueryError as exc:
        assert str(exc) and "\n" not in str(exc)
    else:
        assert lookup.probes
        assert all(p.value and len(p.value) <= MAX_QUERY_LENGTH for p in lookup.probes)


@given(
    dashes=st.lists(st.booleans(), min_size=4, max_size=4),
    prefix=st.sampled_from(["", "adid:", "ADID:", "Adid: "]),
    pad=st.sampled_from(["", " ", "\t", "  \n"]),
)
def test_every_spelling_of_the_zero_id_is_refused(
    dashes: list[bool], prefix: str, pad: str
) -> None:
    groups = ["00000000", "0000", "0000", "0000", "000000000000"]
    text = groups[0]
    for dash, group in zip(dashes, groups[1:], strict=True):
        text += ("-" if dash else "") + group
    with pytest.raises(ZeroAdvertisingIdError):
        parse_query(f"{pad}{prefix}{text}{pad}")


def test_installation_id_argument_is_checked() -> None:
    from inspector.lookup import check_installation_id

    assert check_installation_id(f"  {UUID} ") == UUID
    for bad, message in [("", "1 to 64"), ("x" * 65, "1 to 64"), ("ab\x1bcd", "control")]:
        with pytest.raises(QueryError, match=message):
            check_installation_id(bad)
