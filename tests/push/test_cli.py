"""`inspector push` and `inspector check-token` against the fakes: confirmation on a
terminal only, production confirmation by typing, dry runs and exit codes."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy.engine import URL

from inspector.cli import main
from inspector.config import load_settings
from inspector.fixtures.demo import ANA_IPHONE, UNICODE_DEVICE
from inspector.journal import Journal
from tests import hostile
from tests.cli.json_contract import check
from tests.push.fakes.apns_server import FakeApns
from tests.push.fakes.fcm_server import FakeFcm
from tests.push.fakes.keys import ServiceAccount


class Terminal(io.StringIO):
    """Typed answers on a terminal."""

    def isatty(self) -> bool:
        return True


@pytest.fixture
def cli(
    make_settings: Callable[..., object],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> Callable[..., tuple[int, str, str]]:
    def run(*argv: str, stdin: io.StringIO | None = None, **env: str) -> tuple[int, str, str]:
        for name, value in make_settings.env(**env).items():  # type: ignore[attr-defined]
            monkeypatch.setenv(name, value)
        monkeypatch.setattr("sys.stdin", stdin if stdin is not None else io.StringIO(""))
        code = main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    return run


ARGS = ("--title", "Hello", "--body", "From the command line")


def test_push_yes_json_sends_once(cli, fcm: FakeFcm) -> None:
    code, out, err = cli(
        "push", UNICODE_DEVICE, *ARGS, "--data", '{"screen": "cart"}', "--yes", "--json"
    )
    assert code == 0, err
    doc = json.loads(out)
    check(doc, "push")  # the README's shape
    assert doc["installation_id"] == UNICODE_DEVICE
    assert doc["result"]["ok"] is True and doc["result"]["provider"] == "fcm"
    assert len(fcm.requests) == 1
    assert fcm.requests[0].body["message"]["data"]["screen"] == "cart"
    assert "Payload" in err and "STAGING" in err  # the summary went to stderr


def test_push_without_a_terminal_refuses_and_sends_nothing(cli, fcm: FakeFcm) -> None:
    code, out, err = cli("push", UNICODE_DEVICE, *ARGS, stdin=io.StringIO("yes\n"))
    assert code == 2
    assert "pass --yes" in err and "not sent: not confirmed" in err
    assert "Device" in err  # the summary was shown
    assert out == "" and fcm.requests == []


def test_push_asks_on_a_terminal(cli, fcm: FakeFcm) -> None:
    code, _, err = cli("push", UNICODE_DEVICE, *ARGS, stdin=Terminal("n\n"))
    assert code == 2 and fcm.requests == []
    code, out, err = cli("push", UNICODE_DEVICE, *ARGS, stdin=Terminal("y\n"))
    assert code == 0, err
    assert "Accepted by FCM" in out
    assert len(fcm.requests) == 1


def test_end_of_input_is_a_no(cli, fcm: FakeFcm) -> None:
    code, _, _ = cli("push", UNICODE_DEVICE, *ARGS, stdin=Terminal(""))
    assert code == 2 and fcm.requests == []


def test_production_needs_the_last_four_characters(cli, apns: dict[str, FakeApns]) -> None:
    production = apns["production"]
    code, _, err = cli("push", ANA_IPHONE, *ARGS, stdin=Terminal("yes\n"), environment="production")
    assert code == 2 and production.requests == []
    assert "type the last four characters" in err
    code, out, err = cli(
        "push", ANA_IPHONE, *ARGS, stdin=Terminal(ANA_IPHONE[-4:] + "\n"), environment="production"
    )
    assert code == 0, err
    assert "Accepted by APNs" in out
    assert len(production.requests) == 1


def test_dry_run_fcm_is_validate_only(cli, fcm: FakeFcm) -> None:
    code, out, _ = cli("push", UNICODE_DEVICE, *ARGS, "--dry-run")
    assert code == 0
    assert "Validated by FCM" in out
    assert fcm.requests[0].body["validate_only"] is True


def test_dry_run_apns_builds_and_says_it_did_not_send(cli, apns: dict[str, FakeApns]) -> None:
    code, out, _ = cli("push", ANA_IPHONE, *ARGS, "--dry-run", "--json")
    assert code == 0
    result = json.loads(out)["result"]
    assert result["dry_run"] is True
    assert "Not sent: APNs has no dry run" in result["explanation"]
    assert apns["production"].requests == [] and apns["sandbox"].requests == []


def test_bad_data_is_refused_before_anything(cli, fcm: FakeFcm) -> None:
    code, out, err = cli("push", UNICODE_DEVICE, *ARGS, "--data", "{oops", "--yes")
    assert (code, out) == (2, "")
    assert "data is not valid JSON" in err and "Traceback" not in err
    assert fcm.requests == []


def test_policy_off_exits_2(cli, fcm: FakeFcm) -> None:
    code, _, err = cli("push", UNICODE_DEVICE, *ARGS, "--yes", push_policy="off")
    assert code == 2 and "sending is off" in err
    assert fcm.requests == []


def test_rejection_exits_1_and_unavailable_exits_3(cli, fcm: FakeFcm) -> None:
    fcm.mode = "UNREGISTERED"
    code, out, _ = cli("push", UNICODE_DEVICE, *ARGS, "--yes")
    assert code == 1 and "UNREGISTERED" in out and "The token is dead" in out
    fcm.mode = "UNAVAILABLE"
    code, out, _ = cli("push", UNICODE_DEVICE, *ARGS, "--yes")
    assert code == 3 and "retry after" in out


def test_missing_provider_configuration_exits_2(cli, fcm: FakeFcm) -> None:
    code, _, err = cli("push", UNICODE_DEVICE, *ARGS, "--yes", fcm_credentials="")
    assert code == 2 and "set INSPECTOR_FCM_CREDENTIALS" in err


def test_check_token(cli, fcm: FakeFcm, make_settings) -> None:
    code, out, _ = cli("check-token", UNICODE_DEVICE, "--json")
    assert code == 0
    assert json.loads(out)["result"]["dry_run"] is True
    assert fcm.requests[0].body["validate_only"] is True
    journal = Journal.open(load_settings(make_settings.env()))
    try:
        assert [e.action for e in journal.entries(installation_id=UNICODE_DEVICE)] == [
            "token.check",
            "token.check",
        ]
    finally:
        journal.close()


def test_check_token_apns_says_no_dry_run(cli, apns: dict[str, FakeApns]) -> None:
    code, out, _ = cli("check-token", ANA_IPHONE)
    assert code == 2
    assert "APNs has no dry run" in out
    assert apns["production"].requests == []


@pytest.fixture(scope="session")
def hostile_sqlite_url(make_database: Callable[[str], URL]) -> URL:
    url = make_database("sqlite")
    hostile.build_hostile_store(url)
    return url


def test_push_to_a_hostile_device_shows_its_values_as_text(
    cli, fcm: FakeFcm, hostile_sqlite_url: URL, tmp_path: Path
) -> None:
    """The summary quotes the store and the typed payload; the verdict, the provider.
    The refusal for want of the app's credential names the hostile app as text too."""
    store = hostile_sqlite_url.render_as_string(hide_password=False)
    argv = ("push", hostile.H_ESCAPE, "--title", hostile.MARKUP, "--body", hostile.STYLED)
    code, out, err = cli(*argv, "--dry-run", store_url=store)
    assert code == 2 and "SENDER_ID_MISMATCH" in err and "hostile-prod" in err
    assert len(err.strip().splitlines()) == 1 and "\x1b" not in out + err
    assert fcm.token_requests == 0 and fcm.requests == []
    # The hostile app's own Firebase project, with its own service account.
    account = ServiceAccount.generate("hostile-prod")
    fcm.add(account)
    credentials = str(account.write(tmp_path / "hostile-sa.json", fcm.token_uri))
    data = json.dumps({hostile.MARKUP: hostile.BIDI + hostile.C1_CSI})
    code, out, err = cli(
        *argv, "--data", data, "--dry-run", "--json", store_url=store, fcm_credentials=credentials
    )
    assert code == 0, err
    for seq in (*hostile.FORBIDDEN_OUTPUT, "\x1b"):
        assert seq not in out + err
    assert "Pixel\\x1b[2J\\x1b[H" in err  # the device model, visibly escaped
    assert out.isascii()
    assert json.loads(out, strict=True)["installation_id"] == hostile.H_ESCAPE
    code, out, err = cli(*argv, "--dry-run", store_url=store, fcm_credentials=credentials)
    assert code == 0, err
    assert "Validated by FCM" in out
    assert "\x1b" not in out + err


def test_push_data_nested_30000_levels_is_one_line(cli, fcm: FakeFcm) -> None:
    code, out, err = cli("push", UNICODE_DEVICE, *ARGS, "--data", hostile.DEEP_JSON, "--yes")
    assert (code, out) == (2, "")
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert fcm.requests == []


# -- one exit-code contract -------------------------------------------------------------

UNKNOWN = "0b0e5c1d-0000-4000-8000-00000000abcd"


def test_push_to_an_installation_not_in_the_store_exits_1_like_show(cli, fcm: FakeFcm) -> None:
    show_code, _, _ = cli("show", UNKNOWN)
    code, out, err = cli("push", UNKNOWN, *ARGS, "--yes")
    assert (code, out) == (show_code, "") == (1, "")
    assert f"no installation {UNKNOWN}" in err
    assert fcm.requests == []


def test_check_token_of_an_installation_not_in_the_store_exits_1(cli, fcm: FakeFcm) -> None:
    code, out, err = cli("check-token", UNKNOWN, "--json")
    assert (code, out) == (1, "")
    assert f"no installation {UNKNOWN}" in err
    assert fcm.requests == []


def test_a_dry_run_refused_by_policy_off_never_says_not_sent(cli, fcm: FakeFcm) -> None:
    code, out, err = cli("push", UNICODE_DEVICE, *ARGS, "--dry-run", push_policy="off")
    assert (code, out) == (2, "")
    assert "sending is off" in err
    assert "not sent" not in err.lower() and "not validated" in err
    assert fcm.requests == []


def test_push_and_check_token_json_have_the_same_keys(cli, fcm: FakeFcm) -> None:
    _, pushed, _ = cli("push", UNICODE_DEVICE, *ARGS, "--dry-run", "--json")
    _, checked, _ = cli("check-token", UNICODE_DEVICE, "--json")
    push_doc, check_doc = json.loads(pushed), json.loads(checked)
    check(push_doc, "push")  # the README's shape
    check(check_doc, "push")
    assert set(push_doc) == set(check_doc)
    assert isinstance(push_doc["payload_bytes"], int)
    assert check_doc["payload_bytes"] is None and check_doc["collapse_id"] is None
