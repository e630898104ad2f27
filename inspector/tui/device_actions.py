"""The everyday actions on the selected device: reveal, copy, export, the customer's
other devices. Given the main screen they act on; their workers run on it, so its one
failure handler says what went wrong.

Reveal and export are audited actions: their journal record is written first, and only
then does the value reach the screen or the file reach the disk. Without a journal, or
when the record cannot be written, they are refused in words, like a send.
"""

from __future__ import annotations

import re
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from inspector.boundedjson import dumps
from inspector.errors import describe_error
from inspector.export import event_to_dict, installation_to_dict
from inspector.lookup import KeyKind, Lookup, Probe, QueryError
from inspector.tui.messages import Notice, RevealRecorded
from inspector.tui.present import SafeLine, profile_words
from inspector.tui.screens.dialogs import PickScreen

if TYPE_CHECKING:
    from inspector.tui.screens.main import MainScreen

EXPORT_EVENTS = 200
FIELD_LABELS = {
    "installation_id": "Installation ID",
    "custom_user_id": "Customer ID",
    "push_token": "push token",
    "advertising_id": "Advertising ID",
}
# What an export file name keeps of an Installation ID (it names a file, not a path).
_FILE_SAFE = re.compile(r"[^A-Za-z0-9._-]")


def audit_refusal(screen: MainScreen, refused: str) -> bool:
    """True when there is a journal to record an audited action; else say why the
    action is refused ("Not revealed: ...")."""
    if screen.services.journal is not None:
        return True
    screen.say_unavailable(
        screen.services.opening,
        f"{refused}: the audit journal is still being opened; try again.",
        f"{refused}: there is no audit journal to record it, and this action is"
        " audited before it is done.",
    )
    return False


class DeviceActions:
    def __init__(self, screen: MainScreen) -> None:
        self.screen = screen

    # -- reveal -------------------------------------------------------------------------

    def reveal(self) -> None:
        match = self.screen.need_device()
        if match is None:
            return
        inst = match.installation
        choices = [
            (name, FIELD_LABELS[name])
            for name in ("push_token", "advertising_id")
            if getattr(inst, name)
        ]
        if not choices:
            self.screen.notify("This device has neither a push token nor an Advertising ID.")
        elif len(choices) == 1:
            self._reveal(choices[0][0])
        else:
            profile = profile_words(self.screen.settings)
            self.screen.app.push_screen(
                PickScreen("Reveal which value of this device?", choices, profile=profile),
                self._reveal,
            )

    def _reveal(self, field_name: str | None) -> None:
        """Record the reveal, then show the value (RevealRecorded)."""
        iid = self.screen.current_iid
        if field_name is None or iid is None or not audit_refusal(self.screen, "Not revealed"):
            return
        work = partial(self._record_reveal, iid, field_name)
        self.screen.run_worker(work, thread=True, group="audit", exit_on_error=False)

    def _record_reveal(self, installation_id: str, field_name: str) -> None:
        journal = self.screen.services.journal
        assert journal is not None  # checked by audit_refusal; a journal is never taken back
        try:
            journal.record("reveal", installation_id=installation_id, details={"field": field_name})
        except Exception as exc:
            text = (
                "Not revealed: the audit journal could not record it, so the value stays"
                f" masked. {describe_error(exc)}"
            )
            self._notify_from_thread(text)
            return
        self.screen.post_message(RevealRecorded(installation_id, field_name))

    def revealed(self, message: RevealRecorded) -> None:
        if message.installation_id != self.screen.current_iid:
            return  # another device is shown now: its values stay masked
        self.screen.revealed.add(message.field_name)
        self.screen.render_device()
        label = FIELD_LABELS.get(message.field_name, message.field_name)
        self.screen.notify(f"{label} revealed for this device only; the reveal is audited.")

    def _notify_from_thread(self, text: str) -> None:
        """A sentence built from safe parts (the error's words come from inspector.errors)."""
        self.screen.post_message(Notice(SafeLine(text), "warning", 10))

    # -- copy ---------------------------------------------------------------------------

    def copy(self) -> None:
        match = self.screen.need_device()
        if match is None:
            return
        inst = match.installation
        revealed = self.screen.revealed
        choices = [("installation_id", f"Installation ID  {inst.installation_id}")]
        if inst.custom_user_id:
            choices.append(("custom_user_id", f"Customer ID  {inst.custom_user_id}"))
        if "push_token" in revealed and inst.push_token:
            choices.append(("push_token", "push token (revealed)"))
        if "advertising_id" in revealed and inst.advertising_id:
            choices.append(("advertising_id", "Advertising ID (revealed)"))
        self.screen.app.push_screen(PickScreen("Copy which identifier?", choices), self._copy)

    def _copy(self, field_name: str | None) -> None:
        device = self.screen.device
        if field_name is None or device is None:
            return
        self.screen.app.copy_to_clipboard(getattr(device.installation, field_name))
        self.screen.notify(f"{FIELD_LABELS[field_name]} copied to the clipboard.")

    # -- export -------------------------------------------------------------------------

    def export(self) -> None:
        match = self.screen.need_device()
        if match is not None and audit_refusal(self.screen, "Not exported"):
            inst = match.installation
            work = partial(self._export, inst.installation_id, inst.store)
            self.screen.run_worker(work, thread=True, group="export", exit_on_error=False)

    def _export(self, installation_id: str, store_name: str) -> None:
        screen = self.screen
        journal = screen.services.journal
        assert journal is not None  # checked by audit_refusal
        store = screen.services.store()
        now = screen.clock()
        # Re-read from the store it came from (a regional store is named).
        inst = store.get(installation_id, store=store_name or None)
        if inst is None:
            raise QueryError("this installation is no longer in the store")
        page = store.history(installation_id, limit=EXPORT_EVENTS, store=store_name or None)
        settings = screen.settings
        installation = installation_to_dict(inst, now=now)
        if settings.regional:
            installation["store"] = inst.store  # as `--json` names it
        document = {
            "exported_at": now.isoformat(),
            "exported_by": settings.operator,
            "profile": settings.profile,
            "environment": settings.environment.value,
            # The store it was read from (host/database, never a password).
            "store": next(
                (s.label for s in settings.stores if s.name == inst.store), settings.store_label
            ),
            "installation": installation,
            "history": [event_to_dict(e) for e in page.events],
            "history_complete": page.next_cursor is None,
        }
        folder = screen.export_dir or Path.cwd()
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
            self._notify_from_thread(text)
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
                screen.warn_from_thread(journal_exc, "the failed export was not recorded")
            raise
        screen.post_message(Notice(f"Exported with the latest {len(page.events)} events to {path}"))

    # -- the customer's other devices ---------------------------------------------------

    def customer(self) -> None:
        match = self.screen.need_device()
        if match is None:
            return
        customer = match.installation.custom_user_id
        if not customer:
            self.screen.notify("This installation has no Customer ID.", severity="warning")
            return
        query = f"cid:{customer}"
        lookup = Lookup(query, (Probe(KeyKind.CUSTOMER_ID, customer),))
        self.screen.show_query(query)
        self.screen.lookups.start(query, lookup.description, lookup)
