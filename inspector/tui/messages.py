"""Messages the workers post back to the app: results travel as plain records."""

from __future__ import annotations

from textual.message import Message

from inspector.lookup import KeyKind
from inspector.store.records import DayActivity, Event, FindResult, HistoryPage


class LookupFinished(Message):
    """A search (or a customer jump) came back; `generation` tells stale from current."""

    def __init__(
        self,
        generation: int,
        description: str,
        kinds: tuple[KeyKind, ...],
        result: FindResult,
        first_page: tuple[str, HistoryPage] | None = None,
    ) -> None:
        super().__init__()
        self.generation = generation
        self.description = description
        self.kinds = kinds
        self.result = result
        # The history page of the device shown first, fetched with the lookup so the
        # details and the history arrive in the same frame.
        self.first_page = first_page


class HistoryLoaded(Message):
    def __init__(
        self, installation_id: str, generation: int, page: HistoryPage, append: bool
    ) -> None:
        super().__init__()
        self.installation_id = installation_id
        self.generation = generation
        self.page = page
        self.append = append


class ActivityLoaded(Message):
    def __init__(self, installation_id: str, days: list[DayActivity]) -> None:
        super().__init__()
        self.installation_id = installation_id
        self.days = days


class TestDeviceLoaded(Message):
    def __init__(self, installation_id: str, label: str | None) -> None:
        super().__init__()
        self.installation_id = installation_id
        self.label = label


class VerdictReady(Message):
    """A provider's answer for one device: a test push or a token check."""

    def __init__(self, installation_id: str, severity: str, text: str) -> None:
        super().__init__()
        self.installation_id = installation_id
        self.severity = severity  # "ok" | "warning" | "error"
        self.text = text


class JournalHistoryLoaded(Message):
    """The journal's records of one device, as timeline events."""

    def __init__(self, installation_id: str, generation: int, events: list[Event]) -> None:
        super().__init__()
        self.installation_id = installation_id
        self.generation = generation
        self.events = events


class RevealRecorded(Message):
    """The journal recorded a reveal: the value may now be shown."""

    def __init__(self, installation_id: str, field_name: str) -> None:
        super().__init__()
        self.installation_id = installation_id
        self.field_name = field_name
