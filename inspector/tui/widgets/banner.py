"""The environment banner: always on top, red for production."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from inspector.config import Environment, Settings
from inspector.safetext import escape


def banner_text(settings: Settings) -> Text:
    env = settings.environment
    name = "DEMO" if env is Environment.DEMO else env.value.upper()
    text = Text(" inspector · ", style="bold")
    text.append(name, style="bold reverse" if env is Environment.PRODUCTION else "bold")
    # Appended to a Text: never parsed as markup. The store label is terminal-safe where
    # it is made (config.describe_url); the operator name is escaped here.
    text.append(f" · {settings.store_label} · operator {escape(settings.operator)}")
    if env is Environment.DEMO:
        text.append(" · curated demo data")
    return text


class EnvironmentBanner(Static):
    """Host and database come from Settings.store_label, which never holds a password."""

    def __init__(self, settings: Settings) -> None:
        super().__init__(banner_text(settings), id="banner")
        self.add_class(f"-{settings.environment.value}")
        self.environment = settings.environment
