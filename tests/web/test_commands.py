"""`inspector users …` and `inspector serve` on the command line."""

from __future__ import annotations

import asyncio
import io
import json
import signal
import sys
import time
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from inspector.cli import main
from inspector.config import Settings
from inspector.journal import Journal
from tests.web.conftest import read_until
from tests.web.running import ServeProcess
from tests.web.test_sessions import alive


def users(
    args: list[str], password: str | None = None, monkeypatch: pytest.MonkeyPatch | None = None
) -> int:
    if monkeypatch is not None:
        monkeypatch.setattr(sys, "stdin", io.StringIO("" if password is None else password + "\n"))
    return main(["users", *args])


def test_users_add_list_passwd_remove(
    web_settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert users(["add", "ana"], "a long enough passphrase", monkeypatch) == 0
    assert users(["add", "ana"], "a long enough passphrase", monkeypatch) == 2
    assert "already an account named 'ana'" in capsys.readouterr().err
    assert users(["add", "bob"], "short", monkeypatch) == 2
    assert "at least 12 characters" in capsys.readouterr().err
    assert users(["add", "bad name"], "a long enough passphrase", monkeypatch) == 2
    capsys.readouterr()
    assert users(["list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [u["name"] for u in listed["users"]] == ["ana"]
    assert users(["passwd", "ana"], "another long passphrase", monkeypatch) == 0
    assert users(["passwd", "nobody"], "another long passphrase", monkeypatch) == 1
    assert users(["remove", "nobody"]) == 1
    assert users(["remove", "ana"]) == 0
    capsys.readouterr()
    assert users(["list", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"users": []}

    journal = Journal.open(web_settings)
    try:
        entries = journal.entries(limit=100)
    finally:
        journal.close()
    actions = [e.action for e in reversed(entries)]
    assert actions == ["web.user_add", "web.user_passwd", "web.user_remove"]
    assert "passphrase" not in json.dumps([e.details for e in entries])


def test_a_password_is_never_an_argument(
    web_settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit):
        main(["users", "add", "ana", "--password", "a long enough passphrase"])
    assert "unrecognized arguments" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--host", "0.0.0.0"], "not a loopback address"),
        (["--public-url", "http://inspector.example.com"], "must be the https:// origin"),
        (["--public-url", "https://inspector.example.com/path?q"], "must be the https:// origin"),
        (["--trust-header", "X-Forwarded-User"], "go together"),
        (["--trust-header", "X Bad", "--trusted-proxy", "10.0.0.1"], "must be a header name"),
        (["--trust-header", "X-User", "--trusted-proxy", "proxy.example"], "IP address"),
        (["--max-sessions", "0"], "--max-sessions must be a number more than 0"),
        (["--idle-timeout", "nan"], "--idle-timeout must be a number more than 0"),
        ([], "no accounts to log in with"),
    ],
)
def test_serve_refuses_unsafe_or_incoherent_options(
    web_settings: Settings, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    assert main(["serve", *args]) == 2
    assert message in capsys.readouterr().err


class Running:
    """`inspector serve` in a process of its own, with one session of ana open."""

    def __init__(self, settings: Settings, tmp_path: Path) -> None:
        self.settings = settings
        self.serve = ServeProcess(tmp_path / "serve.err")
        self.process, self.origin, self.err = self.serve.process, self.serve.origin, self.serve.log

    async def open_session(self, client: aiohttp.ClientSession) -> tuple[Any, int]:
        answer = await client.post(
            f"{self.origin}/login",
            data={"name": "ana", "password": "a long enough passphrase"},
            headers={"Origin": self.origin},
            allow_redirects=False,
        )
        assert answer.status == 303
        ws = await client.ws_connect(
            f"{self.origin}/ws?width=200&height=40", headers={"Origin": self.origin}
        )
        await read_until(ws, "operator ana")
        (start,) = self.records("web.session_start")
        pid = int(start.details["pid"])
        assert alive(pid)
        return ws, pid

    def records(self, action: str) -> list[Any]:
        journal = Journal.open(self.settings)
        try:
            return [e for e in journal.entries() if e.action == action]
        finally:
            journal.close()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


async def test_sigterm_stops_every_session_quickly(
    web_settings: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    assert users(["add", "ana"], "a long enough passphrase", monkeypatch) == 0
    served = Running(web_settings, tmp_path)
    try:
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as client:
            ws, pid = await served.open_session(client)
            began = time.monotonic()
            served.process.send_signal(signal.SIGTERM)
            # The open websocket does not hold the server up (textual-serve's would for
            # about a minute); the bound is loose for a loaded machine.
            assert served.process.wait(timeout=15) == 0
            took = time.monotonic() - began
            assert took < 8, took
            assert not alive(pid)
            await ws.close()
    finally:
        served.stop()
    stderr = served.err.read_text()
    assert "stopped" in stderr and "a long enough passphrase" not in stderr
    ends = served.records("web.session_end")
    assert [e.details["reason"] for e in ends] == ["server stopped"]


async def test_a_session_does_not_outlive_a_killed_server(
    web_settings: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    assert users(["add", "ana"], "a long enough passphrase", monkeypatch) == 0
    served = Running(web_settings, tmp_path)
    try:
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as client:
            ws, pid = await served.open_session(client)
            served.process.kill()
            served.process.wait()
            for _ in range(150):
                if not alive(pid):
                    break
                await asyncio.sleep(0.1)
            assert not alive(pid)
            await ws.close()
    finally:
        served.stop()
