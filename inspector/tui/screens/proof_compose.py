"""Compose a proof: the app (from the apps of the store), title, body, data, deep link,
the test marking, and the device cap.

Dismisses with a ProofDraft, or None when cancelled. Review stays disabled while what
is typed cannot be sent (no title nor body, data that is not a JSON object of strings,
a cap outside 1-100): the reason is said under the fields. The plan that follows (the
confirm screen) reads the test devices and refuses what only the store can tell.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.css.query import NoMatches
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, Static, Switch, TextArea

from inspector.push import Compose, PushRefused
from inspector.push.payload import TEST_PREFIX, parse_data, validate
from inspector.safetext import escape, has_unsafe
from inspector.tui.plain_inputs import PlainInput, PlainTextArea
from inspector.tui.signoff_desk import AppChoice

# inspector.config's INSPECTOR_PROOF_CAP range (signoff.proofs.MAX_CAP), said to the user.
CAP_MAX = 100


@dataclass(frozen=True)
class ProofDraft:
    app: str
    compose: Compose
    cap: int


class ProofComposeScreen(ModalScreen[ProofDraft | None]):
    DEFAULT_CSS = """
    ProofComposeScreen { align: center middle; }
    ProofComposeScreen > #proof-dialog {
        width: 96; max-width: 100%; height: auto; max-height: 100%;
        border: thick $primary; background: $surface; padding: 0 1;
    }
    ProofComposeScreen .dialog-title { text-style: bold; }
    ProofComposeScreen .dialog-profile { color: $text-muted; }
    ProofComposeScreen .field-label { color: $text-muted; }
    ProofComposeScreen #proof-body { height: 4; }
    ProofComposeScreen #proof-options { height: auto; }
    ProofComposeScreen #proof-options Label { padding: 1 1; }
    ProofComposeScreen #proof-cap { width: 10; }
    ProofComposeScreen #proof-problem { color: $error; height: auto; }
    ProofComposeScreen #proof-footer { dock: bottom; height: auto; }
    ProofComposeScreen #proof-buttons { height: auto; align-horizontal: right; }
    ProofComposeScreen #proof-buttons Button { margin-left: 2; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "cancel", id="proof_compose.cancel",
                tooltip="Close without sending"),
        Binding("ctrl+s", "review", "review", id="proof_compose.review",
                tooltip="See every test device it will reach before sending"),
    ]  # fmt: skip

    def __init__(
        self,
        apps: Sequence[AppChoice],
        *,
        default_app: str | None,
        cap: int,
        profile: str,
        initial: ProofDraft | None = None,
    ) -> None:
        """`profile`: present.profile_words of the profile the proof belongs to."""
        super().__init__()
        self.apps = list(apps)
        values = {a.value for a in self.apps}
        chosen = initial.app if initial else default_app
        self.default_app = chosen if chosen in values else (self.apps[0].value if apps else None)
        self.cap = initial.cap if initial else cap
        self.profile = profile
        self.initial = (
            initial.compose if initial else Compose(title="", body="", mark_as_test=False)
        )
        self.current: ProofDraft | None = None
        self._ready = False

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="proof-dialog"):
            yield Static(Text(f"Profile {self.profile}"), classes="dialog-profile")
            yield Static(
                "Proof: one message, sent to each registered test device of an app",
                classes="dialog-title",
            )
            yield Label("App", classes="field-label")
            yield Select(
                # Store values: Text, escaped (a Select prompt that is a str is markup).
                [(Text(escape(a.label)), a.value) for a in self.apps],
                value=self.default_app if self.default_app is not None else Select.BLANK,
                allow_blank=not self.apps,
                id="proof-app",
            )
            yield Label("Title", classes="field-label")
            # What is typed or pasted: a control character is written visible (its escape).
            yield PlainInput(self.initial.title, id="proof-title", placeholder="Title")
            yield Label("Body", classes="field-label")
            yield PlainTextArea(self.initial.body, id="proof-body", soft_wrap=True)
            yield Label("Data (JSON object of strings, optional)", classes="field-label")
            data = json.dumps(self.initial.data, ensure_ascii=False) if self.initial.data else ""
            if has_unsafe(data):
                # What JSON leaves raw (C1, bidi) as \u escapes: the same data, visible.
                data = json.dumps(self.initial.data)
            yield PlainInput(data, id="proof-data", placeholder='{"screen": "sale"}')
            yield Label("Deep link (optional)", classes="field-label")
            yield PlainInput(
                self.initial.deep_link or "", id="proof-link", placeholder="shop://sale"
            )
            with Horizontal(id="proof-options"):
                yield Switch(self.initial.mark_as_test, id="proof-mark")
                yield Label(
                    f'Mark as test ("{TEST_PREFIX.strip()}" title prefix)',
                    markup=False,  # "[TEST]" is text, not a style tag
                )
                yield Label(f"Device cap (1-{CAP_MAX})")
                yield PlainInput(str(self.cap), id="proof-cap", type="integer", max_length=3)
            with Vertical(id="proof-footer"):
                yield Static("", id="proof-problem")
                with Horizontal(id="proof-buttons"):
                    yield Button("Cancel", id="cancel")
                    yield Button("Review devices…", id="review", variant="primary")

    def on_mount(self) -> None:
        self._ready = True
        self.query_one("#proof-title", Input).focus()
        self.refresh_problem()

    def read_draft(self) -> ProofDraft:
        """What is typed; PushRefused (or ValueError) in words when it cannot be sent."""
        app = self.query_one("#proof-app", Select).value
        if not isinstance(app, str) or not app:
            raise PushRefused("choose the app the proof is for")
        compose = Compose(
            title=self.query_one("#proof-title", Input).value,
            body=self.query_one("#proof-body", TextArea).text,
            data=parse_data(self.query_one("#proof-data", Input).value),
            deep_link=self.query_one("#proof-link", Input).value.strip() or None,
            mark_as_test=self.query_one("#proof-mark", Switch).value,
        )
        validate(compose)
        text = self.query_one("#proof-cap", Input).value.strip()
        cap = int(text) if text.isdigit() else 0
        if not 1 <= cap <= CAP_MAX:
            raise PushRefused(f"the device cap must be a whole number from 1 to {CAP_MAX}")
        return ProofDraft(app, compose, cap)

    def refresh_problem(self) -> None:
        if not self._ready:
            return
        try:
            problem = self.query_one("#proof-problem", Static)
            review = self.query_one("#review", Button)
        except NoMatches:  # a late Changed while the screen is being dismissed
            return
        self.current = None
        try:
            self.current = self.read_draft()
        except PushRefused as exc:
            # The reason may quote what was typed (a data key): text, escaped.
            problem.update(Text(escape(str(exc))))
            review.disabled = True
            return
        problem.update("")
        review.disabled = False

    def on_input_changed(self, event: Input.Changed) -> None:
        self.refresh_problem()

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        self.refresh_problem()

    def on_switch_changed(self, event: Switch.Changed) -> None:
        self.refresh_problem()

    def on_select_changed(self, event: Select.Changed) -> None:
        self.refresh_problem()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "review":
            self.action_review()
        else:
            self.action_cancel()

    def action_review(self) -> None:
        self.refresh_problem()
        if self.current is not None:
            self.dismiss(self.current)

    def action_cancel(self) -> None:
        self.dismiss(None)
