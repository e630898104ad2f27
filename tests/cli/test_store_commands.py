"""`inspector find` and `inspector show`: the command-line contract."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from sqlalchemy.engine import URL

from inspector.cli import main
from inspector.fixtures import demo


@pytest.fixture
def on_store(sqlite_demo_url: URL, monkeypatch: pytest.MonkeyPatch) -> URL:
    monkeypatch.setenv("INSPECTOR_STORE_URL", sqlite_demo_url.render_as_string())
    monkeypatch.setenv("INSPECTOR_ENVIRONMENT", "staging")
    return sqlite_demo_url


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_find_json_lists_installations(on_store: URL, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "find", demo.CUSTOMER_ANA, "--json")
    assert code == 0
    doc = json.loads(out)
    by_id = {i["installation_id"]: i for i in doc["installations"]}
    assert set(by_id) == {demo.ANA_IPHONE, demo.ANA_IPAD, demo.ANA_PIXEL}
    assert by_id[demo.ANA_IPHONE]["live"] is True
    assert by_id[demo.ANA_PIXEL]["stale"]
    assert by_id[demo.ANA_IPHONE]["matched_by"] == ["cid"]
    # Tokens and advertising IDs are masked unless revealed.
    assert by_id[demo.ANA_IPHONE]["push_token"].startswith("••••••")
    assert demo.ANA_IPHONE_IDFA not in out
    assert err == ""


def test_find_table_is_human_readable(on_store: URL, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "find", demo.ANA_IPHONE_IDFA)
    assert code == 0
    assert "iPhone" in out and "LIVE" in out


def test_find_nothing_exits_1_with_message_on_stderr(
    on_store: URL, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "find", "cust-nobody")
    assert (code, out) == (1, "")
    assert "no installation with Customer ID cust-nobody" in err


def test_find_nothing_json_still_prints_a_document(
    on_store: URL, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "find", "cust-nobody", "--json")
    assert code == 1
    assert json.loads(out)["installations"] == []


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("00000000-0000-0000-0000-000000000000", "millions of devices"),
        ("", "type a Customer ID"),
        ("x" * 10_000, "10,000 characters"),
        ("iid:nope", "are UUIDs"),
    ],
)
def test_bad_query_exits_2(
    on_store: URL, capsys: pytest.CaptureFixture[str], query: str, message: str
) -> None:
    code, out, err = run(capsys, "find", query)
    assert (code, out) == (2, "")
    assert message in err
    assert len(err.strip().splitlines()) == 1


def test_show_json_with_history(on_store: URL, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "show", demo.ANA_IPHONE.upper(), "--json", "--history", "5")
    assert code == 0
    inst = json.loads(out)["installation"]
    assert inst["installation_id"] == demo.ANA_IPHONE
    assert len(inst["history"]) == 5
    stamps = [e["occurred_at"] for e in inst["history"]]
    assert stamps == sorted(stamps, reverse=True)


def test_show_human(on_store: URL, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "show", demo.ANA_IPAD)
    assert code == 0
    assert "sandbox" in out and "iPad Air" in out
    assert "only the APNs sandbox accepts it" in out


def test_show_unknown_exits_1(on_store: URL, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "show", "6513270e-0000-4000-8000-000000000000")
    assert code == 1
    assert "no installation" in err


def test_unreachable_store_exits_3_without_password(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(
        "INSPECTOR_STORE_URL", "postgresql+psycopg://support:canary-pw-93@127.0.0.1:1/installs"
    )
    code, out, err = run(capsys, "find", "cust-42")
    assert (code, out) == (3, "")
    assert "127.0.0.1:1/installs" in err
    assert "canary-pw-93" not in err


def test_schema_mismatch_names_what_is_missing(
    tmp_path: object, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import sqlite3

    path = f"{tmp_path}/other.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE apps (app_id TEXT)")
    monkeypatch.setenv("INSPECTOR_STORE_URL", f"sqlite:///{path}")
    code, _, err = run(capsys, "find", "cust-42")
    assert code == 3
    assert "no column 'name'" in err or "no table 'installations'" in err


def test_bad_store_url_is_a_config_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("INSPECTOR_STORE_URL", "not a url ::: secret")
    code, _, err = run(capsys, "find", "cust-42")
    assert code == 2
    assert "INSPECTOR_STORE_URL is not a valid database URL" in err
    assert "secret" not in err


def test_dotenv_is_read_but_the_process_wins(
    sqlite_demo_url: URL, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with open(".env", "w") as f:
        f.write(f"INSPECTOR_STORE_URL={sqlite_demo_url.render_as_string()}\n")
        f.write("INSPECTOR_ENVIRONMENT=staging\n")
    code, out, _ = run(capsys, "find", "cust-42", "--json")
    assert code == 0 and json.loads(out)["installations"]
    monkeypatch.setenv("INSPECTOR_STORE_URL", "sqlite:////nonexistent/x.db")
    code, _, err = run(capsys, "find", "cust-42")
    assert code == 3 and "no such file" in err


def test_demo_store_is_built_once_and_said(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "find", demo.CUSTOMER_ANA, "--json")
    assert code == 0
    assert "built the demo store" in err and "DEMO store" in err
    assert len(json.loads(out)["installations"]) == 3
    code, _, err = run(capsys, "find", demo.CUSTOMER_ANA, "--json")
    assert code == 0 and "built the demo store" not in err
    assert "DEMO store" in err


def test_console_script_runs_without_textual() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "inspector", "find", "cust-42", "--json"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["installations"]


def test_a_demo_store_that_cannot_be_built_is_one_line_exit_3(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: object
) -> None:
    blocker = f"{tmp_path}/not-a-directory"
    with open(blocker, "w") as f:
        f.write("a file where the data directory should be")
    monkeypatch.setenv("XDG_DATA_HOME", blocker)
    code, out, err = run(capsys, "find", demo.CUSTOMER_ANA)
    assert (code, out) == (3, "")
    assert "the demo store could not be built" in err
    assert len(err.strip().splitlines()) == 1


def test_json_says_null_for_a_missing_value_and_always_has_invalid(
    on_store: URL, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "show", demo.ANA_IPAD, "--json")
    assert code == 0
    doc = json.loads(out)["installation"]
    assert doc["advertising_id"] is None  # not the screen's "—"
    assert doc["invalid"] == {}
    assert all(e["invalid"] == {} for e in doc["history"])
    assert doc["installed_at"].endswith("+00:00")


@pytest.mark.parametrize(
    ("url", "package"),
    [
        ("postgresql+pg8000://inspector@127.0.0.1/installations", "pip install 'pg8000'"),
        ("mysql+mysqldb://inspector@127.0.0.1/installations", "pip install 'mysqlclient'"),
    ],
)
def test_a_store_driver_that_is_not_installed_is_one_line_naming_the_package(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], url: str, package: str
) -> None:
    monkeypatch.setenv("INSPECTOR_STORE_URL", url)
    monkeypatch.setenv("INSPECTOR_ENVIRONMENT", "staging")
    code, out, err = run(capsys, "find", demo.CUSTOMER_ANA)
    assert (code, out) == (2, "")
    assert package in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_a_dotenv_push_policy_is_ignored_and_said_on_stderr(
    on_store: URL, capsys: pytest.CaptureFixture[str]
) -> None:
    with open(".env", "w") as env:
        env.write("INSPECTOR_PUSH_POLICY=any\nINSPECTOR_FCM_URL=http://evil.example\n")
    code, out, err = run(capsys, "find", demo.CUSTOMER_ANA, "--json")
    assert code == 0
    assert json.loads(out)["installations"]
    warnings = [line for line in err.splitlines() if line.startswith("inspector: warning:")]
    assert len(warnings) == 2, err
    assert "INSPECTOR_PUSH_POLICY" in err and "INSPECTOR_FCM_URL" in err
    assert "evil.example" not in err.replace("INSPECTOR_FCM_URL", "")
