"""Who is acting: in production the operating-system account of the process (its uid),
whatever INSPECTOR_OPERATOR, LOGNAME or USER say; the browser mode's signed-in user
where a session verified one; elsewhere INSPECTOR_OPERATOR may label. The rule is
applied where settings are made (load_settings, the implicit profile and every profile
of a file); the sign-off domain loads without textual."""

from __future__ import annotations

import os
import pwd
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from inspector.config import (
    ConfigError,
    Environment,
    OperatorIdentityError,
    load_settings,
    operator_for,
    os_account,
)
from inspector.journal import Journal
from inspector.signoff import (
    ApprovalService,
    ProofService,
    SignoffStore,
    effective_operator,
)
from inspector.signoff import OperatorIdentityError as SignoffOperatorIdentityError

ME = os_account()


def ana() -> str:
    return "ana"


def nobody() -> str | None:
    return None


def production(**env: str) -> dict[str, str]:
    return {"INSPECTOR_STORE_URL": "sqlite:///store.db", "INSPECTOR_ENVIRONMENT": "production",
            **env}  # fmt: skip


def test_one_mechanism() -> None:
    assert SignoffOperatorIdentityError is OperatorIdentityError
    assert issubclass(OperatorIdentityError, ConfigError)  # exit 2, one line


def test_the_account_is_the_process_uid_not_logname(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOGNAME", "someone-else")
    monkeypatch.setenv("USER", "someone-else")
    monkeypatch.setenv("USERNAME", "someone-else")
    assert os_account() == pwd.getpwuid(os.getuid()).pw_name != "someone-else"
    assert load_settings(production()).operator == ME


def test_production_is_the_os_account() -> None:
    assert operator_for(Environment.PRODUCTION, {}, account=ana) == "ana"
    assert operator_for(Environment.PRODUCTION, {"INSPECTOR_OPERATOR": "ana"}, account=ana) == "ana"
    assert load_settings(production()).operator == ME
    assert load_settings(production(INSPECTOR_OPERATOR=f" {ME} ")).operator == ME


def test_production_refuses_another_name_in_one_line() -> None:
    with pytest.raises(OperatorIdentityError) as caught:
        load_settings(production(INSPECTOR_OPERATOR="someone-else"))
    words = str(caught.value)
    assert words == (
        f"in a production profile the operator is the operating-system account {ME!r};"
        " INSPECTOR_OPERATOR='someone-else' cannot change it (unset it)"
    )


def test_an_unnamed_environment_is_production_for_the_operator_too() -> None:
    with pytest.raises(OperatorIdentityError, match="cannot change it"):
        load_settings({"INSPECTOR_STORE_URL": "sqlite:///store.db", "INSPECTOR_OPERATOR": "x"})


def test_production_needs_an_account_it_can_tell() -> None:
    with pytest.raises(OperatorIdentityError, match="cannot be told"):
        operator_for(Environment.PRODUCTION, {}, account=nobody)
    assert operator_for(Environment.STAGING, {}, account=nobody) == "unknown"


def test_a_hostile_name_is_quoted_terminal_safe() -> None:
    with pytest.raises(OperatorIdentityError) as caught:
        load_settings(production(INSPECTOR_OPERATOR="eve\x1b[2J\nmallory"))
    words = str(caught.value)
    assert "\x1b" not in words and "\n" not in words


@pytest.mark.parametrize("environment", ["staging", "development"])
def test_elsewhere_the_variable_labels(environment: str) -> None:
    env = production(INSPECTOR_ENVIRONMENT=environment, INSPECTOR_OPERATOR="bob")
    assert load_settings(env).operator == "bob"
    assert operator_for(Environment(environment), {}, account=ana) == "ana"
    # The demo store is no production either.
    assert load_settings({"INSPECTOR_OPERATOR": "bob"}).operator == "bob"


PROFILES = """
default = "staging"

[profiles.staging]
environment = "staging"
store = "sqlite:///store.db"

[profiles.production]
environment = "production"
store = "sqlite:///store.db"
"""


def test_a_production_profile_of_a_file_refuses_the_variable(tmp_path: Path) -> None:
    path = tmp_path / "inspector.toml"
    path.write_text(PROFILES)
    env = {"INSPECTOR_OPERATOR": "someone-else"}
    # The file is checked whole, but the rule applies to the profile chosen.
    assert load_settings(env, config=path).operator == "someone-else"
    with pytest.raises(OperatorIdentityError) as caught:
        load_settings(env, config=path, profile="production")
    assert str(caught.value).startswith(
        f"in profile 'production' the operator is the operating-system account {ME!r};"
    )
    assert load_settings({}, config=path, profile="production").operator == ME


def test_the_signed_in_user_of_the_browser_mode_is_the_operator() -> None:
    assert operator_for(Environment.PRODUCTION, {}, authenticated="carol", account=ana) == "carol"
    with pytest.raises(OperatorIdentityError, match="signed-in user 'carol'"):
        operator_for(
            Environment.PRODUCTION,
            {"INSPECTOR_OPERATOR": "bob"},
            authenticated="carol",
            account=ana,
        )


def test_services_take_the_session_user_in_production(tmp_path: Path) -> None:
    """The browser mode's session loads the profile, then puts the user its server signed
    in as the operator (replace(settings, operator=...)): the services take it."""
    journal_url = f"sqlite:///{tmp_path / 'journal.db'}"
    settings = load_settings(production(INSPECTOR_JOURNAL_URL=journal_url))
    session = replace(settings, operator="carol")
    journal = Journal.open(session)
    db = SignoffStore.open(session)
    try:
        assert effective_operator(session) == "carol"
        assert ProofService(session, None, journal, db).operator == "carol"
        assert ApprovalService(session, journal, db).operator == "carol"
    finally:
        db.close()
        journal.close()


def test_settings_that_name_nobody_do_not_act() -> None:
    settings = replace(load_settings({}), operator="  ")
    with pytest.raises(OperatorIdentityError, match="names no operator"):
        effective_operator(settings)


def test_the_sign_off_domain_does_not_import_textual() -> None:
    code = (
        "import sys, inspector.signoff, inspector.cli.signoff_commands\n"
        "print(','.join(m for m in sys.modules if m.split('.')[0] == 'textual'))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
        env={**os.environ},
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == ""
