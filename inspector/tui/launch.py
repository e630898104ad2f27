"""Run the terminal UI for loaded settings: textual is imported here, never by the
command line's subcommands."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from inspector.config import Settings


def run(settings: Settings) -> int:
    """Draw the first frame, then open the store, journal and push service in a worker;
    everything opened is closed when the app ends."""
    from inspector.services import Services
    from inspector.tui.app import InspectorApp

    services = Services.configured(settings)
    try:
        InspectorApp(settings, services, startup_warnings=settings.warnings).run()
    finally:
        services.close()
    return 0
