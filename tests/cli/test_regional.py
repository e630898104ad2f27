"""The command line over a regional profile (stores `eu` and `us`): `find`, `show`, their
`-` forms, `push` and `check-token` name each installation's store, find it in the store
that holds it, refuse an id two stores hold (exit 2), and when a store does not answer
give what the others found with a warning naming it on stderr and exit 3 (a partial
answer), never "not found"."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy.engine import URL

from inspector.cli import main
from inspector.config import load_settings
from inspector.fixtures import demo
from inspector.journal import Journal
from tests.conftest import DEMO_NOW
from tests.push.fakes.keys import ApnsKey
from tests.store.regional import (
    SHARED,
    US_ANA_PHONE,
    US_CUSTOMER_OPTED_OUT,
    US_OPTED_OUT,
    build_us_store,
    closed_port,
    write_profile,
)

STOPPED = f"postgresql+psycopg://inspector@127.0.0.1:{closed_port()}/installations"


def run(capsys: pytest.CaptureFixture[str], *argv: str, stdin: str = "") -> tuple[int, str, str]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("sys.stdin", io.StringIO(stdin))
        code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="session")
def us_url(make_database: Callable[[str], URL]) -> URL:
    url = make_database("sqlite")
    build_us_store(url, DEMO_NOW)
    return url


@pytest.fixture
def both(sqlite_demo_url: URL, us_url: URL, tmp_path: Path) -> Path:
    """./inspector.toml: a staging profile over eu (the demo) and us, both answering."""
    return write_profile(tmp_path, {"eu": sqlite_demo_url, "us": us_url})


@pytest.fixture
def us_stopped(sqlite_demo_url: URL, tmp_path: Path) -> Path:
    """The same profile with us on a server that is not running."""
    return write_profile(tmp_path, {"eu": sqlite_demo_url, "us": STOPPED})


def stores_of(installations: list[dict[str, object]]) -> list[tuple[object, object]]:
    return sorted((i["store"], i["installation_id"]) for i in installations)


ANA_EVERYWHERE = sorted(
    [("eu", demo.ANA_IPHONE), ("eu", demo.ANA_IPAD), ("eu", demo.ANA_PIXEL), ("us", US_ANA_PHONE)]
)


# -- every store answering ------------------------------------------------------------


@pytest.mark.usefixtures("both")
def test_find_json_names_each_installations_store(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "find", demo.CUSTOMER_ANA, "--json")
    assert (code, err) == (0, "")
    doc = json.loads(out)
    assert stores_of(doc["installations"]) == ANA_EVERYWHERE
    assert doc["warnings"] == []
    # Beside the installation's id, before the rest.
    assert list(doc["installations"][0])[:2] == ["installation_id", "store"]
    code, out, _ = run(capsys, "find", demo.CUSTOMER_ANA, "--json", "--token-report")
    assert all(
        list(i)[:2] == ["installation_id", "store"] for i in json.loads(out)["installations"]
    )
    # Fields that leave the id out: the store first.
    code, out, _ = run(capsys, "find", demo.CUSTOMER_ANA, "--json", "--fields", "platform")
    assert {tuple(i) for i in json.loads(out)["installations"]} == {("store", "platform")}


@pytest.mark.usefixtures("both")
def test_find_table_has_a_store_column(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "find", US_CUSTOMER_OPTED_OUT)
    assert code == 0
    header = next(line for line in out.splitlines() if "installation id" in line)
    assert header.index("store") < header.index("installation id")
    row = next(line for line in out.splitlines() if US_OPTED_OUT[:8] in line)
    assert " us " in f" {row} "


@pytest.mark.usefixtures("both")
def test_show_reads_the_installation_and_its_history_from_its_store(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run(capsys, "show", US_ANA_PHONE, "--json", "--history", "3")
    assert code == 0
    inst = json.loads(out)["installation"]
    assert (inst["installation_id"], inst["store"]) == (US_ANA_PHONE, "us")
    assert len(inst["history"]) == 3
    code, out, _ = run(capsys, "show", US_ANA_PHONE)
    assert code == 0 and any(
        line.split()[:2] == ["Store", "us"] for line in out.splitlines() if line.strip()
    )


@pytest.mark.usefixtures("both")
def test_an_id_in_two_stores_is_refused_as_ambiguous(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "show", SHARED, "--json")
    assert (code, out) == (2, "")
    assert err == (
        f"inspector: installation {SHARED} is in more than one store (eu, us), so it is ambiguous\n"
    )
    # `show -`: refused on its line, the run goes on.
    code, out, _ = run(capsys, "show", "-", "--json", stdin=f"{SHARED}\n{US_ANA_PHONE}\n")
    docs = [json.loads(line) for line in out.splitlines()]
    assert [d["outcome"] for d in docs] == ["refused", "found"]
    assert "ambiguous" in docs[0]["error"]
    assert docs[1]["installations"][0]["store"] == "us"
    assert code == 2


@pytest.mark.usefixtures("both")
def test_find_lines_name_each_store(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "find", "-", "--json", stdin=f"{demo.CUSTOMER_ANA}\ncust-none\n")
    docs = [json.loads(line) for line in out.splitlines()]
    assert [d["outcome"] for d in docs] == ["found", "not found"]
    assert stores_of(docs[0]["installations"]) == ANA_EVERYWHERE
    assert code == 1
    assert "2 queries: found 1, not found 1, partial 0, refused 0, error 0" in err
    # The table: the store after the outcome.
    code, out, _ = run(capsys, "find", "-", stdin=US_CUSTOMER_OPTED_OUT)
    head, row = out.splitlines()
    assert head.split()[:4] == ["line", "query", "outcome", "store"]
    assert row.split()[2:4] == ["found", "us"]


# -- a store that does not answer -----------------------------------------------------


@pytest.mark.usefixtures("us_stopped")
def test_find_gives_the_others_results_warns_naming_the_store_and_exits_3(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run(capsys, "find", demo.CUSTOMER_ANA, "--json")
    assert code == 3
    doc = json.loads(out)
    assert stores_of(doc["installations"]) == [s for s in ANA_EVERYWHERE if s[0] == "eu"]
    (warning,) = doc["warnings"]
    assert warning.startswith("the store us is missing from these results: ")
    assert err.startswith("inspector: warning: the store us is missing from these results: ")
    # Nothing in the stores that answered: still 3, never "not found" (1).
    code, out, err = run(capsys, "find", US_CUSTOMER_OPTED_OUT)
    assert (code, out) == (3, "")
    assert "the store us is missing" in err
    assert f"no installation with Customer ID {US_CUSTOMER_OPTED_OUT} in the stores that" in err


@pytest.mark.usefixtures("us_stopped")
def test_show_of_an_id_only_the_silent_store_could_hold_exits_3_naming_it(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run(capsys, "show", US_ANA_PHONE, "--json")
    assert (code, out) == (3, "")
    assert f"installation {US_ANA_PHONE} is not in eu, and the store us did not answer" in err
    # Held by eu: shown.
    code, out, _ = run(capsys, "show", demo.ANA_IPAD, "--json")
    assert code == 0 and json.loads(out)["installation"]["store"] == "eu"


@pytest.mark.usefixtures("us_stopped")
def test_find_lines_are_partial_and_the_run_goes_on(capsys: pytest.CaptureFixture[str]) -> None:
    lines = [demo.CUSTOMER_ANA, US_CUSTOMER_OPTED_OUT, demo.ZERO_ADID]
    code, out, err = run(capsys, "find", "-", "--json", stdin="\n".join(lines))
    docs = [json.loads(line) for line in out.splitlines()]
    assert [d["outcome"] for d in docs] == ["partial", "partial", "refused"]
    assert len(docs[0]["installations"]) == 3 and docs[1]["installations"] == []
    assert docs[0]["error"].startswith("the store us is missing from these results: ")
    assert code == 3  # a partial answer outranks a refused line (2)
    assert "line 1: the store us is missing" in err and "line 2: the store us" in err
    assert "3 queries: found 0, not found 0, partial 2, refused 1, error 0" in err
    # `show -`: an id only us could hold is an error on its line; the run goes on.
    code, out, _ = run(capsys, "show", "-", "--json", stdin=f"{US_ANA_PHONE}\n{demo.ANA_IPAD}")
    docs = [json.loads(line) for line in out.splitlines()]
    assert [d["outcome"] for d in docs] == ["error", "found"]
    assert "the store us did not answer" in docs[0]["error"]
    assert code == 3


# -- push and check-token -------------------------------------------------------------


@pytest.fixture
def with_apns_key(sqlite_demo_url: URL, us_url: URL, tmp_path: Path) -> Callable[[str], Path]:
    """The profile with an APNs key (a dry run builds and checks, and sends nothing), us
    as given."""
    key = ApnsKey.generate()
    key_file = key.write(tmp_path)
    extra = (
        f'\n[[profiles.regional.apns]]\nkey_file = "{key_file}"\n'
        f'key_id = "{key.key_id}"\nteam_id = "{key.team_id}"\n'
    )

    def write(us: str) -> Path:
        stores: dict[str, URL | str] = {"eu": sqlite_demo_url, "us": us}
        return write_profile(tmp_path, stores, extra=extra)

    return write


def test_push_finds_the_installation_in_the_store_that_holds_it(
    with_apns_key: Callable[[str], Path], us_url: URL, capsys: pytest.CaptureFixture[str]
) -> None:
    with_apns_key(us_url.render_as_string(hide_password=False))
    argv = ("--title", "T", "--body", "B", "--dry-run", "--json")
    code, out, err = run(capsys, "push", US_ANA_PHONE, *argv)
    assert code == 0, err
    doc = json.loads(out)
    assert (doc["installation_id"], doc["store"]) == (US_ANA_PHONE, "us")
    assert doc["result"]["dry_run"] is True
    # An id two stores hold: refused before anything is built or recorded.
    journal = Journal.open(load_settings())
    try:
        before = len(journal.entries(limit=1000))
    finally:
        journal.close()
    for command in (("push", SHARED, *argv), ("check-token", SHARED, "--json")):
        code, out, err = run(capsys, *command)
        assert (code, out) == (2, ""), command
        assert "is in more than one store (eu, us), so it is ambiguous" in err
    journal = Journal.open(load_settings())
    try:
        assert len(journal.entries(limit=1000)) == before
    finally:
        journal.close()


def test_push_refuses_when_a_store_cannot_say_it_does_not_hold_the_id_too(
    with_apns_key: Callable[[str], Path], capsys: pytest.CaptureFixture[str]
) -> None:
    with_apns_key(STOPPED)
    argv = ("--title", "T", "--body", "B", "--dry-run")
    # Held by eu, but us did not answer: a send needs every store's word.
    code, out, err = run(capsys, "push", demo.ANA_IPHONE, *argv)
    assert (code, out) == (3, "")
    assert f"installation {demo.ANA_IPHONE} is in eu, and whether another store" in err
    assert "the store us did not answer" in err
    code, _, err = run(capsys, "push", US_ANA_PHONE, *argv)
    assert code == 3 and "the store us did not answer" in err


def test_test_devices_list_goes_on_past_a_device_two_stores_hold(
    both: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    journal = Journal.open(load_settings(config=both))
    try:
        journal.add_test_device(SHARED, "shared phone", "ana")
        journal.add_test_device(US_ANA_PHONE, "ana's us phone", "ana")
    finally:
        journal.close()
    code, out, err = run(capsys, "test-devices", "list", "--json")
    assert code == 0, err
    rows = {r["installation_id"]: r for r in json.loads(out)["test_devices"]}
    assert set(rows) == {SHARED, US_ANA_PHONE}
    assert "ambiguous" in err and SHARED in err
    assert rows[US_ANA_PHONE]["push_token_status"] is not None
