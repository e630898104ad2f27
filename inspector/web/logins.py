"""Server-side login sessions: the cookie holds a random token, the server the rest.

The token is 32 random bytes; only its SHA-256 is kept, so a memory dump does not hand
out live cookies. A session expires LIFETIME after login whatever happens; a cookie the
server does not know (tampered, expired, from before a restart) is no session.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Login:
    """One login: who, since when, until when, and its id (for the journal and to end
    the login's app processes on logout)."""

    id: str
    user: str
    started: float
    expires: float


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


class Logins:
    def __init__(self, lifetime_s: float, clock: Callable[[], float] = time.time) -> None:
        self.lifetime_s = lifetime_s
        self._clock = clock
        self._by_digest: dict[str, Login] = {}

    def start(self, user: str) -> tuple[str, Login]:
        """A new login for `user`: the cookie's token and the login."""
        self._forget_expired()
        token = secrets.token_urlsafe(32)
        now = self._clock()
        login = Login(secrets.token_hex(8), user, now, now + self.lifetime_s)
        self._by_digest[_digest(token)] = login
        return token, login

    def get(self, token: str | None) -> Login | None:
        if not token or len(token) > 200:
            return None
        login = self._by_digest.get(_digest(token))
        if login is None:
            return None
        if login.expires <= self._clock():
            del self._by_digest[_digest(token)]
            return None
        return login

    def end(self, token: str | None) -> Login | None:
        if not token or len(token) > 200:
            return None
        return self._by_digest.pop(_digest(token), None)

    def end_user(self, user: str) -> list[Login]:
        """End every login of `user` (an account removed or its password changed)."""
        gone = [d for d, login in self._by_digest.items() if login.user == user]
        return [self._by_digest.pop(d) for d in gone]

    def _forget_expired(self) -> None:
        now = self._clock()
        for digest in [d for d, login in self._by_digest.items() if login.expires <= now]:
            del self._by_digest[digest]
