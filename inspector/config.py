"""Settings from the process environment and `.env` (the process wins).

Some settings decide where a push goes and who may receive one: the push policy and the
provider URLs. They are taken from the process environment only; a `.env` that sets them
is ignored with a warning, so a file left in a working directory cannot widen the policy
or send the OAuth bearer token to another host.
"""

from __future__ import annotations

import math
import os
import re
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple
from urllib.parse import quote, unquote, urlsplit

from inspector.dburl import is_loopback_host
from inspector.safetext import clip, escape

if TYPE_CHECKING:
    # SQLAlchemy takes longer to import than the UI takes to draw: URL objects are made
    # on first use, so loading settings (and starting the UI) never imports it.
    from sqlalchemy.engine import URL


class ConfigError(Exception):
    """A setting is missing or malformed; the message names the setting, never a secret."""


class OperatorIdentityError(ConfigError):
    """The operator cannot be who the variables say (production: the OS account only)."""


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
    # Test devices directly; any other installation through a request a second
    # operator approved (inspector.signoff.approvals).
    APPROVAL = "approval"


# The banner colour of each environment when a profile names none: red for production.
DEFAULT_COLOURS = {
    Environment.PRODUCTION: "red",
    Environment.STAGING: "yellow",
    Environment.DEVELOPMENT: "green",
    Environment.DEMO: "blue",
}


def data_dir() -> Path:
    """Where the demo store and the default journal live (XDG_DATA_HOME is honoured)."""
    # Imported here: a command with its store and journal configured never needs it.
    import platformdirs

    return Path(platformdirs.user_data_dir("inspector", appauthor=False))


def demo_store_path() -> Path:
    return data_dir() / "demo-store.db"


# The grammar of SQLAlchemy's make_url (sqlalchemy.engine.url._parse_url), so a URL is
# checked and described without importing SQLAlchemy; tests hold the two in step.
URL_PATTERN = re.compile(
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
    m = URL_PATTERN.match(text)
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
    banner and messages show, terminal-safe (a database name may hold `%1b`)."""
    if isinstance(url, str):
        parts = url_parts(url.strip())
    else:
        parts = UrlParts(url.get_backend_name(), url.host, url.port, url.database)
    if parts.backend == "sqlite":
        return escape(f"sqlite:{parts.database or ':memory:'}")
    host = parts.host or "localhost"
    if parts.port:
        host = f"{host}:{parts.port}"
    return escape(f"{host}/{parts.database or ''}")


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


class Bound(NamedTuple):
    """The accepted range of a numeric setting, what its unit is called, and whether it
    counts things (a whole number)."""

    default: float
    low: float
    high: float
    unit: str = "seconds"
    whole: bool = False

    def words(self) -> str:
        """ "a number from 1 to 10 approvals", as a message says what is accepted."""
        kind = "a whole number" if self.whole else "a number"
        return f"{kind} from {self.low:g} to {self.high:g} {self.unit}"

    def accepts(self, value: float) -> bool:
        """Finite, within the range, and whole where it counts things."""
        if not math.isfinite(value) or not self.low <= value <= self.high:
            return False
        return not self.whole or float(value).is_integer()


# Every numeric setting and its range. 0 is accepted only where it means "off", and it
# means the same on every dialect: the statement timeout has no "off".
NUMBERS: dict[str, Bound] = {
    "INSPECTOR_STATEMENT_TIMEOUT": Bound(5.0, 0.1, 3600.0),
    "INSPECTOR_PUSH_CONNECT_TIMEOUT": Bound(3.0, 0.1, 60.0),
    "INSPECTOR_PUSH_READ_TIMEOUT": Bound(5.0, 0.1, 300.0),
    "INSPECTOR_PUSH_MAX_PER_MINUTE": Bound(10.0, 0.0, 10_000.0, "sends (0: no limit)"),
    "INSPECTOR_PUSH_DEVICE_COOLDOWN": Bound(10.0, 0.0, 86_400.0, "seconds (0: none)"),
    # Proofs to the test devices: distinct approvals a proof needs, devices it reaches.
    "INSPECTOR_PROOF_APPROVALS": Bound(2, 1, 10, "approvals", whole=True),
    "INSPECTOR_PROOF_CAP": Bound(20, 1, 100, "devices", whole=True),
    # How long a one-off send's approval may wait to be used (policy `approval`): long
    # enough for a colleague to look, short enough that the token is still the one seen.
    "INSPECTOR_APPROVAL_LIFETIME": Bound(30, 1, 1440, "minutes"),
}


def shown(raw: str, limit: int = 60) -> str:
    """A configured value as it may appear in a message: clipped and terminal-safe."""
    return repr(escape(clip(raw.strip(), limit)))


def number(env: Mapping[str, str], name: str) -> float:
    """A numeric setting: finite and within its range, or one line naming the variable."""
    bound = NUMBERS[name]
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return bound.default
    try:
        value = float(raw.strip().replace("_", ""))
    except ValueError:
        value = math.nan
    if not bound.accepts(value):
        raise ConfigError(f"{name} must be {bound.words()}, got {shown(raw)}")
    return value


# Provider URLs the inspector talks to with credentials: https, or plain http to this
# machine only (the local fakes in tests and demos).
PROVIDER_URLS = {
    "INSPECTOR_FCM_URL": "https://fcm.googleapis.com",
    "INSPECTOR_APNS_URL_PRODUCTION": "https://api.push.apple.com",
    "INSPECTOR_APNS_URL_SANDBOX": "https://api.sandbox.push.apple.com",
}
# Never taken from `.env` (see the module docstring).
# The profile file and the profile are chosen by the process too: a `.env` left in a
# working directory must not switch a shell to production.
PROCESS_ONLY = frozenset(
    {"INSPECTOR_PUSH_POLICY", "INSPECTOR_PROFILE", "INSPECTOR_CONFIG", *PROVIDER_URLS}
)


def check_provider_url(url: str, setting: str) -> str:
    """The URL without a trailing slash once it is https, or http to a loopback address."""
    text = url.strip()
    try:
        parts = urlsplit(text)
        host = parts.hostname
        parts.port  # noqa: B018 - a malformed port raises here
    except ValueError:
        host = None
        parts = urlsplit("")
    scheme = parts.scheme.lower()
    if host and (scheme == "https" or (scheme == "http" and is_loopback_host(host))):
        return text.rstrip("/")
    # Name scheme and host only: a URL may carry a user or a query nobody should see.
    where = f"{scheme}://{host}" if scheme and host else text
    raise ConfigError(
        f"{setting} must be an https:// URL (plain http only to a loopback address such as"
        f" 127.0.0.1), got {shown(where)}"
    )


@dataclass(frozen=True)
class StoreSpec:
    """One installation store of a profile. `name` is "" when the profile has one store;
    with several (regional stores) each has its name, shown beside its results."""

    name: str
    # The URL as configured (never with a password: the password comes apart).
    url_text: str = field(repr=False)
    password: str | None = field(default=None, repr=False)
    setting: str = "INSPECTOR_STORE_URL"

    @cached_property
    def url(self) -> URL:
        """Parsed on first use (this imports SQLAlchemy), with the password put in."""
        url = parse_url(self.url_text, self.setting)
        return url.set(password=self.password) if self.password is not None else url

    @property
    def label(self) -> str:
        return describe_url(self.url_text)


@dataclass(frozen=True)
class FcmCredential:
    """A service account for one Firebase project. `project_id` None (the implicit profile
    of INSPECTOR_FCM_CREDENTIALS): the project named in the file."""

    project_id: str | None
    credentials: Path = field(repr=False)


@dataclass(frozen=True)
class ApnsKey:
    """A .p8 key with the topics (bundle ids) it serves; `topics` None: every topic."""

    key_file: Path = field(repr=False)
    key_id: str = field(repr=False)
    team_id: str
    topics: tuple[str, ...] | None = None

    def serves(self, topic: str) -> bool:
        return self.topics is None or topic in self.topics


@dataclass(frozen=True)
class Settings:
    """One profile: where its store(s) and journal are, how it may push, with what."""

    stores: tuple[StoreSpec, ...]
    environment: Environment
    journal_url_text: str = field(repr=False)
    operator: str
    push_policy: PushPolicy
    is_demo: bool = False
    # The profile's name ("default" without a profile file, "demo" for the demo store),
    # its banner label and colour, and the file it came from.
    profile: str = "default"
    label: str | None = None
    colour: str | None = None
    config_path: Path | None = None
    journal_password: str | None = field(default=None, repr=False)
    # What configured the journal's URL, as messages name it.
    journal_setting: str = "INSPECTOR_JOURNAL_URL"
    statement_timeout_s: float = 5.0
    fcm: tuple[FcmCredential, ...] = ()
    fcm_url: str = "https://fcm.googleapis.com"
    apns: tuple[ApnsKey, ...] = ()
    apns_url_production: str = "https://api.push.apple.com"
    apns_url_sandbox: str = "https://api.sandbox.push.apple.com"
    push_connect_timeout_s: float = 3.0
    push_read_timeout_s: float = 5.0
    push_max_per_minute: float = 10.0
    push_device_cooldown_s: float = 10.0
    # Proofs and one-off approvals (inspector.signoff).
    proof_approvals: int = 2
    proof_cap: int = 20
    approval_lifetime_min: float = 30.0
    # Key for the keyed hash of looked-up identifiers in the journal.
    journal_hash_key: str | None = field(default=None, repr=False)
    # Said once at start: settings that were ignored, and why.
    warnings: tuple[str, ...] = ()

    @property
    def store(self) -> StoreSpec:
        """The profile's one store; a profile with several has no single store."""
        if len(self.stores) != 1:
            raise ConfigError(f"profile {self.profile!r} has several stores")
        return self.stores[0]

    @property
    def store_url_text(self) -> str:
        return self.store.url_text

    @property
    def store_url(self) -> URL:
        return self.store.url

    @property
    def regional(self) -> bool:
        """Several named stores: lookups fan out and results carry the store's name."""
        return len(self.stores) > 1

    @cached_property
    def journal_url(self) -> URL:
        url = parse_url(self.journal_url_text, self.journal_setting)
        return url.set(password=self.journal_password) if self.journal_password else url

    @property
    def store_label(self) -> str:
        """host/database of the store, or `eu: host/db, us: host/db` for several."""
        if not self.regional:
            return self.stores[0].label
        return ", ".join(f"{s.name}: {s.label}" for s in self.stores)

    @property
    def approval_lifetime(self) -> timedelta:
        return timedelta(minutes=self.approval_lifetime_min)

    @property
    def journal_label(self) -> str:
        return describe_url(self.journal_url_text)

    @property
    def banner_colour(self) -> str:
        return self.colour or DEFAULT_COLOURS[self.environment]

    @property
    def display_name(self) -> str:
        """What the banner and every confirm screen call the profile."""
        return self.label or self.profile

    def secrets(self) -> tuple[str, ...]:
        """Every secret this profile holds, for scrubbing text before it is shown or kept."""
        found = [s.password for s in self.stores]
        found += [self.journal_password, self.journal_hash_key]
        found += [u.password for u in (*(s.url for s in self.stores), self.journal_url)]
        # Key ids and the paths of key files are not shown either.
        found += [k.key_id for k in self.apns] + [str(k.key_file) for k in self.apns]
        found += [str(c.credentials) for c in self.fcm]
        return tuple(x for x in found if x)


def load_env(
    dotenv_path: str | os.PathLike[str] | None = ".env", warnings: list[str] | None = None
) -> dict[str, str]:
    """The process environment over the values of `.env`. The keys in PROCESS_ONLY are
    dropped from `.env`, each with a warning appended to `warnings`."""
    merged: dict[str, str] = {}
    if dotenv_path is not None and Path(dotenv_path).is_file():
        from dotenv import dotenv_values  # only when there is a `.env` to read

        for key, value in dotenv_values(dotenv_path).items():
            if value is None:
                continue
            if key in PROCESS_ONLY:
                if warnings is not None:
                    warnings.append(
                        f"{key} in {escape(os.fspath(dotenv_path))} is ignored: it is taken"
                        " from the process environment only"
                    )
                continue
            merged[key] = value
    merged.update(os.environ)
    return merged


# Variables a profile decides: beside a profile file (or with `--profile demo`) they are
# ignored, each named in a warning, so a shell left pointing at one store cannot mix
# its URL into another profile.
PROVIDER_KEYS = {
    "fcm_url": "INSPECTOR_FCM_URL",
    "apns_url_production": "INSPECTOR_APNS_URL_PRODUCTION",
    "apns_url_sandbox": "INSPECTOR_APNS_URL_SANDBOX",
}
NUMERIC_KEYS = {
    "statement_timeout": "INSPECTOR_STATEMENT_TIMEOUT",
    "push_connect_timeout": "INSPECTOR_PUSH_CONNECT_TIMEOUT",
    "push_read_timeout": "INSPECTOR_PUSH_READ_TIMEOUT",
    "push_max_per_minute": "INSPECTOR_PUSH_MAX_PER_MINUTE",
    "push_device_cooldown": "INSPECTOR_PUSH_DEVICE_COOLDOWN",
    "proof_approvals": "INSPECTOR_PROOF_APPROVALS",
    "proof_cap": "INSPECTOR_PROOF_CAP",
    "approval_lifetime": "INSPECTOR_APPROVAL_LIFETIME",
}
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
# The name of the built-in demo store's profile: `--profile demo` opens it with or
# without a profile file, and no profile of a file may take the name.
DEMO_PROFILE = "demo"
# The name of the one profile the variables make when there is no profile file.
IMPLICIT_PROFILE = "default"


def user_config_path() -> Path | None:
    """`inspector/config.toml` in the user config directory (platformdirs' rule). On Linux
    the rule is computed here: importing platformdirs would cost every command's cold
    start more than the lookup itself (tests hold the two in step)."""
    if sys.platform.startswith("linux"):
        xdg = os.environ.get("XDG_CONFIG_HOME", "")
        base = xdg if os.path.isabs(xdg) else os.path.expanduser("~/.config")
        if not os.path.isabs(base):  # no usable home directory: no user config
            return None
        return Path(base) / "inspector" / "config.toml"
    import platformdirs

    try:
        base = platformdirs.user_config_dir("inspector", appauthor=False)
    except RuntimeError:  # no home directory to find it in
        return None
    return Path(base) / "config.toml"


def find_profile_file(
    explicit: str | os.PathLike[str] | None, env: Mapping[str, str]
) -> Path | None:
    """`--config`, else INSPECTOR_CONFIG (each must name a file), else ./inspector.toml,
    else the user config directory's inspector/config.toml, else None (no profile file:
    the variables make the implicit profile)."""
    named = explicit if explicit is not None else (env.get("INSPECTOR_CONFIG", "").strip() or None)
    if named is not None:
        what = "--config" if explicit is not None else "INSPECTOR_CONFIG"
        text = os.fspath(named)
        if not text.strip():
            raise ConfigError(f"{what} names no file (it is empty)")
        path = Path(text).expanduser()
        if not path.is_file():
            why = "is a directory" if path.is_dir() else "no such file"
            raise ConfigError(f"{shown(text, 200)}: {why} (named by {what})")
        return path
    for candidate in (Path("inspector.toml"), user_config_path()):
        if candidate is not None and candidate.is_file():
            return candidate
    return None


def load_settings(
    env: Mapping[str, str] | None = None,
    *,
    profile: str | None = None,
    config: str | os.PathLike[str] | None = None,
) -> Settings:
    """The settings of one profile: `profile` (else INSPECTOR_PROFILE, else the file's
    `default`) of the profile file (`config`, else INSPECTOR_CONFIG, else ./inspector.toml,
    else the user config directory). Without a file, the variables make one implicit
    profile; `demo` is always the built-in demo store. ConfigError, one line naming file,
    profile and key, when anything is wrong. The whole file is checked whichever profile
    is chosen: a mistake anywhere in it stops every command."""
    warnings: list[str] = []
    env = load_env(warnings=warnings) if env is None else env
    path = find_profile_file(config, env)
    named_by = "--profile" if profile is not None else "INSPECTOR_PROFILE"
    name = profile if profile is not None else env.get("INSPECTOR_PROFILE")
    name = name.strip() if name is not None else None
    if name == "":
        if profile is not None:
            raise ConfigError("--profile names no profile (it is empty)")
        name = None
    if path is not None:
        from inspector.profiles import ProfileFile

        profiles = ProfileFile.load(path)
        if name == DEMO_PROFILE:
            return demo_settings(env, warnings)
        return profiles.settings(name, env, warnings, named_by=named_by)
    if name == DEMO_PROFILE:
        return demo_settings(env, warnings)
    if name is not None and name != IMPLICIT_PROFILE:
        raise ConfigError(
            f"no profile file to find profile {shown(name)} in ({named_by}; looked for"
            " --config, INSPECTOR_CONFIG, ./inspector.toml and the user config directory)"
        )
    return implicit_settings(env, warnings)


def demo_settings(env: Mapping[str, str], warnings: list[str]) -> Settings:
    """The built-in demo store, whatever the variables say of stores and policies."""
    ignored = [v for v in PROFILE_VARIABLES if env.get(v, "").strip()]
    if ignored:
        warnings.append(f"{', '.join(ignored)} ignored: profile demo is the built-in demo store")
    return implicit_settings({k: v for k, v in env.items() if k not in PROFILE_VARIABLES}, warnings)


def implicit_settings(env: Mapping[str, str], warnings: list[str]) -> Settings:
    """The one profile the variables make when there is no profile file."""
    raw_store = env.get("INSPECTOR_STORE_URL", "").strip()
    is_demo = raw_store == ""
    raw_environment = env.get("INSPECTOR_ENVIRONMENT", "").strip()
    if is_demo:
        # The demo store is the demo whatever the variable says.
        store_url = sqlite_url_text(demo_store_path())
        environment = Environment.DEMO
        if raw_environment and raw_environment.lower() != Environment.DEMO:
            warnings.append(
                f"INSPECTOR_ENVIRONMENT={shown(raw_environment)} ignored: without"
                " INSPECTOR_STORE_URL this is the demo store"
            )
    else:
        store_url = check_url(raw_store, "INSPECTOR_STORE_URL")
        environment = Environment.parse(raw_environment)
        if environment is Environment.DEMO:
            # `demo` names the built-in demo store only: a real store called demo would
            # get the demo's blue banner and its `any` policy. Unknown means production.
            environment = Environment.PRODUCTION
            warnings.append(
                "INSPECTOR_ENVIRONMENT=demo names the built-in demo store only: this store"
                " (INSPECTOR_STORE_URL) is treated as production"
            )

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
                f"INSPECTOR_PUSH_POLICY must be one of {choices}, got {shown(raw_policy)}"
            ) from None
    else:
        policy = PushPolicy.ANY if environment is Environment.DEMO else PushPolicy.TEST_DEVICES

    def path(name: str) -> Path | None:
        value = env.get(name, "").strip()
        return Path(value).expanduser() if value else None

    def text(name: str) -> str | None:
        value = env.get(name, "").strip()
        return value or None

    def provider_url(name: str) -> str:
        return check_provider_url(text(name) or PROVIDER_URLS[name], name)

    fcm_path = path("INSPECTOR_FCM_CREDENTIALS")
    return Settings(
        stores=(StoreSpec("", store_url),),
        environment=environment,
        journal_url_text=journal_url,
        operator=operator_for(environment, env),
        push_policy=policy,
        is_demo=is_demo,
        profile=DEMO_PROFILE if is_demo else IMPLICIT_PROFILE,
        statement_timeout_s=number(env, "INSPECTOR_STATEMENT_TIMEOUT"),
        fcm=(FcmCredential(None, fcm_path),) if fcm_path else (),
        fcm_url=provider_url("INSPECTOR_FCM_URL"),
        apns=_implicit_apns(path("INSPECTOR_APNS_KEY_FILE"), text),
        apns_url_production=provider_url("INSPECTOR_APNS_URL_PRODUCTION"),
        apns_url_sandbox=provider_url("INSPECTOR_APNS_URL_SANDBOX"),
        push_connect_timeout_s=number(env, "INSPECTOR_PUSH_CONNECT_TIMEOUT"),
        push_read_timeout_s=number(env, "INSPECTOR_PUSH_READ_TIMEOUT"),
        push_max_per_minute=number(env, "INSPECTOR_PUSH_MAX_PER_MINUTE"),
        push_device_cooldown_s=number(env, "INSPECTOR_PUSH_DEVICE_COOLDOWN"),
        proof_approvals=int(number(env, "INSPECTOR_PROOF_APPROVALS")),
        proof_cap=int(number(env, "INSPECTOR_PROOF_CAP")),
        approval_lifetime_min=number(env, "INSPECTOR_APPROVAL_LIFETIME"),
        journal_hash_key=text("INSPECTOR_JOURNAL_HASH_KEY"),
        warnings=tuple(warnings),
    )


def _implicit_apns(key_file: Path | None, text: Callable[[str], str | None]) -> tuple[ApnsKey, ...]:
    """The one APNs key of the variables (serving every topic): all three, or none."""
    key_id, team_id = text("INSPECTOR_APNS_KEY_ID"), text("INSPECTOR_APNS_TEAM_ID")
    given = {
        "INSPECTOR_APNS_KEY_FILE": key_file,
        "INSPECTOR_APNS_KEY_ID": key_id,
        "INSPECTOR_APNS_TEAM_ID": team_id,
    }
    missing = [name for name, value in given.items() if not value]
    if len(missing) == len(given):
        return ()
    if missing:
        raise ConfigError(f"APNs needs {', '.join(missing)} as well")
    assert key_file and key_id and team_id
    return (ApnsKey(key_file, key_id, team_id),)


# -- who is acting ----------------------------------------------------------------------

OPERATOR_VARIABLE = "INSPECTOR_OPERATOR"


def os_account() -> str | None:
    """The name of the account the process runs as, from its uid (never LOGNAME or USER,
    which anyone sets), or None when it cannot be told (a uid with no passwd entry)."""
    try:
        import pwd
    except ImportError:  # Windows: the login name is all there is
        import getpass

        try:
            return getpass.getuser() or None
        except (KeyError, OSError):
            return None
    try:
        return pwd.getpwuid(os.getuid()).pw_name or None
    except (KeyError, OSError):
        return None


def operator_for(
    environment: Environment,
    env: Mapping[str, str],
    *,
    profile: str = "",
    authenticated: str | None = None,
    account: Callable[[], str | None] = os_account,
) -> str:
    """Who is acting in a profile of this environment: the identity two-person rules
    (proof sign-offs, approvals) compare.

    Production: the signed-in user when the caller authenticated one (the browser mode),
    else the OS account; INSPECTOR_OPERATOR naming anyone else is an error
    (OperatorIdentityError, a ConfigError: one line, exit 2). Elsewhere the variable may
    label the operator, else the OS account."""
    claimed = (env.get(OPERATOR_VARIABLE) or "").strip()
    if environment is not Environment.PRODUCTION:
        return authenticated or claimed or account() or "unknown"
    where = f"profile {shown(profile)}" if profile else "a production profile"
    actual = authenticated or account()
    if not actual:
        raise OperatorIdentityError(
            f"in {where} the operator is the operating-system account, and it cannot be"
            " told (no account for this uid): two-person rules need to know who is acting"
        )
    if claimed and claimed != actual:
        who = "signed-in user" if authenticated else "operating-system account"
        raise OperatorIdentityError(
            f"in {where} the operator is the {who} {shown(actual)};"
            f" {OPERATOR_VARIABLE}={shown(claimed)} cannot change it (unset it)"
        )
    return actual
