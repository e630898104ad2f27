"""The profile file: its keys as the contract names them, every mistake one line naming
file, profile and key (never a secret), how a profile is chosen, and the implicit
profile of the variables when there is no file."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from inspector.config import (
    ConfigError,
    Environment,
    PushPolicy,
    find_profile_file,
    load_env,
    load_settings,
    user_config_path,
)
from inspector.profiles import ProfileFile
from inspector.safetext import has_unsafe

SECRET = "s3cr3t-Pa55"

STAGING = """
[profiles.staging]
environment = "staging"
store = "postgresql+psycopg://inspector@staging-replica/installations"
journal = "sqlite:////var/lib/inspector/journal-staging.db"
push_policy = "any"
label = "Staging"
colour = "yellow"
statement_timeout = 5
fcm_url = "https://fcm.googleapis.com"
apns_url_production = "https://api.push.apple.com"
apns_url_sandbox = "https://api.sandbox.push.apple.com"
"""

PRODUCTION = """
[profiles.production]
environment = "production"
journal = "postgresql+psycopg://inspector@journal.internal/inspector"
push_policy = "test-devices"

[profiles.production.stores]
eu = "postgresql+psycopg://inspector@eu-replica/installations"
us = "postgresql+psycopg://inspector@us-replica/installations"

[[profiles.production.fcm]]
project_id = "shop-prod"
credentials = "/etc/inspector/shop-prod-sa.json"

[[profiles.production.apns]]
key_file = "/etc/inspector/AuthKey_ABC123.p8"
key_id = "ABC123"
team_id = "TEAM123456"
topics = ["com.example.shop"]
"""

# The contract's own example (../shared/DESIGN.md, "The profile file").
CONTRACT = 'default = "staging"\n' + STAGING + PRODUCTION


def write(tmp_path: Path, text: str, name: str = "inspector.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def error_of(path: Path | None = None, env: dict[str, str] | None = None, **kw: str) -> str:
    with pytest.raises(ConfigError) as caught:
        load_settings(env or {}, config=path, **kw)
    message = str(caught.value)
    assert "\n" not in message and not has_unsafe(message)
    assert SECRET not in message
    return message


# -- the contract's example ------------------------------------------------------------


def test_the_contract_example_loads_as_written(tmp_path: Path) -> None:
    path = write(tmp_path, CONTRACT)
    staging = load_settings({}, config=path)
    assert staging.profile == "staging" and staging.environment is Environment.STAGING
    assert staging.push_policy is PushPolicy.ANY
    assert (staging.display_name, staging.banner_colour) == ("Staging", "yellow")
    assert staging.store_label == "staging-replica/installations" and not staging.regional
    assert staging.journal_label == "sqlite:/var/lib/inspector/journal-staging.db"
    assert staging.config_path == path

    prod = load_settings({}, config=path, profile="production")
    assert prod.environment is Environment.PRODUCTION and prod.banner_colour == "red"
    assert prod.push_policy is PushPolicy.TEST_DEVICES
    assert prod.regional and [s.name for s in prod.stores] == ["eu", "us"]
    assert prod.store_label == "eu: eu-replica/installations, us: us-replica/installations"
    assert [(c.project_id, c.credentials) for c in prod.fcm] == [
        ("shop-prod", Path("/etc/inspector/shop-prod-sa.json"))
    ]
    (key,) = prod.apns
    assert (key.key_id, key.team_id, key.topics) == ("ABC123", "TEAM123456", ("com.example.shop",))
    assert key.serves("com.example.shop") and not key.serves("com.example.other")


def test_the_extra_keys(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        [profiles.dev]
        environment = "development"
        store = "sqlite:///stores/dev.db"
        push_connect_timeout = 1.5
        push_read_timeout = 20
        push_max_per_minute = 0
        push_device_cooldown = 30
        store_password_file = "secrets/store-password"
        """,
    )
    (tmp_path / "secrets").mkdir()
    (tmp_path / "secrets" / "store-password").write_text(SECRET + "\n")
    cfg = load_settings({}, config=path, profile="dev")
    assert (cfg.push_connect_timeout_s, cfg.push_read_timeout_s) == (1.5, 20.0)
    assert (cfg.push_max_per_minute, cfg.push_device_cooldown_s) == (0.0, 30.0)
    assert cfg.stores[0].password == SECRET  # the trailing newline is not part of it
    # A relative SQLite path is relative to the file, like every path the file names.
    assert cfg.store_label == f"sqlite:{tmp_path.resolve()}/stores/dev.db"
    # Unsaid: the test devices only, the default limits; a journal of its own.
    assert cfg.push_policy is PushPolicy.TEST_DEVICES
    assert cfg.statement_timeout_s == 5.0
    assert cfg.journal_label.endswith("/inspector/journal-dev.db")
    assert cfg.banner_colour == "green" and cfg.display_name == "dev"


def test_the_proof_and_approval_keys(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        P.replace("[profiles.p]", "[profiles.prod]")
        + 'push_policy = "approval"\nproof_approvals = 3\nproof_cap = 5\n'
        "approval_lifetime = 10\n" + A,
    )
    prod = load_settings({}, config=path, profile="prod")
    assert prod.push_policy is PushPolicy.APPROVAL
    assert (prod.proof_approvals, prod.proof_cap, prod.approval_lifetime_min) == (3, 5, 10.0)
    assert isinstance(prod.proof_cap, int) and isinstance(prod.proof_approvals, int)
    # Unsaid: the defaults, whatever the variables say beside a file.
    env = {"INSPECTOR_PROOF_CAP": "7", "INSPECTOR_PROOF_APPROVALS": "1",
           "INSPECTOR_APPROVAL_LIFETIME": "5"}  # fmt: skip
    other = load_settings(env, config=path, profile="a")
    assert (other.proof_approvals, other.proof_cap, other.approval_lifetime_min) == (2, 20, 30.0)
    (warning,) = other.warnings
    assert warning.startswith(
        "INSPECTOR_PROOF_APPROVALS, INSPECTOR_PROOF_CAP, INSPECTOR_APPROVAL_LIFETIME ignored:"
        " profile a"
    )


def test_relative_credential_paths_are_relative_to_the_file(tmp_path: Path) -> None:
    (tmp_path / "conf").mkdir()
    path = write(
        tmp_path / "conf",
        """
        [profiles.dev]
        environment = "development"
        store = "sqlite:////srv/dev.db"
        [[profiles.dev.fcm]]
        project_id = "shop-dev"
        credentials = "keys/sa.json"
        [[profiles.dev.apns]]
        key_file = "~/AuthKey.p8"
        key_id = "ABC123DEFG"
        team_id = "TEAM123456"
        """,
    )
    cfg = load_settings({}, config=path, profile="dev")
    assert cfg.fcm[0].credentials == tmp_path / "conf" / "keys" / "sa.json"
    assert cfg.apns[0].key_file == Path("~/AuthKey.p8").expanduser()
    assert cfg.apns[0].topics is None and cfg.apns[0].serves("any.topic")
    # Credential paths and key ids are secrets: scrubbed wherever text is kept.
    secrets = cfg.secrets()
    assert str(cfg.fcm[0].credentials) in secrets and "ABC123DEFG" in secrets
    assert "ABC123DEFG" not in repr(cfg) and "keys/sa.json" not in repr(cfg)


def test_passwords_come_from_the_variable_the_profile_names(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        [profiles.prod]
        environment = "production"
        journal = "postgresql+psycopg://inspector@journal.internal/inspector"
        journal_password_env = "JOURNAL_PW"
        store_password_env = "STORE_PW"
        [profiles.prod.stores]
        eu = "postgresql+psycopg://inspector@eu/installations"
        us = "postgresql+psycopg://inspector@us/installations"
        """,
    )
    cfg = load_settings(
        {"STORE_PW": SECRET, "JOURNAL_PW": "j-" + SECRET}, config=path, profile="prod"
    )
    assert [s.url.password for s in cfg.stores] == [SECRET, SECRET]
    assert cfg.journal_url.password == "j-" + SECRET
    assert SECRET not in repr(cfg) and SECRET not in cfg.store_label + cfg.journal_label
    assert SECRET in cfg.secrets() and "j-" + SECRET in cfg.secrets()


# -- every kind of mistake: one line naming file, profile and key ------------------------

# A profile with nothing wrong, to add one mistake to.
A = '[profiles.a]\nenvironment = "staging"\nstore = "sqlite:////a.db"\n'
P = '[profiles.p]\nenvironment = "production"\nstore = "sqlite:////a.db"\n'
MISTAKES = [
    # (what, the file, the profile chosen, env, the words the line carries)
    ("unknown top-level key", 'defualt = "a"\n' + A,
     None, {}, ["key 'defualt'", "unknown key", "did you mean 'default'?"]),
    ("unknown key in a profile", A + 'store_url = "x"\n',
     "a", {}, ["profile 'a'", "key 'store_url'", "unknown key"]),
    ("unknown key in an [[fcm]] entry", A
     + '[[profiles.a.fcm]]\nproject_id = "p"\ncredentials = "sa.json"\nproject = "p"\n',
     "a", {}, ["profile 'a'", "key 'fcm[0].project'", "unknown key"]),
    ("unknown key in an [[apns]] entry", A
     + '[[profiles.a.apns]]\nkey_file = "k.p8"\nkey_id = "ABC123DEFG"\nteam_id = "T"\n'
     '[[profiles.a.apns]]\nkey_file = "k.p8"\nkey_id = "XYZ123DEFG"\nteam_id = "T"\n'
     'topic = ["x"]\n',
     "a", {}, ["profile 'a'", "key 'apns[1].topic'", "did you mean 'topics'?"]),
    ("wrong type", A + 'statement_timeout = "5"\n',
     "a", {}, ["profile 'a'", "key 'statement_timeout'", "must be a number, got a string"]),
    ("wrong type of a table", A + 'fcm = "sa.json"\n',
     "a", {}, ["profile 'a'", "key 'fcm'", "list of tables"]),
    ("a boolean is not a number", A + 'push_read_timeout = true\n',
     "a", {}, ["key 'push_read_timeout'", "got a boolean"]),
    ("duplicate profile", A
     + '[profiles.a]\nenvironment = "production"\nstore = "sqlite:////b.db"\n',
     "a", {}, ["profile 'a'", "declared twice (line 4)"]),
    ("duplicate key", A + 'store = "sqlite:////b.db"\n',
     "a", {}, ["profile 'a'", "key 'store'", "not valid TOML: Cannot overwrite a value (at line"]),
    ("profiles differing by case", A
     + '[profiles.A]\nenvironment = "staging"\nstore = "sqlite:////a.db"\n',
     "a", {}, ["key 'profiles.A'", "by case only"]),
    ("production default", 'default = "p"\n' + P,
     None, {}, ["key 'default'", "'p' is a production profile", "only reached by naming it"]),
    ("default names no profile", 'default = "b"\n' + A,
     None, {}, ["key 'default'", "names no profile: 'b'"]),
    ("unknown profile name", A,
     "b", {}, ["profile 'b' (named by --profile): no such profile (profiles: a)"]),
    ("no profile chosen, no default", A,
     None, {}, ["no profile chosen and the file names no default", "(a)"]),
    ("demo is reserved", '[profiles.Demo]\nenvironment = "staging"\nstore = "sqlite:////a.db"\n',
     None, {}, ["key 'profiles.Demo'", "built-in demo store"]),
    ("a password inside a URL", f'[profiles.a]\nenvironment = "staging"\nstore = "postgresql+psycopg://u:{SECRET}@db/x"\n',
     "b", {}, ["profile 'a'", "key 'store'", "holds a password", "store_password_env"]),
    ("a password in a regional store's URL", '[profiles.a]\nenvironment = "staging"\n'
     f'[profiles.a.stores]\neu = "mysql+pymysql://u:{SECRET}@db/x"\n',
     "a", {}, ["profile 'a'", "key 'stores.eu'", "holds a password"]),
    ("a password in the query", A
     + f'journal = "postgresql+psycopg://u@db/j?sslmode=require&Password={SECRET}"\n',
     "a", {}, ["key 'journal'", "password parameter", "journal_password_env"]),
    ("a password variable that is not set", '[profiles.a]\nenvironment = "staging"\n'
     'store = "postgresql+psycopg://u@db/x"\nstore_password_env = "STORE_PW"\n',
     "a", {}, ["profile 'a'", "key 'store_password_env'", "variable STORE_PW, which is not set"]),
    ("a password file that is not there", '[profiles.a]\nenvironment = "staging"\n'
     f'store = "postgresql+psycopg://u@db/x"\nstore_password_file = "{SECRET}.txt"\n',
     "a", {}, ["key 'store_password_file'", "cannot be read (No such file or directory)"]),
    ("both password sources", '[profiles.a]\nenvironment = "staging"\nstore = "postgresql+psycopg://u@db/x"\n'
     'store_password_env = "X"\nstore_password_file = "pw"\n',
     "a", {"X": SECRET}, ["key 'store_password_file'", "not both"]),
    ("store and stores both", A
     + '[profiles.a.stores]\neu = "sqlite:////eu.db"\n',
     "a", {}, ["profile 'a'", "key 'stores'", "not both"]),
    ("no store", '[profiles.a]\nenvironment = "staging"\n',
     "a", {}, ["profile 'a'", "key 'store'", "is required"]),
    ("not a URL", '[profiles.a]\nenvironment = "staging"\nstore = "replica.internal"\n',
     "a", {}, ["key 'store'", "is not a database URL"]),
    ("bad colour", A + 'colour = "chartreuse"\n',
     "a", {}, ["profile 'a'", "key 'colour'", "must be #rrggbb or one of", "'chartreuse'"]),
    ("production is red", P + 'colour = "green"\n',
     "p", {}, ["profile 'p'", "key 'colour'", "always red"]),
    ("out-of-range number", A + 'statement_timeout = 0\n',
     "a", {}, ["key 'statement_timeout'", "from 0.1 to 3600 seconds, got 0"]),
    ("a number that is not finite", A + 'push_max_per_minute = inf\n',
     "a", {}, ["key 'push_max_per_minute'", "got inf"]),
    ("http provider URL to another host", A
     + 'fcm_url = "http://fcm.example.com"\n',
     "a", {}, ["profile 'a'", "key 'fcm_url'", "must be an https:// URL", "'http://fcm.example.com'"]),
    ("unknown environment", '[profiles.a]\nenvironment = "prod"\nstore = "sqlite:////a.db"\n',
     "a", {}, ["key 'environment'", "production, staging, development, got 'prod'"]),
    ("demo is not an environment of the file", '[profiles.a]\nenvironment = "demo"\nstore = "sqlite:////a.db"\n',
     "a", {}, ["key 'environment'", "got 'demo'"]),
    ("no environment", '[profiles.a]\nstore = "sqlite:////a.db"\n',
     "a", {}, ["key 'environment'", "is required"]),
    ("unknown policy", A + 'push_policy = "everyone"\n',
     "a", {}, ["key 'push_policy'", "off, test-devices, any, approval, got 'everyone'"]),
    ("a proof cap out of range", A + 'proof_cap = 101\n',
     "a", {}, ["profile 'a'", "key 'proof_cap'", "a whole number from 1 to 100 devices, got 101"]),
    ("approvals that are not whole", A + 'proof_approvals = 2.5\n',
     "a", {}, ["key 'proof_approvals'", "a whole number from 1 to 10 approvals, got 2.5"]),
    ("no approval at all", A + 'proof_approvals = 0\n',
     "a", {}, ["key 'proof_approvals'", "from 1 to 10 approvals, got 0"]),
    ("an approval lifetime as text", A + 'approval_lifetime = "30 minutes"\n',
     "a", {}, ["key 'approval_lifetime'", "must be a number, got a string"]),
    ("an approval lifetime over a day", A + 'approval_lifetime = 1441\n',
     "a", {}, ["key 'approval_lifetime'", "from 1 to 1440 minutes, got 1441"]),
    ("a misspelt proof key", A + 'proof_caps = 5\n',
     "a", {}, ["key 'proof_caps'", "unknown key (did you mean 'proof_cap'?)"]),
    ("empty topics", A
     + '[[profiles.a.apns]]\nkey_file = "k.p8"\nkey_id = "ABC123DEFG"\nteam_id = "T"\n'
     'topics = []\n',
     "a", {}, ["key 'apns[0].topics'", "non-empty list"]),
    ("a key id twice, not quoted", A
     + '[[profiles.a.apns]]\nkey_file = "k.p8"\nkey_id = "SECRETKEY1"\nteam_id = "T"\n'
     '[[profiles.a.apns]]\nkey_file = "k2.p8"\nkey_id = "SECRETKEY1"\nteam_id = "T"\n',
     "a", {}, ["key 'apns[1].key_id'", "earlier [[apns]] entry"]),
    ("a project twice", A
     + '[[profiles.a.fcm]]\nproject_id = "p"\ncredentials = "a.json"\n'
     '[[profiles.a.fcm]]\nproject_id = "p"\ncredentials = "b.json"\n',
     "a", {}, ["key 'fcm[1].project_id'", "'p' has a service account already"]),
    ("a control character", A + 'label = "x\\u001b[31m"\n',
     "a", {}, ["key 'label'", "control or invisible character"]),
    ("a label too long", A + f'label = "{"x" * 41}"\n',
     "a", {}, ["key 'label'", "at most 40"]),
    ("no profiles", 'default = "a"\n', None, {}, ["key 'profiles'", "at least one"]),
    ("not TOML", '[profiles.a\nenvironment = "staging"\n', None, {}, ["not valid TOML"]),
]  # fmt: skip


@pytest.mark.parametrize(
    ("text", "profile", "env", "words"),
    [m[1:] for m in MISTAKES],
    ids=[m[0] for m in MISTAKES],
)
def test_every_mistake_is_one_line_naming_file_profile_and_key(
    tmp_path: Path, text: str, profile: str | None, env: dict[str, str], words: list[str]
) -> None:
    path = write(tmp_path, text)
    message = error_of(path, env, **({"profile": profile} if profile else {}))
    assert message.startswith(f"{path}: "), message
    for word in words:
        assert word in message, message
    assert "SECRETKEY1" not in message and "sa.json" not in message


def test_a_mistake_in_a_profile_not_chosen_stops_every_profile(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        STAGING + A.replace("[profiles.a]", "[profiles.other]") + 'fcm_urll = "x"\n',
    )
    assert "profile 'other': key 'fcm_urll'" in error_of(path, profile="staging")


def test_secrets_are_read_for_the_chosen_profile_only(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        STAGING
        + PRODUCTION.replace("push_policy", 'store_password_env = "PROD_STORE_PW"\npush_policy'),
    )
    # A staging shell need not hold production's password.
    assert load_settings({}, config=path, profile="staging").profile == "staging"
    assert "PROD_STORE_PW, which is not set" in error_of(path, profile="production")


# -- finding the file, choosing the profile ---------------------------------------------


def test_the_file_is_found_in_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    user = tmp_path / "xdg-config" / "inspector" / "config.toml"  # XDG_CONFIG_HOME (conftest)
    assert find_profile_file(None, {}) is None
    user.parent.mkdir(parents=True)
    user.write_text(STAGING)
    assert find_profile_file(None, {}) == user
    local = write(tmp_path, STAGING)
    assert find_profile_file(None, {}) == Path("inspector.toml")
    other = write(tmp_path, STAGING, "other.toml")
    assert find_profile_file(None, {"INSPECTOR_CONFIG": str(other)}) == other
    assert find_profile_file(local, {"INSPECTOR_CONFIG": str(other)}) == local


def test_a_named_file_must_exist(tmp_path: Path) -> None:
    # Named, it is never replaced by ./inspector.toml: the user meant that file.
    write(tmp_path, STAGING)
    assert (
        error_of(tmp_path / "gone.toml")
        == f"'{tmp_path}/gone.toml': no such file (named by --config)"
    )
    assert error_of(env={"INSPECTOR_CONFIG": "gone.toml"}) == (
        "'gone.toml': no such file (named by INSPECTOR_CONFIG)"
    )
    assert "is a directory" in error_of(tmp_path)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the rule computed on Linux")
@pytest.mark.parametrize("xdg", [None, "", "relative/dir", "/abs/config"])
def test_the_user_config_path_is_platformdirs_rule(
    xdg: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    import platformdirs

    if xdg is None:
        monkeypatch.delenv("XDG_CONFIG_HOME")
    else:
        monkeypatch.setenv("XDG_CONFIG_HOME", xdg)
    expected = Path(platformdirs.user_config_dir("inspector", appauthor=False)) / "config.toml"
    assert user_config_path() == expected


def test_the_profile_comes_from_the_flag_else_the_variable_else_the_default(
    tmp_path: Path,
) -> None:
    path = write(
        tmp_path,
        CONTRACT + '\n[profiles.dev]\nenvironment = "development"\nstore = "sqlite:////d.db"\n',
    )
    assert load_settings({}, config=path).profile == "staging"
    assert load_settings({"INSPECTOR_PROFILE": "dev"}, config=path).profile == "dev"
    assert load_settings({"INSPECTOR_PROFILE": "dev"}, config=path, profile="staging").profile == (
        "staging"
    )
    assert "named by INSPECTOR_PROFILE" in error_of(path, {"INSPECTOR_PROFILE": "nope"})


def test_variables_a_profile_decides_are_ignored_with_a_warning(tmp_path: Path) -> None:
    path = write(tmp_path, CONTRACT)
    env = {
        "INSPECTOR_STORE_URL": "sqlite:////elsewhere.db",
        "INSPECTOR_PUSH_POLICY": "off",
        "INSPECTOR_ENVIRONMENT": "development",
        "INSPECTOR_OPERATOR": "ana",
    }
    cfg = load_settings(env, config=path)
    assert cfg.store_label == "staging-replica/installations"
    assert cfg.push_policy is PushPolicy.ANY and cfg.environment is Environment.STAGING
    assert cfg.operator == "ana"  # not a profile's to decide
    (warning,) = cfg.warnings
    assert warning.startswith(
        "INSPECTOR_STORE_URL, INSPECTOR_ENVIRONMENT, INSPECTOR_PUSH_POLICY ignored: profile staging"
    )


def test_dotenv_may_not_choose_the_file_or_the_profile(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path, CONTRACT)
    write(tmp_path, STAGING.replace("staging", "other"), "other.toml")
    (tmp_path / ".env").write_text("INSPECTOR_PROFILE=production\nINSPECTOR_CONFIG=other.toml\n")
    cfg = load_settings()
    assert cfg.profile == "staging"  # ./inspector.toml, its default
    assert sorted(w.split()[0] for w in cfg.warnings) == ["INSPECTOR_CONFIG", "INSPECTOR_PROFILE"]
    assert all("taken from the process environment only" in w for w in cfg.warnings)
    warnings: list[str] = []
    assert "INSPECTOR_PROFILE" not in load_env(warnings=warnings) and len(warnings) == 2
    # The process may.
    monkeypatch.setenv("INSPECTOR_PROFILE", "production")
    assert load_settings({**os.environ}).profile == "production"


# -- the implicit profile, and `demo` ---------------------------------------------------


def test_without_a_file_the_variables_make_one_profile() -> None:
    cfg = load_settings({"INSPECTOR_STORE_URL": "postgresql+psycopg://db/x",
                         "INSPECTOR_ENVIRONMENT": "staging"})  # fmt: skip
    assert (cfg.profile, cfg.environment, cfg.config_path) == ("default", Environment.STAGING, None)
    assert load_settings({"INSPECTOR_STORE_URL": "sqlite:////x.db"}, profile="default").profile == (
        "default"
    )
    assert "no profile file to find profile 'staging' in (--profile" in error_of(profile="staging")
    assert "(INSPECTOR_PROFILE;" in error_of(env={"INSPECTOR_PROFILE": "staging"})


def test_demo_is_only_the_demo_store() -> None:
    # A real store is never the demo: its banner is not the demo's and its policy not `any`.
    cfg = load_settings({"INSPECTOR_STORE_URL": "postgresql+psycopg://db/x",
                         "INSPECTOR_ENVIRONMENT": "demo"})  # fmt: skip
    assert cfg.environment is Environment.PRODUCTION and not cfg.is_demo
    assert cfg.push_policy is PushPolicy.TEST_DEVICES and cfg.banner_colour == "red"
    assert cfg.warnings == (
        "INSPECTOR_ENVIRONMENT=demo names the built-in demo store only: this store"
        " (INSPECTOR_STORE_URL) is treated as production",
    )
    # The demo store is the demo whatever the variable says, and says so.
    demo = load_settings({"INSPECTOR_ENVIRONMENT": "production"})
    assert demo.is_demo and demo.environment is Environment.DEMO
    assert "ignored: without INSPECTOR_STORE_URL this is the demo store" in demo.warnings[0]
    assert load_settings({"INSPECTOR_ENVIRONMENT": "demo"}).warnings == ()


def test_dotenv_demo_on_a_real_store_is_production(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(
        "INSPECTOR_STORE_URL=postgresql+psycopg://db/x\nINSPECTOR_ENVIRONMENT=demo\n"
    )
    cfg = load_settings()
    assert cfg.environment is Environment.PRODUCTION and cfg.push_policy is PushPolicy.TEST_DEVICES


def test_profile_demo_is_the_demo_store_with_or_without_a_file(tmp_path: Path) -> None:
    env = {"INSPECTOR_STORE_URL": "postgresql+psycopg://db/x", "INSPECTOR_PUSH_POLICY": "off"}
    demo = load_settings(env, profile="demo")
    assert demo.is_demo and demo.profile == "demo" and demo.push_policy is PushPolicy.ANY
    assert demo.warnings[0].startswith("INSPECTOR_STORE_URL, INSPECTOR_PUSH_POLICY ignored")
    path = write(tmp_path, CONTRACT)
    assert load_settings({}, config=path, profile="demo").is_demo
    # The file is still checked whole first.
    broken = write(tmp_path, CONTRACT + "oops = 1\n", "broken.toml")
    assert "profile 'production': key 'apns[0].oops'" in error_of(broken, profile="demo")


def test_a_profile_file_has_no_demo(tmp_path: Path) -> None:
    path = write(tmp_path, CONTRACT)
    for name in ProfileFile.load(path).names():
        cfg = load_settings({}, config=path, profile=name)
        assert not cfg.is_demo and cfg.environment is not Environment.DEMO


def test_summaries_never_hold_a_secret(tmp_path: Path) -> None:
    path = write(tmp_path, CONTRACT)
    summaries = ProfileFile.load(path).summaries()
    text = repr(summaries)
    for secret in ("ABC123", "/etc/inspector", "AuthKey", "shop-prod-sa.json"):
        assert secret not in text
    production = summaries[1]
    assert production.fcm_projects == ("shop-prod",)
    assert production.apns_topics == ("com.example.shop",) and production.apns_keys == 1
    assert summaries[0].is_default and not production.is_default
