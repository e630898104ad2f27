"""The PushResult kinds every provider hands out, built in one place.

An accepted push has no reason; every failure has one, and its explanation comes from
the catalogue, looked up in the wire format's table (the simulated provider answers as
FCM or APNs would). `facts` fill the catalogue's sentences: env, topic, since, host,
read, project, detail.
"""

from __future__ import annotations

from collections.abc import Mapping

from inspector.push.catalogue import explain
from inspector.push.model import PushResult

Facts = Mapping[str, str | None]


def accepted(
    provider: str,
    *,
    status: int | None,
    message_id: str | None,
    latency_ms: float,
    explanation: str,
    dry_run: bool = False,
) -> PushResult:
    """The provider took the push (or, for a dry run, found it valid)."""
    return PushResult(
        provider, True, status, None, message_id, latency_ms, explanation, dry_run=dry_run
    )


def rejected(
    provider: str,
    status: int,
    code: str | None,
    *,
    latency_ms: float,
    wire: str | None = None,
    message_id: str | None = None,
    retry_after_s: float | None = None,
    dry_run: bool = False,
    facts: Facts | None = None,
) -> PushResult:
    """The provider answered with an error: its code, else the bare HTTP status."""
    explanation = explain(wire or provider, code, status, retry_after_s=retry_after_s, facts=facts)
    reason = code if code is not None else f"HTTP_{status}"
    return PushResult(
        provider,
        False,
        status,
        reason,
        message_id,
        latency_ms,
        explanation,
        retry_after_s=retry_after_s,
        dry_run=dry_run,
    )


def failed(
    provider: str,
    code: str,
    *,
    latency_ms: float,
    status: int | None = None,
    dry_run: bool = False,
    ambiguous: bool = False,
    facts: Facts | None = None,
) -> PushResult:
    """No usable answer: an outcome of our own (unreachable, timeout, bad response)."""
    explanation = explain(provider, code, status, facts=facts)
    return PushResult(
        provider, False, status, code, None, latency_ms, explanation, dry_run=dry_run,
        ambiguous=ambiguous,
    )  # fmt: skip


def no_dry_run(provider: str) -> PushResult:
    """A token check asked of APNs, which has no dry run: nothing was sent."""
    explanation = explain("apns", "NO_DRY_RUN", None)
    return PushResult(provider, False, None, "NO_DRY_RUN", None, 0.0, explanation, dry_run=True)
