"""Proofs ("bon à tirer"): one payload for one app, tried on the app's registered test
devices, then signed off by other operators.

`plan` reads the test devices and the store (nothing written, nothing sent): the confirm
screen lists every device the proof will reach and every one it skips, with the reason.
`send` puts the proof on the record, then sends to each target through the single-device
sender (re-read, policy, journal intent first, one request), several at once within a
bound, so twenty devices take about as long as the slowest one. Each verdict is handed
to `on_verdict` as it arrives (from a worker thread): a slow or failing device holds up
nobody else's row. There is no topic, list or multicast call anywhere on this path.

The operator's per-minute cap counts a proof as one action (checked here, once); the
per-device cooldown applies to each device, in the transaction that writes its intent.

Sign-off: the author cannot approve their own proof; one sign-off per operator; a proof
is approved with `approvals_required` distinct approvals and no rejection; a rejection,
even after approvals, makes it rejected. `export` gives an approved proof's payload with
its sign-offs, for the campaign tool. Every change is a journal record, written first.
"""

from __future__ import annotations

import contextlib
import math
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import timedelta
from typing import Any

from inspector import facts
from inspector.config import NUMBERS, PushPolicy, Settings
from inspector.journal import Journal, JournalError, TestDevice
from inspector.masking import mask_token
from inspector.push import (
    Compose,
    InstallationNotFound,
    JournalUnavailable,
    OpenedSend,
    ProviderNotConfigured,
    PushError,
    PushRefused,
    PushResult,
    PushService,
)
from inspector.push.model import Provider
from inspector.push.payload import check_size, token_problem, validate, wire_format
from inspector.push.transport import MAX_CONCURRENT_SENDS
from inspector.push.verdict import kind
from inspector.safetext import clip, field, has_unsafe
from inspector.signoff.common import (
    Clock,
    checked_comment,
    now_from,
    record_refusal,
    utcnow,
)
from inspector.signoff.errors import SignoffError, SignoffNotFound, SignoffRefused
from inspector.signoff.identity import effective_operator
from inspector.signoff.payloads import payload_document, payload_hash, payload_text, sha256_hex
from inspector.signoff.records import (
    ACCEPTED,
    APPROVE,
    APPROVED,
    FAILED,
    PENDING,
    PROVIDER_REJECTED,
    REFUSED,
    REJECT,
    REJECTED,
    SENDING,
    SKIP_DEAD_TOKEN,
    SKIP_NO_CREDENTIAL,
    SKIP_NO_TOKEN,
    SKIP_NOT_IN_STORE,
    SKIP_NOTIFICATIONS_OFF,
    SKIP_OVER_CAP,
    SKIP_REFUSED,
    SKIP_STORE_ERROR,
    SKIPPED,
    DeviceVerdict,
    Proof,
    ProofPlan,
    ProofSkip,
    ProofTarget,
    SignOff,
    proof_status,
)
from inspector.signoff.storage import SignoffStore, new_id
from inspector.store.errors import StoreError
from inspector.store.records import Installation
from inspector.store.repository import StoreRepository

# The ranges of the profile's proof_cap and proof_approvals (inspector.config.NUMBERS).
MAX_CAP = int(NUMBERS["INSPECTOR_PROOF_CAP"].high)
MAX_APPROVALS = int(NUMBERS["INSPECTOR_PROOF_APPROVALS"].high)
# Sends in flight at once: the default cap's worth, so a full proof is one round (and
# what the FCM provider's connection pool holds).
DEFAULT_PARALLEL = MAX_CONCURRENT_SENDS
APP_MAX = 200
# The operator's cap counts actions in this window before now (as the journal does).
CAP_WINDOW = timedelta(minutes=1)
# At most this many of the operator's records of that window are read to count them.
RECORDS_READ = 5000

VerdictCallback = Callable[[DeviceVerdict], None]


def check_cap(cap: int) -> int:
    if isinstance(cap, bool) or not isinstance(cap, int) or not 1 <= cap <= MAX_CAP:
        raise SignoffRefused(f"the proof's device cap must be a whole number from 1 to {MAX_CAP}")
    return cap


def check_approvals(required: int) -> int:
    if isinstance(required, bool) or not isinstance(required, int):
        raise SignoffRefused("the number of approvals a proof needs must be a whole number")
    if not 1 <= required <= MAX_APPROVALS:
        raise SignoffRefused(f"a proof needs from 1 to {MAX_APPROVALS} approvals")
    return required


def of_app(installation: Installation, app: str) -> bool:
    """The store's app id, or its bundle id (the same app on iOS and Android)."""
    return app in (installation.app.app_id, installation.app.bundle_id)


class ProofService:
    def __init__(
        self,
        settings: Settings,
        store: StoreRepository | None,
        journal: Journal,
        db: SignoffStore,
        *,
        providers: Mapping[str, Provider] | None = None,
        approvals_required: int | None = None,
        cap: int | None = None,
        parallel: int = DEFAULT_PARALLEL,
        clock: Clock = utcnow,
    ) -> None:
        """`store`: None for reading and signing off only. `providers` as for PushService
        (None: built from the settings, the demo's simulated one on the demo).
        `approvals_required` and `cap`: None takes the profile's proof_approvals and
        proof_cap. Refuses (OperatorIdentityError) settings that name no operator."""
        self.settings = settings
        self.operator = effective_operator(settings)
        self.journal = journal
        self.db = db
        self.approvals_required = check_approvals(
            settings.proof_approvals if approvals_required is None else approvals_required
        )
        self.cap = check_cap(settings.proof_cap if cap is None else cap)
        if isinstance(parallel, bool) or not isinstance(parallel, int) or parallel < 1:
            raise SignoffRefused("the number of sends at once must be 1 or more")
        self.parallel = parallel
        self._clock = clock
        self._store = store
        self._providers = providers
        self._push: PushService | None = None
        self._executor: ThreadPoolExecutor | None = None
        self._executor_lock = threading.Lock()

    @property
    def push(self) -> PushService:
        """The proof's own sender, made on first use. The operator's per-minute cap is
        applied to the proof as one action (here), so this sender leaves it off; the
        per-device cooldown stays on, read with the chain head locked as for any send."""
        if self._push is None:
            if self._store is None:
                raise SignoffError("no installation store is open: a proof cannot be sent")
            proof_settings = replace(self.settings, push_max_per_minute=0.0)
            if self._providers is None:
                self._push = PushService.from_settings(proof_settings, self._store, self.journal)
            else:
                self._push = PushService(proof_settings, self._store, self.journal, self._providers)
        return self._push

    def close(self) -> None:
        """Stops its workers; closes the providers it built (never ones it was given)."""
        if self._executor is not None:
            self._executor.shutdown(wait=True)
            self._executor = None
        if self._push is not None and self._providers is None:
            self._push.close()

    def _workers(self) -> ThreadPoolExecutor:
        """The sending threads, kept for the service's life: the same few threads use
        the database pools proof after proof."""
        with self._executor_lock:
            if self._executor is None:
                self._executor = ThreadPoolExecutor(
                    self.workers, thread_name_prefix="inspector-proof"
                )
            return self._executor

    @property
    def workers(self) -> int:
        """Sends in flight at once. The SQLite engines are queue pools (store/engine.py,
        journal/engine.py): a thread beyond their size waits for a connection."""
        return self.parallel

    # -- composing ------------------------------------------------------------------

    def plan(self, app: str, compose: Compose, *, cap: int | None = None) -> ProofPlan:
        """The test devices of `app` (a store app id, or a bundle id for the app on each
        platform) this proof would reach, and the ones it would skip: each re-read from
        the store, checked against policy and the device cooldown, its exact payload
        built. Nothing is written or sent."""
        app = _checked_app(app)
        cap = self.cap if cap is None else check_cap(cap)
        try:
            validate(compose)
        except PushRefused as exc:
            raise SignoffRefused(str(exc)) from None
        if self.settings.push_policy is PushPolicy.OFF:
            raise SignoffRefused("sending is off here (push policy off): no proof can be sent")
        targets: list[ProofTarget] = []
        skipped: list[ProofSkip] = []
        for device in self.journal.test_devices():
            outcome = self._target(device, app, compose, over_cap=len(targets) >= cap)
            if isinstance(outcome, ProofTarget):
                targets.append(outcome)
            elif outcome is not None:
                skipped.append(outcome)
        return ProofPlan(
            app=app,
            compose=compose,
            payload=payload_document(compose),
            payload_sha256=payload_hash(compose),
            cap=cap,
            targets=tuple(targets),
            skipped=tuple(skipped),
            operator=self.operator,
            profile=self.settings.profile,
            environment=self.settings.environment.value,
            planned_at=now_from(self._clock),
        )

    def _target(
        self, device: TestDevice, app: str, compose: Compose, *, over_cap: bool
    ) -> ProofTarget | ProofSkip | None:
        """The device as a target, a skip with its reason, or None (another app's)."""
        iid = device.installation_id

        def skip(kind: str, reason: str, inst: Installation | None = None) -> ProofSkip:
            return _skip(device, kind, reason, inst)

        try:
            inst = self.push.store.get(iid)
        except StoreError as exc:
            # Its app is unknown: listed, so a device is never dropped in silence.
            return skip(SKIP_STORE_ERROR, f"could not be read from the store: {exc}")
        if inst is None:
            return skip(SKIP_NOT_IN_STORE, "not in the store (uninstalled or another store?)")
        if not of_app(inst, app):
            return None
        problem = token_problem(inst)
        if problem:
            return skip(SKIP_NO_TOKEN, problem, inst)
        if inst.push_token_status != "active":
            return skip(
                SKIP_DEAD_TOKEN,
                f"dead token: its status in the store is {inst.push_token_status}",
                inst,
            )
        if inst.notifications_enabled is False:
            return skip(SKIP_NOTIFICATIONS_OFF, "notifications are turned off on it", inst)
        if over_cap:
            return skip(SKIP_OVER_CAP, "over the proof's device cap", inst)
        problem = self.push.policy_problem(inst)
        if problem:
            return skip(SKIP_REFUSED, problem, inst)
        try:
            check_size(self.push.preview(inst, compose).payload_bytes)
        except PushRefused as exc:
            return skip(SKIP_REFUSED, str(exc), inst)
        try:
            prepared = self.push.prepare(iid, compose, store=inst.store)
        except InstallationNotFound:
            return skip(SKIP_NOT_IN_STORE, "no longer in the store", inst)
        except PushRefused as exc:
            # Policy and payload passed just above: what is left is the provider's own
            # check, which is a missing credential (or address) for this app.
            return skip(SKIP_NO_CREDENTIAL, str(exc), inst)
        except ProviderNotConfigured as exc:  # a credential file that cannot be used
            return skip(SKIP_NO_CREDENTIAL, str(exc), inst)
        except PushError as exc:  # the re-read failed
            return skip(SKIP_STORE_ERROR, str(exc), inst)
        i = prepared.installation
        return ProofTarget(
            installation_id=i.installation_id,
            store=i.store,
            label=device.label,
            owner=device.owner,
            platform=i.platform,
            provider=wire_format(i),
            apns_environment=i.apns_environment if wire_format(i) == "apns" else None,
            token=mask_token(i.push_token),
            token_state=facts.token_words(i),
            device=prepared.device_line(),
            route=prepared.route_line(),
            prepared=prepared,
        )

    # -- sending --------------------------------------------------------------------

    def send(
        self,
        plan: ProofPlan,
        *,
        on_verdict: VerdictCallback | None = None,
        on_started: Callable[[], None] | None = None,
    ) -> Proof:
        """Put the proof on the record, then send it to each target at once (within the
        bound), calling `on_verdict` from a worker thread as each verdict arrives, and
        `on_started` (from this thread) once every intent is written and the requests
        are on their way. Refused (SignoffRefused) before anything is written: a plan
        of another profile or operator, no target, the operator's cap. JournalError:
        nothing was sent."""
        if (plan.profile, plan.operator) != (self.settings.profile, self.operator):
            raise SignoffRefused(
                f"this proof was composed in profile {plan.profile} by {plan.operator}:"
                " compose it again here"
            )
        if not plan.targets:
            raise SignoffRefused(f"no test device of app {plan.app} can receive this proof")
        now = now_from(self._clock)
        problem = self._rate_problem(now)
        if problem:
            raise SignoffRefused(problem)
        proof_id = new_id("p")
        record_id = self.journal.record(
            "proof.create", outcome="ok", details=_create_details(proof_id, plan, self)
        )
        text = payload_text(plan.compose)
        self.db.insert_proof(
            {
                "id": proof_id,
                "app": field(plan.app, APP_MAX),
                "author": field(self.operator, 200),
                "profile": field(self.settings.profile, 64),
                "environment": self.settings.environment.value,
                "created_at": now,
                "payload": text,
                "payload_sha256": sha256_hex(text),
                "cap": plan.cap,
                "approvals_required": self.approvals_required,
                "status": PENDING,
                "record_id": record_id,
            },
            [_target_row(proof_id, t) for t in plan.targets]
            + [_skip_row(proof_id, s) for s in plan.skipped],
        )
        # Every device's intent in one journal transaction, then the requests at once: a
        # device's request waits for no other device's record.
        opened = self.push.open_sends(
            [t.prepared for t in plan.targets], proof=proof_id, proof_record=record_id
        )
        pool = self._workers()
        futures = [
            pool.submit(self._send_one, proof_id, t, o, on_verdict)
            for t, o in zip(plan.targets, opened, strict=True)
        ]
        if on_started is not None:
            with contextlib.suppress(Exception):  # a broken display costs no verdict
                on_started()
        verdicts = [f.result() for f in futures]
        self._store_verdicts(proof_id, verdicts)
        try:
            found = self.db.proof(proof_id)
        except JournalError:
            found = None
        if found is not None:
            return found
        # The verdicts are known even when they could not be read back.
        return Proof(
            id=proof_id, app=plan.app, author=self.operator, profile=self.settings.profile,
            environment=self.settings.environment.value, created_at=now,
            payload=plan.payload, payload_text=text, payload_sha256=sha256_hex(text),
            cap=plan.cap, approvals_required=self.approvals_required, status=PENDING,
            devices=tuple(verdicts), record_id=record_id,
        )  # fmt: skip

    def _send_one(
        self,
        proof_id: str,
        target: ProofTarget,
        opened: OpenedSend | Exception,
        on_verdict: VerdictCallback | None,
    ) -> DeviceVerdict:
        """One device: its request (its intent is written), its verdict on the record and
        in the table, then the callback. Never raises: whatever happens is this device's
        verdict alone."""
        started = now_from(self._clock)
        result: PushResult | None = None
        if isinstance(opened, OpenedSend):
            try:
                result = self.push.deliver(opened)
                status, reason, detail = _classified(result)
            except Exception as exc:
                status, reason, detail = _failure(exc)
        else:
            status, reason, detail = _failure(opened)
        finished = now_from(self._clock)
        verdict = DeviceVerdict(
            proof_id=proof_id,
            installation_id=target.installation_id,
            store=target.store,
            label=target.label,
            owner=target.owner,
            platform=target.platform,
            provider=target.provider,
            apns_environment=target.apns_environment,
            token=target.token,
            token_state=target.token_state,
            status=status,
            reason=reason,
            detail=detail,
            message_id=result.message_id if result else None,
            latency_ms=result.latency_ms if result else None,
            ambiguous=result.ambiguous if result else None,
            sent_at=started,
            finished_at=finished,
        )
        # On screen as soon as it is known (the sender has written its outcome already);
        # the bookkeeping below queues for the journal's lock behind the other devices.
        # A broken display must not cost the other devices their verdicts.
        if on_verdict is not None:
            with contextlib.suppress(Exception):
                on_verdict(verdict)
        try:
            record_id = self.journal.record(
                "proof.device",
                installation_id=target.installation_id,
                outcome=status,
                details={
                    "proof": proof_id,
                    "label": target.label,
                    "reason": reason,
                    "message_id": verdict.message_id,
                },
            )
        except JournalError:
            return verdict
        return replace(verdict, record_id=record_id)

    def _store_verdicts(self, proof_id: str, verdicts: list[DeviceVerdict]) -> None:
        """Every device's verdict in the proof's table, in one transaction. When it cannot
        be written the rows stay "pending" (outcome unknown); the journal has them."""
        rows = [
            (
                v.installation_id,
                {
                    "status": v.status,
                    "reason": None if v.reason is None else field(v.reason, 200),
                    "detail": v.detail,
                    "message_id": None if v.message_id is None else field(v.message_id, 200),
                    "latency_ms": v.latency_ms,
                    "ambiguous": v.ambiguous,
                    "sent_at": v.sent_at,
                    "finished_at": v.finished_at,
                    "record_id": v.record_id,
                },
            )
            for v in verdicts
        ]
        with contextlib.suppress(JournalError):
            self.db.finish_devices(proof_id, rows)

    def _rate_problem(self, now: Any) -> str | None:
        """The operator's per-minute cap, with a proof counted as one action: the
        journal's push intents of the last minute that belong to no proof, plus the
        proofs made in it. Counted here from the records themselves, so the count is
        the same whether or not the journal's own count knows of proofs."""
        cap = self.settings.push_max_per_minute
        if not math.isfinite(cap) or cap < 0:
            return (
                f"INSPECTOR_PUSH_MAX_PER_MINUTE is {cap!r}, not a limit: no send until it is"
                " corrected"
            )
        if cap == 0:
            return None
        actions = self._actions_since(now - CAP_WINDOW)
        if actions >= cap:
            return (
                f"rate limit: {self.operator} took {actions} push actions in the last minute"
                f" (a proof counts as one; limit {cap:g}, INSPECTOR_PUSH_MAX_PER_MINUTE);"
                " wait a minute"
            )
        return None

    def _actions_since(self, since: Any) -> int:
        # The journal counts a proof once: its record, not the intents that refer to it.
        return self.journal.sends_since(self.operator, since)

    # -- reading --------------------------------------------------------------------

    def proofs(self, *, limit: int = 50) -> list[Proof]:
        """This profile's proofs, newest first."""
        return self.db.proofs(self.settings.profile, limit=limit)

    def proof(self, proof_id: str) -> Proof:
        """SignoffNotFound when there is no such proof in this profile."""
        pid = (proof_id or "").strip()
        if not pid or len(pid) > 32 or has_unsafe(pid):
            raise SignoffNotFound(f"no proof {clip(pid, 40)!r}")
        proof = self.db.proof(pid)
        if proof is None:
            raise SignoffNotFound(f"no proof {pid}")
        if proof.profile != self.settings.profile:
            raise SignoffNotFound(
                f"proof {pid} belongs to profile {proof.profile}, not {self.settings.profile}"
            )
        return proof

    # -- signing off ----------------------------------------------------------------

    def approve(self, proof_id: str, comment: str | None = None) -> Proof:
        return self._sign(proof_id, APPROVE, comment)

    def reject(self, proof_id: str, comment: str) -> Proof:
        return self._sign(proof_id, REJECT, comment)

    def _sign(self, proof_id: str, decision: str, comment: str | None) -> Proof:
        words = "a rejection" if decision == REJECT else "an approval"
        comment = checked_comment(comment, required=decision == REJECT, what=words)
        proof = self.proof(proof_id)
        action = f"proof.{decision}"
        details = {"proof": proof.id, "payload_sha256": proof.payload_sha256}
        problem = self.signoff_problem(proof, decision)
        if problem:
            record_refusal(self.journal, action, problem, details=details)
            raise SignoffRefused(problem)
        record_id = self.journal.record(
            action, outcome="ok", details={**details, "comment": comment}
        )
        signoff = SignOff(self.operator, decision, comment, now_from(self._clock), record_id)
        try:
            return self.db.add_signoff(
                proof.id, signoff, lambda p: self.signoff_problem(p, decision)
            )
        except SignoffRefused as exc:
            # Lost a race (the same operator twice, a rejection in between): the record
            # of the attempt is followed by its refusal.
            attempt = {**details, "attempt": record_id}
            record_refusal(self.journal, action, str(exc), details=attempt)
            raise

    def signoff_problem(self, proof: Proof, decision: str) -> str | None:
        """Why this operator may not sign off the proof so, or None (for a screen to
        grey out its buttons; the sign-off checks again under the proof's lock)."""
        if sha256_hex(proof.payload_text) != proof.payload_sha256:
            return (
                f"proof {proof.id}'s stored payload does not match its hash: it was altered,"
                " so it cannot be signed off"
            )
        mine = [s for s in proof.signoffs if s.operator == self.operator]
        if mine:
            given = "approved" if mine[0].decision == APPROVE else "rejected"
            return f"{self.operator} already {given} proof {proof.id}: one sign-off per operator"
        if decision == APPROVE:
            if proof.author == self.operator:
                return (
                    f"{self.operator} wrote proof {proof.id}: its author cannot approve it;"
                    " another operator must"
                )
            if proof.status == REJECTED:
                by = ", ".join(s.operator for s in proof.signoffs if s.decision == REJECT)
                return f"proof {proof.id} was rejected by {by}: send a new proof"
            if proof.accepted == 0:
                return f"no test device accepted proof {proof.id}: nobody has seen it to approve"
        return None

    # -- export ---------------------------------------------------------------------

    def export(self, proof_id: str) -> dict[str, Any]:
        """The approved payload with its sign-offs, for the campaign tool; refused
        (SignoffRefused) unless the proof is approved. The export is a journal record."""
        proof = self.proof(proof_id)
        status = proof_status(proof.signoffs, proof.approvals_required)
        if proof.status != APPROVED or status != APPROVED:
            have = f"{proof.approvals} of {proof.approvals_required} approvals"
            raise SignoffRefused(
                f"proof {proof.id} is {status} ({have}): only an approved proof is exported"
            )
        if sha256_hex(proof.payload_text) != proof.payload_sha256:
            raise SignoffRefused(
                f"proof {proof.id}'s stored payload does not match its hash: it was altered,"
                " so it is not exported"
            )
        record_id = self.journal.record(
            "proof.export",
            outcome="ok",
            details={"proof": proof.id, "payload_sha256": proof.payload_sha256},
        )
        return {
            "proof_id": proof.id,
            "app": proof.app,
            "status": APPROVED,
            "author": proof.author,
            "profile": proof.profile,
            "environment": proof.environment,
            "created_at": proof.summary_dict()["created_at"],
            "payload": proof.payload,
            "payload_sha256": proof.payload_sha256,
            "approvals_required": proof.approvals_required,
            "sign_offs": [s.to_dict() for s in proof.signoffs],
            "devices": [
                {
                    "installation_id": d.installation_id,
                    "label": d.label,
                    "owner": d.owner,
                    "status": d.status,
                    "reason": d.reason,
                }
                for d in proof.devices
            ],
            "record_id": proof.record_id,
            "export_record_id": record_id,
            "exported_by": self.operator,
        }


def _checked_app(app: str) -> str:
    text = (app or "").strip()
    if not text:
        raise SignoffRefused("a proof needs an app (--app: its app id or bundle id)")
    if len(text) > APP_MAX or has_unsafe(text):
        raise SignoffRefused("the app must be an app id or bundle id on one line")
    return text


def _skip(device: TestDevice, kind: str, reason: str, inst: Installation | None) -> ProofSkip:
    return ProofSkip(
        installation_id=device.installation_id,
        store=inst.store if inst else "",
        label=device.label,
        owner=device.owner,
        kind=kind,
        reason=reason,
        platform=inst.platform if inst else None,
        provider=wire_format(inst) if inst else None,
        apns_environment=inst.apns_environment if inst and wire_format(inst) == "apns" else None,
        token=mask_token(inst.push_token) if inst else None,
        token_state=facts.token_words(inst) if inst else None,
    )


def _failure(exc: BaseException) -> tuple[str, str, str]:
    """A device's verdict when its send did not come back: refused before any request,
    or failed."""
    if isinstance(exc, InstallationNotFound):
        return REFUSED, SKIP_NOT_IN_STORE, str(exc)
    if isinstance(exc, JournalUnavailable):
        return REFUSED, "journal", str(exc)
    if isinstance(exc, PushRefused):
        return REFUSED, "refused", str(exc)
    if isinstance(exc, PushError):
        return FAILED, "error", str(exc)
    # A defect or a driver's error: this device's row only.
    return FAILED, type(exc).__name__, clip(str(exc), 300)


def _classified(result: PushResult) -> tuple[str, str | None, str]:
    if result.ok:
        return ACCEPTED, None, result.explanation
    if kind(result) in ("token", "payload", "credentials"):
        return PROVIDER_REJECTED, result.reason, result.explanation
    return FAILED, result.reason, result.explanation


def _device_columns(
    proof_id: str, iid: str, store: str, label: str, owner: str, status: str
) -> dict[str, Any]:
    return {
        "proof_id": proof_id,
        "installation_id": field(iid, 128),
        "store": field(store, 64),
        "label": field(label, 200),
        "owner": field(owner, 200),
        "status": status,
    }


def _target_row(proof_id: str, t: ProofTarget) -> dict[str, Any]:
    return {
        **_device_columns(proof_id, t.installation_id, t.store, t.label, t.owner, SENDING),
        "platform": t.platform,
        "provider": t.provider,
        "apns_environment": t.apns_environment,
        "token": t.token,
        "token_state": field(t.token_state, 64),
        "reason": None,
        "detail": None,
    }


def _skip_row(proof_id: str, s: ProofSkip) -> dict[str, Any]:
    return {
        **_device_columns(proof_id, s.installation_id, s.store, s.label, s.owner, SKIPPED),
        "platform": s.platform,
        "provider": s.provider,
        "apns_environment": s.apns_environment,
        "token": s.token,
        "token_state": None if s.token_state is None else field(s.token_state, 64),
        "reason": s.kind,
        "detail": s.reason,
    }


def _create_details(proof_id: str, plan: ProofPlan, service: ProofService) -> dict[str, Any]:
    payload = plan.payload
    return {
        "proof": proof_id,
        "app": plan.app,
        "payload_sha256": plan.payload_sha256,
        "title": payload["title"],
        "body": payload["body"],
        "data_keys": sorted(payload["data"]),
        "deep_link": payload["deep_link"],
        "cap": plan.cap,
        "approvals_required": service.approvals_required,
        "targets": [t.installation_id for t in plan.targets],
        "skipped": [{"installation_id": s.installation_id, "skip": s.kind} for s in plan.skipped],
    }
