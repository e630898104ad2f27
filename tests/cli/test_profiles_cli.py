"""Profiles on the command line: a bad profile file stops every command with one line
(exit 2, the UI never starts), `--profile` before or after the command, `profiles list`
(never a secret) and `profiles check` against real SQLite, PostgreSQL and MariaDB stores
and generated credential files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy import insert
from sqlalchemy.engine import URL

from inspector.cli import main
from inspector.fixtures import demo
from inspector.fixtures.demo import build_demo_store
from inspector.store import tables
from inspector.store.engine import open_writable_engine
from tests.push.fakes import keys
from tests.test_profiles import MISTAKES, SECRET

# -- writing a profile file ------------------------------------------------------------


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    return json.dumps(value)  # a string, or a list of strings: valid TOML as JSON writes them


def profile_file(
    path: Path, profiles: dict[str, dict[str, Any]], default: str | None = None
) -> Path:
    lines = [f"default = {toml_value(default)}"] if default else []
    for name, keys_ in profiles.items():
        lines.append(f"[profiles.{name}]")
        tables_: list[str] = []
        for key, value in keys_.items():
            if key == "stores":
                tables_.append(f"[profiles.{name}.stores]")
                tables_ += [f"{k} = {toml_value(v)}" for k, v in value.items()]
            elif key in ("fcm", "apns"):
                for entry in value:
                    tables_.append(f"[[profiles.{name}.{key}]]")
                    tables_ += [f"{k} = {toml_value(v)}" for k, v in entry.items()]
            else:
                lines.append(f"{key} = {toml_value(value)}")
        lines += tables_
    path.write_text("\n".join(lines) + "\n")
    return path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def url_text(url: URL) -> str:
    return url.render_as_string(hide_password=False)


# -- every mistake stops every command -------------------------------------------------

COMMANDS = [
    ["find", demo.CUSTOMER_ANA, "--json"],
    ["show", demo.ANA_IPHONE],
    ["audit", "verify"],
    ["test-devices", "list"],
    ["profiles", "list"],
    ["profiles", "check"],
]


# Mistakes of the choice, not of the file: `profiles` speaks of every profile.
CHOICE = {"unknown profile name", "no profile chosen, no default"}
# A secret is read by `check` (a finding of that profile, tested below), never by `list`.
SECRET_READ = {"a password variable that is not set", "a password file that is not there"}


def skipped(argv: list[str], what: str) -> bool:
    if argv[:2] == ["profiles", "list"]:
        return what in CHOICE | SECRET_READ
    if argv[:2] == ["profiles", "check"]:
        return what in SECRET_READ or what == "no profile chosen, no default"
    return False


@pytest.mark.parametrize("argv", COMMANDS, ids=[" ".join(a[:2]) for a in COMMANDS])
@pytest.mark.parametrize(("what", "text", "profile", "env", "words"), MISTAKES,
                         ids=[m[0] for m in MISTAKES])  # fmt: skip
def test_every_mistake_stops_every_command_in_one_line(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    what: str,
    text: str,
    profile: str | None,
    env: dict[str, str],
    words: list[str],
) -> None:
    if skipped(argv, what):
        pytest.skip("not a mistake for this command")
    path = tmp_path / "profiles.toml"
    path.write_text(text)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    options = ["--config", str(path)] + (["--profile", profile] if profile else [])
    code, out, err = run(capsys, *argv, *options)
    assert code == 2, err
    assert out == ""
    assert err.count("\n") == 1 and err.startswith(f"inspector: {path}: "), err
    for word in words:
        assert word in err
    assert SECRET not in err


CONFIG_RUNNER = """
import json, os, sys

class NoUi:
    # Stops the process where the UI would be imported, telling what was loaded by then.
    def find_spec(self, name, path=None, target=None):
        if name == "textual" or name.startswith("inspector.tui"):
            sys.stderr.write(json.dumps(sorted(sys.modules)) + "\\n")
            sys.stderr.flush()
            os._exit(99)
        return None

sys.meta_path.insert(0, NoUi())
from inspector.cli import main
sys.exit(main(sys.argv[1:]))
"""


def bare(argv: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", CONFIG_RUNNER, *argv],
        capture_output=True, text=True, timeout=60, cwd=cwd, env={**os.environ, **env},
    )  # fmt: skip


def test_bare_inspector_never_starts_half_configured(tmp_path: Path) -> None:
    path = profile_file(
        tmp_path / "inspector.toml",
        {"a": {"environment": "staging", "store": "sqlite:////a.db", "colour": "chartreuse"}},
        default="a",
    )
    for argv, env in (
        ([], {}),
        (["--profile", "a"], {}),
        (["--config", str(path)], {}),
        ([], {"INSPECTOR_CONFIG": "missing.toml"}),
    ):
        proc = bare(argv, tmp_path, **env)
        assert proc.returncode == 2, proc.stderr
        assert proc.stderr.count("\n") == 1 and proc.stderr.startswith("inspector: ")
    path.write_text(path.read_text().replace("chartreuse", "cyan"))
    proc = bare(["--profile", "b"], tmp_path)
    assert (proc.returncode, proc.stderr.count("\n")) == (2, 1)
    assert "profile 'b' (named by --profile): no such profile (profiles: a)" in proc.stderr
    # A production profile the variable names, and the password it needs is not set.
    path.write_text(
        path.read_text()
        + '[profiles.p]\nenvironment = "production"\nstore = "postgresql+psycopg://u@db/x"\n'
        'store_password_env = "P_PW"\n'
    )
    proc = bare([], tmp_path, INSPECTOR_PROFILE="p")
    assert proc.returncode == 2 and "key 'store_password_env'" in proc.stderr


def test_bare_inspector_with_a_profile_opens_the_ui_without_any_subcommand(
    tmp_path: Path,
) -> None:
    profile_file(
        tmp_path / "inspector.toml",
        {"a": {"environment": "staging", "store": "sqlite:////a.db"}},
    )
    proc = bare(["--profile", "a"], tmp_path)
    assert proc.returncode == 99, proc.stderr  # it reached the UI's import
    modules = set(json.loads(proc.stderr.strip().splitlines()[-1]))
    assert "inspector.profiles" in modules  # the file was read, every setting loaded
    assert not {m for m in modules if m.startswith("inspector.cli.") and "command" in m}
    assert "sqlalchemy" not in modules  # nothing opened before the first frame


# -- choosing a profile ----------------------------------------------------------------


@pytest.fixture
def two_profiles(tmp_path: Path, sqlite_demo_url: URL) -> Path:
    return profile_file(
        tmp_path / "inspector.toml",
        {
            "s": {"environment": "staging", "store": url_text(sqlite_demo_url)},
            "gone": {"environment": "staging", "store": "sqlite:///gone.db"},
        },
    )


@pytest.mark.parametrize(
    "argv",
    [
        ["--profile", "s", "find", demo.CUSTOMER_ANA, "--json"],
        ["find", demo.CUSTOMER_ANA, "--json", "--profile", "s"],
        ["find", "--profile=s", demo.CUSTOMER_ANA, "--json"],
        ["--profile", "gone", "find", demo.CUSTOMER_ANA, "--json", "--profile", "s"],
    ],
)
def test_profile_before_or_after_the_command(
    two_profiles: Path, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    code, out, err = run(capsys, *argv)
    assert code == 0, err
    assert {i["installation_id"] for i in json.loads(out)["installations"]} >= {demo.ANA_IPHONE}


def test_the_other_profile_is_the_other_store(
    two_profiles: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for argv in (["--profile", "gone", "find", "x"], ["find", "x", "--profile", "gone"]):
        code, out, err = run(capsys, *argv)
        assert (code, out) == (3, "")
        assert "gone.db" in err


def test_variables_beside_a_profile_file_are_ignored_with_a_warning(
    two_profiles: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("INSPECTOR_STORE_URL", "sqlite:///elsewhere.db")
    code, out, err = run(capsys, "find", demo.CUSTOMER_ANA, "--json", "--profile", "s")
    assert code == 0 and json.loads(out)["installations"]
    assert err == (
        "inspector: warning: INSPECTOR_STORE_URL ignored: profile s of inspector.toml decides\n"
    )


def test_dotenv_cannot_choose_a_profile(
    two_profiles: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    Path(".env").write_text("INSPECTOR_PROFILE=gone\n")
    code, _, err = run(capsys, "find", demo.CUSTOMER_ANA, "--json", "--profile", "s")
    assert code == 0
    assert "INSPECTOR_PROFILE in .env is ignored" in err


# -- profiles list ---------------------------------------------------------------------


@dataclass(frozen=True)
class KeyFiles:
    directory: Path
    shop_prod: Path  # service account of shop-prod
    shop_dev: Path  # service account of shop-dev
    staging_sa: Path  # service account of shop-staging
    p8: Path  # an EC P-256 key
    rsa_p8: Path  # an RSA key where a .p8 should be
    garbage: Path


def service_account(path: Path, project: str, account: keys.ServiceAccount) -> Path:
    account.write(path, "http://127.0.0.1:9/token")
    doc = json.loads(path.read_text())
    doc["project_id"] = project
    path.write_text(json.dumps(doc))
    return path


@pytest.fixture(scope="module")
def key_files(tmp_path_factory: pytest.TempPathFactory) -> KeyFiles:
    # Named like secrets: a message that showed a credential path would show this.
    d = tmp_path_factory.mktemp(f"creds-{SECRET}")
    account = keys.ServiceAccount.generate()
    rsa_pem = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    (d / "rsa.p8").write_bytes(rsa_pem)
    (d / "garbage.p8").write_text("-----BEGIN PRIVATE KEY-----\nnot a key\n")
    return KeyFiles(
        directory=d,
        shop_prod=service_account(d / "shop-prod.json", "shop-prod", account),
        shop_dev=service_account(d / "shop-dev.json", "shop-dev", account),
        staging_sa=service_account(d / "shop-staging.json", "shop-staging", account),
        p8=keys.ApnsKey.generate().write(d),
        rsa_p8=d / "rsa.p8",
        garbage=d / "garbage.p8",
    )


# Secrets of the profile: none may appear in what the commands print.
KEY_ID = "KEYID12345"
KEY_ID_2 = "KEYID67890"


def forbidden(files: KeyFiles) -> list[str]:
    names = [p.name for p in files.directory.iterdir()]
    return [SECRET, KEY_ID, KEY_ID_2, str(files.directory), "AuthKey_", "missing-", *names]


def test_profiles_list_shows_each_profile_and_no_secret(
    tmp_path: Path,
    key_files: KeyFiles,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("PROD_PW", SECRET)
    profile_file(
        tmp_path / "inspector.toml",
        {
            "staging": {
                "environment": "staging",
                "store": "postgresql+psycopg://inspector@staging-replica:6432/installations",
                "store_password_env": "PROD_PW",
                "label": "Staging EU",
                "push_policy": "any",
                "fcm": [{"project_id": "shop-dev", "credentials": str(key_files.shop_dev)}],
                "apns": [
                    {"key_file": str(key_files.p8), "key_id": KEY_ID, "team_id": "TEAM123456"}
                ],
            },
            "production": {
                "environment": "production",
                "journal": "postgresql+psycopg://inspector@journal.internal/inspector",
                "journal_password_env": "PROD_PW",
                "stores": {
                    "eu": "postgresql+psycopg://inspector@eu-replica/installations",
                    "us": "mysql+pymysql://inspector@us-replica/installations",
                },
                "fcm": [
                    {"project_id": "shop-prod", "credentials": str(key_files.shop_prod)},
                    {"project_id": "shop-dev", "credentials": str(key_files.shop_dev)},
                ],
                "apns": [
                    {"key_file": str(key_files.p8), "key_id": KEY_ID, "team_id": "TEAM123456",
                     "topics": ["com.example.shop"]},
                    {"key_file": str(key_files.p8), "key_id": KEY_ID_2, "team_id": "TEAM654321",
                     "topics": ["com.example.other", "com.example.shop"]},
                ],
            },
        },
        default="staging",
    )  # fmt: skip
    code, out, err = run(capsys, "profiles", "list")
    assert (code, err) == (0, "")
    assert out.splitlines()[:2] == ["profile file inspector.toml", ""]
    assert (
        "staging  (default)\n  environment  staging\n  label        Staging EU · colour yellow\n"
        in out
    )
    assert "  store        staging-replica:6432/installations\n" in out
    assert "  stores       eu: eu-replica/installations, us: us-replica/installations\n" in out
    assert "  journal      journal.internal/inspector\n" in out
    assert "  FCM          shop-prod, shop-dev\n" in out
    assert "  APNs         com.example.shop, com.example.other (2 keys)\n" in out
    assert "  APNs         every topic (1 key)\n" in out
    assert "production\n  environment  production\n  label        production · colour red\n" in out
    for secret in [*forbidden(key_files), "PROD_PW"]:
        assert secret not in out

    code, out, err = run(capsys, "profiles", "list", "--json")
    assert code == 0
    doc = json.loads(out)
    assert doc["config"] == "inspector.toml" and doc["default"] == "staging"
    staging, production = doc["profiles"]
    assert staging == {
        "name": "staging", "environment": "staging", "label": "Staging EU", "colour": "yellow",
        "default": True,
        "stores": [{"name": None, "location": "staging-replica:6432/installations"}],
        "journal": staging["journal"], "push_policy": "any", "fcm_projects": ["shop-dev"],
        "fcm_service_accounts": 1, "apns_keys": 1, "apns_every_topic": True, "apns_topics": [],
    }  # fmt: skip
    assert staging["journal"].endswith("/inspector/journal-staging.db")
    assert [s["name"] for s in production["stores"]] == ["eu", "us"]
    assert production["apns_topics"] == ["com.example.shop", "com.example.other"]
    assert production["push_policy"] == "test-devices" and not production["default"]
    for secret in forbidden(key_files):
        assert secret not in out


def test_profiles_list_without_a_file_is_the_implicit_profile(
    key_files: KeyFiles, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("INSPECTOR_STORE_URL", f"postgresql+psycopg://ana:{SECRET}@replica/inst")
    monkeypatch.setenv("INSPECTOR_ENVIRONMENT", "staging")
    monkeypatch.setenv("INSPECTOR_FCM_CREDENTIALS", str(key_files.shop_prod))
    monkeypatch.setenv("INSPECTOR_APNS_KEY_FILE", str(key_files.p8))
    monkeypatch.setenv("INSPECTOR_APNS_KEY_ID", KEY_ID)
    monkeypatch.setenv("INSPECTOR_APNS_TEAM_ID", "TEAM123456")
    code, out, _ = run(capsys, "profiles", "list", "--json")
    assert code == 0
    doc = json.loads(out)
    assert doc["config"] is None and doc["default"] == "default"
    (profile,) = doc["profiles"]
    assert profile["name"] == "default" and profile["environment"] == "staging"
    assert profile["stores"] == [{"name": None, "location": "replica/inst"}]
    # The service account's project is read from its file; the path is never shown.
    assert profile["fcm_projects"] == ["shop-prod"] and profile["apns_every_topic"]
    for secret in [*forbidden(key_files), "ana"]:
        assert secret not in out
    code, out, _ = run(capsys, "profiles", "list")
    assert out.startswith("no profile file: the one profile of the environment variables\n")


def test_profiles_list_of_nothing_configured_is_the_demo(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run(capsys, "profiles", "list", "--json")
    (profile,) = json.loads(out)["profiles"]
    assert (code, profile["name"], profile["environment"]) == (0, "demo", "demo")


# -- profiles check --------------------------------------------------------------------

# Apps beside the demo's (shop-ios: topic com.example.shop; shop-android and shop-web:
# FCM project shop-prod).
EXTRA_APPS = [
    {"app_id": "dev-android", "name": "Dev Android", "platform": "android",
     "bundle_id": "com.example.dev", "fcm_project_id": "shop-dev", "apns_topic": None},
    {"app_id": "other-ios", "name": "Other iOS", "platform": "ios",
     "bundle_id": "com.example.other", "fcm_project_id": None, "apns_topic": None},
]  # fmt: skip


def build_apps_store(url: URL) -> URL:
    build_demo_store(url)
    engine = open_writable_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(insert(tables.apps), EXTRA_APPS)
    finally:
        engine.dispose()
    return url


@pytest.fixture(scope="module")
def apps_store(dialect: str, make_database: Callable[[str], URL]) -> URL:
    return build_apps_store(make_database(dialect))


def good_profile(store: str, files: KeyFiles, **extra: Any) -> dict[str, Any]:
    return {
        "environment": "staging",
        "store": store,
        "fcm": [
            {"project_id": "shop-prod", "credentials": str(files.shop_prod)},
            {"project_id": "shop-dev", "credentials": str(files.shop_dev)},
        ],
        "apns": [
            {"key_file": str(files.p8), "key_id": KEY_ID, "team_id": "TEAM123456",
             "topics": ["com.example.shop", "com.example.other"]},
        ],
        **extra,
    }  # fmt: skip


def test_check_all_well_on_each_dialect(
    tmp_path: Path, apps_store: URL, key_files: KeyFiles, capsys: pytest.CaptureFixture[str]
) -> None:
    profile_file(
        tmp_path / "inspector.toml",
        {"a": good_profile(url_text(apps_store), key_files, journal="sqlite:///journal-a.db")},
    )
    code, out, err = run(capsys, "profiles", "check")
    assert (code, err) == (0, ""), out
    label = out.split("store ")[1].split(";")[0]
    assert out == (
        f"a: ok (store {label}; journal sqlite:{tmp_path.resolve()}/journal-a.db; 5 apps;"
        " 2 service accounts; 1 APNs key)\n"
    )
    assert (tmp_path / "journal-a.db").is_file()  # opened (and made) as a send would


def test_check_finds_every_credential_problem(
    tmp_path: Path, apps_store: URL, key_files: KeyFiles, capsys: pytest.CaptureFixture[str]
) -> None:
    profile_file(
        tmp_path / "inspector.toml",
        {
            "bad": {
                "environment": "staging",
                "store": url_text(apps_store),
                "fcm": [
                    # Its file is of another project: SENDER_ID_MISMATCH at the first send.
                    {"project_id": "shop-prod", "credentials": str(key_files.staging_sa)},
                    {"project_id": "shop-web", "credentials": f"missing-{SECRET}.json"},
                ],
                "apns": [
                    {"key_file": str(key_files.p8), "key_id": KEY_ID, "team_id": "TEAM123456",
                     "topics": ["com.example.shop"]},
                    {"key_file": str(key_files.rsa_p8), "key_id": KEY_ID_2,
                     "team_id": "TEAM654321", "topics": ["com.example.watch"]},
                    {"key_file": str(key_files.garbage), "key_id": "short", "team_id": "TEAM000000",
                     "topics": ["com.example.tv"]},
                ],
            }
        },
    )  # fmt: skip
    code, out, err = run(capsys, "profiles", "check", "bad")
    assert code == 2
    assert err == "inspector: 1 of 1 profile with findings\n"
    assert out.splitlines() == [
        "bad: fcm[0] (project shop-prod): the service account is of project 'shop-staging':"
        " a send to an app of 'shop-prod' would fail with SENDER_ID_MISMATCH",
        "bad: fcm[1] (project shop-web): the service-account file cannot be read"
        " (No such file or directory)",
        "bad: apns[1] (team TEAM654321): the .p8 key is not an EC key (APNs signs with ES256)",
        "bad: apns[2] (team TEAM000000): the .p8 key file does not load as an unencrypted PEM"
        " private key",
        "bad: apns[2] (team TEAM000000): its key_id is not ten capital letters and digits",
        # Each app's credential is chosen as a send chooses it, and refused in its words.
        "bad: app 'dev-android': no FCM service account for Firebase project shop-dev"
        " (app Dev Android (dev-android)) in profile bad: add a [[profiles.bad.fcm]] with"
        ' project_id = "shop-dev" to the profile file',
        "bad: app 'other-ios': the APNs keys of profile bad (team TEAM123456, TEAM654321,"
        " TEAM000000) do not serve topic com.example.other of app Other iOS (other-ios): APNs"
        " would refuse it (TopicDisallowed)",
    ]
    for secret in forbidden(key_files):
        assert secret not in out + err


def test_check_says_unreachable_with_exit_3_and_goes_on(
    tmp_path: Path,
    apps_store: URL,
    key_files: KeyFiles,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    profile_file(
        tmp_path / "inspector.toml",
        {
            "up": good_profile(url_text(apps_store), key_files),
            "down": good_profile(
                "postgresql+psycopg://inspector@127.0.0.1:1/installations",
                key_files,
                store_password_env="DOWN_PW",
            ),
        },
    )
    monkeypatch.setenv("DOWN_PW", SECRET)
    code, out, err = run(capsys, "profiles", "check")
    assert code == 3, out
    lines = out.splitlines()
    assert lines[0].startswith("up: ok (")
    assert lines[1].startswith("down: store: ") and "127.0.0.1:1/installations" in lines[1]
    assert len(lines) == 2 and SECRET not in out + err
    # Whatever else is wrong decides over unreachable: a retry would not fix it.
    monkeypatch.delenv("DOWN_PW")
    code, out, _ = run(capsys, "profiles", "check", "down")
    assert code == 2 and "store_password_env': names the variable DOWN_PW" in out


def test_check_json(
    tmp_path: Path, apps_store: URL, key_files: KeyFiles, capsys: pytest.CaptureFixture[str]
) -> None:
    profile_file(
        tmp_path / "inspector.toml",
        {"a": good_profile(url_text(apps_store), key_files, apns=[])},
    )
    code, out, _ = run(capsys, "--profile", "a", "profiles", "check", "--json")
    assert code == 2
    doc = json.loads(out)
    assert doc["ok"] is False
    (profile,) = doc["profiles"]
    assert (profile["name"], profile["apps"], profile["apns_keys"]) == ("a", 5, 0)
    assert [f["subject"] for f in profile["findings"]] == ["app 'other-ios'", "app 'shop-ios'"]
    assert {f["exit_code"] for f in profile["findings"]} == {2}


def test_check_regional_stores_each_and_together(
    tmp_path: Path,
    apps_store: URL,
    make_database: Callable[[str], URL],
    key_files: KeyFiles,
    capsys: pytest.CaptureFixture[str],
) -> None:
    eu = make_database("sqlite")
    build_demo_store(eu)  # without the extra apps
    profile = good_profile("", key_files, apns=[])
    del profile["store"]
    profile["stores"] = {"eu": url_text(eu), "us": url_text(apps_store)}
    profile_file(tmp_path / "inspector.toml", {"r": profile})
    code, out, _ = run(capsys, "profiles", "check")
    assert code == 2
    assert out.splitlines() == [
        "r: app 'other-ios': no APNs key for app Other iOS (other-ios) in profile r: add a"
        " [[profiles.r.apns]] serving com.example.other to the profile file (store us)",
        "r: app 'shop-ios': no APNs key for app Shop iOS (shop-ios) in profile r: add a"
        " [[profiles.r.apns]] serving com.example.shop to the profile file (store eu, us)",
    ]


def test_check_refuses_a_journal_that_is_the_store(
    tmp_path: Path, apps_store: URL, key_files: KeyFiles, capsys: pytest.CaptureFixture[str]
) -> None:
    profile_file(
        tmp_path / "inspector.toml",
        {"a": good_profile(url_text(apps_store), key_files, journal=url_text(apps_store))},
    )
    code, out, _ = run(capsys, "profiles", "check")
    assert code == 2
    assert out.startswith("a: journal: ") and "needs a database of its own" in out


def test_check_the_implicit_profile(
    sqlite_demo_url: URL,
    key_files: KeyFiles,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("INSPECTOR_STORE_URL", url_text(sqlite_demo_url))
    monkeypatch.setenv("INSPECTOR_ENVIRONMENT", "staging")
    monkeypatch.setenv("INSPECTOR_FCM_CREDENTIALS", str(key_files.shop_prod))
    monkeypatch.setenv("INSPECTOR_APNS_KEY_FILE", str(key_files.p8))
    monkeypatch.setenv("INSPECTOR_APNS_KEY_ID", KEY_ID)
    monkeypatch.setenv("INSPECTOR_APNS_TEAM_ID", "TEAM123456")
    code, out, _ = run(capsys, "profiles", "check")
    assert code == 0 and out.startswith("default: ok (") and "3 apps" in out
    # The one service account is of another project than the apps'.
    monkeypatch.setenv("INSPECTOR_FCM_CREDENTIALS", str(key_files.staging_sa))
    code, out, _ = run(capsys, "profiles", "check", "default")
    assert code == 2
    assert (
        "default: app 'shop-android': the service account of profile default belongs to project"
        " shop-staging, not to shop-prod: FCM would refuse it for app Shop Android"
        " (shop-android) (SENDER_ID_MISMATCH)\n"
    ) in out
    code, _, err = run(capsys, "profiles", "check", "staging")
    assert code == 2 and "no profile file to find profile 'staging' in" in err


def test_check_the_demo_needs_no_credentials(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "profiles", "check")
    assert code == 0 and out.startswith("demo: ok (store sqlite:") and "3 apps" in out


@pytest.fixture
def three_stores(make_database: Callable[[str], URL]) -> Iterator[dict[str, URL]]:
    yield {d: build_apps_store(make_database(d)) for d in ("sqlite", "postgresql", "mariadb")}


def test_check_three_profiles_on_three_dialects(
    tmp_path: Path,
    three_stores: dict[str, URL],
    key_files: KeyFiles,
    capsys: pytest.CaptureFixture[str],
) -> None:
    profile_file(
        tmp_path / "inspector.toml",
        {
            name: good_profile(url_text(url), key_files, journal=f"sqlite:///j-{name}.db")
            for name, url in three_stores.items()
        },
    )
    code, out, err = run(capsys, "profiles", "check")
    assert (code, err) == (0, ""), out
    assert [line.split(":")[0] for line in out.splitlines()] == ["sqlite", "postgresql", "mariadb"]
    assert all(": ok (" in line and "5 apps" in line for line in out.splitlines())


def test_a_warning_is_escaped_once(
    tmp_path: Path,
    sqlite_demo_url: URL,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    odd = tmp_path / "a\\b\x1b[2J"
    odd.mkdir()
    path = profile_file(
        odd / "p.toml",
        {"s": {"environment": "staging", "store": url_text(sqlite_demo_url)}},
        default="s",
    )
    monkeypatch.setenv("INSPECTOR_STORE_URL", "sqlite:///elsewhere.db")
    code, _, err = run(capsys, "find", demo.CUSTOMER_ANA, "--json", "--config", str(path))
    assert code == 0
    assert err == (
        f"inspector: warning: INSPECTOR_STORE_URL ignored: profile s of {tmp_path}/a\\\\b\\x1b[2J"
        "/p.toml decides\n"
    )


# -- who is acting ----------------------------------------------------------------------


def test_production_refuses_a_borrowed_operator_name_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from inspector.config import os_account

    profile_file(
        tmp_path / "inspector.toml",
        {
            "staging": {"environment": "staging", "store": "sqlite:////staging.db"},
            "production": {
                "environment": "production",
                "store": "sqlite:////production.db",
                "push_policy": "approval",
            },
        },
        default="staging",
    )
    monkeypatch.setenv("INSPECTOR_OPERATOR", "someone-else")
    code, out, err = run(capsys, "audit", "verify", "--profile", "production")
    assert (code, out) == (2, "")
    assert err == (
        f"inspector: in profile 'production' the operator is the operating-system account"
        f" {os_account()!r}; INSPECTOR_OPERATOR='someone-else' cannot change it (unset it)\n"
    )
    # Listing the profiles acts as nobody: it names the policy and needs no operator.
    code, out, _ = run(capsys, "profiles", "list", "--json")
    assert code == 0
    policies = {p["name"]: p["push_policy"] for p in json.loads(out)["profiles"]}
    assert policies == {"staging": "test-devices", "production": "approval"}
    # The variable may name the account itself.
    monkeypatch.setenv("INSPECTOR_OPERATOR", os_account() or "")
    assert run(capsys, "audit", "verify", "--profile", "production")[0] == 0
