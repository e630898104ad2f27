"""The profile switcher: the profiles of the profile file with their environment, label,
colour and stores; and the typed confirmation a production profile asks for.

Names, labels and store labels come from the profile file: escaped and shown as Text,
never markup. Nothing here is a secret (ProfileSummary holds none).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.color import Color, ColorParseError
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, OptionList, Static
from textual.widgets.option_list import Option

from inspector.config import Environment
from inspector.safetext import escape
from inspector.tui.plain_inputs import PlainInput, visible
from inspector.tui.screens.dialogs import DIALOG_CSS

if TYPE_CHECKING:
    from inspector.config import Settings
    from inspector.profiles import ProfileSummary

# The banner's red: a production profile is drawn red whatever colour it names.
PRODUCTION_COLOUR = "red"


def swatch_style(summary: ProfileSummary) -> Style:
    colour = PRODUCTION_COLOUR if summary.environment is Environment.PRODUCTION else summary.colour
    try:
        return Style(color=Color.parse(colour).rich_color, bold=True)
    except ColorParseError:
        return Style(bold=True)


def profile_line(summary: ProfileSummary, current: str, width: int) -> Text:
    """One profile: colour, name, environment, label and which is current; its stores on
    a second line."""
    env = summary.environment.value.upper()
    text = Text()
    text.append("■ ", style=swatch_style(summary))
    text.append(escape(summary.name).ljust(width), style="bold")
    production = summary.environment is Environment.PRODUCTION
    text.append(f"  {env:<12}", style="bold red" if production else "")
    text.append(escape(summary.label))
    if summary.name == current:
        text.append("  (current)", style="bold")
    elif summary.is_default:
        text.append("  (default)", style="dim")
    stores = ", ".join(f"{name}: {label}" if name else label for name, label in summary.stores)
    text.append(f"\n  {stores}", style="dim")
    return text


def no_file_text(current: Settings) -> Text:
    return Text(
        f"There is one profile, {escape(current.display_name)}"
        f" ({current.environment.value}): the one the INSPECTOR_* environment variables"
        " make, as no profile file was found.\n\n"
        "To switch between profiles (staging, production, …), write a profile file with a"
        " [profiles.NAME] table for each: ./inspector.toml, inspector/config.toml in the"
        " user config directory, or a file named with --config PATH or INSPECTOR_CONFIG;"
        ' then start the inspector again. Its keys are in the README, "The profile file".'
    )


class ProfilesScreen(ModalScreen[str | None]):
    """Dismisses with the name of the profile chosen, or None (Esc)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "cancel", id="profiles.cancel", tooltip="Stay on this profile")
    ]
    DEFAULT_CSS = DIALOG_CSS.format(name="ProfilesScreen") + (
        "ProfilesScreen .dialog { width: 110; max-width: 100%; }\n"
        "ProfilesScreen .dialog OptionList { height: auto; max-height: 16; }"
    )

    def __init__(
        self,
        current: Settings,
        profiles: Sequence[ProfileSummary] | None,
        path: Path | None = None,
    ) -> None:
        """`profiles` of the profile file at `path`; None: there is no profile file, only
        the current profile."""
        super().__init__()
        self.current = current
        self.profiles = profiles
        self.path = path

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            if self.profiles is None:
                yield Static("Profiles", classes="dialog-title")
                yield Static(no_file_text(self.current), id="no-profile-file")
                yield Static("Esc close", classes="dialog-hint")
                return
            path = escape(str(self.path or self.current.config_path))
            yield Static(Text(f"Switch profile  ·  {path}"), classes="dialog-title")
            width = max(len(escape(p.name)) for p in self.profiles)
            yield OptionList(
                *(
                    Option(profile_line(p, self.current.profile, width), id=p.name)
                    for p in self.profiles
                ),
                id="profile-list",
            )
            yield Static(
                Text(
                    "Enter switch (everything shown of "
                    f"{escape(self.current.display_name)} closes) · Esc stay"
                ),
                classes="dialog-hint",
            )

    def on_mount(self) -> None:
        if self.profiles is not None:
            options = self.query_one(OptionList)
            names = [p.name for p in self.profiles]
            if self.current.profile in names:
                options.highlighted = names.index(self.current.profile)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)


class TypeNameScreen(ModalScreen[bool]):
    """Switching to a production profile: its name must be typed. Cancel has the focus;
    a wrong name is refused (said here; nothing switches). Dismisses True to switch."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "cancel", id="type_name.cancel", tooltip="Do not switch")
    ]
    DEFAULT_CSS = DIALOG_CSS.format(name="TypeNameScreen") + (
        "TypeNameScreen .dialog { width: 80; max-width: 100%; border: thick $error; }\n"
        "TypeNameScreen #production { background: $error; color: $text; text-style: bold; }\n"
        "TypeNameScreen #refusal { color: $error; height: auto; }\n"
        "TypeNameScreen Horizontal { height: auto; margin-top: 1; }\n"
        "TypeNameScreen Button { margin-right: 2; }"
    )
    AUTO_FOCUS = "#cancel"

    def __init__(self, summary: ProfileSummary, current: Settings) -> None:
        super().__init__()
        self.summary = summary
        self.current = current

    def compose(self) -> ComposeResult:
        p = self.summary
        stores = ", ".join(f"{name}: {label}" if name else label for name, label in p.stores)
        with Vertical(classes="dialog"):
            yield Static(
                Text(f" PRODUCTION · {escape(p.label)} ({escape(p.name)}) "), id="production"
            )
            yield Static(
                Text(
                    f"Switch to the production profile {escape(p.name)}? Lookups and sends"
                    f" will go to {stores} (push policy {p.push_policy.value}); everything"
                    f" shown of {escape(self.current.display_name)} closes."
                )
            )
            yield Static("Type the profile's name to switch:", classes="dialog-hint")
            # What is typed or pasted, a control character written visible.
            yield PlainInput(placeholder="profile name", id="typed-name", max_length=60)
            yield Static("", id="refusal")
            with Horizontal():
                yield Button("Cancel", id="cancel", variant="primary")
                yield Button("Switch", id="switch", variant="error")

    def on_mount(self) -> None:
        self.query_one("#cancel", Button).focus()

    def _try(self) -> None:
        typed_input = self.query_one("#typed-name", Input)
        typed = typed_input.value.strip()
        if typed == self.summary.name:
            self.dismiss(True)
            return
        # Quoted as the box shows it: a pasted control character as its escape, once.
        said = f"'{visible(typed)}' is not" if typed else "Nothing typed: that is not"
        self.query_one("#refusal", Static).update(
            Text(f"{said} the name of this profile: not switched.")
        )
        typed_input.value = ""

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._try()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "switch":
            self._try()
        else:
            self.dismiss(False)

    def action_cancel(self) -> None:
        self.dismiss(False)
