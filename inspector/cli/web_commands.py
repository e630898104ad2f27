"""`inspector serve` and `inspector users`: the inspector in a browser, behind a login.

`serve` imports aiohttp and textual-serve on the call only; `users` never does. A
password is read from the terminal (getpass, asked twice) or, when stdin is not a
terminal, from its first line: never from an argument, where `ps` and shell history
would show it.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from inspector.cli.common import CliError, print_json, say, settings
from inspector.errors import EXIT_BAD_INPUT, EXIT_NOT_FOUND, EXIT_OK

if TYPE_CHECKING:
    from inspector.config import Settings
    from inspector.journal import Journal
    from inspector.web.accounts import Accounts


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    serve = sub.add_parser(
        "serve",
        help="serve the inspector to browsers, behind a login",
        description="Serve the inspector to browsers: each browser session is its own app"
        " process, acting as the user who logged in.",
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port to bind (8000)")
    serve.add_argument(
        "--public-url",
        metavar="URL",
        help="the https:// origin a reverse proxy serves this at (required off loopback)",
    )
    serve.add_argument(
        "--trust-header",
        metavar="H",
        help="take the user from header H (set by a single-sign-on proxy) instead of logins",
    )
    serve.add_argument(
        "--trusted-proxy",
        metavar="ADDR",
        help="the proxy's address (or network): H is refused from anywhere else",
    )
    serve.add_argument("--max-sessions", type=int, default=20, help="sessions in total (20)")
    serve.add_argument("--max-sessions-per-user", type=int, default=3, help="sessions per user (3)")
    serve.add_argument(
        "--idle-timeout",
        type=float,
        default=30,
        metavar="MIN",
        help="end a session's app after MIN minutes without input (30)",
    )
    serve.add_argument(
        "--login-hours", type=float, default=8, metavar="H", help="a login lasts H hours (8)"
    )
    serve.set_defaults(func=cmd_serve)

    users = sub.add_parser("users", help="the accounts that may log in to `inspector serve`")
    users_sub = users.add_subparsers(dest="users_command", metavar="COMMAND", required=True)
    add = users_sub.add_parser("add", help="add an account (the password is asked for)")
    add.add_argument("name", metavar="NAME")
    add.set_defaults(func=cmd_users_add)
    passwd = users_sub.add_parser("passwd", help="set an account's password")
    passwd.add_argument("name", metavar="NAME")
    passwd.set_defaults(func=cmd_users_passwd)
    remove = users_sub.add_parser("remove", help="remove an account")
    remove.add_argument("name", metavar="NAME")
    remove.set_defaults(func=cmd_users_remove)
    lst = users_sub.add_parser("list", help="the accounts")
    lst.add_argument("--json", action="store_true", help="one JSON document on stdout")
    lst.set_defaults(func=cmd_users_list)


# -- users ------------------------------------------------------------------------------------


@contextmanager
def accounts_session(cfg: Settings) -> Iterator[tuple[Journal, Accounts]]:
    """The journal (opened first: it refuses a URL naming the store and creates its
    tables) and the accounts beside it, closed whatever happens."""
    from inspector.journal import Journal
    from inspector.web.accounts import Accounts

    journal = Journal.open(cfg)
    try:
        accounts = Accounts.open(cfg)
        try:
            yield journal, accounts
        finally:
            accounts.close()
    finally:
        journal.close()


@contextmanager
def account_errors() -> Iterator[None]:
    from inspector.web.accounts import AccountError, UnknownAccount

    try:
        yield
    except UnknownAccount as exc:
        raise CliError(str(exc), EXIT_NOT_FOUND) from None
    except AccountError as exc:
        raise CliError(str(exc), EXIT_BAD_INPUT) from None


def read_password(*, confirm: bool) -> str:
    """From the terminal (not echoed, asked twice), else the first line of stdin."""
    if sys.stdin.isatty():
        try:
            first = getpass.getpass("password: ")
            if confirm and getpass.getpass("again: ") != first:
                raise CliError("the two passwords differ; nothing was changed", EXIT_BAD_INPUT)
        except EOFError:
            raise CliError("no password given; nothing was changed", EXIT_BAD_INPUT) from None
        return first
    line = sys.stdin.readline(4096)
    password = line.removesuffix("\n").removesuffix("\r")
    if not password:
        raise CliError("no password on stdin; nothing was changed", EXIT_BAD_INPUT)
    return password


def cmd_users_add(args: argparse.Namespace) -> int:
    from inspector.web.accounts import check_name, check_password

    cfg = settings(args)
    with account_errors():
        name = check_name(args.name)
        password = check_password(read_password(confirm=True))
        with accounts_session(cfg) as (journal, accounts):
            accounts.add(name, password)
            journal.record("web.user_add", details={"web_user": name})
    say(f"added {name}")
    return EXIT_OK


def cmd_users_passwd(args: argparse.Namespace) -> int:
    from inspector.safetext import escape
    from inspector.web.accounts import UnknownAccount, check_password

    cfg = settings(args)
    with account_errors(), accounts_session(cfg) as (journal, accounts):
        if accounts.changed_at(args.name) is None:
            raise UnknownAccount(f"there is no account named {escape(args.name)!r}")
        password = check_password(read_password(confirm=True))
        accounts.set_password(args.name, password)
        journal.record("web.user_passwd", details={"web_user": args.name})
    say(f"changed the password of {args.name}; its open logins end at their next session")
    return EXIT_OK


def cmd_users_remove(args: argparse.Namespace) -> int:
    cfg = settings(args)
    with account_errors(), accounts_session(cfg) as (journal, accounts):
        accounts.remove(args.name)
        journal.record("web.user_remove", details={"web_user": args.name})
    say(f"removed {args.name}")
    return EXIT_OK


def cmd_users_list(args: argparse.Namespace) -> int:
    from inspector.cli.common import out_console, text
    from inspector.export import iso

    cfg = settings(args)
    with accounts_session(cfg) as (_journal, accounts):
        found = accounts.list()
    if args.json:
        print_json(
            {
                "users": [
                    {"name": a.name, "created_at": iso(a.created_at),
                     "password_changed_at": iso(a.changed_at)}
                    for a in found
                ]
            }
        )  # fmt: skip
        return EXIT_OK
    if not found:
        say("no accounts yet: add one with `inspector users add NAME`")
        return EXIT_OK
    from rich.table import Table

    table = Table(box=None, show_edge=False)
    for column in ("user", "created (UTC)", "password set (UTC)"):
        table.add_column(column)
    for a in found:
        table.add_row(text(a.name), text(_minute(a.created_at)), text(_minute(a.changed_at)))
    out_console().print(table)
    return EXIT_OK


def _minute(value: object) -> str:
    from datetime import datetime

    return value.strftime("%Y-%m-%d %H:%M") if isinstance(value, datetime) else "—"


# -- serve ------------------------------------------------------------------------------------


def cmd_serve(args: argparse.Namespace) -> int:
    cfg = settings(args)
    try:
        from inspector.web.options import ServeError, ServeOptions, check_options
        from inspector.web.server import InspectorServer
    except ImportError as exc:  # textual-serve or aiohttp missing from this install
        raise CliError(f"serving needs textual-serve: {exc}", EXIT_BAD_INPUT) from None
    from inspector.web.identity import IdentityError, load_or_create_key

    try:
        options = check_options(
            ServeOptions(
                host=args.host,
                port=args.port,
                public_url=args.public_url,
                trust_header=args.trust_header,
                trusted_proxy=args.trusted_proxy,
                max_sessions=args.max_sessions,
                max_sessions_per_user=args.max_sessions_per_user,
                idle_timeout_s=args.idle_timeout * 60,
                login_lifetime_s=args.login_hours * 3600,
            )
        )
        key = load_or_create_key()
    except (ServeError, IdentityError) as exc:
        raise CliError(str(exc), EXIT_BAD_INPUT) from None

    if cfg.is_demo:
        # Built once here, not by the first sessions racing each other.
        from inspector.cli.common import open_store

        open_store(cfg).close()
    with accounts_session(cfg) as (journal, accounts):
        if options.trust_header is None and not accounts.list():
            raise CliError(
                "no accounts to log in with: add one with `inspector users add NAME`"
                " (or use --trust-header behind a single-sign-on proxy)",
                EXIT_BAD_INPUT,
            )
        server = InspectorServer(
            cfg,
            options,
            journal=journal,
            accounts=None if options.trust_header else accounts,
            key=key,
        )
        _log_to_stderr()
        where = options.public_url or f"http://{_url_host(options.host)}:{options.port}"
        who = (
            f"users from {options.trust_header} via {options.trusted_proxy}"
            if options.trust_header
            else "built-in accounts"
        )
        say(f"serving profile {cfg.display_name} at {where} ({who}); Ctrl+C stops")
        server.serve()
    say("stopped")
    return EXIT_OK


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def _log_to_stderr() -> None:
    import logging

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("inspector serve: %(message)s"))
    logger = logging.getLogger("inspector.web")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
