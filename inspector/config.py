"""Settings from the process environment and `.env` (the process wins)."""

from __future__ import annotations

import getpass
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple
from urllib.parse import quote, unquote

import platformdirs
from dotenv import dotenv_values

if TYPE_CHECKING:
    # SQLAlchemy takes longer to import than the UI takes to draw: URL objects are made
    # on first use, so loading settings (and starting the UI) never imports it.
    from sqlalchemy.engine import URL


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


# The grammar of SQLAlchemy's make_url (sqlalchemy.engine.url._parse_url), so a URL is
# checked and described without importing SQLAlchemy; tests hold the two in step.
_URL_PATTERN = re.compile(
    r"""
        (?P<name>[\w\+]+)://
        (?:
            (?P<username>[^:/]*)
            (?::(?P<password>[^@]*))?
        @)?
        (?:
            (?:
                \[(?P<ipv6host>[^/\?]+)\] |
                (?P<ipv4host>[^/:\?]+)
            )?
            (?::(?P<port>[^/\?]*))?
        )?
        (?:/(?P<database>[^\?]*))?
        (?:\?(?P<query>.*))?
    """,
    re.X,
)


class UrlParts(NamedTuple):
    """What a label needs from a database URL: no user, no password."""

    backend: str
    host: str | None
    port: int | None
    database: str | None


def url_parts(text: str) -> UrlParts:
    """The parts of a URL text, or ValueError where make_url would refuse it."""
    m = _URL_PATTERN.match(text)
    if m is None:
        raise ValueError("not a database URL")
    port = m["port"]
    database = m["database"]
    return UrlParts(
        backend=m["name"].split("+")[0],
        host=m["ipv4host"] or m["ipv6host"],
        port=int(port) if port else None,
        database=unquote(database) if database is not None else None,
    )


def describe_url(url: URL | str) -> str:
    """host/database of a URL (a URL or its text), never its user or password: what the
    banner shows."""
    if isinstance(url, str):
        parts = url_parts(url.strip())
    else:
        parts = UrlParts(url.get_backend_name(), url.host, url.port, url.database)
    if parts.backend == "sqlite":
        return f"sqlite:{parts.database or ':memory:'}"
    host = parts.host or "localhost"
    if parts.port:
        host = f"{host}:{parts.port}"
    return f"{host}/{parts.database or ''}"


def check_url(text: str, setting: str) -> str:
    """The URL text, stripped, once it is known to parse (without importing SQLAlchemy)."""
    try:
        url_parts(text.strip())
    except ValueError:
        # The text may hold a password: name the setting only.
        raise ConfigError(f"{setting} is not a valid database URL") from None
    return text.strip()


def parse_url(text: str, setting: str) -> URL:
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(text.strip())
    except (ArgumentError, ValueError):
        # The text may hold a password: name the setting only.
        raise ConfigError(f"{setting} is not a valid database URL") from None


def sqlite_url_text(path: Path) -> str:
    """The URL of an SQLite file; the path is quoted so make_url gives it back unchanged."""
    return f"sqlite:///{quote(str(path), safe='/')}"


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
    # URL texts, checked at load time; they may hold a password, hence repr=False.
    store_url_text: str = field(repr=False)
    environment: Environment
    journal_url_text: str = field(repr=False)
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

    @cached_property
    def store_url(self) -> URL:
        """Parsed on first use (this imports SQLAlchemy), by whoever opens the store."""
        return parse_url(self.store_url_text, "INSPECTOR_STORE_URL")

    @cached_property
    def journal_url(self) -> URL:
        return parse_url(self.journal_url_text, "INSPECTOR_JOURNAL_URL")

    @property
    def store_label(self) -> str:
        return describe_url(self.store_url_text)

    @property
    def journal_label(self) -> str:
        return describe_url(self.journal_url_text)


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
        store_url = sqlite_url_text(demo_store_path())
        environment = Environment.DEMO
    else:
        store_url = check_url(raw_store, "INSPECTOR_STORE_URL")
        environment = Environment.parse(env.get("INSPECTOR_ENVIRONMENT"))
    if is_demo and env.get("INSPECTOR_ENVIRONMENT"):
        # The demo store is the demo whatever the variable says.
        environment = Environment.DEMO

    raw_journal = env.get("INSPECTOR_JOURNAL_URL", "").strip()
    journal_url = (
        check_url(raw_journal, "INSPECTOR_JOURNAL_URL")
        if raw_journal
        else sqlite_url_text(data_dir() / "journal.db")
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
        store_url_text=store_url,
        environment=environment,
        journal_url_text=journal_url,
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
