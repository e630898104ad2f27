"""Domain code loads without textual: the UI is one consumer among others."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

import pytest
from sqlalchemy.engine import URL

from inspector.fixtures import demo

DOMAIN = [
    "inspector.config",
    "inspector.lookup",
    "inspector.health",
    "inspector.masking",
    "inspector.export",
    "inspector.errortext",
    "inspector.errors",
    "inspector.facts",
    "inspector.store.opening",
    "inspector.store.repository",
    "inspector.fixtures.demo",
    "inspector.cli",
    "inspector.journal",
    "inspector.push",
    "inspector.fixtures.generator",
    "inspector.profiles",
    "inspector.profile_check",
    "inspector.signoff",
    "inspector.signoff.proofs",
    "inspector.signoff.approvals",
    "inspector.store.regional",
]


def test_domain_modules_do_not_import_textual() -> None:
    code = (
        "import importlib, sys\n"
        f"for name in {DOMAIN!r}: importlib.import_module(name)\n"
        "bad = sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.'))\n"
        "print(','.join(bad))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == ""


# Shared by the command line and the UI: neither Rich nor Textual, and no SQLAlchemy until
# a store is opened.
PLAIN = ["inspector.errors", "inspector.facts", "inspector.store.opening", "inspector.health"]


def test_shared_domain_modules_load_without_rich_or_sqlalchemy() -> None:
    code = (
        "import importlib, sys\n"
        f"for name in {PLAIN!r}: importlib.import_module(name)\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('rich', 'textual',"
        " 'sqlalchemy'))\n"
        "print(','.join(bad))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == ""


# -- a command imports only what it uses (issue 10) ---------------------------------------

# Never on the lookup path: the UI, Rich (tables only), the ORM and the models on it, the
# generator, the push clients; the profile file's reader and the user directories when
# there is no profile file, `.env` parsing when there is no `.env`; the journal's read
# side (its records are built when read, never for an append). Drivers and SQLAlchemy
# dialects: only the configured URLs'.
NOT_ON_THE_LOOKUP_PATH = (
    "textual", "rich", "sqlalchemy.orm", "inspector.store.models", "inspector.fixtures",
    "inspector.push", "inspector.tui", "httpx", "pyfcm", "google.auth", "jwt",
    "tomllib", "platformdirs", "dotenv", "inspector.journal.records", "sqlalchemy.ext",
)  # fmt: skip
DRIVERS = {"sqlite": "sqlite3", "postgresql": "psycopg", "mariadb": "pymysql"}
DIALECTS = {
    "sqlite": "sqlalchemy.dialects.sqlite",
    "postgresql": "sqlalchemy.dialects.postgresql",
    "mariadb": "sqlalchemy.dialects.mysql",
}


def modules_after(argv: list[str], env: dict[str, str], stdin: str = "") -> set[str]:
    """What a fresh process running `inspector ARGV` has imported when it is done."""
    code = (
        "import json, sys\n"
        "from inspector.cli import main\n"
        f"status = main({argv!r})\n"
        "print(json.dumps(sorted(sys.modules)), file=sys.stderr)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], input=stdin, capture_output=True, text=True,
        timeout=60, env=env,
    )  # fmt: skip
    return set(json.loads(proc.stderr.strip().splitlines()[-1]))


def loaded(modules: set[str], names: Iterable[str]) -> list[str]:
    return sorted(m for m in modules for n in names if m == n or m.startswith(f"{n}."))


@pytest.mark.parametrize(
    "argv",
    [
        ["find", demo.CUSTOMER_ANA, "--json"],
        ["find", "-", "--json"],
        ["find", "-", "--json", "--token-report"],
        ["show", demo.ANA_IPHONE, "--json"],
        ["show", "-", "--json"],
    ],
)
def test_the_json_lookup_path_imports_only_what_it_uses(
    argv: list[str], demo_store_url: URL, dialect: str, tmp_path: Path
) -> None:
    env = {
        **os.environ,
        "INSPECTOR_STORE_URL": demo_store_url.render_as_string(hide_password=False),
        "INSPECTOR_ENVIRONMENT": "staging",
        "INSPECTOR_JOURNAL_URL": f"sqlite:///{tmp_path}/journal.db",
    }
    modules = modules_after(argv, env, stdin=f"{demo.CUSTOMER_ANA}\n{demo.ANA_IPHONE}\n")
    assert "inspector.store.repository" in modules  # it did look up
    assert loaded(modules, NOT_ON_THE_LOOKUP_PATH) == []
    others = [driver for name, driver in DRIVERS.items() if name not in (dialect, "sqlite")]
    assert loaded(modules, others) == []
    assert DRIVERS[dialect] in modules
    # The journal (SQLite here) loads no server dialect of its own, MariaDB's included.
    other_dialects = [d for name, d in DIALECTS.items() if name not in (dialect, "sqlite")]
    assert loaded(modules, other_dialects) == []


def test_a_table_loads_rich_but_still_not_the_orm(sqlite_demo_url: URL, tmp_path: Path) -> None:
    env = {
        **os.environ,
        "INSPECTOR_STORE_URL": sqlite_demo_url.render_as_string(),
        "INSPECTOR_JOURNAL_URL": f"sqlite:///{tmp_path}/journal.db",
    }
    modules = modules_after(["find", demo.CUSTOMER_ANA], env)
    assert "rich" in modules
    assert loaded(modules, [n for n in NOT_ON_THE_LOOKUP_PATH if n != "rich"]) == []
