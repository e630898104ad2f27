"""The inspector's Textual app: the theme, the services, the screen stack.

Everything the user sees and does lives on the screens: the main screen
(tui/screens/main.py) asks `services` for the store, journal and push service. The app
opens them in a thread worker once the first frame is drawn (the search box is ready
while SQLAlchemy, the database drivers and the push clients load), tells the main
screen how that went, and closes what it opened when it ends.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from textual import work
from textual.app import App
from textual.notifications import SeverityLevel

from inspector.config import Settings
from inspector.safetext import escape
from inspector.services import Services
from inspector.tui.messages import Notice, ServicesOpened, StoreOpened
from inspector.tui.present import SafeLine, message_lines
from inspector.tui.screens.main import MainScreen

HISTORY_PAGE = 50


class InspectorApp(App[None]):
    CSS_PATH = Path(__file__).with_name("inspector.tcss")
    TITLE = "inspector"

    def __init__(
        self,
        settings: Settings,
        services: Services,
        *,
        clock: Callable[[], datetime] | None = None,
        export_dir: Path | None = None,
        history_page_size: int = HISTORY_PAGE,
        startup_warnings: tuple[str, ...] = (),
    ) -> None:
        """`services` may hold the store, journal and push service already, or open them
        (after the first frame); the app closes what it opened, never what it was given."""
        super().__init__()
        self.settings = settings
        self.services = services
        self.startup_warnings = startup_warnings
        self.main = MainScreen(
            settings,
            services,
            clock=clock or (lambda: datetime.now(UTC)),
            export_dir=export_dir,
            history_page_size=history_page_size,
        )

    def get_default_screen(self) -> MainScreen:
        return self.main

    def on_mount(self) -> None:
        if self.settings.is_demo:
            self.sub_title = "demo"
        for warning in self.startup_warnings:
            self.notify(warning, severity="warning", timeout=10)
        self.call_after_refresh(self._start_opening)

    def on_unmount(self) -> None:
        # Wakes any worker still waiting for the store; given services stay open.
        self.services.close()

    # -- opening the services -------------------------------------------------------------

    def _start_opening(self) -> None:
        if self.services.opening:
            self._open_services()
        else:
            self._open_push()

    @work(thread=True, group="open-services", exit_on_error=False)
    def _open_services(self) -> None:
        report = self.services.open(push=False)
        self._warn(report.warnings)
        self.main.post_message(ServicesOpened(report))
        self._warn(self.services.open_push())

    def on_store_opened(self, message: StoreOpened) -> None:
        """A search opened the store after a failed first attempt."""
        self._open_push()

    @work(thread=True, group="open-push", exit_on_error=False)
    def _open_push(self) -> None:
        self._warn(self.services.open_push())

    def _warn(self, warnings: tuple[str, ...]) -> None:
        """From a worker thread: warnings of the services, terminal-safe where made."""
        for warning in warnings:
            self.post_message(Notice(SafeLine(warning), "warning", 10))

    def on_notice(self, message: Notice) -> None:
        self.notify(message.text, severity=message.severity, timeout=message.timeout)

    # -- every notification is text ---------------------------------------------------------

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """Every notification of the inspector (screens' too: Widget.notify comes here) is
        text: it quotes identifiers, labels and errors. Escaped line by line (unless made
        safe where it was made: a SafeLine), never markup; `markup` is accepted for
        Textual's signature and ignored."""
        super().notify(
            message_lines(message),
            title=escape(title),
            severity=severity,
            timeout=timeout,
            markup=False,
        )
