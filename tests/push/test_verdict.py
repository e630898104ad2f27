"""A result in words, and the exit code each kind of verdict gives."""

from __future__ import annotations

import pytest

from inspector.push import PushResult
from inspector.push.verdict import exit_code, headline, severity, verdict_lines


def result(**kw: object) -> PushResult:
    base: dict[str, object] = dict(
        provider="apns",
        ok=False,
        status=None,
        reason=None,
        message_id=None,
        latency_ms=12.3,
        explanation="Because.",
    )
    base.update(kw)
    return PushResult(**base)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kw", "words", "code", "level"),
    [
        (dict(ok=True, status=200, message_id="A-1"), "✔ Accepted by APNs · A-1 · 12 ms", 0, "ok"),
        (
            dict(
                provider="fcm",
                ok=True,
                status=200,
                message_id="projects/p/messages/f",
                dry_run=True,
            ),
            "✔ Validated by FCM",
            0,
            "ok",
        ),
        (dict(ok=True, dry_run=True), "✔ Checked, not sent (APNs has no dry run)", 0, "ok"),
        (
            dict(status=410, reason="Unregistered"),
            "✘ Rejected by APNs: Unregistered (HTTP 410)",
            1,
            "error",
        ),
        (dict(provider="fcm", status=404, reason="UNREGISTERED"), "✘ Rejected by FCM", 1, "error"),
        (dict(status=403, reason="InvalidProviderToken"), "InvalidProviderToken", 3, "error"),
        (
            dict(status=429, reason="TooManyRequests", retry_after_s=3600.0),
            "TooManyRequests",
            3,
            "warning",
        ),
        (dict(status=503, reason="ServiceUnavailable"), "ServiceUnavailable", 3, "warning"),
        (dict(reason="TIMEOUT", ambiguous=True), "? Outcome unknown: TIMEOUT", 3, "warning"),
        (dict(reason="UNREACHABLE"), "✘ Not sent via APNs: UNREACHABLE", 3, "warning"),
        (
            dict(provider="fcm", reason="UNREACHABLE", dry_run=True),
            "✘ Not validated via FCM: UNREACHABLE",
            3,
            "warning",
        ),
        (dict(reason="NO_DRY_RUN", dry_run=True), "ℹ NO_DRY_RUN", 2, "warning"),
        (
            dict(provider="simulated", status=404, reason="UNREGISTERED", simulated=True),
            "✘ Rejected by the simulated provider",
            1,
            "error",
        ),
    ],
)
def test_verdicts(kw: dict[str, object], words: str, code: int, level: str) -> None:
    r = result(**kw)
    assert words in headline(r)
    assert exit_code(r) == code
    assert severity(r) == level
    assert verdict_lines(r)[1] == "Because."
