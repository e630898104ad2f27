"""`inspector audit ...`, `inspector test-devices ...` and the journal under find/show."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update
from sqlalchemy.engine import URL

from inspector.cli import main
from inspector.cli.common import CliError
from inspector.cli.journal_commands import parse_since
from inspector.fixtures.demo import ANA_IPHONE, ANA_PIXEL, CUSTOMER_ANA
from inspector.journal import Journal
from inspector.journal.schema import audit_log
from tests import hostile
from tests.cli.json_contract import check
from tests.journal.conftest import drop_triggers, raw_engine, settings_for, url_text

UNREACHABLE = {
    "sqlite": "sqlite:////dev/null/journal.db",
    "postgresql": "postgresql+psycopg://ana:pw@127.0.0.1:1/journal",
    "mariadb": "mysql+pymysql://ana:pw@127.0.0.1:1/journal",
}


@pytest.fixture
def env(
    monkeypatch: pytest.MonkeyPatch, demo_store_url: URL, journal_url: URL
) -> pytest.MonkeyPatch:
    monkeypatch.setenv("INSPECTOR_STORE_URL", url_text(demo_store_url))
    monkeypatch.setenv("INSPECTOR_ENVIRONMENT", "staging")
    monkeypatch.setenv("INSPECTOR_JOURNAL_URL", url_text(journal_url))
    monkeypatch.setenv("INSPECTOR_OPERATOR", "ana")
    return monkeypatch


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def journal_of(journal_url: URL) -> Journal:
    return Journal.open(settings_for(journal_url))


def test_find_and_show_record_lookups(env, journal_url, capsys) -> None:  # type: ignore[no-untyped-def]
    assert run(capsys, "find", CUSTOMER_ANA)[0] == 0
    assert run(capsys, "find", "cid:nobody-here")[0] == 1
    assert run(capsys, "show", ANA_IPHONE, "--history", "0")[0] == 0
    j = journal_of(journal_url)
    try:
        show, missing, find = j.entries()
    finally:
        j.close()
    assert (find.action, find.outcome, find.details["found"]) == ("lookup", "found", 3)
    assert find.details["key_kinds"] == ["cid"] and find.environment == "staging"
    assert (missing.outcome, missing.details["found"]) == ("not found", 0)
    assert show.details["key_kinds"] == ["iid"] and show.installation_id is None
    assert CUSTOMER_ANA not in json.dumps([find.details, show.details])


def test_lookup_works_with_the_journal_unreachable(env, dialect, capsys) -> None:  # type: ignore[no-untyped-def]
    env.setenv("INSPECTOR_JOURNAL_URL", UNREACHABLE[dialect])
    code, out, err = run(capsys, "find", CUSTOMER_ANA, "--json")
    assert code == 0
    assert len(json.loads(out)["installations"]) == 3
    assert "warning" in err and "not in the audit journal" in err
    code, out, err = run(capsys, "show", ANA_IPHONE, "--json")
    assert code == 0 and json.loads(out)["installation"]["installation_id"] == ANA_IPHONE
    assert "warning" in err


def test_lookup_works_when_the_journal_cannot_write(env, journal_url, capsys) -> None:  # type: ignore[no-untyped-def]
    from tests.journal.test_journal import hold_write_lock

    env.setenv("INSPECTOR_STATEMENT_TIMEOUT", "0.3")
    Journal.open(settings_for(journal_url)).close()
    engine, conn = hold_write_lock(journal_url)
    try:
        code, out, err = run(capsys, "find", CUSTOMER_ANA, "--json")
    finally:
        conn.rollback()
        conn.close()
        engine.dispose()
    assert code == 0 and len(json.loads(out)["installations"]) == 3
    assert "warning: this lookup is not in the audit journal" in err


def test_audit_verify_whole_then_broken(env, journal_url, capsys) -> None:  # type: ignore[no-untyped-def]
    for _ in range(3):
        run(capsys, "find", CUSTOMER_ANA)
    code, out, _ = run(capsys, "audit", "verify")
    assert code == 0 and "whole: 3 record(s) checked" in out and "last record 3: hash " in out
    drop_triggers(journal_url)
    engine = raw_engine(journal_url)
    with engine.begin() as conn:
        conn.execute(update(audit_log).where(audit_log.c.seq == 2).values(outcome="not found"))
    engine.dispose()
    code, out, err = run(capsys, "audit", "verify")
    assert code == 2 and out == ""
    assert "broken at record 2" in err and "edited" in err


def test_audit_unreachable_exits_3(env, dialect, capsys) -> None:  # type: ignore[no-untyped-def]
    env.setenv("INSPECTOR_JOURNAL_URL", UNREACHABLE[dialect])
    assert run(capsys, "audit", "verify")[0] == 3
    code, _, err = run(capsys, "audit", "list")
    assert code == 3 and "Traceback" not in err


def test_audit_list_filters_and_json(env, journal_url, capsys) -> None:  # type: ignore[no-untyped-def]
    j = journal_of(journal_url)
    bob = Journal.open(settings_for(journal_url, INSPECTOR_OPERATOR="bob"))
    try:
        j.record("reveal", installation_id=ANA_IPHONE, details={"field": "push_token"})
        intent = bob.push_intent(installation_id=ANA_PIXEL, provider="fcm", details={})
        bob.push_intent(installation_id=ANA_IPHONE, provider="apns", details={})
        bob.push_outcome(intent, installation_id=ANA_PIXEL, outcome="UNREGISTERED", details={})
    finally:
        j.close()
        bob.close()
    code, out, _ = run(capsys, "audit", "list")
    lines = out.splitlines()
    assert code == 0 and len(lines) == 4
    assert lines[0].startswith("#4 ") and "push.outcome" in lines[0]
    assert "outcome unknown" in lines[1] and "UNREGISTERED" in lines[2]
    code, out, _ = run(capsys, "audit", "list", "--installation", ANA_IPHONE)
    assert [line.split()[0] for line in out.splitlines()] == ["#3", "#1"]
    code, out, _ = run(capsys, "audit", "list", "--operator", "bob", "--json")
    doc = json.loads(out)
    check(doc, "audit-list")  # the README's shape
    assert [e["record_id"] for e in doc["entries"]] == [4, 3, 2]
    assert doc["entries"][1]["outcome"] == "outcome unknown"
    assert all(e["operator"] == "bob" for e in doc["entries"])
    assert run(capsys, "audit", "list", "--since", "1h")[1].count("\n") == 4
    code, out, err = run(capsys, "audit", "list", "--since", "2999-01-01")
    assert (code, out) == (1, "") and "no journal record" in err
    code, _, err = run(capsys, "audit", "list", "--since", "yesterday-ish")
    assert code == 2 and "--since" in err


def test_audit_list_cannot_be_forged_by_free_text(env, journal_url, capsys) -> None:  # type: ignore[no-untyped-def]
    forged = "x\n#99  2026-01-01 00:00:00 UTC  root  production  push.intent  ok\x1b[31m\x9b2J"
    j = Journal.open(settings_for(journal_url, INSPECTOR_OPERATOR="eve\r\nmallory\x1b[0m"))
    try:
        j.record("export", installation_id="iid\u202e-1", outcome=forged, details={"note": forged})
    finally:
        j.close()
    code, out, _ = run(capsys, "audit", "list")
    assert code == 0 and out.count("\n") == 1  # one record, one line
    assert not any(ch in out for ch in "\x1b\x9b\r\u202e")
    assert "\\n#99" in out and "\\x1b[31m" in out and "eve\\r\\nmallory" in out
    code, out, _ = run(capsys, "audit", "list", "--json")
    assert out.isascii() and "\x1b" not in out
    (entry,) = json.loads(out)["entries"]
    assert entry["details"]["note"] == forged  # kept whole in the record, escaped in print


def test_test_devices_commands(env, capsys) -> None:  # type: ignore[no-untyped-def]
    code, _, err = run(capsys, "test-devices", "add", "00000000-1111-2222-3333-444444444444",
                       "--label", "ghost")  # fmt: skip
    assert code == 1 and "no installation" in err
    code, _, err = run(capsys, "test-devices", "add", ANA_IPHONE.upper(),
                       "--label", "Ana's iPhone 16", "--owner", "ana")  # fmt: skip
    assert code == 0 and "is a test device" in err
    code, _, err = run(capsys, "test-devices", "add", ANA_IPHONE, "--label", "again")
    assert code == 2 and "already a test device" in err
    code, _, err = run(capsys, "test-devices", "add", ANA_PIXEL, "--label", "bad\x1b[31m")
    assert code == 2 and "control" in err
    code, out, _ = run(capsys, "test-devices", "list")
    assert code == 0
    (line,) = out.splitlines()
    assert ANA_IPHONE in line and "Ana's iPhone 16" in line and "active · production" in line
    code, _, _ = run(capsys, "test-devices", "rename", ANA_IPHONE, "--label", "Ana's work phone")
    assert code == 0
    code, out, _ = run(capsys, "test-devices", "list", "--json")
    check(json.loads(out), "test-devices")  # the README's shape
    (device,) = json.loads(out)["test_devices"]
    assert device["label"] == "Ana's work phone" and device["owner"] == "ana"
    assert device["installation_id"] == ANA_IPHONE  # the store's spelling
    # Data, not display: the token state in machine fields, a time in ISO 8601 UTC.
    assert "token_state" not in device and "last_seen" not in device
    assert device["in_store"] is True and device["push_provider"] == "apns"
    assert device["push_token_status"] == "active"
    assert device["apns_environment"] == "production"
    assert datetime.fromisoformat(device["last_seen_at"]).utcoffset() == timedelta(0)
    assert datetime.fromisoformat(device["added_at"]).utcoffset() == timedelta(0)
    assert run(capsys, "test-devices", "remove", ANA_IPHONE)[0] == 0
    code, _, err = run(capsys, "test-devices", "remove", ANA_IPHONE)
    assert code == 1 and "not a test device" in err
    code, out, _ = run(capsys, "audit", "list", "--installation", ANA_IPHONE)
    actions = [line.split()[7] for line in out.splitlines()]
    assert actions == ["test_device.remove", "test_device.rename", "test_device.add"]


def test_test_devices_list_survives_an_unreachable_store(env, dialect, capsys) -> None:  # type: ignore[no-untyped-def]
    assert run(capsys, "test-devices", "add", ANA_IPHONE, "--label", "Ana's iPhone")[0] == 0
    env.setenv("INSPECTOR_STORE_URL", UNREACHABLE[dialect].replace("journal", "store"))
    code, out, err = run(capsys, "test-devices", "list")
    assert code == 0 and "Ana's iPhone" in out and "token state unknown" in out
    assert "warning" in err
    code, out, _ = run(capsys, "test-devices", "list", "--json")
    check(json.loads(out), "test-devices")
    (device,) = json.loads(out)["test_devices"]
    assert device["in_store"] is None and device["push_token_status"] is None


NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("30m", NOW - timedelta(minutes=30)),
        ("2 H", NOW - timedelta(hours=2)),
        ("7d", NOW - timedelta(days=7)),
        ("36600d", datetime(1970, 1, 1, tzinfo=UTC)),  # the bound, clamped to the epoch
        ("2026-11-27T09:30+01:00", datetime(2026, 11, 27, 8, 30, tzinfo=UTC)),
        ("1970-01-01", datetime(1970, 1, 1, tzinfo=UTC)),
    ],
)
def test_since_takes_dates_and_ages(text: str, expected: datetime) -> None:
    assert parse_since(text, NOW) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("99999999999d", "at most 36,600 days"),
        ("999999999999w", "at most 36,600 days"),
        ("36601d", "at most 36,600 days"),
        ("9" * 40 + "m", "takes a date or time"),
        ("0001-01-01T00:00+01:00", "takes a date or time"),
        ("0001-01-01", "1970-01-01 or later"),
        ("1969-12-31T23:59:59Z", "1970-01-01 or later"),
        ("\x1b]0;owned\x07", "takes a date or time"),
    ],
)
def test_since_out_of_bounds_is_one_line(
    text: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(CliError) as caught:
        parse_since(text, NOW)
    assert message in str(caught.value) and caught.value.code == 2
    assert "\x1b" not in str(caught.value)
    # Through the command: refused before the journal is opened, never a traceback.
    assert main(["audit", "list", "--since", text]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err and "\x1b" not in err


def test_an_unknown_test_device_is_said_escaped_exit_1(env, capsys) -> None:  # type: ignore[no-untyped-def]
    """The id the user typed comes back in the message: visible escapes, never raw."""
    typed = f"{hostile.OSC_TITLE}{hostile.C1_CSI}x"
    for argv in (("remove", typed), ("rename", typed, "--label", "L")):
        code, out, err = run(capsys, "test-devices", *argv)
        assert (code, out) == (1, "")
        assert "\\x1b]0;PWNED\\x07\\x9b31mx is not a test device" in err
        for seq in (*hostile.FORBIDDEN_OUTPUT, "\x1b"):
            assert seq not in err
        assert err.count("\n") == 1


def test_a_journal_that_would_be_the_store_is_refused_exit_2(env, demo_store_url, capsys) -> None:  # type: ignore[no-untyped-def]
    env.setenv("INSPECTOR_JOURNAL_URL", url_text(demo_store_url))
    code, out, err = run(capsys, "audit", "verify")
    assert (code, out) == (2, "")
    assert "names the installation store itself" in err and err.count("\n") == 1
