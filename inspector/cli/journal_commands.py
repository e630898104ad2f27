"""`inspector audit verify|list` and `inspector test-devices list|add|rename|remove`."""

from __future__ import annotations

import argparse
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from inspector import facts
from inspector.cli.common import (
    CliError,
    print_json,
    say,
    say_error,
    settings,
    store_session,
)
from inspector.config import ConfigError, Settings
from inspector.errors import EXIT_BAD_INPUT, EXIT_NOT_FOUND, EXIT_OK
from inspector.export import iso
from inspector.journal import AuditEntry, Journal, TestDevice
from inspector.lookup import check_installation_id
from inspector.safetext import escape
from inspector.store.errors import AmbiguousInstallation, StoreError
from inspector.store.records import Installation
from inspector.timefmt import stamp

# A broken chain is a refusal to vouch for the journal: the "refused" exit code.
EXIT_CHAIN_BROKEN = EXIT_BAD_INPUT


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    audit = sub.add_parser("audit", help="read and check the audit journal")
    audit_sub = audit.add_subparsers(dest="audit_command", metavar="COMMAND", required=True)
    verify = audit_sub.add_parser("verify", help="check the journal's hash chain")
    verify.set_defaults(func=cmd_audit_verify)
    lst = audit_sub.add_parser(
        "list",
        help="journal records, newest first",
        description="Journal records, newest first. --profile NAME reads that profile's "
        "journal and keeps the records written under that profile (records from before "
        "the journal recorded profiles have none); without it, every record is listed.",
    )
    lst.add_argument("--installation", metavar="ID", help="records about one installation")
    lst.add_argument("--operator", metavar="X", help="records of one operator")
    lst.add_argument(
        "--since", metavar="T", help="from T on: 2026-11-27, 2026-11-27T09:30, or 30m / 2h / 7d"
    )
    lst.add_argument("--limit", type=int, default=200, metavar="N", help="at most N (200)")
    lst.add_argument("--json", action="store_true", help="one JSON document on stdout")
    lst.set_defaults(func=cmd_audit_list)

    devices = sub.add_parser("test-devices", help="the registered test devices")
    dev_sub = devices.add_subparsers(dest="devices_command", metavar="COMMAND", required=True)
    dlist = dev_sub.add_parser("list", help="test devices with their live token state")
    dlist.add_argument("--json", action="store_true", help="one JSON document on stdout")
    dlist.set_defaults(func=cmd_devices_list)
    add = dev_sub.add_parser("add", help="register an installation as a test device")
    add.add_argument("installation_id", metavar="ID")
    add.add_argument("--label", required=True, metavar="L", help='e.g. "Ana\'s Pixel 8"')
    add.add_argument("--owner", metavar="O", help="who it belongs to (default: the operator)")
    add.set_defaults(func=cmd_devices_add)
    rename = dev_sub.add_parser("rename", help="change a test device's label")
    rename.add_argument("installation_id", metavar="ID")
    rename.add_argument("--label", required=True, metavar="L")
    rename.set_defaults(func=cmd_devices_rename)
    remove = dev_sub.add_parser("remove", help="unregister a test device")
    remove.add_argument("installation_id", metavar="ID")
    remove.set_defaults(func=cmd_devices_remove)


# -- shared helpers -------------------------------------------------------------------


@contextmanager
def journal_session(cfg: Settings) -> Iterator[Journal]:
    """The journal for one command, closed whatever happens. Its errors reach `main`: a
    refused configuration exits 2, an unusable journal 3, a refused test-device change 2,
    an unknown test device 1 (`inspector.errors`)."""
    journal = Journal.open(cfg)
    try:
        yield journal
    finally:
        journal.close()


_RELATIVE = re.compile(r"(\d{1,12})\s*(m|min|h|d|w)", re.IGNORECASE)
_UNITS = {"m": "minutes", "min": "minutes", "h": "hours", "d": "days", "w": "weeks"}
# The journal holds nothing older than the epoch; an age reaches back at most this far.
EARLIEST_SINCE = datetime(1970, 1, 1, tzinfo=UTC)
MAX_AGE = timedelta(days=36_600)  # about 100 years
_SINCE_HELP = "--since takes a date or time like 2026-11-27T09:30 or an age like 2h"


def parse_since(text: str, now: datetime | None = None) -> datetime:
    """An ISO date or time (UTC unless it says otherwise), or an age like 30m, 2h, 7d;
    from 1970 on, and an age of at most about 100 years."""
    raw = text.strip()
    now = now or datetime.now(UTC)
    match = _RELATIVE.fullmatch(raw)
    if match:
        try:
            delta = timedelta(**{_UNITS[match.group(2).lower()]: int(match.group(1))})
        except OverflowError:
            delta = MAX_AGE + timedelta(days=1)
        if delta > MAX_AGE:
            raise CliError(
                f"--since reaches back at most {MAX_AGE.days:,} days; got {escape(raw)[:60]!r}",
                EXIT_BAD_INPUT,
            )
        return max(now - delta, EARLIEST_SINCE)
    try:
        when = datetime.fromisoformat(raw.replace("Z", "+00:00"))
        when = when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
    except (ValueError, OverflowError):
        raise CliError(f"{_SINCE_HELP}; got {escape(raw)[:60]!r}", EXIT_BAD_INPUT) from None
    if when < EARLIEST_SINCE:
        raise CliError(
            f"--since must be 1970-01-01 or later; got {escape(raw)[:60]!r}", EXIT_BAD_INPUT
        )
    return when


def _details_text(details: dict[str, Any]) -> str:
    parts = []
    for key, value in details.items():
        shown = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        parts.append(f"{escape(str(key))}={escape(shown)}")
    return " ".join(parts)


def entry_line(e: AuditEntry) -> str:
    """One line per record; every field escaped so none can forge a line or a colour."""
    fields = (
        f"#{e.record_id}",
        stamp(e.at),
        escape(e.operator),
        escape(e.environment),
        escape(e.profile or "—"),
        escape(e.action),
        escape(e.outcome),
        escape(e.installation_id or "—"),
        _details_text(e.details),
    )
    return "  ".join(fields)


def entry_to_dict(e: AuditEntry) -> dict[str, Any]:
    return {
        "record_id": e.record_id,
        "at": iso(e.at),
        "operator": e.operator,
        "environment": e.environment,
        "profile": e.profile,
        "store": e.store,
        "installation_id": e.installation_id,
        "action": e.action,
        "outcome": e.outcome,
        "details": e.details,
    }


# -- audit ----------------------------------------------------------------------------


def cmd_audit_verify(args: argparse.Namespace) -> int:
    cfg = settings(args)
    with journal_session(cfg) as journal:
        result = journal.verify()
    if result.ok:
        print(f"the journal at {journal.label} is whole: {result.checked:,} record(s) checked")
        if result.head_hash:
            print(f"last record {result.checked}: hash {result.head_hash}")
        return EXIT_OK
    say(
        f"the journal at {journal.label} is broken at record {result.first_bad}: "
        f"{escape(result.problem)} ({result.checked:,} records before it are whole)",
        escaped=True,
    )
    return EXIT_CHAIN_BROKEN


def cmd_audit_list(args: argparse.Namespace) -> int:
    if args.limit < 1:
        raise CliError("--limit must be 1 or more", EXIT_BAD_INPUT)
    since = parse_since(args.since) if args.since else None
    cfg = settings(args)
    with journal_session(cfg) as journal:
        entries = journal.entries(
            installation_id=args.installation.strip() if args.installation else None,
            operator=args.operator,
            since=since,
            # The global --profile, on this command, is also the filter.
            profile=cfg.profile if getattr(args, "profile", None) else None,
            limit=args.limit,
        )
    if args.json:
        print_json({"journal": journal.label, "entries": [entry_to_dict(e) for e in entries]})
    else:
        for e in entries:
            print(entry_line(e))
    if not entries:
        say("no journal record matches")
        return EXIT_NOT_FOUND
    return EXIT_OK


# -- test devices ---------------------------------------------------------------------


def _device_dict(d: TestDevice) -> dict[str, Any]:
    return {
        "installation_id": d.installation_id,
        "label": d.label,
        "owner": d.owner,
        "added_at": iso(d.added_at),
        "added_by": d.added_by,
    }


def device_state_to_dict(inst: Installation | None, known: bool) -> dict[str, Any]:
    """A test device's live state as data: null throughout when the store could not be
    read (`known` false); `in_store` false, and nulls, when it is not in the store."""
    return {
        "in_store": (inst is not None) if known else None,
        "push_provider": inst.push_provider if inst else None,
        "apns_environment": inst.apns_environment if inst else None,
        "has_push_token": bool(inst.push_token) if inst else None,
        "push_token_status": inst.push_token_status if inst else None,
        "last_seen_at": iso(inst.last_seen_at) if inst else None,
    }


def cmd_devices_list(args: argparse.Namespace) -> int:
    cfg = settings(args)
    with journal_session(cfg) as journal:
        devices = journal.test_devices()
    # Per device: its installation, or None when it is not in the store; no entry at all
    # when the store could not be read.
    live: dict[str, Installation | None] = {}
    try:
        with store_session(cfg) as store:
            for d in devices:
                try:
                    live[d.installation_id] = store.get(d.installation_id)
                except AmbiguousInstallation as exc:  # this device's state only is unknown
                    say_error(exc, "warning: token state unknown: ")
    except (StoreError, ConfigError) as exc:  # the list still shows, without live states
        say_error(exc, "warning: token states unknown: ")
    if args.json:
        rows = [
            {
                **_device_dict(d),
                **device_state_to_dict(live.get(d.installation_id), d.installation_id in live),
            }
            for d in devices
        ]
        print_json({"test_devices": rows})
    else:
        now = datetime.now(UTC)
        for d in devices:
            line = [escape(d.installation_id), escape(d.label), escape(d.owner)]
            if d.installation_id not in live:
                line.append("token state unknown")
            elif (inst := live[d.installation_id]) is None:
                line.append("not in the store")
            else:
                line += [facts.token_state(inst), f"seen {facts.seen(inst, now)}"]
            print("  ".join(line))
    if not devices:
        say("no test device is registered (inspector test-devices add ID --label L)")
    return EXIT_OK


def cmd_devices_add(args: argparse.Namespace) -> int:
    cfg = settings(args)
    iid = check_installation_id(args.installation_id)
    with store_session(cfg) as store:
        inst = store.get(iid)
    if inst is None:
        say(f"no installation {escape(iid)} in the store at {cfg.store_label}", escaped=True)
        return EXIT_NOT_FOUND
    with journal_session(cfg) as journal:
        device = journal.add_test_device(inst.installation_id, args.label, args.owner or "")
    say(
        f"{device.installation_id} is a test device: {device.label} "
        f"(owner {device.owner}, {facts.token_words(inst)})"
    )
    return EXIT_OK


def cmd_devices_rename(args: argparse.Namespace) -> int:
    cfg = settings(args)
    with journal_session(cfg) as journal:
        device = journal.rename_test_device(args.installation_id, args.label)
    say(f"{device.installation_id} is now labelled {device.label}")
    return EXIT_OK


def cmd_devices_remove(args: argparse.Namespace) -> int:
    cfg = settings(args)
    with journal_session(cfg) as journal:
        journal.remove_test_device(args.installation_id)
    say(f"{args.installation_id.strip()} is no longer a test device")
    return EXIT_OK
