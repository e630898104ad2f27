"""The journal's screens in the inspector: the audit trail and the test devices.
A mixin of InspectorApp."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import work

from inspector.tui.messages import JournalHistoryLoaded
from inspector.tui.present import journal_event, last_verdict
from inspector.tui.widgets.history import HistoryView

if TYPE_CHECKING:
    from inspector.tui.app import InspectorApp

    _Base = InspectorApp
else:
    _Base = object


class JournalActions(_Base):
    def _journal_or_say_why(self, consequence: str) -> bool:
        if self.journal is not None:
            return True
        if self.opening:
            self.notify("The journal is still being opened: try again in a moment.")
        else:
            self.notify(f"Journal unavailable: {consequence}.", severity="warning")
        return False

    def action_audit(self) -> None:
        from inspector.tui.screens.audit import AuditScreen

        if self._journal_or_say_why("there is no audit trail to show"):
            assert self.journal is not None
            self.push_screen(AuditScreen(self.journal))

    def action_test_devices(self) -> None:
        if self._journal_or_say_why("there is no test-device list to show"):
            self.open_test_devices()

    @work(exclusive=True, group="test-devices-ui", exit_on_error=False)
    async def open_test_devices(self) -> None:
        from inspector.tui.screens.test_devices import TestDevicesScreen

        assert self.journal is not None
        chosen = await self.push_screen_wait(TestDevicesScreen(self.journal, self.store))
        if chosen:
            # Opening a test device is a lookup like any other: audited, and `back` works.
            self.show_query(f"iid:{chosen}")
            self.search(f"iid:{chosen}")

    # -- the journal's records in the device timeline -------------------------------------

    # Enough for a device's test pushes and marks; the Audit screen has the rest.
    JOURNAL_TIMELINE_LIMIT = 200

    def load_journal_history(self) -> None:
        if self.journal is not None and self.device is not None:
            iid = self.device.installation.installation_id
            self.run_journal_history(iid, self._history_generation)

    @work(thread=True, exclusive=True, group="journal-history", exit_on_error=False)
    def run_journal_history(self, installation_id: str, generation: int) -> None:
        assert self.journal is not None
        entries = self.journal.entries(
            installation_id=installation_id, limit=self.JOURNAL_TIMELINE_LIMIT
        )
        events = [
            journal_event(e.record_id, e.at, e.operator, e.action, e.outcome, e.details)
            for e in entries
        ]
        self.post_message(JournalHistoryLoaded(installation_id, generation, events))

    def on_journal_history_loaded(self, message: JournalHistoryLoaded) -> None:
        if message.generation != self._history_generation:
            return
        self.query_one(HistoryView).set_journal(message.events, self.clock())
        if self.verdict is None:
            self.verdict = last_verdict(message.events, self.clock())
            if self.verdict is not None:
                self.render_device()
