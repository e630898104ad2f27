"""`inspector serve` under aiohttp's test client: who may in, and what is recorded."""

from __future__ import annotations

import json

import aiohttp
import pytest

from tests.web.conftest import PASSWORDS, MakeServed

# -- no anonymous access ------------------------------------------------------------------------


async def test_without_a_session_every_page_leads_to_the_login(make_served: MakeServed) -> None:
    served = await make_served()
    page = await served.client.get("/", allow_redirects=False)
    assert page.status == 303 and page.headers["Location"] == "/login"
    login = await served.client.get("/login")
    assert login.status == 200
    body = await login.text()
    assert 'action="/login"' in body and 'type="password"' in body
    download = await served.client.get("/download/anything")
    assert download.status == 403


async def test_a_login_sets_a_strict_http_only_expiring_cookie_and_is_recorded(
    make_served: MakeServed,
) -> None:
    served = await make_served(login_lifetime_s=3600)
    answer = await served.login("ana")
    assert answer.status == 303 and answer.headers["Location"] == "/"
    cookie = answer.headers["Set-Cookie"]
    assert cookie.startswith("inspector_session=")
    for attribute in ("HttpOnly", "SameSite=Strict", "Max-Age=3600", "Path=/"):
        assert attribute in cookie
    assert "Secure" not in cookie  # plain http on loopback: a Secure cookie would be dropped
    page = await served.client.get("/")
    assert page.status == 200
    html = await page.text()
    assert "signed in as ana" in html
    # The page's script runs under a nonce; nothing else inline.
    csp = page.headers["Content-Security-Policy"]
    assert "'nonce-" in csp and "'unsafe-inline'" not in csp.split("style-src")[0]
    (record,) = served.records("web.login")
    assert record.details["web_user"] == "ana" and record.outcome == "ok"
    assert record.operator == "server-os-user"


async def test_behind_https_the_cookie_is_secure_and_host_bound(make_served: MakeServed) -> None:
    served = await make_served(public_url="https://inspector.example.com")
    answer = await served.client.post(
        "/login",
        data={"name": "ana", "password": PASSWORDS["ana"]},
        headers={"Origin": "https://inspector.example.com"},
        allow_redirects=False,
    )
    assert answer.status == 303
    cookie = answer.headers["Set-Cookie"]
    assert cookie.startswith("__Host-inspector_session=") and "Secure" in cookie


async def test_a_wrong_password_is_refused_and_recorded_without_the_password(
    make_served: MakeServed,
) -> None:
    served = await make_served()
    answer = await served.login("ana", "not ana's passphrase at all")
    assert answer.status == 401
    assert "Set-Cookie" not in answer.headers
    assert "Wrong user or password" in await answer.text()
    unknown = await served.login("ana", "x" * 20)
    assert unknown.status == 401
    records = served.records("web.login_failed")
    assert len(records) == 2
    assert all(r.details["web_user"] == "ana" and r.outcome == "refused" for r in records)
    everything = json.dumps([e.details for e in served.journal.entries(limit=1000)])
    assert "not ana's passphrase" not in everything and "x" * 20 not in everything
    assert served.records("web.login") == []
    assert (await served.client.get("/", allow_redirects=False)).status == 303


async def test_failed_logins_are_held_back_per_account_and_per_address(
    make_served: MakeServed,
) -> None:
    served = await make_served()
    for _ in range(5):
        assert (await served.login("ana", "wrong wrong wrong")).status == 401
    # Past five failures even the right password is not checked for a while.
    held = await served.login("ana")
    assert held.status == 429 and int(held.headers["Retry-After"]) >= 1
    assert "Too many failed logins" in await held.text()
    # The address is held back too: another account from it waits as well.
    assert (await served.login("bob")).status == 429


async def test_a_login_from_a_foreign_page_is_refused(make_served: MakeServed) -> None:
    served = await make_served()
    for origin in ("https://evil.example", "null"):
        answer = await served.client.post(
            "/login",
            data={"name": "ana", "password": PASSWORDS["ana"]},
            headers={"Origin": origin},
            allow_redirects=False,
        )
        assert answer.status == 403
    assert served.records("web.login") == []


async def test_a_tampered_cookie_is_no_session(make_served: MakeServed) -> None:
    served = await make_served()
    await served.login("ana")
    jar = served.client.session.cookie_jar
    (cookie,) = [c for c in jar if c.key == "inspector_session"]
    token = cookie.value
    jar.clear()
    tampered = token[:-2] + ("AA" if token[-2:] != "AA" else "BB")
    answer = await served.client.get(
        "/", cookies={"inspector_session": tampered}, allow_redirects=False
    )
    assert answer.status == 303 and answer.headers["Location"] == "/login"
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        await served.client.ws_connect(
            "/ws", headers={"Origin": served.origin, "Cookie": f"inspector_session={tampered}"}
        )
    assert refused.value.status == 403


async def test_an_expired_login_is_no_session(make_served: MakeServed) -> None:
    served = await make_served(login_lifetime_s=600)
    await served.login("ana")
    assert (await served.client.get("/", allow_redirects=False)).status == 200
    served.clock.now += 601
    assert (await served.client.get("/", allow_redirects=False)).status == 303
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        await served.ws()
    assert refused.value.status == 403


async def test_a_logout_ends_the_login_and_is_recorded(make_served: MakeServed) -> None:
    served = await make_served()
    await served.login("ana")
    answer = await served.client.post(
        "/logout", headers={"Origin": served.origin}, allow_redirects=False
    )
    assert answer.status == 303 and answer.headers["Location"] == "/login"
    assert (await served.client.get("/", allow_redirects=False)).status == 303
    (record,) = served.records("web.logout")
    assert record.details["web_user"] == "ana"


# -- the websocket ------------------------------------------------------------------------------


async def test_the_websocket_is_refused_without_a_session(make_served: MakeServed) -> None:
    served = await make_served()
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        await served.ws()
    assert refused.value.status == 403
    assert served.server.sessions == {}


async def test_the_websocket_is_refused_from_a_foreign_origin(make_served: MakeServed) -> None:
    served = await make_served()
    await served.login("ana")
    for origin in ("https://evil.example", f"http://evil.example:{served.client.port}", None):
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await served.ws(origin=origin)
        assert refused.value.status == 403
    assert served.server.sessions == {}


async def test_a_removed_account_can_no_longer_open_a_session(make_served: MakeServed) -> None:
    served = await make_served()
    await served.login("bob")
    served.accounts.remove("bob")
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        await served.ws()
    assert refused.value.status == 403
    assert (await served.client.get("/", allow_redirects=False)).status == 303


# -- a single-sign-on proxy's header ------------------------------------------------------------


async def test_the_trusted_header_from_an_untrusted_address_is_refused_and_recorded(
    make_served: MakeServed,
) -> None:
    # The test client connects from 127.0.0.1; the proxy is elsewhere.
    served = await make_served(
        header_mode=True, trust_header="X-Forwarded-User", trusted_proxy="10.20.30.40"
    )
    headers = {"X-Forwarded-User": "mallory", "Origin": served.origin}
    page = await served.client.get("/", headers=headers)
    assert page.status == 403
    assert "only from the trusted proxy" in await page.text()
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        await served.client.ws_connect("/ws", headers=headers)
    assert refused.value.status == 403
    (record,) = served.records("web.login_failed")[-1:]
    assert record.details["web_user"] == "mallory" and record.details["address"] == "127.0.0.1"
    # No header at all: nobody, and no login page to fall back on.
    assert (await served.client.get("/")).status == 403
    assert (await served.client.get("/login")).status == 404


async def test_the_trusted_header_from_the_proxy_names_the_user(make_served: MakeServed) -> None:
    served = await make_served(
        header_mode=True, trust_header="X-Forwarded-User", trusted_proxy="127.0.0.1"
    )
    page = await served.client.get("/", headers={"X-Forwarded-User": "carol@example.com"})
    assert page.status == 200
    html = await page.text()
    assert "signed in as carol@example.com" in html and 'action="/logout"' not in html
    # A cookie or a password means nothing here.
    assert (await served.login("ana")).status == 404
    bad = await served.client.get("/", headers={"X-Forwarded-User": "two words"})
    assert bad.status == 403


# -- headers on every answer -------------------------------------------------------------------


async def test_every_answer_forbids_framing_and_caching(make_served: MakeServed) -> None:
    served = await make_served()
    for path in ("/login", "/"):
        answer = await served.client.get(path, allow_redirects=False)
        assert "frame-ancestors 'none'" in answer.headers["Content-Security-Policy"]
        assert answer.headers["X-Frame-Options"] == "DENY"
        assert answer.headers["Cache-Control"] == "no-store"


async def test_a_password_typed_as_the_user_name_stays_out_of_the_journal(
    make_served: MakeServed,
) -> None:
    served = await make_served()
    assert (await served.login("ana", "")).status in (400, 401)
    answer = await served.client.post(
        "/login",
        data={"name": "my secret phrase!", "password": "x"},
        headers={"Origin": served.origin},
        allow_redirects=False,
    )
    assert answer.status == 401
    everything = json.dumps([e.details for e in served.journal.entries(limit=1000)])
    assert "my secret phrase" not in everything
    assert served.records("web.login_failed")[0].details["web_user"] == "?"
