"""The environment banner: always on top, naming the profile; red for production."""

from __future__ import annotations

from rich.text import Text
from textual.color import Color, ColorParseError
from textual.widgets import Static

from inspector.config import Environment, Settings
from inspector.safetext import escape


def banner_text(settings: Settings) -> Text:
    env = settings.environment
    name = "DEMO" if env is Environment.DEMO else env.value.upper()
    text = Text(" inspector · ", style="bold")
    text.append(name, style="bold reverse" if env is Environment.PRODUCTION else "bold")
    if settings.config_path is not None:
        # A profile of a profile file: its name (or label) is what the user chose it by.
        text.append(f" · {escape(settings.display_name)}", style="bold")
    # Appended to a Text: never parsed as markup. The store label is terminal-safe where
    # it is made (config.describe_url); the operator name is escaped here.
    text.append(f" · {settings.store_label} · operator {escape(settings.operator)}")
    if env is Environment.DEMO:
        text.append(" · curated demo data")
    return text


def banner_colour(settings: Settings) -> Color | None:
    """The profile's own colour, or None for its environment's (inspector.tcss).
    Production is always the stylesheet's red, whatever the profile says."""
    if settings.environment is Environment.PRODUCTION or settings.colour is None:
        return None
    try:
        return Color.parse(settings.colour)
    except ColorParseError:
        return None  # the profile file checks colours; a stranger one is not drawn


class EnvironmentBanner(Static):
    """Host and database come from Settings.store_label, which never holds a password."""

    def __init__(self, settings: Settings) -> None:
        super().__init__(banner_text(settings), id="banner")
        self.add_class(f"-{settings.environment.value}")
        self.environment = settings.environment
        colour = banner_colour(settings)
        if colour is not None:
            self.styles.background = colour
            self.styles.color = colour.get_contrast_text(1.0)
