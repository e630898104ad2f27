"""Widgets of the inspector's main screen."""
