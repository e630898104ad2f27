"""The inspector's Textual app: the theme, the services, the screen stack, the profile.

Everything the user sees and does lives on the screens: the main screen
(tui/screens/main.py) asks `services` for the store, journal and push service. The app
opens them in a thread worker once the first frame is drawn (the search box is ready
while SQLAlchemy, the database drivers and the push clients load), tells the main
screen how that went, and closes what it opened when it ends.

Switching profile (`switch_profile`) replaces the main screen and every screen above it
at once: nothing read on the old profile stays on screen. The new profile's services
open in a worker, as at start; the old ones close in a worker once the sends started on
them have ended. A send belongs to the profile it was started on: it runs on the app (it
outlives its screen) and its verdict is drawn in place only while that profile is shown.
Proofs and approvals (a SignoffDesk per services) open with a profile's first use of
them and close with its services.
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import ClassVar

from textual import work
from textual.app import App
from textual.notifications import SeverityLevel

from inspector.config import Environment, Settings
from inspector.safetext import escape
from inspector.services import Services
from inspector.tui.messages import (
    Notice,
    ProfileWorkDone,
    ServicesOpened,
    StoreOpened,
    VerdictReady,
)
from inspector.tui.present import SafeLine, message_lines
from inspector.tui.screens.main import MainScreen
from inspector.tui.signoff_desk import SignoffDesk

HISTORY_PAGE = 50


def _given(screen: MainScreen) -> Callable[[], MainScreen]:
    """A mode's base screen, made already (add_mode takes a callable)."""
    return lambda: screen


# Severity of a verdict -> severity of its notification.
NOTIFY_LEVEL: dict[str, SeverityLevel] = {"ok": "information", "warning": "warning"}


class InspectorApp(App[None]):
    CSS_PATH = Path(__file__).with_name("inspector.tcss")
    TITLE = "inspector"
    # One Textual mode per profile shown: its main screen and every screen opened over it
    # live in the mode's stack, and leave together when the mode is removed.
    DEFAULT_MODE: ClassVar[str] = "profile-0"

    def __init__(
        self,
        settings: Settings,
        services: Services,
        *,
        clock: Callable[[], datetime] | None = None,
        export_dir: Path | None = None,
        history_page_size: int = HISTORY_PAGE,
        startup_warnings: tuple[str, ...] = (),
        open_services: Callable[[Settings], Services] | None = None,
        load_profile: Callable[[str], Settings] | None = None,
    ) -> None:
        """`services` may hold the store, journal and push service already, or open them
        (after the first frame); the app closes what it opened, never what it was given.
        On a profile switch, `load_profile(name)` (default: the profile file's profile)
        gives the settings and `open_services(settings)` (default: what they configure)
        the services to open."""
        super().__init__()
        self.settings = settings
        self.services = services
        self.startup_warnings = startup_warnings
        self.clock = clock or (lambda: datetime.now(UTC))
        self.export_dir = export_dir
        self.history_page_size = history_page_size
        self._services_for = open_services or Services.configured
        self._load_profile = load_profile
        # Sends running per services, and services switched away from that still have some.
        self._in_flight: dict[Services, int] = {}
        self._retired: list[Services] = []
        # Every Services not yet closed: closed at the end, whatever is still running.
        self._unclosed: set[Services] = {services}
        self._modes_made = 0
        # The sign-off services of each Services, made on first use, closed with them.
        self._desks: dict[Services, SignoffDesk] = {}
        self.main = self._main_screen(settings, services)

    def _main_screen(self, settings: Settings, services: Services) -> MainScreen:
        return MainScreen(
            settings,
            services,
            clock=self.clock,
            export_dir=self.export_dir,
            history_page_size=self.history_page_size,
        )

    def get_default_screen(self) -> MainScreen:
        return self.main

    def on_mount(self) -> None:
        if self.settings.is_demo:
            self.sub_title = "demo"
        for warning in self.startup_warnings:
            self.notify(warning, severity="warning", timeout=10)
        self.call_after_refresh(self._start_opening, self.services, self.main)
        # What start-up made (modules, classes, styles, the first screen) lives as long
        # as the app: out of the collector's full passes, which otherwise walk it all
        # and stall a frame for as long (a hundred milliseconds and more).
        self.call_after_refresh(gc.freeze)

    def on_unmount(self) -> None:
        gc.unfreeze()  # another app in this process (a test) starts from a clean slate
        # Wakes any worker still waiting for the store; given services stay open.
        for services in list(self._unclosed):
            desk = self._desks.pop(services, None)
            if desk is not None:
                desk.close()
            services.close()

    def signoff_desk(self, services: Services) -> SignoffDesk:
        """Proofs and approvals of `services` (opened on first use, in a worker): they
        belong to that profile and close with its services."""
        desk = self._desks.get(services)
        if desk is None:
            desk = self._desks[services] = SignoffDesk(services)
        return desk

    # -- opening the services -------------------------------------------------------------

    def _start_opening(self, services: Services, screen: MainScreen) -> None:
        if services is not self.services:
            return  # switched away before its first frame
        if services.opening:
            self._open_services(services, screen)
        else:
            self._open_push(services)

    @work(thread=True, group="open-services", exit_on_error=False)
    def _open_services(self, services: Services, screen: MainScreen) -> None:
        report = services.open(push=False)
        self._warn(services, report.warnings)
        screen.post_message(ServicesOpened(report))
        self._warn(services, services.open_push())

    def on_store_opened(self, message: StoreOpened) -> None:
        """A search opened the store after a failed first attempt."""
        if message.services is self.services:
            self._open_push(message.services)

    @work(thread=True, group="open-push", exit_on_error=False)
    def _open_push(self, services: Services) -> None:
        self._warn(services, services.open_push())

    def _warn(self, services: Services, warnings: tuple[str, ...]) -> None:
        """From a worker thread: warnings of the services, terminal-safe where made; those
        of a profile switched away from are dropped (on_notice)."""
        for warning in warnings:
            self.post_message(Notice(SafeLine(warning), "warning", 10, origin=services))

    def on_notice(self, message: Notice) -> None:
        if message.origin is not None and message.origin is not self.services:
            return
        self.notify(message.text, severity=message.severity, timeout=message.timeout)

    # -- switching profile ------------------------------------------------------------------

    def load_profile(self, name: str) -> Settings:
        """Blocking (a worker thread): the settings of profile `name` of the profile file
        the current one came from. ConfigError, one line, when it cannot be loaded."""
        if self._load_profile is not None:
            return self._load_profile(name)
        from inspector.config import load_settings

        return load_settings(profile=name, config=self.settings.config_path)

    def switch_profile(self, settings: Settings) -> None:
        """On the event loop, at once: a new main screen for `settings` replaces the old
        one and every screen above it (results, details, dialogs of the old profile);
        its services open in a worker, the old ones close in another."""
        old_services, old_main, old_mode = self.services, self.main, self.current_mode
        services = self._services_for(settings)
        self._unclosed.add(services)
        main = self._main_screen(settings, services)
        old_main.retire()
        self.settings, self.services, self.main = settings, services, main
        self._modes_made += 1
        mode = f"profile-{self._modes_made}"
        self.add_mode(mode, _given(main))
        if old_mode == self.DEFAULT_MODE:
            # The first profile's mode started as Textual starts an app (with no
            # stylesheet refresh, unlike an added mode): added now, to be removed.
            self.add_mode(old_mode, _given(old_main))
        # A mode's first screen makes Textual reparse the whole stylesheet (twice) unless
        # it is marked up to date with the app's: it is, being built after the last theme
        # change. That reparse was most of the time a switch took.
        main._css_update_count = self._css_update_count
        self.clear_notifications()
        self.switch_mode(mode)
        # Its screens are removed, and their workers cancelled (a dialog of the old
        # profile sends nothing); a send already confirmed runs on the app.
        self.remove_mode(old_mode)
        self.sub_title = "demo" if settings.is_demo else ""
        for warning in settings.warnings:
            self.notify(warning, severity="warning", timeout=10)
        env = settings.environment
        self.notify(
            SafeLine(
                f"Profile {escape(settings.display_name)} · {env.value.upper()}: lookups and"
                f" sends now go to {settings.store_label}."
            ),
            severity="warning" if env is Environment.PRODUCTION else "information",
            timeout=6,
        )
        self.call_after_refresh(self._start_opening, services, main)
        self._retire(old_services)

    def _retire(self, services: Services) -> None:
        if self._in_flight.get(services):
            self._retired.append(services)  # closed when its last send has ended
        else:
            self._close_later(services)

    def _close_later(self, services: Services) -> None:
        # Closing disposes of pools and provider clients: never on the event loop.
        desk = self._desks.pop(services, None)

        def close() -> None:
            if desk is not None:
                desk.close()
            services.close()
            self._unclosed.discard(services)

        self.run_worker(close, thread=True, group="close-services", exit_on_error=False)

    # -- sends, which belong to the profile they were started on ------------------------------

    def run_for_profile(self, services: Services, job: Callable[[], None], *, group: str) -> None:
        """A send or token check on the services it was started on, in a thread worker of
        the app (it outlives a switch: its profile stays open until it has ended). `job`
        says its own failures (a VerdictReady); it must not raise."""
        self._in_flight[services] = self._in_flight.get(services, 0) + 1

        def run() -> None:
            try:
                job()
            finally:
                self.post_message(ProfileWorkDone(services))

        self.run_worker(run, thread=True, group=group, exit_on_error=False)

    def on_profile_work_done(self, message: ProfileWorkDone) -> None:
        services = message.services
        left = self._in_flight.get(services, 0) - 1
        if left > 0:
            self._in_flight[services] = left
            return
        self._in_flight.pop(services, None)
        if services in self._retired:
            self._retired.remove(services)
            self._close_later(services)

    def on_verdict_ready(self, message: VerdictReady) -> None:
        """In place while its profile is on screen; else a notification naming it."""
        if message.services is None or message.services is self.services:
            self.main.push_flow.verdict_ready(message)
            return
        self.notify(
            SafeLine(f"Profile {escape(message.profile)}: {message_lines(message.text)}"),
            severity=NOTIFY_LEVEL.get(message.severity, "error"),
            timeout=15,
        )

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
