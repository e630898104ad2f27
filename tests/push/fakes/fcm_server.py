"""A fake FCM HTTP v1 endpoint and its OAuth token endpoint, over HTTP/1.1 on 127.0.0.1.

It follows the documented protocol: the token endpoint takes a service-account JWT
assertion, whose issuer must be the client_email of an account it knows and whose
signature must verify with that account's public key, and issues bearer tokens for that
account; messages:send takes `{"message": {...}, "validate_only": bool}` with a bearer
token, which must have been issued for an account of the project in the URL (else 403
PERMISSION_DENIED, as FCM answers a service account of another project), and answers with
the message name or an error body whose details[] hold a FcmError errorCode. Every request
records the account it came from, so tests count requests per identity.

`mode` (or `token_modes[token]`) picks the answer: "ok", an FCM error code, or a fault:
"timeout" (never answers), "reset" (connection reset), "slow_oauth" (the token endpoint
never answers), "oauth_denied".
"""

from __future__ import annotations

import json
import re
import secrets
import socket
import struct
import threading
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

import jwt

from tests.push.fakes.control import FakeControl
from tests.push.fakes.keys import ServiceAccount

FCM_ERROR_TYPE = "type.googleapis.com/google.firebase.fcm.v1.FcmError"
SCOPE = "https://www.googleapis.com/auth/firebase.messaging"
JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
# google-auth addresses the assertion to Google's token endpoint whatever token_uri says.
GOOGLE_TOKEN_AUDIENCE = "https://oauth2.googleapis.com/token"
# errorCode -> (HTTP status, canonical status, message)
FCM_ERRORS = {
    "INVALID_ARGUMENT": (
        400,
        "INVALID_ARGUMENT",
        "The registration token is not a valid FCM registration token",
    ),
    "THIRD_PARTY_AUTH_ERROR": (401, "UNAUTHENTICATED", "Auth error from APNS or Web Push Service"),
    "SENDER_ID_MISMATCH": (403, "PERMISSION_DENIED", "SenderId mismatch"),
    "UNREGISTERED": (404, "NOT_FOUND", "Requested entity was not found."),
    "QUOTA_EXCEEDED": (429, "RESOURCE_EXHAUSTED", "Quota exceeded for quota metric"),
    "INTERNAL": (500, "INTERNAL", "Internal error encountered."),
    "UNAVAILABLE": (503, "UNAVAILABLE", "The service is currently unavailable."),
}
_SEND_PATH = re.compile(r"^/v1/projects/(?P<project>[a-z0-9-]+)/messages:send$")


@dataclass
class FcmRequest:
    project: str
    authorization: str | None
    body: dict[str, Any]
    # The client_email of the account the bearer token was issued for; None: no such token.
    account: str | None = None


@dataclass
class FakeFcm(FakeControl[FcmRequest]):
    """`FakeFcm(accounts)`: the service accounts it knows, by client_email."""

    known: Iterable[ServiceAccount]
    token_requests: int = 0
    # Bearer token -> the client_email it was issued for.
    issued: dict[str, str] = field(default_factory=dict)
    # Tokens issued per client_email; TCP connections accepted (token and send alike).
    tokens_by_account: Counter[str] = field(default_factory=Counter)
    connections: int = 0
    # Called in the server thread when a send request arrives, before the answer.
    on_request: Callable[[], None] | None = None

    def __post_init__(self) -> None:
        self.accounts = {a.client_email: a for a in self.known}
        self._count_lock = threading.Lock()

    def add(self, account: ServiceAccount) -> None:
        self.accounts[account.client_email] = account

    def sends_by_account(self) -> Counter[str | None]:
        """messages:send requests per identity (None: no token this fake issued)."""
        return Counter(r.account for r in self.requests)

    def start(self) -> FakeFcm:
        fake = self

        class Handler(_Handler):
            server_fake = fake

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def token_uri(self) -> str:
        return f"{self.url}/token"

    def reset(self) -> None:
        super().reset()
        self.token_requests = 0
        self.tokens_by_account.clear()
        self.connections = 0
        self.on_request = None

    def stop(self) -> None:
        super().stop()
        self._server.shutdown()
        self._server.server_close()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes: without this, Nagle and delayed ACKs add 40 ms.
    disable_nagle_algorithm = True
    server_fake: FakeFcm

    def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
        pass

    def setup(self) -> None:
        super().setup()
        fake = self.server_fake
        with fake._count_lock:
            fake.connections += 1

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        if self.path == "/token":
            self._token(raw)
            return
        match = _SEND_PATH.match(self.path)
        if match is None:
            self._json(
                404, {"error": {"code": 404, "status": "NOT_FOUND", "message": "no such path"}}
            )
            return
        self._send(match["project"], raw)

    # -- OAuth -----------------------------------------------------------------------

    def _token(self, raw: bytes) -> None:
        fake = self.server_fake
        fake.token_requests += 1
        if fake.mode == "slow_oauth":
            fake.release.wait()
            return
        if fake.mode == "oauth_denied":
            self._json(
                400, {"error": "invalid_grant", "error_description": "Invalid JWT Signature."}
            )
            return
        form = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
        if form.get("grant_type") != JWT_GRANT:
            self._json(400, {"error": "unsupported_grant_type"})
            return
        assertion = form.get("assertion", "")
        try:
            issuer = jwt.decode(assertion, options={"verify_signature": False}).get("iss")
        except jwt.InvalidTokenError:
            issuer = None
        account = fake.accounts.get(issuer) if isinstance(issuer, str) else None
        if account is None:
            self._json(400, {"error": "invalid_grant", "error_description": "Invalid grant."})
            return
        try:
            # Signed by that account's own key: another account's key fails here.
            claims = jwt.decode(
                assertion,
                account.public_pem,
                algorithms=["RS256"],
                audience=[fake.token_uri, GOOGLE_TOKEN_AUDIENCE],
            )
        except jwt.InvalidTokenError:
            self._json(
                400, {"error": "invalid_grant", "error_description": "Invalid JWT Signature."}
            )
            return
        if SCOPE not in str(claims.get("scope", "")).split():
            self._json(400, {"error": "invalid_scope"})
            return
        token = "ya29.fake-" + secrets.token_urlsafe(24)
        fake.issued[token] = account.client_email
        fake.tokens_by_account[account.client_email] += 1
        self._json(200, {"access_token": token, "expires_in": 3599, "token_type": "Bearer"})

    # -- messages:send -----------------------------------------------------------------

    def _send(self, project: str, raw: bytes) -> None:
        fake = self.server_fake
        auth = self.headers.get("Authorization")
        try:
            body = json.loads(raw)
        except ValueError:
            body = {"_unparsed": raw.decode(errors="replace")}
        email = fake.issued.get(auth[7:]) if auth and auth.startswith("Bearer ") else None
        fake.requests.append(FcmRequest(project, auth, body, email))
        fake.arrived.set()
        if fake.on_request is not None:
            fake.on_request()
        if email is None:
            self._json(
                401,
                {
                    "error": {
                        "code": 401,
                        "status": "UNAUTHENTICATED",
                        "message": "Request had invalid authentication credentials.",
                    }
                },
            )
            return
        if fake.accounts[email].project_id != project:
            # A service account of another project: FCM denies the permission.
            self._json(
                403,
                {
                    "error": {
                        "code": 403,
                        "status": "PERMISSION_DENIED",
                        "message": "Permission 'cloudmessaging.messages.create' denied on"
                        f" resource '//cloudresourcemanager.googleapis.com/projects/{project}'",
                    }
                },
            )
            return
        message = body.get("message") if isinstance(body, dict) else None
        if not isinstance(message, dict) or not message.get("token"):
            self._error("INVALID_ARGUMENT")
            return
        if "topic" in message or "condition" in message:
            self._error("INVALID_ARGUMENT")
            return
        mode = fake.mode_for(message["token"])
        if mode == "timeout":
            fake.release.wait()
            self.close_connection = True
            return
        if mode == "reset":
            # SO_LINGER 0: close() sends a RST instead of a FIN.
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
            self.close_connection = True
            return
        if mode in FCM_ERRORS:
            self._error(mode)
            return
        name = (
            f"projects/{project}/messages/fake_message_id"
            if body.get("validate_only")
            else f"projects/{project}/messages/0:{len(fake.requests)}%{secrets.token_hex(8)}"
        )
        self._json(200, {"name": name})

    def _error(self, code: str) -> None:
        status, canonical, message = FCM_ERRORS[code]
        headers = {}
        if status in (429, 503):
            headers["Retry-After"] = self.server_fake.retry_after
        self._json(
            status,
            {
                "error": {
                    "code": status,
                    "message": message,
                    "status": canonical,
                    "details": [{"@type": FCM_ERROR_TYPE, "errorCode": code}],
                }
            },
            headers,
        )

    def _json(
        self, status: int, doc: dict[str, Any], headers: dict[str, str] | None = None
    ) -> None:
        data = json.dumps(doc).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=UTF-8")
            self.send_header("Content-Length", str(len(data)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(data)
        except OSError:
            self.close_connection = True
