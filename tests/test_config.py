"""Settings: environment names, defaults by environment, and safe descriptions."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import make_url

from inspector.config import (
    ConfigError,
    Environment,
    PushPolicy,
    describe_url,
    load_settings,
)


def test_no_configuration_is_the_demo() -> None:
    cfg = load_settings({})
    assert cfg.is_demo
    assert cfg.environment is Environment.DEMO
    assert cfg.push_policy is PushPolicy.ANY
    assert cfg.store_url.get_backend_name() == "sqlite"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("production", Environment.PRODUCTION),
        ("Staging", Environment.STAGING),
        (" development ", Environment.DEVELOPMENT),
        ("prod-eu", Environment.PRODUCTION),
        ("", Environment.PRODUCTION),
        (None, Environment.PRODUCTION),
    ],
)
def test_unknown_environment_is_production(name: str | None, expected: Environment) -> None:
    env = {"INSPECTOR_STORE_URL": "postgresql+psycopg://db/x"}
    if name is not None:
        env["INSPECTOR_ENVIRONMENT"] = name
    assert load_settings(env).environment is expected


def test_production_defaults_to_test_devices_only() -> None:
    cfg = load_settings({"INSPECTOR_STORE_URL": "postgresql+psycopg://db/x"})
    assert cfg.push_policy is PushPolicy.TEST_DEVICES


def test_policy_is_validated() -> None:
    env = {"INSPECTOR_STORE_URL": "sqlite:///x.db", "INSPECTOR_PUSH_POLICY": "everyone"}
    with pytest.raises(ConfigError, match="off, test-devices, any"):
        load_settings(env)
    env["INSPECTOR_PUSH_POLICY"] = "OFF"
    assert load_settings(env).push_policy is PushPolicy.OFF


def test_numbers_are_validated() -> None:
    with pytest.raises(ConfigError, match="INSPECTOR_PUSH_READ_TIMEOUT must be a number"):
        load_settings({"INSPECTOR_PUSH_READ_TIMEOUT": "soon"})


def test_descriptions_never_carry_credentials() -> None:
    url = make_url("postgresql+psycopg://ana:s3cr3t@replica.db.internal:6432/installations")
    assert describe_url(url) == "replica.db.internal:6432/installations"
    cfg = load_settings({"INSPECTOR_STORE_URL": url.render_as_string(hide_password=False)})
    assert "s3cr3t" not in cfg.store_label
    assert "s3cr3t" not in repr(cfg)
    assert "ana" not in cfg.store_label


def test_operator_defaults_to_the_os_user() -> None:
    assert load_settings({}).operator
    assert load_settings({"INSPECTOR_OPERATOR": "ana"}).operator == "ana"
