"""The seeded generator: deterministic, a realistic mix, and a valid store on every dialect."""

from __future__ import annotations

import shutil
import sqlite3
import sys
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, inspect, select
from sqlalchemy.engine import URL

from inspector.cli import main
from inspector.fixtures.generator import GeneratorRefused, generate, sqlite_bytes_needed
from inspector.fixtures.rows import (
    DEFAULT_NOW,
    INSTALLATION_COLUMNS,
    ZERO_ADID,
    event_rows,
    heavy_installation_id,
    installation_row,
    row_keys,
    sample_keys,
)
from inspector.lookup import parse_query
from inspector.store.models import Base, EventRow, InstallationRow
from inspector.store.repository import StoreRepository
from inspector.store.schema import check_schema

SEED = 7
MIX_ROWS = 4_000


def as_dict(row: tuple[object, ...]) -> dict[str, object]:
    return dict(zip(INSTALLATION_COLUMNS, row, strict=True))


@pytest.fixture(scope="module")
def mix() -> list[dict[str, object]]:
    return [as_dict(installation_row(SEED, i)) for i in range(MIX_ROWS)]


def test_same_seed_same_rows_and_another_seed_other_rows() -> None:
    first = [installation_row(SEED, i) for i in range(50)]
    assert first == [installation_row(SEED, i) for i in range(50)]
    assert list(event_rows(SEED, 50, 3, 20)) == list(event_rows(SEED, 50, 3, 20))
    other = [installation_row(SEED + 1, i) for i in range(50)]
    assert {r[0] for r in first}.isdisjoint({r[0] for r in other})


def test_row_keys_agree_with_the_rows(mix: list[dict[str, object]]) -> None:
    for i in (0, 1, 2, 3, 4, 5, 99, 1234, MIX_ROWS - 1):
        keys, row = row_keys(SEED, i), mix[i]
        assert keys.index == i
        assert keys.installation_id == row["installation_id"]
        assert keys.custom_user_id == row["custom_user_id"]
        assert keys.advertising_id == row["advertising_id"]
        assert keys.push_token == row["push_token"]
        assert keys.platform == row["platform"]
    assert heavy_installation_id(SEED) == mix[0]["installation_id"]


def test_key_samples_are_repeatable_rows_of_the_store() -> None:
    sample = sample_keys(SEED, 1_000, 200, draw=1)
    assert sample == sample_keys(SEED, 1_000, 200, draw=1)
    assert sample != sample_keys(SEED, 1_000, 200, draw=2)
    assert all(0 <= k.index < 1_000 and k == row_keys(SEED, k.index) for k in sample)
    assert len({k.index for k in sample}) > 150


def share(rows: list[dict[str, object]], predicate: Callable[[dict[str, object]], bool]) -> float:
    return sum(1 for r in rows if predicate(r)) / len(rows)


def test_the_mix_is_realistic(mix: list[dict[str, object]]) -> None:
    platforms = Counter(r["platform"] for r in mix)
    assert 0.38 < platforms["ios"] / MIX_ROWS < 0.52
    assert 0.40 < platforms["android"] / MIX_ROWS < 0.56
    assert 0.03 < platforms["web"] / MIX_ROWS < 0.12
    ios = [r for r in mix if r["platform"] == "ios" and r["push_token"]]
    assert 0.04 < share(ios, lambda r: r["apns_environment"] == "sandbox") < 0.2
    assert all(r["apns_environment"] in ("production", "sandbox") for r in ios)
    assert all(r["apns_environment"] is None for r in mix if r["platform"] != "ios")
    dead = share(mix, lambda r: r["push_token_status"] in ("unregistered", "invalid"))
    assert 0.08 < dead < 0.25
    assert {r["push_token_status"] for r in mix} == {"active", "unregistered", "invalid"}
    assert 0.04 < share(mix, lambda r: r["advertising_id"] == ZERO_ADID) < 0.14
    assert 0.08 < share(mix, lambda r: r["notifications_enabled"] is False) < 0.25
    assert 0.06 < share(mix, lambda r: r["custom_user_id"] is None) < 0.2
    assert 0.01 < share(mix, lambda r: r["push_token"] is None) < 0.06
    # iOS reports IDFAs upper case, Android GAIDs lower case.
    for r in mix:
        adid = r["advertising_id"]
        if adid and adid != ZERO_ADID:
            assert adid == (adid.upper() if r["platform"] == "ios" else adid.lower())
    devices = Counter(r["custom_user_id"] for r in mix if r["custom_user_id"])
    sizes = Counter(devices.values())
    assert set(sizes) <= {1, 2, 3, 4, 5}
    assert sizes[1] > sizes[2] > sizes[3] > 0 and sizes[5] > 0
    assert any(not str(c).isascii() for c in devices)


def test_timestamps_are_ordered_and_in_the_past(mix: list[dict[str, object]]) -> None:
    for r in mix:
        installed, seen = r["installed_at"], r["last_seen_at"]
        assert isinstance(installed, datetime) and isinstance(seen, datetime)
        assert installed <= seen <= DEFAULT_NOW
        if r["push_token_updated_at"] is not None:
            assert installed <= r["push_token_updated_at"] <= seen
    ages = [(DEFAULT_NOW - r["installed_at"]).days for r in mix]  # type: ignore[operator]
    assert min(ages) < 30 and max(ages) > 600
    recent = share(mix, lambda r: (DEFAULT_NOW - r["last_seen_at"]).days < 7)  # type: ignore[operator]
    assert 0.4 < recent < 0.8
    events = list(event_rows(SEED, 30, 4))
    assert [e[0] for e in events] == list(range(1, 121))
    for iid in {e[1] for e in events}:
        stamps = [e[2] for e in events if e[1] == iid]
        assert stamps == sorted(stamps)


def test_builds_a_valid_store_on_each_dialect(
    dialect: str, make_database: Callable[[str], URL]
) -> None:
    url = make_database(dialect)
    result = generate(url, 120, 3, seed=SEED, heavy_device_events=180, progress=None)
    assert result.events == 120 * 3 + 180
    assert result.heavy_installation_id == heavy_installation_id(SEED)

    engine = create_engine(url)
    check_schema(engine)
    reflected = inspect(engine)
    for table in Base.metadata.sorted_tables:
        names = {
            ix["name"]
            for ix in reflected.get_indexes(table.name)
            if not ix["name"].startswith(("app_id", "installation_id"))
        }
        assert names == {ix.name for ix in table.indexes}, table.name
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(InstallationRow)) == 120
        assert conn.scalar(select(func.count()).select_from(EventRow)) == 540
    engine.dispose()

    store = StoreRepository.open(url)
    try:
        for i in (0, 1, 17, 63, 119):
            keys = row_keys(SEED, i)
            queries = [f"iid:{keys.installation_id}", keys.installation_id]
            queries += [f"cid:{keys.custom_user_id}"] if keys.custom_user_id else []
            queries += [f"token:{keys.push_token}"] if keys.push_token else []
            if keys.advertising_id and keys.advertising_id != ZERO_ADID:
                queries.append(f"adid:{keys.advertising_id.lower()}")
            for query in queries:
                found = {
                    m.installation.installation_id for m in store.find(parse_query(query)).matches
                }
                assert keys.installation_id in found, query
        page = store.history(result.heavy_installation_id or "")
        assert len(page.events) == 50 and page.next_cursor is not None
        got = store.get(keys.installation_id)
        assert got is not None and got.installed_at <= got.last_seen_at
    finally:
        store.close()


def test_same_seed_writes_the_same_database(make_database: Callable[[str], URL]) -> None:
    dumps = []
    for _ in range(2):
        url = make_database("sqlite")
        generate(url, 60, 2, seed=SEED, heavy_device_events=30, progress=None)
        with sqlite3.connect(str(url.database)) as conn:
            dumps.append(list(conn.iterdump()))
    assert dumps[0] == dumps[1]


def test_refuses_a_database_that_has_the_tables(make_database: Callable[[str], URL]) -> None:
    url = make_database("sqlite")
    generate(url, 10, 1, seed=SEED, progress=None)
    with pytest.raises(GeneratorRefused, match="already has the table"):
        generate(url, 10, 1, seed=SEED + 1, progress=None)


def test_cli_fills_an_empty_database_and_prints_the_heavy_device(
    make_database: Callable[[str], URL], capsys: pytest.CaptureFixture[str]
) -> None:
    url = make_database("sqlite")
    argv = ["demo", "--installations", "40", "--url", url.render_as_string(hide_password=False)]
    assert main([*argv, "--seed", "3", "--heavy-device-events", "60"]) == 0
    out = capsys.readouterr().out
    assert f"heavy_installation_id: {heavy_installation_id(3)}" in out
    assert "installations: 40" in out


def test_cli_refuses_a_database_with_the_store_tables(
    make_database: Callable[[str], URL], capsys: pytest.CaptureFixture[str]
) -> None:
    url = make_database("sqlite")
    generate(url, 10, 1, seed=SEED, progress=None)
    with sqlite3.connect(str(url.database)) as conn:
        before = list(conn.iterdump())
    argv = ["demo", "--installations", "5", "--url", url.render_as_string(hide_password=False)]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "refusing to write" in err and "Traceback" not in err
    with sqlite3.connect(str(url.database)) as conn:
        assert list(conn.iterdump()) == before


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("not a url", "not a valid database URL"),
        ("oracle://h/db", "use sqlite, postgresql or mariadb"),
        ("sqlite://", "not an in-memory database"),
    ],
)
def test_cli_names_a_bad_url(url: str, message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--installations", "5", "--url", url]) == 2
    assert message in capsys.readouterr().err


@pytest.mark.parametrize(
    ("now", "message"),
    [("yesterday", "not an ISO 8601 time"), ("0001-01-01", "now must lie between")],
)
def test_cli_names_a_bad_now(
    now: str, message: str, make_database: Callable[[str], URL], capsys: pytest.CaptureFixture[str]
) -> None:
    url = make_database("sqlite").render_as_string(hide_password=False)
    assert main(["demo", "--installations", "5", "--url", url, "--now", now]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_cli_hides_the_password_of_an_unreachable_server(
    capsys: pytest.CaptureFixture[str],
) -> None:
    url = "postgresql+psycopg://inspector:s3cr3t-pw@127.0.0.1:9/nowhere"
    assert main(["demo", "--installations", "5", "--url", url]) == 3
    err = capsys.readouterr().err
    assert "127.0.0.1:9/nowhere" in err and "s3cr3t-pw" not in err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--installations", "20000001"], "at most 20,000,000 installations"),
        (["--installations", "99999999999999"], "at most 20,000,000 installations"),
        (
            ["--installations", "20000000", "--events-per-installation", "1000"],
            "at most 500,000,000 events",
        ),
        (
            ["--installations", "1", "--heavy-device-events", "600000000"],
            "at most 500,000,000 events",
        ),
    ],
)
def test_cli_bounds_the_size_of_a_generated_store(
    argv: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "big.db"
    assert main(["demo", *argv, "--url", f"sqlite:///{target}"]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
    assert not target.exists()
    # The generator holds the same limits for any caller.
    values = dict(zip(argv[::2], argv[1::2], strict=True))
    with pytest.raises(ValueError, match=message):
        generate(
            URL.create("sqlite", database=str(target)),
            int(values["--installations"]),
            int(values.get("--events-per-installation", "2")),
            heavy_device_events=int(values.get("--heavy-device-events", "0")),
            progress=None,
        )
    assert not target.exists()


@pytest.mark.parametrize("where", ["missing/dir/store.db", "a-file/store.db"])
def test_cli_names_a_directory_that_does_not_exist(
    where: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "a-file").write_text("not a directory")
    url = f"sqlite:///{tmp_path / where}"
    assert main(["demo", "--installations", "5", "--url", url]) == 2
    err = capsys.readouterr().err
    assert "which is not an existing directory" in err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert not (tmp_path / "missing").exists()


def test_cli_checks_free_disk_space_for_sqlite(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(shutil, "disk_usage", lambda _path: shutil._ntuple_diskusage(10, 9, 1))  # type: ignore[attr-defined]
    url = f"sqlite:///{tmp_path / 'store.db'}"
    assert main(["demo", "--installations", "1000", "--url", url]) == 2
    err = capsys.readouterr().err
    assert "would take about" in err and "GB free" in err and err.count("\n") == 1
    assert not (tmp_path / "store.db").exists()


def test_the_sqlite_size_estimate_is_generous(tmp_path: Path) -> None:
    url = URL.create("sqlite", database=str(tmp_path / "store.db"))
    generate(url, 3_000, 3, heavy_device_events=500, progress=None)
    assert (tmp_path / "store.db").stat().st_size <= sqlite_bytes_needed(3_000, 3, 500)


def test_cli_names_a_missing_driver(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "psycopg2", None)
    url = "postgresql+psycopg2://u@127.0.0.1:9/nowhere"
    assert main(["demo", "--installations", "5", "--url", url]) == 2
    assert capsys.readouterr().err == (
        "inspector: --url needs the Python package 'psycopg2' (pip install 'psycopg2-binary')\n"
    )
