"""Test push, token check and the test-device mark of the selected device. Given the
main screen they act on; their workers run on it.

The push flow (compose, prepare, confirm) runs in an async worker so that it can wait for
its dialogs; each blocking call runs in a thread, the UI answering keys. It holds the
services of the profile the device was read on, never the app's later ones: a profile
switch closes its dialogs (nothing is sent), and a send already confirmed runs on the
app (app.run_for_profile) against its own profile, whose verdict names that profile
once another is on screen. Under the push policy `approval`, a device that is not a
test device gets a request for a second operator's approval instead of a send
(tui/proof_flow.py).
"""

from __future__ import annotations

import asyncio
from functools import partial
from typing import TYPE_CHECKING, cast

from inspector.errors import describe_error, row_for
from inspector.store.records import Installation
from inspector.tui.messages import Notice, TestDeviceLoaded, VerdictReady
from inspector.tui.present import SafeLine, profile_words
from inspector.tui.screens.dialogs import PickScreen, PromptScreen

if TYPE_CHECKING:
    from inspector.journal.records import TestDevice
    from inspector.push import PreparedPush, PushResult, PushService
    from inspector.services import Services
    from inspector.tui.app import InspectorApp
    from inspector.tui.screens.main import MainScreen

# Severity of a verdict -> severity of its notification.
NOTIFY_LEVEL = {"ok": "information", "warning": "warning"}


def device_words(device: TestDevice) -> str:
    return f'"{device.label}" ({device.owner})'


class PushFlow:
    def __init__(self, screen: MainScreen) -> None:
        self.screen = screen

    @property
    def app(self) -> InspectorApp:
        """On the event loop only; a worker thread is given it (its screen may be gone)."""
        return cast("InspectorApp", self.screen.app)

    def _push_or_say_why(self, consequence: str) -> PushService | None:
        push = self.screen.services.push
        if push is None:
            self.screen.say_unavailable(
                self.screen.services.push_opening,
                "Push is still being set up: try again in a moment.",
                f"Push is not configured: {consequence}.",
            )
        return push

    # -- test push ------------------------------------------------------------------------

    def push(self) -> None:
        match = self.screen.need_device()
        if match is None:
            return
        services = self.screen.services
        service = self._push_or_say_why("no test push can be sent")
        if service is not None:
            self.screen.run_worker(
                self._flow(services, service, match.installation),
                group="push-flow",
                exclusive=True,
                exit_on_error=False,
            )

    async def _flow(
        self, services: Services, service: PushService, installation: Installation
    ) -> None:
        from inspector.push import PushRefused
        from inspector.tui.screens.push_compose import PushComposeScreen
        from inspector.tui.screens.push_confirm import PushConfirmScreen

        app = self.screen.app
        iid = installation.installation_id
        problem = await asyncio.to_thread(service.policy_problem, installation)
        if problem and await self._needs_approval(service, installation):
            # Push policy `approval`, a device that is not a test device: a request for a
            # second operator's approval instead of a send.
            await self.screen.proof_flow.request_approval(services, service, installation)
            return
        if problem:
            self.screen.notify(f"No test push: {problem}", severity="warning", timeout=8)
            return
        compose = await app.push_screen_wait(PushComposeScreen(service, installation))
        if compose is None:
            return
        try:
            prepared = await asyncio.to_thread(service.prepare, iid, compose)
        except PushRefused as exc:
            self.screen.notify(f"No test push: {exc}", severity="warning", timeout=8)
            return
        if not await app.push_screen_wait(PushConfirmScreen(prepared)):
            self.screen.notify("Cancelled: nothing was sent.")
            return
        self.screen.notify("Sending to this one device…")
        send = partial(self._send, self.app, services, service, prepared)
        self.app.run_for_profile(services, send, group="push-send")

    @staticmethod
    async def _needs_approval(service: PushService, installation: Installation) -> bool:
        """Whether the policy is `approval` and only an approval stands in the way."""
        from inspector.config import PushPolicy

        if service.settings.push_policy is not PushPolicy.APPROVAL:
            return False
        problem = await asyncio.to_thread(service.policy_problem, installation, approved=True)
        return problem is None

    def _send(
        self, app: InspectorApp, services: Services, service: PushService, prepared: PreparedPush
    ) -> None:
        """In a thread worker of the app: the send, on the profile it was confirmed on."""
        iid = prepared.installation.installation_id
        try:
            result = service.send(prepared)
        except Exception as exc:
            _post_failure(app, services, service, iid, exc)
            return
        _post_verdict(app, services, service, iid, "Test push", result)

    # -- token check ------------------------------------------------------------------------

    def check_token(self) -> None:
        match = self.screen.need_device()
        if match is None:
            return
        services = self.screen.services
        service = self._push_or_say_why("the token cannot be checked")
        if service is None:
            return
        self.screen.notify("Checking the token with the provider…")
        iid = match.installation.installation_id
        check = partial(self._check, self.app, services, service, iid)
        self.app.run_for_profile(services, check, group="token-check")

    def _check(
        self, app: InspectorApp, services: Services, service: PushService, installation_id: str
    ) -> None:
        try:
            result = service.check_token(installation_id)
        except Exception as exc:
            _post_failure(app, services, service, installation_id, exc)
            return
        _post_verdict(app, services, service, installation_id, "Token check", result)

    def verdict_ready(self, message: VerdictReady) -> None:
        """The verdict of a send on the profile on screen (the app routes the others)."""
        level = NOTIFY_LEVEL.get(message.severity, "error")
        self.screen.notify(message.text, severity=level, timeout=10)  # type: ignore[arg-type]
        if message.in_place and message.installation_id == self.screen.current_iid:
            self.screen.verdict = message.text
            self.screen.render_device()
            self.screen.journal_views.load_timeline()

    # -- the test-device mark -----------------------------------------------------------------

    def load_test_device(self, installation_id: str) -> None:
        self.screen.run_worker(
            partial(self._read_test_device, installation_id),
            thread=True,
            group="test-device",
            exclusive=True,
            exit_on_error=False,
        )

    def _read_test_device(self, installation_id: str) -> None:
        journal = self.screen.services.journal
        assert journal is not None  # asked for only when there is a journal
        device = journal.test_device(installation_id)
        label = device_words(device) if device else None
        self.screen.post_message(TestDeviceLoaded(installation_id, label))

    def test_device_loaded(self, message: TestDeviceLoaded) -> None:
        screen = self.screen
        if message.installation_id == screen.current_iid:
            changed = screen.test_label != message.label
            screen.test_label = message.label
            screen.render_device()
            if changed:
                screen.journal_views.load_timeline()

    def toggle_test_device(self) -> None:
        match = self.screen.need_device()
        if match is None:
            return
        if not self.screen.journal_views.journal_or_say_why(
            "the test-device list cannot be changed"
        ):
            return
        self.screen.run_worker(
            self._toggle(match.installation.installation_id),
            group="test-device-ui",
            exclusive=True,
            exit_on_error=False,
        )

    async def _toggle(self, installation_id: str) -> None:
        app = self.screen.app
        label = self.screen.test_label
        profile = profile_words(self.screen.settings)
        if label is not None:
            choice = await app.push_screen_wait(
                PickScreen(
                    f"Remove {label} from the test devices?",
                    [("keep", "keep it"), ("remove", "remove it")],
                    profile=profile,
                )
            )
            if choice == "remove":
                self._write(installation_id, None)
            return
        typed = await app.push_screen_wait(
            PromptScreen(
                "Label for this test device", placeholder="e.g. Ana's iPhone", profile=profile
            )
        )
        if typed:
            self._write(installation_id, typed)

    def _write(self, installation_id: str, label: str | None) -> None:
        work = partial(self._write_test_device, installation_id, label)
        self.screen.run_worker(work, thread=True, group="test-device-write", exit_on_error=False)

    def _write_test_device(self, installation_id: str, label: str | None) -> None:
        screen = self.screen
        journal = screen.services.journal
        assert journal is not None  # checked before the dialog opened
        if label is None:
            journal.remove_test_device(installation_id)
            screen.post_message(TestDeviceLoaded(installation_id, None))
            screen.post_message(Notice("Removed from the test devices."))
            return
        device = journal.add_test_device(installation_id, label, screen.settings.operator)
        screen.post_message(TestDeviceLoaded(installation_id, device_words(device)))
        screen.post_message(Notice(f'Added as test device "{device.label}".'))


def _post_verdict(
    app: InspectorApp,
    services: Services,
    service: PushService,
    installation_id: str,
    label: str,
    result: PushResult,
) -> None:
    """From the worker thread, to the app: it knows which profile is on screen."""
    from inspector.push.verdict import severity, verdict_text

    text = f"{label}: {verdict_text(result)}"
    profile = service.settings.display_name
    app.post_message(
        VerdictReady(installation_id, severity(result), text, services=services, profile=profile)
    )


def _post_failure(
    app: InspectorApp,
    services: Services,
    service: PushService,
    installation_id: str,
    exc: Exception,
) -> None:
    """A send or check that failed before a verdict: said, never kept on the Push tab. A
    journal failure is a warning (the provider was not asked), as elsewhere."""
    row = row_for(exc)
    journal = row is not None and row.module.startswith("inspector.journal")
    app.post_message(
        VerdictReady(
            installation_id,
            "warning" if journal else "error",
            SafeLine(describe_error(exc)),  # terminal-safe: inspector.errors made it
            services=services,
            profile=service.settings.display_name,
            in_place=False,
        )
    )
