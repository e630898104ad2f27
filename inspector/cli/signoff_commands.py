"""`inspector proofs …` and `inspector approvals …`: proofs to the test devices with
sign-off, and the two-person rule for one-off production sends.

Exit codes: 0 done; 1 no such proof or request, nothing listed, or (proofs send) a
provider rejected a device's token or message; 2 bad input or refused (self-approval, a
second sign-off, an unapproved export, an expired or used approval, the rate limit, not
confirmed); 3 the journal, the store or a provider could not be used. `proofs send` exits
with its worst device's code. Messages go to stderr, data to stdout; --json is one JSON
document (null for a missing value, ISO 8601 UTC times).

`cmd_push_request` and `cmd_push_approved` are `inspector push ID … --request` and
`inspector push --approved REQUEST_ID`, for the push command to call.
"""

from __future__ import annotations

import argparse
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TextIO

from inspector.cli.common import CliError, err_line, print_json, say, settings
from inspector.config import Environment, Settings
from inspector.errors import (
    EXIT_BAD_INPUT,
    EXIT_NOT_FOUND,
    EXIT_OK,
    EXIT_UNREACHABLE,
)
from inspector.safetext import clip, escape

if TYPE_CHECKING:
    from inspector.journal import Journal
    from inspector.push import PushService
    from inspector.signoff import (
        ApprovalService,
        DeviceVerdict,
        Proof,
        ProofPlan,
        ProofService,
        PushRequest,
        SignoffStore,
    )
    from inspector.store.repository import StoreRepository

EXIT_REJECTED = 1  # a provider rejected a device's token or message (as `push`)
PROOF_EXIT_CODES = (
    "exit codes: 0 every device accepted it; 1 a provider rejected a device's token or"
    " message, or no test device of the app; 2 bad input or refused (policy, rate limit,"
    " not confirmed); 3 journal, store or provider unusable (the worst device decides)"
)
SIGNOFF_EXIT_CODES = (
    "exit codes: 0 done; 1 no such proof or request; 2 refused (self-approval, a second"
    " sign-off, not approved, expired, used); 3 the journal could not be used"
)
MARKS = {
    "accepted": "✔",
    "rejected": "✘",
    "failed": "?",
    "refused": "⊘",
    "skipped": "–",
    "pending": "…",
}


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    proofs = sub.add_parser(
        "proofs",
        help="proofs to the test devices of an app, and their sign-off",
        description="A proof is one payload sent to each registered test device of an app"
        " (one single-device send each); other operators then approve or reject it.",
    )
    psub = proofs.add_subparsers(dest="proofs_command", metavar="COMMAND", required=True)
    send = psub.add_parser(
        "send",
        help="compose once, send to each test device of an app",
        description="Lists every test device it will reach and the ones it skips, asks,"
        " then sends to each (several at once), a verdict line per device as it comes.",
        epilog=PROOF_EXIT_CODES,
    )
    send.add_argument("--app", required=True, help="the app id, or its bundle id")
    send.add_argument("--title", required=True)
    send.add_argument("--body", required=True)
    send.add_argument("--data", metavar="JSON", help="data as a JSON object of strings")
    send.add_argument("--deep-link", metavar="URL", help="a link the app opens")
    send.add_argument(
        "--cap",
        type=int,
        metavar="N",
        help="at most N devices (1-100; default: the profile's proof_cap, 20 unless set)",
    )
    send.add_argument("--yes", action="store_true", help="send without asking")
    send.add_argument("--json", action="store_true", help="the proof as JSON on stdout")
    send.set_defaults(func=cmd_proofs_send)

    lst = psub.add_parser("list", help="this profile's proofs, newest first")
    lst.add_argument("--limit", type=int, default=50, metavar="N", help="at most N (50)")
    lst.add_argument("--json", action="store_true", help="one JSON document on stdout")
    lst.set_defaults(func=cmd_proofs_list)
    show = psub.add_parser("show", help="a proof: payload, per-device verdicts, sign-offs")
    show.add_argument("proof_id", metavar="ID")
    show.add_argument("--json", action="store_true", help="one JSON document on stdout")
    show.set_defaults(func=cmd_proofs_show)
    approve = psub.add_parser(
        "approve", help="approve a proof (not your own)", epilog=SIGNOFF_EXIT_CODES
    )
    approve.add_argument("proof_id", metavar="ID")
    approve.add_argument("--comment", metavar="C")
    approve.add_argument("--json", action="store_true", help="the proof as JSON on stdout")
    approve.set_defaults(func=cmd_proofs_approve)
    reject = psub.add_parser("reject", help="reject a proof", epilog=SIGNOFF_EXIT_CODES)
    reject.add_argument("proof_id", metavar="ID")
    reject.add_argument("--comment", metavar="C", required=True)
    reject.add_argument("--json", action="store_true", help="the proof as JSON on stdout")
    reject.set_defaults(func=cmd_proofs_reject)
    export = psub.add_parser(
        "export",
        help="an approved proof's payload with its sign-offs, as JSON",
        description="For the campaign tool that sends it. Refused (exit 2) unless approved.",
        epilog=SIGNOFF_EXIT_CODES,
    )
    export.add_argument("proof_id", metavar="ID")
    export.set_defaults(func=cmd_proofs_export)

    approvals = sub.add_parser(
        "approvals",
        help="one-off sends waiting for a second person's approval",
        description="A one-off send to one installation under the `approval` policy:"
        " `inspector push ID … --request` asks, another operator approves here, then the"
        " requester sends it once with `inspector push --approved REQUEST_ID`.",
    )
    asub = approvals.add_subparsers(dest="approvals_command", metavar="COMMAND", required=True)
    alist = asub.add_parser("list", help="open requests (pending or approved, unused)")
    alist.add_argument("--all", action="store_true", help="used, rejected and expired too")
    alist.add_argument("--limit", type=int, default=50, metavar="N", help="at most N (50)")
    alist.add_argument("--json", action="store_true", help="one JSON document on stdout")
    alist.set_defaults(func=cmd_approvals_list)
    aapprove = asub.add_parser(
        "approve", help="approve a request (not your own)", epilog=SIGNOFF_EXIT_CODES
    )
    aapprove.add_argument("request_id", metavar="ID")
    aapprove.add_argument("--comment", metavar="C")
    aapprove.add_argument("--json", action="store_true", help="the request as JSON on stdout")
    aapprove.set_defaults(func=cmd_approvals_approve)
    areject = asub.add_parser("reject", help="reject a request", epilog=SIGNOFF_EXIT_CODES)
    areject.add_argument("request_id", metavar="ID")
    areject.add_argument("--comment", metavar="C", required=True)
    areject.add_argument("--json", action="store_true", help="the request as JSON on stdout")
    areject.set_defaults(func=cmd_approvals_reject)


# -- sessions ---------------------------------------------------------------------------


@dataclass
class Desk:
    """What one command works with, closed after."""

    cfg: Settings
    journal: Journal
    db: SignoffStore
    store: StoreRepository | None = None
    push: PushService | None = None
    proofs: ProofService | None = None
    approvals: ApprovalService | None = None


@contextmanager
def desk(cfg: Settings, *, store: bool = False, push: bool = False) -> Iterator[Desk]:
    """Journal and sign-off tables, and the store and sender when asked for. The
    operator is the settings' (in production the OS account: load_settings refuses an
    INSPECTOR_OPERATOR naming anyone else, exit 2). Domain errors reach `main`; sign-off
    refusals become exit codes here."""
    from inspector.journal import Journal
    from inspector.signoff import ApprovalService, ProofService, SignoffStore, effective_operator

    effective_operator(cfg)
    with ExitStack() as stack, signoff_errors():
        journal = Journal.open(cfg)
        stack.callback(journal.close)
        db = SignoffStore.open(cfg)
        stack.callback(db.close)
        found = Desk(cfg, journal, db)
        if store or push:
            from inspector.cli.common import open_store

            found.store = open_store(cfg)
            stack.callback(found.store.close)
        if push:
            from inspector.push import PushService

            assert found.store is not None
            found.push = PushService.from_settings(cfg, found.store, journal)
            stack.callback(found.push.close)
        found.proofs = ProofService(cfg, found.store, journal, db)
        stack.callback(found.proofs.close)
        found.approvals = ApprovalService(cfg, journal, db)
        if found.push is not None:
            # The sender uses an approval only through this service (policy `approval`).
            found.push.approvals = found.approvals
        yield found


@contextmanager
def signoff_errors() -> Iterator[None]:
    """Sign-off refusals and unknown ids as one line and their exit code."""
    from inspector.signoff import SignoffError, SignoffNotFound

    try:
        yield
    except SignoffNotFound as exc:
        raise CliError(str(exc), EXIT_NOT_FOUND) from None
    except SignoffError as exc:
        raise CliError(str(exc), EXIT_BAD_INPUT) from None


def _proofs(d: Desk) -> ProofService:
    assert d.proofs is not None
    return d.proofs


def _approvals(d: Desk) -> ApprovalService:
    assert d.approvals is not None
    return d.approvals


@dataclass(frozen=True)
class _Decided:
    """What a sign-off command shows of the proof or request it approved or rejected: its
    JSON document, or its line (terminal-safe) and what may happen next (raw: `say`
    escapes it)."""

    doc: dict[str, Any]
    line: str
    next_step: str | None = None


def _sign_off(args: argparse.Namespace, decide: Callable[[Desk], _Decided]) -> int:
    """An approval or a rejection by this operator (`decide`, in the profile's desk):
    refusals and unknown ids are one line and their exit code, as for every command."""
    cfg = settings(args)
    with desk(cfg) as d, signoff_errors():
        decided = decide(d)
    if args.json:
        print_json(decided.doc)
    else:
        _out(decided.line)
        if decided.next_step:
            say(decided.next_step)
    return EXIT_OK


def _out(line: str) -> None:
    """A data line on stdout; `line` is terminal-safe already."""
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def stamp(value: datetime | None) -> str:
    if value is None:
        return "—"
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


# -- proofs -----------------------------------------------------------------------------


def cmd_proofs_send(args: argparse.Namespace) -> int:
    from inspector.push import Compose
    from inspector.push.payload import parse_data

    cfg = settings(args)
    compose = Compose(
        title=args.title,
        body=args.body,
        data=parse_data(args.data or ""),
        deep_link=args.deep_link,
        # A proof shows the payload exactly as the campaign will send it: no test marks.
        mark_as_test=False,
    )
    with desk(cfg, store=True) as d:
        service = _proofs(d)
        plan = service.plan(args.app, compose, cap=args.cap)
        for line in plan_lines(plan, cfg):
            err_line(line)
        if not plan.targets:
            if not plan.skipped:
                raise CliError(f"no registered test device of app {plan.app}", EXIT_NOT_FOUND)
            raise CliError(
                f"none of the test devices of app {plan.app} can receive this proof",
                EXIT_BAD_INPUT,
            )
        if not args.yes and not confirm_proof(plan, cfg, sys.stdin):
            raise CliError("not sent: not confirmed", EXIT_BAD_INPUT)
        printing = threading.Lock()

        def shown(verdict: DeviceVerdict) -> None:
            if args.json:
                return
            with printing:
                _out(verdict_line(verdict))

        proof = service.send(plan, on_verdict=shown)
    if args.json:
        print_json(proof.to_dict())
    else:
        _out(proof_summary(proof))
        if proof.accepted:
            say(
                f"sign-off: other operators run `inspector proofs approve {proof.id}`"
                f" ({proof.approvals_required} approvals needed)"
            )
    return proof_exit_code(proof)


def plan_lines(plan: ProofPlan, cfg: Settings) -> list[str]:
    """What the confirmation shows: where, the exact payload, every device reached and
    every device skipped with its reason. Terminal-safe."""
    from inspector.cli.common import json_text

    lines = [
        f"Proof         app {escape(plan.app)} · profile {escape(cfg.display_name)}"
        f" · {cfg.environment.value.upper()} · operator {escape(plan.operator)}",
        f"Payload       sha256 {plan.payload_sha256}",
    ]
    lines += ["  " + line for line in json_text(plan.payload).splitlines()]
    lines.append(f"Reaches       {len(plan.targets)} test device(s) (cap {plan.cap}):")
    for t in plan.targets:
        env = f"APNs {t.apns_environment}" if t.provider == "apns" else "FCM"
        lines.append(
            f"  {escape(t.label)} ({escape(t.owner)}) · {escape(t.platform or '—')} · {env}"
            f" · {escape(t.token)} {escape(t.token_state)} · {escape(t.installation_id)}"
        )
    if plan.skipped:
        lines.append(f"Skips         {len(plan.skipped)} test device(s):")
        for s in plan.skipped:
            lines.append(
                f"  {escape(s.label)} ({escape(s.owner)}) · {escape(s.installation_id)}:"
                f" {escape(s.reason)}"
            )
    return lines


def confirm_proof(plan: ProofPlan, cfg: Settings, stdin: TextIO) -> bool:
    """Ask on the terminal; no terminal is a no (scripts pass --yes). In production the
    number of devices is typed."""
    if not stdin.isatty():
        say("confirmation needs a terminal; pass --yes to send without asking")
        return False
    count = len(plan.targets)
    if cfg.environment is Environment.PRODUCTION:
        question = f"PRODUCTION: type {count} (the number of devices) to send this proof: "
    else:
        question = f"Send this proof to these {count} test device(s)? [y/N] "
    sys.stderr.write(question)
    sys.stderr.flush()
    answer = stdin.readline().strip().lower()
    if cfg.environment is Environment.PRODUCTION:
        return answer == str(count)
    return answer in ("y", "yes")


def verdict_line(v: DeviceVerdict) -> str:
    mark = MARKS.get(v.status, "?")
    parts = [f"{mark} {escape(v.label)}", escape(v.status)]
    if v.reason:
        parts.append(escape(v.reason))
    if v.latency_ms:
        parts.append(f"{v.latency_ms:.0f} ms")
    if v.message_id:
        parts.append(escape(clip(v.message_id, 80)))
    line = " · ".join(parts)
    if v.status != "accepted" and v.detail:
        line += f" — {escape(clip(v.detail, 300))}"
    return line


def proof_summary(p: Proof) -> str:
    counts: dict[str, int] = {}
    for d in p.devices:
        counts[d.status] = counts.get(d.status, 0) + 1
    tally = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
    return (
        f"proof {p.id} · {escape(p.status)} ({p.approvals} of {p.approvals_required}"
        f" approvals) · {tally}"
    )


def proof_exit_code(p: Proof) -> int:
    statuses = {d.status for d in p.devices if d.status != "skipped"}
    if statuses & {"failed", "pending"}:
        return EXIT_UNREACHABLE
    if "refused" in statuses:
        return EXIT_BAD_INPUT
    if "rejected" in statuses:
        return EXIT_REJECTED
    return EXIT_OK


def cmd_proofs_list(args: argparse.Namespace) -> int:
    if args.limit < 1:
        raise CliError("--limit must be 1 or more", EXIT_BAD_INPUT)
    cfg = settings(args)
    with desk(cfg) as d:
        found = _proofs(d).proofs(limit=args.limit)
    if args.json:
        print_json({"profile": cfg.profile, "proofs": [p.summary_dict() for p in found]})
    else:
        for p in found:
            _out(
                "  ".join(
                    (
                        escape(p.id),
                        stamp(p.created_at),
                        escape(p.author),
                        escape(p.app),
                        f"{escape(p.status)} {p.approvals}/{p.approvals_required}",
                        f"{p.accepted}/{p.sent_to} accepted",
                        escape(clip(str(p.payload.get("title", "")), 60)),
                    )
                )
            )
    if not found:
        say(f"no proof in profile {cfg.profile}")
        return EXIT_NOT_FOUND
    return EXIT_OK


def proof_lines(p: Proof) -> list[str]:
    from inspector.cli.common import json_text

    lines = [
        f"Proof         {escape(p.id)} · app {escape(p.app)} · by {escape(p.author)}"
        f" · {stamp(p.created_at)}",
        f"Status        {escape(p.status)} ({p.approvals} of {p.approvals_required} approvals)",
        f"Payload       sha256 {escape(p.payload_sha256)}",
    ]
    lines += ["  " + line for line in json_text(p.payload).splitlines()]
    lines.append("Devices")
    lines += ["  " + verdict_line(v) for v in p.devices]
    lines.append("Sign-offs" if p.signoffs else "Sign-offs     none yet")
    for s in p.signoffs:
        comment = f" — {escape(s.comment)}" if s.comment else ""
        lines.append(f"  {escape(s.decision)} by {escape(s.operator)} · {stamp(s.at)}{comment}")
    return lines


def cmd_proofs_show(args: argparse.Namespace) -> int:
    cfg = settings(args)
    with desk(cfg) as d, signoff_errors():
        proof = _proofs(d).proof(args.proof_id)
    if args.json:
        print_json(proof.to_dict())
    else:
        for line in proof_lines(proof):
            _out(line)
    return EXIT_OK


def cmd_proofs_approve(args: argparse.Namespace) -> int:
    return _sign_proof(args, approve=True)


def cmd_proofs_reject(args: argparse.Namespace) -> int:
    return _sign_proof(args, approve=False)


def _sign_proof(args: argparse.Namespace, *, approve: bool) -> int:
    def decide(d: Desk) -> _Decided:
        service = _proofs(d)
        proof = (service.approve if approve else service.reject)(args.proof_id, args.comment)
        return _Decided(proof.to_dict(), proof_summary(proof))

    return _sign_off(args, decide)


def cmd_proofs_export(args: argparse.Namespace) -> int:
    cfg = settings(args)
    with desk(cfg) as d, signoff_errors():
        doc = _proofs(d).export(args.proof_id)
    print_json(doc)
    return EXIT_OK


# -- approvals --------------------------------------------------------------------------


def request_line(r: PushRequest, now: datetime) -> str:
    state = r.state(now)
    parts = [
        escape(r.id),
        escape(state),
        f"by {escape(r.requester)}",
        escape(r.installation_id),
        escape(r.token or "—"),
        escape(clip(str(r.payload.get("title", "")), 50)),
    ]
    if state in ("pending", "approved"):
        left = max(0, int((r.expires_at - now).total_seconds() // 60))
        parts.append(f"expires in {left} min")
    if r.approved_by:
        parts.append(f"approved by {escape(r.approved_by)}")
    if r.rejected_by:
        parts.append(f"rejected by {escape(r.rejected_by)}")
    return "  ".join(parts)


def cmd_approvals_list(args: argparse.Namespace) -> int:
    if args.limit < 1:
        raise CliError("--limit must be 1 or more", EXIT_BAD_INPUT)
    cfg = settings(args)
    with desk(cfg) as d:
        service = _approvals(d)
        found = service.requests(open_only=not args.all, limit=args.limit)
        now = service.now()
    if args.json:
        print_json({"profile": cfg.profile, "requests": [r.to_dict(now) for r in found]})
    else:
        for r in found:
            _out(request_line(r, now))
    if not found:
        which = "approval request" if args.all else "open approval request"
        say(f"no {which} in profile {cfg.profile}")
        return EXIT_NOT_FOUND
    return EXIT_OK


def cmd_approvals_approve(args: argparse.Namespace) -> int:
    return _decide(args, approve=True)


def cmd_approvals_reject(args: argparse.Namespace) -> int:
    return _decide(args, approve=False)


def _decide(args: argparse.Namespace, *, approve: bool) -> int:
    def decide(d: Desk) -> _Decided:
        service = _approvals(d)
        request = (service.approve if approve else service.reject)(args.request_id, args.comment)
        now = service.now()
        next_step = None
        if approve:
            next_step = (
                f"{request.requester} may now send it once, before"
                f" {stamp(request.expires_at)}: inspector push --approved {request.id}"
            )
        return _Decided(request.to_dict(now), request_line(request, now), next_step)

    return _sign_off(args, decide)


# -- `inspector push … --request` and `inspector push --approved ID` ------------------------


def cmd_push_request(args: argparse.Namespace) -> int:
    """`inspector push ID --title T --body B [--data JSON] [--deep-link URL] --request
    [--json]`: ask a second operator to approve this exact send (nothing is sent)."""
    from inspector.push import Compose
    from inspector.push.payload import parse_data

    cfg = settings(args)
    compose = Compose(
        title=args.title, body=args.body, data=parse_data(args.data or ""),
        deep_link=args.deep_link,
    )  # fmt: skip
    with desk(cfg, push=True) as d, signoff_errors():
        from inspector.cli.push_commands import home_store

        assert d.push is not None
        service = _approvals(d)
        # Regional stores: the one that holds it (an id two of them hold is refused).
        store = home_store(d.push, args.installation_id)
        request = service.request(d.push, args.installation_id, compose, store=store)
        now = service.now()
    if getattr(args, "json", False):
        print_json(request.to_dict(now))
    else:
        _out(request_line(request, now))
        say(
            f"nothing sent: another operator approves it with `inspector approvals approve"
            f" {request.id}`, then you send it once with `inspector push --approved"
            f" {request.id}` before {stamp(request.expires_at)}"
        )
    return EXIT_OK


def cmd_push_approved(args: argparse.Namespace) -> int:
    """`inspector push --approved REQUEST_ID [--json]`: send the approved payload, once.
    The verdict's exit code is the push command's."""
    from inspector.push.verdict import exit_code, verdict_lines

    cfg = settings(args)
    with desk(cfg, push=True) as d, signoff_errors():
        assert d.push is not None
        result, claim = _approvals(d).send_approved(d.push, args.approved)
    if getattr(args, "json", False):
        doc: dict[str, Any] = {
            "request_id": claim.request_id,
            "approval_record_id": claim.record_id,
            "result": result.to_dict(),
        }
        print_json(doc)
    else:
        for line in verdict_lines(result):
            _out(escape(line))
    return exit_code(result)
