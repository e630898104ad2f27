"""Credentials per app: two Firebase projects with two service accounts, two APNs teams
with two keys, in profiles read from a profile file. Each send reaches the fakes with
its own app's identity and no other; every mismatch is refused before any request.

The fakes here know both identities: the fake FCM issues a token only for an assertion
signed by the key of the account it names, and takes a send only with a token of an
account of the project in the URL; the fake APNs verifies each JWT with the key its
`kid` names, checks `iss` against that key's team and the topic against that key's.
"""

from __future__ import annotations

import json
import secrets
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
import requests
from sqlalchemy.engine import URL

from inspector.config import load_settings
from inspector.fixtures import demo
from inspector.fixtures.demo import ANA_IPAD, ANA_IPHONE, UNICODE_DEVICE
from inspector.fixtures.writer import bulk_insert
from inspector.journal import Journal
from inspector.push import (
    Compose,
    InstallationNotFound,
    PushError,
    PushRefused,
    PushService,
    ValidationRefused,
)
from inspector.store.engine import open_writable_engine
from inspector.store.errors import AmbiguousInstallation
from inspector.store.opening import open_configured_store
from inspector.store.repository import StoreRepository
from inspector.store.schema import create_schema
from tests.conftest import DEMO_NOW
from tests.push.conftest import known_key
from tests.push.fakes.apns_server import FakeApns
from tests.push.fakes.fcm_server import GOOGLE_TOKEN_AUDIENCE, SCOPE, FakeFcm
from tests.push.fakes.keys import ApnsKey, ServiceAccount
from tests.store.regional import US_ANA_PHONE, build_us_store

SHOP, NEWS = "shop-prod", "news-prod"
SHOP_TOPIC, NEWS_TOPIC, ORPHAN_TOPIC = "com.example.shop", "com.example.news", "com.example.orphan"
KEY_A, TEAM_A = "KEYA000001", "TEAMA00001"
KEY_B, TEAM_B = "KEYB000002", "TEAMB00002"
HELLO = Compose(title="Hello", body="Whose credential?")

# Installations of the apps this store adds to the demo's.
NEWS_PHONE = "11111111-0000-4000-8000-000000000001"  # News Android, project news-prod
NEWS_IPHONE = "11111111-0000-4000-8000-000000000002"  # News iOS, topic com.example.news
ORPHAN_PHONE = "11111111-0000-4000-8000-000000000003"  # project orphan-prod: no account
ORPHAN_IPHONE = "11111111-0000-4000-8000-000000000004"  # topic com.example.orphan: no key
NO_PROJECT_PHONE = "11111111-0000-4000-8000-000000000005"  # an FCM app without a project

EXTRA_APPS = [
    ("news-android", "News Android", "android", "com.example.news", NEWS, None),
    ("news-ios", "News iOS", "ios", NEWS_TOPIC, None, NEWS_TOPIC),
    ("orphan-android", "Orphan Android", "android", ORPHAN_TOPIC, "orphan-prod", None),
    ("orphan-ios", "Orphan iOS", "ios", ORPHAN_TOPIC, None, ORPHAN_TOPIC),
    ("bare-android", "Bare Android", "android", "com.example.bare", None, None),
]
EXTRA_INSTALLATIONS = [
    (NEWS_PHONE, "news-android"),
    (NEWS_IPHONE, "news-ios"),
    (ORPHAN_PHONE, "orphan-android"),
    (ORPHAN_IPHONE, "orphan-ios"),
    (NO_PROJECT_PHONE, "bare-android"),
]


@dataclass(frozen=True)
class Identities:
    shop: ServiceAccount
    news: ServiceAccount
    key_a: ApnsKey  # team A: the shop's topic
    key_b: ApnsKey  # team B: the news topic


@pytest.fixture(scope="module")
def identities() -> Identities:
    return Identities(
        ServiceAccount.generate(SHOP),
        ServiceAccount.generate(NEWS),
        ApnsKey.generate(KEY_A, TEAM_A),
        ApnsKey.generate(KEY_B, TEAM_B),
    )


@pytest.fixture(scope="module")
def fakes(identities: Identities) -> Iterator[tuple[FakeFcm, dict[str, FakeApns]]]:
    fcm = FakeFcm([identities.shop, identities.news]).start()
    keys = [known_key(identities.key_a, SHOP_TOPIC), known_key(identities.key_b, NEWS_TOPIC)]
    apns = {env: FakeApns(keys).start() for env in ("production", "sandbox")}
    yield fcm, apns
    fcm.stop()
    for fake in apns.values():
        fake.stop()


@pytest.fixture
def fcm(fakes: tuple[FakeFcm, dict[str, FakeApns]]) -> FakeFcm:
    fakes[0].reset()
    return fakes[0]


@pytest.fixture
def apns(fakes: tuple[FakeFcm, dict[str, FakeApns]]) -> dict[str, FakeApns]:
    for fake in fakes[1].values():
        fake.reset()
    return fakes[1]


@pytest.fixture(scope="module")
def store_url(make_database: Callable[[str], URL]) -> URL:
    """The demo store with a second Firebase project and topic, and apps no credential
    of the profiles serves."""
    url = make_database("sqlite")
    rows = demo.demo_rows(DEMO_NOW)
    template = next(r for r in rows["installations"] if r["installation_id"] == UNICODE_DEVICE)
    apps = [
        dict(app_id=a, name=n, platform=p, bundle_id=b, fcm_project_id=f, apns_topic=t)
        for a, n, p, b, f, t in EXTRA_APPS
    ]
    platform = {a[0]: a[2] for a in EXTRA_APPS}
    installations = []
    for iid, app in EXTRA_INSTALLATIONS:
        ios = platform[app] == "ios"
        installations.append(
            template
            | dict(
                installation_id=iid,
                app_id=app,
                custom_user_id=f"cust-{iid[-4:]}",
                advertising_id=None,
                platform=platform[app],
                push_provider="apns" if ios else "fcm",
                push_token=secrets.token_hex(32) if ios else f"{secrets.token_urlsafe(16)}:APA91b",
                apns_environment="production" if ios else None,
            )
        )
    engine = open_writable_engine(url)
    try:
        create_schema(engine)
        with engine.begin() as conn:
            bulk_insert(conn, "apps", rows["apps"] + apps)
            bulk_insert(conn, "installations", rows["installations"] + installations)
    finally:
        engine.dispose()
    return url


@pytest.fixture(scope="module")
def us_store_url(make_database: Callable[[str], URL]) -> URL:
    """The `us` store of tests/store/regional.py: the demo moved to new ids, except the
    web installation, which both stores hold."""
    url = make_database("sqlite")
    build_us_store(url, DEMO_NOW)
    return url


@pytest.fixture(scope="module")
def store(store_url: URL) -> Iterator[StoreRepository]:
    repo = StoreRepository.open(store_url)
    yield repo
    repo.close()


def toml(value: Any) -> str:
    """A TOML value: strings as JSON writes them (the same escapes), lists of those."""
    if isinstance(value, list):
        return "[" + ", ".join(toml(v) for v in value) + "]"
    if isinstance(value, str):
        return json.dumps(value)
    return str(value)


@pytest.fixture
def profile_file(
    tmp_path: Path,
    identities: Identities,
    store_url: URL,
    us_store_url: URL,
    fakes: tuple[FakeFcm, dict[str, FakeApns]],
) -> Path:
    """Profiles over the same store: `staging` with both projects and both keys,
    `crossed` with the shop's service account given for the news project and only
    team A's key, `bare` with no credential at all; `regional` is `staging` over two
    stores, `eu` (this store) and `us`."""
    fcm, apns = fakes
    keys = tmp_path / "keys"
    keys.mkdir()
    shop = identities.shop.write(keys / "shop.json", fcm.token_uri)
    news = identities.news.write(keys / "news.json", fcm.token_uri)
    key_a, key_b = identities.key_a.write(keys), identities.key_b.write(keys)

    def profile(name: str, label: str, fcm_entries: list[tuple[str, Path]],
                apns_entries: list[tuple[Path, str, str, list[str]]],
                stores: dict[str, URL] | None = None) -> str:  # fmt: skip
        where = f"store = {toml(store_url.render_as_string(hide_password=False))}"
        if stores is not None:  # an inline table: name = URL
            pairs = [f"{n} = {toml(u.render_as_string(hide_password=False))}"
                     for n, u in stores.items()]  # fmt: skip
            where = f"stores = {{ {', '.join(pairs)} }}"
        lines = [
            f"[profiles.{name}]",
            'environment = "staging"',
            f"label = {toml(label)}",
            where,
            f"journal = {toml(f'sqlite:///{tmp_path / name}-journal.db')}",
            'push_policy = "any"',
            "push_max_per_minute = 0",
            "push_device_cooldown = 0",
            "push_read_timeout = 5",
            f"fcm_url = {toml(fcm.url)}",
            f"apns_url_production = {toml(apns['production'].url)}",
            f"apns_url_sandbox = {toml(apns['sandbox'].url)}",
        ]
        for project, path in fcm_entries:
            lines += [f"[[profiles.{name}.fcm]]", f"project_id = {toml(project)}",
                      f"credentials = {toml(str(path))}"]  # fmt: skip
        for path, key_id, team, topics in apns_entries:
            lines += [f"[[profiles.{name}.apns]]", f"key_file = {toml(str(path))}",
                      f"key_id = {toml(key_id)}", f"team_id = {toml(team)}",
                      f"topics = {toml(topics)}"]  # fmt: skip
        return "\n".join(lines) + "\n"

    text = (
        profile("staging", "Staging EU", [(SHOP, shop), (NEWS, news)],
                [(key_a, KEY_A, TEAM_A, [SHOP_TOPIC]), (key_b, KEY_B, TEAM_B, [NEWS_TOPIC])])
        + profile("crossed", "Crossed", [(SHOP, shop), (NEWS, shop)],
                  [(key_a, KEY_A, TEAM_A, [SHOP_TOPIC])])
        + profile("bare", "Bare", [], [])
        + profile("regional", "Regional", [(SHOP, shop), (NEWS, news)],
                  [(key_a, KEY_A, TEAM_A, [SHOP_TOPIC]), (key_b, KEY_B, TEAM_B, [NEWS_TOPIC])],
                  stores={"eu": store_url, "us": us_store_url})
    )  # fmt: skip
    path = tmp_path / "inspector.toml"
    path.write_text(text)
    return path


@pytest.fixture
def open_profile(
    profile_file: Path, store: StoreRepository
) -> Iterator[Callable[[str], tuple[PushService, Journal]]]:
    """The push service and journal of a profile of the file, closed after the test."""
    opened: list[tuple[PushService, Journal]] = []

    def open_(name: str) -> tuple[PushService, Journal]:
        settings = load_settings({"INSPECTOR_OPERATOR": "ana"}, profile=name, config=profile_file)
        journal = Journal.open(settings)
        service = PushService(settings, store, journal)
        opened.append((service, journal))
        return service, journal

    yield open_
    for service, journal in opened:
        service.close()
        journal.close()


def send(service: PushService, iid: str):
    return service.send(service.prepare(iid, HELLO))


def nothing_reached(fcm: FakeFcm, apns: dict[str, FakeApns]) -> None:
    """Not a token request, not a send, not even a connection, at any fake."""
    assert (fcm.token_requests, fcm.requests, fcm.connections) == (0, [], 0)
    for fake in apns.values():
        assert (fake.requests, fake.connections) == ([], 0)


# -- each send with its own app's identity ---------------------------------------------


def test_each_send_reaches_the_fakes_with_its_own_apps_identity_only(
    open_profile: Callable[[str], tuple[PushService, Journal]],
    fcm: FakeFcm,
    apns: dict[str, FakeApns],
    identities: Identities,
) -> None:
    service, _ = open_profile("staging")
    for _ in range(2):  # alternating: shop, news, shop, news on each provider
        for iid in (UNICODE_DEVICE, NEWS_PHONE, ANA_IPHONE, NEWS_IPHONE):
            result = send(service, iid)
            assert result.ok, result.explanation
    assert send(service, ANA_IPAD).ok  # the shop's key on the sandbox host

    shop, news = identities.shop.client_email, identities.news.client_email
    # FCM: each project's sends carried a token of its own account, and only those.
    assert fcm.sends_by_account() == Counter({shop: 2, news: 2})
    assert {(r.project, r.account) for r in fcm.requests} == {(SHOP, shop), (NEWS, news)}
    # One OAuth token per account, reused for its second send.
    assert fcm.tokens_by_account == Counter({shop: 1, news: 1}) and fcm.token_requests == 2

    production, sandbox = apns["production"], apns["sandbox"]
    assert production.by_key() == Counter({KEY_A: 2, KEY_B: 2})
    assert {(r.key_id, r.team_id, r.headers["apns-topic"]) for r in production.requests} == {
        (KEY_A, TEAM_A, SHOP_TOPIC),
        (KEY_B, TEAM_B, NEWS_TOPIC),
    }
    # One HTTP/2 connection per host and key, never carrying another key's JWT; one JWT
    # per key, reused on both hosts.
    assert production.connections == 2
    assert sorted(map(sorted, production.keys_per_connection().values())) == [[KEY_A], [KEY_B]]
    assert len(production.jwts) == 2
    assert sandbox.by_key() == Counter({KEY_A: 1}) and sandbox.connections == 1
    assert sandbox.jwts <= production.jwts
    assert service._providers["apns"].jwts_signed == 2  # type: ignore[attr-defined]


def test_the_journal_intent_names_the_profile_and_the_store(
    open_profile: Callable[[str], tuple[PushService, Journal]], fcm: FakeFcm
) -> None:
    service, journal = open_profile("staging")
    prepared = service.prepare(NEWS_PHONE, HELLO)
    assert (prepared.profile, prepared.profile_label) == ("staging", "Staging EU")
    assert (prepared.environment, prepared.store_name) == ("staging", "")
    assert prepared.store_label == service.settings.store_label
    first = prepared.summary_lines()[0]
    assert first.startswith(
        f"Profile       Staging EU (staging) · STAGING · {prepared.store_label}"
    )
    assert service.send(prepared).ok
    intent = next(
        e for e in journal.entries(installation_id=NEWS_PHONE) if e.action == "push.intent"
    )
    assert (intent.details["profile"], intent.details["store"]) == ("staging", "")


# -- refused before any request ----------------------------------------------------------

REFUSALS = [
    pytest.param(
        "staging", ORPHAN_PHONE,
        "no FCM service account for Firebase project orphan-prod (app Orphan Android"
        " (orphan-android)) in profile staging",
        id="no-service-account-for-the-project",
    ),
    pytest.param(
        "staging", NO_PROJECT_PHONE,
        "app Bare Android (bare-android) has no fcm_project_id in the store",
        id="app-without-a-project",
    ),
    pytest.param(
        "staging", ORPHAN_IPHONE,
        "the APNs keys of profile staging (team TEAMA00001, TEAMB00002) do not serve topic"
        " com.example.orphan of app Orphan iOS (orphan-ios)",
        id="no-key-serves-the-topic",
    ),
    pytest.param(
        "crossed", NEWS_PHONE,
        "the service account given for Firebase project news-prod in profile crossed belongs"
        " to project shop-prod: FCM would refuse it for app News Android (news-android)"
        " (SENDER_ID_MISMATCH)",
        id="service-account-of-another-project",
    ),
    pytest.param(
        "crossed", NEWS_IPHONE,
        "the APNs key of profile crossed (team TEAMA00001) does not serve topic"
        " com.example.news of app News iOS (news-ios)",
        id="key-of-another-topic",
    ),
    pytest.param(
        "bare", UNICODE_DEVICE,
        "no FCM credential for app Shop Android (shop-android) in profile bare",
        id="no-fcm-credential-in-the-profile",
    ),
    pytest.param(
        "bare", ANA_IPHONE,
        "no APNs key for app Shop iOS (shop-ios) in profile bare",
        id="no-apns-key-in-the-profile",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("profile", "iid", "words"), REFUSALS)
def test_every_mismatch_is_refused_in_words_with_zero_requests(
    profile: str,
    iid: str,
    words: str,
    open_profile: Callable[[str], tuple[PushService, Journal]],
    fcm: FakeFcm,
    apns: dict[str, FakeApns],
    profile_file: Path,
) -> None:
    service, journal = open_profile(profile)
    with pytest.raises(PushRefused) as caught:
        service.prepare(iid, HELLO)
    message = str(caught.value)
    assert words in message
    # One line, naming no key id and no credential file.
    assert "\n" not in message and str(profile_file.parent) not in message
    for secret in (KEY_A, KEY_B, "shop.json", "news.json", ".p8"):
        assert secret not in message
    # A dry run and a token check are refused alike, in their own words.
    with pytest.raises(ValidationRefused, match=words.split(" (")[0]):
        service.prepare(iid, HELLO, dry_run=True)
    with pytest.raises(ValidationRefused, match=words.split(" (")[0]):
        service.check_token(iid)
    nothing_reached(fcm, apns)
    assert journal.entries(installation_id=iid) == []


def test_the_implicit_profiles_service_account_serves_the_project_in_its_file(
    store_url: URL,
    store: StoreRepository,
    identities: Identities,
    fcm: FakeFcm,
    apns: dict[str, FakeApns],
    tmp_path: Path,
) -> None:
    """INSPECTOR_FCM_CREDENTIALS names no project: the file's own (shop-prod) is served,
    the news project refused; the one variable-given key serves every topic, so the
    fake APNs is the one to refuse team A's JWT for the news topic."""
    settings = load_settings(
        {
            "INSPECTOR_STORE_URL": store_url.render_as_string(hide_password=False),
            "INSPECTOR_ENVIRONMENT": "staging",
            "INSPECTOR_JOURNAL_URL": f"sqlite:///{tmp_path / 'journal.db'}",
            "INSPECTOR_OPERATOR": "ana",
            "INSPECTOR_PUSH_POLICY": "any",
            "INSPECTOR_PUSH_DEVICE_COOLDOWN": "0",
            "INSPECTOR_FCM_CREDENTIALS": str(
                identities.shop.write(tmp_path / "sa.json", fcm.token_uri)
            ),
            "INSPECTOR_FCM_URL": fcm.url,
            "INSPECTOR_APNS_KEY_FILE": str(identities.key_a.write(tmp_path)),
            "INSPECTOR_APNS_KEY_ID": KEY_A,
            "INSPECTOR_APNS_TEAM_ID": TEAM_A,
            "INSPECTOR_APNS_URL_PRODUCTION": apns["production"].url,
            "INSPECTOR_APNS_URL_SANDBOX": apns["sandbox"].url,
        },
        config=None,
    )
    journal = Journal.open(settings)
    service = PushService(settings, store, journal)
    try:
        with pytest.raises(PushRefused) as caught:
            service.prepare(NEWS_PHONE, HELLO)
        assert (
            "the service account of profile default belongs to project shop-prod, not to"
            " news-prod: FCM would refuse it for app News Android (news-android)"
            " (SENDER_ID_MISMATCH)"
        ) in str(caught.value)
        assert fcm.requests == [] and fcm.token_requests == 0
        assert send(service, UNICODE_DEVICE).ok
        assert fcm.sends_by_account() == Counter({identities.shop.client_email: 1})
        refused = send(service, NEWS_IPHONE)
        assert (refused.status, refused.reason) == (400, "TopicDisallowed")
        assert apns["production"].by_key() == Counter({KEY_A: 1})
    finally:
        service.close()
        journal.close()


# -- the profile and the store a send belongs to -------------------------------------------


def test_a_push_confirmed_in_one_profile_is_not_sent_through_another(
    open_profile: Callable[[str], tuple[PushService, Journal]],
    fcm: FakeFcm,
    apns: dict[str, FakeApns],
) -> None:
    staging, _ = open_profile("staging")
    crossed, crossed_journal = open_profile("crossed")
    prepared = staging.prepare(UNICODE_DEVICE, HELLO)
    words = r"confirmed in profile staging .* not in profile crossed"
    with pytest.raises(PushRefused, match=words):
        crossed.send(prepared)
    nothing_reached(fcm, apns)
    assert crossed_journal.entries(installation_id=UNICODE_DEVICE) == []


def test_the_reread_asks_the_store_the_installation_came_from(
    open_profile: Callable[[str], tuple[PushService, Journal]],
    fcm: FakeFcm,
    apns: dict[str, FakeApns],
) -> None:
    """An installation read from store `us` is read again from `us`, which this profile
    does not have: never from the profile's one store under the same id."""
    service, journal = open_profile("staging")
    prepared = service.prepare(UNICODE_DEVICE, HELLO)
    elsewhere = replace(prepared, installation=replace(prepared.installation, store="us"))
    with pytest.raises(PushError, match="cannot read the installation from the store us"):
        service.send(elsewhere)
    with pytest.raises(PushError, match="the store us"):
        service.prepare(UNICODE_DEVICE, HELLO, store="us")
    with pytest.raises(PushError, match="the store us"):
        service.check_token(UNICODE_DEVICE, store="us")
    nothing_reached(fcm, apns)
    assert journal.entries(installation_id=UNICODE_DEVICE) == []


def test_a_regional_send_rereads_from_the_store_the_installation_came_from(
    profile_file: Path, fcm: FakeFcm, apns: dict[str, FakeApns]
) -> None:
    """The web installation is in both stores under the same id: asked of every store it
    is ambiguous, so a send that goes through was re-read from `eu` alone, both when
    prepared and when sent. An installation only `us` holds is named `us` all the way to
    the journal, and said to be from `eu` it is not found."""
    settings = load_settings({"INSPECTOR_OPERATOR": "ana"}, profile="regional", config=profile_file)
    store = open_configured_store(settings)
    journal = Journal.open(settings)
    service = PushService(settings, store, journal)
    try:
        eu_token = store.get(demo.WEB, store="eu").push_token
        with pytest.raises(AmbiguousInstallation):
            service.prepare(demo.WEB, HELLO)  # which device? refused, nothing sent
        assert fcm.requests == [] and fcm.token_requests == 0

        prepared = service.prepare(demo.WEB, HELLO, store="eu")
        assert (prepared.store_name, prepared.profile) == ("eu", "regional")
        assert prepared.store_label.startswith("eu: ")
        assert service.send(prepared).ok
        assert [r.body["message"]["token"] for r in fcm.requests] == [eu_token]

        # An installation only `us` holds: found there, re-read there, journaled as `us`.
        us_only = service.prepare(US_ANA_PHONE, HELLO)
        assert us_only.store_name == "us"
        assert service.send(us_only).ok
        assert [r.path.rsplit("/", 1)[1] for r in apns["production"].requests] == [
            store.get(US_ANA_PHONE, store="us").push_token
        ]
        intents = [e for e in journal.entries() if e.action == "push.intent"]
        assert sorted((e.installation_id, e.details["store"]) for e in intents) == sorted(
            [(demo.WEB, "eu"), (US_ANA_PHONE, "us")]
        )
        assert {e.details["profile"] for e in intents} == {"regional"}

        # The same id said to be from `eu`, which does not hold it: not found, not sent.
        moved = replace(us_only, installation=replace(us_only.installation, store="eu"))
        with pytest.raises(InstallationNotFound, match="in the store eu"):
            service.send(moved)
        assert len(apns["production"].requests) == 1
    finally:
        service.close()
        journal.close()
        store.close()


def test_closing_the_service_closes_every_client(
    open_profile: Callable[[str], tuple[PushService, Journal]],
    fcm: FakeFcm,
    apns: dict[str, FakeApns],
) -> None:
    service, _ = open_profile("staging")
    for iid in (UNICODE_DEVICE, NEWS_PHONE, ANA_IPHONE, NEWS_IPHONE):
        assert send(service, iid).ok
    fcm_provider: Any = service._providers["fcm"]
    apns_provider: Any = service._providers["apns"]
    clients = [k.client for k in apns_provider._keys.values()]
    assert fcm_provider.accounts_loaded == 2 and len(clients) == 2
    service.close()
    assert all(client.is_closed for client in clients)
    adapters = list(fcm_provider._session.adapters.values())
    adapters += list(fcm_provider._token_request._inner.session.adapters.values())
    assert all(not adapter.poolmanager.pools for adapter in adapters)


# -- the fakes check identities themselves -------------------------------------------------


def _assertion(account: ServiceAccount, signer: ServiceAccount, fcm: FakeFcm) -> str:
    now = int(time.time())
    claims = {"iss": account.client_email, "scope": SCOPE, "aud": GOOGLE_TOKEN_AUDIENCE,
              "iat": now, "exp": now + 3600}  # fmt: skip
    return jwt.encode(claims, signer.private_pem, algorithm="RS256")


def test_the_fake_fcm_checks_the_assertion_and_the_tokens_project(
    fcm: FakeFcm, identities: Identities
) -> None:
    shop, news = identities.shop, identities.news
    grant = "urn:ietf:params:oauth:grant-type:jwt-bearer"

    def token(account: ServiceAccount, signer: ServiceAccount) -> requests.Response:
        form = {"grant_type": grant, "assertion": _assertion(account, signer, fcm)}
        return requests.post(fcm.token_uri, data=form, timeout=5)

    # The shop's issuer signed with the news account's key: no token.
    assert token(shop, news).status_code == 400
    answer = token(shop, shop)
    assert answer.status_code == 200
    bearer = {"Authorization": f"Bearer {answer.json()['access_token']}"}
    body = {"message": {"token": "a" * 30}, "validate_only": True}

    def post(project: str) -> requests.Response:
        url = f"{fcm.url}/v1/projects/{project}/messages:send"
        return requests.post(url, json=body, headers=bearer, timeout=5)

    denied = post(NEWS)
    assert denied.status_code == 403 and denied.json()["error"]["status"] == "PERMISSION_DENIED"
    assert post(SHOP).status_code == 200
    assert fcm.sends_by_account() == Counter({shop.client_email: 2})


def test_the_fake_apns_checks_kid_iss_signature_and_topic(
    apns: dict[str, FakeApns], identities: Identities
) -> None:
    fake = apns["production"]
    key_a, key_b = identities.key_a, identities.key_b

    def post(kid: str, team: str, signer: ApnsKey, topic: str) -> str | None:
        token = jwt.encode({"iss": team, "iat": int(time.time())}, signer.private_pem,
                           algorithm="ES256", headers={"kid": kid})  # fmt: skip
        headers = {"authorization": f"bearer {token}", "apns-topic": topic,
                   "apns-push-type": "alert"}  # fmt: skip
        with httpx.Client(http1=False, http2=True) as client:
            answer = client.post(f"{fake.url}/3/device/{'ab' * 32}", json={}, headers=headers)
        return None if answer.status_code == 200 else answer.json()["reason"]

    assert post(KEY_A, TEAM_A, key_b, SHOP_TOPIC) == "InvalidProviderToken"  # B's signature
    assert post(KEY_A, TEAM_B, key_a, SHOP_TOPIC) == "InvalidProviderToken"  # another team
    assert post("KEYC000003", TEAM_A, key_a, SHOP_TOPIC) == "InvalidProviderToken"
    assert post(KEY_A, TEAM_A, key_a, NEWS_TOPIC) == "TopicDisallowed"
    assert post(KEY_B, TEAM_B, key_b, NEWS_TOPIC) is None
    assert fake.by_key() == Counter({None: 3, KEY_A: 1, KEY_B: 1})
