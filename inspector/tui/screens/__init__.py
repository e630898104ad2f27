"""Screens of the inspector (modal dialogs and the help screen)."""
