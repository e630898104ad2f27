"""Payload building: test marking, collapse id, size against 4096 bytes, validation."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from inspector.fixtures.demo import ANA_IPHONE, UNICODE_DEVICE, WEB
from inspector.push import Compose, PushRefused, PushService
from inspector.push.catalogue import explain, kind_of
from inspector.push.model import compact_json
from inspector.push.payload import (
    KEY_OPERATOR,
    KEY_RECORD,
    RECORD_PLACEHOLDER,
    TEST_PREFIX,
    collapse_id,
    parse_data,
)
from inspector.push.transport import retry_after_seconds


def test_marking_is_on_by_default(service: PushService) -> None:
    prepared = service.prepare(ANA_IPHONE, Compose(title="Hi", body="there"))
    assert prepared.payload["aps"]["alert"]["title"] == TEST_PREFIX + "Hi"
    assert prepared.payload[KEY_OPERATOR] == "ana"
    assert prepared.payload[KEY_RECORD] == RECORD_PLACEHOLDER


def test_marking_can_be_turned_off(service: PushService) -> None:
    prepared = service.prepare(ANA_IPHONE, Compose(title="Hi", body="there", mark_as_test=False))
    assert prepared.payload["aps"]["alert"]["title"] == "Hi"
    assert KEY_OPERATOR not in prepared.payload and KEY_RECORD not in prepared.payload
    # The collapse id stays: a second try must not stack.
    assert prepared.content.collapse_id.startswith("inspector-")


def test_collapse_id_is_stable_per_device_and_message() -> None:
    a = collapse_id(ANA_IPHONE, Compose(title="Hi", body="there"))
    assert a == collapse_id(ANA_IPHONE, Compose(title="Hi", body="there"))
    assert a != collapse_id(ANA_IPHONE, Compose(title="Hi", body="again"))
    assert a != collapse_id(WEB, Compose(title="Hi", body="there"))
    assert len(a.encode()) <= 64


def test_size_counts_the_widest_record_id(service: PushService) -> None:
    prepared = service.prepare(UNICODE_DEVICE, Compose(title="Hi", body="there"))
    with_id = json.loads(json.dumps(prepared.payload))
    with_id["data"][KEY_RECORD] = "9" * 12
    assert prepared.payload_bytes == len(compact_json(with_id))


def test_payload_over_4096_bytes_is_refused_with_its_size(service: PushService) -> None:
    compose = Compose(title="Big", body="x" * 2000, data={"blob": "y" * 2100})
    preview = service.preview(service.store.get(ANA_IPHONE), compose)
    assert preview.payload_bytes > 4096 and not preview.fits
    with pytest.raises(PushRefused, match=rf"payload is {preview.payload_bytes} bytes, over"):
        service.prepare(ANA_IPHONE, compose)


def test_multibyte_text_is_counted_in_bytes(service: PushService) -> None:
    inst = service.store.get(UNICODE_DEVICE)
    ascii_ = service.preview(inst, Compose(title="t", body="a" * 100))
    chinese = service.preview(inst, Compose(title="t", body="北" * 100))
    assert chinese.payload_bytes - ascii_.payload_bytes == 200


@pytest.mark.parametrize(
    ("compose", "message"),
    [
        (Compose(title=" ", body=""), "needs a title or a body"),
        (Compose(title="t" * 300, body="b"), "title is 300 characters"),
        (Compose(title="a\x07b", body="b"), "control characters"),
        (Compose(title="t", body="b", data={"aps": "x"}), "reserved"),
        (Compose(title="t", body="b", data={"google.x": "x"}), "reserved"),
        (Compose(title="t", body="b", data={KEY_RECORD: "1"}), "reserved"),
        (Compose(title="t", body="b", deep_link="not a link"), "is not a URL"),
        # urlsplit raises on a [host] that is no IP address
        (Compose(title="t", body="b", deep_link="shop://[b]"), "is not a URL"),
        (Compose(title="t", body="b", deep_link="https://[::1"), "is not a URL"),
    ],
)
def test_bad_compose_is_refused_in_one_line(
    service: PushService, compose: Compose, message: str
) -> None:
    with pytest.raises(PushRefused, match=message) as caught:
        service.prepare(UNICODE_DEVICE, compose)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{", "not valid JSON"),
        ("[1, 2]", "must be a JSON object"),
        ('{"n": 1}', "must be strings"),
    ],
)
def test_data_json_is_validated(text: str, message: str) -> None:
    with pytest.raises(PushRefused, match=message):
        parse_data(text)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[" * 1_500, "deeper than 64 levels"),
        ('{"a":' * 100 + '"x"' + "}" * 100, "deeper than 64 levels"),
        ('{"a": "' + "x" * 70_000 + '"}', "characters of JSON"),
    ],
)
def test_data_json_is_parsed_within_bounds(text: str, message: str) -> None:
    """The compose field and `push --data` take any text: deep nesting is a refusal in one
    line, not a RecursionError."""
    with pytest.raises(PushRefused, match=message) as caught:
        parse_data(text)
    assert "\n" not in str(caught.value) and len(str(caught.value)) < 200


def test_data_json_accepts_an_object_of_strings() -> None:
    assert parse_data('  {"screen": "cart", "id": "42"} ') == {"screen": "cart", "id": "42"}
    assert parse_data("") == {}


def test_deep_link_goes_in_data_and_web_link(service: PushService) -> None:
    link = "https://shop.example.com/cart"
    prepared = service.prepare(WEB, Compose(title="t", body="b", deep_link=link))
    assert prepared.payload["data"]["deep_link"] == link
    assert prepared.payload["webpush"]["fcm_options"]["link"] == link


def test_summary_lines_name_environment_device_token_and_payload(service: PushService) -> None:
    prepared = service.prepare(ANA_IPHONE, Compose(title="Hi", body="there"))
    text = "\n".join(prepared.summary_lines())
    token = service.store.get(ANA_IPHONE).push_token
    assert "STAGING" in text and "operator ana" in text
    assert "customer cust-42 · ios · Apple iPhone 16 Pro · Shop iOS" in text
    assert "APNs production" in text
    assert prepared.masked_token in text and token not in text
    assert f"{prepared.payload_bytes} of 4096 bytes" in text
    assert '"title": "[TEST] Hi"' in text


def test_retry_after_reads_seconds_and_dates() -> None:
    assert retry_after_seconds("120") == 120
    assert retry_after_seconds(None) is None
    assert retry_after_seconds("soon") is None
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT") == 0


def test_unknown_codes_still_get_a_sentence_and_a_kind() -> None:
    assert "HTTP 418" in explain("apns", "Teapot", 418)
    assert kind_of("apns", "Teapot", 418) == "token"
    assert kind_of("fcm", None, 502) == "unavailable"
    assert kind_of("fcm", "UNREGISTERED", 404) == "token"
    assert kind_of("apns", "TIMEOUT", None) == "ambiguous"


def test_push_modules_do_not_import_textual() -> None:
    code = (
        "import sys\n"
        "import inspector.push, inspector.push.fcm, inspector.push.apns, inspector.push.verdict\n"
        "import inspector.push.credentials\n"
        "print(any(m == 'textual' or m.startswith('textual.') for m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
