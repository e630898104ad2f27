"""A browser session's app process: who it acts for, how it is started, its limits and
its end (real processes of `python -m inspector.web.session`)."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy.engine import URL

from inspector.config import Settings
from inspector.web.identity import Identity, load_or_create_key, sign
from tests.web.conftest import MakeServed, read_to_close, read_until


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is gone for our purpose.
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().split()[2] != "Z"


async def test_a_session_runs_the_app_as_the_logged_in_user(make_served: MakeServed) -> None:
    served = await make_served()
    await served.login("ana")
    ws = await served.ws()
    text = await read_until(ws, "operator ana")
    assert "STAGING" in text and "server-os-user" not in text
    (session,) = served.server.sessions.values()
    pid = session.pid
    assert pid is not None
    # Started from an argument list: no shell, and the user is not on the command line.
    cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[:-1]
    assert cmdline[0].decode() == sys.executable
    assert cmdline[1:3] == [b"-m", b"inspector.web.session"]
    assert not any(b"ana" in arg for arg in cmdline)
    environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    assert not any(e.startswith(b"INSPECTOR_OPERATOR=") for e in environ)
    (start,) = served.records("web.session_start")
    assert start.details["web_user"] == "ana"

    await ws.close()
    (end,) = await served.wait_records("web.session_end")
    assert end.details["web_user"] == "ana" and end.details["reason"] == "closed"
    assert not alive(pid)
    assert served.server.sessions == {}


async def test_sessions_are_limited_per_user_and_in_total(make_served: MakeServed) -> None:
    served = await make_served(max_sessions_per_user=1, max_sessions=1)
    await served.login("ana")
    first = await served.ws()
    await read_until(first, "operator ana")
    second = await served.ws()
    assert "You have 1 sessions open already (the limit is 1)" in await read_to_close(second)
    assert len(served.server.sessions) == 1


async def test_a_crashed_app_says_so_in_the_page_and_the_server_stays_up(
    make_served: MakeServed,
) -> None:
    served = await make_served()
    await served.login("ana")
    ws = await served.ws()
    await read_until(ws, "operator ana")
    (session,) = served.server.sessions.values()
    assert session.pid is not None
    os.kill(session.pid, signal.SIGKILL)
    words = await read_to_close(ws)
    assert "The inspector stopped unexpectedly (signal 9). The server is still up." in words
    (end,) = await served.wait_records("web.session_end")
    assert end.outcome == "crashed" and end.details["reason"] == "crashed"
    # The server carries on: the same login opens a new session.
    assert (await served.client.get("/")).status == 200
    again = await served.ws()
    await read_until(again, "operator ana")


async def test_an_idle_session_ends_its_app_process(make_served: MakeServed) -> None:
    served = await make_served(idle_timeout_s=6.0)
    await served.login("bob")
    ws = await served.ws()
    await read_until(ws, "operator bob")
    (session,) = served.server.sessions.values()
    pid = session.pid
    assert pid is not None
    assert "This session ended after 6 seconds without input." in await read_to_close(ws)
    for _ in range(50):
        if not alive(pid):
            break
        await asyncio.sleep(0.1)
    assert not alive(pid)
    (end,) = await served.wait_records("web.session_end")
    assert end.details["reason"] == "idle"


async def test_a_logout_ends_the_logins_sessions(make_served: MakeServed) -> None:
    served = await make_served()
    await served.login("ana")
    ws = await served.ws()
    await read_until(ws, "operator ana")
    await served.client.post("/logout", headers={"Origin": served.origin})
    assert "Logged out" in await read_to_close(ws)


# -- the app process refuses to act for anyone without the server's signature -------------------


def run_session(token: str, *, profile: str | None = None) -> subprocess.CompletedProcess[bytes]:
    read_fd, write_fd = os.pipe()
    os.write(write_fd, token.encode())
    os.close(write_fd)
    argv = [sys.executable, "-m", "inspector.web.session", "--identity-fd", str(read_fd)]
    if profile is not None:
        argv += ["--profile", profile]
    try:
        return subprocess.run(
            argv, pass_fds=(read_fd,), capture_output=True, timeout=60, stdin=subprocess.DEVNULL
        )
    finally:
        os.close(read_fd)


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("another key", "not signed by this server"),
        ("expired", "has expired"),
        ("other profile", "for another profile"),
        ("garbage", "malformed"),
    ],
)
def test_the_app_process_refuses_a_token_the_server_did_not_sign(
    web_settings: Settings, case: str, expected: str
) -> None:
    key = load_or_create_key()
    me = Identity("ana", "s1", web_settings.profile)
    token = {
        "another key": sign(b"k" * 32, me),
        "expired": sign(key, me, now=1_000_000.0),
        "other profile": sign(key, Identity("ana", "s1", "production")),
        "garbage": "ana",
    }[case]
    done = run_session(token)
    assert done.returncode == 2
    assert expected in done.stderr.decode()
    # Said in the page too, through the web driver's protocol.
    assert done.stdout.startswith(b"__GANGLION__\n")
    assert b"This session could not start" in done.stdout


def test_the_session_key_must_be_the_servers_alone(web_settings: Settings) -> None:
    from inspector.web.identity import key_path

    key = load_or_create_key()
    path = key_path()
    assert path.stat().st_mode & 0o777 == 0o600
    path.chmod(0o644)
    done = run_session(sign(key, Identity("ana", "s1", web_settings.profile)))
    assert done.returncode == 2
    assert "readable by it alone" in done.stderr.decode()


async def test_a_profile_switch_keeps_the_logged_in_user_as_operator(
    make_served: MakeServed, sqlite_demo_url: URL, tmp_path: Path
) -> None:
    from inspector.config import data_dir, load_settings, sqlite_url_text

    for name in ("one", "two"):
        shutil.copy(sqlite_demo_url.database or "", tmp_path / f"store-{name}.db")
    journal = sqlite_url_text(data_dir() / "journal.db")
    config = tmp_path / "inspector.toml"
    config.write_text(
        "".join(
            f'[profiles.{name}]\nenvironment = "staging"\nlabel = "{name.title()}"\n'
            f'store = "{sqlite_url_text(tmp_path / f"store-{name}.db")}"\n'
            f'journal = "{journal}"\n\n'
            for name in ("one", "two")
        )
    )
    settings = load_settings(profile="one", config=config)
    served = await make_served(settings=settings)
    await served.login("ana")
    ws = await served.ws()
    await read_until(ws, "store-one.db · operator ana")
    await asyncio.sleep(1.0)  # the store opens after the first frame
    await ws.send_json(["stdin", "\x1bOQ"])  # F2: the profiles
    await read_until(ws, "Switch profile")
    await ws.send_json(["stdin", "\x1b[B"])
    await asyncio.sleep(0.3)
    await ws.send_json(["stdin", "\r"])
    await read_until(ws, "store-two.db · operator ana")


async def test_a_session_that_cannot_start_says_why_in_the_page(make_served: MakeServed) -> None:
    from inspector.web.identity import key_path

    served = await make_served()
    await served.login("ana")
    key_path().chmod(0o640)  # the app process refuses a key others may read
    words = await read_to_close(await served.ws())
    assert "This session could not start: the session key" in words
    assert "The session could not start (see above). The server is still up." in words
    (end,) = await served.wait_records("web.session_end")
    assert end.details["reason"] == "refused" and end.details["exit_code"] == 2


async def test_behind_a_single_sign_on_proxy_the_header_names_the_operator(
    make_served: MakeServed,
) -> None:
    served = await make_served(
        header_mode=True, trust_header="X-Forwarded-User", trusted_proxy="127.0.0.0/8"
    )
    ws = await served.client.ws_connect(
        "/ws?width=200&height=40",
        headers={"Origin": served.origin, "X-Forwarded-User": "carol@example.com"},
    )
    served.sockets.append(ws)
    await read_until(ws, "operator carol@example.com")
    (start,) = served.records("web.session_start")
    assert start.details["web_user"] == "carol@example.com"
    assert start.details["via"] == "X-Forwarded-User"
