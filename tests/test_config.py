"""Settings: environment names, defaults by environment, and safe descriptions."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from inspector.config import (
    ConfigError,
    Environment,
    PushPolicy,
    describe_url,
    load_env,
    load_settings,
)
from inspector.safetext import has_unsafe


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
    with pytest.raises(ConfigError, match="off, test-devices, any, approval, got 'everyone'"):
        load_settings(env)
    env["INSPECTOR_PUSH_POLICY"] = "OFF"
    assert load_settings(env).push_policy is PushPolicy.OFF


def test_the_approval_policy() -> None:
    env = {"INSPECTOR_STORE_URL": "sqlite:///x.db", "INSPECTOR_PUSH_POLICY": " Approval "}
    assert load_settings(env).push_policy is PushPolicy.APPROVAL


def test_a_dotenv_cannot_choose_the_approval_policy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("INSPECTOR_PUSH_POLICY", raising=False)
    (tmp_path / ".env").write_text("INSPECTOR_PUSH_POLICY=approval\n")
    warnings: list[str] = []
    env = load_env(warnings=warnings)
    assert "INSPECTOR_PUSH_POLICY" not in env
    assert any("INSPECTOR_PUSH_POLICY" in w for w in warnings)


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


NUMERIC = (
    "INSPECTOR_STATEMENT_TIMEOUT",
    "INSPECTOR_PUSH_CONNECT_TIMEOUT",
    "INSPECTOR_PUSH_READ_TIMEOUT",
    "INSPECTOR_PUSH_MAX_PER_MINUTE",
    "INSPECTOR_PUSH_DEVICE_COOLDOWN",
)


@pytest.mark.parametrize("name", NUMERIC)
@pytest.mark.parametrize("raw", ["nan", "NaN", "inf", "-inf", "1e999", "-1", "1e12"])
def test_numbers_must_be_finite_and_in_range(name: str, raw: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings({name: raw})
    message = str(caught.value)
    assert message.startswith(f"{name} must be a number from ")
    assert "\n" not in message


def test_statement_timeout_has_one_range_on_every_dialect() -> None:
    # 0 would be 1 ms on PostgreSQL and no limit on MariaDB: it is refused instead.
    with pytest.raises(ConfigError, match=r"from 0\.1 to 3600 seconds, got '0'$"):
        load_settings({"INSPECTOR_STATEMENT_TIMEOUT": "0"})
    assert load_settings({"INSPECTOR_STATEMENT_TIMEOUT": "0.1"}).statement_timeout_s == 0.1
    assert load_settings({"INSPECTOR_STATEMENT_TIMEOUT": " 3600 "}).statement_timeout_s == 3600
    assert load_settings({}).statement_timeout_s == 5.0


def test_proofs_and_approvals_have_defaults() -> None:
    cfg = load_settings({})
    assert (cfg.proof_approvals, cfg.proof_cap, cfg.approval_lifetime_min) == (2, 20, 30.0)
    assert cfg.approval_lifetime == timedelta(minutes=30)


def test_proofs_and_approvals_are_configured_by_variables() -> None:
    cfg = load_settings(
        {
            "INSPECTOR_PROOF_APPROVALS": "3",
            "INSPECTOR_PROOF_CAP": " 100 ",
            "INSPECTOR_APPROVAL_LIFETIME": "7.5",
        }
    )
    assert (cfg.proof_approvals, cfg.proof_cap) == (3, 100)
    assert isinstance(cfg.proof_approvals, int) and isinstance(cfg.proof_cap, int)
    assert cfg.approval_lifetime == timedelta(minutes=7, seconds=30)


@pytest.mark.parametrize(
    ("name", "raw", "words"),
    [
        ("INSPECTOR_PROOF_APPROVALS", "0", "a whole number from 1 to 10 approvals, got '0'"),
        ("INSPECTOR_PROOF_APPROVALS", "11", "a whole number from 1 to 10 approvals, got '11'"),
        ("INSPECTOR_PROOF_APPROVALS", "2.5", "a whole number from 1 to 10 approvals, got '2.5'"),
        ("INSPECTOR_PROOF_CAP", "101", "a whole number from 1 to 100 devices, got '101'"),
        ("INSPECTOR_PROOF_CAP", "twenty", "a whole number from 1 to 100 devices, got 'twenty'"),
        ("INSPECTOR_PROOF_CAP", "nan", "a whole number from 1 to 100 devices, got 'nan'"),
        ("INSPECTOR_APPROVAL_LIFETIME", "0.5", "a number from 1 to 1440 minutes, got '0.5'"),
        ("INSPECTOR_APPROVAL_LIFETIME", "1441", "a number from 1 to 1440 minutes, got '1441'"),
        ("INSPECTOR_APPROVAL_LIFETIME", "inf", "a number from 1 to 1440 minutes, got 'inf'"),
    ],
)
def test_proof_and_approval_numbers_are_one_line_naming_the_variable(
    name: str, raw: str, words: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings({name: raw})
    assert str(caught.value) == f"{name} must be {words}"


def test_rate_limits_take_zero_as_off() -> None:
    cfg = load_settings(
        {"INSPECTOR_PUSH_DEVICE_COOLDOWN": "0", "INSPECTOR_PUSH_MAX_PER_MINUTE": "0"}
    )
    assert (cfg.push_device_cooldown_s, cfg.push_max_per_minute) == (0, 0)


def test_a_bad_value_is_echoed_terminal_safe() -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings({"INSPECTOR_STATEMENT_TIMEOUT": "\x1b]0;owned\x07\x1b[2J\x9b31m"})
    message = str(caught.value)
    assert not has_unsafe(message) and "\x1b" not in message
    assert "\\x1b]0;owned" in message


@pytest.mark.parametrize("name", ["INSPECTOR_FCM_URL", "INSPECTOR_APNS_URL_PRODUCTION",
                                  "INSPECTOR_APNS_URL_SANDBOX"])  # fmt: skip
@pytest.mark.parametrize(
    "url",
    [
        "http://fcm.example.com",
        "http://10.0.0.8:8080",
        "http://127.0.0.1.evil.example",
        "ftp://fcm.example.com",
        "fcm.googleapis.com",
        "https://",
        "http://[::1",
    ],
)
def test_provider_urls_are_https_unless_loopback(name: str, url: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings({name: url})
    assert str(caught.value).startswith(f"{name} must be an https:// URL")


@pytest.mark.parametrize(
    "url",
    [
        "https://fcm.googleapis.com/",
        "http://127.0.0.1:8443",
        "http://127.1.2.3:1",
        "http://[::1]:9000",
        "http://localhost:9000",
        "HTTP://LOCALHOST",
    ],
)
def test_provider_urls_accept_https_and_the_local_fakes(url: str) -> None:
    cfg = load_settings({"INSPECTOR_FCM_URL": url, "INSPECTOR_APNS_URL_SANDBOX": url})
    assert cfg.fcm_url == url.rstrip("/") == cfg.apns_url_sandbox


def test_provider_url_error_names_no_user_or_query() -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings({"INSPECTOR_FCM_URL": "http://ana:s3cr3t@fcm.example.com/?key=k3y"})
    assert "s3cr3t" not in str(caught.value) and "k3y" not in str(caught.value)
    assert "'http://fcm.example.com'" in str(caught.value)


def test_dotenv_cannot_set_the_push_policy_or_provider_urls(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The autouse fixture runs every test in tmp_path: this is `.env` of the working directory.
    (tmp_path / ".env").write_text(
        "INSPECTOR_STORE_URL=postgresql+psycopg://db/installations\n"
        "INSPECTOR_ENVIRONMENT=staging\n"  # production's operator is the OS account
        "INSPECTOR_OPERATOR=from-dotenv\n"
        "INSPECTOR_PUSH_POLICY=any\n"
        "INSPECTOR_FCM_URL=http://attacker.example\n"
        "INSPECTOR_APNS_URL_PRODUCTION=https://apns.attacker.example\n"
        "INSPECTOR_APNS_URL_SANDBOX=https://sandbox.attacker.example\n"
    )
    cfg = load_settings()
    assert cfg.operator == "from-dotenv"  # other settings still come from .env
    assert cfg.push_policy is PushPolicy.TEST_DEVICES
    assert cfg.fcm_url == "https://fcm.googleapis.com"
    assert cfg.apns_url_production == "https://api.push.apple.com"
    assert cfg.apns_url_sandbox == "https://api.sandbox.push.apple.com"
    ignored = {w.split()[0] for w in cfg.warnings}
    assert ignored == {
        "INSPECTOR_PUSH_POLICY",
        "INSPECTOR_FCM_URL",
        "INSPECTOR_APNS_URL_PRODUCTION",
        "INSPECTOR_APNS_URL_SANDBOX",
    }
    assert all(".env is ignored" in w for w in cfg.warnings)

    # The process environment still sets them.
    monkeypatch.setenv("INSPECTOR_PUSH_POLICY", "off")
    monkeypatch.setenv("INSPECTOR_FCM_URL", "http://127.0.0.1:9")
    cfg = load_settings()
    assert cfg.push_policy is PushPolicy.OFF and cfg.fcm_url == "http://127.0.0.1:9"


def test_no_dotenv_no_warning() -> None:
    assert load_settings().warnings == ()


def test_url_descriptions_are_terminal_safe() -> None:
    cfg = load_settings(
        {
            "INSPECTOR_STORE_URL": "postgresql+psycopg://u@db/inst%1b%5d0%3bowned%07%e2%80%ae",
            "INSPECTOR_JOURNAL_URL": "sqlite:////tmp/j%1b[2J.db",
        }
    )
    for label in (cfg.store_label, cfg.journal_label, describe_url(cfg.store_url)):
        assert not has_unsafe(label) and "\\x1b" in label
    assert cfg.store_label == "db/inst\\x1b]0;owned\\x07\\u202e"
