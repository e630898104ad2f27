"""FCM HTTP v1 through pyfcm, with every retry and sleep of pyfcm and google-auth removed.

pyfcm 2.x retries 502/503 through urllib3 (we mount an adapter with no retries), sleeps on
any Retry-After and resends recursively, and resends after an expired-token 401
(`send_request`: we never call it, and post once on its session ourselves). google-auth
retries the token endpoint with sleeps: our token transport makes one bounded attempt and
turns any non-200 answer into an error at once.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import google.auth.exceptions
import google.auth.transport.requests
import requests
from google.oauth2 import service_account
from pyfcm import FCMNotification
from requests.adapters import HTTPAdapter
from urllib3.exceptions import NewConnectionError

from inspector.config import ConfigError, FcmCredential, Settings, check_provider_url
from inspector.push.credentials import NoCredential, choose_fcm, fcm_setting, index_of
from inspector.push.model import Outgoing, ProviderNotConfigured, PushResult
from inspector.push.results import Facts, accepted, failed, rejected
from inspector.push.transport import (
    MAX_CONCURRENT_SENDS,
    Stopwatch,
    host_of,
    retry_after_seconds,
)
from inspector.store.records import Installation

SCOPE = "https://www.googleapis.com/auth/firebase.messaging"
FCM_ERROR_TYPE = "type.googleapis.com/google.firebase.fcm.v1.FcmError"


class _TokenEndpointFailed(google.auth.exceptions.RefreshError):
    """The token endpoint answered with an error; raised on the first answer, not retried."""


class _OneAttemptTokenRequest:
    """google-auth transport: one request, bounded in time; an error answer is final."""

    def __init__(self, timeout: tuple[float, float]) -> None:
        session = requests.Session()
        adapter = HTTPAdapter(max_retries=0)
        session.mount("http://", adapter)
        session.mount("https://", adapter)
        self._inner = google.auth.transport.requests.Request(session)
        self._timeout = timeout

    def __call__(
        self,
        url: str,
        method: str = "GET",
        body: Any = None,
        headers: Any = None,
        timeout: Any = None,
        **kwargs: Any,
    ) -> Any:
        response = self._inner(
            url, method=method, body=body, headers=headers, timeout=self._timeout, **kwargs
        )
        if response.status != 200:
            try:
                error = json.loads(response.data).get("error") or ""
            except (ValueError, AttributeError):
                error = ""
            detail = f"HTTP {response.status}" + (f" {error}" if isinstance(error, str) else "")
            raise _TokenEndpointFailed(detail.strip(), retryable=False)
        return response

    def close(self) -> None:
        self._inner.session.close()


class _OneShotFCM(FCMNotification):
    """pyfcm's payload building for one service account, with one bounded POST per send
    on the provider's one session (pyfcm would open a session per thread)."""

    def __init__(
        self,
        credentials: service_account.Credentials,
        base_url: str,
        token_request: _OneAttemptTokenRequest,
        session: requests.Session,
    ) -> None:
        super().__init__(credentials=credentials, adapter=HTTPAdapter(max_retries=0))
        # The class attribute names the host and the "/v1/projects" path.
        self.FCM_END_POINT_BASE = base_url.rstrip("/") + "/v1/projects"
        self._token_request = token_request
        self._token_lock = threading.Lock()
        self._session = session

    @property
    def requests_session(self) -> requests.Session:
        return self._session

    def _get_access_token(self) -> str:
        """This account's OAuth token, fetched again only when it is due (or refused)."""
        with self._token_lock:
            if not self.credentials.valid:
                self.credentials.refresh(self._token_request)
            return str(self.credentials.token)

    def forget_token(self) -> None:
        """FCM refused the bearer token: the next send fetches a new one."""
        with self._token_lock:
            self.credentials.token = None

    def endpoint(self, project_id: str) -> str:
        return f"{self.FCM_END_POINT_BASE}/{project_id}/messages:send"

    def post_once(
        self, project_id: str, body: bytes, timeout: tuple[float, float]
    ) -> requests.Response:
        headers = self.request_headers()  # refreshes the OAuth token only when due
        return self._session.post(
            self.endpoint(project_id), data=body, headers=headers, timeout=timeout
        )


class FcmProvider:
    """FCM for every Firebase project of a profile: the service account of the
    installation's own app (inspector.push.credentials), each loaded on first use with
    its OAuth token reused until due; one HTTP session for the messages of all of them."""

    name = "fcm"
    simulated = False

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        # The bearer token goes to base_url: over TLS (or to this machine), whoever built
        # the settings. Each account's token_uri is checked when it is loaded.
        try:
            self.base_url = check_provider_url(settings.fcm_url, "INSPECTOR_FCM_URL")
        except ConfigError as exc:
            raise ProviderNotConfigured(str(exc)) from None
        self.timeout = (settings.push_connect_timeout_s, settings.push_read_timeout_s)
        self._token_request = _OneAttemptTokenRequest(self.timeout)
        self._session = requests.Session()
        # A proof sends from MAX_CONCURRENT_SENDS threads at once: a pool of urllib3's
        # default 10 would warn "pool is full" and drop the connections it cannot keep.
        adapter = HTTPAdapter(max_retries=0, pool_maxsize=MAX_CONCURRENT_SENDS)
        self._session.mount("http://", adapter)
        self._session.mount("https://", adapter)
        self._accounts: dict[Path, _OneShotFCM] = {}
        self._lock = threading.Lock()

    # -- the service accounts ----------------------------------------------------

    def _account(self, credential: FcmCredential) -> _OneShotFCM:
        """The service account of a credential file, loaded once (one per file)."""
        with self._lock:
            api = self._accounts.get(credential.credentials)
            if api is None:
                setting = fcm_setting(self.settings, index_of(self.settings.fcm, credential))
                loaded = _load_credentials(credential.credentials, setting)
                api = _OneShotFCM(loaded, self.base_url, self._token_request, self._session)
                self._accounts[credential.credentials] = api
            return api

    def account_for(self, installation: Installation) -> tuple[str, _OneShotFCM]:
        """The app's project and the service account that sends for it; NoCredential
        when the profile has none (or only one of another project)."""
        credential = choose_fcm(
            self.settings,
            installation.app,
            lambda c: self._account(c).credentials.project_id,
        )
        project = installation.app.fcm_project_id
        assert project  # choose_fcm refuses an app without one
        return project, self._account(credential)

    @property
    def accounts_loaded(self) -> int:
        return len(self._accounts)

    def problem(self, installation: Installation) -> str | None:
        try:
            self.account_for(installation)
        except NoCredential as exc:
            return str(exc)
        return None

    def host_for(self, installation: Installation) -> str | None:
        return host_of(self.base_url)

    def wire_body(
        self, api: _OneShotFCM, installation: Installation, message: dict[str, Any], *,
        dry_run: bool,
    ) -> bytes:  # fmt: skip
        """The exact request body, made by pyfcm from our message parts."""
        notification = message.get("notification", {})
        body: bytes = api.parse_payload(
            fcm_token=installation.push_token,
            notification_title=notification.get("title"),
            notification_body=notification.get("body"),
            data_payload=message.get("data"),
            android_config=message.get("android"),
            apns_config=message.get("apns"),
            webpush_config=message.get("webpush"),
            dry_run=dry_run,
        )
        sent = json.loads(body)["message"]
        # One device by construction: a token, never a topic or a condition.
        if sent.get("token") != installation.push_token or "topic" in sent or "condition" in sent:
            raise RuntimeError("FCM message must address exactly one token")
        return body

    def send(self, push: Outgoing, *, dry_run: bool) -> PushResult:
        installation = push.installation
        # problem() was asked before the intent: the same account, already loaded.
        project, api = self.account_for(installation)
        body = self.wire_body(api, installation, push.payload, dry_run=dry_run)
        clock = Stopwatch()
        at_fcm = {"host": host_of(self.base_url)}
        at_oauth = {"host": host_of(str(getattr(api.credentials, "_token_uri", "")))}

        def failure(code: str, facts: Facts, *, ambiguous: bool = False) -> PushResult:
            return failed(self.name, code, latency_ms=clock.ms(), dry_run=dry_run,
                          ambiguous=ambiguous, facts=facts)  # fmt: skip

        try:
            response = api.post_once(project, body, self.timeout)
        except google.auth.exceptions.RefreshError as exc:
            detail = str(exc.args[0]) if exc.args else "refused"
            if not isinstance(exc, _TokenEndpointFailed):
                detail = "the token endpoint's answer was not understood"
            return failure("OAUTH_REJECTED", {**at_oauth, "detail": detail})
        except google.auth.exceptions.TransportError:
            return failure("OAUTH_UNAVAILABLE", at_oauth)
        except requests.exceptions.ConnectTimeout:
            return failure("UNREACHABLE", at_fcm)
        except requests.exceptions.ReadTimeout:
            return failure("TIMEOUT", {**at_fcm, "read": f"{self.timeout[1]:g}"}, ambiguous=True)
        except requests.exceptions.ConnectionError as exc:
            if _never_connected(exc):
                return failure("UNREACHABLE", at_fcm)
            return failure("CONNECTION_LOST", at_fcm, ambiguous=True)
        except requests.exceptions.RequestException:
            return failure("CONNECTION_LOST", at_fcm, ambiguous=True)
        return self._result(api, response, clock, dry_run, project)

    def check_token(self, push: Outgoing) -> PushResult:
        return self.send(push, dry_run=True)

    def _result(
        self,
        api: _OneShotFCM,
        response: requests.Response,
        clock: Stopwatch,
        dry_run: bool,
        project: str,
    ) -> PushResult:
        latency = clock.ms()
        status = response.status_code
        try:
            doc = response.json()
        except ValueError:
            doc = None
        if status == 200 and isinstance(doc, dict) and isinstance(doc.get("name"), str):
            what = "FCM accepted the message" if not dry_run else "FCM validated the message"
            return accepted(
                self.name,
                status=status,
                message_id=doc["name"],
                latency_ms=latency,
                dry_run=dry_run,
                explanation=(
                    f"{what} ({doc['name']}); it is on its way to the device."
                    if not dry_run
                    else f"{what} without sending it: the token is registered."
                ),
            )
        if status == 200:
            return failed(self.name, "BAD_RESPONSE", latency_ms=latency, status=status,
                          dry_run=dry_run)  # fmt: skip
        code = fcm_error_code(doc) if isinstance(doc, dict) else None
        if status == 401 and code != "THIRD_PARTY_AUTH_ERROR":
            api.forget_token()
        return rejected(
            self.name,
            status,
            code,
            latency_ms=latency,
            retry_after_s=retry_after_seconds(response.headers.get("Retry-After")),
            dry_run=dry_run,
            facts={"project": project},
        )

    def close(self) -> None:
        self._token_request.close()
        self._session.close()


def fcm_error_code(doc: dict[str, Any]) -> str | None:
    """The FcmError errorCode from error.details[], else the error's canonical status."""
    error = doc.get("error")
    if not isinstance(error, dict):
        return None
    for detail in error.get("details") or []:
        if isinstance(detail, dict) and detail.get("@type") == FCM_ERROR_TYPE:
            code = detail.get("errorCode")
            if isinstance(code, str) and code:
                return code
    status = error.get("status")
    return status if isinstance(status, str) and status else None


def _never_connected(exc: requests.exceptions.ConnectionError) -> bool:
    """A refused or failed connect (nothing sent), unlike a reset after the request."""
    link: object = exc.args[0] if exc.args else None
    for _ in range(6):
        if isinstance(link, NewConnectionError):
            return True
        if link is None:
            return False
        link = getattr(link, "reason", None) or getattr(link, "__cause__", None)
    return False


def _load_credentials(path: Path, setting: str) -> service_account.Credentials:
    try:
        loaded = service_account.Credentials.from_service_account_file(str(path), scopes=[SCOPE])
    except OSError as exc:
        raise ProviderNotConfigured.unreadable(setting, path, exc) from None
    except (ValueError, KeyError, TypeError):
        # The message of these may quote the key material: name the file only.
        raise ProviderNotConfigured(
            f"{setting}: {path.name} is not a service-account JSON with a private key"
        ) from None
    # The signed assertion that buys a bearer token goes over TLS or to this machine.
    try:
        check_provider_url(
            str(getattr(loaded, "_token_uri", "") or ""), f"{setting}: the token_uri of {path.name}"
        )
    except ConfigError as exc:
        raise ProviderNotConfigured(str(exc)) from None
    return loaded
