"""The profile file: named profiles (staging, production, …) side by side, in TOML.

Its keys are a contract (README, "The profile file"): unknown keys are an error, and
every error is one line naming the file, the profile and the key, never a secret. A
password never sits in the file: a URL without one takes it from the variable or the
file the profile names. Credential files are named here and read when used (or by
`inspector profiles check`), never at load time.

Production is only ever reached by naming it: `default` may not be a production profile.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from inspector.config import (
    NUMBERS,
    PROVIDER_URLS,
    ApnsKey,
    ConfigError,
    Environment,
    FcmCredential,
    PushPolicy,
    Settings,
    StoreSpec,
    _os_user,
    check_provider_url,
    data_dir,
    sqlite_url_text,
    url_parts,
)
from inspector.safetext import clip, escape

# A profile's or a store's name: shown in the banner, written in the journal.
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,39}")
# Banner colours: a few names every terminal shows, or #rrggbb.
COLOURS = frozenset(
    {"red", "yellow", "green", "blue", "magenta", "cyan", "white", "orange", "purple", "grey"}
)
HEX_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")
# Profile names a user may not give: they name the implicit profiles.
RESERVED = frozenset({"demo"})

# key: (what it holds, the numeric setting whose range it takes)
NUMERIC_KEYS = {
    "statement_timeout": "INSPECTOR_STATEMENT_TIMEOUT",
    "push_connect_timeout": "INSPECTOR_PUSH_CONNECT_TIMEOUT",
    "push_read_timeout": "INSPECTOR_PUSH_READ_TIMEOUT",
    "push_max_per_minute": "INSPECTOR_PUSH_MAX_PER_MINUTE",
    "push_device_cooldown": "INSPECTOR_PUSH_DEVICE_COOLDOWN",
}
PROVIDER_KEYS = {
    "fcm_url": "INSPECTOR_FCM_URL",
    "apns_url_production": "INSPECTOR_APNS_URL_PRODUCTION",
    "apns_url_sandbox": "INSPECTOR_APNS_URL_SANDBOX",
}
PROFILE_KEYS = frozenset(
    {
        "environment",
        "store",
        "stores",
        "journal",
        "push_policy",
        "label",
        "colour",
        "store_password_env",
        "store_password_file",
        "journal_password_env",
        "journal_password_file",
        "fcm",
        "apns",
        *NUMERIC_KEYS,
        *PROVIDER_KEYS,
    }
)
FCM_KEYS = frozenset({"project_id", "credentials"})
APNS_KEYS = frozenset({"key_file", "key_id", "team_id", "topics"})
# Variables a profile decides: set in the process beside a profile file, they are ignored.
PROFILE_VARIABLES = (
    "INSPECTOR_STORE_URL",
    "INSPECTOR_ENVIRONMENT",
    "INSPECTOR_JOURNAL_URL",
    "INSPECTOR_PUSH_POLICY",
    "INSPECTOR_FCM_CREDENTIALS",
    "INSPECTOR_APNS_KEY_FILE",
    "INSPECTOR_APNS_KEY_ID",
    "INSPECTOR_APNS_TEAM_ID",
    *PROVIDER_KEYS.values(),
    *NUMERIC_KEYS.values(),
)


def user_config_path() -> Path:
    import platformdirs

    return Path(platformdirs.user_config_dir("inspector", appauthor=False)) / "config.toml"


def find_profile_file(
    explicit: str | os.PathLike[str] | None, env: Mapping[str, str]
) -> Path | None:
    """`--config`, else INSPECTOR_CONFIG (each must exist), else ./inspector.toml, else the
    user config directory's config.toml, else None (the implicit profile)."""
    named = explicit if explicit is not None else (env.get("INSPECTOR_CONFIG", "").strip() or None)
    if named is not None:
        path = Path(named).expanduser()
        if not path.is_file():
            what = "--config" if explicit is not None else "INSPECTOR_CONFIG"
            raise ConfigError(f"{_where(path)}: no such file (named by {what})")
        return path
    for candidate in (Path("inspector.toml"), user_config_path()):
        if candidate.is_file():
            return candidate
    return None


def _where(path: Path) -> str:
    return escape(clip(os.fspath(path), 200))


def _q(value: object) -> str:
    return repr(escape(clip(str(value), 60)))


class _Reader:
    """Reads one table of the file; every error names the file, the profile and the key."""

    def __init__(self, path: Path, profile: str | None, table: Mapping[str, Any]) -> None:
        self.file = path
        self.profile = profile
        self.table = table

    def error(self, key: str | None, message: str) -> ConfigError:
        parts = [_where(self.file)]
        if self.profile is not None:
            parts.append(f"profile {_q(self.profile)}")
        if key is not None:
            parts.append(f"key {_q(key)}")
        return ConfigError(f"{': '.join(parts)}: {message}")

    def check_keys(self, allowed: frozenset[str], prefix: str = "") -> None:
        for key in self.table:
            if key not in allowed:
                raise self.error(prefix + key, "unknown key")

    def text(self, key: str, *, required: bool = False, prefix: str = "") -> str | None:
        value = self.table.get(key)
        if value is None:
            if required:
                raise self.error(prefix + key, "is required")
            return None
        if not isinstance(value, str) or not value.strip():
            raise self.error(prefix + key, f"must be a non-empty string, got {_kind(value)}")
        if any(ord(c) < 32 or ord(c) == 127 for c in value):
            raise self.error(prefix + key, "holds a control character")
        return value.strip()

    def choice(self, key: str, choices: tuple[str, ...], *, required: bool = False) -> str | None:
        value = self.text(key, required=required)
        if value is not None and value.lower() not in choices:
            raise self.error(key, f"must be one of {', '.join(choices)}, got {_q(value)}")
        return value.lower() if value is not None else None

    def number(self, key: str) -> float | None:
        value = self.table.get(key)
        if value is None:
            return None
        bound = NUMBERS[NUMERIC_KEYS[key]]
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.error(key, f"must be a number, got {_kind(value)}")
        if not bound.low <= value <= bound.high:  # NaN fails this too
            raise self.error(
                key, f"must be from {bound.low:g} to {bound.high:g} {bound.unit}, got {value!r}"
            )
        return float(value)

    def path(self, key: str, *, prefix: str = "") -> Path:
        text = self.text(key, required=True, prefix=prefix)
        assert text is not None
        path = Path(text).expanduser()
        # Relative to the file, so a profile file and its keys can travel together.
        return path if path.is_absolute() else self.file.parent / path


def _kind(value: object) -> str:
    names = {bool: "a boolean", int: "a number", float: "a number", str: "a string"}
    names |= {list: "a list", dict: "a table"}
    return names.get(type(value), type(value).__name__)


@dataclass(frozen=True)
class ProfileSummary:
    """What `profiles list` and the switcher show of a profile: never a secret."""

    name: str
    environment: Environment
    label: str
    colour: str
    stores: tuple[tuple[str, str], ...]  # (name, host/database)
    journal: str
    push_policy: PushPolicy
    fcm_projects: tuple[str, ...]
    apns_topics: tuple[str, ...]  # "*" for a key serving every topic
    is_default: bool


class ProfileFile:
    """The parsed file: each profile's raw table, checked on load; a profile's settings
    are built when it is chosen (a secret is read for the chosen profile only)."""

    def __init__(self, path: Path, default: str | None, tables: dict[str, dict[str, Any]]):
        self.path = path
        self.default = default
        self._tables = tables

    @classmethod
    def load(cls, path: Path) -> ProfileFile:
        try:
            with path.open("rb") as f:
                document = tomllib.load(f)
        except tomllib.TOMLDecodeError as exc:
            # Its message names a line and column, and quotes a key at most.
            raise ConfigError(f"{_where(path)}: not valid TOML: {escape(str(exc))}") from None
        except OSError as exc:
            reason = exc.strerror or type(exc).__name__
            raise ConfigError(f"{_where(path)}: cannot be read ({reason})") from None
        top = _Reader(path, None, document)
        top.check_keys(frozenset({"default", "profiles"}))
        profiles = document.get("profiles")
        if not isinstance(profiles, dict) or not profiles:
            raise top.error("profiles", "at least one [profiles.NAME] table is required")
        seen: dict[str, str] = {}
        for name, table in profiles.items():
            if not NAME.fullmatch(name) or name in RESERVED:
                raise top.error(
                    f"profiles.{name}",
                    "a profile name is 1 to 40 letters, digits, '.', '_' or '-'"
                    + (f" (and not {', '.join(sorted(RESERVED))})" if name in RESERVED else ""),
                )
            if name.lower() in seen:
                raise top.error(
                    f"profiles.{name}",
                    f"differs from profile {_q(seen[name.lower()])} by case only",
                )
            seen[name.lower()] = name
            if not isinstance(table, dict):
                raise top.error(f"profiles.{name}", f"must be a table, got {_kind(table)}")
        default = top.text("default")
        loaded = cls(path, default, profiles)
        # Every profile is checked now, so a mistake in one that is not chosen today is
        # found today (and `profiles list` can show them all).
        summaries = {name: loaded.summary(name) for name in profiles}
        if default is not None:
            if default not in profiles:
                raise top.error("default", f"names no profile: {_q(default)}")
            if summaries[default].environment is Environment.PRODUCTION:
                raise top.error(
                    "default",
                    f"{_q(default)} is a production profile: production is only reached by"
                    " naming it (--profile)",
                )
        return loaded

    def names(self) -> tuple[str, ...]:
        return tuple(self._tables)

    def environment(self, name: str) -> Environment:
        return self.summary(name).environment

    def summary(self, name: str) -> ProfileSummary:
        built = self._build(name, {}, [], read_secrets=False)
        return ProfileSummary(
            name=name,
            environment=built.environment,
            label=built.display_name,
            colour=built.banner_colour,
            stores=tuple((s.name, s.label) for s in built.stores),
            journal=built.journal_label,
            push_policy=built.push_policy,
            fcm_projects=tuple(c.project_id or "?" for c in built.fcm),
            apns_topics=tuple(dict.fromkeys(t for k in built.apns for t in (k.topics or ("*",)))),
            is_default=name == self.default,
        )

    def settings(self, name: str | None, env: Mapping[str, str], warnings: list[str]) -> Settings:
        """The settings of profile `name` (None: the file's default)."""
        if name is None:
            if self.default is None:
                raise ConfigError(
                    f"{_where(self.path)}: no profile chosen and no default: name one with"
                    f" --profile or INSPECTOR_PROFILE ({', '.join(self.names())})"
                )
            name = self.default
        if name not in self._tables:
            raise ConfigError(
                f"{_where(self.path)}: no profile {_q(name)} (profiles: {', '.join(self.names())})"
            )
        ignored = [v for v in PROFILE_VARIABLES if env.get(v, "").strip()]
        if ignored:
            warnings.append(
                f"{', '.join(ignored)} ignored: profile {name} of {_where(self.path)} decides"
            )
        return self._build(name, env, warnings, read_secrets=True)

    def _build(
        self, name: str, env: Mapping[str, str], warnings: list[str], *, read_secrets: bool
    ) -> Settings:
        r = _Reader(self.path, name, self._tables[name])
        r.check_keys(PROFILE_KEYS)
        kinds = tuple(e.value for e in Environment if e is not Environment.DEMO)
        environment = Environment(r.choice("environment", kinds, required=True) or "")
        stores = self._stores(r, env, read_secrets)
        journal = r.text("journal")
        if journal is not None:
            _check_url(r, "journal", journal)
        journal_password = (
            _secret(r, "journal", env) if read_secrets and journal is not None else None
        )
        if journal is None:
            journal = sqlite_url_text(data_dir() / f"journal-{name}.db")
        policy = r.choice("push_policy", tuple(p.value for p in PushPolicy))
        label = r.text("label")
        if label is not None and len(label) > 40:
            raise r.error("label", "is at most 40 characters")
        colour = r.text("colour")
        if (
            colour is not None
            and colour.lower() not in COLOURS
            and not HEX_COLOUR.fullmatch(colour)
        ):
            raise r.error(
                "colour",
                f"must be #rrggbb or one of {', '.join(sorted(COLOURS))}, got {_q(colour)}",
            )
        numbers = {key: r.number(key) for key in NUMERIC_KEYS}
        urls: dict[str, str] = {}
        for key in PROVIDER_KEYS:
            value = r.text(key)
            if value is not None:
                try:
                    urls[key] = check_provider_url(value, key)
                except ConfigError as exc:
                    raise r.error(key, str(exc).removeprefix(f"{key} ")) from None

        def num(key: str) -> float:
            value = numbers[key]
            return NUMBERS[NUMERIC_KEYS[key]].default if value is None else value

        def url(key: str) -> str:
            return urls.get(key, PROVIDER_URLS[PROVIDER_KEYS[key]])

        return Settings(
            stores=stores,
            environment=environment,
            journal_url_text=journal,
            journal_password=journal_password,
            operator=(env.get("INSPECTOR_OPERATOR", "").strip() or _os_user())
            if read_secrets
            else "",
            push_policy=PushPolicy(policy) if policy else PushPolicy.TEST_DEVICES,
            profile=name,
            label=label,
            colour=colour.lower() if colour and not colour.startswith("#") else colour,
            config_path=self.path,
            statement_timeout_s=num("statement_timeout"),
            fcm=_fcm(r),
            fcm_url=url("fcm_url"),
            apns=_apns(r),
            apns_url_production=url("apns_url_production"),
            apns_url_sandbox=url("apns_url_sandbox"),
            push_connect_timeout_s=num("push_connect_timeout"),
            push_read_timeout_s=num("push_read_timeout"),
            push_max_per_minute=num("push_max_per_minute"),
            push_device_cooldown_s=num("push_device_cooldown"),
            journal_hash_key=(env.get("INSPECTOR_JOURNAL_HASH_KEY", "").strip() or None),
            warnings=tuple(warnings),
        )

    def _stores(
        self, r: _Reader, env: Mapping[str, str], read_secrets: bool
    ) -> tuple[StoreSpec, ...]:
        single, several = r.table.get("store"), r.table.get("stores")
        if single is not None and several is not None:
            raise r.error("stores", "give `store` or `stores`, not both")
        password = _secret(r, "store", env) if read_secrets else None
        if several is None:
            url = r.text("store", required=True)
            assert url is not None
            _check_url(r, "store", url)
            return (StoreSpec("", url, password, setting=f"profile {r.profile} store"),)
        if not isinstance(several, dict) or not several:
            raise r.error("stores", 'must be a table of store names to URLs, e.g. eu = "…"')
        specs = []
        for store_name in several:
            key = f"stores.{store_name}"
            if not NAME.fullmatch(store_name):
                raise r.error(key, "a store name is 1 to 40 letters, digits, '.', '_' or '-'")
            url = _Reader(r.file, r.profile, several).text(store_name, prefix="stores.")
            assert url is not None
            _check_url(r, key, url)
            specs.append(StoreSpec(store_name, url, password, setting=f"profile {r.profile} {key}"))
        return tuple(specs)


def _check_url(r: _Reader, key: str, url: str) -> None:
    try:
        parts = url_parts(url)
    except ValueError:
        raise r.error(key, "is not a database URL") from None
    del parts
    m = re.match(r"[\w+]+://[^:/@]*:([^@]*)@", url)
    if m is not None:
        raise r.error(
            key,
            f"holds a password: a password never sits in the file (use {key.split('.')[0]}"
            "_password_env or _password_file)",
        )


def _secret(r: _Reader, what: str, env: Mapping[str, str]) -> str | None:
    """The password of the store(s) or the journal, from the variable or file named."""
    env_key, file_key = f"{what}_password_env", f"{what}_password_file"
    variable = r.text(env_key)
    if variable is not None and r.table.get(file_key) is not None:
        raise r.error(file_key, f"give {env_key} or {file_key}, not both")
    if variable is not None:
        value = env.get(variable)
        if value is None:
            raise r.error(env_key, f"names the variable {_q(variable)}, which is not set")
        return value
    if r.table.get(file_key) is None:
        return None
    path = r.path(file_key)
    try:
        return path.read_text(encoding="utf-8").rstrip("\r\n")
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or type(exc).__name__
        raise r.error(file_key, f"{_where(path)} cannot be read ({reason})") from None


def _entries(r: _Reader, key: str) -> list[_Reader]:
    value = r.table.get(key)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(x, dict) for x in value):
        raise r.error(key, f"must be a list of tables ([[profiles.{r.profile}.{key}]])")
    return [_Reader(r.file, r.profile, entry) for entry in value]


def _fcm(r: _Reader) -> tuple[FcmCredential, ...]:
    found: list[FcmCredential] = []
    for i, e in enumerate(_entries(r, "fcm")):
        prefix = f"fcm[{i}]."
        e.check_keys(FCM_KEYS, prefix)
        project = e.text("project_id", required=True, prefix=prefix)
        assert project is not None
        if any(c.project_id == project for c in found):
            raise r.error(prefix + "project_id", f"{_q(project)} is given twice")
        found.append(FcmCredential(project, e.path("credentials", prefix=prefix)))
    return tuple(found)


def _apns(r: _Reader) -> tuple[ApnsKey, ...]:
    found: list[ApnsKey] = []
    for i, e in enumerate(_entries(r, "apns")):
        prefix = f"apns[{i}]."
        e.check_keys(APNS_KEYS, prefix)
        key_id = e.text("key_id", required=True, prefix=prefix)
        team_id = e.text("team_id", required=True, prefix=prefix)
        assert key_id is not None and team_id is not None
        if any(k.key_id == key_id for k in found):
            raise r.error(prefix + "key_id", f"{_q(key_id)} is given twice")
        topics = e.table.get("topics")
        if topics is not None and (
            not isinstance(topics, list)
            or not topics
            or not all(isinstance(t, str) and t.strip() for t in topics)
        ):
            raise r.error(prefix + "topics", "must be a non-empty list of bundle ids")
        found.append(
            ApnsKey(
                e.path("key_file", prefix=prefix),
                key_id,
                team_id,
                tuple(t.strip() for t in topics) if topics is not None else None,
            )
        )
    return tuple(found)
