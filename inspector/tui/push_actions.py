"""Push, token check and test-device actions. A mixin of InspectorApp.

These are the places the push part plugs into: `open_push` opens its compose screen
(until it is wired, it says so), `check_token` and `toggle_test_device` work with the
PushService and Journal the app was given.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from textual import work

from inspector.tui.messages import TestDeviceLoaded, VerdictReady
from inspector.tui.screens.pick import PickScreen, PromptScreen

if TYPE_CHECKING:
    from inspector.tui.app import InspectorApp

    _Base = InspectorApp
else:
    _Base = object


class PushActions(_Base):
    @work(thread=True, exclusive=True, group="test-device", exit_on_error=False)
    def load_test_device(self, installation_id: str) -> None:
        assert self.journal is not None
        device = self.journal.test_device(installation_id)
        label = f'"{device.label}" ({device.owner})' if device else None
        self.post_message(TestDeviceLoaded(installation_id, label))

    def on_test_device_loaded(self, message: TestDeviceLoaded) -> None:
        if message.installation_id == self._current_iid():
            changed = self.test_label != message.label
            self.test_label = message.label
            self.render_device()
            if changed:
                self.load_journal_history()

    # -- test push and token check ----------------------------------------------------------

    def _push_or_say_why(self, consequence: str) -> bool:
        if self.push is not None:
            return True
        if self.push_opening:
            self.notify("Push is still being set up: try again in a moment.")
        else:
            self.notify(f"Push is not configured: {consequence}.", severity="warning")
        return False

    def action_push(self) -> None:
        match = self._need_device()
        if match is None:
            return
        if not self._push_or_say_why("no test push can be sent"):
            return
        self.open_push(match.installation)

    @work(exclusive=True, group="push-flow", exit_on_error=False)
    async def open_push(self, installation: Any) -> None:
        """Compose, confirm, send: each blocking step in a thread, the UI answering keys."""
        from inspector.push import PushRefused
        from inspector.tui.screens.push_compose import PushComposeScreen
        from inspector.tui.screens.push_confirm import PushConfirmScreen

        service = self.push
        assert service is not None
        iid = installation.installation_id
        problem = await asyncio.to_thread(service.policy_problem, installation)
        if problem:
            self.notify(f"No test push: {problem}", severity="warning", timeout=8)
            return
        compose = await self.push_screen_wait(PushComposeScreen(service, installation))
        if compose is None:
            return
        try:
            prepared = await asyncio.to_thread(service.prepare, iid, compose)
        except PushRefused as exc:
            self.notify(f"No test push: {exc}", severity="warning", timeout=8)
            return
        if not await self.push_screen_wait(PushConfirmScreen(prepared)):
            self.notify("Cancelled: nothing was sent.")
            return
        self.notify("Sending to this one device…")
        result = await asyncio.to_thread(service.send, prepared)
        self.post_verdict(iid, "Test push", result)

    def action_check_token(self) -> None:
        match = self._need_device()
        if match is None:
            return
        if not self._push_or_say_why("the token cannot be checked"):
            return
        self.check_token(match.installation)

    def check_token(self, installation: Any) -> None:
        self.notify("Checking the token with the provider…")
        self.run_check_token(installation.installation_id)

    @work(thread=True, exclusive=True, group="token-check", exit_on_error=False)
    def run_check_token(self, installation_id: str) -> None:
        assert self.push is not None
        self.post_verdict(installation_id, "Token check", self.push.check_token(installation_id))

    def post_verdict(self, installation_id: str, label: str, result: Any) -> None:
        from inspector.push.verdict import severity, verdict_text

        text = f"{label}: {verdict_text(result)}"
        self.post_message(VerdictReady(installation_id, severity(result), text))

    def on_verdict_ready(self, message: VerdictReady) -> None:
        level = {"ok": "information", "warning": "warning"}.get(message.severity, "error")
        self.notify(message.text, severity=level, timeout=10)  # type: ignore[arg-type]
        if message.installation_id == self._current_iid():
            self.verdict = message.text
            self.render_device()
            self.load_journal_history()

    def action_test_device(self) -> None:
        match = self._need_device()
        if match is None:
            return
        if not self._journal_or_say_why("the test-device list cannot be changed"):
            return
        self.toggle_test_device(match.installation)

    @work(exclusive=True, group="test-device-ui", exit_on_error=False)
    async def toggle_test_device(self, installation: Any) -> None:
        iid = installation.installation_id
        if self.test_label is not None:
            choice = await self.push_screen_wait(
                PickScreen(
                    f"Remove {self.test_label} from the test devices?",
                    [("keep", "keep it"), ("remove", "remove it")],
                )
            )
            if choice == "remove":
                self.write_test_device(iid, None)
            return
        label = await self.push_screen_wait(
            PromptScreen("Label for this test device", placeholder="e.g. Ana's iPhone")
        )
        if label:
            self.write_test_device(iid, label)

    @work(thread=True, group="test-device-write", exit_on_error=False)
    def write_test_device(self, installation_id: str, label: str | None) -> None:
        assert self.journal is not None
        if label is None:
            self.journal.remove_test_device(installation_id)
            self.post_message(TestDeviceLoaded(installation_id, None))
            self.call_from_thread(self.notify, "Removed from the test devices.")
            return
        device = self.journal.add_test_device(installation_id, label, self.settings.operator)
        self.post_message(TestDeviceLoaded(installation_id, f'"{device.label}" ({device.owner})'))
        self.call_from_thread(self.notify, f'Added as test device "{device.label}".')
