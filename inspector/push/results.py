"""The PushResult kinds every provider hands out, built in one place.

An accepted push has no reason; every failure has one, and its explanation comes from
the catalogue, looked up in the wire format's table (the simulated provider answers as
FCM or APNs would).
"""

from __future__ import annotations

from inspector.push.catalogue import explain
from inspector.push.model import PushResult


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
        provider=provider,
        ok=True,
        status=status,
        reason=None,
        message_id=message_id,
        latency_ms=latency_ms,
        explanation=explanation,
        dry_run=dry_run,
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
    **facts: object,
) -> PushResult:
    """The provider answered with an error: its code, else the bare HTTP status."""
    return PushResult(
        provider=provider,
        ok=False,
        status=status,
        reason=code if code is not None else f"HTTP_{status}",
        message_id=message_id,
        latency_ms=latency_ms,
        retry_after_s=retry_after_s,
        dry_run=dry_run,
        explanation=explain(wire or provider, code, status, retry_after_s=retry_after_s, **facts),
    )


def failed(
    provider: str,
    code: str,
    *,
    latency_ms: float,
    status: int | None = None,
    dry_run: bool = False,
    ambiguous: bool = False,
    **facts: object,
) -> PushResult:
    """No usable answer: an outcome of our own (unreachable, timeout, bad response)."""
    return PushResult(
        provider=provider,
        ok=False,
        status=status,
        reason=code,
        message_id=None,
        latency_ms=latency_ms,
        dry_run=dry_run,
        ambiguous=ambiguous,
        explanation=explain(provider, code, status, **facts),
    )


def no_dry_run(provider: str) -> PushResult:
    """A token check asked of APNs, which has no dry run: nothing was sent."""
    return PushResult(
        provider=provider,
        ok=False,
        status=None,
        reason="NO_DRY_RUN",
        message_id=None,
        latency_ms=0.0,
        dry_run=True,
        explanation=explain("apns", "NO_DRY_RUN", None),
    )
