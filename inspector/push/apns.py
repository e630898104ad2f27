"""APNs over HTTP/2 with httpx and a token-based (ES256 JWT) provider key.

One client, so one HTTP/2 connection per APNs host is reused across sends. The JWT is
signed once and reused for JWT_REUSE_S: Apple rejects a JWT older than an hour
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

from inspector.config import ConfigError, Settings, check_provider_url
from inspector.push.catalogue import since_text
from inspector.push.model import Outgoing, ProviderNotConfigured, PushResult, compact_json
from inspector.push.payload import APNS_ENVIRONMENTS, apns_address_problem, apns_topic
from inspector.push.results import Facts, accepted, failed, no_dry_run, rejected
from inspector.push.transport import Stopwatch, host_of, retry_after_seconds
from inspector.store.records import Installation

JWT_REUSE_S = 40 * 60
COLLAPSE_ID_MAX = 64
# A test push waits an hour for a phone that is offline, then is dropped.
EXPIRATION_S = 3600


class ApnsProvider:
    name = "apns"
    simulated = False

    def __init__(self, settings: Settings, *, clock: Callable[[], float] = time.time) -> None:
        if not settings.apns:
            raise ProviderNotConfigured(
                "APNs is not configured: set INSPECTOR_APNS_KEY_FILE, INSPECTOR_APNS_KEY_ID,"
                " INSPECTOR_APNS_TEAM_ID"
            )
        key = settings.apns[0]
        self._key = _load_key(key.key_file)
        self.key_id = key.key_id
        self.team_id = key.team_id
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
        self._client = httpx.Client(
            http1=False,
            http2=True,
            timeout=httpx.Timeout(
                settings.push_read_timeout_s,
                connect=settings.push_connect_timeout_s,
                pool=settings.push_connect_timeout_s,
            ),
        )
        self._clock = clock
        self._jwt: tuple[str, float] | None = None
        self._jwt_lock = threading.Lock()
        self.jwts_signed = 0

    # -- the provider token ----------------------------------------------------

    def provider_token(self) -> str:
        """The cached JWT, signed again only when it is due."""
        with self._jwt_lock:
            now = self._clock()
            if self._jwt is None or now - self._jwt[1] >= JWT_REUSE_S:
                issued = int(now)
                token = jwt.encode(
                    {"iss": self.team_id, "iat": issued},
                    self._key,
                    algorithm="ES256",
                    headers={"kid": self.key_id},
                )
                self._jwt = (token, float(issued))
                self.jwts_signed += 1
            return self._jwt[0]

    def _forget_token(self) -> None:
        with self._jwt_lock:
            self._jwt = None

    # -- requests ----------------------------------------------------------------

    def topic(self, installation: Installation) -> str | None:
        return apns_topic(installation)

    def problem(self, installation: Installation) -> str | None:
        return apns_address_problem(installation)

    def host_for(self, installation: Installation) -> str | None:
        """The host of the installation's own environment; never the other one."""
        return host_of(self.urls.get(str(installation.apns_environment), "")) or None

    def build_request(self, push: Outgoing) -> httpx.Request:
        """The exact HTTP/2 request; raises ValueError for what APNs would reject."""
        installation, content = push.installation, push.content
        env = installation.apns_environment
        if env not in APNS_ENVIRONMENTS:
            raise ValueError("no APNs environment")
        if len(content.collapse_id.encode()) > COLLAPSE_ID_MAX:
            raise ValueError("collapse id over 64 bytes")
        body = compact_json(push.payload)
        headers = {
            "authorization": f"bearer {self.provider_token()}",
            "apns-topic": str(self.topic(installation)),
            "apns-push-type": "alert",
            "apns-priority": "10",
            "apns-expiration": str(int(self._clock()) + EXPIRATION_S),
            "apns-collapse-id": content.collapse_id,
            "apns-id": str(uuid.uuid4()),
            "content-type": "application/json",
        }
        url = f"{self.urls[env]}/3/device/{installation.push_token}"
        return self._client.build_request("POST", url, content=body, headers=headers)

    def send(self, push: Outgoing, *, dry_run: bool) -> PushResult:
        installation = push.installation
        env = str(installation.apns_environment)
        clock = Stopwatch()
        request = self.build_request(push)
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
            response = self._client.send(request)
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout):
            return self._failure("UNREACHABLE", clock, {"host": host})
        except httpx.TimeoutException:
            facts = {"host": host, "read": f"{self.read_timeout:g}"}
            return self._failure("TIMEOUT", clock, facts, ambiguous=True)
        except httpx.TransportError:
            return self._failure("CONNECTION_LOST", clock, {"host": host}, ambiguous=True)
        return self._result(response, clock, installation, request)

    def check_token(self, push: Outgoing) -> PushResult:
        return no_dry_run(self.name)

    def _result(
        self,
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
            self._forget_token()
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
        self._client.close()


def _load_key(path: Path) -> ec.EllipticCurvePrivateKey:
    setting = "INSPECTOR_APNS_KEY_FILE"
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
