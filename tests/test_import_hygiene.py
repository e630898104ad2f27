"""Domain code loads without textual: the UI is one consumer among others."""

from __future__ import annotations

import subprocess
import sys

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
