"""APNs over HTTP/2 with httpx and a token-based (ES256 JWT) provider key.

One client per .p8 key, so one HTTP/2 connection per APNs host and key is reused across
sends (a connection never carries two keys' JWTs). Each key's JWT is signed once and reused
for JWT_REUSE_S: Apple rejects a JWT older than an hour
(ExpiredProviderToken) and one renewed more often than every 20 minutes
(TooManyProviderTokenUpdates).
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import httpx
import jwt
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import load_pem_private_key

from inspector.config import ApnsKey, ConfigError, Settings, check_provider_url
from inspector.push.catalogue import since_text
from inspector.push.credentials import NoCredential, apns_setting, choose_apns, index_of
from inspector.push.loop_client import LoopClient
from inspector.push.model import Outgoing, ProviderNotConfigured, PushResult, compact_json
from inspector.push.payload import APNS_ENVIRONMENTS, apns_address_problem, apns_topic
from inspector.push.results import Facts, accepted, failed, no_dry_run, rejected
from inspector.push.transport import Stopwatch, host_of, retry_after_seconds
from inspector.store.records import Installation

JWT_REUSE_S = 40 * 60
COLLAPSE_ID_MAX = 64
# A test push waits an hour for a phone that is offline, then is dropped.
EXPIRATION_S = 3600


class _KeyClient:
    """One .p8 key: its JWT (signed once, reused for JWT_REUSE_S) and its own HTTP/2
    client, so one connection per APNs host carries this key's JWT and no other. The
    client runs on a loop of its own (push/loop_client.py): a proof's threads send over
    that one connection at once."""

    def __init__(
        self, key: ApnsKey, private: ec.EllipticCurvePrivateKey, settings: Settings,
        clock: Callable[[], float],
    ) -> None:  # fmt: skip
        self.team_id = key.team_id
        self._key_id = key.key_id
        self._private = private
        self._clock = clock
        self.client = LoopClient(
            name=f"apns-{key.key_id}",
            http1=False,
            http2=True,
            timeout=httpx.Timeout(
                settings.push_read_timeout_s,
                connect=settings.push_connect_timeout_s,
                pool=settings.push_connect_timeout_s,
            ),
        )
        self._jwt: tuple[str, float] | None = None
        self._jwt_lock = threading.Lock()
        self.jwts_signed = 0

    def provider_token(self) -> str:
        """The cached JWT, signed again only when it is due."""
        with self._jwt_lock:
            now = self._clock()
            if self._jwt is None or now - self._jwt[1] >= JWT_REUSE_S:
                issued = int(now)
                token = jwt.encode(
                    {"iss": self.team_id, "iat": issued},
                    self._private,
                    algorithm="ES256",
                    headers={"kid": self._key_id},
                )
                self._jwt = (token, float(issued))
                self.jwts_signed += 1
            return self._jwt[0]

    def forget_token(self) -> None:
        with self._jwt_lock:
            self._jwt = None

    def close(self) -> None:
        self.client.close()


class ApnsProvider:
    """APNs for every key of a profile: the key that serves the installation's topic
    (inspector.push.credentials), each loaded on first use with its JWT and client."""

    name = "apns"
    simulated = False

    def __init__(self, settings: Settings, *, clock: Callable[[], float] = time.time) -> None:
        self.settings = settings
        # The provider JWT goes to these hosts: over TLS, or to this machine only.
        try:
            self.urls = {
                "production": check_provider_url(
                    settings.apns_url_production, "INSPECTOR_APNS_URL_PRODUCTION"
                ),
                "sandbox": check_provider_url(
                    settings.apns_url_sandbox, "INSPECTOR_APNS_URL_SANDBOX"
                ),
            }
        except ConfigError as exc:
            raise ProviderNotConfigured(str(exc)) from None
        self.read_timeout = settings.push_read_timeout_s
        self._clock = clock
        self._keys: dict[ApnsKey, _KeyClient] = {}
        self._lock = threading.Lock()

    # -- the keys ------------------------------------------------------------------

    def key_for(self, installation: Installation) -> _KeyClient:
        """The key serving the installation's topic, loaded once; NoCredential when the
        profile has none that serves it."""
        topic = self.topic(installation)
        assert topic  # apns_address_problem refuses an app without one
        key = choose_apns(self.settings, installation.app, topic)
        with self._lock:
            client = self._keys.get(key)
            if client is None:
                setting = apns_setting(self.settings, index_of(self.settings.apns, key))
                client = _KeyClient(key, _load_key(key.key_file, setting), self.settings,
                                    self._clock)  # fmt: skip
                self._keys[key] = client
            return client

    @property
    def jwts_signed(self) -> int:
        """JWTs signed over every key (each key signs its own)."""
        return sum(k.jwts_signed for k in self._keys.values())

    @property
    def keys_loaded(self) -> int:
        return len(self._keys)

    # -- requests ----------------------------------------------------------------

    def topic(self, installation: Installation) -> str | None:
        return apns_topic(installation)

    def problem(self, installation: Installation) -> str | None:
        problem = apns_address_problem(installation)
        if problem:
            return problem
        try:
            self.key_for(installation)
        except NoCredential as exc:
            return str(exc)
        return None

    def host_for(self, installation: Installation) -> str | None:
        """The host of the installation's own environment; never the other one."""
        return host_of(self.urls.get(str(installation.apns_environment), "")) or None

    def build_request(self, push: Outgoing, key: _KeyClient | None = None) -> httpx.Request:
        """The exact HTTP/2 request, on the client of the key that serves its topic;
        raises ValueError for what APNs would reject."""
        installation, content = push.installation, push.content
        env = installation.apns_environment
        if env not in APNS_ENVIRONMENTS:
            raise ValueError("no APNs environment")
        if len(content.collapse_id.encode()) > COLLAPSE_ID_MAX:
            raise ValueError("collapse id over 64 bytes")
        key = key or self.key_for(installation)
        body = compact_json(push.payload)
        headers = {
            "authorization": f"bearer {key.provider_token()}",
            "apns-topic": str(self.topic(installation)),
            "apns-push-type": "alert",
            "apns-priority": "10",
            "apns-expiration": str(int(self._clock()) + EXPIRATION_S),
            "apns-collapse-id": content.collapse_id,
            "apns-id": str(uuid.uuid4()),
            "content-type": "application/json",
        }
        url = f"{self.urls[env]}/3/device/{installation.push_token}"
        return key.client.build_request("POST", url, content=body, headers=headers)

    def send(self, push: Outgoing, *, dry_run: bool) -> PushResult:
        installation = push.installation
        env = str(installation.apns_environment)
        clock = Stopwatch()
        # problem() was asked before the intent: the same key, already loaded.
        key = self.key_for(installation)
        request = self.build_request(push, key)
        if dry_run:
            return accepted(
                self.name,
                status=None,
                message_id=None,
                latency_ms=clock.ms(),
                dry_run=True,
                explanation=(
                    f"Not sent: APNs has no dry run. The request to the {env} host"
                    f" ({host_of(self.urls[env])}, topic {request.headers['apns-topic']},"
                    f" {len(request.content)} bytes) was built and checked."
                ),
            )
        host = host_of(self.urls[env])
        try:
            response = key.client.send(request)
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout):
            return self._failure("UNREACHABLE", clock, {"host": host})
        except httpx.TimeoutException:
            facts = {"host": host, "read": f"{self.read_timeout:g}"}
            return self._failure("TIMEOUT", clock, facts, ambiguous=True)
        except httpx.TransportError:
            return self._failure("CONNECTION_LOST", clock, {"host": host}, ambiguous=True)
        return self._result(key, response, clock, installation, request)

    def check_token(self, push: Outgoing) -> PushResult:
        return no_dry_run(self.name)

    def _result(
        self,
        key: _KeyClient,
        response: httpx.Response,
        clock: Stopwatch,
        installation: Installation,
        request: httpx.Request,
    ) -> PushResult:
        latency = clock.ms()
        status = response.status_code
        apns_id = response.headers.get("apns-id") or request.headers["apns-id"]
        env = installation.apns_environment
        if status == 200:
            return accepted(
                self.name,
                status=200,
                message_id=apns_id,
                latency_ms=latency,
                explanation=f"APNs ({env}) accepted the push (apns-id {apns_id}); it is on"
                " its way to the device.",
            )
        try:
            doc = json.loads(response.content or b"{}")
        except ValueError:
            doc = {}
        reason = doc.get("reason") if isinstance(doc, dict) else None
        timestamp = doc.get("timestamp") if isinstance(doc, dict) else None
        if reason == "ExpiredProviderToken":
            key.forget_token()
        return rejected(
            self.name,
            status,
            reason if isinstance(reason, str) else None,
            latency_ms=latency,
            message_id=apns_id,
            retry_after_s=retry_after_seconds(response.headers.get("retry-after")),
            facts={
                "env": env,
                "topic": request.headers["apns-topic"],
                "since": since_text(timestamp if isinstance(timestamp, int) else None),
            },
        )

    def _failure(
        self, code: str, clock: Stopwatch, facts: Facts, *, ambiguous: bool = False
    ) -> PushResult:
        return failed(self.name, code, latency_ms=clock.ms(), ambiguous=ambiguous, facts=facts)

    def close(self) -> None:
        with self._lock:
            keys = list(self._keys.values())
        for key in keys:
            key.close()


def _load_key(path: Path, setting: str) -> ec.EllipticCurvePrivateKey:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ProviderNotConfigured.unreadable(setting, path, exc) from None
    try:
        key = load_pem_private_key(data, password=None)
    except (ValueError, TypeError):
        raise ProviderNotConfigured(
            f"{setting}: {path.name} is not a PEM .p8 private key"
        ) from None
    if not isinstance(key, ec.EllipticCurvePrivateKey) or key.curve.name != "secp256r1":
        raise ProviderNotConfigured(f"{setting}: {path.name} is not an APNs (P-256) key")
    return key
