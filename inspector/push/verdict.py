"""A PushResult in words: the headline, the explanation, and the command line's exit code."""

from __future__ import annotations

from inspector.push.catalogue import kind_of
from inspector.push.model import PushResult

PROVIDER_LABELS = {"fcm": "FCM", "apns": "APNs", "simulated": "the simulated provider"}
EXIT_OK = 0
EXIT_REJECTED = 1  # the provider answered: this token or message cannot be delivered
EXIT_REFUSED = 2  # policy, rate limit, bad input; also a token check APNs cannot do
EXIT_UNAVAILABLE = 3  # the provider could not be used: unreachable, timeout, 5xx, 429, auth


def kind(result: PushResult) -> str:
    if result.ok:
        return "ok"
    return kind_of(_wire(result), result.reason, result.status)


def severity(result: PushResult) -> str:
    """ "ok", "warning" (try again later, or unknown outcome) or "error"."""
    k = kind(result)
    if k == "ok":
        return "ok"
    if k in ("throttled", "unavailable", "ambiguous", "info"):
        return "warning"
    return "error"


def headline(result: PushResult) -> str:
    who = PROVIDER_LABELS.get(result.provider, result.provider)
    timing = f" · {result.latency_ms:.0f} ms" if result.latency_ms else ""
    if result.ok:
        if result.dry_run:
            verb = "Checked, not sent" if result.message_id is None else "Validated by"
            what = f"{verb} {who}" if result.message_id else f"{verb} (APNs has no dry run)"
        else:
            what = f"Accepted by {who}"
        ident = f" · {result.message_id}" if result.message_id else ""
        return f"✔ {what}{ident}{timing}"
    status = f" (HTTP {result.status})" if result.status else ""
    k = kind(result)
    if k == "ambiguous":
        return f"? Outcome unknown: {result.reason}{timing}"
    if k == "info":
        return f"ℹ {result.reason}"
    # No answer: nothing reached the provider. A dry run never meant to send anything.
    prefix = "✘ Rejected by" if result.status else "✘ Not sent via"
    if not result.status and result.dry_run:
        prefix = "✘ Not validated via"
    return f"{prefix} {who}: {result.reason}{status}{timing}"


def verdict_lines(result: PushResult) -> list[str]:
    lines = [headline(result), result.explanation]
    if result.simulated and not result.explanation.startswith("Simulated"):
        lines.append("Simulated: nothing left this machine.")
    return lines


def verdict_text(result: PushResult) -> str:
    return "\n".join(verdict_lines(result))


def exit_code(result: PushResult) -> int:
    k = kind(result)
    if k == "ok":
        return EXIT_OK
    if k in ("token", "payload"):
        return EXIT_REJECTED
    if k == "info":
        return EXIT_REFUSED  # asked for what the provider cannot do (APNs dry run)
    return EXIT_UNAVAILABLE


def _wire(result: PushResult) -> str:
    if result.simulated:
        apns_codes = {"BadDeviceToken", "Unregistered", "NO_DRY_RUN"}
        return "apns" if result.reason in apns_codes else "fcm"
    return result.provider
