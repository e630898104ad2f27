"""One browser session's app process: `python -m inspector.web.session --identity-fd N`.

`inspector serve` starts this with an argument list (never a shell) and writes a signed
identity token into the pipe it inherits as fd N. The token is checked (signature with
the server's key, expiry, profile) before anything else; then the ordinary app runs on
the profile with the logged-in user as its operator: the banner shows them, the journal
records them, the two-person rules compare them.

Textual's web driver speaks to the server on stdin/stdout (TEXTUAL_DRIVER, set by the
server). A refusal or a failure to start is written into the page through that same
protocol, in words, and the exit code tells the server what happened: 0 the user quit,
2 refused or not started, 1 the app failed.
"""

from __future__ import annotations

import argparse
import io
import os
import signal
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from inspector.safetext import clip, escape

if TYPE_CHECKING:
    from inspector.config import Settings

EXIT_QUIT = 0
EXIT_FAILED = 1
EXIT_REFUSED = 2


def _page(text: str) -> None:
    """Words in the browser's terminal before (or instead of) the app: the web driver's
    prelude, then one data packet."""
    lines = "\r\n".join(escape(line) for line in text.splitlines())
    data = f"\x1b[0m\x1b[2J\x1b[H\r\n  {lines}\r\n".encode()
    out = sys.stdout.buffer
    out.write(b"__GANGLION__\n")
    out.write(b"D" + len(data).to_bytes(4, "big") + data)
    out.flush()


def _refuse(message: str) -> int:
    line = escape(clip(message, 300))
    sys.stderr.write(f"inspector session: {line}\n")
    _page(f"This session could not start: {line}")
    return EXIT_REFUSED


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="inspector.web.session", add_help=False)
    parser.add_argument("--identity-fd", type=int, required=True)
    parser.add_argument("--profile")
    parser.add_argument("--config")
    try:
        args = parser.parse_args(argv)
    except SystemExit:
        return EXIT_REFUSED

    from inspector.config import ConfigError, load_settings
    from inspector.web.identity import IdentityError, read_key, read_token, verify

    try:
        token = read_token(args.identity_fd)
        settings = load_settings(profile=args.profile, config=args.config)
        identity = verify(read_key(), token, profile=settings.profile)
    except (IdentityError, ConfigError) as exc:
        return _refuse(str(exc))
    # The profile's own operator (INSPECTOR_OPERATOR, the OS user) is not who acts here.
    settings = replace(settings, operator=identity.user)
    _end_with_the_server()
    return _run(settings)


def _end_with_the_server() -> None:
    """A server killed outright cannot stop its sessions: each notices it has a new
    parent and quits as on a stop (SIGTERM), then is gone a few seconds later anyway."""
    parent = os.getppid()

    def watch() -> None:
        while True:
            time.sleep(1.0)
            if os.getppid() != parent:
                os.kill(os.getpid(), signal.SIGTERM)
                time.sleep(5.0)
                os._exit(EXIT_FAILED)

    threading.Thread(target=watch, name="server-watch", daemon=True).start()


def _run(settings: Settings) -> int:
    from rich.console import Console

    from inspector.services import Services
    from inspector.tui.app import InspectorApp

    def load_profile(name: str) -> Settings:
        # A profile switch keeps who logged in as the operator.
        from inspector.config import load_settings

        loaded = load_settings(profile=name, config=settings.config_path)
        return replace(loaded, operator=settings.operator)

    services = Services.configured(settings)
    try:
        app = InspectorApp(
            settings, services, startup_warnings=settings.warnings, load_profile=load_profile
        )
        if os.environ.get("INSPECTOR_DEBUG") != "1":
            # A traceback quotes data and locals: the server's log gets one line.
            app.error_console = Console(file=io.StringIO(), markup=False, highlight=False)
        app.run()
    finally:
        services.close()
    if app.return_code:
        error = getattr(app, "_exception", None)
        name = type(error).__name__ if error is not None else "an error"
        sys.stderr.write(f"inspector session: the app stopped on {name}\n")
        return EXIT_FAILED
    return EXIT_QUIT


def describe_exit(code: int | None) -> str:
    """What the server says in the page when a session's process ends with `code`."""
    if code == EXIT_QUIT:
        return "Session ended."
    if code == EXIT_REFUSED:
        return "The session could not start (see above). The server is still up."
    if code is not None and code < 0:
        return f"The inspector stopped unexpectedly (signal {-code}). The server is still up."
    return f"The inspector stopped unexpectedly (exit code {code}). The server is still up."


def entry() -> int:
    """main(), with a defect said in one line (its traceback quotes data and settings):
    in the page and in the server's log; the traceback only with INSPECTOR_DEBUG=1."""
    try:
        return main()
    except Exception as exc:
        if os.environ.get("INSPECTOR_DEBUG") == "1":
            raise
        from inspector.errors import first_line

        # first_line is terminal-safe already.
        line = f"internal error: {type(exc).__name__}: {first_line(exc, 200)}"
        sys.stderr.write(f"inspector session: {line}\n")
        return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(entry())
