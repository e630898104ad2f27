"""Every provider verdict the inspector knows, with what it means and what to do.

`kind` decides the command line's exit code: the provider answered about this token or
message ("token", "payload") or the provider could not be used ("credentials",
"throttled", "unavailable", "ambiguous").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime


@dataclass(frozen=True)
class Verdict:
    code: str
    kind: str  # token | payload | credentials | throttled | unavailable | ambiguous | info
    meaning: str  # one sentence; {env}, {topic}, {since}, {retry}, {host} are filled in


_FCM = {
    "INVALID_ARGUMENT": Verdict(
        "INVALID_ARGUMENT",
        "token",
        "FCM rejected the request as invalid: usually a malformed or truncated token, or a"
        " payload field FCM does not accept; check the token and the data keys.",
    ),
    "THIRD_PARTY_AUTH_ERROR": Verdict(
        "THIRD_PARTY_AUTH_ERROR",
        "credentials",
        "The Firebase project's APNs key or web-push credentials are wrong or missing: fix"
        " them in the Firebase console (the token itself may be fine).",
    ),
    "SENDER_ID_MISMATCH": Verdict(
        "SENDER_ID_MISMATCH",
        "token",
        "The token belongs to another Firebase project than {project}: the app registered"
        " with a different sender, so this service account cannot reach it.",
    ),
    "UNREGISTERED": Verdict(
        "UNREGISTERED",
        "token",
        "The token is dead: the app was uninstalled, or the token expired or was replaced;"
        " the device must open the app to register a new one.",
    ),
    "QUOTA_EXCEEDED": Verdict(
        "QUOTA_EXCEEDED",
        "throttled",
        "FCM's sending quota is used up (for the project or for this device); {retry}.",
    ),
    "INTERNAL": Verdict(
        "INTERNAL",
        "unavailable",
        "FCM had an internal error and the push was probably not delivered; {retry}.",
    ),
    "UNAVAILABLE": Verdict(
        "UNAVAILABLE", "unavailable", "FCM is overloaded or unavailable right now; {retry}."
    ),
    "UNAUTHENTICATED": Verdict(
        "UNAUTHENTICATED",
        "credentials",
        "FCM did not accept the OAuth token (expired or revoked): a fresh one is fetched"
        " for the next send; send again.",
    ),
    "PERMISSION_DENIED": Verdict(
        "PERMISSION_DENIED",
        "credentials",
        "The service account may not send for project {project}: give it the Firebase"
        " Cloud Messaging role, or enable the FCM API in that project.",
    ),
    "UNSPECIFIED_ERROR": Verdict(
        "UNSPECIFIED_ERROR", "unavailable", "FCM failed without saying why; {retry}."
    ),
}

_APNS = {
    "BadDeviceToken": Verdict(
        "BadDeviceToken",
        "token",
        "APNs does not know this token in the {env} environment: most often it is a token of"
        " the other environment (a TestFlight or debug build against production, or the"
        " reverse); check the installation's APNs environment.",
    ),
    "DeviceTokenNotForTopic": Verdict(
        "DeviceTokenNotForTopic",
        "token",
        "The token belongs to another app than topic {topic}: the app's bundle id or APNs"
        " topic does not match the build that registered this token.",
    ),
    "Unregistered": Verdict(
        "Unregistered",
        "token",
        "The token is no longer valid for topic {topic}{since}: the app was uninstalled or"
        " the token replaced; the device must open the app to register again.",
    ),
    "PayloadTooLarge": Verdict(
        "PayloadTooLarge",
        "payload",
        "The payload is over APNs' 4096-byte limit: shorten the title, body or data.",
    ),
    "BadCollapseId": Verdict(
        "BadCollapseId", "payload", "APNs rejected the collapse id (over 64 bytes)."
    ),
    "BadExpirationDate": Verdict(
        "BadExpirationDate", "payload", "APNs rejected the apns-expiration header."
    ),
    "BadPriority": Verdict("BadPriority", "payload", "APNs rejected the apns-priority header."),
    "BadTopic": Verdict("BadTopic", "token", "APNs rejected topic {topic} as invalid."),
    "MissingTopic": Verdict(
        "MissingTopic",
        "payload",
        "APNs needs an apns-topic for this key: the app has no bundle id or APNs topic.",
    ),
    "TopicDisallowed": Verdict(
        "TopicDisallowed",
        "credentials",
        "The signing key may not push to topic {topic}: check the key's team and app.",
    ),
    "InvalidPushType": Verdict(
        "InvalidPushType", "payload", "APNs rejected the apns-push-type header."
    ),
    "InvalidProviderToken": Verdict(
        "InvalidProviderToken",
        "credentials",
        "APNs rejected the signing key: the key id, team id or .p8 key is wrong or revoked"
        " (INSPECTOR_APNS_KEY_ID, INSPECTOR_APNS_TEAM_ID, INSPECTOR_APNS_KEY_FILE).",
    ),
    "ExpiredProviderToken": Verdict(
        "ExpiredProviderToken",
        "credentials",
        "APNs found the signed JWT older than an hour: a fresh one is signed for the next"
        " send; send again.",
    ),
    "MissingProviderToken": Verdict(
        "MissingProviderToken",
        "credentials",
        "APNs received no JWT: the APNs key is not configured.",
    ),
    "TooManyProviderTokenUpdates": Verdict(
        "TooManyProviderTokenUpdates",
        "throttled",
        "The signing JWT was renewed too often (APNs allows once per 20 minutes); {retry}.",
    ),
    "TooManyRequests": Verdict(
        "TooManyRequests",
        "throttled",
        "Too many pushes to this device token in a short time; {retry}.",
    ),
    "InternalServerError": Verdict(
        "InternalServerError",
        "unavailable",
        "APNs had an internal error and the push was probably not delivered; {retry}.",
    ),
    "ServiceUnavailable": Verdict(
        "ServiceUnavailable", "unavailable", "APNs is unavailable right now; {retry}."
    ),
    "Shutdown": Verdict(
        "Shutdown",
        "unavailable",
        "The APNs server was shutting down; the push was not delivered; {retry}.",
    ),
}

# Outcomes of our own, when no provider verdict exists.
_LOCAL = {
    "TIMEOUT": Verdict(
        "TIMEOUT",
        "ambiguous",
        "No answer from {host} within {read} s: the push may or may not have been delivered."
        " Nothing was retried; sending again is your call, and the collapse id keeps a"
        " second copy from stacking on the device.",
    ),
    "CONNECTION_LOST": Verdict(
        "CONNECTION_LOST",
        "ambiguous",
        "The connection to {host} broke after the request was sent: the push may or may"
        " not have been delivered. Nothing was retried; the collapse id keeps a second try"
        " from stacking.",
    ),
    "UNREACHABLE": Verdict(
        "UNREACHABLE",
        "unavailable",
        "Could not connect to {host}: nothing was sent; check the network or the provider"
        " URL setting.",
    ),
    "OAUTH_UNAVAILABLE": Verdict(
        "OAUTH_UNAVAILABLE",
        "unavailable",
        "Could not get an OAuth token from {host} in time: nothing was sent to FCM.",
    ),
    "OAUTH_REJECTED": Verdict(
        "OAUTH_REJECTED",
        "credentials",
        "The OAuth token endpoint refused the service account ({detail}): check"
        " INSPECTOR_FCM_CREDENTIALS; nothing was sent to FCM.",
    ),
    "NO_DRY_RUN": Verdict(
        "NO_DRY_RUN",
        "info",
        "APNs has no dry run: a token can only be checked by sending a real push to it.",
    ),
    "BAD_RESPONSE": Verdict(
        "BAD_RESPONSE",
        "unavailable",
        "The provider answered something that is not its documented protocol.",
    ),
}


def verdict(provider: str, code: str | None) -> Verdict | None:
    if code is None:
        return None
    table = _APNS if provider == "apns" else _FCM
    return table.get(code) or _LOCAL.get(code)


def kind_of(provider: str, code: str | None, status: int | None) -> str:
    found = verdict(provider, code)
    if found is not None:
        return found.kind
    if status is None:
        return "unavailable"
    if status == 429:
        return "throttled"
    if status in (401, 403):
        return "credentials"
    if 400 <= status < 500:
        return "token"
    return "unavailable"


def retry_text(retry_after_s: float | None, now: datetime | None = None) -> str:
    if retry_after_s is None:
        return "try again in a few minutes"
    now = now or datetime.now(UTC)
    at = datetime.fromtimestamp(now.timestamp() + retry_after_s, UTC)
    return f"retry after {at:%H:%M:%S} UTC (in {_duration(retry_after_s)})"


def since_text(timestamp_ms: int | None) -> str:
    if not timestamp_ms:
        return ""
    at = datetime.fromtimestamp(timestamp_ms / 1000, UTC)
    return f" since {at:%Y-%m-%d %H:%M} UTC"


def explain(
    provider: str,
    code: str | None,
    status: int | None,
    *,
    retry_after_s: float | None = None,
    facts: Mapping[str, str | None] | None = None,
) -> str:
    """One sentence for a failed verdict; unknown codes still get an honest sentence.
    `facts` fill the sentence's {env}, {topic}, ... (a missing one reads as a default)."""
    found = verdict(provider, code)
    values = {
        "env": "",
        "topic": "",
        "since": "",
        "host": "the provider",
        "read": "",
        "project": "this project",
        "detail": "no detail",
    }
    values.update({k: v for k, v in (facts or {}).items() if v is not None})
    values["retry"] = retry_text(retry_after_s)
    if found is not None:
        return found.meaning.format(**values)
    label = provider.upper()
    what = f"{code} " if code else ""
    if status is not None and status >= 500:
        return f"{label} failed with {what}(HTTP {status}); {values['retry']}."
    return f"{label} rejected the push with {what}(HTTP {status}): not a documented error."


def _duration(seconds: float) -> str:
    seconds = round(seconds)
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{seconds // 60} min"
    return f"{seconds / 3600:.1f} h"
