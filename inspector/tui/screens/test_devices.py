"""The Test devices screen: the registered devices with their live token state.

Standalone: it receives the Journal (the list) and how to reach the store (the live
state; `Services.store`) in its constructor and calls both in thread workers. `r`
renames, `d` removes after a confirmation whose focus starts on Cancel; both dialogs
name the profile (`profile`, present.profile_words) whose list they change.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static
from textual.worker import Worker, WorkerState

from inspector import facts
from inspector.errors import describe_error
from inspector.journal.records import TestDevice
from inspector.safetext import clip, escape
from inspector.tui.screens.dialogs import ConfirmScreen, PromptScreen

if TYPE_CHECKING:
    from inspector.journal import Journal
    from inspector.store.repository import StoreRepository

COLUMNS = ("label", "owner", "installation", "platform · model", "token", "last seen")


@dataclass(frozen=True)
class DeviceRow:
    __test__ = False

    device: TestDevice
    # Terminal-safe words (inspector.facts, inspector.errors): shown as Text as they are.
    token: str  # live token state, or why it is unknown
    model: str
    last_seen: str
    healthy: bool


class DevicesLoaded(Message):
    def __init__(self, rows: list[DeviceRow]) -> None:
        super().__init__()
        self.rows = rows


class DeviceChanged(Message):
    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text


class TestDevicesScreen(Screen[str | None]):
    """Registered test devices; the token column is read live from the store.

    Enter opens the selected device in the inspector: the screen dismisses with its
    installation id."""

    __test__ = False

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "close", id="devices.close", tooltip="Back to the inspector"),
        Binding("r", "rename", "rename", id="devices.rename", tooltip="Change the label"),
        Binding("d", "remove", "remove", id="devices.remove", tooltip="Unregister the device"),
        Binding("f5", "reload", "reload", id="devices.reload", tooltip="Read the state again"),
    ]
    DEFAULT_CSS = """
    TestDevicesScreen #devices-title { padding: 0 1; background: $boost; text-style: bold; }
    TestDevicesScreen #devices-status { padding: 0 1; height: auto; }
    TestDevicesScreen #devices-status.bad { color: $error; text-style: bold; }
    TestDevicesScreen DataTable { height: 1fr; }
    """

    def __init__(
        self,
        journal: Journal,
        store: Callable[[], StoreRepository],
        *,
        profile: str | None = None,
    ) -> None:
        """`store()` is called in a worker thread (it may wait for the store to open)."""
        super().__init__()
        self.journal = journal
        self.store = store
        self.profile = profile
        self.rows: list[DeviceRow] = []

    def compose(self) -> ComposeResult:
        # The journal's label is terminal-safe where it is made (config.describe_url).
        yield Static(Text(f"Test devices · {self.journal.label}"), id="devices-title")
        table: DataTable[Text] = DataTable(id="devices-table", cursor_type="row")
        table.add_columns(*COLUMNS)
        yield table
        yield Static("reading the test devices…", id="devices-status")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(DataTable).focus()
        self.load()

    # -- workers -------------------------------------------------------------------

    @work(thread=True, exclusive=True, exit_on_error=False, group="devices-load")
    def load(self) -> None:
        devices = self.journal.test_devices()
        now = datetime.now(UTC)
        rows = []
        store_problem: str | None = None
        for device in devices:
            if store_problem is None:
                try:
                    inst = self.store().get(device.installation_id)
                except Exception as exc:  # any store failure: the list still shows
                    store_problem = clip(f"store unavailable: {describe_error(exc)}", 120)
            if store_problem is not None:
                rows.append(DeviceRow(device, store_problem, "—", "—", False))
            elif inst is None:
                rows.append(DeviceRow(device, "not in the store", "—", "—", False))
            else:
                model = f"{facts.platform_name(inst.platform)} · {facts.dash(inst.device_model)}"
                state = facts.token_state(inst)
                rows.append(DeviceRow(device, state, model, facts.seen(inst, now),
                                      facts.token_words(inst).startswith("active")))  # fmt: skip
        self.post_message(DevicesLoaded(rows))

    @work(thread=True, exclusive=True, exit_on_error=False, group="devices-change")
    def rename_device(self, device: TestDevice, label: str) -> None:
        renamed = self.journal.rename_test_device(device.installation_id, label)
        self.post_message(DeviceChanged(f"renamed to {renamed.label}"))

    @work(thread=True, exclusive=True, exit_on_error=False, group="devices-change")
    def remove_device(self, device: TestDevice) -> None:
        self.journal.remove_test_device(device.installation_id)
        self.post_message(DeviceChanged(f"{device.label} is no longer a test device"))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is WorkerState.ERROR:
            error = event.worker.error or RuntimeError("unknown failure")
            # Terminal-safe already (inspector.errors): taken as Text, not escaped again.
            self.set_status(Text(describe_error(error)), bad=True)

    # -- messages ------------------------------------------------------------------

    def on_devices_loaded(self, message: DevicesLoaded) -> None:
        self.rows = message.rows
        table = self.query_one(DataTable)
        table.clear()
        for row in self.rows:
            d = row.device
            table.add_row(
                Text(escape(d.label)), Text(escape(d.owner)), Text(escape(d.installation_id)),
                Text(row.model),
                Text(row.token, style="" if row.healthy else "yellow"),
                Text(row.last_seen), key=d.installation_id,
            )  # fmt: skip
        if self.rows:
            self.set_status(f"{len(self.rows)} test device(s) · r rename · d remove · Esc close")
        else:
            self.set_status("no test device yet: mark one with t in the device details")

    def on_device_changed(self, message: DeviceChanged) -> None:
        self.set_status(message.text)
        self.load()

    # -- helpers -------------------------------------------------------------------

    def selected(self) -> TestDevice | None:
        table = self.query_one(DataTable)
        if not self.rows or table.cursor_row < 0 or table.cursor_row >= len(self.rows):
            return None
        return self.rows[table.cursor_row].device

    def set_status(self, text: str | Text, *, bad: bool = False) -> None:
        """A str is escaped here; a Text is taken as built from safe parts."""
        status = self.query_one("#devices-status", Static)
        status.update(text if isinstance(text, Text) else Text(escape(text)))
        status.set_class(bad, "bad")

    # -- actions -------------------------------------------------------------------

    def action_close(self) -> None:
        self.dismiss(None)

    def action_reload(self) -> None:
        self.load()

    @on(DataTable.RowSelected)
    def row_selected(self) -> None:
        device = self.selected()
        if device is not None:
            self.dismiss(device.installation_id)

    def action_rename(self) -> None:
        device = self.selected()
        if device is None:
            return

        def done(label: str | None) -> None:
            if label and label != device.label:
                self.rename_device(device, label)

        prompt = PromptScreen(
            f"New label for {device.installation_id}",
            value=device.label,
            accept="rename",
            profile=self.profile,
        )
        self.app.push_screen(prompt, done)

    def action_remove(self) -> None:
        device = self.selected()
        if device is None:
            return

        def done(confirmed: bool | None) -> None:
            if confirmed:
                self.remove_device(device)

        question = (
            f"Remove {device.label} ({device.installation_id}) from the test devices?"
            " Test pushes to it will then follow the push policy."
        )
        confirm = ConfirmScreen(
            question, confirm="Remove", confirm_id="remove", profile=self.profile
        )
        self.app.push_screen(confirm, done)
