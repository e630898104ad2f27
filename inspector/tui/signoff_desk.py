"""The sign-off services of one profile, for the UI: proofs and approval requests over
the profile's journal database, sending through the profile's own push providers.

Plain Python (no Textual): the app keeps one desk per Services (InspectorApp.
signoff_desk) and closes it with them, so proofs and approvals belong to the profile
they were opened under and leave on a switch like the rest. `open()` blocks (a worker
thread): it may wait for the store, and opens the sign-off tables.

The proof's sender is the single-device sender with the operator's per-minute cap left
to the proof (ProofService.push); it is given the app's own providers, through
`shared_providers`, so a proof opens no second set of connections or OAuth tokens.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from inspector.errors import describe_error, first_line

if TYPE_CHECKING:
    from inspector.push import PushResult, PushService
    from inspector.push.model import Outgoing, Provider
    from inspector.services import Services
    from inspector.signoff import ApprovalService, ProofService, SignoffStore
    from inspector.store.records import Installation
    from inspector.store.repository import StoreRepository

# At most this many apps are offered (a store has a handful; a hostile one is cut).
APPS_MAX = 500


class DeskUnavailable(Exception):
    """Proofs and approvals cannot be used in this profile now; one line, terminal-safe."""


def error_words(exc: BaseException) -> str:
    """A sign-off refusal in its own words (the rules speak for themselves); anything
    else as the error table words it. Terminal-safe."""
    from inspector.signoff import SignoffError

    if isinstance(exc, SignoffError | DeskUnavailable):
        return first_line(exc, 400)
    return describe_error(exc)


@dataclass(frozen=True)
class AppChoice:
    """An app a proof can be for: a bundle id (the app on each platform) or one app id.
    Values from the store: escaped where shown."""

    value: str
    label: str


class _AppProvider:
    """One wire format of the app's sender, as the proof's sender sees it: the app's own
    provider, built by the app's sender on first use (under its lock). Closing it is the
    app sender's business."""

    simulated = False

    def __init__(self, push: PushService, wire: str) -> None:
        self._push = push
        self.name = wire

    def problem(self, installation: Installation) -> str | None:
        return self._push.provider_for(installation).problem(installation)

    def host_for(self, installation: Installation) -> str | None:
        from inspector.push import PushError

        # Only for display: a provider that cannot be built names no host (its send says why).
        try:
            return self._push.provider_for(installation).host_for(installation)
        except PushError:
            return None

    def send(self, push: Outgoing, *, dry_run: bool) -> PushResult:
        return self._push.provider_for(push.installation).send(push, dry_run=dry_run)

    def check_token(self, push: Outgoing) -> PushResult:
        return self._push.provider_for(push.installation).check_token(push)

    def close(self) -> None:
        return None


def shared_providers(push: PushService) -> Mapping[str, Provider]:
    """The providers of the app's sender: those it holds (the demo's simulated one, those
    it was given, those it has built), and for the others its own, built by it when
    first used."""
    return {
        wire: provider if provider is not None else _AppProvider(push, wire)
        for wire, provider in push.providers().items()
    }


def store_apps(store: StoreRepository) -> tuple[AppChoice, ...]:
    """Blocking: the apps of the store (each regional store's), as a proof's choices: a
    bundle id first (the same app on iOS and Android), then each app id of a bundle
    that has several."""
    found = {a.app_id: (a.name, a.platform, a.bundle_id) for a in store.apps(limit=APPS_MAX)}
    by_bundle: dict[str, list[tuple[str, str, str]]] = {}
    for app_id, (name, platform, bundle) in sorted(found.items()):
        by_bundle.setdefault(bundle, []).append((app_id, name, platform))
    choices: list[AppChoice] = []
    for bundle, members_of in sorted(by_bundle.items()):
        names = ", ".join(f"{name} ({platform})" for _, name, platform in members_of)
        choices.append(AppChoice(bundle, f"{bundle} · {names}"))
    for bundle, members_of in sorted(by_bundle.items()):
        if len(members_of) > 1:
            for app_id, name, platform in members_of:
                if app_id != bundle:
                    choices.append(AppChoice(app_id, f"{app_id} · {name} ({platform}) only"))
    return tuple(choices[:APPS_MAX])


class SignoffDesk:
    """Proofs and approvals of one Services; opened once, on first use, in a worker."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self._lock = threading.Lock()
        self._closed = False
        self._db: SignoffStore | None = None
        self._approvals: ApprovalService | None = None
        self._proofs: ProofService | None = None
        # The push service the proof service sends through (None: it only reads and signs).
        self._proofs_push: PushService | None = None
        self._retired: list[ProofService] = []

    def open(self) -> tuple[ProofService, ApprovalService]:
        """Blocking (a worker thread): the proof and approval services of the profile.
        DeskUnavailable (words) without a journal; OperatorIdentityError when the
        profile names no operator; JournalError when the tables cannot be opened. The
        proof service sends through the profile's push service once it is open (until
        then it reads and signs off only)."""
        from inspector.signoff import ApprovalService, ProofService, SignoffStore
        from inspector.signoff.identity import effective_operator

        services = self.services
        settings = services.settings
        effective_operator(settings)
        store: StoreRepository | None
        try:
            # Waits for the first attempt to open the store and the journal.
            store = services.store()
        except Exception:
            store = None  # read and sign off; a proof says the store is not open
        journal = services.journal
        if journal is None:
            raise DeskUnavailable(
                "the journal is not open: proofs and approvals are journal records, so"
                " they cannot be used"
            )
        with self._lock:
            if self._closed:
                raise DeskUnavailable("this profile is being closed")
            if self._db is None:
                self._db = SignoffStore.open(settings)
            if self._approvals is None:
                self._approvals = ApprovalService(settings, journal, self._db)
            push = services.push
            if self._proofs is None or (push is not None and push is not self._proofs_push):
                if self._proofs is not None:
                    self._retired.append(self._proofs)
                providers = shared_providers(push) if push is not None else {}
                self._proofs = ProofService(
                    settings,
                    store if push is not None else None,
                    journal,
                    self._db,
                    providers=providers,
                )
                self._proofs_push = push
            return self._proofs, self._approvals

    def apps(self) -> tuple[AppChoice, ...]:
        """Blocking: the apps of the profile's store (StoreError when it cannot be read)."""
        return store_apps(self.services.store())

    def close(self) -> None:
        """Waits for proofs still sending (their verdicts are written), then closes."""
        with self._lock:
            self._closed = True
            proofs = [*self._retired, *([self._proofs] if self._proofs else [])]
            db, self._db, self._proofs, self._retired = self._db, None, None, []
        for service in proofs:
            with contextlib.suppress(Exception):  # on the way out: nothing left to tell
                service.close()
        if db is not None:
            with contextlib.suppress(Exception):
                db.close()
