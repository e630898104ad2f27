"""The two-person rule for a one-off send to one installation (push policy `approval`).

An operator asks (`request`): the exact payload, the installation id and its current
token are hashed into the request, with one combined hash over everything it covers. A
different operator approves or rejects it (`approve`, `reject`) before it expires (the
profile's approval_lifetime, 30 minutes by default). The requester then sends it, once
(`send_approved`): the approval is verified against the installation as the store holds
it now and the payload given, then claimed by one conditional UPDATE (`... WHERE used_at
IS NULL ...`) whose row count decides, so of two processes racing to use it exactly one
wins. A changed token, a
changed payload, an expired, rejected or used approval, or a self-approval is refused in
words, with zero requests to any provider.

`claim` is the verification and the claim on their own: the hook (push.model.ApprovalGate)
the single-device sender calls, after its re-read and its checks and before its intent,
to let an approved send past the `approval` policy. Every request, decision, use and
refusal is a journal record.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from inspector.config import Settings
from inspector.journal import Journal
from inspector.masking import mask_token
from inspector.push import Compose, InstallationNotFound, PushRefused, PushResult, PushService
from inspector.push.payload import check_size
from inspector.push.policy import switch_or_address_problem
from inspector.safetext import clip, field, has_unsafe
from inspector.signoff.common import (
    Clock,
    checked_comment,
    now_from,
    record_refusal,
    utcnow,
)
from inspector.signoff.errors import ApprovalRefused, SignoffNotFound, SignoffRefused
from inspector.signoff.identity import effective_operator
from inspector.signoff.payloads import (
    combined_hash,
    compose_of,
    payload_hash,
    payload_text,
    sha256_hex,
    token_hash,
)
from inspector.signoff.records import Claim, PushRequest, iso
from inspector.signoff.storage import SignoffStore, new_id
from inspector.store.records import Installation

MIN_TTL = timedelta(minutes=1)
MAX_TTL = timedelta(hours=24)


def request_hash(
    *,
    request_id: str,
    requester: str,
    profile: str,
    environment: str,
    installation_id: str,
    store: str,
    token_sha: str,
    payload_sha: str,
    created_at: datetime,
    expires_at: datetime,
) -> str:
    """The combined hash: what an approver approves, all of it."""
    return combined_hash(
        "inspector.approval.v1", request_id, requester, profile, environment,
        installation_id, store, token_sha, payload_sha, iso(created_at), iso(expires_at),
    )  # fmt: skip


def stored_hash(request: PushRequest) -> str:
    """The combined hash recomputed from a stored request (the stored times are kept to
    the microsecond on every engine)."""
    return request_hash(
        request_id=request.id,
        requester=request.requester,
        profile=request.profile,
        environment=request.environment,
        installation_id=request.installation_id,
        store=request.store,
        token_sha=request.token_hash,
        payload_sha=request.payload_sha256,
        created_at=request.created_at,
        expires_at=request.expires_at,
    )


class ApprovalService:
    def __init__(
        self,
        settings: Settings,
        journal: Journal,
        db: SignoffStore,
        *,
        ttl: timedelta | None = None,
        clock: Clock = utcnow,
    ) -> None:
        """`ttl`: how long an approval may wait to be used; None: the profile's
        approval_lifetime. Refuses (OperatorIdentityError) settings that name no
        operator: the rule compares identities."""
        ttl = settings.approval_lifetime if ttl is None else ttl
        if not MIN_TTL <= ttl <= MAX_TTL:
            raise SignoffRefused("an approval lasts from 1 minute to 24 hours")
        self.settings = settings
        self.operator = effective_operator(settings)
        self.journal = journal
        self.db = db
        self.ttl = ttl
        self._clock = clock

    def now(self) -> datetime:
        return now_from(self._clock)

    # -- asking ---------------------------------------------------------------------

    def request(
        self, push: PushService, installation_id: str, compose: Compose, *, store: str = ""
    ) -> PushRequest:
        """Ask a second operator to approve this exact send. The installation is read
        from the store now (`store`: the store it was found in); its token and the payload
        are pinned by their hashes. InstallationNotFound (nothing found), PushRefused
        (a payload or device nothing could be sent with)."""
        installation = _read(push, installation_id, store)
        problem = switch_or_address_problem(self.settings, installation)
        if problem:
            raise PushRefused(problem)
        prepared = push.preview(installation, compose)  # validates the compose
        check_size(prepared.payload_bytes)
        now = self.now()
        request_id = new_id("r")
        text = payload_text(compose)
        payload_sha = sha256_hex(text)
        token_sha = token_hash(installation.push_token)
        expires = now + self.ttl
        profile = field(self.settings.profile, 64)
        requester = field(self.operator, 200)
        environment = self.settings.environment.value
        iid = installation.installation_id
        combined = request_hash(
            request_id=request_id, requester=requester, profile=profile,
            environment=environment, installation_id=iid, store=installation.store,
            token_sha=token_sha, payload_sha=payload_sha, created_at=now, expires_at=expires,
        )  # fmt: skip
        record_id = self.journal.record(
            "approval.request",
            installation_id=iid,
            outcome="ok",
            details={
                "request": request_id,
                "payload_sha256": payload_sha,
                "combined_sha256": combined,
                "token": mask_token(installation.push_token),
                "title": prepared.content.title,
                "expires_at": iso(expires),
            },
        )
        row: dict[str, Any] = {
            "id": request_id,
            "requester": requester,
            "profile": profile,
            "environment": environment,
            "installation_id": iid,
            "store": installation.store,
            "token_hash": token_sha,
            "token": mask_token(installation.push_token),
            "device": prepared.device_line(),
            "payload": text,
            "payload_sha256": payload_sha,
            "combined_sha256": combined,
            "created_at": now,
            "expires_at": expires,
            "record_id": record_id,
        }
        self.db.insert_request(row)
        found = self.db.request(request_id)
        assert found is not None
        return found

    # -- reading --------------------------------------------------------------------

    def requests(self, *, open_only: bool = False, limit: int = 50) -> list[PushRequest]:
        """This profile's requests, newest first; `open_only`: pending or approved ones
        not yet used, rejected or expired."""
        found = self.db.requests(self.settings.profile, limit=limit)
        if open_only:
            now = self.now()
            found = [r for r in found if r.state(now) in ("pending", "approved")]
        return found

    def get(self, request_id: str) -> PushRequest:
        """SignoffNotFound when there is no such request in this profile."""
        rid = (request_id or "").strip()
        if not rid or len(rid) > 32 or has_unsafe(rid):
            raise SignoffNotFound(f"no approval request {clip(rid, 40)!r}")
        found = self.db.request(rid)
        if found is None:
            raise SignoffNotFound(f"no approval request {rid}")
        if found.profile != self.settings.profile:
            raise SignoffNotFound(
                f"approval request {rid} belongs to profile {found.profile},"
                f" not {self.settings.profile}"
            )
        return found

    # -- deciding -------------------------------------------------------------------

    def approve(self, request_id: str, comment: str | None = None) -> PushRequest:
        comment = checked_comment(comment, required=False, what="an approval")
        request = self.get(request_id)
        now = self.now()
        problem = self.approve_problem(request, now)
        details = _details(request)
        if problem:
            record_refusal(
                self.journal, "approval.approve", problem,
                installation_id=request.installation_id, details=details,
            )  # fmt: skip
            raise SignoffRefused(problem)
        record_id = self.journal.record(
            "approval.approve",
            installation_id=request.installation_id,
            outcome="ok",
            details={**details, "comment": comment},
        )
        if not self.db.approve_request(request.id, self.operator, comment, now):
            # Someone decided, or it expired, between the read and the UPDATE.
            again = self.get(request.id)
            problem = self.approve_problem(again, now) or f"request {request.id} changed meanwhile"
            record_refusal(
                self.journal, "approval.approve", problem,
                installation_id=request.installation_id, details={**details, "attempt": record_id},
            )  # fmt: skip
            raise SignoffRefused(problem)
        return replace(request, approved_by=self.operator, approved_at=now, approve_comment=comment)

    def approve_problem(self, request: PushRequest, now: datetime) -> str | None:
        """Why this operator may not approve the request now, or None."""
        if stored_hash(request) != request.combined_sha256:
            return f"request {request.id} does not match its hash: it was altered; ask again"
        if request.requester == self.operator:
            return (
                f"{self.operator} asked for request {request.id}: a different operator must"
                " approve it"
            )
        return _closed(request, now, approving=True)

    def reject(self, request_id: str, comment: str) -> PushRequest:
        comment = checked_comment(comment, required=True, what="a rejection") or ""
        request = self.get(request_id)
        now = self.now()
        details = _details(request)
        problem = _closed(request, now, approving=False)
        if problem:
            record_refusal(
                self.journal, "approval.reject", problem,
                installation_id=request.installation_id, details=details,
            )  # fmt: skip
            raise SignoffRefused(problem)
        record_id = self.journal.record(
            "approval.reject",
            installation_id=request.installation_id,
            outcome="ok",
            details={**details, "comment": comment},
        )
        if not self.db.reject_request(request.id, self.operator, comment, now):
            again = self.get(request.id)
            problem = _closed(again, now, approving=False) or f"request {request.id} changed"
            record_refusal(
                self.journal, "approval.reject", problem,
                installation_id=request.installation_id, details={**details, "attempt": record_id},
            )  # fmt: skip
            raise SignoffRefused(problem)
        return replace(request, rejected_by=self.operator, rejected_at=now, reject_comment=comment)

    # -- using ----------------------------------------------------------------------

    def claim(self, request_id: str, *, installation: Installation, compose: Compose) -> Claim:
        """Verify the approval against the installation as just re-read and the payload
        about to be sent, then use it up. ApprovalRefused, in words, when anything does
        not match, there is no such request, or it cannot be used (and then nothing may
        be sent); JournalError when its use cannot be recorded (it is used up, and
        nothing may be sent)."""
        try:
            request = self.get(request_id)
        except SignoffNotFound as exc:
            record_refusal(
                self.journal, "approval.use", str(exc),
                installation_id=installation.installation_id,
                details={"request": clip((request_id or "").strip(), 40)},
            )  # fmt: skip
            raise ApprovalRefused(str(exc)) from None
        return self._claim(request, installation, compose)

    def _claim(self, request: PushRequest, installation: Installation, compose: Compose) -> Claim:
        now = self.now()
        details = _details(request)
        problem = self.use_problem(request, installation, compose, now)
        if problem:
            self._refuse_use(request, problem, details)
        if not self.db.claim_request(request.id, self.operator, now):
            again = self.get(request.id)
            problem = _closed(again, now, approving=False) or (
                f"approval request {request.id} could not be used"
            )
            self._refuse_use(request, problem, details)
        record_id = self.journal.record(
            "approval.use",
            installation_id=request.installation_id,
            outcome="ok",
            details={**details, "approved_by": request.approved_by},
        )
        return Claim(request.id, record_id, request.combined_sha256)

    def use_problem(
        self, request: PushRequest, installation: Installation, compose: Compose, now: datetime
    ) -> str | None:
        """Why this approval cannot carry this send now, or None."""
        problem = self.request_problem(request, now)
        if problem:
            return problem
        rid = request.id
        if installation.installation_id != request.installation_id:
            return (
                f"request {rid} is for installation {request.installation_id},"
                f" not {installation.installation_id}"
            )
        if installation.store != request.store:
            return f"request {rid} is for the installation in another store"
        if token_hash(installation.push_token) != request.token_hash:
            return (
                f"the push token of {request.installation_id} changed since request {rid} was"
                " made: the approval was for the old token; ask again"
            )
        if payload_hash(compose) != request.payload_sha256:
            return (
                f"the payload differs from the one approved in request {rid}: send exactly"
                " that payload, or ask again"
            )
        return None

    def request_problem(self, request: PushRequest, now: datetime) -> str | None:
        """What refuses using the approval whatever the device and payload: who asks,
        the request's integrity, its state."""
        rid = request.id
        if request.requester != self.operator:
            return f"request {rid} was asked by {request.requester}; only they can send it"
        if stored_hash(request) != request.combined_sha256:
            return f"request {rid} does not match its hash: it was altered; ask again"
        if sha256_hex(request.payload_text) != request.payload_sha256:
            return f"request {rid}'s stored payload does not match its hash; ask again"
        closed = _closed(request, now, approving=False)
        if closed:
            return closed
        if request.approved_by is None:
            return f"request {rid} has not been approved yet"
        if request.approved_by == request.requester:
            return f"request {rid} was approved by its own requester: that is no approval"
        return None

    def _refuse_use(self, request: PushRequest, problem: str, details: dict[str, Any]) -> None:
        record_refusal(
            self.journal, "approval.use", problem,
            installation_id=request.installation_id, details=details,
        )  # fmt: skip
        raise ApprovalRefused(problem)

    def send_approved(
        self, push: PushService, request_id: str, *, compose: Compose | None = None
    ) -> tuple[PushResult, Claim]:
        """Send an approved request, once, through the sender: prepared (re-read, policy,
        cooldown, payload), then sent, the sender verifying and claiming the approval
        after its re-read and before its intent. `compose`: the payload the command was
        given; None sends the approved one. A sender with no approvals service is given
        this one."""
        request = self.get(request_id)
        problem = self.request_problem(request, self.now())
        if problem:
            self._refuse_use(request, problem, _details(request))
        if compose is None:
            compose = compose_of(request.payload_text)
        if push.approvals is None:
            push.approvals = self
        # Policy, cooldown and payload before the claim: a refusal there leaves the
        # approval unused.
        prepared = push.prepare(
            request.installation_id, compose, store=request.store, approved=request.id
        )
        result = push.send(prepared, approved=request.id)
        assert result.approval is not None  # the sender claims before it sends
        return result, result.approval


def _read(push: PushService, installation_id: str, store: str) -> Installation:
    installation = push.store.get(installation_id.strip(), store=store or None)
    if installation is None:
        where = f"the store {store}" if store else "the store"
        raise InstallationNotFound(f"no installation {installation_id.strip()} in {where}")
    return installation


def _details(request: PushRequest) -> dict[str, Any]:
    return {
        "request": request.id,
        "requester": request.requester,
        "payload_sha256": request.payload_sha256,
        "combined_sha256": request.combined_sha256,
    }


def _closed(request: PushRequest, now: datetime, *, approving: bool) -> str | None:
    """Why the request is past deciding or using: used, rejected, expired (and, when
    approving, already approved)."""
    rid = request.id
    if request.used_at is not None:
        return f"request {rid} was already used at {iso(request.used_at)}: an approval is good once"
    if request.rejected_at is not None:
        why = f" ({request.reject_comment})" if request.reject_comment else ""
        return f"request {rid} was rejected by {request.rejected_by}{why}"
    if now >= request.expires_at:
        return f"request {rid} expired at {iso(request.expires_at)}; ask again"
    if approving and request.approved_at is not None:
        return f"request {rid} was already approved by {request.approved_by}"
    return None
