"""`inspector find` and `inspector show`: read the store."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from rich.console import RenderableType
from rich.table import Table
from rich.text import Text

from inspector import facts
from inspector.cli.common import (
    CliError,
    json_text,
    out_console,
    print_json,
    say,
    settings,
    store_session,
    text,
)
from inspector.cli.journal_commands import open_journal_or_warn
from inspector.config import Settings
from inspector.errors import EXIT_BAD_INPUT, EXIT_NOT_FOUND, EXIT_OK
from inspector.export import event_to_dict, installation_to_dict, match_to_dict
from inspector.health import DeviceState, device_states, push_warnings
from inspector.journal import JournalError
from inspector.lookup import KeyKind, Lookup, Probe, check_installation_id, parse_query
from inspector.masking import mask_advertising_id, mask_token
from inspector.safetext import clip
from inspector.store.records import Event, Installation, Match
from inspector.timefmt import stamp, when


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
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
        say(f"warning: this lookup is not in the audit journal: {exc}")
    finally:
        journal.close()


def cmd_find(args: argparse.Namespace) -> int:
    cfg = settings()
    lookup = parse_query(args.query)
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
        print_json(doc)
    elif result.matches:
        out_console().print(find_table(result.matches, states, lookup.description, now))
    if more:
        say(f"{more} (refine the query)")
    if not result.matches:
        hint = ""
        if any(p.kind.value in ("iid", "adid") for p in lookup.probes):
            hint = " (a Customer ID that looks like a UUID needs the cid: prefix)"
        say(f"no installation with {lookup.description}{hint}")
        return EXIT_NOT_FOUND
    return EXIT_OK


def find_table(
    matches: Sequence[Match], states: dict[str, DeviceState], description: str, now: datetime
) -> Table:
    """The matches as a table; every cell is literal, terminal-safe text (device facts
    are already, from `inspector.facts`)."""
    table = Table(title=text(f"{len(matches)} installation(s) for {description}"))
    for col in ("installation id", "customer", "app", "platform", "device", "version",
                "last seen", "token", "matched by", ""):  # fmt: skip
        table.add_column(col, no_wrap=col == "installation id")
    for m in matches:
        i = m.installation
        state = states.get(i.installation_id)
        table.add_row(
            text(i.installation_id), text(i.custom_user_id), text(i.app.name),
            Text(facts.platform_name(i.platform)), Text(facts.device_label(i)),
            text(i.app_version), Text(facts.seen(i, now)), Text(facts.token_state(i)),
            text(", ".join(k.label for k in m.matched_by)), text(state.label if state else ""),
        )  # fmt: skip
    return table


def cmd_show(args: argparse.Namespace) -> int:
    if args.history < 0:
        raise CliError("--history must be 0 or more", EXIT_BAD_INPUT)
    cfg = settings()
    iid = check_installation_id(args.installation_id)
    with store_session(cfg) as store:
        inst = store.get(iid)
        events = (
            store.history(inst.installation_id, limit=args.history).events
            if inst and args.history
            else ()
        )
    audit_lookup(cfg, Lookup(iid, (Probe(KeyKind.INSTALLATION_ID, iid),)), int(inst is not None))
    if inst is None:
        say(f"no installation {iid}")
        return EXIT_NOT_FOUND
    now = datetime.now(UTC)
    if args.json:
        doc = installation_to_dict(inst, now=now)
        doc["history"] = [event_to_dict(e) for e in events]
        print_json({"installation": doc})
        return EXIT_OK
    out = out_console()
    for part in show_parts(inst, events, now):
        out.print(part, highlight=False)
    return EXIT_OK


# What a JSON detail may take of an event row before it is cut.
DETAIL_CHARS = 300


def show_parts(inst: Installation, events: Sequence[Event], now: datetime) -> list[RenderableType]:
    """`show` as renderables: literal, terminal-safe text whatever the store holds."""
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold")
    grid.add_column()
    # str: raw text, escaped by `text`; Text: words from `inspector.facts`, already safe.
    rows: list[tuple[str, str | Text]] = [
        ("Installation ID", inst.installation_id),
        ("Customer ID", inst.custom_user_id or "—"),
        ("Advertising ID", mask_advertising_id(inst.advertising_id)),
        ("App", f"{inst.app.name} ({inst.app.bundle_id})"),
        ("Platform", Text(facts.platform_name(inst.platform))),
        ("Device", Text(facts.device_label(inst))),
        (
            "OS / app / SDK",
            f"{inst.os_version or '—'} / {inst.app_version or '—'} / {inst.sdk_version or '—'}",
        ),
        ("Locale", f"{inst.language or '—'} · {inst.region or '—'} · {inst.timezone or '—'}"),
        ("Installed", Text(facts.at(inst, "installed_at", now))),
        ("Last seen", Text(facts.at(inst, "last_seen_at", now))),
        (
            "Push",
            Text(f"{facts.provider_name(inst.push_provider)} · {facts.token_state(inst)}"),
        ),
        ("Push token", mask_token(inst.push_token)),
        ("Token updated", Text(facts.at(inst, "push_token_updated_at", now))),
        ("Opt-in", Text(facts.opt_in(inst.notifications_enabled))),
    ]
    for label, value in rows:
        grid.add_row(label, value if isinstance(value, Text) else text(value))
    parts: list[RenderableType] = [grid]
    parts.extend(text(f"⚠ {warning}") for warning in push_warnings(inst, now))
    if inst.attributes:
        parts.append(Text("\nAttributes", style="bold"))
        # ASCII JSON: every control and invisible character is a visible \u escape.
        parts.append(Text(json_text(inst.attributes)))
    if events:
        table = Table(title=Text(f"latest {len(events)} events"))
        for col in ("when", "kind", "detail"):
            table.add_column(col)
        for e in events:
            occurred = e.occurred_at
            shown = stamp(occurred) if occurred else when(None, now, e.invalid.get("occurred_at"))
            detail = clip(json_text(e.detail, indent=None), DETAIL_CHARS)
            table.add_row(Text(shown), text(e.kind), Text(detail))
        parts.append(table)
    return parts
