"""`inspector find` and `inspector show`: read the store."""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime
from typing import Any

from rich.table import Table

from inspector.cli.common import (
    EXIT_BAD_INPUT,
    EXIT_NOT_FOUND,
    EXIT_OK,
    CliError,
    err_console,
    guarded,
    out_console,
    settings,
    store_session,
)
from inspector.cli.journal_commands import open_journal_or_warn
from inspector.config import Settings
from inspector.export import event_to_dict, installation_to_dict, match_to_dict
from inspector.health import device_states, push_warnings, token_state
from inspector.journal import JournalError
from inspector.lookup import KeyKind, Lookup, Probe, check_installation_id, parse_query
from inspector.masking import mask_advertising_id, mask_token
from inspector.timefmt import ago, stamp


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    find = sub.add_parser(
        "find",
        help="installations matching a Customer ID, Installation ID, Advertising ID or token",
        description="Auto-detects the key kind; prefixes cid: iid: adid: token: force it.",
    )
    find.add_argument("query")
    find.add_argument("--json", action="store_true", help="one JSON document on stdout")
    find.set_defaults(func=cmd_find)

    show = sub.add_parser("show", help="one installation with its push state and history")
    show.add_argument("installation_id")
    show.add_argument("--json", action="store_true", help="one JSON document on stdout")
    show.add_argument(
        "--history", type=int, default=10, metavar="N", help="latest N events (default 10)"
    )
    show.set_defaults(func=cmd_show)


def audit_lookup(cfg: Settings, lookup: Lookup, found: int) -> None:
    """Record the lookup in the journal; a journal that fails is a warning, never a failure."""
    journal = open_journal_or_warn(cfg)
    if journal is None:
        return
    try:
        journal.record_lookup(lookup, outcome="found" if found else "not found", found=found)
    except JournalError as exc:
        err_console().print(
            f"inspector: warning: this lookup is not in the audit journal: {exc}", markup=False
        )
    finally:
        journal.close()


def cmd_find(args: argparse.Namespace) -> int:
    cfg = settings()
    lookup = guarded(lambda: parse_query(args.query))
    with store_session(cfg) as store:
        result = store.find(lookup)
    audit_lookup(cfg, lookup, len(result.matches))
    now = datetime.now(UTC)
    installations = [m.installation for m in result.matches]
    states = device_states(installations, now)
    more = result.more_text()
    if args.json:
        doc: dict[str, Any] = {
            "query": lookup.text,
            "probes": [{"kind": p.kind.value, "value": p.value} for p in lookup.probes],
            "installations": [
                match_to_dict(m, states[m.installation.installation_id], now=now)
                for m in result.matches
            ],
            "truncated": result.truncated,
            "more": {k.value: n for k, n in result.more.items()},
        }
        print(json.dumps(doc, ensure_ascii=False, indent=2))
    elif result.matches:
        table = Table(title=f"{len(result.matches)} installation(s) for {lookup.description}")
        for col in ("installation id", "customer", "app", "platform", "device", "version",
                    "last seen", "token", "matched by", ""):  # fmt: skip
            table.add_column(col, no_wrap=col == "installation id")
        for m in result.matches:
            i = m.installation
            table.add_row(
                i.installation_id, i.custom_user_id or "—", i.app.name, i.platform,
                i.device_model or "—", i.app_version or "—", ago(i.last_seen_at, now),
                token_state(i), ", ".join(k.label for k in m.matched_by),
                states[i.installation_id].label,
            )  # fmt: skip
        out_console().print(table)
    if more:
        err_console().print(f"inspector: {more} (refine the query)", markup=False)
    if not result.matches:
        hint = ""
        if any(p.kind.value in ("iid", "adid") for p in lookup.probes):
            hint = " (a Customer ID that looks like a UUID needs the cid: prefix)"
        err_console().print(
            f"inspector: no installation with {lookup.description}{hint}", markup=False
        )
        return EXIT_NOT_FOUND
    return EXIT_OK


def cmd_show(args: argparse.Namespace) -> int:
    if args.history < 0:
        raise CliError("--history must be 0 or more", EXIT_BAD_INPUT)
    cfg = settings()
    iid = guarded(lambda: check_installation_id(args.installation_id))
    with store_session(cfg) as store:
        inst = store.get(iid)
        events = (
            store.history(inst.installation_id, limit=args.history).events
            if inst and args.history
            else ()
        )
    audit_lookup(cfg, Lookup(iid, (Probe(KeyKind.INSTALLATION_ID, iid),)), int(inst is not None))
    if inst is None:
        err_console().print(f"inspector: no installation {iid}", markup=False)
        return EXIT_NOT_FOUND
    now = datetime.now(UTC)
    if args.json:
        doc = installation_to_dict(inst, now=now)
        doc["history"] = [event_to_dict(e) for e in events]
        print(json.dumps({"installation": doc}, ensure_ascii=False, indent=2))
        return EXIT_OK
    out = out_console()
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold")
    grid.add_column()
    rows = [
        ("Installation ID", inst.installation_id),
        ("Customer ID", inst.custom_user_id or "—"),
        ("Advertising ID", mask_advertising_id(inst.advertising_id)),
        ("App", f"{inst.app.name} ({inst.app.bundle_id})"),
        ("Platform", inst.platform),
        ("Device", " ".join(x for x in (inst.device_brand, inst.device_model) if x) or "—"),
        (
            "OS / app / SDK",
            f"{inst.os_version or '—'} / {inst.app_version or '—'} / {inst.sdk_version or '—'}",
        ),
        ("Locale", f"{inst.language or '—'} · {inst.region or '—'} · {inst.timezone or '—'}"),
        ("Installed", f"{stamp(inst.installed_at)} ({ago(inst.installed_at, now)})"),
        ("Last seen", f"{stamp(inst.last_seen_at)} ({ago(inst.last_seen_at, now)})"),
        ("Push", f"{inst.push_provider or '—'} · {token_state(inst)}"),
        ("Push token", mask_token(inst.push_token)),
        (
            "Token updated",
            f"{stamp(inst.push_token_updated_at)} ({ago(inst.push_token_updated_at, now)})",
        ),
        (
            "Opt-in",
            {True: "yes", False: "no (opted out)", None: "unknown"}[inst.notifications_enabled],
        ),
    ]
    for label, value in rows:
        grid.add_row(label, value)
    out.print(grid)
    for warning in push_warnings(inst, now):
        out.print(f"⚠ {warning}", markup=False)
    if inst.attributes:
        out.print("\nAttributes", style="bold")
        out.print(json.dumps(inst.attributes, ensure_ascii=False, indent=2), markup=False)
    if events:
        table = Table(title=f"latest {len(events)} events")
        for col in ("when", "kind", "detail"):
            table.add_column(col)
        for e in events:
            table.add_row(stamp(e.occurred_at), e.kind, json.dumps(e.detail, ensure_ascii=False))
        out.print(table)
    return EXIT_OK
