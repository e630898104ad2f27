"""`inspector push` and `inspector check-token`: one test push to one installation.

Exit codes: 0 accepted (or validated); 1 the installation is not in the store, or the
provider rejected this token or message (UNREGISTERED, BadDeviceToken, PayloadTooLarge...);
2 bad input, refused by policy or rate limit, not confirmed, or a check APNs cannot do;
3 the store, journal or provider could not be used (unreachable, timeout, 5xx, 429,
credentials). A dry run is refused by the `off` policy only: the per-device cooldown and
the per-operator cap count sends.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Any, TextIO

from inspector.cli.common import (
    CliError,
    err_console,
    open_store,
    out_console,
    print_json,
    say,
    settings,
    text,
)
from inspector.config import Environment, Settings
from inspector.errors import EXIT_BAD_INPUT
from inspector.journal import Journal
from inspector.lookup import check_installation_id
from inspector.push import Compose, PreparedPush, PushResult, PushService
from inspector.push.payload import parse_data
from inspector.push.verdict import exit_code, verdict_lines

EXIT_CODES = (
    "exit codes: 0 accepted or validated; 1 no such installation in the store, or the"
    " provider rejected this token or message;"
    " 2 bad input, refused (policy, rate limit, not confirmed); 3 store, journal or provider"
    " unusable (unreachable, timeout, 5xx, 429, credentials)"
)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    push = sub.add_parser(
        "push",
        help="send a test push to exactly one installation",
        description="Shows the confirmation summary, asks, then sends to the installation's"
        " one token. Marked as a test: '[TEST] ' title prefix, operator and journal record"
        " in the data.",
        epilog=EXIT_CODES,
    )
    # Not required by argparse: `--approved REQUEST_ID` alone sends an approved request.
    push.add_argument("installation_id", nargs="?")
    push.add_argument("--title")
    push.add_argument("--body")
    push.add_argument("--data", metavar="JSON", help="data as a JSON object of strings")
    push.add_argument("--deep-link", metavar="URL", help="a link the app opens")
    push.add_argument(
        "--dry-run",
        action="store_true",
        help="FCM: validate_only (nothing delivered); APNs: build and check, send nothing",
    )
    push.add_argument("--yes", action="store_true", help="send without asking")
    push.add_argument("--json", action="store_true", help="the result as JSON on stdout")
    push.add_argument(
        "--request",
        action="store_true",
        help="policy `approval`: ask a second operator to approve this exact send",
    )
    push.add_argument(
        "--approved",
        metavar="REQUEST_ID",
        help="send an approved request, once (it names the device and the payload)",
    )
    push.set_defaults(func=cmd_push)

    check = sub.add_parser(
        "check-token",
        help="ask FCM whether a token is registered, without notifying (validate_only)",
        description="APNs has no dry run: for APNs tokens this says so and exits 2.",
        epilog=EXIT_CODES,
    )
    check.add_argument("installation_id")
    check.add_argument("--json", action="store_true", help="the result as JSON on stdout")
    check.set_defaults(func=cmd_check_token)


@contextmanager
def push_service(cfg: Settings) -> Iterator[PushService]:
    """The push service over the store and the journal, all three closed after. Their
    errors reach `main`: a refused push exits 2, an unusable provider 3."""
    with ExitStack() as stack:
        store = open_store(cfg)
        stack.callback(store.close)
        journal = Journal.open(cfg)
        stack.callback(journal.close)
        service = PushService.from_settings(cfg, store, journal)
        stack.callback(service.close)
        yield service


def cmd_push(args: argparse.Namespace) -> int:
    from inspector.cli import signoff_commands

    if args.approved is not None:
        given = [
            name
            for name, value in (
                ("INSTALLATION_ID", args.installation_id),
                ("--title", args.title),
                ("--body", args.body),
                ("--data", args.data),
                ("--deep-link", args.deep_link),
                ("--dry-run", args.dry_run),
                ("--request", args.request),
            )
            if value
        ]
        if given:
            raise CliError(
                f"push --approved sends the approved request as it was approved: drop"
                f" {', '.join(given)}",
                EXIT_BAD_INPUT,
            )
        return signoff_commands.cmd_push_approved(args)
    missing = [
        name
        for name, value in (
            ("INSTALLATION_ID", args.installation_id),
            ("--title", args.title),
            ("--body", args.body),
        )
        if value is None
    ]
    if missing:
        raise CliError(f"push: error: {', '.join(missing)} required", EXIT_BAD_INPUT)
    if args.request:
        if args.dry_run:
            raise CliError("push --request asks for a send: it takes no --dry-run", EXIT_BAD_INPUT)
        return signoff_commands.cmd_push_request(args)
    cfg = settings(args)
    compose = Compose(
        title=args.title,
        body=args.body,
        data=parse_data(args.data or ""),
        deep_link=args.deep_link,
    )
    with push_service(cfg) as service:
        store = home_store(service, args.installation_id)
        # A dry run is a validation: the off switch refuses it, the send limits do not.
        prepared = service.prepare(args.installation_id, compose, dry_run=args.dry_run, store=store)
        # The summary quotes the store (device, token status) and the user's payload.
        for line in prepared.summary_lines():
            err_console().print(text(line, empty=""), highlight=False)
        if not args.dry_run and not args.yes and not confirm(prepared, cfg, sys.stdin):
            raise CliError("not sent: not confirmed", EXIT_BAD_INPUT)
        result = service.send(prepared, dry_run=args.dry_run)
    report(result, prepared.installation.installation_id, args.json, prepared, store)
    return exit_code(result)


def cmd_check_token(args: argparse.Namespace) -> int:
    cfg = settings(args)
    with push_service(cfg) as service:
        store = home_store(service, args.installation_id)
        result = service.check_token(args.installation_id, store=store)
    report(result, args.installation_id.strip(), args.json, None, store)
    return exit_code(result)


def home_store(service: PushService, installation_id: str) -> str:
    """The name of the store that holds the installation, for the push service to re-read
    it there: "" for a profile's one store. Regional stores are all asked, and all must
    answer: an id two of them hold is refused as ambiguous (exit 2); a store that did not
    answer is an error naming it (exit 3), since it might hold the id too. "" when none
    holds it: the push service then says it is not found (exit 1)."""
    from inspector.store.regional import RegionalStore

    if not isinstance(service.store, RegionalStore):
        return ""
    found = service.store.sole_holder(check_installation_id(installation_id))
    return found.store if found is not None else ""


def confirm(prepared: PreparedPush, cfg: Settings, stdin: TextIO) -> bool:
    """Ask on the terminal. No terminal or end of input is a no: scripts pass --yes."""
    if not stdin.isatty():
        say("confirmation needs a terminal; pass --yes to send without asking")
        return False
    iid = prepared.installation.installation_id
    if cfg.environment is Environment.PRODUCTION:
        question = (
            "PRODUCTION: type the last four characters of the installation id to send"
            " (anything else cancels): "
        )
    else:
        question = "Send this test push to this one device? [y/N] "
    err_console().print(question, end="", markup=False, highlight=False)
    line = stdin.readline()
    if not line:
        return False
    answer = line.strip()
    if cfg.environment is Environment.PRODUCTION:
        return len(answer) == 4 and answer.lower() == iid[-4:].lower()
    return answer.lower() in ("y", "yes")


def report(
    result: PushResult,
    installation_id: str,
    as_json: bool,
    prepared: PreparedPush | None,
    store: str = "",
) -> None:
    if as_json:
        # The same keys for push and check-token: null where there is no payload; the
        # store's name only when the profile has several.
        doc: dict[str, Any] = {
            "installation_id": installation_id,
            **({"store": store} if store else {}),
            "result": result.to_dict(),
            "payload_bytes": None if prepared is None else prepared.payload_bytes,
            "collapse_id": None if prepared is None else prepared.content.collapse_id,
        }
        print_json(doc)
        return
    # A provider's reason is the provider's text: shown as literal, escaped text.
    for line in verdict_lines(result):
        out_console().print(text(line, empty=""), highlight=False)
