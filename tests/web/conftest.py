"""Fixtures for `inspector serve`: settings on the demo store, a server under aiohttp's
test client with two accounts, and helpers to read what a session's websocket shows."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy.engine import URL

from inspector.config import Settings, load_settings
from inspector.journal import AuditEntry, Journal
from inspector.web.accounts import Accounts
from inspector.web.identity import load_or_create_key
from inspector.web.options import ServeOptions
from inspector.web.server import InspectorServer

PASSWORDS = {"ana": "ana's long passphrase", "bob": "bob's other passphrase"}
# Terminal output: escape sequences between the words a test looks for.
_ANSI = re.compile(r"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[@-Z\\-_])")


def screen_text(data: bytes) -> str:
    return _ANSI.sub("", data.decode("utf-8", "replace"))


@pytest.fixture
def web_settings(sqlite_demo_url: URL, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """A staging profile on the demo store, in the environment too: the app processes
    the server starts read it from there."""
    monkeypatch.setenv("INSPECTOR_STORE_URL", sqlite_demo_url.render_as_string(False))
    monkeypatch.setenv("INSPECTOR_ENVIRONMENT", "staging")
    # Whoever started the server is not who acts in a session.
    monkeypatch.setenv("INSPECTOR_OPERATOR", "server-os-user")
    return load_settings()


class Clock:
    def __init__(self) -> None:
        import time

        self.now = time.time()

    def __call__(self) -> float:
        return self.now


@dataclass
class Served:
    server: InspectorServer
    client: TestClient[Any, Any]
    journal: Journal
    accounts: Accounts
    clock: Clock
    sockets: list[aiohttp.ClientWebSocketResponse] = field(default_factory=list)

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.client.port}"

    async def login(self, name: str, password: str | None = None) -> aiohttp.ClientResponse:
        return await self.client.post(
            "/login",
            data={"name": name, "password": PASSWORDS[name] if password is None else password},
            headers={"Origin": self.origin},
            allow_redirects=False,
        )

    async def ws(self, origin: str | None = "", **kwargs: Any) -> aiohttp.ClientWebSocketResponse:
        headers = {} if origin is None else {"Origin": origin or self.origin}
        ws = await self.client.ws_connect("/ws?width=200&height=40", headers=headers, **kwargs)
        self.sockets.append(ws)
        return ws

    def records(self, action: str) -> list[AuditEntry]:
        return [e for e in self.journal.entries(limit=1000) if e.action == action]

    async def wait_records(self, action: str, count: int = 1) -> list[AuditEntry]:
        """The records of `action` once there are `count` (a session's end is recorded
        after its socket closed)."""
        for _ in range(200):
            found = self.records(action)
            if len(found) >= count:
                return found
            await asyncio.sleep(0.05)
        raise AssertionError(f"no {count} {action} records; got {self.records(action)}")


MakeServed = Callable[..., Any]


@pytest.fixture
async def make_served(web_settings: Settings) -> AsyncIterator[MakeServed]:
    """`await make_served(**options)`: a server on the staging profile with accounts ana
    and bob, under aiohttp's test client (127.0.0.1, a free port)."""
    made: list[Served] = []
    journal = Journal.open(web_settings)
    accounts = Accounts.open(web_settings)
    for name, password in PASSWORDS.items():
        accounts.add(name, password)
    key = load_or_create_key()

    async def make(
        *, header_mode: bool = False, settings: Settings | None = None, **options: Any
    ) -> Served:
        """`settings`: another profile (its journal must be the default one, where the
        accounts are)."""
        options.setdefault("failed_login_delay_s", 0.0)
        clock = Clock()
        server = InspectorServer(
            settings or web_settings,
            ServeOptions(**options),
            journal=journal,
            accounts=None if header_mode else accounts,
            key=key,
            clock=clock,
        )
        client = TestClient(TestServer(await server._make_app(), host="127.0.0.1"))
        await client.start_server()
        served = Served(server, client, journal, accounts, clock)
        made.append(served)
        return served

    yield make
    for served in made:
        for ws in served.sockets:
            await ws.close()
        await served.client.close()
    accounts.close()
    journal.close()


_ENDED = (
    aiohttp.WSMsgType.CLOSE,
    aiohttp.WSMsgType.CLOSED,
    aiohttp.WSMsgType.CLOSING,
    aiohttp.WSMsgType.ERROR,
)


async def read_until(
    ws: aiohttp.ClientWebSocketResponse, needle: str, timeout: float = 30.0
) -> str:
    """What the session wrote until `needle` shows (escape sequences removed); fails
    when the socket closes first or nothing comes in time."""
    seen = b""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        remaining = deadline - loop.time()
        if remaining <= 0:
            raise AssertionError(f"{needle!r} never showed; last: {screen_text(seen)[-600:]!r}")
        try:
            message = await asyncio.wait_for(ws.receive(), remaining)
        except TimeoutError:
            continue
        if message.type == aiohttp.WSMsgType.BINARY:
            seen += message.data
            if needle in screen_text(seen):
                return screen_text(seen)
        elif message.type in _ENDED:
            raise AssertionError(f"closed before {needle!r}; got {screen_text(seen)[-600:]!r}")


async def read_to_close(ws: aiohttp.ClientWebSocketResponse, timeout: float = 30.0) -> str:
    """Everything the session writes until the server closes the socket."""
    seen = b""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        remaining = deadline - loop.time()
        if remaining <= 0:
            raise AssertionError(f"never closed; last: {screen_text(seen)[-600:]!r}")
        try:
            message = await asyncio.wait_for(ws.receive(), remaining)
        except TimeoutError:
            continue
        if message.type == aiohttp.WSMsgType.BINARY:
            seen += message.data
        elif message.type in _ENDED:
            return screen_text(seen)
