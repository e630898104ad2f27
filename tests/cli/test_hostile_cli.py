"""`inspector find`, `show` and `push` over a hostile store, on every dialect: markup is
shown as text, no escape sequence or control character reaches the terminal, `--json`
is strict ASCII JSON, deep JSON and unreadable values are shown as such, never a
traceback."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rich.console import Console
from sqlalchemy.engine import URL

from inspector.cli import main
from inspector.cli.common import json_text
from inspector.cli.store_commands import find_table, show_parts
from inspector.export import event_to_dict, installation_to_dict
from inspector.health import device_states, push_warnings
from inspector.lookup import KeyKind
from inspector.store.records import App, Event, Installation, Match
from tests import hostile

# Whatever stays out of a terminal's output, besides FORBIDDEN_OUTPUT: ESC and C1 CSI.
RAW_ESCAPES = ("\x1b", "\x9b")
# Rich and colour settings of the developer's shell would add escapes of their own.
STYLE_ENV = ("FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE", "COLUMNS", "LINES")


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        """strict: no raw control character in a string; no NaN or Infinity."""
        return json.loads(self.out, strict=True, parse_constant=_no_constant)


def _no_constant(name: str) -> None:
    raise AssertionError(f"{name} in JSON output")


def assert_terminal_safe(text: str) -> None:
    for seq in (*hostile.FORBIDDEN_OUTPUT, *RAW_ESCAPES):
        assert seq not in text, f"{seq!r} reached the output"
    for ch in set(text) - {"\n"}:
        category = unicodedata.category(ch)
        assert category not in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"), repr(ch)


def check(run: Run) -> Run:
    """What holds for every command over hostile data."""
    assert "Traceback" not in run.err, run.err
    assert_terminal_safe(run.out)
    assert_terminal_safe(run.err)
    return run


def env_for(url: URL, folder: Path) -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if k not in STYLE_ENV and not k.startswith("INSPECTOR_")
    }
    env.update(
        INSPECTOR_STORE_URL=url.render_as_string(hide_password=False),
        INSPECTOR_ENVIRONMENT="staging",
        INSPECTOR_JOURNAL_URL=f"sqlite:///{folder / 'journal.db'}",
        XDG_DATA_HOME=str(folder / "xdg"),
    )
    return env


def subprocess_cli(url: URL, folder: Path) -> Callable[..., Run]:
    """The real `inspector` command in a subprocess. Each command line runs once (reads
    only: the answers do not change) and is checked then."""
    env = env_for(url, folder)
    runs: dict[tuple[str, ...], Run] = {}

    def run(*argv: str) -> Run:
        if argv not in runs:
            proc = subprocess.run(
                [sys.executable, "-m", "inspector", *argv],
                capture_output=True,
                env=env,
                cwd=folder,  # no .env of the checkout
                timeout=120,
            )
            out = proc.stdout.decode("utf-8")
            err = proc.stderr.decode("utf-8")
            runs[argv] = check(Run(proc.returncode, out, err))
        return runs[argv]

    return run


@pytest.fixture(scope="session")
def cli(hostile_store_url: URL, tmp_path_factory: pytest.TempPathFactory) -> Callable[..., Run]:
    """Over the hostile store, on each dialect."""
    return subprocess_cli(hostile_store_url, tmp_path_factory.mktemp("hostile-cli"))


@pytest.fixture(scope="session")
def sqlite_cli(
    make_database: Callable[[str], URL], tmp_path_factory: pytest.TempPathFactory
) -> Callable[..., Run]:
    """Over the hostile store on SQLite: for what happens before the store is read."""
    url = make_database("sqlite")
    hostile.build_hostile_store(url)
    return subprocess_cli(url, tmp_path_factory.mktemp("hostile-cli"))


@pytest.fixture
def odd_cli(
    odd_types_store_url: URL,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> Callable[..., Run]:
    """`inspector` in this process (faster) over the store whose column types drifted."""
    for name, value in env_for(odd_types_store_url, tmp_path).items():
        if name.startswith("INSPECTOR_"):
            monkeypatch.setenv(name, value)

    def run(*argv: str) -> Run:
        code = main(list(argv))
        out, err = capsys.readouterr()
        return check(Run(code, out, err))

    return run


# -- find ---------------------------------------------------------------------------


def test_find_a_markup_customer_shows_the_markup_as_text(cli: Callable[..., Run]) -> None:
    run = cli("find", hostile.MARKUP_CUSTOMER)
    assert run.code == 0, run.err
    assert hostile.H_MARKUP in run.out
    assert hostile.STYLED in run.out  # literal, not styled
    assert "MarkupError" not in run.err
    doc = cli("find", hostile.MARKUP_CUSTOMER, "--json").json()
    (inst,) = doc["installations"]
    assert inst["custom_user_id"] == hostile.MARKUP_CUSTOMER
    assert inst["device_model"] == hostile.STYLED


def test_find_an_escape_customer_is_refused_without_echoing_it(
    sqlite_cli: Callable[..., Run],
) -> None:
    for argv in (("find", hostile.ESCAPE_CUSTOMER), ("find", hostile.ESCAPE_CUSTOMER, "--json")):
        run = sqlite_cli(*argv)
        assert (run.code, run.out) == (2, "")
        assert "control or invisible characters" in run.err
        assert len(run.err.strip().splitlines()) == 1


def test_find_the_shared_customer_lists_every_device(cli: Callable[..., Run]) -> None:
    shared = {hostile.H_JSON, hostile.H_DEEP, hostile.H_TIME, hostile.H_BOOL, hostile.MIXED}
    run = cli("find", hostile.CUSTOMER)
    assert run.code == 0, run.err
    for iid in shared:
        assert iid in run.out
    # The app's name holds markup and an OSC title: shown, escaped.
    assert "Shop [bold red]x[/]\\x1b]0;PWNED\\x07" in run.out
    doc = cli("find", hostile.CUSTOMER, "--json").json()
    assert {i["installation_id"] for i in doc["installations"]} == shared
    by_id = {i["installation_id"]: i for i in doc["installations"]}
    deep = by_id[hostile.H_DEEP]["attributes"]
    assert "nested deeper" in deep["_note"] and deep["_raw"].startswith("[[[")


# -- show ---------------------------------------------------------------------------


@pytest.mark.parametrize("iid", hostile.ALL)
def test_show_every_hostile_device(cli: Callable[..., Run], iid: str) -> None:
    plain = cli("show", iid)
    assert plain.code == 0, plain.err
    assert iid in plain.out
    as_json = cli("show", iid, "--json")
    assert as_json.code == 0, as_json.err
    assert as_json.out.isascii()
    assert as_json.json()["installation"]["installation_id"] == iid


def test_show_markup_is_literal(cli: Callable[..., Run]) -> None:
    out = cli("show", hostile.H_MARKUP).out
    for literal in (hostile.STYLED, hostile.LINK, hostile.ACTION, "[b] · [/b] · [/]"):
        assert literal in out


def test_show_escapes_are_visible(cli: Callable[..., Run]) -> None:
    out = cli("show", hostile.H_ESCAPE).out
    assert "cust-\\x1b]0;PWNED\\x07\\x1b[2J\\x1b[H" in out
    assert "\\u202e14 / \\x9b31m / \\r\\n\\t" in out
    # JSON attributes keep their \\u escapes.
    assert '"clipboard": "\\u001b]52;c;cHduZWQ=\\u0007"' in out
    doc = cli("show", hostile.H_ESCAPE, "--json").json()["installation"]
    assert doc["custom_user_id"] == hostile.ESCAPE_CUSTOMER
    assert doc["os_version"] == hostile.BIDI + "14"
    assert doc["attributes"]["c1"] == hostile.C1_CSI


def test_show_deep_json_is_a_truncated_raw_value_with_a_note(cli: Callable[..., Run]) -> None:
    out = cli("show", hostile.H_DEEP).out
    assert "JSON nested deeper than 64 levels" in out
    doc = cli("show", hostile.H_DEEP, "--json").json()["installation"]
    assert len(doc["attributes"]["_raw"]) < 3_000
    assert all("nested deeper" in e["detail"]["_note"] for e in doc["history"])


def test_show_nan_and_infinity_never_reach_json(cli: Callable[..., Run]) -> None:
    run = cli("show", hostile.H_JSON, "--json")
    doc = run.json()["installation"]  # parse_constant refuses NaN and Infinity
    assert doc["history"][0]["detail"] == {"nan": "NaN", "big": "-1e999"}


def test_show_unreadable_times_say_so(cli: Callable[..., Run]) -> None:
    plain = cli("show", hostile.H_TIME)
    assert plain.code == 0, plain.err
    assert "invalid value" in plain.out
    doc = cli("show", hostile.H_TIME, "--json").json()["installation"]
    for column in ("installed_at", "push_token_updated_at"):
        assert doc[column] is None
        assert isinstance(doc["invalid"][column], str)
    assert doc["last_seen_at"] is not None and "last_seen_at" not in doc["invalid"]
    # Both events stay visible; the one whose time is unreadable says so.
    assert len(doc["history"]) == 2
    (odd,) = [e for e in doc["history"] if e["occurred_at"] is None]
    assert "occurred_at" in odd["invalid"]
    assert all(isinstance(e["invalid"], dict) for e in doc["history"])


def test_show_a_text_boolean_reads_as_what_it_says(cli: Callable[..., Run], dialect: str) -> None:
    doc = cli("show", hostile.H_BOOL, "--json").json()["installation"]
    # SQLite holds 'false' as text; the typed columns of the servers hold a real true.
    assert doc["notifications_enabled"] is (dialect != "sqlite")


def test_a_mixed_case_installation_id_is_shown(cli: Callable[..., Run]) -> None:
    run = cli("show", hostile.MIXED, "--json")
    assert run.code == 0, run.err
    assert run.json()["installation"]["device_model"] == "Pixel 9"


# -- the store whose column types drifted from schema.sql ----------------------------


@pytest.mark.parametrize("iid", [i for i in hostile.ALL if i != hostile.H_DEEP])
def test_show_on_drifted_column_types(odd_cli: Callable[..., Run], iid: str) -> None:
    plain = odd_cli("show", iid)
    assert plain.code == 0, plain.err
    as_json = odd_cli("show", iid, "--json")
    assert as_json.code == 0, as_json.err
    assert as_json.out.isascii()
    assert as_json.json()["installation"]["installation_id"] == iid


def test_drifted_text_boolean_and_text_timestamp(odd_cli: Callable[..., Run], dialect: str) -> None:
    doc = odd_cli("show", hostile.H_BOOL, "--json").json()["installation"]
    assert doc["notifications_enabled"] is False
    if dialect == "postgresql":  # installed_at became TEXT holding 'last week'
        assert doc["installed_at"] is None and "installed_at" in doc["invalid"]


def test_find_on_drifted_column_types(odd_cli: Callable[..., Run]) -> None:
    run = odd_cli("find", hostile.CUSTOMER, "--json")
    assert run.code == 0, run.err
    assert len(run.json()["installations"]) == 4
    run = odd_cli("find", hostile.CUSTOMER)
    assert run.code == 0, run.err


# -- what the user typed, echoed in an error ------------------------------------------


@pytest.mark.parametrize(
    "argv",
    [
        (hostile.OSC_TITLE,),  # argparse: invalid choice '…'
        ("show", "--history", hostile.OSC_TITLE + "1", hostile.H_MARKUP),  # invalid int '…'
        ("show", hostile.H_MARKUP, "--bogus" + hostile.OSC_CLIPBOARD),  # unrecognized '…'
        ("show", hostile.OSC_TITLE),
        ("find", "iid:" + hostile.MARKUP),  # QueryError quoting the value
    ],
)
def test_an_error_never_echoes_an_arguments_escapes(
    sqlite_cli: Callable[..., Run], argv: tuple[str, ...]
) -> None:
    run = sqlite_cli(*argv)
    assert run.code == 2 and run.out == ""


def test_push_data_nested_30000_levels_is_one_line_exit_2(sqlite_cli: Callable[..., Run]) -> None:
    run = sqlite_cli(
        "push", hostile.H_JSON, "--title", "t", "--body", "b", "--data", hostile.DEEP_JSON, "--yes"
    )
    assert (run.code, run.out) == (2, "")
    assert len(run.err.strip().splitlines()) == 1


# -- any text in any column: the renderers ------------------------------------------

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
texts = st.text(max_size=40)
maybe = st.none() | texts
times = st.none() | st.datetimes(
    min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=st.just(UTC)
)
invalid = st.dictionaries(
    st.sampled_from(["installed_at", "last_seen_at", "push_token_updated_at"]), texts, max_size=3
)

apps = st.builds(
    App, app_id=texts, name=texts, platform=texts, bundle_id=texts,
    fcm_project_id=maybe, apns_topic=maybe,
)  # fmt: skip
installations = st.builds(
    Installation, installation_id=texts, app=apps, custom_user_id=maybe, advertising_id=maybe,
    platform=texts, device_brand=maybe, device_model=maybe, os_version=maybe,
    app_version=maybe, sdk_version=maybe, language=maybe, region=maybe, timezone=maybe,
    push_provider=maybe, push_token=maybe, apns_environment=maybe,
    push_token_updated_at=times, push_token_status=texts,
    notifications_enabled=st.none() | st.booleans(), installed_at=times, last_seen_at=times,
    attributes_text=maybe, invalid=invalid,
)  # fmt: skip
events = st.builds(
    Event, event_id=st.integers(0, 2**63 - 1), installation_id=texts, occurred_at=times,
    kind=texts, detail_text=maybe,
    invalid=st.dictionaries(st.just("occurred_at"), texts, max_size=1),
)  # fmt: skip


def rendered(*renderables: object) -> str:
    buffer = io.StringIO()
    console = Console(file=buffer, width=120, color_system=None, force_terminal=False)
    for r in renderables:
        console.print(r, highlight=False)
    return buffer.getvalue()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(installations, min_size=1, max_size=4), st.lists(events, max_size=3))
def test_any_text_in_any_column_renders_safely(
    insts: list[Installation], evts: list[Event]
) -> None:
    states = device_states(insts, NOW)
    matches = [Match(i, (KeyKind.CUSTOMER_ID,)) for i in insts]
    assert_terminal_safe(rendered(find_table(matches, states, "Customer ID x", NOW)))
    assert_terminal_safe(rendered(*show_parts(insts[0], evts, NOW)))
    for inst in insts:
        push_warnings(inst, NOW)
        doc = installation_to_dict(inst, now=NOW)
        doc["history"] = [event_to_dict(e) for e in evts]
        out = json_text(doc)
        assert out.isascii()
        assert_terminal_safe(out)
        json.loads(out, strict=True, parse_constant=_no_constant)
