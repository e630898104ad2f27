"""The single-target sender: one installation id in, at most one provider request out.

There is no function here that takes a query, a segment, a topic or a list: `send`
takes one PreparedPush, re-reads its installation from the store, checks policy and rate
limits, uses up the approval it carries (policy `approval`), writes the intent to the
journal (nothing is sent if that fails), makes exactly one provider request and writes
the outcome.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from functools import partial
from typing import Any

from inspector.config import Environment, Settings
from inspector.journal import Intent, IntentRefused, Journal, JournalError
from inspector.lookup import QueryError, check_installation_id
from inspector.masking import mask_token
from inspector.push.model import (
    ApprovalGate,
    ApprovalUse,
    Compose,
    Content,
    InstallationNotFound,
    JournalUnavailable,
    Outgoing,
    Provider,
    PushError,
    PushRefused,
    PushResult,
    ValidationRefused,
)
from inspector.push.payload import (
    build_payload,
    check_size,
    content_for,
    payload_size,
    wire_format,
    with_record,
)
from inspector.push.policy import (
    access_problem,
    device_warnings,
    limits_problem,
    policy_problem,
    rate_problem,
    switch_or_address_problem,
)
from inspector.push.prepared import PreparedPush
from inspector.push.simulated import SimulatedProvider
from inspector.safetext import clip, escape
from inspector.store.errors import StoreError
from inspector.store.records import Installation
from inspector.store.repository import StoreRepository

CHECK_COMPOSE = Compose(title="Token check", body="validate only: never delivered")
# The ids of approval requests and proofs (inspector.signoff.storage.new_id).
REFERENCE = re.compile(r"[a-z]-[0-9a-f]{1,30}")


@dataclass(frozen=True)
class OpenedSend:
    """A send whose intent is on the record: its one request is all that is left."""

    installation: Installation
    provider: Provider
    content: Content
    intent: int


@dataclass(frozen=True)
class _Ready:
    """A send that passed its checks, before its intent is written."""

    installation: Installation
    provider: Provider
    content: Content
    details: dict[str, Any]


class PushService:
    def __init__(
        self,
        settings: Settings,
        store: StoreRepository,
        journal: Journal | None,
        providers: Mapping[str, Provider] | None = None,
        *,
        approvals: ApprovalGate | None = None,
    ) -> None:
        """`providers` maps a wire format ("fcm", "apns") to its provider; when None, the
        real providers are built from the settings on first use. `approvals` verifies and
        uses up the approval a send carries (inspector.signoff.ApprovalService; it may be
        set later): without it, a send with `approved=` is refused."""
        self.settings = settings
        self.store = store
        self.journal = journal
        self.approvals = approvals
        self._providers: dict[str, Provider] = dict(providers or {})
        self._build_missing = providers is None
        # Proofs send from several threads: a provider is built once, by one of them.
        self._providers_lock = threading.Lock()

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        store: StoreRepository,
        journal: Journal | None,
        *,
        approvals: ApprovalGate | None = None,
    ) -> PushService:
        """The demo sends through the simulated provider; anything else through FCM/APNs."""
        if settings.is_demo or settings.environment is Environment.DEMO:
            sim = SimulatedProvider()
            return cls(settings, store, journal, {"fcm": sim, "apns": sim}, approvals=approvals)
        return cls(settings, store, journal, approvals=approvals)

    # -- checks ------------------------------------------------------------------

    def policy_problem(self, installation: Installation, *, approved: bool = False) -> str | None:
        """Why a send to this installation is refused now, or None. `approved`: the send
        will carry an approval request (policy `approval`)."""
        return policy_problem(self.settings, self.journal, installation, approved=approved)

    def rate_problem(self, installation: Installation, now: datetime | None = None) -> str | None:
        return rate_problem(self.settings, self.journal, installation, now)

    def is_simulated(self, installation: Installation) -> bool:
        """Whether a send to this installation goes to the demo's simulated provider."""
        provider = self._providers.get(wire_format(installation) or "")
        return provider is not None and provider.simulated

    # -- building ----------------------------------------------------------------

    def preview(self, installation: Installation, compose: Compose) -> PreparedPush:
        """The payload and summary for a compose, with no I/O and no policy: for live
        display while typing. Raises PushRefused for a compose that cannot be built."""
        wire = wire_format(installation) or "fcm"
        content = content_for(installation, compose, self.settings.operator)
        provider = self._providers.get(wire)
        return PreparedPush(
            installation=installation,
            provider=provider.name if provider is not None else wire,
            simulated=provider is not None and provider.simulated,
            wire=wire,
            compose=compose,
            content=content,
            payload=build_payload(installation, content),
            payload_bytes=payload_size(installation, content),
            environment=self.settings.environment.value,
            store_label=self._store_label(installation),
            profile=self.settings.profile,
            profile_label=self.settings.display_name,
            store_name=installation.store,
            operator=self.settings.operator,
            provider_host=provider.host_for(installation) if provider is not None else None,
            warnings=tuple(device_warnings(installation)),
        )

    def prepare(
        self,
        installation_id: str,
        compose: Compose,
        *,
        dry_run: bool = False,
        store: str = "",
        approved: str | None = None,
    ) -> PreparedPush:
        """Re-read the installation from `store` (the name of the store it was found in,
        "" for a profile's one store), apply policy, build the exact payload. A dry run is
        a validation: only the off switch and the device's address apply to it, not the
        test-device list nor the rate limits, which are about sends. `approved`: the
        approval request the send will carry (send it with the same `approved=`); it is
        verified and used by the send, not here."""
        installation = self._reread(installation_id, store)
        if dry_run:
            if approved is not None:
                raise ValidationRefused("an approval is used by a send, not by a dry run")
            self._validating_provider(installation)
        else:
            if approved is not None:
                self._gate(_reference(approved, "an approval request"))
            self._allowed_provider(installation, approved=approved is not None)
        prepared = self.preview(installation, compose)
        check_size(prepared.payload_bytes)
        return prepared

    # -- sending -----------------------------------------------------------------

    def send(
        self,
        prepared: PreparedPush,
        *,
        dry_run: bool = False,
        approved: str | None = None,
        proof: str | None = None,
        proof_record: int | None = None,
    ) -> PushResult:
        """Send what was confirmed: through this service only when it was prepared here
        (same profile), after a re-read from the store the installation came from.

        `approved`: the id of an approval request (policy `approval`). After the re-read
        and the route, size, policy and rate checks, and before the intent, the request
        is verified against the installation as re-read and this payload, and used up
        (once, whoever else tries): ApprovalRefused, with zero requests, when it cannot
        be. `proof`: the id of the proof this send belongs to. Both go into the intent's
        details; the result carries the approval it used. `proof_record`: the journal
        record of that proof, which the intent refers to (so the proof counts once
        against the operator's cap, not once per device)."""
        self._check_profile(prepared)
        request_id = None if approved is None else _reference(approved, "an approval request")
        proof_id = None if proof is None else _reference(proof, "a proof")
        if dry_run and (request_id or proof_id):
            raise ValidationRefused("a dry run is no send: it carries no approval nor proof")
        gate = None if request_id is None else self._gate(request_id)
        installation = self._current(prepared)
        if dry_run:
            return self._dry_run(installation, prepared.content)
        ready = self._ready(installation, prepared, approved=gate is not None)
        journal = self._journal("a send writes its intent first, so nothing was sent")
        used: ApprovalUse | None = None
        if gate is not None and request_id is not None:
            # The limits first: an approval used up by a send they then refuse is lost.
            _refuse(self.rate_problem(installation))
            try:
                used = gate.claim(request_id, installation=installation, compose=prepared.compose)
            except JournalError as exc:
                raise JournalUnavailable(
                    f"the approval's use cannot be read or recorded, so nothing was sent: {exc}"
                ) from None
            ready.details["approval_request"] = used.request_id
            ready.details["approval_record"] = used.record_id
        if proof_id is not None:
            ready.details["proof"] = proof_id
        (opened,) = self._open(journal, [ready], ref_id=proof_record if proof_id else None)
        if not isinstance(opened, OpenedSend):
            raise opened
        result = self.deliver(opened)
        return result if used is None else replace(result, approval=used)

    def open_sends(
        self, prepared: Sequence[PreparedPush], *, proof: str, proof_record: int
    ) -> list[OpenedSend | Exception]:
        """The first half of a proof's sends, to every device at once: each re-read and
        checked as `send` does, then all their intents written in one journal
        transaction (each device's cooldown read under its lock), so no send waits for
        the others' records. Returns, in the order given, each send opened (`deliver`
        makes its one request) or why it cannot be (PushRefused, InstallationNotFound,
        JournalUnavailable, PushError, or a defect's exception). Nothing is requested
        here."""
        proof_id = _reference(proof, "a proof")
        known = self._test_device_ids()
        checked: list[_Ready | Exception] = []
        for one in prepared:
            try:
                self._check_profile(one)
                ready = self._ready(self._current(one), one, test_devices=known)
            except Exception as exc:  # this device's verdict alone
                checked.append(exc)
                continue
            ready.details["proof"] = proof_id
            checked.append(ready)
        readies = [c for c in checked if isinstance(c, _Ready)]
        try:
            journal = self._journal("a send writes its intent first, so nothing was sent")
        except JournalUnavailable as exc:
            opened: list[OpenedSend | Exception] = [exc] * len(readies)
        else:
            opened = list(self._open(journal, readies, ref_id=proof_record))
        done = iter(opened)
        return [next(done) if isinstance(c, _Ready) else c for c in checked]

    def deliver(self, opened: OpenedSend) -> PushResult:
        """The one request of a send whose intent is written, and its outcome on the
        record."""
        return self._deliver(
            opened.provider, opened.installation, opened.content, opened.intent, dry_run=False
        )

    def check_token(self, installation_id: str, *, store: str = "") -> PushResult:
        """FCM: a validate_only request (never shown on the device). APNs has no dry run.
        `store`: the store the installation was found in, as for prepare."""
        installation = self._reread(installation_id, store)
        content = content_for(installation, CHECK_COMPOSE, self.settings.operator)
        return self._dry_run(installation, content, token_check=True)

    def close(self) -> None:
        for provider in {id(p): p for p in self._providers.values()}.values():
            provider.close()

    # -- its providers, shared with another sender of the profile (a proof's) -------

    def providers(self) -> dict[str, Provider | None]:
        """Each wire format it sends to, with the provider it holds now, or None for one
        it builds on first use (`provider_for`): another sender can share them, and open
        no second set of connections or tokens. Nothing is built here."""
        wires: dict[str, Provider | None] = dict(self._providers)
        if self._build_missing:
            for wire in ("fcm", "apns"):
                wires.setdefault(wire, None)
        return wires

    def provider_for(self, installation: Installation) -> Provider:
        """The provider a send to this installation goes through, built on first use
        (once, whichever thread asks first). PushRefused for an unknown provider,
        PushError when none can be had for it."""
        return self._provider(installation)

    # -- internals ---------------------------------------------------------------

    def _allowed_provider(self, installation: Installation, *, approved: bool = False) -> Provider:
        """The provider for a real send: policy and rate limits first, then its own check."""
        _refuse(self.policy_problem(installation, approved=approved))
        return self._addressing_provider(installation)

    def _gate(self, request_id: str) -> ApprovalGate:
        if self.approvals is None:
            raise PushRefused(
                f"approval request {request_id} cannot be used here: this sender has no"
                " approvals service"
            )
        return self.approvals

    def _validating_provider(self, installation: Installation) -> Provider:
        """The provider for a dry run or token check: the off switch and the address."""
        _refuse(switch_or_address_problem(self.settings, installation, validation=True),
                ValidationRefused)  # fmt: skip
        return self._addressing_provider(installation, ValidationRefused)

    def _addressing_provider(
        self, installation: Installation, refused: type[PushRefused] = PushRefused
    ) -> Provider:
        """The installation's provider, refused when it cannot address the installation."""
        provider = self._provider(installation)
        _refuse(provider.problem(installation), refused)
        return provider

    def _dry_run(
        self, installation: Installation, content: Content, *, token_check: bool = False
    ) -> PushResult:
        """A validate-only request (FCM) or a locally checked one (APNs): no notification,
        so neither the test-device list nor the rate limits apply; the off switch does.
        It writes a token.check record, never an intent: it does not count as a send."""
        provider = self._validating_provider(installation)
        contacts_provider = wire_format(installation) == "fcm"
        if not contacts_provider:
            # APNs has no dry run: the request is at most built and checked locally, so
            # there is nothing to journal.
            push = Outgoing(installation, content, build_payload(installation, content))
            if token_check:
                return provider.check_token(push)
            return provider.send(push, dry_run=True)
        journal = self._journal("a check is journaled first, so nothing was checked")
        details = self._intent_details(installation, content, None)
        try:
            intent = journal.record(
                "token.check",
                installation_id=installation.installation_id,
                outcome="intent",
                details={**details, "provider": provider.name},
            )
        except JournalError as exc:
            raise JournalUnavailable(
                f"the journal cannot be written, so nothing was checked: {exc}"
            ) from None
        return self._deliver(
            provider, installation, with_record(content, intent), intent, dry_run=True
        )

    def _deliver(
        self,
        provider: Provider,
        installation: Installation,
        content: Content,
        intent: int,
        *,
        dry_run: bool,
    ) -> PushResult:
        push = Outgoing(installation, content, build_payload(installation, content))
        try:
            result = provider.send(push, dry_run=dry_run)
        except Exception as exc:
            self._write_outcome(
                intent,
                installation,
                dry_run,
                outcome="error",
                details={"error": type(exc).__name__},
            )
            raise PushError(f"the {provider.name} provider failed: {type(exc).__name__}") from exc
        outcome = "ok" if result.ok else (result.reason or "failed")
        written = self._write_outcome(
            intent, installation, dry_run, outcome=outcome, details=_outcome_details(result)
        )
        if not written:
            result = replace(
                result,
                explanation=result.explanation + " (The outcome could not be written to the"
                " journal.)",
            )
        return result

    def _write_outcome(
        self,
        intent: int,
        installation: Installation,
        dry_run: bool,
        *,
        outcome: str,
        details: dict[str, Any],
    ) -> bool:
        journal = self._journal("the outcome cannot be written")
        try:
            if dry_run:
                journal.record(
                    "token.check",
                    installation_id=installation.installation_id,
                    outcome=outcome,
                    details={"intent_id": intent, **details},
                )
            else:
                journal.push_outcome(
                    intent,
                    installation_id=installation.installation_id,
                    outcome=outcome,
                    details=details,
                )
        except JournalError:
            return False
        return True

    def _journal(self, consequence: str) -> Journal:
        if self.journal is None:
            raise JournalUnavailable(f"no journal is open: {consequence}")
        return self.journal

    def _current(self, prepared: PreparedPush) -> Installation:
        """The installation re-read from its store, refused when its route changed since
        the confirmation or the payload is too big for it."""
        installation = self._reread(
            prepared.installation.installation_id, prepared.installation.store
        )
        if _route(installation) != _route(prepared.installation):
            raise PushRefused(
                "the installation's token, provider or environment changed since the"
                " confirmation: review it again"
            )
        check_size(prepared.payload_bytes)
        return installation

    def _ready(
        self,
        installation: Installation,
        prepared: PreparedPush,
        *,
        approved: bool = False,
        test_devices: frozenset[str] | None = None,
    ) -> _Ready:
        """Policy, then the provider that can address the installation: what its intent
        records."""
        _refuse(
            access_problem(
                self.settings, self.journal, installation,
                approved=approved, test_devices=test_devices,
            )
        )  # fmt: skip
        provider = self._addressing_provider(installation)
        details = self._intent_details(installation, prepared.content, prepared)
        return _Ready(installation, provider, prepared.content, details)

    def _test_device_ids(self) -> frozenset[str] | None:
        """The test devices' ids, read once for many sends; None when they cannot be read
        (each send then asks for itself, and says why it cannot)."""
        if self.journal is None:
            return None
        try:
            return frozenset(d.installation_id for d in self.journal.test_devices())
        except JournalError:
            return None

    def _open(
        self, journal: Journal, readies: Sequence[_Ready], *, ref_id: int | None
    ) -> list[OpenedSend | Exception]:
        """Their intents, in one transaction; the rate limits read under its lock, so a
        send racing from another inspector cannot pass them too."""
        try:
            written = journal.push_intents(
                [Intent(r.installation.installation_id, r.provider.name, r.details)
                 for r in readies],
                limit=partial(limits_problem, self.settings),
                ref_id=ref_id,
            )  # fmt: skip
        except JournalError as exc:
            failed = JournalUnavailable(
                f"the journal cannot be written, so nothing was sent: {exc}"
            )
            return [failed] * len(readies)
        return [
            PushRefused(str(w)) if isinstance(w, IntentRefused)
            else OpenedSend(r.installation, r.provider, with_record(r.content, w), w)
            for r, w in zip(readies, written, strict=True)
        ]  # fmt: skip

    def _intent_details(
        self, installation: Installation, content: Content, prepared: PreparedPush | None
    ) -> dict[str, Any]:
        return {
            # Which profile and which of its stores: read back by `audit list`.
            "profile": self.settings.profile,
            "store": installation.store,
            "wire": wire_format(installation),
            "app_id": installation.app.app_id,
            "apns_environment": installation.apns_environment,
            "token": mask_token(installation.push_token),
            "title": content.title,
            "body": content.body,
            "data_keys": sorted(content.data),
            "deep_link": content.deep_link,
            "collapse_id": content.collapse_id,
            "marked": content.marked,
            "payload_bytes": prepared.payload_bytes if prepared else None,
        }

    def _reread(self, installation_id: str, store: str) -> Installation:
        """The installation as its own store holds it now (never another region's). ""
        asks the profile's one store, or (regional stores) the one that holds it: the
        prepared push then names that store, and the send re-reads from it alone."""
        try:
            iid = check_installation_id(installation_id or "")
        except QueryError as exc:
            raise PushRefused(str(exc)) from None
        where = f"the store {escape(store)}" if store else "the store"
        try:
            installation = self.store.get(iid, store=store)
        except StoreError as exc:
            raise PushError(f"cannot read the installation from {where}: {exc}") from None
        if installation is None:
            raise InstallationNotFound(f"no installation {iid} in {where}")
        if store and installation.store != store:
            # A store that answers for another: never send on the word of the wrong region.
            raise PushError(f"{where} answered with an installation of another store")
        return installation

    def _store_label(self, installation: Installation) -> str:
        """host/database of the store the installation came from (never a password)."""
        for spec in self.settings.stores:
            if spec.name == installation.store:
                return f"{spec.name}: {spec.label}" if spec.name else spec.label
        return self.store.label

    def _check_profile(self, prepared: PreparedPush) -> None:
        """A send goes through the services of the profile it was confirmed in."""
        mine = (self.settings.profile, self.settings.environment.value)
        if (prepared.profile, prepared.environment) != mine:
            raise PushRefused(
                f"this push was confirmed in profile {escape(prepared.profile)}"
                f" ({prepared.environment}), not in profile {escape(self.settings.profile)}"
                f" ({self.settings.environment.value}): nothing was sent"
            )

    def _provider(self, installation: Installation) -> Provider:
        wire = wire_format(installation)
        if wire is None:
            raise PushRefused(
                f"unknown push provider {installation.push_provider!r} (expected apns or fcm)"
            )
        provider = self._providers.get(wire)
        if provider is not None:
            return provider
        with self._providers_lock:
            provider = self._providers.get(wire)
            if provider is None:
                if not self._build_missing:
                    raise PushError(f"no {wire.upper()} provider is configured")
                provider = _build_provider(wire, self.settings)
                self._providers[wire] = provider
            return provider


def _reference(value: str, what: str) -> str:
    """An approval request's or a proof's id, as the sign-off tables make them."""
    text = (value or "").strip()
    if not REFERENCE.fullmatch(text):
        raise PushRefused(f"{escape(clip(text, 40))!r} is not {what} id")
    return text


def _refuse(problem: str | None, refused: type[PushRefused] = PushRefused) -> None:
    if problem:
        raise refused(problem)


def _build_provider(wire: str, settings: Settings) -> Provider:
    if wire == "apns":
        from inspector.push.apns import ApnsProvider

        return ApnsProvider(settings)
    from inspector.push.fcm import FcmProvider

    return FcmProvider(settings)


def _route(installation: Installation) -> tuple[Any, ...]:
    return (
        installation.store,
        installation.push_token,
        installation.push_provider,
        installation.apns_environment,
        installation.app,
        installation.platform,
    )


def _outcome_details(result: PushResult) -> dict[str, Any]:
    details = result.to_dict()
    details.pop("explanation", None)
    return details
