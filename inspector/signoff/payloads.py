"""The exact payload of a proof or an approval request, and the hashes that pin it.

A payload is the compose as a plain document (title, body, data, deep link, whether it
is marked as a test), normalised the way the sender normalises it (trimmed title and
body, an empty deep link is none). Its hash is SHA-256 of canonical JSON (sorted keys,
ASCII, no spaces): the same message hashes the same on every engine and machine.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from inspector.boundedjson import JsonBoundError, loads
from inspector.push.model import Compose
from inspector.signoff.errors import SignoffError

PAYLOAD_KEYS = ("body", "data", "deep_link", "mark_as_test", "title")


def payload_document(compose: Compose) -> dict[str, Any]:
    link = (compose.deep_link or "").strip() or None
    return {
        "title": compose.title.strip(),
        "body": compose.body.strip(),
        "data": {str(k): str(v) for k, v in sorted(compose.data.items())},
        "deep_link": link,
        "mark_as_test": bool(compose.mark_as_test),
    }


def canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=True, separators=(",", ":"))


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode("ascii")).hexdigest()


def payload_text(compose: Compose) -> str:
    """What is stored: the canonical JSON of the normalised payload."""
    return canonical(payload_document(compose))


def payload_hash(compose: Compose) -> str:
    return sha256_hex(payload_text(compose))


def compose_of(text: str) -> Compose:
    """The compose a stored payload describes; SignoffError when it is not one (a row
    edited behind the inspector's back)."""
    try:
        doc = loads(text)
    except JsonBoundError:
        raise SignoffError("a stored payload is not valid JSON") from None
    if not isinstance(doc, dict) or set(doc) != set(PAYLOAD_KEYS):
        raise SignoffError("a stored payload does not have the expected fields")
    data = doc["data"]
    if (
        not isinstance(doc["title"], str)
        or not isinstance(doc["body"], str)
        or not isinstance(data, dict)
        or not all(isinstance(v, str) for v in data.values())
        or not (doc["deep_link"] is None or isinstance(doc["deep_link"], str))
        or not isinstance(doc["mark_as_test"], bool)
    ):
        raise SignoffError("a stored payload has a field of the wrong type")
    return Compose(
        title=doc["title"],
        body=doc["body"],
        data=dict(data),
        deep_link=doc["deep_link"],
        mark_as_test=doc["mark_as_test"],
    )


def token_hash(token: str | None) -> str:
    """The push token, pinned without being kept (tokens are long random strings)."""
    return sha256_hex("push_token:" + (token or "").encode("utf-8").hex())


def combined_hash(*parts: object) -> str:
    """One hash over everything a decision covers, in order."""
    return sha256_hex(canonical([None if p is None else str(p) for p in parts]))
