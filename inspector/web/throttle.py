"""Failed logins slowed down per account and per address.

Each failure counts against the account name tried and the client's address. Past
FREE_FAILURES failures, a key is locked for a time that doubles with each further
failure (up to MAX_LOCK_S); a locked key's attempts are refused without the password
being checked. A success clears the account's and the address's counts. Counts fade
after FORGET_S without a failure. The table is bounded (oldest entries dropped), so a
flood of names or addresses cannot grow the server's memory.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

FREE_FAILURES = 5
BASE_LOCK_S = 2.0
MAX_LOCK_S = 300.0
FORGET_S = 3600.0
MAX_KEYS = 10_000


@dataclass
class _Count:
    failures: int
    last: float


class Throttle:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._counts: OrderedDict[str, _Count] = OrderedDict()

    @staticmethod
    def _keys(account: str, address: str) -> tuple[str, str]:
        return f"account:{account}", f"address:{address}"

    def _lock_s(self, count: _Count) -> float:
        over = count.failures - FREE_FAILURES
        if over < 0:
            return 0.0
        return min(MAX_LOCK_S, BASE_LOCK_S * 2.0**over)

    def _live(self, key: str, now: float) -> _Count | None:
        count = self._counts.get(key)
        if count is not None and now - count.last > FORGET_S:
            del self._counts[key]
            return None
        return count

    def wait_s(self, account: str, address: str) -> float:
        """Seconds before this account may be tried again from this address; 0 when it
        may be tried now."""
        now = self._clock()
        wait = 0.0
        for key in self._keys(account, address):
            count = self._live(key, now)
            if count is not None:
                wait = max(wait, count.last + self._lock_s(count) - now)
        return max(0.0, wait)

    def failed(self, account: str, address: str) -> None:
        now = self._clock()
        for key in self._keys(account, address):
            count = self._live(key, now)
            if count is None:
                count = self._counts[key] = _Count(0, now)
            count.failures += 1
            count.last = now
            self._counts.move_to_end(key)
        while len(self._counts) > MAX_KEYS:
            self._counts.popitem(last=False)

    def succeeded(self, account: str, address: str) -> None:
        for key in self._keys(account, address):
            self._counts.pop(key, None)
