"""An HTTP/2 client that senders on any thread share: httpx's AsyncClient, run on an
event loop thread of its own.

httpx's sync HTTP/2 connection is not safe across threads: two threads opening streams at
once can put their HEADERS frames on the wire out of stream-id order, and the server ends
the connection (h2: StreamIDTooLowError), taking every push in flight on it with it. A
proof sends to many devices at once over one connection per APNs host and key, so that
connection is only ever touched by the one thread that runs its loop; the senders wait
for their own response.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

import httpx

T = TypeVar("T")
# How long closing waits for the loop to close its connections.
CLOSE_WAIT_S = 2.0


class LoopClient:
    """`send(request)` from any thread; the same keyword arguments as httpx.AsyncClient."""

    def __init__(self, *, name: str = "inspector-http2", **client_options: Any) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name=name, daemon=True)
        self._thread.start()
        self._client: httpx.AsyncClient = self._run(self._make(client_options))
        self._closed = False
        self._lock = threading.Lock()

    @staticmethod
    async def _make(options: dict[str, Any]) -> httpx.AsyncClient:
        return httpx.AsyncClient(**options)

    def _run(self, call: Coroutine[Any, Any, T], timeout: float | None = None) -> T:
        return asyncio.run_coroutine_threadsafe(call, self._loop).result(timeout)

    def build_request(self, method: str, url: str, **kwargs: Any) -> httpx.Request:
        return self._client.build_request(method, url, **kwargs)

    def send(self, request: httpx.Request) -> httpx.Response:
        """The response, read whole; httpx's exceptions as the sync client raises them
        (its timeouts apply on the loop)."""
        if self._closed:
            raise RuntimeError("the HTTP/2 client is closed")
        return self._run(self._client.send(request))

    @property
    def is_closed(self) -> bool:
        return self._closed

    def close(self) -> None:
        """Closes its connections and stops its thread; again is a no-op."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
        try:
            # A connection that will not close cleanly is dropped with the loop.
            with contextlib.suppress(Exception):
                self._run(self._client.aclose(), CLOSE_WAIT_S)
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(CLOSE_WAIT_S)
            if not self._thread.is_alive():
                self._loop.close()
