"""Switching profile from the main screen: list the profiles of the profile file, ask for
a production profile's name, load the chosen one, and hand its settings to the app, which
replaces everything on screen (InspectorApp.switch_profile). Given the main screen; its
worker runs on it.

Every failure is one line and leaves the current profile as it was: a profile file that
cannot be read, a profile that cannot be loaded (ConfigError), a wrong name typed.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import TYPE_CHECKING, cast

from inspector.config import ConfigError, Environment, find_profile_file

if TYPE_CHECKING:
    from inspector.profiles import ProfileSummary
    from inspector.tui.app import InspectorApp
    from inspector.tui.screens.main import MainScreen


def read_profiles(path: Path) -> tuple[ProfileSummary, ...]:
    """Blocking: what the switcher lists of each profile of the file (never a secret)."""
    from inspector.profiles import ProfileFile

    profiles = ProfileFile.load(path)
    return tuple(profiles.summary(name) for name in profiles.names())


class ProfileSwitch:
    def __init__(self, screen: MainScreen) -> None:
        self.screen = screen

    def open(self) -> None:
        self.screen.run_worker(
            self._flow(), group="profile-ui", exclusive=True, exit_on_error=False
        )

    async def _flow(self) -> None:
        from inspector.tui.screens.profiles import ProfilesScreen, TypeNameScreen

        screen = self.screen
        app = cast("InspectorApp", screen.app)
        current = screen.settings
        profiles: tuple[ProfileSummary, ...] | None = None
        try:
            path = current.config_path
            if path is None and current.is_demo:
                # `--profile demo` beside a profile file: its profiles are the others.
                path = await asyncio.to_thread(find_profile_file, None, os.environ)
            if path is not None:
                profiles = await asyncio.to_thread(read_profiles, path)
        except ConfigError as exc:
            screen.notify(f"The profiles cannot be listed: {exc}", severity="error", timeout=10)
            return
        chosen = await app.push_screen_wait(ProfilesScreen(current, profiles, path))
        if chosen is None or profiles is None:
            return
        if chosen == current.profile:
            screen.notify(f"Already on profile {current.display_name}.")
            return
        summary = next(p for p in profiles if p.name == chosen)
        production = summary.environment is Environment.PRODUCTION
        if production and not await app.push_screen_wait(TypeNameScreen(summary, current)):
            screen.notify(f"Not switched: still on profile {current.display_name}.")
            return
        try:
            settings = await asyncio.to_thread(app.load_profile, chosen)
        except ConfigError as exc:
            screen.notify(f"Not switched: {exc}", severity="error", timeout=10)
            return
        if settings.environment is Environment.PRODUCTION and not production:
            # The file changed since it was listed: production is reached by its name only.
            screen.notify(
                f"Not switched: profile {chosen} is a production profile now; choose it again.",
                severity="error",
                timeout=10,
            )
            return
        app.switch_profile(settings)
