"""The journal in the main screen: the Audit and Test devices screens, and the journal's
records of the selected device in its History timeline. Given the main screen they act
on; their workers run on it."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from inspector.tui.messages import JournalHistoryLoaded
from inspector.tui.present import journal_event, last_verdict, profile_words
from inspector.tui.widgets.details import DeviceDetails

if TYPE_CHECKING:
    from inspector.tui.screens.main import MainScreen

# Enough for a device's test pushes and marks; the Audit screen has the rest.
JOURNAL_TIMELINE_LIMIT = 200


class JournalViews:
    def __init__(self, screen: MainScreen) -> None:
        self.screen = screen

    def journal_or_say_why(self, consequence: str) -> bool:
        if self.screen.services.journal is not None:
            return True
        self.screen.say_unavailable(
            self.screen.services.opening,
            "The journal is still being opened: try again in a moment.",
            f"Journal unavailable: {consequence}.",
        )
        return False

    def audit(self) -> None:
        from inspector.tui.screens.audit import AuditScreen

        journal = self.screen.services.journal
        if self.journal_or_say_why("there is no audit trail to show") and journal is not None:
            self.screen.app.push_screen(AuditScreen(journal))

    def test_devices(self) -> None:
        if self.journal_or_say_why("there is no test-device list to show"):
            self.screen.run_worker(
                self._test_devices(), group="test-devices-ui", exclusive=True, exit_on_error=False
            )

    async def _test_devices(self) -> None:
        from inspector.tui.screens.test_devices import TestDevicesScreen

        screen = self.screen
        journal = screen.services.journal
        assert journal is not None  # checked by journal_or_say_why
        chosen = await screen.app.push_screen_wait(
            TestDevicesScreen(
                journal, screen.services.store, profile=profile_words(screen.settings)
            )
        )
        if chosen:
            # Opening a test device is a lookup like any other: audited, and `back` works.
            screen.show_query(f"iid:{chosen}")
            screen.search(f"iid:{chosen}")

    # -- the journal's records in the device timeline -------------------------------------

    def load_timeline(self) -> None:
        iid = self.screen.current_iid
        if self.screen.services.journal is not None and iid is not None:
            work = partial(self._read_timeline, iid, self.screen.device_generation)
            self.screen.run_worker(
                work, thread=True, group="journal-history", exclusive=True, exit_on_error=False
            )

    def _read_timeline(self, installation_id: str, generation: int) -> None:
        journal = self.screen.services.journal
        assert journal is not None  # asked for only when there is a journal
        entries = journal.entries(installation_id=installation_id, limit=JOURNAL_TIMELINE_LIMIT)
        events = [
            journal_event(e.record_id, e.at, e.operator, e.action, e.outcome, e.details)
            for e in entries
        ]
        self.screen.post_message(JournalHistoryLoaded(installation_id, generation, events))

    def timeline_loaded(self, message: JournalHistoryLoaded) -> None:
        screen = self.screen
        if message.generation != screen.device_generation:
            return
        now = screen.clock()
        screen.query_one(DeviceDetails).history.set_journal(message.events, now)
        if screen.verdict is None:
            screen.verdict = last_verdict(message.events, now)
            if screen.verdict is not None:
                screen.render_device()
