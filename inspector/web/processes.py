"""One browser session's app process: textual-serve's AppService, extended.

Started from an argument list (textual-serve starts a shell command line) as
`python -m inspector.web.session`, told who logged in by a signed token written into
a pipe it inherits; its "exit" is not passed on at once: once the process has ended the
page is told why (quit, crashed, idle, logged out, server stopping) in words, then the
websocket is closed. Stopping is bounded: quit, then terminate, then kill.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import secrets
import time
from typing import TYPE_CHECKING, Any, Protocol

from aiohttp import web
from textual_serve.app_service import AppService
from textual_serve.download_manager import DownloadManager

from inspector.safetext import escape
from inspector.web.session import EXIT_QUIT, EXIT_REFUSED

if TYPE_CHECKING:
    from inspector.web.logins import Login


class SessionHost(Protocol):
    """What a session needs of its server."""

    download_manager: DownloadManager
    debug: bool

    @property
    def stop_grace_s(self) -> float: ...

    def identity_token(self, user: str, session_id: str) -> str: ...

    def session_argv(self, identity_fd: int) -> list[str]: ...

    def end_words(self, session: SessionService) -> str: ...


# Leave the app's screen (a killed app leaves it up), reset colours, clear, go home.
_CLEAN_SCREEN = "\x1b[?1049l\x1b[0m\x1b[2J\x1b[H"


def terminal_words(text: str, *, clear: bool = True) -> bytes:
    """Words for the browser's terminal, escaped, one per line: on a clean screen, or
    (`clear` False) under what is there (the app process's own words on a refusal)."""
    lines = "\r\n  ".join(escape(line) for line in text.splitlines())
    start = _CLEAN_SCREEN if clear else "\x1b[0m\r\n"
    return f"{start}\r\n  {lines}\r\n".encode()


class SessionService(AppService):
    """textual-serve's AppService for one session, started from an argument list with the
    signed identity in an inherited pipe, and told apart by who ended it."""

    def __init__(
        self,
        *,
        server: SessionHost,
        user: str,
        login: Login | None,
        websocket: web.WebSocketResponse,
    ) -> None:
        super().__init__(
            "python -m inspector.web.session",  # shown only: _open_app_process runs argv
            write_bytes=websocket.send_bytes,
            write_str=websocket.send_str,
            close=self._close_websocket,
            download_manager=server.download_manager,
            debug=server.debug,
        )
        self.server = server
        self.user = user
        self.login = login
        self.websocket = websocket
        self.id = secrets.token_hex(8)
        self.started = time.monotonic()
        self.last_input = self.started
        self.end_reason: str | None = None
        self.exit_code: int | None = None
        self.ended = asyncio.Event()

    async def _close_websocket(self) -> None:
        await self.websocket.close()

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def touch(self) -> None:
        self.last_input = time.monotonic()

    async def _open_app_process(self, width: int = 80, height: int = 24) -> Any:
        environment = self._build_environment(width=width, height=height)
        # Who acts is the token's user: a variable of the server's must not say otherwise.
        environment.pop("INSPECTOR_OPERATOR", None)
        token = self.server.identity_token(self.user, self.id)
        read_fd, write_fd = os.pipe()
        try:
            # Far below a pipe's buffer: written whole before the child starts.
            os.write(write_fd, token.encode("ascii"))
            os.close(write_fd)
            write_fd = -1
            self._process = process = await asyncio.create_subprocess_exec(
                *self.server.session_argv(read_fd),
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
                env=environment,
                pass_fds=(read_fd,),
                # Its own process group: a Ctrl+C at the server's terminal reaches the
                # server, which stops its children itself.
                start_new_session=True,
            )
        finally:
            os.close(read_fd)
            if write_fd >= 0:
                os.close(write_fd)
        assert process.stdin is not None
        self._stdin = process.stdin
        return process

    async def start(self, width: int, height: int) -> None:
        await self._open_app_process(width, height)
        self._task = asyncio.create_task(self._supervise())

    async def on_meta(self, data: bytes) -> None:
        # The app's "exit" closes the websocket in textual-serve; here the page is told
        # why once the process has ended (_supervise).
        with contextlib.suppress(ValueError, TypeError):
            if json.loads(data).get("type") == "exit":
                return
        await super().on_meta(data)

    async def _supervise(self) -> None:
        try:
            await self.run()
            assert self._process is not None
            self.exit_code = await self._process.wait()
        finally:
            if self.end_reason is None:
                code = self.exit_code
                self.end_reason = (
                    "quit" if code == EXIT_QUIT else "refused" if code == EXIT_REFUSED
                    else "crashed"
                )  # fmt: skip
            words = self.server.end_words(self)
            with contextlib.suppress(Exception):
                if words and not self.websocket.closed:
                    clear = self.end_reason != "refused"
                    await self.websocket.send_bytes(terminal_words(words, clear=clear))
            with contextlib.suppress(Exception):
                await self.websocket.close()
            self.ended.set()

    async def stop(self, reason: str | None = None, grace_s: float | None = None) -> None:
        """End the app: ask it to quit, then terminate, then kill; bounded in time."""
        if reason is not None and self.end_reason is None:
            self.end_reason = reason
        grace = self.server.stop_grace_s if grace_s is None else grace_s
        await self._download_manager.cancel_app_downloads(app_service_id=self.app_service_id)
        process = self._process
        if process is not None and process.returncode is None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.send_meta({"type": "quit"}), 0.5)
            for step, wait_s in ((process.terminate, grace), (process.kill, 1.0)):
                try:
                    await asyncio.wait_for(process.wait(), wait_s)
                    break
                except TimeoutError:
                    with contextlib.suppress(ProcessLookupError):
                        step()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(process.wait(), 1.0)
        if self._task is not None:
            with contextlib.suppress(TimeoutError, asyncio.CancelledError):
                await asyncio.wait_for(asyncio.shield(self._task), 2.0)
