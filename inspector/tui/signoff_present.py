"""Proofs and approval requests as screen text: table cells and detail blocks.

Everything here comes from the store, the journal or the sign-off tables: every value is
escaped and handed out as Rich Text (never markup). The screens only lay it out.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from rich.cells import cell_len
from rich.table import Table
from rich.text import Text

from inspector import facts
from inspector.safetext import clip, escape
from inspector.signoff import DeviceVerdict, Proof, ProofPlan, ProofSkip, ProofTarget, PushRequest
from inspector.timefmt import ago, stamp
from inspector.tui.present import json_text

# A device's state in a proof, as a mark and a word.
STATUS_WORDS = {
    "accepted": ("✔ accepted", "bold green"),
    "rejected": ("✘ rejected", "bold red"),
    "failed": ("? failed", "bold yellow"),
    "refused": ("⊘ refused", "bold yellow"),
    "skipped": ("– skipped", "dim"),
    "pending": ("… sending", "cyan"),
}
PROOF_STATES = {"approved": "bold green", "rejected": "bold red", "pending": "yellow"}
REQUEST_STATES = {
    "pending": "yellow",
    "approved": "bold green",
    "rejected": "bold red",
    "expired": "dim",
    "used": "dim",
}
LIVE_COLUMNS = (
    ("device", "device"),
    ("owner", "owner"),
    ("platform", "platform"),
    ("apns", "APNs env"),
    ("token", "token"),
    ("verdict", "verdict"),
    ("detail", "detail"),
)
# The live table's verdict column: as wide as the longest verdict it can show, so that
# "✔ accepted" is not cut to the width of the "… sending" every row starts with.
VERDICT_COLUMN = [key for key, _ in LIVE_COLUMNS].index("verdict")
VERDICT_WIDTH = max(cell_len(word) for word, _ in STATUS_WORDS.values())


def t(value: object, style: str = "") -> Text:
    """An untrusted value as one line of text."""
    return Text(escape("—" if value is None or value == "" else str(value)), style=style)


def env_word(apns_environment: str | None, provider: str | None) -> str:
    if provider == "apns":
        return apns_environment or "production (default)"
    return "—"


def device_key(installation_id: str, store: str) -> str:
    return f"{store}/{installation_id}" if store else installation_id


def status_text(status: str, detail: str | None = None) -> Text:
    word, style = STATUS_WORDS.get(status, (status, ""))
    return Text(escape(word), style=style)


def target_cells(target: ProofTarget) -> list[Text]:
    return [
        t(target.label, "bold"),
        t(target.owner),
        t(facts.platform_name(target.platform)),
        t(env_word(target.apns_environment, target.provider)),
        t(f"{target.token} · {target.token_state}"),
        status_text("pending"),
        t(target.route),
    ]


def skip_cells(skip: ProofSkip) -> list[Text]:
    return [
        t(skip.label, "dim"),
        t(skip.owner, "dim"),
        t(facts.platform_name(skip.platform) if skip.platform else None, "dim"),
        t(env_word(skip.apns_environment, skip.provider) if skip.provider else None, "dim"),
        t(f"{skip.token} · {skip.token_state}" if skip.token else skip.token_state, "dim"),
        status_text("skipped"),
        t(clip(skip.reason, 120), "dim"),
    ]


def verdict_cells(v: DeviceVerdict) -> list[Text]:
    """A row of the live table or of a proof's verdicts: the device and its verdict."""
    detail = v.detail or v.reason
    if v.status == "accepted" and v.message_id:
        detail = f"{v.message_id}"
    elif v.reason and v.detail and v.reason not in v.detail:
        # The provider's code first (BadDeviceToken, UNREGISTERED), then its meaning.
        detail = f"{v.reason}: {v.detail}"
    if v.latency_ms is not None and v.status != "skipped":
        detail = f"{detail or ''} · {v.latency_ms:.0f} ms".lstrip(" ·")
    return [
        t(v.label, "bold" if v.status != "skipped" else "dim"),
        t(v.owner),
        t(facts.platform_name(v.platform) if v.platform else None),
        t(env_word(v.apns_environment, v.provider) if v.provider else None),
        t(f"{v.token or '—'} · {v.token_state}" if v.token_state else v.token),
        status_text(v.status),
        t(clip(detail or "", 160)),
    ]


def _table(columns: Sequence[str]) -> Table:
    table = Table(box=None, padding=(0, 1), show_header=True, header_style="bold")
    for column in columns:
        table.add_column(column)
    return table


def plan_tables(plan: ProofPlan) -> tuple[Table, Table | None]:
    """The devices a proof will reach and those it skips, for its confirm screen."""
    reach = _table(("device", "owner", "platform", "APNs env", "token", "installation"))
    for target in plan.targets:
        reach.add_row(
            t(target.label, "bold"), t(target.owner), t(facts.platform_name(target.platform)),
            t(env_word(target.apns_environment, target.provider)),
            t(f"{target.token} · {target.token_state}"), t(target.installation_id),
        )  # fmt: skip
    if not plan.skipped:
        return reach, None
    skipped = _table(("device", "owner", "platform", "why it is skipped"))
    for skip in plan.skipped:
        skipped.add_row(
            t(skip.label), t(skip.owner),
            t(facts.platform_name(skip.platform) if skip.platform else None),
            t(clip(skip.reason, 160), "yellow"),
        )  # fmt: skip
    return reach, skipped


def payload_text(payload: dict[str, object]) -> Text:
    """The exact payload a proof or request pins, as indented JSON (made visible)."""
    return Text(json_text(payload, indent=2))


def proof_cells(proof: Proof, now: datetime) -> list[Text]:
    return [
        t(proof.id),
        t(stamp(proof.created_at).removesuffix(" UTC")),
        t(proof.app),
        t(proof.author),
        t(clip(str(proof.payload.get("title") or proof.payload.get("body") or ""), 40)),
        t(proof.status, PROOF_STATES.get(proof.status, "")),
        t(f"{proof.approvals}/{proof.approvals_required}"),
        t(f"{proof.accepted}/{proof.sent_to}"),
    ]


PROOF_COLUMNS = (
    "proof", "created (UTC)", "app", "author", "title", "state", "approvals", "accepted",
)  # fmt: skip


def proof_detail(proof: Proof, now: datetime) -> Text:
    """A proof whole: who, when, the payload and its hash, each device, each sign-off."""
    out = Text()
    out.append(f"Proof {escape(proof.id)}", style="bold")
    out.append(f" · app {escape(proof.app)} · by {escape(proof.author)}")
    out.append(f" · {stamp(proof.created_at)} ({ago(proof.created_at, now)})\n")
    out.append("State ", style="bold")
    out.append(escape(proof.status), style=PROOF_STATES.get(proof.status, ""))
    out.append(
        f" · {proof.approvals} of {proof.approvals_required} approvals needed"
        f" · {proof.accepted} of {proof.sent_to} devices accepted it\n"
    )
    out.append("Payload sha256 ", style="bold")
    out.append(escape(proof.payload_sha256) + "\n")
    out.append_text(payload_text(proof.payload))
    out.append("\n\nDevices\n", style="bold")
    for d in proof.devices:
        word, style = STATUS_WORDS.get(d.status, (d.status, ""))
        out.append(f"  {escape(word)}", style=style)
        out.append(f"  {escape(d.label)} ({escape(d.owner)})")
        env = env_word(d.apns_environment, d.provider) if d.provider else "—"
        out.append(
            f" · {escape(facts.platform_name(d.platform) if d.platform else '—')} · {escape(env)}"
        )
        why = d.detail or d.reason
        if why:
            out.append(f" · {escape(clip(why, 160))}", style="dim")
        out.append("\n")
    out.append("\nSign-offs\n", style="bold")
    if not proof.signoffs:
        out.append("  none yet\n", style="dim")
    for s in proof.signoffs:
        style = "bold green" if s.decision == "approve" else "bold red"
        word = "approved" if s.decision == "approve" else "rejected"
        out.append(f"  {word}", style=style)
        out.append(f" by {escape(s.operator)} · {stamp(s.at)}")
        if s.comment:
            out.append(" · " + escape(clip(s.comment, 300)))
        out.append("\n")
    return out


REQUEST_COLUMNS = (
    "request", "state", "requester", "installation", "device", "title", "expires (UTC)",
    "decided by",
)  # fmt: skip


def request_cells(request: PushRequest, now: datetime) -> list[Text]:
    state = request.state(now)
    decided = request.rejected_by or request.approved_by
    return [
        t(request.id),
        t(state, REQUEST_STATES.get(state, "")),
        t(request.requester),
        t(request.installation_id),
        t(clip(request.device or "", 40)),
        t(clip(str(request.payload.get("title") or request.payload.get("body") or ""), 30)),
        t(stamp(request.expires_at).removesuffix(" UTC")),
        t(decided),
    ]


def request_detail(request: PushRequest, now: datetime) -> Text:
    state = request.state(now)
    out = Text()
    out.append(f"Request {escape(request.id)}", style="bold")
    out.append(f" · asked by {escape(request.requester)} · {stamp(request.created_at)}")
    out.append(f" ({ago(request.created_at, now)})\n")
    out.append("State ", style="bold")
    out.append(escape(state), style=REQUEST_STATES.get(state, ""))
    out.append(f" · expires {stamp(request.expires_at)}\n")
    r = request
    store = f" (store {r.store})" if r.store else ""
    lines: Iterable[tuple[str, str | None]] = (
        ("Installation", r.installation_id + store),
        ("Device", r.device),
        ("Token", r.token),
        ("Approved by", _decision(r.approved_by, r.approved_at, r.approve_comment)),
        ("Rejected by", _decision(r.rejected_by, r.rejected_at, r.reject_comment)),
        ("Used", stamp(request.used_at) if request.used_at else None),
        ("Payload sha256", request.payload_sha256),
        ("Request sha256", request.combined_sha256),
    )  # fmt: skip
    for name, value in lines:
        if value:
            out.append(f"{name:<15}", style="bold")
            out.append(escape(value) + "\n")
    out.append_text(payload_text(request.payload))
    return out


def _decision(who: str | None, at: datetime | None, comment: str | None) -> str | None:
    if who is None:
        return None
    when = f" · {stamp(at)}" if at else ""
    return f"{who}{when}" + (f" · {clip(comment, 300)}" if comment else "")
