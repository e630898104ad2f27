"""The real `inspector` in a pseudo-terminal, over the hostile store: no escape sequence
from the data ever reaches the terminal.

Pilot tests read what Textual composed; this reads the bytes the terminal receives. The
app writes its own control sequences (cursor moves, colours, the alternate screen), so
the check is for the data's sequences only: the OSC title and clipboard writes, the C1
CSI and the bidi override of tests/hostile.py (FORBIDDEN_OUTPUT).
"""

from __future__ import annotations

import fcntl
import os
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest
from sqlalchemy.engine import URL

from tests import hostile

ROWS, COLUMNS = 50, 160
DEADLINE_S = 60.0  # the whole run, whatever happens

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pty")


def inspector_command() -> list[str]:
    """The console script installed beside this Python (the venv's `inspector`)."""
    script = Path(sys.executable).with_name("inspector")
    return [str(script)] if script.exists() else [sys.executable, "-m", "inspector"]


def token_query(installation_id: str) -> str:
    return "token:tok-" + installation_id + "-" + "a" * 100


class Terminal:
    """A child process on a pty of a fixed size; every byte it writes is kept."""

    def __init__(self, command: list[str], env: dict[str, str], cwd: Path) -> None:
        self.master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLUMNS, 0, 0))
        self.started = time.monotonic()
        self.proc = subprocess.Popen(
            command,
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=env,
            cwd=cwd,
            start_new_session=True,  # its own session: the pty is its controlling terminal
            close_fds=True,
        )
        os.close(slave)
        self.output = bytearray()

    def _left(self) -> float:
        return DEADLINE_S - (time.monotonic() - self.started)

    def read(self, seconds: float) -> None:
        """Collect output for `seconds` (or until the child closes the pty)."""
        end = time.monotonic() + min(seconds, max(self._left(), 0))
        while (wait := end - time.monotonic()) > 0:
            ready, _, _ = select.select([self.master], [], [], wait)
            if not ready:
                continue
            try:
                chunk = os.read(self.master, 65536)
            except OSError:  # EIO: the child closed the pty
                return
            if not chunk:
                return
            self.output.extend(chunk)

    def wait_for(self, text: bytes, since: int = 0, seconds: float = 15.0) -> bool:
        """Read until `text` was written after byte `since` (True) or the time is up."""
        end = time.monotonic() + seconds
        while time.monotonic() < end and self._left() > 0:
            if text in self.output[since:]:
                return True
            self.read(0.2)
            if self.proc.poll() is not None:
                break
        return False

    def type(self, text: str, pause: float = 0.3) -> None:
        os.write(self.master, text.encode())
        self.read(pause)

    def close(self) -> int | None:
        """Let the app quit by itself, then make sure it is gone."""
        try:
            self.proc.wait(timeout=max(min(self._left(), 10), 1))
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)
        self.read(0.5)
        os.close(self.master)
        return self.proc.returncode


@pytest.fixture
def hostile_sqlite(make_database: object, tmp_path: Path) -> URL:
    url = make_database("sqlite")  # type: ignore[operator]
    hostile.build_hostile_store(url)
    return url


def test_hostile_data_never_reaches_the_terminal_raw(hostile_sqlite: URL, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("INSPECTOR_")}
    env.update(
        TERM="xterm-256color",
        COLUMNS=str(COLUMNS),
        LINES=str(ROWS),
        LANG="C.UTF-8",
        LC_ALL="C.UTF-8",
        HOME=str(tmp_path),
        XDG_CONFIG_HOME=str(tmp_path / "config"),
        XDG_DATA_HOME=str(tmp_path / "data"),
        INSPECTOR_STORE_URL=hostile_sqlite.render_as_string(False),
        INSPECTOR_JOURNAL_URL=f"sqlite:///{tmp_path / 'journal.db'}",
        INSPECTOR_ENVIRONMENT="development",
        INSPECTOR_OPERATOR="ana",
    )
    env.pop("TEXTUAL", None)
    term = Terminal(inspector_command(), env, tmp_path)
    try:
        assert term.wait_for(b"search", seconds=20), "the inspector never drew its search box"
        term.read(1.0)  # the store and the journal open after the first frame
        # The device whose Customer ID holds an OSC title and a clear screen, and the one
        # whose attributes and event details hold escapes written as JSON \u escapes.
        for device in (hostile.H_ESCAPE, hostile.H_JSON, hostile.H_MARKUP):
            term.type("/")
            term.type("\x15")  # ctrl+u: clear the search box
            before = len(term.output)
            term.type(token_query(device) + "\r", pause=0.1)
            term.wait_for(device.encode(), since=before, seconds=10)
            for tab in "12345":
                term.type(tab, pause=0.4)
            term.type("4", pause=0.3)
            for _ in range(3):
                term.type("\x1b[B", pause=0.2)  # down: the history details of each event
        term.type("\x11")  # ctrl+q
    finally:
        code = term.close()
    output = term.output.decode("utf-8", errors="replace")
    assert hostile.H_ESCAPE in output and hostile.H_MARKUP in output, "devices never shown"
    assert "PWNED" in output, "the hostile values were never drawn"
    for forbidden in hostile.FORBIDDEN_OUTPUT:
        assert forbidden not in output, f"{forbidden!r} reached the terminal"
    assert "Traceback" not in output
    assert code == 0
