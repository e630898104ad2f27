"""What a test controls on either fake provider: the answer, the request log, the events.

`mode` (or `token_modes[token]`) picks the answer; `retry_after` is the Retry-After a
throttled answer carries; `release` frees answers held back for ever ("timeout") at stop;
`arrived` is set when a request has arrived, so tests wait on it instead of sleeping.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Generic, TypeVar

Request = TypeVar("Request")

MODE = "ok"
RETRY_AFTER = "3600"


# Keyword-only, so each fake's own fields stay its positional constructor arguments.
@dataclass(kw_only=True)
class FakeControl(Generic[Request]):
    mode: str = MODE
    token_modes: dict[str, str] = field(default_factory=dict)
    retry_after: str = RETRY_AFTER
    requests: list[Request] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)
    arrived: threading.Event = field(default_factory=threading.Event)

    def mode_for(self, token: str) -> str:
        return self.token_modes.get(token, self.mode)

    def reset(self) -> None:
        """Back to answering "ok", with empty logs: each test starts from here."""
        self.mode = MODE
        self.token_modes.clear()
        self.retry_after = RETRY_AFTER
        self.requests.clear()
        self.arrived.clear()

    def stop(self) -> None:
        self.release.set()
