"""`inspector find -` and `inspector show -`: one query per stdin line, one answer each,
in order; bad lines answered on their line; exit status by precedence; one store
connection; lookups journaled in batches, one transaction each."""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import URL, Engine

from inspector.cli import bulk, main
from inspector.config import load_settings
from inspector.fixtures import demo
from inspector.journal import Journal
from tests import hostile
from tests.conftest import DEMO_NOW


class Stdin(io.StringIO):
    """Lines on stdin; `hook(n)` runs before the n-th line is read (a test's eye on the
    store while the run is under way)."""

    def __init__(self, value: str, hook: Callable[[int], None] | None = None) -> None:
        super().__init__(value)
        self.hook = hook
        self.reads = 0

    def readline(self, size: int | None = -1) -> str:
        self.reads += 1
        if self.hook is not None:
            self.hook(self.reads)
        return super().readline(-1 if size is None else size)


def run(
    capsys: pytest.CaptureFixture[str], *argv: str, stdin: str | Stdin = ""
) -> tuple[int, str, str]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("sys.stdin", stdin if isinstance(stdin, Stdin) else io.StringIO(stdin))
        code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def use_store(monkeypatch: pytest.MonkeyPatch, url: URL) -> None:
    monkeypatch.setenv("INSPECTOR_STORE_URL", url.render_as_string(hide_password=False))
    monkeypatch.setenv("INSPECTOR_ENVIRONMENT", "staging")


@pytest.fixture
def on_store(sqlite_demo_url: URL, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    use_store(monkeypatch, sqlite_demo_url)
    yield


def lines_of(out: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.splitlines()]


INPUT = f"""# support ticket 4711
{demo.CUSTOMER_ANA}

cust-nobody
{demo.ZERO_ADID}
   {demo.ANA_IPHONE_IDFA}
iid:not-a-uuid
"""


@pytest.mark.usefixtures("on_store")
def test_one_json_line_per_query_in_input_order(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "find", "-", "--json", stdin=INPUT)
    docs = lines_of(out)
    assert [(d["line"], d["outcome"]) for d in docs] == [
        (2, "found"), (4, "not found"), (5, "refused"), (6, "found"), (7, "refused"),
    ]  # fmt: skip
    assert docs[0]["query"] == demo.CUSTOMER_ANA and len(docs[0]["installations"]) == 3
    assert docs[3]["query"] == demo.ANA_IPHONE_IDFA  # trimmed
    assert docs[3]["installations"][0]["matched_by"] == ["adid"]
    assert "millions of devices" in docs[2]["error"] and docs[2]["installations"] == []
    # Refused lines are said on their line; the run goes on; a summary closes it.
    assert "line 5: the all-zero Advertising ID" in err and "line 7: " in err
    assert "5 queries: found 2, not found 1, refused 2, error 0" in err
    assert code == 2  # refused over not found


@pytest.mark.usefixtures("on_store")
@pytest.mark.parametrize(
    ("stdin", "code"),
    [
        (f"{demo.CUSTOMER_ANA}\n{demo.CUSTOMER_WEB}\n", 0),
        (f"{demo.CUSTOMER_ANA}\ncust-nobody\n", 1),
        (f"cust-nobody\n{demo.ZERO_ADID}\n", 2),
        ("# nothing but a comment\n\n", 0),
    ],
)
def test_exit_status_is_the_highest_that_applies(
    capsys: pytest.CaptureFixture[str], stdin: str, code: int
) -> None:
    assert run(capsys, "find", "-", "--json", stdin=stdin)[0] == code


@pytest.mark.usefixtures("on_store")
def test_show_lines_take_installation_ids(capsys: pytest.CaptureFixture[str]) -> None:
    stdin = f"{demo.ANA_IPHONE.upper()}\n{demo.CUSTOMER_ANA}\n{'x' * 65}\n"
    code, out, _ = run(capsys, "show", "-", "--json", stdin=stdin)
    first, second, third = lines_of(out)
    assert first["outcome"] == "found"
    assert first["installations"][0]["installation_id"] == demo.ANA_IPHONE
    assert "history" not in first["installations"][0]
    assert second["outcome"] == "not found"  # a Customer ID is no Installation ID
    assert third["outcome"] == "refused" and "1 to 64 characters" in third["error"]
    assert code == 2


@pytest.mark.usefixtures("on_store")
def test_a_table_without_json_and_a_token_report(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "find", "-", "--token-report", stdin=INPUT)
    header, *rows = out.splitlines()
    assert header.split()[:4] == ["line", "query", "outcome", "installation_id"]
    assert "token_age_days" in header and "live" in header
    ana = [r for r in rows if r.startswith("2 ")]
    assert len(ana) == 3 and any(demo.ANA_IPHONE in r and "production" in r for r in ana)
    assert any(r.startswith("4 ") and "not found" in r for r in rows)
    assert any(r.startswith("5 ") and "refused" in r for r in rows)
    assert code == 2 and "line 5:" in err


@pytest.mark.usefixtures("on_store")
def test_a_token_report_holds_the_qa_fields(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "find", "-", "--json", "--token-report", stdin=demo.CUSTOMER_ANA)
    (doc,) = lines_of(out)
    by_id = {i["installation_id"]: i for i in doc["installations"]}
    iphone = by_id[demo.ANA_IPHONE]
    assert list(iphone) == list(bulk.TOKEN_REPORT_FIELDS)
    assert iphone["push_provider"] == "apns" and iphone["apns_environment"] == "production"
    assert iphone["push_token_status"] == "active" and iphone["live"] is True
    assert isinstance(iphone["token_age_days"], int)
    assert by_id[demo.ANA_PIXEL]["stale"] is True and by_id[demo.ANA_PIXEL]["live"] is False


@pytest.mark.usefixtures("on_store")
def test_an_unknown_field_is_bad_input(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        run(capsys, "find", "-", "--fields", "live,colour", stdin="x")
    out, err = capsys.readouterr()
    assert (exit_.value.code, out) == (2, "")
    assert "unknown field colour" in err


@pytest.mark.usefixtures("on_store")
def test_an_overlong_line_is_refused_without_being_held(
    capsys: pytest.CaptureFixture[str],
) -> None:
    stdin = f"{'x' * (bulk.MAX_LINE_CHARS * 3)}\n{demo.CUSTOMER_ANA}\n"
    code, out, _ = run(capsys, "find", "-", "--json", stdin=stdin)
    long, ana = lines_of(out)
    assert (long["line"], long["outcome"]) == (1, "refused")
    assert len(long["query"]) <= bulk.QUERY_ECHO_CHARS + 1
    assert (ana["line"], ana["outcome"]) == (2, "found")
    assert code == 2


def test_hostile_lines_and_values_stay_text(
    hostile_store_url: URL, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    use_store(monkeypatch, hostile_store_url)
    stdin = "\n".join(
        [hostile.CUSTOMER, hostile.MARKUP_CUSTOMER, f"cust-{hostile.OSC_TITLE}", hostile.BIDI]
    )
    for argv in (["find", "-"], ["find", "-", "--json"], ["find", "-", "--token-report"]):
        _, out, err = run(capsys, *argv, stdin=stdin)
        for seq in hostile.FORBIDDEN_OUTPUT:
            assert seq not in out and seq not in err
        assert "\x1b" not in out and "\x1b" not in err


SESSIONS = {
    "postgresql": "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
    " AND pid <> pg_backend_pid()",
    "mariadb": "SELECT id FROM information_schema.processlist WHERE db = DATABASE()"
    " AND id <> CONNECTION_ID()",
}
KILL = {"postgresql": "SELECT pg_terminate_backend({})", "mariadb": "KILL {}"}


@pytest.fixture
def server_store(
    dialect: str, make_database: Callable[[str], URL], monkeypatch: pytest.MonkeyPatch
) -> Iterator[Engine]:
    """A demo store on a server, configured, and an admin engine on its database."""
    if dialect == "sqlite":
        pytest.skip("a server counts and ends its sessions")
    url = make_database(dialect)
    demo.build_demo_store(url, now=DEMO_NOW)
    use_store(monkeypatch, url)
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    yield admin
    admin.dispose()


def test_a_store_that_fails_mid_run_stops_it_exit_3(
    dialect: str, server_store: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    def kill(n: int) -> None:
        if n == 3:  # two lookups ran: the server drops the inspector's connection
            with server_store.connect() as conn:
                for (session,) in conn.execute(text(SESSIONS[dialect])).all():
                    conn.execute(text(KILL[dialect].format(int(session))))

    queries = [demo.CUSTOMER_ANA, "cust-nobody", demo.CUSTOMER_WEB, demo.CUSTOMER_ANA]
    code, out, err = run(capsys, "find", "-", "--json", stdin=Stdin("\n".join(queries), kill))
    docs = lines_of(out)
    assert [d["outcome"] for d in docs] == ["found", "not found", "error"]
    assert docs[2]["error"] and docs[2]["installations"] == []
    assert code == 3
    assert "line 3: " in err and "stopped here" in err and "Traceback" not in err


def test_one_store_connection_for_the_whole_run(
    dialect: str, server_store: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    seen: list[set[Any]] = []

    def look(n: int) -> None:
        if n > 2:  # the first lookups have run
            with server_store.connect() as conn:
                seen.append({row[0] for row in conn.execute(text(SESSIONS[dialect]))})

    queries = [demo.CUSTOMER_ANA, "cust-nobody", demo.ANA_IPHONE_IDFA, demo.WEB] * 5
    code, out, _ = run(capsys, "find", "-", "--json", stdin=Stdin("\n".join(queries), look))
    assert code == 1 and len(out.splitlines()) == len(queries)
    assert seen and all(len(s) == 1 for s in seen) and len(set.union(*seen)) == 1


@pytest.mark.usefixtures("on_store")
def test_lookups_reach_the_journal_in_batches_one_transaction_each(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bulk, "BATCH_SIZE", 4)
    commits: list[int] = []

    def counted(_conn: Any) -> None:
        commits.append(1)

    queries = [demo.CUSTOMER_ANA, "cust-nobody"] * 5 + [demo.ZERO_ADID]  # 10 run, 1 refused
    event.listen(Engine, "commit", counted)
    try:
        run(capsys, "find", "-", stdin="\n".join(queries[:1]))  # opens the journal first
        commits.clear()
        code, _, err = run(capsys, "find", "-", "--json", stdin="\n".join(queries))
    finally:
        event.remove(Engine, "commit", counted)
    assert code == 2 and "warning" not in err
    assert len(commits) == 3  # 4 + 4 + 2 lookups: three transactions, not ten
    journal = Journal.open(load_settings())
    try:
        lookups = [e for e in journal.entries(limit=100) if e.action == "lookup"]
    finally:
        journal.close()
    assert len(lookups) == 1 + 10
    assert [e.outcome for e in reversed(lookups[:10])] == ["found", "not found"] * 5
