"""Compose a test push to one device: title, body, data, deep link, marking, live size.

Dismisses with the Compose to prepare, or None when cancelled. The size is the exact
payload's (through PushService.preview, no I/O) against the 4096-byte limit; Review is
disabled while the compose cannot be sent as it stands.

The flow the main screen runs (tui/push_flow.py; an async worker, blocking calls in
threads), on the push service of the profile the device was read on:
    compose = await app.push_screen_wait(PushComposeScreen(service, installation))
    prepared = await asyncio.to_thread(service.prepare, iid, compose)   # PushRefused
    if await app.push_screen_wait(PushConfirmScreen(prepared)):
        app.run_for_profile(services, send)   # service.send(prepared), then its verdict
"""

from __future__ import annotations

import json
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.css.query import NoMatches
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static, Switch, TextArea

from inspector import facts
from inspector.push import Compose, PushRefused, PushService
from inspector.push.model import PAYLOAD_LIMIT
from inspector.push.payload import TEST_PREFIX, parse_data
from inspector.safetext import escape, has_unsafe
from inspector.store.records import Installation
from inspector.tui.plain_inputs import PlainInput, PlainTextArea


class PushComposeScreen(ModalScreen[Compose | None]):
    DEFAULT_CSS = """
    PushComposeScreen { align: center middle; }
    PushComposeScreen > #compose-dialog {
        width: 90; max-width: 100%; height: auto; max-height: 100%;
        border: thick $primary; background: $surface; padding: 0 1;
    }
    PushComposeScreen .dialog-title { text-style: bold; }
    PushComposeScreen .field-label { color: $text-muted; }
    PushComposeScreen #body { height: 4; }
    PushComposeScreen #mark-row { height: auto; }
    PushComposeScreen #mark-row Label { padding: 1 1; }
    PushComposeScreen #size.-over { color: $error; text-style: bold; }
    PushComposeScreen #problem { color: $error; height: auto; }
    /* Docked: size, problem and the buttons stay in view while the fields scroll. */
    PushComposeScreen #footer { dock: bottom; height: auto; }
    PushComposeScreen #buttons { height: auto; align-horizontal: right; }
    PushComposeScreen #buttons Button { margin-left: 2; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "cancel", id="push_compose.cancel",
                tooltip="Close without sending"),
        Binding("ctrl+s", "review", "review", id="push_compose.review",
                tooltip="Review the exact payload before sending"),
    ]  # fmt: skip

    def __init__(
        self,
        service: PushService,
        installation: Installation,
        initial: Compose | None = None,
        *,
        request: bool = False,
    ) -> None:
        """`request`: composing the payload of an approval request (push policy
        `approval`), which another operator approves before it can be sent."""
        super().__init__()
        self.request = request
        self.service = service
        self.installation = installation
        self.initial = initial or Compose(title="", body="")
        self.current: Compose | None = None
        # Inputs post Changed while the screen is still being built: ignore those.
        self._ready = False

    def compose(self) -> ComposeResult:
        i = self.installation
        # Device facts read as everywhere else (inspector.facts, terminal-safe already);
        # the other store values escaped here; all of it Text, never markup.
        device = i.device_brand or i.device_model
        model = facts.device_label(i) if device else facts.platform_name(i.platform)
        what = (
            "Ask for approval of a push to ONE device"
            if self.request
            else "Test push to ONE device"
        )
        title = (
            f"{what}: {model} · "
            + escape(f"{i.app.name} · customer {i.custom_user_id or '—'}")
            + (" · SIMULATED (demo)" if self.service.is_simulated(i) else "")
        )
        with VerticalScroll(id="compose-dialog"):
            yield Static(Text(title), classes="dialog-title")
            yield Label("Title", classes="field-label")
            # What is typed or pasted: a control character is written visible (its escape).
            yield PlainInput(self.initial.title, id="title", placeholder="Title")
            yield Label("Body", classes="field-label")
            yield PlainTextArea(self.initial.body, id="body", soft_wrap=True)
            yield Label("Data (JSON object of strings, optional)", classes="field-label")
            initial_data = (
                json.dumps(self.initial.data, ensure_ascii=False) if self.initial.data else ""
            )
            if has_unsafe(initial_data):
                # What JSON leaves raw (C1, bidi) as \u escapes: the same data, visible.
                initial_data = json.dumps(self.initial.data)
            yield PlainInput(initial_data, id="data", placeholder='{"screen": "cart"}')
            yield Label("Deep link (optional)", classes="field-label")
            yield PlainInput(self.initial.deep_link or "", id="deep-link",
                             placeholder="shop://cart/42")  # fmt: skip
            with Horizontal(id="mark-row"):
                yield Switch(self.initial.mark_as_test, id="mark")
                yield Label(
                    f'Mark as test: "{TEST_PREFIX.strip()}" title prefix, operator and journal'
                    " record id in the data",
                    id="mark-label",
                    markup=False,  # "[TEST]" is text, not a style tag
                )
            with Vertical(id="footer"):
                yield Static("", id="size")
                yield Static("", id="problem")
                with Horizontal(id="buttons"):
                    yield Button("Cancel", id="cancel")
                    yield Button("Review…", id="review", variant="primary")

    def on_mount(self) -> None:
        self._ready = True
        self.query_one("#title", Input).focus()
        self.refresh_preview()

    # -- live validation -----------------------------------------------------------

    def read_compose(self) -> Compose:
        """The compose as typed; PushRefused for data that is not a JSON object of strings."""
        return Compose(
            title=self.query_one("#title", Input).value,
            body=self.query_one("#body", TextArea).text,
            data=parse_data(self.query_one("#data", Input).value),
            deep_link=self.query_one("#deep-link", Input).value.strip() or None,
            mark_as_test=self.query_one("#mark", Switch).value,
        )

    def refresh_preview(self) -> None:
        if not self._ready:
            return
        try:
            size = self.query_one("#size", Static)
            problem = self.query_one("#problem", Static)
            review = self.query_one("#review", Button)
        except NoMatches:  # a late Changed while the screen is being dismissed
            return
        self.current = None
        try:
            compose = self.read_compose()
            preview = self.service.preview(self.installation, compose)
        except PushRefused as exc:
            # The reason may quote what was typed (a data key): text, escaped.
            problem.update(Text(escape(str(exc))))
            review.disabled = True
            return
        over = preview.payload_bytes > PAYLOAD_LIMIT
        size.update(
            f"Payload {preview.payload_bytes} / {PAYLOAD_LIMIT} bytes"
            + (f" — {preview.payload_bytes - PAYLOAD_LIMIT} bytes too many" if over else "")
        )
        size.set_class(over, "-over")
        problem.update("the payload is over the 4096-byte limit: shorten it" if over else "")
        review.disabled = over
        if not over:
            self.current = compose

    def on_input_changed(self, event: Input.Changed) -> None:
        self.refresh_preview()

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        self.refresh_preview()

    def on_switch_changed(self, event: Switch.Changed) -> None:
        self.refresh_preview()

    # -- leaving ---------------------------------------------------------------------

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "review":
            self.action_review()
        else:
            self.action_cancel()

    def action_review(self) -> None:
        self.refresh_preview()
        if self.current is not None:
            self.dismiss(self.current)

    def action_cancel(self) -> None:
        self.dismiss(None)
