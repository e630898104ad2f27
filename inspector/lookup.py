"""Classify and normalise a search query. Pure functions: no I/O, no database.

A query is a Customer ID, an Installation ID, an Advertising ID or a push token,
auto-detected or named by a prefix (`cid:`, `iid:`, `adid:`, `token:`). The result
is a `Lookup`: the probes (key kind + normalised value) the store should run.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum

MAX_QUERY_LENGTH = 512
# The cap of rows a single probe returns; beyond it the store only counts.
RESULT_CAP = 50


class KeyKind(StrEnum):
    CUSTOMER_ID = "cid"
    INSTALLATION_ID = "iid"
    ADVERTISING_ID = "adid"
    PUSH_TOKEN = "token"

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    KeyKind.CUSTOMER_ID: "Customer ID",
    KeyKind.INSTALLATION_ID: "Installation ID",
    KeyKind.ADVERTISING_ID: "Advertising ID",
    KeyKind.PUSH_TOKEN: "push token",
}


class QueryError(ValueError):
    """A query the engine will not run; the message is one line for a person."""


class ZeroAdvertisingIdError(QueryError):
    pass


ZERO_ID_MESSAGE = (
    "the all-zero Advertising ID is what iOS reports without tracking consent and Android "
    "when ad tracking is limited; it matches millions of devices, so it is not looked up. "
    "Search by Customer ID or Installation ID instead"
)


@dataclass(frozen=True, slots=True)
class Probe:
    kind: KeyKind
    value: str


@dataclass(frozen=True, slots=True)
class Lookup:
    text: str
    probes: tuple[Probe, ...]

    @property
    def description(self) -> str:
        kinds = " or ".join(p.kind.label for p in self.probes)
        return f"{kinds} {self.probes[0].value}"


_UUID_RE = re.compile(
    r"[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}"
)
_APNS_RE = re.compile(r"[0-9a-fA-F]{64}")
# FCM registration tokens: roughly 140-250 characters of base64url with one colon.
_FCM_RE = re.compile(r"[A-Za-z0-9_\-]{8,}:[A-Za-z0-9_\-]{60,}")
_PREFIXES = {kind.value: kind for kind in KeyKind}


def normalise_uuid(text: str) -> str | None:
    """Canonical lower-case dashed form, or None when the text is not a UUID."""
    if not _UUID_RE.fullmatch(text):
        return None
    hexdigits = text.replace("-", "").lower()
    if len(hexdigits) != 32:
        return None
    return (
        f"{hexdigits[:8]}-{hexdigits[8:12]}-{hexdigits[12:16]}-{hexdigits[16:20]}-{hexdigits[20:]}"
    )


def is_zero_uuid(value: str) -> bool:
    return normalise_uuid(value) == "00000000-0000-0000-0000-000000000000"


def normalise_token(text: str) -> str:
    """APNs tokens are often pasted as `<abcd ef01 ...>`: keep only the hex digits."""
    stripped = re.sub(r"[<>\s]", "", text)
    if _APNS_RE.fullmatch(stripped):
        return stripped.lower()
    return stripped


def _check_text(raw: str) -> str:
    if not isinstance(raw, str):
        raise QueryError("the query must be text")
    if len(raw) > MAX_QUERY_LENGTH:
        raise QueryError(
            f"the query is {len(raw):,} characters long; identifiers are at most {MAX_QUERY_LENGTH}"
        )
    text = raw.strip()
    if not text:
        raise QueryError(
            "type a Customer ID, Installation ID, Advertising ID or push token "
            "(prefixes cid: iid: adid: token: force the kind)"
        )
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn") for ch in text):
        raise QueryError("the query contains control or invisible characters; paste it again")
    return text


def check_installation_id(raw: str) -> str:
    """An Installation ID given on its own (a command argument, a send): trimmed, bounded,
    printable. The store compares it as given."""
    text = raw.strip() if isinstance(raw, str) else ""
    if not text or len(text) > 64:
        raise QueryError("an Installation ID is 1 to 64 characters")
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn") for ch in text):
        raise QueryError("the Installation ID contains control or invisible characters")
    return text


def parse_query(raw: str) -> Lookup:
    """Turn what the user typed into probes, or raise QueryError with the reason."""
    text = _check_text(raw)
    prefix, sep, rest = text.partition(":")
    kind = _PREFIXES.get(prefix.strip().lower()) if sep else None
    if kind is not None:
        value = rest.strip()
        if not value:
            raise QueryError(f"nothing after '{prefix}:'; type the {kind.label}")
        return Lookup(text, (_explicit_probe(kind, value),))
    return Lookup(text, _detect(text))


def _explicit_probe(kind: KeyKind, value: str) -> Probe:
    if kind is KeyKind.CUSTOMER_ID:
        return Probe(kind, value)
    if kind is KeyKind.PUSH_TOKEN:
        token = normalise_token(value)
        if not token:
            raise QueryError("the push token is empty")
        return Probe(kind, token)
    uuid = normalise_uuid(value)
    if uuid is None:
        raise QueryError(f"{kind.label}s are UUIDs; {value!r} is not one")
    if kind is KeyKind.ADVERTISING_ID and is_zero_uuid(uuid):
        raise ZeroAdvertisingIdError(ZERO_ID_MESSAGE)
    return Probe(kind, uuid)


def _detect(text: str) -> tuple[Probe, ...]:
    uuid = normalise_uuid(text)
    if uuid is not None:
        if is_zero_uuid(uuid):
            raise ZeroAdvertisingIdError(ZERO_ID_MESSAGE)
        return (Probe(KeyKind.INSTALLATION_ID, uuid), Probe(KeyKind.ADVERTISING_ID, uuid))
    token = normalise_token(text)
    if _APNS_RE.fullmatch(token) or _FCM_RE.fullmatch(token):
        return (Probe(KeyKind.PUSH_TOKEN, token),)
    # Everything else is a Customer ID: exact and case-sensitive.
    return (Probe(KeyKind.CUSTOMER_ID, text),)
