"""The Textual app. Only this package imports textual; domain modules never do."""

from inspector.tui.app import InspectorApp

__all__ = ["InspectorApp"]
