"""`inspector find` and `inspector show`: read the store.

`find -` and `show -` read one query per stdin line (cli/bulk.py). The `--json` path
imports neither Rich nor the ORM: tables are drawn, and Rich loaded, only without it.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from inspector import facts
from inspector.cli.common import (
    CliError,
    audit_lookups,
    json_text,
    out_console,
    print_json,
    say,
    settings,
    store_session,
    text,
)
from inspector.errors import EXIT_BAD_INPUT, EXIT_NOT_FOUND, EXIT_OK, EXIT_UNREACHABLE
from inspector.export import (
    FIELD_NAMES,
    TOKEN_REPORT_FIELDS,
    event_to_dict,
    installation_to_dict,
    match_fields,
    match_to_dict,
)
from inspector.health import DeviceState, device_states, push_warnings
from inspector.lookup import KeyKind, Lookup, Probe, check_installation_id, parse_query
from inspector.masking import mask_advertising_id, mask_token
from inspector.safetext import clip
from inspector.store.records import Event, FindResult, Installation, Match
from inspector.timefmt import stamp, when

if TYPE_CHECKING:
    from rich.console import RenderableType
    from rich.table import Table

# Stdin instead of a query: one query per line.
STDIN = "-"


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    find = sub.add_parser(
        "find",
        help="installations matching a Customer ID, Installation ID, Advertising ID or token",
        description="Auto-detects the key kind; prefixes cid: iid: adid: token: force it."
        " QUERY '-' reads one query per stdin line ('#' comments and blank lines skipped)"
        " and writes one answer per query (JSON Lines with --json).",
        epilog="exit codes: 0 found (every query ran, with '-'); 1 nothing found (for some"
        " query); 2 bad input or refused (some query); 3 the store failed, or (several"
        " stores) one did not answer: what the others found is given, the missing store"
        " named on stderr. With '-' the highest applies.",
    )
    find.add_argument("query", help="the query, or '-' for one query per stdin line")
    add_output_options(find)
    find.set_defaults(func=cmd_find)

    show = sub.add_parser(
        "show",
        help="one installation with its push state and history",
        description="INSTALLATION_ID '-' reads one Installation ID per stdin line, as"
        " `find -` does (no history).",
    )
    show.add_argument("installation_id", help="the Installation ID, or '-' for stdin")
    add_output_options(show)
    show.add_argument(
        "--history", type=int, default=10, metavar="N", help="latest N events (default 10)"
    )
    show.set_defaults(func=cmd_show)


def add_output_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--json", action="store_true", help="one JSON document on stdout (JSON Lines with '-')"
    )
    pick = parser.add_mutually_exclusive_group()
    pick.add_argument(
        "--fields",
        type=field_list,
        metavar="A,B,...",
        help=f"only these fields of each installation: {', '.join(FIELD_NAMES)}",
    )
    pick.add_argument(
        "--token-report",
        dest="fields",
        action="store_const",
        const=TOKEN_REPORT_FIELDS,
        help="provider, APNs environment, token status and age, opt-in, live/stale",
    )


def field_list(value: str) -> tuple[str, ...]:
    names = tuple(dict.fromkeys(n.strip() for n in value.split(",") if n.strip()))
    unknown = [n for n in names if n not in FIELD_NAMES]
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"unknown field {', '.join(unknown)!s}; fields: {', '.join(FIELD_NAMES)}"
            if unknown
            else "name at least one field"
        )
    return names


def selected(
    match: Match, state: DeviceState | None, fields: Sequence[str], now: datetime
) -> dict[str, Any]:
    """The `--fields` of one match, in the order asked."""
    values = match_fields(match, state, now)
    return {name: values[name] for name in fields}


def with_store(doc: dict[str, Any], inst: Installation) -> dict[str, Any]:
    """An installation's data with `store`, the name of the store it came from, beside
    its `installation_id` (first with --fields that leave it out): only when the profile
    has several stores, whose installations alone carry a name."""
    if not inst.store:
        return doc
    if "installation_id" not in doc:
        return {"store": inst.store, **doc}
    out: dict[str, Any] = {}
    for key, value in doc.items():
        out[key] = value
        if key == "installation_id":
            out["store"] = inst.store
    return out


def find_document(
    result: FindResult, now: datetime, fields: Sequence[str] | None
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The installations of a find as data (all fields, or `fields`), and `truncated` and
    `more`, the same for `find` and each line of `find -`."""
    states = device_states([m.installation for m in result.matches], now)
    rows = [
        with_store(
            match_to_dict(m, states[m.installation.installation_id], now=now)
            if fields is None
            else selected(m, states[m.installation.installation_id], fields, now),
            m.installation,
        )
        for m in result.matches
    ]
    extra = {"truncated": result.truncated, "more": {k.value: n for k, n in result.more.items()}}
    return rows, extra


def cmd_find(args: argparse.Namespace) -> int:
    if args.query == STDIN:
        from inspector.cli.bulk import run_bulk

        return run_bulk(args, show=False)
    cfg = settings(args)
    lookup = parse_query(args.query)
    with store_session(cfg) as store:
        result = store.find(lookup)
    audit_lookups(cfg, [(lookup, len(result.matches))])
    now = datetime.now(UTC)
    more = result.more_text()
    if args.json:
        rows, extra = find_document(result, now, args.fields)
        doc: dict[str, Any] = {
            "query": lookup.text,
            "probes": [{"kind": p.kind.value, "value": p.value} for p in lookup.probes],
            "installations": rows,
            **extra,
        }
        if cfg.regional:
            doc["warnings"] = list(result.warnings)
        print_json(doc)
    elif result.matches:
        states = device_states([m.installation for m in result.matches], now)
        title = f"{len(result.matches)} installation(s) for {lookup.description}"
        if args.fields:
            table = fields_table(result.matches, states, args.fields, title, now, cfg.regional)
        else:
            table = find_table(result.matches, states, title, now, cfg.regional)
        out_console().print(table)
    if more:
        say(f"{more} (refine the query)")
    # A store that did not answer: its installations are missing, and the exit code says
    # so (3) whatever the others found; "not found" would be a silent gap.
    for warning in result.warnings:
        say(f"warning: {warning}")
    if not result.matches:
        where = " in the stores that answered" if result.warnings else ""
        say(f"no installation with {lookup.description}{where}{not_found_hint(lookup)}")
    if result.warnings:
        return EXIT_UNREACHABLE
    return EXIT_OK if result.matches else EXIT_NOT_FOUND


def not_found_hint(lookup: Lookup) -> str:
    if any(p.kind in (KeyKind.INSTALLATION_ID, KeyKind.ADVERTISING_ID) for p in lookup.probes):
        return " (a Customer ID that looks like a UUID needs the cid: prefix)"
    return ""


def cell(value: Any) -> str:
    """A data value for a table cell: terminal-safe text; a dash for null, yes/no."""
    if isinstance(value, list):
        value = ", ".join(str(v) for v in value)
    return facts.dash(value)


def fields_table(
    matches: Sequence[Match],
    states: dict[str, DeviceState],
    fields: Sequence[str],
    title: str,
    now: datetime,
    regional: bool = False,
) -> Table:
    """The `--fields` (or `--token-report`) of each match as a table; with several
    stores, the store's name first."""
    from rich.table import Table
    from rich.text import Text

    table = Table(title=text(title))
    if regional:
        table.add_column("store")
    for name in fields:
        table.add_column(name, no_wrap=name == "installation_id")
    for m in matches:
        values = selected(m, states.get(m.installation.installation_id), fields, now)
        store = [text(m.installation.store)] if regional else []
        table.add_row(*store, *(Text(cell(values[name])) for name in fields))
    return table


def find_table(
    matches: Sequence[Match],
    states: dict[str, DeviceState],
    title: str,
    now: datetime,
    regional: bool = False,
) -> Table:
    """The matches as a table; every cell is literal, terminal-safe text (device facts
    are already, from `inspector.facts`). With several stores, the store's name first."""
    from rich.table import Table
    from rich.text import Text

    table = Table(title=text(title))
    columns = ("installation id", "customer", "app", "platform", "device", "version",
               "last seen", "token", "matched by", "")  # fmt: skip
    for col in ("store", *columns) if regional else columns:
        table.add_column(col, no_wrap=col == "installation id")
    for m in matches:
        i = m.installation
        state = states.get(i.installation_id)
        store = [text(i.store)] if regional else []
        table.add_row(
            *store,
            text(i.installation_id), text(i.custom_user_id), text(i.app.name),
            Text(facts.platform_name(i.platform)), Text(facts.device_label(i)),
            text(i.app_version), Text(facts.seen(i, now)), Text(facts.token_state(i)),
            text(", ".join(k.label for k in m.matched_by)), text(state.label if state else ""),
        )  # fmt: skip
    return table


def cmd_show(args: argparse.Namespace) -> int:
    if args.installation_id == STDIN:
        from inspector.cli.bulk import run_bulk

        return run_bulk(args, show=True)
    if args.history < 0:
        raise CliError("--history must be 0 or more", EXIT_BAD_INPUT)
    cfg = settings(args)
    iid = check_installation_id(args.installation_id)
    with store_session(cfg) as store:
        # Regional stores: the one store that holds it (AmbiguousInstallation when two
        # do); its history from that store.
        inst = store.get(iid)
        events = (
            store.history(inst.installation_id, limit=args.history, store=inst.store).events
            if inst and args.history
            else ()
        )
    audit_lookups(cfg, [(id_lookup(iid), int(inst is not None))])
    if inst is None:
        say(f"no installation {iid}")
        return EXIT_NOT_FOUND
    now = datetime.now(UTC)
    if args.fields:
        match = Match(inst, (KeyKind.INSTALLATION_ID,))
        if args.json:
            print_json({"installation": with_store(selected(match, None, args.fields, now), inst)})
        else:
            out_console().print(fields_table([match], {}, args.fields, iid, now, cfg.regional))
        return EXIT_OK
    if args.json:
        doc = with_store(installation_to_dict(inst, now=now), inst)
        doc["history"] = [event_to_dict(e) for e in events]
        print_json({"installation": doc})
        return EXIT_OK
    out = out_console()
    for part in show_parts(inst, events, now):
        out.print(part, highlight=False)
    return EXIT_OK


def id_lookup(iid: str) -> Lookup:
    """`show ID` recorded in the journal as the lookup of an Installation ID."""
    return Lookup(iid, (Probe(KeyKind.INSTALLATION_ID, iid),))


# What a JSON detail may take of an event row before it is cut.
DETAIL_CHARS = 300


def show_parts(inst: Installation, events: Sequence[Event], now: datetime) -> list[RenderableType]:
    """`show` as renderables: literal, terminal-safe text whatever the store holds."""
    from rich.table import Table
    from rich.text import Text

    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold")
    grid.add_column()
    # str: raw text, escaped by `text`; Text: words from `inspector.facts`, already safe.
    rows: list[tuple[str, str | Text]] = [
        ("Installation ID", inst.installation_id),
        *((("Store", inst.store),) if inst.store else ()),
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
