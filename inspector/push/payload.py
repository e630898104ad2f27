"""Building the exact payload of a test push: marking, collapse id, size, validation.

Pure functions, no I/O. The payload shown on the confirmation screen is the one sent,
except the journal record id, which exists only once the intent is written: until then
the value is a placeholder and the size counts the widest id (RECORD_ID_WIDTH digits).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import replace
from typing import Any
from urllib.parse import urlsplit

from inspector.boundedjson import JsonBoundError, loads
from inspector.push.model import PAYLOAD_LIMIT, Compose, Content, PushRefused, compact_json
from inspector.store.records import Installation

TEST_PREFIX = "[TEST] "
KEY_OPERATOR = "inspector_operator"
KEY_RECORD = "inspector_record"
KEY_DEEP_LINK = "deep_link"
RECORD_PLACEHOLDER = "(journal record id, set when sent)"
RECORD_ID_WIDTH = 12
TITLE_MAX = 256
BODY_MAX = 2048
DATA_KEYS_MAX = 50
# Data text past this is far over the payload limit anyway: refused before parsing.
DATA_MAX_CHARS = 64_000
# Keys FCM reserves in data, the APNs dictionary, and our own marking keys.
_RESERVED_KEYS = {"from", "notification", "message_type", "aps", KEY_OPERATOR, KEY_RECORD}
_RESERVED_PREFIXES = ("google.", "gcm.", "inspector_")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# The wire format an installation's push provider speaks.
WIRE_FORMATS = ("fcm", "apns")
APNS_TOKEN = re.compile(r"^[0-9a-fA-F]{64,200}$")
FCM_TOKEN = re.compile(r"^[A-Za-z0-9_:\-.]{20,4096}$")
APNS_ENVIRONMENTS = ("production", "sandbox")


def parse_data(text: str) -> dict[str, str]:
    """Data given as JSON text: an object of string values, or a one-line PushRefused.

    Parsed within bounds (boundedjson): 1,500 `[` typed into the compose field or passed
    to `push --data` are a refusal, not a RecursionError."""
    text = text.strip()
    if not text:
        return {}
    try:
        value = loads(text, max_chars=DATA_MAX_CHARS)
    except JsonBoundError as exc:
        reason = str(exc)
        raise PushRefused(
            f"data is {reason}"
            if reason.startswith("not valid JSON")
            else f"data refused: {reason}"
        ) from None
    if not isinstance(value, dict):
        raise PushRefused('data must be a JSON object of string values, e.g. {"screen": "cart"}')
    bad = [k for k, v in value.items() if not isinstance(v, str)]
    if bad:
        raise PushRefused(
            f"data values must be strings (FCM data maps strings to strings): {bad[0]!r} is not"
        )
    return dict(value)


def validate(compose: Compose) -> None:
    """Raise PushRefused with the first problem of a compose."""
    if not compose.title.strip() and not compose.body.strip():
        raise PushRefused("a push needs a title or a body")
    for name, text, limit in (
        ("title", compose.title, TITLE_MAX),
        ("body", compose.body, BODY_MAX),
    ):
        if len(text) > limit:
            raise PushRefused(f"the {name} is {len(text)} characters, over {limit}")
        if _CONTROL.search(text):
            raise PushRefused(f"the {name} holds control characters")
    if len(compose.data) > DATA_KEYS_MAX:
        raise PushRefused(f"data has {len(compose.data)} keys, over {DATA_KEYS_MAX}")
    for key, value in compose.data.items():
        if not isinstance(key, str) or not key or _CONTROL.search(key):
            raise PushRefused(f"data key {key!r} is empty or holds control characters")
        if not isinstance(value, str):
            raise PushRefused(f"data value of {key!r} must be a string")
        if key in _RESERVED_KEYS or key.startswith(_RESERVED_PREFIXES) or key == KEY_DEEP_LINK:
            raise PushRefused(f"data key {key!r} is reserved (by FCM, APNs or the inspector)")
    if compose.deep_link is not None and compose.deep_link.strip():
        link = compose.deep_link.strip()
        try:
            scheme = urlsplit(link).scheme
        except ValueError:  # e.g. a [host] that is no IP address: shop://[b]
            scheme = ""
        if not scheme or _CONTROL.search(link) or " " in link:
            raise PushRefused(f"the deep link {link!r} is not a URL (e.g. shop://cart/42)")


def collapse_id(installation_id: str, compose: Compose) -> str:
    """Same device and same message give the same id, so a second try replaces the first."""
    material = json.dumps(
        [
            installation_id,
            compose.title,
            compose.body,
            sorted(compose.data.items()),
            compose.deep_link or "",
        ],
        ensure_ascii=False,
    )
    return "inspector-" + hashlib.sha256(material.encode()).hexdigest()[:24]


def content_for(installation: Installation, compose: Compose, operator: str) -> Content:
    """Apply the test marking. The record id is a placeholder until the intent exists."""
    validate(compose)
    data = dict(compose.data)
    link = (compose.deep_link or "").strip() or None
    if link:
        data[KEY_DEEP_LINK] = link
    title = compose.title.strip()
    if compose.mark_as_test:
        title = TEST_PREFIX + title
        data[KEY_OPERATOR] = operator
        data[KEY_RECORD] = RECORD_PLACEHOLDER
    return Content(
        title=title,
        body=compose.body.strip(),
        data=data,
        deep_link=link,
        collapse_id=collapse_id(installation.installation_id, compose),
        marked=compose.mark_as_test,
    )


def with_record(content: Content, record_id: int) -> Content:
    if not content.marked:
        return content
    return replace(content, data={**content.data, KEY_RECORD: str(record_id)})


def fcm_message(installation: Installation, content: Content) -> dict[str, Any]:
    """The FCM v1 `message` without its token, in the shape pyfcm's parse_payload makes."""
    message: dict[str, Any] = {}
    if content.data:
        message["data"] = dict(content.data)
    if installation.platform == "android":
        message["android"] = {
            "collapse_key": content.collapse_id,
            "priority": "high",
            "ttl": "3600s",
        }
    elif installation.platform == "ios":
        message["apns"] = {
            "headers": {
                "apns-collapse-id": content.collapse_id,
                "apns-push-type": "alert",
                "apns-priority": "10",
            }
        }
    elif installation.platform == "web":
        webpush: dict[str, Any] = {"notification": {"tag": content.collapse_id}}
        if content.deep_link and content.deep_link.startswith("https://"):
            webpush["fcm_options"] = {"link": content.deep_link}
        message["webpush"] = webpush
    notification = {k: v for k, v in (("title", content.title), ("body", content.body)) if v}
    if notification or not content.data:
        message["notification"] = notification
    return message


def apns_payload(content: Content) -> dict[str, Any]:
    """The APNs JSON body: the alert in `aps`, data keys beside it."""
    alert = {k: v for k, v in (("title", content.title), ("body", content.body)) if v}
    return {"aps": {"alert": alert, "sound": "default"}, **content.data}


def wire_format(installation: Installation) -> str | None:
    provider = (installation.push_provider or "").lower()
    return provider if provider in WIRE_FORMATS else None


def build_payload(installation: Installation, content: Content) -> dict[str, Any]:
    if wire_format(installation) == "apns":
        return apns_payload(content)
    return fcm_message(installation, content)


def payload_size(installation: Installation, content: Content) -> int:
    """Bytes of the compact JSON, counting the widest record id for the placeholder."""
    if content.marked:
        content = with_record(content, 10 ** (RECORD_ID_WIDTH - 1))
    return len(compact_json(build_payload(installation, content)))


def check_size(size: int) -> None:
    if size > PAYLOAD_LIMIT:
        raise PushRefused(
            f"the payload is {size} bytes, over the {PAYLOAD_LIMIT}-byte limit:"
            " shorten the title, body or data"
        )


def token_problem(installation: Installation) -> str | None:
    """A token the provider could not take, or one that could reach a different path."""
    token = installation.push_token
    wire = wire_format(installation)
    if not token:
        return "this installation has no push token"
    if wire is None:
        return f"unknown push provider {installation.push_provider!r} (expected apns or fcm)"
    pattern = APNS_TOKEN if wire == "apns" else FCM_TOKEN
    if not pattern.match(token):
        return f"the push token is not a well-formed {wire.upper()} token"
    return None


def apns_topic(installation: Installation) -> str | None:
    return installation.app.apns_topic or installation.app.bundle_id or None


def apns_address_problem(installation: Installation) -> str | None:
    """What APNs needs to address the one device: a known environment and a topic."""
    env = installation.apns_environment
    if env not in APNS_ENVIRONMENTS:
        # Never guess: a wrong guess is a silent BadDeviceToken, or a push to production.
        return (
            f"the installation's APNs environment is {env or 'unknown'}; expected"
            " production or sandbox"
        )
    if not apns_topic(installation):
        return f"app {installation.app.app_id} has no bundle id or APNs topic"
    return None
