"""What the command line says: an internal error is one line (its traceback only when
INSPECTOR_DEBUG=1 asks), and device facts read as they do on screen."""

from __future__ import annotations

import argparse
from typing import NoReturn

import pytest
from sqlalchemy.engine import URL

from inspector.cli import main
from inspector.fixtures import demo
from tests import hostile

DEFECT = f"boom {hostile.OSC_TITLE}{hostile.STYLED}\nsecond line"


def _defect(*args: object, **kwargs: object) -> NoReturn:
    raise RuntimeError(DEFECT)


@pytest.fixture
def defect(monkeypatch: pytest.MonkeyPatch) -> None:
    """A defect anywhere under `main`: here, argparse itself raising."""
    monkeypatch.setattr(argparse.ArgumentParser, "parse_args", _defect)


def _assert_safe(text: str) -> None:
    for seq in (*hostile.FORBIDDEN_OUTPUT, "\x1b"):
        assert seq not in text


def test_an_internal_error_is_one_line_exit_3(
    defect: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("INSPECTOR_DEBUG", raising=False)
    assert main(["find", "cust-42"]) == 3
    out, err = capsys.readouterr()
    assert out == ""
    assert err == (
        "inspector: internal error: RuntimeError: boom \\x1b]0;PWNED\\x07[bold red]x[/]"
        " (run with INSPECTOR_DEBUG=1 for details)\n"
    )


def test_inspector_debug_adds_the_escaped_traceback(
    defect: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("INSPECTOR_DEBUG", "1")
    assert main(["find", "cust-42"]) == 3
    out, err = capsys.readouterr()
    assert out == ""
    lines = err.splitlines()
    assert lines[0] == "Traceback (most recent call last):"
    assert "RuntimeError: boom \\x1b]0;PWNED\\x07[bold red]x[/]" in err
    assert "second line" in err  # the whole message, each line escaped
    assert lines[-1].startswith("inspector: internal error: RuntimeError: boom")
    _assert_safe(err)


@pytest.fixture
def on_store(sqlite_demo_url: URL, monkeypatch: pytest.MonkeyPatch) -> URL:
    monkeypatch.setenv("INSPECTOR_STORE_URL", sqlite_demo_url.render_as_string())
    monkeypatch.setenv("INSPECTOR_ENVIRONMENT", "staging")
    return sqlite_demo_url


def test_show_says_device_facts_as_the_screen_does(
    on_store: URL, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["show", demo.OPTED_OUT]) == 0
    out = capsys.readouterr().out
    assert "no (notifications turned off)" in out and "opted out)" not in out.split("⚠")[0]
    assert "Android" in out
    assert main(["show", demo.ANA_IPHONE]) == 0
    out = capsys.readouterr().out
    assert "yes (notifications allowed)" in out
    assert "iOS" in out and "APNs · active · production" in out


def test_find_says_platforms_as_the_screen_does(
    on_store: URL, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["find", demo.CUSTOMER_ANA]) == 0
    out = capsys.readouterr().out
    assert "│ iOS " in out and "│ Android " in out  # the platform column, not the app's name
    assert "Apple iPhone 16 Pro" in out and "Google Pixel 8" in out  # brand and model
    assert "active · production" in out and "active · sandbox" in out


def test_an_argument_error_names_the_subcommand_once(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["test-devices", "add", "some-id"])
    assert stopped.value.code == 2
    last = capsys.readouterr().err.splitlines()[-1]
    assert last.startswith("inspector: test-devices add: error: ")
    assert "--label" in last and "inspector: inspector" not in last
