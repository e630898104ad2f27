"""Every command's `--json` against the shapes the README documents (tests/cli/
json_contract.py reads them from the README): on the demo store and on the hostile one,
whose values are the oddest a store can hold. push/check-token: tests/push/test_cli.py;
audit list/test-devices list: tests/journal/test_cli.py."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator

import pytest
from sqlalchemy.engine import URL

from inspector.cli import main
from inspector.export import FIELD_NAMES
from inspector.fixtures import demo
from tests import hostile
from tests.cli.json_contract import ContractError, check, shapes


def run(capsys: pytest.CaptureFixture[str], *argv: str, stdin: str = "") -> tuple[int, str]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("sys.stdin", io.StringIO(stdin))
        code = main(list(argv))
    return code, capsys.readouterr().out


@pytest.fixture
def on_store(sqlite_demo_url: URL, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("INSPECTOR_STORE_URL", sqlite_demo_url.render_as_string())
    monkeypatch.setenv("INSPECTOR_ENVIRONMENT", "staging")
    yield


def test_the_readme_documents_every_command_and_every_field() -> None:
    documented = shapes()
    for shape in ("find", "match", "show", "find-line", "fields", "push", "push-result",
                  "audit-list", "test-devices"):  # fmt: skip
        assert shape in documented, shape
    assert list(documented["fields"]) == list(FIELD_NAMES)


def test_the_checker_catches_drift() -> None:
    good = {"kind": "cid", "value": "x"}
    check(good, "probe")
    for bad in ({"kind": "cid"}, {**good, "extra": 1}, {**good, "value": None}):
        with pytest.raises(ContractError):
            check(bad, "probe")
    with pytest.raises(ContractError):
        check({"record_id": 1, "at": "2 h ago"}, "audit-entry", subset=True)


@pytest.mark.usefixtures("on_store")
@pytest.mark.parametrize(
    "query", [demo.CUSTOMER_ANA, demo.CUSTOMER_REINSTALL, demo.ANA_IPHONE_IDFA, "cust-nobody"]
)
def test_find(capsys: pytest.CaptureFixture[str], query: str) -> None:
    _, out = run(capsys, "find", query, "--json")
    check(json.loads(out), "find")


@pytest.mark.usefixtures("on_store")
@pytest.mark.parametrize("iid", [demo.ANA_IPHONE, demo.ANA_PIXEL, demo.WEB])
def test_show(capsys: pytest.CaptureFixture[str], iid: str) -> None:
    _, out = run(capsys, "show", iid, "--json", "--history", "5")
    check(json.loads(out), "show")


@pytest.mark.usefixtures("on_store")
def test_find_lines(capsys: pytest.CaptureFixture[str]) -> None:
    lines = [demo.CUSTOMER_ANA, "cust-nobody", demo.ZERO_ADID, "iid:nope", demo.WEB]
    _, out = run(capsys, "find", "-", "--json", stdin="\n".join(lines))
    docs = [json.loads(line) for line in out.splitlines()]
    assert len(docs) == len(lines)
    for doc in docs:
        check(doc, "find-line")


@pytest.mark.usefixtures("on_store")
def test_show_lines_hold_installations(capsys: pytest.CaptureFixture[str]) -> None:
    _, out = run(capsys, "show", "-", "--json", stdin=f"{demo.ANA_IPHONE}\nnope\n")
    for line in out.splitlines():
        doc = json.loads(line)
        for inst in doc.pop("installations"):
            check(inst, "installation")
        check({**doc, "installations": []}, "find-line")


@pytest.mark.usefixtures("on_store")
@pytest.mark.parametrize("option", [["--token-report"], ["--fields", ",".join(FIELD_NAMES)]])
def test_fields(capsys: pytest.CaptureFixture[str], option: list[str]) -> None:
    _, out = run(capsys, "find", demo.CUSTOMER_ANA, "--json", *option)
    installations = json.loads(out)["installations"]
    assert installations
    for inst in installations:
        check(inst, "fields", subset=True)
    _, out = run(capsys, "show", demo.ANA_IPHONE, "--json", *option)
    check(json.loads(out)["installation"], "fields", subset=True)


def test_the_hostile_store_keeps_the_contract(
    hostile_store_url: URL, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("INSPECTOR_STORE_URL", hostile_store_url.render_as_string())
    monkeypatch.setenv("INSPECTOR_ENVIRONMENT", "staging")
    _, out = run(capsys, "find", hostile.CUSTOMER, "--json")
    found = json.loads(out)
    assert len(found["installations"]) >= 5
    check(found, "find")
    for iid in hostile.ALL:
        _, out = run(capsys, "show", iid, "--json", "--history", "20")
        check(json.loads(out), "show")
    _, out = run(capsys, "find", "-", "--json", "--token-report", stdin=hostile.CUSTOMER)
    (line,) = out.splitlines()
    for inst in json.loads(line)["installations"]:
        check(inst, "fields", subset=True)
