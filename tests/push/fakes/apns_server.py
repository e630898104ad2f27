"""A fake APNs provider API: HTTP/2 cleartext with prior knowledge on 127.0.0.1.

It checks what Apple checks: POST /3/device/<hex token>, a bearer ES256 JWT whose `kid`
names a key it knows, whose signature verifies with that key's public half and whose
`iss` is that key's team (older than an hour is ExpiredProviderToken), an apns-topic that
key may push to (else TopicDisallowed), apns-push-type and the 4096-byte payload limit.
Each request records the key and team it was verified for, and the connection it came
on; the fake counts connections and the distinct JWTs it has seen, so tests can prove
each identity reaches it alone and that connections and JWTs are reused.

`mode` (or `token_modes[token]`) picks the answer: "ok", an APNs reason, or a fault:
"timeout" (never answers), "reset" (connection reset), "retry_after" (429 with
Retry-After: `retry_after`).
"""

from __future__ import annotations

import contextlib
import json
import re
import socket
import struct
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import h2.config
import h2.connection
import h2.events
import h2.exceptions
import jwt

from tests.push.fakes.control import FakeControl

APNS_ERRORS = {
    "BadDeviceToken": 400,
    "DeviceTokenNotForTopic": 400,
    "BadCollapseId": 400,
    "MissingTopic": 400,
    "TopicDisallowed": 400,
    "InvalidPushType": 400,
    "PayloadTooLarge": 413,
    "InvalidProviderToken": 403,
    "ExpiredProviderToken": 403,
    "MissingProviderToken": 403,
    "Unregistered": 410,
    "TooManyProviderTokenUpdates": 429,
    "TooManyRequests": 429,
    "InternalServerError": 500,
    "ServiceUnavailable": 503,
}
PUSH_TYPES = {
    "alert",
    "background",
    "voip",
    "complication",
    "fileprovider",
    "mdm",
    "liveactivity",
    "pushtotalk",
    "location",
    "widgets",
}
_PATH = re.compile(r"^/3/device/(?P<token>[0-9a-fA-F]{64,200})$")
UNREGISTERED_AT_MS = 1_764_000_000_000  # 2025-11-24: when the fake says a token died


@dataclass(frozen=True)
class KnownKey:
    """A key Apple holds: its public half, id, team and the topics it may push to."""

    public_pem: bytes
    key_id: str
    team_id: str
    topics: frozenset[str]


@dataclass
class ApnsRequest:
    path: str
    headers: dict[str, str]
    body: bytes
    connection: int
    # The key id and team of a JWT that verified; None when it did not.
    key_id: str | None = None
    team_id: str | None = None


@dataclass
class FakeApns(FakeControl[ApnsRequest]):
    """`FakeApns(keys)`: the keys it knows."""

    known: Iterable[KnownKey]
    connections: int = 0
    jwts: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.keys = {k.key_id: k for k in self.known}

    def by_key(self) -> Counter[str | None]:
        """Requests per key id (None: no JWT that verified)."""
        return Counter(r.key_id for r in self.requests)

    def keys_per_connection(self) -> dict[int, set[str | None]]:
        """The key ids each connection carried."""
        seen: dict[int, set[str | None]] = {}
        for r in self.requests:
            seen.setdefault(r.connection, set()).add(r.key_id)
        return seen

    def start(self) -> FakeApns:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()
        return self

    @property
    def url(self) -> str:
        host, port = self._listener.getsockname()[:2]
        return f"http://{host}:{port}"

    def reset(self) -> None:
        super().reset()
        self.jwts.clear()
        self.connections = 0

    def stop(self) -> None:
        super().stop()
        self._listener.close()
        with self._lock:
            for sock in self._sockets:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()

    # -- connections ---------------------------------------------------------------

    def _accept(self) -> None:
        while True:
            try:
                sock, _ = self._listener.accept()
            except OSError:
                return
            with self._lock:
                self.connections += 1
                number = self.connections
                self._sockets.append(sock)
            threading.Thread(target=self._serve, args=(sock, number), daemon=True).start()

    def _serve(self, sock: socket.socket, number: int) -> None:
        config = h2.config.H2Configuration(client_side=False, header_encoding="utf-8")
        conn = h2.connection.H2Connection(config=config)
        conn.initiate_connection()
        sock.sendall(conn.data_to_send())
        streams: dict[int, dict[str, Any]] = {}
        try:
            while True:
                data = sock.recv(65535)
                if not data:
                    return
                for event in conn.receive_data(data):
                    if isinstance(event, h2.events.RequestReceived):
                        streams[event.stream_id] = {"headers": dict(event.headers), "body": b""}
                    elif isinstance(event, h2.events.DataReceived):
                        streams[event.stream_id]["body"] += event.data
                        conn.acknowledge_received_data(
                            event.flow_controlled_length, event.stream_id
                        )
                    elif isinstance(event, h2.events.StreamEnded):
                        stream = streams.pop(event.stream_id)
                        if not self._answer(conn, sock, event.stream_id, stream, number):
                            return
                    elif isinstance(event, h2.events.ConnectionTerminated):
                        return
                pending = conn.data_to_send()
                if pending:
                    sock.sendall(pending)
        except (OSError, h2.exceptions.ProtocolError):
            return
        finally:
            sock.close()

    # -- one request -----------------------------------------------------------------

    def _answer(
        self,
        conn: h2.connection.H2Connection,
        sock: socket.socket,
        stream_id: int,
        stream: dict[str, Any],
        number: int,
    ) -> bool:
        """Queue the response; False when the connection is to be dropped."""
        headers: dict[str, str] = stream["headers"]
        path = headers.get(":path", "")
        problem, key = self._check_jwt(headers.get("authorization"))
        self.requests.append(
            ApnsRequest(path, headers, stream["body"], number,
                        key.key_id if key else None, key.team_id if key else None)
        )  # fmt: skip
        self.arrived.set()
        apns_id = headers.get("apns-id") or str(uuid.uuid4()).upper()
        match = _PATH.match(path)
        if headers.get(":method") != "POST" or match is None:
            self._respond(
                conn,
                stream_id,
                404 if match is None else 405,
                {"reason": "BadPath" if match is None else "MethodNotAllowed"},
                apns_id,
            )
            return True
        if problem is not None:
            self._respond(conn, stream_id, 403, {"reason": problem}, apns_id)
            return True
        if not headers.get("apns-topic"):
            self._respond(conn, stream_id, 400, {"reason": "MissingTopic"}, apns_id)
            return True
        if headers.get("apns-push-type") not in PUSH_TYPES:
            self._respond(conn, stream_id, 400, {"reason": "InvalidPushType"}, apns_id)
            return True
        if len(headers.get("apns-collapse-id", "").encode()) > 64:
            self._respond(conn, stream_id, 400, {"reason": "BadCollapseId"}, apns_id)
            return True
        if len(stream["body"]) > 4096:
            self._respond(conn, stream_id, 413, {"reason": "PayloadTooLarge"}, apns_id)
            return True
        assert key is not None
        if headers["apns-topic"] not in key.topics:
            self._respond(conn, stream_id, 400, {"reason": "TopicDisallowed"}, apns_id)
            return True
        mode = self.mode_for(match["token"])
        if mode == "timeout":
            return True  # never answered; the connection stays usable
        if mode == "reset":
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            return False
        if mode == "retry_after":
            self._respond(
                conn,
                stream_id,
                429,
                {"reason": "TooManyRequests"},
                apns_id,
                {"retry-after": self.retry_after},
            )
            return True
        if mode in APNS_ERRORS:
            doc: dict[str, Any] = {"reason": mode}
            if mode == "Unregistered":
                doc["timestamp"] = UNREGISTERED_AT_MS
            self._respond(conn, stream_id, APNS_ERRORS[mode], doc, apns_id)
            return True
        self._respond(conn, stream_id, 200, None, apns_id)
        return True

    def _check_jwt(self, authorization: str | None) -> tuple[str | None, KnownKey | None]:
        """(reason, None) for a JWT Apple refuses, else (None, the key it verified with)."""
        if not authorization or not authorization.startswith("bearer "):
            return "MissingProviderToken", None
        token = authorization[len("bearer ") :]
        try:
            header = jwt.get_unverified_header(token)
        except jwt.InvalidTokenError:
            return "InvalidProviderToken", None
        key = self.keys.get(str(header.get("kid")))
        if header.get("alg") != "ES256" or key is None:
            return "InvalidProviderToken", None
        try:
            # Verified with the public half of the key the JWT names, and no other.
            claims = jwt.decode(
                token, key.public_pem, algorithms=["ES256"], options={"require": ["iss", "iat"]}
            )
        except jwt.InvalidTokenError:
            return "InvalidProviderToken", None
        if claims.get("iss") != key.team_id:
            return "InvalidProviderToken", None
        if time.time() - float(claims["iat"]) > 3600:
            return "ExpiredProviderToken", None
        self.jwts.add(token)
        return None, key

    def _respond(
        self,
        conn: h2.connection.H2Connection,
        stream_id: int,
        status: int,
        doc: dict[str, Any] | None,
        apns_id: str,
        extra: dict[str, str] | None = None,
    ) -> None:
        body = json.dumps(doc).encode() if doc is not None else b""
        headers = [(":status", str(status)), ("apns-id", apns_id)]
        if body:
            headers += [("content-type", "application/json"), ("content-length", str(len(body)))]
        headers += list((extra or {}).items())
        conn.send_headers(stream_id, headers, end_stream=not body)
        if body:
            conn.send_data(stream_id, body, end_stream=True)
