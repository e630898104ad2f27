"""Settings from the process environment and `.env` (the process wins)."""

from __future__ import annotations

import getpass
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

import platformdirs
from dotenv import dotenv_values
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError


class ConfigError(Exception):
    """A setting is missing or malformed; the message names the setting, never a secret."""


class Environment(StrEnum):
    PRODUCTION = "production"
    STAGING = "staging"
    DEVELOPMENT = "development"
    DEMO = "demo"

    @classmethod
    def parse(cls, text: str | None) -> Environment:
        """An unknown or empty name is production: the safe assumption."""
        try:
            return cls((text or "").strip().lower())
        except ValueError:
            return cls.PRODUCTION


class PushPolicy(StrEnum):
    OFF = "off"
    TEST_DEVICES = "test-devices"
    ANY = "any"


def data_dir() -> Path:
    """Where the demo store and the default journal live (XDG_DATA_HOME is honoured)."""
    return Path(platformdirs.user_data_dir("inspector", appauthor=False))


def demo_store_path() -> Path:
    return data_dir() / "demo-store.db"


def describe_url(url: URL) -> str:
    """host/database of a URL, never its user or password: what the banner shows."""
    if url.get_backend_name() == "sqlite":
        return f"sqlite:{url.database or ':memory:'}"
    host = url.host or "localhost"
    if url.port:
        host = f"{host}:{url.port}"
    return f"{host}/{url.database or ''}"


def parse_url(text: str, setting: str) -> URL:
    try:
        return make_url(text.strip())
    except (ArgumentError, ValueError):
        # The text may hold a password: name the setting only.
        raise ConfigError(f"{setting} is not a valid database URL") from None


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number, got {raw!r}") from None
    if value < 0:
        raise ConfigError(f"{name} must not be negative")
    return value


@dataclass(frozen=True)
class Settings:
    store_url: URL
    environment: Environment
    journal_url: URL
    operator: str
    push_policy: PushPolicy
    is_demo: bool = False
    statement_timeout_s: float = 5.0
    fcm_credentials: Path | None = field(default=None, repr=False)
    fcm_url: str = "https://fcm.googleapis.com"
    apns_key_file: Path | None = field(default=None, repr=False)
    apns_key_id: str | None = field(default=None, repr=False)
    apns_team_id: str | None = None
    apns_url_production: str = "https://api.push.apple.com"
    apns_url_sandbox: str = "https://api.sandbox.push.apple.com"
    push_connect_timeout_s: float = 3.0
    push_read_timeout_s: float = 5.0
    push_max_per_minute: float = 10.0
    push_device_cooldown_s: float = 10.0
    # Key for the keyed hash of looked-up identifiers in the journal.
    journal_hash_key: str | None = field(default=None, repr=False)

    @property
    def store_label(self) -> str:
        return describe_url(self.store_url)

    @property
    def journal_label(self) -> str:
        return describe_url(self.journal_url)


def load_env(dotenv_path: str | os.PathLike[str] | None = ".env") -> dict[str, str]:
    """The process environment over the values of `.env`."""
    merged: dict[str, str] = {}
    if dotenv_path is not None and Path(dotenv_path).is_file():
        merged.update({k: v for k, v in dotenv_values(dotenv_path).items() if v is not None})
    merged.update(os.environ)
    return merged


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    env = load_env() if env is None else env
    raw_store = env.get("INSPECTOR_STORE_URL", "").strip()
    is_demo = raw_store == ""
    if is_demo:
        store_url = URL.create("sqlite", database=str(demo_store_path()))
        environment = Environment.DEMO
    else:
        store_url = parse_url(raw_store, "INSPECTOR_STORE_URL")
        environment = Environment.parse(env.get("INSPECTOR_ENVIRONMENT"))
    if is_demo and env.get("INSPECTOR_ENVIRONMENT"):
        # The demo store is the demo whatever the variable says.
        environment = Environment.DEMO

    raw_journal = env.get("INSPECTOR_JOURNAL_URL", "").strip()
    journal_url = (
        parse_url(raw_journal, "INSPECTOR_JOURNAL_URL")
        if raw_journal
        else URL.create("sqlite", database=str(data_dir() / "journal.db"))
    )

    raw_policy = env.get("INSPECTOR_PUSH_POLICY", "").strip().lower()
    if raw_policy:
        try:
            policy = PushPolicy(raw_policy)
        except ValueError:
            choices = ", ".join(p.value for p in PushPolicy)
            raise ConfigError(
                f"INSPECTOR_PUSH_POLICY must be one of {choices}, got {raw_policy!r}"
            ) from None
    else:
        policy = PushPolicy.ANY if environment is Environment.DEMO else PushPolicy.TEST_DEVICES

    def path(name: str) -> Path | None:
        value = env.get(name, "").strip()
        return Path(value).expanduser() if value else None

    def text(name: str) -> str | None:
        value = env.get(name, "").strip()
        return value or None

    return Settings(
        store_url=store_url,
        environment=environment,
        journal_url=journal_url,
        operator=text("INSPECTOR_OPERATOR") or _os_user(),
        push_policy=policy,
        is_demo=is_demo,
        statement_timeout_s=_float(env, "INSPECTOR_STATEMENT_TIMEOUT", 5.0),
        fcm_credentials=path("INSPECTOR_FCM_CREDENTIALS"),
        fcm_url=(text("INSPECTOR_FCM_URL") or "https://fcm.googleapis.com").rstrip("/"),
        apns_key_file=path("INSPECTOR_APNS_KEY_FILE"),
        apns_key_id=text("INSPECTOR_APNS_KEY_ID"),
        apns_team_id=text("INSPECTOR_APNS_TEAM_ID"),
        apns_url_production=(
            text("INSPECTOR_APNS_URL_PRODUCTION") or "https://api.push.apple.com"
        ).rstrip("/"),
        apns_url_sandbox=(
            text("INSPECTOR_APNS_URL_SANDBOX") or "https://api.sandbox.push.apple.com"
        ).rstrip("/"),
        push_connect_timeout_s=_float(env, "INSPECTOR_PUSH_CONNECT_TIMEOUT", 3.0),
        push_read_timeout_s=_float(env, "INSPECTOR_PUSH_READ_TIMEOUT", 5.0),
        push_max_per_minute=_float(env, "INSPECTOR_PUSH_MAX_PER_MINUTE", 10.0),
        push_device_cooldown_s=_float(env, "INSPECTOR_PUSH_DEVICE_COOLDOWN", 10.0),
        journal_hash_key=text("INSPECTOR_JOURNAL_HASH_KEY"),
    )


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"
