"""The pieces of `inspector serve` on their own: accounts on every journal dialect, the
password hashes, the identity tokens, the failed-login throttle and the login sessions."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy.engine import URL

from inspector.config import load_settings
from inspector.journal import Journal
from inspector.web.accounts import (
    AccountError,
    Accounts,
    UnknownAccount,
    hash_password,
    password_matches,
)
from inspector.web.identity import Identity, IdentityError, sign, verify
from inspector.web.logins import Logins
from inspector.web.throttle import FREE_FAILURES, MAX_KEYS, Throttle


def test_accounts_live_in_the_journal_database_on_every_dialect(
    dialect: str, make_database: Callable[[str], URL], sqlite_demo_url: URL
) -> None:
    journal_url = make_database(dialect)
    settings = load_settings(
        {
            "INSPECTOR_STORE_URL": sqlite_demo_url.render_as_string(False),
            "INSPECTOR_JOURNAL_URL": journal_url.render_as_string(False),
            "INSPECTOR_ENVIRONMENT": "staging",
        }
    )
    Journal.open(settings).close()
    accounts = Accounts.open(settings)
    try:
        accounts.add("ana", "a long enough passphrase")
        accounts.add("Ana", "another long passphrase")  # names are exact, like the journal's
        with pytest.raises(AccountError, match="already an account named 'ana'"):
            accounts.add("ana", "a long enough passphrase")
        assert accounts.verify("ana", "a long enough passphrase")
        assert not accounts.verify("ana", "another long passphrase")
        assert not accounts.verify("nobody", "a long enough passphrase")
        assert not accounts.verify("bad name\n", "a long enough passphrase")
        accounts.set_password("ana", "a new long passphrase")
        assert accounts.verify("ana", "a new long passphrase")
        assert [a.name for a in accounts.list()] == ["Ana", "ana"]
        accounts.remove("ana")
        with pytest.raises(UnknownAccount):
            accounts.remove("ana")
        with pytest.raises(UnknownAccount):
            accounts.set_password("ana", "a new long passphrase")
        assert accounts.changed_at("ana") is None
    finally:
        accounts.close()
    # Opening again finds the table there.
    Accounts.open(settings).close()


def test_a_hash_holds_its_parameters_and_never_the_password() -> None:
    stored = hash_password("a long enough passphrase", n=2**10)
    scheme, n, r, p, _salt, _digest = stored.split("$")
    assert (scheme, n, r, p) == ("scrypt", "1024", "8", "1")
    assert "passphrase" not in stored
    assert password_matches("a long enough passphrase", stored)
    assert not password_matches("a long enough passphrasf", stored)
    assert stored != hash_password("a long enough passphrase", n=2**10)  # salted
    for broken in ("", "scrypt$1$2", "bcrypt$1024$8$1$AA==$AA==", "scrypt$x$8$1$AA==$AA=="):
        assert not password_matches("anything", broken)


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short", "at least 12"),
        ("x" * 1025, "at most 1024"),
        ("twelve chars\x1b[31m", "control or invisible"),
    ],
)
def test_weak_or_odd_passwords_are_refused(password: str, message: str) -> None:
    from inspector.web.accounts import check_password

    with pytest.raises(AccountError, match=message):
        check_password(password)


def test_an_identity_token_is_bound_to_its_key_profile_and_time() -> None:
    key = b"k" * 32
    me = Identity("ana", "s1", "staging")
    token = sign(key, me, now=1000.0)
    assert verify(key, token, profile="staging", now=1000.0) == me
    with pytest.raises(IdentityError, match="not signed by this server"):
        verify(b"j" * 32, token, profile="staging", now=1000.0)
    with pytest.raises(IdentityError, match="another profile"):
        verify(key, token, profile="production", now=1000.0)
    with pytest.raises(IdentityError, match="expired"):
        verify(key, token, profile="staging", now=2000.0)
    payload, mac = token.split(".")
    forged = sign(key, Identity("bob", "s1", "staging"), now=1000.0).split(".")[0]
    with pytest.raises(IdentityError, match="not signed"):
        verify(key, f"{forged}.{mac}", profile="staging", now=1000.0)
    with pytest.raises(IdentityError, match="malformed"):
        verify(key, payload, profile="staging", now=1000.0)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_failed_logins_lock_for_longer_each_time_and_a_success_clears() -> None:
    clock = Clock()
    throttle = Throttle(clock)
    for _ in range(FREE_FAILURES - 1):
        throttle.failed("ana", "10.0.0.1")
    assert throttle.wait_s("ana", "10.0.0.1") == 0
    throttle.failed("ana", "10.0.0.1")
    first = throttle.wait_s("ana", "10.0.0.1")
    assert first > 0
    # The account is held back from any address, and the address for any account.
    assert throttle.wait_s("ana", "10.9.9.9") == first
    assert throttle.wait_s("bob", "10.0.0.1") == first
    assert throttle.wait_s("bob", "10.9.9.9") == 0
    clock.now += first
    throttle.failed("ana", "10.0.0.1")
    assert throttle.wait_s("ana", "10.0.0.1") == 2 * first
    throttle.succeeded("ana", "10.0.0.1")
    assert throttle.wait_s("ana", "10.0.0.1") == 0


def test_the_throttle_forgets_and_stays_bounded() -> None:
    clock = Clock()
    throttle = Throttle(clock)
    for _ in range(FREE_FAILURES + 3):
        throttle.failed("ana", "10.0.0.1")
    clock.now += 3601
    assert throttle.wait_s("ana", "10.0.0.1") == 0
    for i in range(MAX_KEYS):
        throttle.failed(f"user{i}", f"10.1.{i // 256}.{i % 256}")
    assert len(throttle._counts) <= MAX_KEYS


def test_a_login_session_is_the_cookie_s_token_and_expires() -> None:
    clock = Clock()
    logins = Logins(60, clock)
    token, login = logins.start("ana")
    assert logins.get(token) == login and login.user == "ana"
    assert logins.get(token + "x") is None and logins.get(None) is None
    clock.now += 61
    assert logins.get(token) is None
    token, _ = logins.start("ana")
    other, _ = logins.start("bob")
    assert [x.user for x in logins.end_user("ana")] == ["ana"]
    assert logins.get(token) is None and logins.get(other) is not None
