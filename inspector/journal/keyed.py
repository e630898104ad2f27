"""Keyed hashes of looked-up identifiers, and the scrubbing of known secrets.

A lookup is recorded as the key kind and HMAC-SHA256(key, kind ":" value): whoever holds
the key can check whether a given identifier was looked up, nobody can read it back.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterable
from typing import Any

KEY_BYTES = 32
REDACTED = "***"
# Credentials that look like credentials whoever's they are: OAuth access tokens,
# bearer headers, JWTs, PEM private keys.
_CREDENTIAL_RE = re.compile(
    r"ya29\.[A-Za-z0-9_\-.]+"
    r"|(?i:bearer)\s+[A-Za-z0-9_\-.=+/]{8,}"
    r"|eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*"
    r"|-----BEGIN [A-Z ]*PRIVATE KEY-----.*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)",
    re.DOTALL,
)


def new_key() -> str:
    import secrets  # (and `random`) only when a journal is created

    return secrets.token_hex(KEY_BYTES)


class KeyedHasher:
    def __init__(self, key: bytes, source: str) -> None:
        self._key = key
        # "configured" (INSPECTOR_JOURNAL_HASH_KEY) or "journal" (kept in the journal's meta).
        self.source = source

    def __repr__(self) -> str:  # the key never shows, not even in a debugger's repr
        return f"KeyedHasher(source={self.source!r})"

    def digest(self, kind: str, value: str) -> str:
        return hmac.new(self._key, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()


class Scrubber:
    """Replaces known secret strings wherever they would be written."""

    def __init__(self, secrets_: Iterable[str | None]) -> None:
        # Very short values would blank out ordinary text; real secrets are longer.
        self._secrets = sorted({s for s in secrets_ if s and len(s) >= 4}, key=len, reverse=True)

    def text(self, value: str) -> str:
        value = _CREDENTIAL_RE.sub(REDACTED, value)
        for secret in self._secrets:
            if secret in value:
                value = value.replace(secret, REDACTED)
        return value

    def value(self, value: Any) -> Any:
        if not self._secrets:
            return value
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {self.text(str(k)): self.value(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.value(v) for v in value]
        return value
