"""The profile file: named profiles (staging, production, …) side by side, in TOML.

Its keys are a contract (README, "The profile file"): unknown keys are an error, and
every error is one line naming the file, the profile and the key, never a secret (no
password, key id or credential path; a URL is never quoted, it may hold a password). A
password never sits in the file: a URL with one is refused, and the password comes from
the variable or the file the profile names. Credential files are named here and read
when used (or by `inspector profiles check`), never at load time.

The whole file is checked on load, whichever profile is chosen: a mistake in a profile
nobody uses today is found today. Secrets are read for the chosen profile only (a
staging shell need not hold production's password).

Production is only ever reached by naming it: `default` may not be a production profile.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, unquote

from inspector.config import (
    DEMO_PROFILE,
    NUMBERS,
    NUMERIC_KEYS,
    PROFILE_VARIABLES,
    PROVIDER_KEYS,
    PROVIDER_URLS,
    URL_PATTERN,
    ApnsKey,
    ConfigError,
    Environment,
    FcmCredential,
    PushPolicy,
    Settings,
    StoreSpec,
    check_provider_url,
    data_dir,
    operator_for,
    sqlite_url_text,
)
from inspector.safetext import clip, escape, has_unsafe

# A profile's or a store's name: shown in the banner, written in the journal, part of the
# default journal's file name.
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,39}")
NAME_RULE = "1 to 40 letters, digits, '.', '_' or '-', starting with a letter or digit"
# Banner colours: names every terminal shows, or #rrggbb.
COLOURS = frozenset(
    {"red", "yellow", "green", "blue", "magenta", "cyan", "white", "orange", "purple", "grey"}
)
HEX_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")
# Production is red on every screen (safety rule 3): a production profile takes no other.
PRODUCTION_COLOUR = "red"
# An environment variable's name, as a *_password_env key gives it.
VARIABLE = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,127}")
# Query parameters a driver takes a password from: refused like a password in the URL.
PASSWORD_PARAMETERS = frozenset({"password", "passwd", "pwd", "sslpassword"})
LABEL_MAX = 40

TOP_KEYS = frozenset({"default", "profiles"})
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
ENVIRONMENTS = tuple(e.value for e in Environment if e is not Environment.DEMO)


def _where(path: Path) -> str:
    return escape(clip(os.fspath(path), 200))


def _q(value: object) -> str:
    """A value from the file as a message quotes it: clipped, terminal-safe."""
    return repr(escape(clip(str(value), 60)))


def _kind(value: object) -> str:
    names = {bool: "a boolean", int: "a number", float: "a number", str: "a string"}
    names |= {list: "a list", dict: "a table"}
    return names.get(type(value), f"a {type(value).__name__}")


def _suggest(key: str, allowed: frozenset[str]) -> str:
    import difflib  # on a mistake only

    close = difflib.get_close_matches(key, sorted(allowed), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


class _Reader:
    """Reads one table of the file; every error names the file, the profile and the key."""

    def __init__(
        self, path: Path, profile: str | None, table: Mapping[str, Any], prefix: str = ""
    ) -> None:
        self.file = path
        self.profile = profile
        self.table = table
        # The table's place under the profile ("fcm[0]."), so errors name the full key.
        self.prefix = prefix

    def error(self, key: str | None, message: str) -> ConfigError:
        parts = [_where(self.file)]
        if self.profile is not None:
            parts.append(f"profile {_q(self.profile)}")
        if key is not None:
            parts.append(f"key {_q(self.prefix + key)}")
        return ConfigError(f"{': '.join(parts)}: {message}")

    def check_keys(self, allowed: frozenset[str]) -> None:
        for key in self.table:
            if key not in allowed:
                raise self.error(key, f"unknown key{_suggest(key, allowed)}")

    def text(self, key: str, *, required: bool = False) -> str | None:
        value = self.table.get(key)
        if value is None:
            if required:
                raise self.error(key, "is required")
            return None
        if not isinstance(value, str):
            raise self.error(key, f"must be a string, got {_kind(value)}")
        if not value.strip():
            raise self.error(key, "is empty")
        if has_unsafe(value):
            raise self.error(key, "holds a control or invisible character")
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
        if not bound.accepts(value):  # NaN and infinities fail this too
            words = bound.words().removeprefix("a number ")
            raise self.error(key, f"must be {words}, got {value!r}")
        return float(value)

    def path(self, key: str) -> Path:
        """A file the profile names; relative to the profile file, so a file and its keys
        can travel together. Never quoted in a message: it names a credential."""
        text = self.text(key, required=True)
        assert text is not None
        try:
            path = Path(text).expanduser()
        except RuntimeError:  # ~user that does not exist
            raise self.error(key, "names a home directory that does not exist") from None
        return path if path.is_absolute() else self.file.parent / path


@dataclass(frozen=True)
class ProfileSummary:
    """What `profiles list` and the switcher show of a profile: never a secret."""

    name: str
    environment: Environment
    label: str
    colour: str
    stores: tuple[tuple[str, str], ...]  # (name, host/database); name "" for one store
    journal: str
    push_policy: PushPolicy
    # The Firebase projects with a service account (None: the one the file names).
    fcm_projects: tuple[str | None, ...]
    # The topics served by an APNs key; None when some key serves every topic.
    apns_topics: tuple[str, ...] | None
    apns_keys: int
    is_default: bool

    @classmethod
    def of(cls, settings: Settings, *, is_default: bool) -> ProfileSummary:
        every = any(k.topics is None for k in settings.apns)
        return cls(
            name=settings.profile,
            environment=settings.environment,
            label=settings.display_name,
            colour=settings.banner_colour,
            stores=tuple((s.name, s.label) for s in settings.stores),
            journal=settings.journal_label,
            push_policy=settings.push_policy,
            fcm_projects=tuple(c.project_id for c in settings.fcm),
            apns_topics=None
            if every
            else tuple(dict.fromkeys(t for k in settings.apns for t in k.topics or ())),
            apns_keys=len(settings.apns),
            is_default=is_default,
        )


class ProfileFile:
    """The parsed file: each profile's raw table, all checked on load; a profile's
    settings are built when it is chosen (its secrets are read then, and only its)."""

    def __init__(self, path: Path, default: str | None, tables: dict[str, dict[str, Any]]):
        self.path = path
        self.default = default
        self._tables = tables

    @classmethod
    def load(cls, path: Path) -> ProfileFile:
        # Imported here: without a profile file no command pays for the parser.
        import tomllib

        try:
            raw = path.read_bytes()
        except OSError as exc:
            reason = exc.strerror or type(exc).__name__
            raise ConfigError(f"{_where(path)}: cannot be read ({reason})") from None
        try:
            document = tomllib.loads(raw.decode("utf-8"))
        except UnicodeDecodeError:
            raise ConfigError(f"{_where(path)}: not valid TOML: not UTF-8 text") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(_toml_error(path, raw, exc)) from None
        top = _Reader(path, None, document)
        top.check_keys(TOP_KEYS)
        profiles = document.get("profiles")
        if not isinstance(profiles, dict) or not profiles:
            raise top.error("profiles", "at least one [profiles.NAME] table is required")
        seen: dict[str, str] = {}
        for name, table in profiles.items():
            if not NAME.fullmatch(name):
                raise top.error(f"profiles.{name}", f"a profile name is {NAME_RULE}")
            if name.lower() == DEMO_PROFILE:
                raise top.error(
                    f"profiles.{name}", "'demo' names the built-in demo store: choose another name"
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
        built = {name: loaded._build(name, {}, [], read_secrets=False) for name in profiles}
        if default is not None:
            if default not in profiles:
                raise top.error(
                    "default", f"names no profile: {_q(default)} (profiles: {loaded._listed()})"
                )
            if built[default].environment is Environment.PRODUCTION:
                raise top.error(
                    "default",
                    f"{_q(default)} is a production profile: production is only reached by"
                    " naming it (--profile or INSPECTOR_PROFILE)",
                )
        loaded._summaries = {
            name: ProfileSummary.of(s, is_default=name == default) for name, s in built.items()
        }
        return loaded

    _summaries: dict[str, ProfileSummary]

    def names(self) -> tuple[str, ...]:
        return tuple(self._tables)

    def _listed(self) -> str:
        return ", ".join(escape(n) for n in self.names())

    def summary(self, name: str) -> ProfileSummary:
        return self._summaries[name]

    def summaries(self) -> tuple[ProfileSummary, ...]:
        return tuple(self._summaries[name] for name in self._tables)

    def resolve(self, name: str | None, *, named_by: str = "--profile") -> str:
        """The profile `name` names (None: the file's default), or ConfigError."""
        if name is None:
            if self.default is None:
                raise ConfigError(
                    f"{_where(self.path)}: no profile chosen and the file names no default:"
                    f" name one with --profile or INSPECTOR_PROFILE ({self._listed()})"
                )
            return self.default
        if name not in self._tables:
            raise ConfigError(
                f"{_where(self.path)}: profile {_q(name)} (named by {named_by}): no such"
                f" profile (profiles: {self._listed()})"
            )
        return name

    def settings(
        self,
        name: str | None,
        env: Mapping[str, str],
        warnings: list[str] | None = None,
        *,
        named_by: str = "--profile",
    ) -> Settings:
        """The settings of profile `name` (None: the file's default), its secrets read
        from `env` or the files it names."""
        warnings = [] if warnings is None else warnings
        name = self.resolve(name, named_by=named_by)
        ignored = [v for v in PROFILE_VARIABLES if env.get(v, "").strip()]
        if ignored:
            warnings.append(
                f"{', '.join(ignored)} ignored: profile {escape(name)} of"
                f" {_where(self.path)} decides"
            )
        return self._build(name, env, warnings, read_secrets=True)

    def _build(
        self, name: str, env: Mapping[str, str], warnings: list[str], *, read_secrets: bool
    ) -> Settings:
        r = _Reader(self.path, name, self._tables[name])
        r.check_keys(PROFILE_KEYS)
        environment = Environment(r.choice("environment", ENVIRONMENTS, required=True) or "")
        stores = _stores(r, env, read_secrets)
        journal = r.text("journal")
        journal_setting = f"profile {name} journal"
        if journal is not None:
            journal = _checked_url(r, "journal", journal)
            journal_password = _secret(r, "journal", env, read_secrets)
        else:
            for key in ("journal_password_env", "journal_password_file"):
                if key in r.table:
                    raise r.error(key, "needs a `journal` URL (the default journal is a file)")
            journal = sqlite_url_text(data_dir() / f"journal-{name}.db")
            journal_password = None
        policy = r.choice("push_policy", tuple(p.value for p in PushPolicy))
        label = r.text("label")
        if label is not None and len(label) > LABEL_MAX:
            raise r.error("label", f"is at most {LABEL_MAX} characters")
        colour = _colour(r, environment)
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
            journal_setting=journal_setting,
            # Who is acting is a person's, not the file's: decided when the profile is
            # chosen (the check of every profile on load names nobody).
            operator=operator_for(environment, env, profile=name) if read_secrets else "",
            # Unsaid, a profile may send to the test devices only (as production does).
            push_policy=PushPolicy(policy) if policy else PushPolicy.TEST_DEVICES,
            profile=name,
            label=label,
            colour=colour,
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
            proof_approvals=int(num("proof_approvals")),
            proof_cap=int(num("proof_cap")),
            approval_lifetime_min=num("approval_lifetime"),
            journal_hash_key=(env.get("INSPECTOR_JOURNAL_HASH_KEY", "").strip() or None)
            if read_secrets
            else None,
            warnings=tuple(warnings),
        )


_DUPLICATE_TABLE = re.compile(r"Cannot declare \((?P<key>.*)\) twice \(at line (?P<line>\d+)")
_AT_LINE = re.compile(r"\(at line (?P<line>\d+)")
_HEADER = re.compile(r"\s*\[\[?\s*profiles\s*\.\s*(?P<name>[A-Za-z0-9_.-]+?)\s*[.\]]")
_KEY = re.compile(r"\s*(?P<key>[A-Za-z0-9_-]+)\s*=")


def _toml_error(path: Path, raw: bytes, exc: Exception) -> str:
    """tomllib's error as one line naming the file and, where the line says, the profile
    and the key. Its message names a line and a column and quotes a character at most,
    never a value."""
    message = escape(str(exc).splitlines()[0] if str(exc) else "malformed")
    dup = _DUPLICATE_TABLE.match(str(exc))
    if dup is not None:
        keys = re.findall(r"'([^']*)'", dup["key"])
        if len(keys) >= 2 and keys[0] == "profiles":
            what = f"profile {_q(keys[1])}"
            if len(keys) > 2:
                what += f": key {_q('.'.join(keys[2:]))}"
            return (
                f"{_where(path)}: {what}: declared twice (line {dup['line']}): a profile (and"
                " each of its tables) is one [profiles.NAME] table"
            )
    at = _AT_LINE.search(str(exc))
    context = ""
    if at is not None:
        lines = raw.decode("utf-8", "replace").splitlines()
        number = int(at["line"])
        profile = None
        for line in lines[: number - 1]:
            header = _HEADER.match(line)
            if header is not None:
                profile = header["name"]
            elif line.lstrip().startswith("["):
                profile = None
        if profile is not None:
            context += f": profile {_q(profile)}"
        key = _KEY.match(lines[number - 1]) if 0 < number <= len(lines) else None
        if key is not None:
            context += f": key {_q(key['key'])}"
    return f"{_where(path)}{context}: not valid TOML: {message}"


def _colour(r: _Reader, environment: Environment) -> str | None:
    colour = r.text("colour")
    if colour is None:
        return None
    if HEX_COLOUR.fullmatch(colour) or colour.lower() in COLOURS:
        colour = colour.lower()
    else:
        raise r.error(
            "colour", f"must be #rrggbb or one of {', '.join(sorted(COLOURS))}, got {_q(colour)}"
        )
    if environment is Environment.PRODUCTION and colour not in (PRODUCTION_COLOUR, "#ff0000"):
        raise r.error("colour", "a production profile is always red (leave colour out)")
    return colour


def _checked_url(r: _Reader, key: str, url: str) -> str:
    """The URL once it parses and holds no password; a relative SQLite path is made
    relative to the profile file. The URL is never quoted: it may hold a password."""
    m = URL_PATTERN.match(url)
    if m is None:
        raise r.error(key, "is not a database URL (dialect+driver://user@host/database)")
    owner = "journal" if key == "journal" else "store"
    advice = f"name {owner}_password_env or {owner}_password_file instead"
    if m["password"]:
        raise r.error(key, f"holds a password: a password never sits in the file ({advice})")
    query = m["query"] or ""
    if any(k.lower() in PASSWORD_PARAMETERS for k, _ in parse_qsl(query, keep_blank_values=True)):
        raise r.error(
            key, f"holds a password parameter: a password never sits in the file ({advice})"
        )
    database = m["database"] or ""
    relative = database not in ("", ":memory:") and not database.startswith(("/", "file:"))
    if m["name"].split("+")[0] == "sqlite" and relative:
        absolute = quote(str(r.file.parent.resolve() / unquote(database)), safe="/")
        url = f"{url[: m.start('database')]}{absolute}{url[m.end('database') :]}"
    return url


def _secret(r: _Reader, owner: str, env: Mapping[str, str], read: bool) -> str | None:
    """The password of the store(s) or the journal, from the variable or the file named
    (read only when `read`: the keys are checked either way); None when neither is named
    (a server may take no password, or libpq's .pgpass)."""
    env_key, file_key = f"{owner}_password_env", f"{owner}_password_file"
    variable = r.text(env_key)
    if variable is not None and file_key in r.table:
        raise r.error(file_key, f"give {env_key} or {file_key}, not both")
    if variable is not None and not VARIABLE.fullmatch(variable):
        raise r.error(env_key, f"must name an environment variable, got {_q(variable)}")
    path = r.path(file_key) if file_key in r.table else None
    if not read:
        return None
    if variable is not None:
        value = env.get(variable)
        if value is None or value == "":
            raise r.error(env_key, f"names the variable {variable}, which is not set")
        return value
    if path is None:
        return None
    try:
        value = path.read_text(encoding="utf-8").rstrip("\r\n")
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or type(exc).__name__
        raise r.error(file_key, f"the file it names cannot be read ({reason})") from None
    if not value or "\n" in value:
        raise r.error(file_key, "the file it names must hold the password on one line")
    return value


def _stores(r: _Reader, env: Mapping[str, str], read_secrets: bool) -> tuple[StoreSpec, ...]:
    single, several = r.table.get("store"), r.table.get("stores")
    if single is not None and several is not None:
        raise r.error("stores", "give `store` (one store) or `stores` (several), not both")
    if single is None and several is None:
        raise r.error("store", "is required (or `stores`, a table of named stores)")
    if several is None:
        url = _checked_url(r, "store", r.text("store", required=True) or "")
        password = _secret(r, "store", env, read_secrets)
        return (StoreSpec("", url, password, setting=f"profile {r.profile} store"),)
    if not isinstance(several, dict) or not several:
        raise r.error("stores", 'must be a table of store names to URLs, e.g. eu = "…"')
    inner = _Reader(r.file, r.profile, several, "stores.")
    urls = []
    for store_name in several:
        if not NAME.fullmatch(store_name):
            raise inner.error(store_name, f"a store name is {NAME_RULE}")
        urls.append((store_name, _checked_url(inner, store_name, inner.text(store_name) or "")))
    password = _secret(r, "store", env, read_secrets)
    return tuple(
        StoreSpec(n, url, password, setting=f"profile {r.profile} stores.{n}") for n, url in urls
    )


def _entries(r: _Reader, key: str, allowed: frozenset[str]) -> list[_Reader]:
    value = r.table.get(key)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(x, dict) for x in value):
        raise r.error(key, f"must be a list of tables ([[profiles.{r.profile}.{key}]])")
    entries = [_Reader(r.file, r.profile, e, f"{key}[{i}].") for i, e in enumerate(value)]
    for entry in entries:
        entry.check_keys(allowed)
    return entries


def _fcm(r: _Reader) -> tuple[FcmCredential, ...]:
    found: list[FcmCredential] = []
    for e in _entries(r, "fcm", FCM_KEYS):
        project = e.text("project_id", required=True)
        assert project is not None
        if any(c.project_id == project for c in found):
            raise e.error("project_id", f"{_q(project)} has a service account already")
        found.append(FcmCredential(project, e.path("credentials")))
    return tuple(found)


def _apns(r: _Reader) -> tuple[ApnsKey, ...]:
    found: list[ApnsKey] = []
    for e in _entries(r, "apns", APNS_KEYS):
        key_id = e.text("key_id", required=True)
        team_id = e.text("team_id", required=True)
        assert key_id is not None and team_id is not None
        if any(k.key_id == key_id for k in found):
            # The key id is not quoted: it is a secret on screen.
            raise e.error("key_id", "the same key id is given in an earlier [[apns]] entry")
        topics = e.table.get("topics")
        if topics is not None:
            if not isinstance(topics, list) or not topics:
                raise e.error(
                    "topics", "must be a non-empty list of bundle ids (leave it out: every topic)"
                )
            for topic in topics:
                if not isinstance(topic, str) or not topic.strip() or has_unsafe(topic):
                    raise e.error("topics", f"must be bundle ids, got {_q(topic)}")
        found.append(
            ApnsKey(
                e.path("key_file"),
                key_id,
                team_id,
                tuple(dict.fromkeys(t.strip() for t in topics)) if topics is not None else None,
            )
        )
    return tuple(found)
