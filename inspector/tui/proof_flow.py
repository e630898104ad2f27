"""Proofs and approvals from the main screen: send a proof, open the Proofs and Approvals
screens, and ask for a second person's approval of a one-off push (push policy
`approval`, from the push flow). Given the main screen they act on; their workers run on
it.

Each flow holds the services of the profile it was started on (the app's sign-off desk
for them, InspectorApp.signoff_desk), never the app's later ones: a profile switch
removes its dialogs and screens (nothing is sent), and a proof already confirmed runs on
the app (app.run_for_profile), its verdicts drawn while its live table is open and its
end notified, naming its profile once another is on screen.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from functools import partial
from typing import TYPE_CHECKING, Any, cast

from inspector.tui.messages import VerdictReady
from inspector.tui.present import SafeLine, profile_words
from inspector.tui.signoff_desk import error_words

if TYPE_CHECKING:
    from inspector.push import PushResult, PushService
    from inspector.services import Services
    from inspector.signoff import (
        ApprovalService,
        DeviceVerdict,
        ProofPlan,
        ProofService,
        PushRequest,
    )
    from inspector.store.records import Installation
    from inspector.tui.app import InspectorApp
    from inspector.tui.screens.main import MainScreen
    from inspector.tui.screens.proof_compose import ProofDraft
    from inspector.tui.screens.proof_live import ProofLiveScreen
    from inspector.tui.signoff_desk import SignoffDesk

# The proof's compose and confirm wait for the user; opening a screen does not.
FLOW_GROUP = "proof-flow"
OPEN_GROUP = "signoff-open"


class ProofFlow:
    def __init__(self, screen: MainScreen) -> None:
        self.screen = screen

    @property
    def app(self) -> InspectorApp:
        """On the event loop only; a worker thread is given it (its screen may be gone)."""
        return cast("InspectorApp", self.screen.app)

    def _desk(self, consequence: str) -> SignoffDesk | None:
        """The desk of the screen's profile, when its journal is there to hold records."""
        if not self.screen.journal_views.journal_or_say_why(consequence):
            return None
        return self.app.signoff_desk(self.screen.services)

    def _run(self, flow: Coroutine[Any, Any, None], group: str) -> None:
        self.screen.run_worker(flow, group=group, exclusive=True, exit_on_error=False)

    async def _open(self, desk: SignoffDesk) -> tuple[ProofService, ApprovalService] | None:
        try:
            return await asyncio.to_thread(desk.open)
        except Exception as exc:
            self.screen.notify(SafeLine(error_words(exc)), severity="error", timeout=10)
            return None

    # -- a proof ------------------------------------------------------------------------

    def proof(self) -> None:
        desk = self._desk("no proof can be sent")
        if desk is None:
            return
        push = self.screen.services.push
        if push is None:
            self.screen.say_unavailable(
                self.screen.services.push_opening,
                "Push is still being set up: try again in a moment.",
                "Push is not configured: no proof can be sent.",
            )
            return
        match = self.screen.device
        default_app = match.installation.app.bundle_id if match is not None else None
        self._run(self._proof_flow(self.screen.services, desk, default_app), FLOW_GROUP)

    async def _proof_flow(
        self, services: Services, desk: SignoffDesk, default_app: str | None
    ) -> None:
        from inspector.tui.screens.proof_compose import ProofComposeScreen
        from inspector.tui.screens.proof_confirm import ProofConfirmScreen
        from inspector.tui.screens.proof_live import ProofLiveScreen

        screen = self.screen
        app = self.app
        opened = await self._open(desk)
        if opened is None:
            return
        proofs, _ = opened
        try:
            apps = await asyncio.to_thread(desk.apps)
        except Exception as exc:
            screen.notify(SafeLine(f"No proof: {error_words(exc)}"), severity="error", timeout=10)
            return
        if not apps:
            screen.notify("No proof: the store has no app.", severity="warning")
            return
        profile = profile_words(services.settings)
        draft: ProofDraft | None = None
        while True:
            draft = await app.push_screen_wait(
                ProofComposeScreen(
                    apps, default_app=default_app, cap=proofs.cap, profile=profile, initial=draft
                )
            )
            if draft is None:
                return
            try:
                plan = await asyncio.to_thread(proofs.plan, draft.app, draft.compose, cap=draft.cap)
            except Exception as exc:
                # Back to the compose, as typed: the reason says what to change.
                screen.notify(
                    SafeLine(f"No proof: {error_words(exc)}"), severity="warning", timeout=10
                )
                continue
            if await app.push_screen_wait(ProofConfirmScreen(plan, profile=profile)):
                break
            screen.notify("Cancelled: nothing was sent.")
            return
        live = ProofLiveScreen(plan, profile=profile)
        send = partial(self._send, app, services, proofs, plan, live)
        app.run_for_profile(services, send, group="proof-send")

    @staticmethod
    def _send(
        app: InspectorApp,
        services: Services,
        proofs: ProofService,
        plan: ProofPlan,
        live: ProofLiveScreen,
    ) -> None:
        """In a thread worker of the app: the proof, on the profile it was confirmed on.
        Each verdict goes to the live table from the thread that got it."""
        from inspector.tui.screens.proof_live import ProofSendEnded, ProofVerdictArrived, summary

        def on_verdict(verdict: DeviceVerdict) -> None:
            live.post_message(ProofVerdictArrived(verdict))

        def show() -> None:
            # Not over another profile switched to meanwhile: its end is notified.
            if app.services is services:
                app.push_screen(live)

        def on_started() -> None:
            # The table is drawn once the requests are on their way, not while the
            # intents are written: drawing would take the interpreter from that. A
            # verdict posted before it is mounted waits in its queue.
            app.call_from_thread(show)

        profile = services.settings.display_name
        try:
            proof = proofs.send(plan, on_verdict=on_verdict, on_started=on_started)
        except Exception as exc:
            words = error_words(exc)
            live.post_message(ProofSendEnded(None, words))
            app.post_message(
                VerdictReady(
                    "", "error", SafeLine(f"Proof not sent: {words}"),
                    services=services, profile=profile, in_place=False,
                )
            )  # fmt: skip
            return
        live.post_message(ProofSendEnded(proof))
        everyone = proof.accepted == len(plan.targets)
        app.post_message(
            VerdictReady(
                "", "ok" if everyone else "warning",
                f"Proof {proof.id} of {plan.app}: {summary(proof)}."
                " It waits for sign-off (Proofs, O).",
                services=services, profile=profile, in_place=False,
            )
        )  # fmt: skip

    # -- the Proofs and Approvals screens --------------------------------------------------

    def proofs(self) -> None:
        desk = self._desk("there are no proofs to show")
        if desk is not None:
            self._run(self._proofs_screen(self.screen.services, desk), OPEN_GROUP)

    async def _proofs_screen(self, services: Services, desk: SignoffDesk) -> None:
        from inspector.tui.screens.proofs import ProofsScreen

        opened = await self._open(desk)
        if opened is not None:
            profile = profile_words(services.settings)
            await self.app.push_screen(ProofsScreen(opened[0], profile=profile))

    def approvals(self) -> None:
        desk = self._desk("there are no approval requests to show")
        if desk is not None:
            self._run(self._approvals_screen(self.screen.services, desk), OPEN_GROUP)

    async def _approvals_screen(
        self, services: Services, desk: SignoffDesk, select: str | None = None
    ) -> None:
        from inspector.tui.screens.approvals import ApprovalsScreen

        opened = await self._open(desk)
        if opened is None:
            return
        app = self.app
        await app.push_screen(
            ApprovalsScreen(
                opened[1],
                services.push,
                profile=profile_words(services.settings),
                run_send=partial(self._run_send, app, services),
                on_sent=partial(_sent, app, services),
                select=select,
            )
        )

    @staticmethod
    def _run_send(app: InspectorApp, services: Services, job: Callable[[], None]) -> None:
        app.run_for_profile(services, job, group="approval-send")

    # -- asking for an approval (push policy `approval`) ----------------------------------

    async def request_approval(
        self, services: Services, push: PushService, installation: Installation
    ) -> None:
        """From the push flow's worker: a device that is not a test device, under the
        `approval` policy. Compose, confirm the exact payload, and put the request on the
        record; another operator approves it in Approvals, then its requester sends it."""
        from inspector.push import PushRefused
        from inspector.push.payload import check_size
        from inspector.tui.screens.push_compose import PushComposeScreen
        from inspector.tui.screens.push_confirm import PushConfirmScreen

        screen = self.screen
        app = self.app
        desk = self._desk("no approval can be asked for")
        if desk is None:
            return
        compose = await app.push_screen_wait(PushComposeScreen(push, installation, request=True))
        if compose is None:
            return
        try:
            prepared = push.preview(installation, compose)
            check_size(prepared.payload_bytes)
        except PushRefused as exc:
            screen.notify(f"No request: {exc}", severity="warning", timeout=8)
            return
        if not await app.push_screen_wait(PushConfirmScreen(prepared, request=True)):
            screen.notify("Cancelled: nothing was asked for, nothing was sent.")
            return
        opened = await self._open(desk)
        if opened is None:
            return
        approvals = opened[1]
        try:
            request = await asyncio.to_thread(
                approvals.request, push, installation.installation_id, compose,
                store=installation.store,
            )  # fmt: skip
        except Exception as exc:
            screen.notify(
                SafeLine(f"No request: {error_words(exc)}"), severity="warning", timeout=10
            )
            return
        minutes = int(approvals.ttl.total_seconds() // 60)
        screen.notify(
            f"Approval request {request.id} is on the record: another operator approves it in"
            f" Approvals (a) within {minutes} min; then send it from there, once (s).",
            timeout=12,
        )
        screen.journal_views.load_timeline()


def _sent(
    app: InspectorApp,
    services: Services,
    request: PushRequest,
    result: PushResult | None,
    error: BaseException | None,
) -> None:
    """From the send's worker thread: its verdict, to the app (it knows which profile is
    on screen and which device is shown)."""
    from inspector.push.verdict import severity, verdict_text

    profile = services.settings.display_name
    if result is None:
        words = error_words(error) if error is not None else "unknown failure"
        app.post_message(
            VerdictReady(
                request.installation_id, "error",
                SafeLine(f"Request {request.id} not sent: {words}"),
                services=services, profile=profile, in_place=False,
            )
        )  # fmt: skip
        return
    app.post_message(
        VerdictReady(
            request.installation_id, severity(result),
            f"Approved push {request.id}: {verdict_text(result)}",
            services=services, profile=profile,
        )
    )  # fmt: skip
