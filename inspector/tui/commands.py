"""Every user action, declared once: key bindings, palette entries and the help screen
are all derived from COMMANDS."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial

from textual.binding import Binding, BindingType
from textual.command import DiscoveryHit, Hit, Hits, Provider


@dataclass(frozen=True, slots=True)
class Command:
    action: str  # the main screen's action_<action> method
    key: str  # Textual key name(s), comma separated
    label: str  # short footer text
    title: str  # command palette and help screen title
    help: str  # one sentence: what it does
    needs_device: bool = False  # disabled until a device is selected
    key_display: str | None = None
    group: Binding.Group | None = None  # shown together in the footer
    show: bool = True

    def binding(self) -> Binding:
        return Binding(
            self.key,
            self.action,
            self.label,
            show=self.show,
            key_display=self.key_display,
            tooltip=self.help,
            id=f"inspector.{self.action}",
            group=self.group,
        )

    @property
    def keys_text(self) -> str:
        if self.key_display:
            return self.key_display
        return " / ".join(_KEY_NAMES.get(k, k) for k in self.key.split(","))


_KEY_NAMES = {"slash": "/", "question_mark": "?", "f1": "F1", "f2": "F2", "escape": "Esc"}

TABS_GROUP = Binding.Group("tabs", compact=True)
TAB_NAMES = ("overview", "push", "attributes", "history", "activity")

COMMANDS: tuple[Command, ...] = (
    Command("search", "slash", "search", "Search", "Focus the search box and type any identifier.",
            key_display="/"),
    Command("push", "p", "push", "Send a test push",
            "Compose a test push to this one device (under the approval policy, a device that"
            " is not a test device gets a request for a second person's approval).",
            needs_device=True),
    Command("check_token", "k", "check", "Check the push token",
            "Ask the provider whether this device's token is still valid (no notification).",
            needs_device=True),
    Command("test_device", "t", "test dev", "Add or remove as test device",
            "Put this device on the test-device list with a label, or take it off.",
            needs_device=True),
    Command("reveal", "r", "reveal", "Reveal token or advertising ID",
            "Show this device's push token or advertising ID unmasked (audited).",
            needs_device=True),
    Command("copy", "c", "copy", "Copy an identifier",
            "Copy this device's Installation ID, Customer ID or a revealed value.",
            needs_device=True),
    Command("export", "e", "export", "Export device as JSON",
            "Write this device and its recent history to a JSON file (audited).",
            needs_device=True),
    Command("customer", "g", "customer", "Customer's other devices",
            "Show every installation of this device's customer.", needs_device=True),
    *(
        Command(f"tab_{name}", str(n), name, f"Show the {name.title()} tab",
                f"Switch the device details to the {name.title()} tab.", needs_device=True,
                group=TABS_GROUP)
        for n, name in enumerate(TAB_NAMES, start=1)
    ),
    Command("back", "b", "back", "Back to previous result", "Return to the previous result list."),
    Command("test_devices", "T", "test devices", "Test devices",
            "List the registered test devices with their live token state; Enter opens one."),
    Command("audit", "A", "audit", "Audit journal",
            "Read the audit trail: who looked up, revealed, exported or pushed what, and when."),
    Command("profiles", "P,f2", "profile", "Switch profile",
            "List the profiles and switch to another one."),
    Command("help", "f1,question_mark", "help", "Help", "List every key and command.",
            key_display="?"),
    # Last in the key bar: a narrow terminal cuts these, never help.
    Command("proof", "o", "proof", "Send a proof",
            "Compose one message for an app and send it to each of its test devices, a live"
            " verdict per device; other operators then sign it off."),
    Command("proofs", "O", "proofs", "Proofs",
            "List this profile's proofs: payload, verdicts per device, sign-offs; approve,"
            " reject or export one."),
    Command("approvals", "a", "approvals", "Approvals",
            "One-off pushes waiting for a second person: approve or reject another's request,"
            " send your approved one once."),
    Command("quit", "q", "quit", "Quit", "Leave the inspector (also ctrl+q).", show=False),
)  # fmt: skip

BY_ACTION = {c.action: c for c in COMMANDS}


def bindings() -> list[BindingType]:
    return [c.binding() for c in COMMANDS]


class InspectorCommands(Provider):
    """The command palette's view of COMMANDS on the main screen (the screen beneath the
    palette, `self.screen`): only those that apply right now."""

    def _available(self) -> Iterator[Command]:
        for command in COMMANDS:
            if self.screen.check_action(command.action, ()) is True:
                yield command

    async def discover(self) -> Hits:
        for command in self._available():
            yield DiscoveryHit(
                f"{command.title}  ({command.keys_text})",
                partial(self.screen.run_action, command.action),
                help=command.help,
            )

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for command in self._available():
            text = f"{command.title}  ({command.keys_text})"
            score = max(matcher.match(command.title), matcher.match(command.help) * 0.5)
            if score > 0:
                yield Hit(
                    score,
                    matcher.highlight(text),
                    partial(self.screen.run_action, command.action),
                    help=command.help,
                )
