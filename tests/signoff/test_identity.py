"""Who is acting: in production the operating-system account, whatever INSPECTOR_OPERATOR
(or LOGNAME/USER) says; elsewhere INSPECTOR_OPERATOR may label. The sign-off domain loads
without textual."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import replace

import pytest

from inspector.config import ConfigError, Environment, load_settings
from inspector.signoff import OperatorIdentityError, effective_operator, operator_for, os_account


def ana() -> str:
    return "ana"


def nobody() -> str | None:
    return None


def test_production_is_the_os_account() -> None:
    assert operator_for(Environment.PRODUCTION, {}, account=ana) == "ana"
    assert operator_for(Environment.PRODUCTION, {"INSPECTOR_OPERATOR": "ana"}, account=ana) == "ana"


def test_production_refuses_another_name_in_words() -> None:
    with pytest.raises(OperatorIdentityError) as caught:
        operator_for(
            Environment.PRODUCTION, {"INSPECTOR_OPERATOR": "bob"}, profile="prod", account=ana
        )
    words = str(caught.value)
    assert "operating-system account 'ana'" in words
    assert "INSPECTOR_OPERATOR='bob' cannot change it" in words
    assert isinstance(caught.value, ConfigError)  # exit 2, one line, like any setting


def test_production_needs_an_account_it_can_tell() -> None:
    with pytest.raises(OperatorIdentityError, match="cannot be told"):
        operator_for(Environment.PRODUCTION, {}, account=nobody)


def test_the_signed_in_user_of_the_browser_mode_is_the_operator() -> None:
    assert operator_for(Environment.PRODUCTION, {}, authenticated="carol", account=ana) == "carol"
    with pytest.raises(OperatorIdentityError, match="signed-in user 'carol'"):
        operator_for(
            Environment.PRODUCTION,
            {"INSPECTOR_OPERATOR": "bob"},
            authenticated="carol",
            account=ana,
        )


@pytest.mark.parametrize("environment", [Environment.STAGING, Environment.DEVELOPMENT])
def test_elsewhere_the_variable_labels(environment: Environment) -> None:
    assert operator_for(environment, {"INSPECTOR_OPERATOR": "bob"}, account=ana) == "bob"
    assert operator_for(environment, {}, account=ana) == "ana"


def test_built_settings_are_checked() -> None:
    staging = load_settings(
        {"INSPECTOR_STORE_URL": "sqlite:///store.db", "INSPECTOR_OPERATOR": "bob",
         "INSPECTOR_ENVIRONMENT": "staging"}
    )  # fmt: skip
    assert effective_operator(staging, account=ana) == "bob"
    production = replace(staging, environment=Environment.PRODUCTION, profile="prod")
    with pytest.raises(OperatorIdentityError, match="not 'bob'"):
        effective_operator(production, account=ana)
    assert effective_operator(replace(production, operator="ana"), account=ana) == "ana"


def test_the_account_is_the_process_uid_not_logname(monkeypatch: pytest.MonkeyPatch) -> None:
    real = os_account()
    monkeypatch.setenv("LOGNAME", "someone-else")
    monkeypatch.setenv("USER", "someone-else")
    assert os_account() == real != "someone-else"


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
