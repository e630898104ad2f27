"""`inspector serve`: textual-serve's server, extended with a login and its limits.

What is added to textual_serve.server.Server (subclassed, not copied):

- Who: built-in accounts (login page, server-side session, cookie HttpOnly,
  SameSite=Strict, Secure behind https, expiring) or a single-sign-on proxy's header,
  taken only from the proxy's address. Every page, download and websocket needs one of
  them; the websocket and every POST also need an Origin of this server.
- One app process per browser session, started from an argument list (textual-serve
  starts a shell command line) as `python -m inspector.web.session`, told who logged
  in by a signed token through an inherited pipe.
- Limits: sessions per user and in total, an idle timeout that ends the app process,
  and a stop of every child within a few seconds on SIGTERM (textual-serve's own waits
  about a minute for open websockets).
- A session whose app dies says so in the page; the server carries on.
- Logins, failed logins, logouts, session starts and ends are journal records (the web
  user in the details; never a password or a cookie).
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import json
import logging
import re
import secrets
import signal
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC
from pathlib import Path
from typing import TYPE_CHECKING, Any

import textual_serve
from aiohttp import WSMsgType, web
from aiohttp.web_runner import GracefulExit
from textual_serve.server import Server

from inspector.safetext import clip, escape, has_unsafe
from inspector.web import pages
from inspector.web.accounts import MAX_NAME, NAME_PATTERN
from inspector.web.identity import Identity, sign
from inspector.web.logins import Login, Logins
from inspector.web.options import ServeOptions, check_options
from inspector.web.processes import SessionService, terminal_words
from inspector.web.session import describe_exit
from inspector.web.throttle import Throttle

if TYPE_CHECKING:
    from inspector.config import Settings
    from inspector.journal import Journal
    from inspector.web.accounts import Accounts

log = logging.getLogger("inspector.web")

STATIC_PATH = Path(textual_serve.__file__).parent / "static"
COOKIE = "inspector_session"
# Behind https the cookie is bound to this exact origin: no Domain, Path=/, Secure.
SECURE_COOKIE = "__Host-inspector_session"
MAX_REQUEST_BYTES = 64 * 1024
MAX_TERMINAL = 1000
HEADER_USER = re.compile(r"[^\s]{1,200}")
_CSP = (
    "default-src 'self'; script-src 'self'{nonce}; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self'; connect-src 'self'; frame-ancestors 'none'; "
    "base-uri 'none'; form-action 'self'"
)


# -- the server -------------------------------------------------------------------------------


@dataclass
class _Refused(Exception):
    """A request refused in words, with its HTTP status."""

    status: int
    message: str
    extra: dict[str, str] = field(default_factory=dict)


class InspectorServer(Server):
    def __init__(
        self,
        settings: Settings,
        options: ServeOptions,
        *,
        journal: Journal,
        accounts: Accounts | None,
        key: bytes,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """`clock` (seconds since the epoch) times the logins' expiry."""
        options = check_options(options)
        super().__init__(
            "inspector",
            host=options.host,
            port=options.port,
            title=f"inspector · {settings.display_name}",
            public_url=options.public_url,
            statics_path=STATIC_PATH,
            templates_path=STATIC_PATH,
        )
        self.settings = settings
        self.options = options
        self.journal = journal
        self.accounts = accounts
        self._key = key
        self.sessions: dict[str, SessionService] = {}
        self.logins = Logins(options.login_lifetime_s, clock)
        self.throttle = Throttle()
        self.stopping = False
        self._watchdog: asyncio.Task[None] | None = None
        self._stopping_tasks: set[asyncio.Task[None]] = set()
        self._proxy = options.proxy_network

    # -- the app process ----------------------------------------------------------------------

    @property
    def stop_grace_s(self) -> float:
        return self.options.stop_grace_s

    def identity_token(self, user: str, session_id: str) -> str:
        return sign(self._key, Identity(user, session_id, self.settings.profile))

    def session_argv(self, identity_fd: int) -> list[str]:
        argv = [sys.executable, "-m", "inspector.web.session", "--identity-fd", str(identity_fd)]
        argv += ["--profile", self.settings.profile]
        if self.settings.config_path is not None:
            argv += ["--config", str(self.settings.config_path)]
        return argv

    def end_words(self, session: SessionService) -> str:
        reason = session.end_reason
        if reason == "idle":
            idle = self.options.idle_timeout_s
            span = f"{idle:g} seconds" if idle < 120 else f"{idle / 60:g} minutes"
            return f"This session ended after {span} without input."
        if reason == "logout":
            return "Logged out: this session has ended."
        if reason == "server stopped":
            return "The server is stopping: this session has ended."
        if reason == "closed":
            return ""
        return describe_exit(session.exit_code)

    # -- the aiohttp application -------------------------------------------------------------

    async def _make_app(self) -> web.Application:
        app = web.Application(client_max_size=MAX_REQUEST_BYTES)
        app.add_routes(
            [
                web.get("/", self.handle_index, name="index"),
                web.get("/login", self.handle_login_page, name="login"),
                web.post("/login", self.handle_login),
                web.post("/logout", self.handle_logout, name="logout"),
                web.get("/ws", self.handle_websocket, name="websocket"),
                web.get("/download/{key}", self.handle_download, name="download"),
                web.static("/static", self.statics_path, name="static"),
            ]
        )
        app.on_response_prepare.append(self._security_headers)
        app.on_startup.append(self.on_startup)
        app.on_shutdown.append(self.on_shutdown)
        return app

    async def _security_headers(self, request: web.Request, response: web.StreamResponse) -> None:
        headers = response.headers
        headers.setdefault("Content-Security-Policy", _CSP.format(nonce=""))
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("X-Frame-Options", "DENY")
        if not request.path.startswith("/static/"):
            headers.setdefault("Cache-Control", "no-store")
        if self.options.secure:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000")

    async def on_startup(self, app: web.Application) -> None:
        self._watchdog = asyncio.create_task(self._idle_watchdog())

    async def on_shutdown(self, app: web.Application) -> None:
        """Every app process is asked to quit, then terminated, then killed, all at once:
        a few seconds at most whatever the browsers do."""
        self.stopping = True
        if self._watchdog is not None:
            self._watchdog.cancel()
        sessions = list(self.sessions.values())
        await asyncio.gather(*(s.stop("server stopped") for s in sessions), return_exceptions=True)
        for session in sessions:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(session.websocket.close(code=1001), 1.0)

    def serve(self, debug: bool = False) -> None:
        """Serve until SIGINT or SIGTERM; then stop every session within a few seconds."""
        self.debug = debug
        loop = asyncio.new_event_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, self.request_exit)
        web.run_app(
            self._make_app(),
            host=self.host,
            port=self.port,
            handle_signals=False,
            loop=loop,
            print=None,
            shutdown_timeout=2.0,
            access_log=None,
        )

    def request_exit(self) -> None:
        raise GracefulExit()

    # -- who is asking ------------------------------------------------------------------------

    @property
    def cookie_name(self) -> str:
        return SECURE_COOKIE if self.options.secure else COOKIE

    def _address(self, request: web.Request) -> str:
        # The socket's peer, never a forwarded-for header: that is the client's to write.
        return request.remote or "unknown"

    def _from_proxy(self, request: web.Request) -> bool:
        if self._proxy is None:
            return False
        try:
            return ipaddress.ip_address(self._address(request)) in self._proxy
        except ValueError:
            return False

    def _allowed_origins(self, request: web.Request) -> set[str]:
        if self.options.public_url is not None:
            return {self.options.public_url}
        # Loopback only (check_options): this machine's names for the listening port.
        sockname = request.transport.get_extra_info("sockname") if request.transport else None
        port = sockname[1] if sockname else self.port
        return {f"http://{host}:{port}" for host in ("127.0.0.1", "localhost", "[::1]")}

    def _origin_ok(self, request: web.Request) -> bool:
        origin = request.headers.get("Origin")
        return origin is not None and origin.lower() in self._allowed_origins(request)

    async def _identify(self, request: web.Request) -> tuple[str | None, Login | None]:
        """The user this request comes from, or None; _Refused for a header from outside."""
        header = self.options.trust_header
        if header is not None:
            value = request.headers.get(header)
            if value is None:
                return None, None
            if not self._from_proxy(request):
                await self._refuse_login(request, value, "the user header came from an address"
                                         " other than the trusted proxy")  # fmt: skip
                raise _Refused(403, f"the {header} header is taken only from the trusted proxy")
            if not HEADER_USER.fullmatch(value) or has_unsafe(value):
                await self._refuse_login(request, value, "the user header is malformed")
                raise _Refused(403, f"the {header} header does not hold a user name")
            return value, None
        login = self.logins.get(request.cookies.get(self.cookie_name))
        if login is None:
            return None, None
        return login.user, login

    # -- pages --------------------------------------------------------------------------------

    def _page(self, html: str, status: int = 200, nonce: str | None = None) -> web.Response:
        response = web.Response(text=html, status=status, content_type="text/html")
        if nonce is not None:
            response.headers["Content-Security-Policy"] = _CSP.format(nonce=f" 'nonce-{nonce}'")
        return response

    def _refused(self, refused: _Refused) -> web.Response:
        response = self._page(pages.message_page("Refused", refused.message), refused.status)
        response.headers.update(refused.extra)
        return response

    async def handle_index(self, request: web.Request) -> web.StreamResponse:
        try:
            user, login = await self._identify(request)
        except _Refused as refused:
            return self._refused(refused)
        if user is None:
            if self.options.trust_header is not None:
                return self._refused(_Refused(403, "sign in through the single-sign-on proxy"))
            raise web.HTTPSeeOther("/login")
        nonce = secrets.token_urlsafe(16)
        font_size = _bounded_int(request.query.get("fontsize"), 16, 8, 40)
        html = pages.terminal_page(
            self.settings, user=user, nonce=nonce, can_log_out=login is not None,
            font_size=font_size,
        )  # fmt: skip
        return self._page(html, nonce=nonce)

    async def handle_login_page(self, request: web.Request) -> web.StreamResponse:
        if self.options.trust_header is not None:
            return self._refused(_Refused(404, "sign in through the single-sign-on proxy"))
        _user, login = await self._identify(request)
        if login is not None:
            raise web.HTTPSeeOther("/")
        return self._page(pages.login_page(self.settings))

    async def handle_login(self, request: web.Request) -> web.StreamResponse:
        if self.options.trust_header is not None or self.accounts is None:
            return self._refused(_Refused(404, "sign in through the single-sign-on proxy"))
        if not self._origin_ok(request):
            return self._refused(_Refused(403, "a login must come from this server's own page"))
        form = await request.post()
        name = form.get("name")
        password = form.get("password")
        if not isinstance(name, str) or not isinstance(password, str):
            return self._page(pages.login_page(self.settings, message="Enter a user and a"
                                               " password."), 400)  # fmt: skip
        name = name.strip()
        address = self._address(request)
        wait_s = self.throttle.wait_s(name, address)
        if wait_s > 0:
            log.info("login of %s from %s held back (%.0f s)", _shown(name), address, wait_s)
            message = f"Too many failed logins: try again in {wait_s:.0f} s."
            response = self._page(pages.login_page(self.settings, message=message, name=name), 429)
            response.headers["Retry-After"] = str(max(1, int(wait_s + 0.999)))
            return response
        accounts = self.accounts
        started = time.monotonic()
        # Counted before the check, cleared by a success: guesses sent all at once wait
        # like guesses sent one after another.
        self.throttle.failed(name, address)
        try:
            matched = await asyncio.to_thread(accounts.verify, name, password)
        except Exception as exc:
            log.warning("the accounts could not be read: %s", _shown(str(exc)))
            return self._refused(_Refused(503, "the accounts cannot be read: try again later"))
        if not matched:
            try:
                details = {"address": address, "reason": "wrong user or password"}
                # Something typed in the name box that is no user name (a password typed
                # one box too early) stays out of the journal.
                shown = name if NAME_PATTERN.fullmatch(name) and len(name) <= MAX_NAME else "?"
                await self._record("web.login_failed", shown, "refused", details)
            except Exception as exc:
                log.warning("a failed login could not be recorded: %s", _shown(str(exc)))
            delay = self.options.failed_login_delay_s - (time.monotonic() - started)
            await asyncio.sleep(max(0.0, delay))
            message = "Wrong user or password."
            return self._page(pages.login_page(self.settings, message=message, name=name), 401)
        self.throttle.succeeded(name, address)
        token, login = self.logins.start(name)
        try:
            await self._record("web.login", name, "ok", {"address": address, "login": login.id})
        except Exception as exc:
            # Unrecorded is unauthorised: the login is dropped.
            self.logins.end(token)
            log.warning("a login could not be recorded: %s", _shown(str(exc)))
            return self._refused(_Refused(503, "the journal cannot be written: logins are"
                                          " refused until it can"))  # fmt: skip
        response = web.Response(status=303, headers={"Location": "/"})
        response.set_cookie(
            self.cookie_name,
            token,
            max_age=int(self.options.login_lifetime_s),
            path="/",
            httponly=True,
            samesite="Strict",
            secure=self.options.secure,
        )
        return response

    async def handle_logout(self, request: web.Request) -> web.StreamResponse:
        if not self._origin_ok(request):
            return self._refused(_Refused(403, "a logout must come from this server's own page"))
        login = self.logins.end(request.cookies.get(self.cookie_name))
        if login is not None:
            mine = [s for s in self.sessions.values() if s.login and s.login.id == login.id]
            await asyncio.gather(*(s.stop("logout") for s in mine), return_exceptions=True)
            with contextlib.suppress(Exception):
                await self._record("web.logout", login.user, "ok", {"login": login.id})
        response = web.Response(status=303, headers={"Location": "/login"})
        response.del_cookie(self.cookie_name, path="/")
        return response

    async def handle_download(self, request: web.Request) -> web.StreamResponse:
        try:
            user, _login = await self._identify(request)
        except _Refused as refused:
            return self._refused(refused)
        if user is None:
            raise web.HTTPForbidden(text="log in first")
        return await super().handle_download(request)

    # -- the websocket ------------------------------------------------------------------------

    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        if not self._origin_ok(request):
            raise web.HTTPForbidden(text="this websocket is for this server's own page")
        try:
            user, login = await self._identify(request)
        except _Refused as refused:
            raise web.HTTPForbidden(text=refused.message) from None
        if user is None:
            raise web.HTTPForbidden(text="log in first")
        if login is not None and not await self._login_still_valid(login):
            raise web.HTTPForbidden(text="log in again")

        websocket = web.WebSocketResponse(heartbeat=15, max_msg_size=MAX_REQUEST_BYTES)
        await websocket.prepare(request)
        problem = self._limit_problem(user)
        if problem is not None:
            log.info("session of %s refused: %s", _shown(user), problem)
            await websocket.send_bytes(terminal_words(problem))
            await websocket.close(code=1008)
            return websocket

        width = _bounded_int(request.query.get("width"), 80, 10, MAX_TERMINAL)
        height = _bounded_int(request.query.get("height"), 24, 5, MAX_TERMINAL)
        session = SessionService(server=self, user=user, login=login, websocket=websocket)
        self.sessions[session.id] = session
        try:
            await session.start(width, height)
            with contextlib.suppress(Exception):
                await self._record("web.session_start", user, "ok", self._session_details(session))
            await self._process_messages(websocket, session)
            await session.stop("closed")
        except asyncio.CancelledError:
            await session.stop("closed")
            raise
        except Exception as exc:
            log.warning("session of %s failed: %s", _shown(user), _shown(str(exc)))
            await session.stop("server error")
        finally:
            self.sessions.pop(session.id, None)
            await self._session_ended(session)
        return websocket

    async def _process_messages(  # type: ignore[override]
        self, websocket: web.WebSocketResponse, app_service: SessionService
    ) -> None:
        """The browser's messages, as textual-serve reads them, made robust to anything
        else a client may send, and counting input for the idle timeout."""
        async for message in websocket:
            if message.type != WSMsgType.TEXT:
                continue
            try:
                envelope = json.loads(message.data)
            except ValueError:
                continue
            if not isinstance(envelope, list) or not envelope:
                continue
            kind, data = envelope[0], envelope[1] if len(envelope) > 1 else None
            if kind == "stdin" and isinstance(data, str):
                app_service.touch()
                await app_service.send_bytes(data.encode("utf-8", "replace"))
            elif kind == "resize" and isinstance(data, dict):
                app_service.touch()
                await app_service.set_terminal_size(
                    _bounded_int(data.get("width"), 80, 10, MAX_TERMINAL),
                    _bounded_int(data.get("height"), 24, 5, MAX_TERMINAL),
                )
            elif kind == "ping":
                await websocket.send_json(["pong", clip(str(data), 64)])
            elif kind == "blur":
                await app_service.blur()
            elif kind == "focus":
                await app_service.focus()

    def _limit_problem(self, user: str) -> str | None:
        if self.stopping:
            return "The server is stopping: no new sessions."
        mine = sum(1 for s in self.sessions.values() if s.user == user)
        limit = self.options.max_sessions_per_user
        if mine >= limit:
            return (
                f"You have {mine} sessions open already (the limit is {limit}): close one,"
                " then start a new session."
            )
        if len(self.sessions) >= self.options.max_sessions:
            return (
                f"The server has {len(self.sessions)} sessions open (its limit): try again later."
            )
        return None

    async def _login_still_valid(self, login: Login) -> bool:
        """The account still exists and its password has not changed since the login."""
        if self.accounts is None:
            return True
        changed = await asyncio.to_thread(self.accounts.changed_at, login.user)
        if changed is None or changed.replace(tzinfo=UTC).timestamp() > login.started + 1:
            self.logins.end_user(login.user)
            return False
        return True

    async def _idle_watchdog(self) -> None:
        idle = self.options.idle_timeout_s
        period = max(0.2, min(15.0, idle / 4))
        while True:
            await asyncio.sleep(period)
            now = time.monotonic()
            for session in list(self.sessions.values()):
                if session.end_reason is None and now - session.last_input > idle:
                    log.info("session of %s ended after %g s idle", _shown(session.user), idle)
                    task = asyncio.create_task(session.stop("idle"))
                    self._stopping_tasks.add(task)
                    task.add_done_callback(self._stopping_tasks.discard)

    # -- the journal --------------------------------------------------------------------------

    async def _record(self, action: str, user: str, outcome: str, details: dict[str, Any]) -> None:
        """One journal record, off the event loop. JournalError when it cannot be written."""
        details = {"web_user": clip(user, 200), **details}
        await asyncio.to_thread(self.journal.record, action, outcome=outcome, details=details)

    async def _refuse_login(self, request: web.Request, user: str, reason: str) -> None:
        address = self._address(request)
        if self.throttle.wait_s(user, address) > 0:
            return  # already held back: not one record per attempt of a flood
        self.throttle.failed(user, address)
        try:
            await self._record("web.login_failed", user, "refused",
                               {"address": address, "reason": reason})  # fmt: skip
        except Exception as exc:
            log.warning("a refused login could not be recorded: %s", _shown(str(exc)))

    def _session_details(self, session: SessionService) -> dict[str, Any]:
        details: dict[str, Any] = {"session": session.id, "pid": session.pid}
        if session.login is not None:
            details["login"] = session.login.id
        else:
            # No login of ours: the proxy's header said who.
            details["via"] = self.options.trust_header
        return details

    async def _session_ended(self, session: SessionService) -> None:
        details = self._session_details(session)
        details.update(
            reason=session.end_reason or "closed",
            exit_code=session.exit_code,
            seconds=round(time.monotonic() - session.started, 1),
        )
        outcome = "crashed" if session.end_reason == "crashed" else "ok"
        if session.end_reason == "crashed":
            log.warning("session of %s: the app stopped (exit %s)", _shown(session.user),
                        session.exit_code)  # fmt: skip
        try:
            await self._record("web.session_end", session.user, outcome, details)
        except Exception as exc:
            log.warning("a session's end could not be recorded: %s", _shown(str(exc)))


def _bounded_int(value: object, default: int, low: int, high: int) -> int:
    try:
        number = int(str(value)) if value is not None else default
    except ValueError:
        number = default
    return max(low, min(high, number))


def _shown(text: str) -> str:
    return escape(clip(text, 120))
