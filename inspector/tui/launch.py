"""Run the terminal UI for loaded settings: textual is imported here, never by the
command line's subcommands."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from inspector.config import Settings


def run(settings: Settings) -> int:
    """Draw the first frame, then open the store, journal and push service in a worker."""
    from inspector.services import Openers
    from inspector.tui.app import InspectorApp

    openers = Openers.configured(settings)
    app = InspectorApp(
        settings,
        openers.store,
        openers.journal,
        openers.push,
        startup_warnings=settings.warnings,
    )
    app.run()
    return 0
