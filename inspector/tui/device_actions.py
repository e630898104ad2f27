"""The everyday actions on the selected device: reveal, copy, export, the customer's
other devices, back, tabs and help. A mixin of InspectorApp (kept apart to keep app.py
about searching and showing).

Reveal and export are audited actions: their journal record is written first, and only
then does the value reach the screen or the file reach the disk. Without a journal, or
when the record cannot be written, they are refused in words, like a send.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual import work
from textual.widgets import DataTable

from inspector.boundedjson import dumps
from inspector.export import event_to_dict, installation_to_dict
from inspector.lookup import KeyKind, Lookup, Probe, QueryError
from inspector.store.records import Match
from inspector.tui.errors import describe_error
from inspector.tui.messages import RevealRecorded
from inspector.tui.screens.help import HelpScreen
from inspector.tui.screens.pick import PickScreen
from inspector.tui.widgets.details import DeviceDetails

if TYPE_CHECKING:
    from inspector.tui.app import InspectorApp

    _Base = InspectorApp
else:
    _Base = object

EXPORT_EVENTS = 200
FIELD_LABELS = {"push_token": "push token", "advertising_id": "Advertising ID"}
# What an export file name keeps of an Installation ID (it names a file, not a path).
_FILE_SAFE = re.compile(r"[^A-Za-z0-9._-]")


class DeviceActions(_Base):
    def _need_device(self) -> Match | None:
        if self.device is None:
            self.notify("Select a device first: search, then pick a row.", severity="warning")
        return self.device

    async def action_reveal(self) -> None:
        match = self._need_device()
        if match is None:
            return
        inst = match.installation
        choices = []
        if inst.push_token:
            choices.append(("push_token", "push token"))
        if inst.advertising_id:
            choices.append(("advertising_id", "Advertising ID"))
        if not choices:
            self.notify("This device has neither a push token nor an Advertising ID.")
            return
        if len(choices) == 1:
            self.reveal(choices[0][0])
            return
        self.push_screen(PickScreen("Reveal which value of this device?", choices), self.reveal)

    def _audit_refusal(self, refused: str) -> bool:
        """True when there is a journal to record an audited action; else say why the
        action is refused ("Not revealed: ...")."""
        if self.journal is not None:
            return True
        if self.opening:
            self.notify(f"{refused}: the audit journal is still being opened; try again.")
        else:
            self.notify(
                f"{refused}: there is no audit journal to record it, and this action is"
                " audited before it is done.",
                severity="warning",
                timeout=8,
            )
        return False

    def reveal(self, field_name: str | None) -> None:
        """Record the reveal, then show the value (RevealRecorded)."""
        if field_name is None or self.device is None:
            return
        if self._audit_refusal("Not revealed"):
            self.run_reveal(self.device.installation.installation_id, field_name)

    @work(thread=True, group="audit", exit_on_error=False)
    def run_reveal(self, installation_id: str, field_name: str) -> None:
        journal = self.journal
        assert journal is not None
        try:
            journal.record("reveal", installation_id=installation_id, details={"field": field_name})
        except Exception as exc:
            text = (
                f"Not revealed: the audit journal could not record it, so the value stays"
                f" masked. {describe_error(exc)}"
            )
            self.call_from_thread(self.notify, text, severity="warning", timeout=10)
            return
        self.post_message(RevealRecorded(installation_id, field_name))

    def on_reveal_recorded(self, message: RevealRecorded) -> None:
        if message.installation_id != self._current_iid():
            return  # another device is shown now: its values stay masked
        self.revealed.add(message.field_name)
        self.render_device()
        label = FIELD_LABELS.get(message.field_name, message.field_name)
        self.notify(f"{label} revealed for this device only; the reveal is audited.")

    def action_copy(self) -> None:
        match = self._need_device()
        if match is None:
            return
        inst = match.installation
        choices = [("installation_id", f"Installation ID  {inst.installation_id}")]
        if inst.custom_user_id:
            choices.append(("custom_user_id", f"Customer ID  {inst.custom_user_id}"))
        if "push_token" in self.revealed and inst.push_token:
            choices.append(("push_token", "push token (revealed)"))
        if "advertising_id" in self.revealed and inst.advertising_id:
            choices.append(("advertising_id", "Advertising ID (revealed)"))
        self.push_screen(PickScreen("Copy which identifier?", choices), self.copy_identifier)

    def copy_identifier(self, field_name: str | None) -> None:
        if field_name is None or self.device is None:
            return
        value = getattr(self.device.installation, field_name)
        self.copy_to_clipboard(value)
        names = {
            "installation_id": "Installation ID",
            "custom_user_id": "Customer ID",
            "push_token": "push token",
            "advertising_id": "Advertising ID",
        }
        self.notify(f"{names[field_name]} copied to the clipboard.")

    def action_export(self) -> None:
        match = self._need_device()
        if match is not None and self._audit_refusal("Not exported"):
            self.run_export(match.installation.installation_id)

    @work(thread=True, group="export", exit_on_error=False)
    def run_export(self, installation_id: str) -> None:
        journal = self.journal
        assert journal is not None
        now = self.clock()
        inst = self.store.get(installation_id)
        if inst is None:
            raise QueryError("this installation is no longer in the store")
        page = self.store.history(installation_id, limit=EXPORT_EVENTS)
        document = {
            "exported_at": now.isoformat(),
            "exported_by": self.settings.operator,
            "environment": self.settings.environment.value,
            "store": self.settings.store_label,
            "installation": installation_to_dict(inst, now=now),
            "history": [event_to_dict(e) for e in page.events],
            "history_complete": page.next_cursor is None,
        }
        folder = self.export_dir or Path.cwd()
        name = _FILE_SAFE.sub("_", installation_id)
        path = folder / f"inspector-{name}-{now.strftime('%Y%m%dT%H%M%SZ')}.json"
        details = {"file": path.name, "events": len(page.events)}
        try:
            journal.record("export", installation_id=installation_id, details=details)
        except Exception as exc:
            text = (
                "Not exported: the audit journal could not record it, so no file was"
                f" written. {describe_error(exc)}"
            )
            self.call_from_thread(self.notify, text, severity="warning", timeout=10)
            return
        # ASCII JSON, never NaN: the file is safe to `cat` and any JSON reader takes it.
        try:
            path.write_text(dumps(document, indent=2) + "\n", "utf-8")
        except OSError:
            # The record above says an export was asked; this one says it failed.
            try:
                journal.record(
                    "export", installation_id=installation_id, outcome="failed", details=details
                )
            except Exception as journal_exc:
                self._warn_from_thread(journal_exc, "the failed export was not recorded")
            raise
        self.call_from_thread(
            self.notify, f"Exported with the latest {len(page.events)} events to {path}"
        )

    def action_customer(self) -> None:
        match = self._need_device()
        if match is None:
            return
        customer = match.installation.custom_user_id
        if not customer:
            self.notify("This installation has no Customer ID.", severity="warning")
            return
        query = f"cid:{customer}"
        lookup = Lookup(query, (Probe(KeyKind.CUSTOMER_ID, customer),))
        self.show_query(query)
        self.start_lookup(query, lookup.description, lookup)

    async def action_back(self) -> None:
        if not self.back_stack:
            self.notify("Nothing to go back to.")
            return
        await self._ensure_details()
        self._cancel_lookup(None)
        self.view = self.back_stack.pop()
        self.show_query(self.view.query)
        self.show_results(self.view)
        self.query_one("#results", DataTable).focus()

    # Switching tab by key puts the focus where the arrows are useful in that tab.
    _TAB_FOCUS: ClassVar[dict[str, str]] = {
        "history": "#history-table",
        "attributes": "#attributes-table",
    }

    def _show_tab(self, tab: str) -> None:
        if self._need_device() is None:
            return
        details = self.query_one(DeviceDetails)
        focused = self.focused
        if focused is not None and details in focused.ancestors:
            # Focus left inside a pane being hidden would move to a sibling in the same
            # pane, and TabbedContent would switch back to it.
            self.query_one("#results").focus()
        details.active = tab
        target = self._TAB_FOCUS.get(tab)
        if target:
            self.query_one(target).focus()

    def action_tab_overview(self) -> None:
        self._show_tab("overview")

    def action_tab_push(self) -> None:
        self._show_tab("push")

    def action_tab_attributes(self) -> None:
        self._show_tab("attributes")

    def action_tab_history(self) -> None:
        self._show_tab("history")

    def action_tab_activity(self) -> None:
        self._show_tab("activity")

    def action_help(self) -> None:
        self.push_screen(HelpScreen())
