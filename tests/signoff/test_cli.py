"""`inspector proofs …` and `inspector approvals …` against the fakes: confirmation on a
terminal only, the contract's exit codes, one-line errors, JSON as data."""

from __future__ import annotations

import argparse
import io
import json
from collections.abc import Callable

import pytest

from inspector.cli import main
from inspector.cli.common import CliError
from inspector.cli.signoff_commands import cmd_push_approved, cmd_push_request
from inspector.fixtures.demo import WEB
from inspector.push import PushRefused
from inspector.signoff import os_account
from tests.push.fakes.apns_server import FakeApns
from tests.push.fakes.fcm_server import FakeFcm
from tests.signoff.conftest import IPAD, IPHONE, OTHER_ANDROID, PIXEL, TOKENS, Desk, register_team

SEND = ("proofs", "send", "--app", "com.example.shop", "--title", "Sale", "--body", "30% off")

Run = Callable[..., tuple[int, str, str]]


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture
def cli(
    make_env: Callable[..., dict[str, str]],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> Run:
    def run(
        *argv: str, operator: str = "ana", stdin: io.StringIO | None = None, **env: str
    ) -> tuple[int, str, str]:
        for name, value in make_env(operator, **env).items():
            monkeypatch.setenv(name, value)
        monkeypatch.setattr("sys.stdin", stdin if stdin is not None else io.StringIO(""))
        code = main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    return run


@pytest.fixture
def team(desks: Callable[..., Desk], fcm: FakeFcm, apns: dict[str, FakeApns]) -> Desk:
    ana = desks("ana")
    register_team(ana.journal)
    return ana


def requests_made(fcm: FakeFcm, apns: dict[str, FakeApns]) -> int:
    return len(fcm.requests) + sum(len(f.requests) for f in apns.values())


def test_send_yes_json_reaches_each_test_device_once(
    cli: Run, team: Desk, fcm: FakeFcm, apns: dict[str, FakeApns]
) -> None:
    code, out, err = cli(*SEND, "--data", '{"screen": "sale"}', "--yes", "--json")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["status"] == "pending" and doc["author"] == "ana" and doc["accepted"] == 3
    assert doc["payload"]["data"] == {"screen": "sale"}
    sends = {s["installation_id"]: s for s in doc["sends"]}
    assert {i for i, s in sends.items() if s["status"] == "accepted"} == {IPHONE, IPAD, PIXEL}
    skipped = [s for s in sends.values() if s["status"] == "skipped"]
    assert all(s["message_id"] is None and s["latency_ms"] is None for s in skipped)
    assert doc["created_at"].endswith("+00:00")
    assert requests_made(fcm, apns) == 3
    # The confirmation lists the devices and the skipped ones with their reasons.
    assert "Ana's iPhone (ana) · ios · APNs production" in err
    assert "Old Pixel (bob)" in err and "dead token" in err
    assert not any(token in out + err for token in TOKENS.values())


def test_send_asks_on_a_terminal_and_refuses_without_one(
    cli: Run, team: Desk, fcm: FakeFcm, apns: dict[str, FakeApns]
) -> None:
    code, _, err = cli(*SEND)
    assert code == 2 and "pass --yes" in err and "not sent: not confirmed" in err
    code, _, _ = cli(*SEND, stdin=Terminal("n\n"))
    assert code == 2
    assert requests_made(fcm, apns) == 0
    code, out, err = cli(*SEND, stdin=Terminal("y\n"))
    assert code == 0, err
    assert out.count("✔") == 3 and "· pending (0 of 2 approvals)" in out
    assert requests_made(fcm, apns) == 3


def test_production_asks_for_the_number_of_devices(
    cli: Run, team: Desk, fcm: FakeFcm, apns: dict[str, FakeApns]
) -> None:
    me = os_account() or "unknown"
    code, _, err = cli(*SEND, operator=me, environment="production", stdin=Terminal("y\n"))
    assert code == 2 and "PRODUCTION: type 3 (the number of devices)" in err
    assert requests_made(fcm, apns) == 0
    code, _, err = cli(*SEND, operator=me, environment="production", stdin=Terminal("3\n"))
    assert code == 0, err
    assert requests_made(fcm, apns) == 3


def test_a_failing_device_gives_the_worst_exit_code(
    cli: Run, team: Desk, fcm: FakeFcm, apns: dict[str, FakeApns]
) -> None:
    apns["sandbox"].token_modes[TOKENS[IPAD]] = "BadDeviceToken"
    code, out, _ = cli(*SEND, "--yes")
    assert code == 1
    assert "✘ Ana's iPad (TestFlight) · rejected · BadDeviceToken" in out
    fcm.mode = "UNAVAILABLE"
    code, _, _ = cli(*SEND, "--yes")
    assert code == 3


def test_no_test_device_of_the_app_is_nothing_found(
    cli: Run, desks: Callable[..., Desk], fcm: FakeFcm, apns: dict[str, FakeApns]
) -> None:
    desks("ana").journal.add_test_device(WEB, "Web", "ana")
    code, _, err = cli(*SEND, "--yes")
    assert code == 1 and "no registered test device of app com.example.shop" in err


def test_sign_off_from_the_command_line(
    cli: Run, team: Desk, fcm: FakeFcm, apns: dict[str, FakeApns]
) -> None:
    code, out, _ = cli(*SEND, "--yes", "--json")
    proof_id = json.loads(out)["proof_id"]

    code, out, err = cli("proofs", "export", proof_id)
    assert code == 2 and out == ""
    assert err.strip() == (
        f"inspector: proof {proof_id} is pending (0 of 2 approvals): only an approved proof"
        " is exported"
    )
    code, _, err = cli("proofs", "approve", proof_id)
    assert code == 2 and "its author cannot approve it" in err
    assert len(err.strip().splitlines()) == 1
    code, out, _ = cli("proofs", "approve", proof_id, "--comment", "ok", operator="bob")
    assert code == 0 and "pending (1 of 2 approvals)" in out
    code, _, err = cli("proofs", "approve", proof_id, operator="bob")
    assert code == 2 and "one sign-off per operator" in err
    code, out, _ = cli("proofs", "approve", proof_id, "--json", operator="carol")
    assert code == 0 and json.loads(out)["status"] == "approved"

    code, out, _ = cli("proofs", "export", proof_id)
    assert code == 0
    doc = json.loads(out)
    assert doc["status"] == "approved" and doc["payload"]["title"] == "Sale"
    assert [s["operator"] for s in doc["sign_offs"]] == ["bob", "carol"]

    code, out, _ = cli("proofs", "list", "--json")
    assert code == 0
    (listed,) = json.loads(out)["proofs"]
    assert listed["proof_id"] == proof_id and listed["approvals"] == 2
    code, out, _ = cli("proofs", "show", proof_id)
    assert code == 0 and "approve by bob" in out and "Sign-offs" in out

    with pytest.raises(SystemExit) as refused:  # argparse: --comment is required
        cli("proofs", "reject", proof_id, operator="dave")
    assert refused.value.code == 2
    code, out, _ = cli("proofs", "reject", proof_id, "--comment", "typo", operator="dave")
    assert code == 0 and "rejected" in out
    code, _, _ = cli("proofs", "export", proof_id)
    assert code == 2


def test_unknown_ids_and_empty_lists_are_nothing_found(cli: Run, team: Desk) -> None:
    assert cli("proofs", "show", "p-nothing")[0] == 1
    assert cli("proofs", "approve", "p-nothing", operator="bob")[0] == 1
    code, _, err = cli("proofs", "list")
    assert code == 1 and "no proof in profile default" in err
    assert cli("approvals", "list")[0] == 1
    assert cli("approvals", "approve", "r-nothing", operator="bob")[0] == 1
    code, _, err = cli("proofs", "show", "p-\x1b[31m")
    assert code == 1 and "\x1b" not in err


def test_production_refuses_a_borrowed_operator_name(cli: Run, team: Desk) -> None:
    code, _, err = cli("proofs", "list", operator="someone-else", environment="production")
    assert code == 2
    assert "cannot change it" in err and len(err.strip().splitlines()) == 1


def push_args(**values: object) -> argparse.Namespace:
    base: dict[str, object] = {
        "profile": None, "config": None, "installation_id": OTHER_ANDROID,
        "title": "Delivery check", "body": "From support", "data": None,
        "deep_link": None, "json": True, "approved": None, "request": False,
        "dry_run": False,
    }  # fmt: skip
    base.update(values)
    return argparse.Namespace(**base)


@pytest.mark.parametrize("policy", ["approval", "any"])
def test_request_approve_then_send_once(
    policy: str,
    cli: Run,
    team: Desk,
    make_env: Callable[..., dict[str, str]],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    fcm: FakeFcm,
    apns: dict[str, FakeApns],
) -> None:
    def as_operator(name: str) -> None:
        for key, value in make_env(name, push_policy=policy).items():
            monkeypatch.setenv(key, value)

    as_operator("ana")
    assert cmd_push_request(push_args()) == 0
    request = json.loads(capsys.readouterr().out)
    assert request["state"] == "pending" and request["approved_by"] is None
    assert request_made_none(fcm, apns)

    code, out, _ = cli("approvals", "list", "--json", operator="bob", push_policy=policy)
    assert code == 0 and json.loads(out)["requests"][0]["request_id"] == request["request_id"]
    code, _, err = cli("approvals", "approve", request["request_id"], push_policy=policy)
    assert code == 2 and "a different operator must approve it" in err
    code, _, err = cli("approvals", "approve", request["request_id"], operator="bob",
                       push_policy=policy)  # fmt: skip
    assert code == 0 and f"inspector push --approved {request['request_id']}" in err

    as_operator("ana")
    assert cmd_push_approved(push_args(approved=request["request_id"])) == 0
    sent = json.loads(capsys.readouterr().out)
    assert sent["result"]["ok"] is True and sent["request_id"] == request["request_id"]
    (intent,) = [e for e in team.journal.entries() if e.action == "push.intent"]
    assert intent.details["approval_request"] == request["request_id"]
    assert intent.details["approval_record"] == sent["approval_record_id"]
    assert [r.body["message"]["token"] for r in fcm.requests] == [TOKENS[OTHER_ANDROID]]
    with pytest.raises(CliError, match="already used") as refused:
        cmd_push_approved(push_args(approved=request["request_id"]))
    assert refused.value.code == 2
    assert len(fcm.requests) == 1


def request_made_none(fcm: FakeFcm, apns: dict[str, FakeApns]) -> bool:
    return requests_made(fcm, apns) == 0


def test_the_profile_decides_the_cap_and_the_approvals_needed(
    cli: Run, team: Desk, fcm: FakeFcm, apns: dict[str, FakeApns]
) -> None:
    code, out, err = cli(*SEND, "--yes", "--json", proof_cap="2", proof_approvals="1")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["approvals_required"] == 1 and doc["accepted"] == 2
    assert "Reaches       2 test device(s) (cap 2)" in err and "over the proof's device cap" in err
    assert requests_made(fcm, apns) == 2
    # --cap chooses within the range, above the profile's too.
    code, out, err = cli(*SEND, "--yes", "--json", "--cap", "3", proof_cap="2")
    assert code == 0 and json.loads(out)["accepted"] == 3
    code, _, err = cli(*SEND, "--yes", "--cap", "101")
    assert code == 2 and "from 1 to 100" in err
    # One approval is enough where the profile says so (a proof keeps the number it
    # was sent with).
    code, out, _ = cli("proofs", "approve", doc["proof_id"], "--json", operator="bob")
    assert code == 0 and json.loads(out)["status"] == "approved"
    code, _, err = cli(*SEND, "--yes", proof_cap="0")
    assert code == 2
    assert err.strip() == (
        "inspector: INSPECTOR_PROOF_CAP must be a whole number from 1 to 100 devices, got '0'"
    )


def test_under_approval_a_push_to_a_customer_points_to_a_request(
    cli: Run,
    team: Desk,
    make_env: Callable[..., dict[str, str]],
    monkeypatch: pytest.MonkeyPatch,
    fcm: FakeFcm,
    apns: dict[str, FakeApns],
) -> None:
    """The refusal `inspector push ID` meets, and a test device sent to directly, through
    the push command's own sender."""
    from inspector.cli.push_commands import cmd_push

    for key, value in make_env("ana", push_policy="approval").items():
        monkeypatch.setenv(key, value)
    with pytest.raises(PushRefused) as refused:
        cmd_push(push_args(yes=True, dry_run=False))
    assert f"ask for one with `inspector push {OTHER_ANDROID} … --request`" in str(refused.value)
    assert requests_made(fcm, apns) == 0
    assert cmd_push(push_args(installation_id=PIXEL, yes=True, dry_run=False)) == 0
    assert [r.body["message"]["token"] for r in fcm.requests] == [TOKENS[PIXEL]]


def test_push_request_and_push_approved_from_the_command_line(
    cli: Run, team: Desk, fcm: FakeFcm, apns: dict[str, FakeApns]
) -> None:
    """`inspector push ID … --request`, `approvals approve`, `inspector push --approved`:
    the contract's spelling, through the push command itself."""
    ask = ("push", OTHER_ANDROID, "--title", "Delivery check", "--body", "From support")
    code, out, err = cli(*ask, "--request", "--json", push_policy="approval")
    assert code == 0, err
    request_id = json.loads(out)["request_id"]
    assert request_made_none(fcm, apns)
    # Without a request, the policy refuses a device that is not a test device.
    code, _, err = cli(*ask, "--yes", push_policy="approval")
    assert code == 2 and "--request" in err and request_made_none(fcm, apns)
    code, _, err = cli("approvals", "approve", request_id, operator="bob", push_policy="approval")
    assert code == 0, err
    # --approved sends what was approved: nothing else may be given beside it.
    code, _, err = cli("push", "--approved", request_id, "--title", "Other", push_policy="approval")
    assert code == 2 and "drop --title" in err and request_made_none(fcm, apns)
    code, _, err = cli("push", "--title", "x", push_policy="approval")
    assert code == 2 and "INSTALLATION_ID, --body required" in err
    code, _, err = cli(*ask, "--request", "--dry-run", push_policy="approval")
    assert code == 2 and "no --dry-run" in err
    code, out, err = cli("push", "--approved", request_id, "--json", push_policy="approval")
    assert code == 0, err
    assert json.loads(out)["request_id"] == request_id
    assert [r.body["message"]["token"] for r in fcm.requests] == [TOKENS[OTHER_ANDROID]]
    code, _, err = cli("push", "--approved", request_id, push_policy="approval")
    assert code == 2 and "already used" in err and len(fcm.requests) == 1


def test_approvals_approve_and_reject_show_the_request_and_only_an_approval_its_next_step(
    cli: Run,
    team: Desk,
    make_env: Callable[..., dict[str, str]],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    def asked() -> str:
        for key, value in make_env("ana", push_policy="approval").items():
            monkeypatch.setenv(key, value)
        assert cmd_push_request(push_args()) == 0
        return str(json.loads(capsys.readouterr().out)["request_id"])

    approved = asked()
    code, out, err = cli("approvals", "approve", approved, "--json", "--comment", "ok",
                         operator="bob", push_policy="approval")  # fmt: skip
    doc = json.loads(out)
    assert code == 0 and err == ""  # JSON: the document alone, no next step
    assert (doc["request_id"], doc["state"]) == (approved, "approved")
    assert (doc["approved_by"], doc["approve_comment"]) == ("bob", "ok")

    rejected = asked()
    code, out, err = cli("approvals", "reject", rejected, "--comment", "wrong device",
                         operator="bob", push_policy="approval")  # fmt: skip
    assert code == 0 and err == ""  # a rejection has no next step
    (line,) = out.splitlines()
    assert line.startswith(f"{rejected}  rejected  by ana") and "rejected by bob" in line
    code, out, err = cli("approvals", "approve", rejected, operator="carol",
                         push_policy="approval")  # fmt: skip
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1
