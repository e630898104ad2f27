"""Messages the workers post back to the screens: results travel as plain records."""

from __future__ import annotations

from textual.message import Message
from textual.notifications import SeverityLevel

from inspector.lookup import KeyKind
from inspector.services import OpenReport, Services
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
    """A provider's answer for one device: a test push or a token check. Posted to the
    app with the services of the profile it was sent on: the app shows it in place only
    while that profile is on screen, else names the profile in a notification."""

    def __init__(
        self,
        installation_id: str,
        severity: str,
        text: str,
        *,
        services: Services | None = None,
        profile: str = "",
        in_place: bool = True,
    ) -> None:
        super().__init__()
        self.installation_id = installation_id
        self.severity = severity  # "ok" | "warning" | "error"
        self.text = text
        self.services = services
        self.profile = profile  # the profile's display name
        # False: a failure to send, said in a notification and not kept on the Push tab.
        self.in_place = in_place


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


class ServicesOpened(Message):
    """The first attempt to open the store and the journal is over."""

    def __init__(self, report: OpenReport) -> None:
        super().__init__()
        self.report = report


class StoreOpened(Message):
    """A later attempt (a search) opened the store: the push service may open now.
    It bubbles from the main screen to the app, which opens the services."""

    def __init__(self, services: Services) -> None:
        super().__init__()
        self.services = services


class ProfileWorkDone(Message):
    """A send (or token check) of a profile ended: once its last one has, the services
    of a profile switched away from may be closed."""

    def __init__(self, services: Services) -> None:
        super().__init__()
        self.services = services


class Notice(Message):
    """A notification from a worker thread: posting never waits for the event loop (a
    worker must not hang on an app that is closing). It bubbles to the app."""

    def __init__(
        self,
        text: str,
        severity: SeverityLevel = "information",
        timeout: float = 5,
        *,
        origin: Services | None = None,
    ):
        super().__init__()
        self.text = text
        self.severity: SeverityLevel = severity
        self.timeout = timeout
        # The services it is about: dropped once another profile is on screen.
        self.origin = origin
