"""Built-in accounts of `inspector serve`: names and scrypt hashes, in tables of their own
in the journal database (created here, beside the journal's, with their own MetaData).

Only hashes are kept: `scrypt$N$r$p$salt$hash` (base64), parameters stored with each
hash so they can be raised later without invalidating older ones. Checking a name that
does not exist costs one scrypt too, so timing does not tell which names exist.

Open the Journal first (`Journal.open` refuses a journal URL that names the store, and
creates the journal's own tables): Accounts opens an engine on the same URL.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache

from sqlalchemy import (
    Column,
    DateTime,
    MetaData,
    String,
    Table,
    delete,
    insert,
    inspect,
    select,
    update,
)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from inspector.config import Settings
from inspector.dburl import family
from inspector.journal.engine import open_engine, translated
from inspector.safetext import clip, escape, has_unsafe

# scrypt: N=2^15, r=8, p=1 takes 32 MiB and about 0.1 s here: a login is rare, a guess
# is expensive. Stored with each hash.
SCRYPT_N = 2**15
SCRYPT_R = 8
SCRYPT_P = 1
SALT_BYTES = 16
HASH_BYTES = 32
# hashlib.scrypt refuses to use more memory than maxmem; 128*N*r plus some room.
_MAXMEM = 128 * 2**20

MIN_PASSWORD = 12
MAX_PASSWORD = 1024
MAX_NAME = 64
NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@+-]*")

web_metadata = MetaData()

web_users = Table(
    "web_users",
    web_metadata,
    Column("name", String(MAX_NAME), primary_key=True),
    Column("password_hash", String(200), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("changed_at", DateTime, nullable=False),
)

_MARIADB_OPTIONS = {"charset": "utf8mb4", "collate": "utf8mb4_bin", "engine": "InnoDB"}


class AccountError(Exception):
    """A refused account change or a bad name or password: one line, never the password."""


class UnknownAccount(AccountError):
    """No account of that name."""


@dataclass(frozen=True)
class Account:
    name: str
    created_at: datetime
    changed_at: datetime


def check_name(name: str) -> str:
    """A user name as the server shows and records it, or AccountError."""
    if not name or len(name) > MAX_NAME or not NAME_PATTERN.fullmatch(name):
        raise AccountError(
            f"a user name is 1 to {MAX_NAME} letters, digits and . _ @ + - (starting with a"
            f" letter or digit), got {escape(clip(name, 80))!r}"
        )
    return name


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"a password has at least {MIN_PASSWORD} characters")
    if len(password) > MAX_PASSWORD:
        raise AccountError(f"a password has at most {MAX_PASSWORD} characters")
    if has_unsafe(password):
        raise AccountError("a password must not contain control or invisible characters")
    return password


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def hash_password(password: str, *, n: int = SCRYPT_N, r: int = SCRYPT_R, p: int = SCRYPT_P) -> str:
    salt = secrets.token_bytes(SALT_BYTES)
    digest = hashlib.scrypt(
        password.encode("utf-8"), salt=salt, n=n, r=r, p=p, maxmem=_MAXMEM, dklen=HASH_BYTES
    )
    return f"scrypt${n}${r}${p}${_b64(salt)}${_b64(digest)}"


def password_matches(password: str, stored: str) -> bool:
    """True when `password` gives `stored`; False for a malformed stored hash."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest, validate=True)
        got = hashlib.scrypt(
            password.encode("utf-8"),
            salt=base64.b64decode(salt, validate=True),
            n=int(n),
            r=int(r),
            p=int(p),
            maxmem=_MAXMEM,
            dklen=len(expected),
        )
    except (ValueError, TypeError, MemoryError):
        return False
    return hmac.compare_digest(got, expected)


@cache
def _dummy_hash() -> str:
    """Compared against when the name does not exist: the same work as a real check."""
    return hash_password(secrets.token_urlsafe(16))


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class Accounts:
    """The accounts table of one journal database. Synchronous; safe from threads."""

    def __init__(self, engine: Engine, settings: Settings) -> None:
        self._engine = engine
        self._url = settings.journal_url

    @classmethod
    def open(cls, settings: Settings) -> Accounts:
        """Open the accounts of the profile's journal, creating their table when missing.
        JournalError when the database cannot be used."""
        url = settings.journal_url
        engine = open_engine(url, timeout_s=max(settings.statement_timeout_s, 0.1))
        try:
            with translated(url, "hold the web accounts"):
                _create_tables(engine)
        except BaseException:
            engine.dispose()
            raise
        return cls(engine, settings)

    def close(self) -> None:
        self._engine.dispose()

    def add(self, name: str, password: str) -> Account:
        name, password = check_name(name), check_password(password)
        now = _now()
        row = {"name": name, "password_hash": hash_password(password)}
        with translated(self._url, "add the account"):
            try:
                with self._engine.begin() as conn:
                    conn.execute(insert(web_users).values(**row, created_at=now, changed_at=now))
            except IntegrityError:
                raise AccountError(f"there is already an account named {name!r}") from None
        return Account(name, now, now)

    def set_password(self, name: str, password: str) -> None:
        password = check_password(password)
        new_hash = hash_password(password)
        stmt = (
            update(web_users)
            .where(web_users.c.name == name)
            .values(password_hash=new_hash, changed_at=_now())
        )
        with translated(self._url, "change the password"), self._engine.begin() as conn:
            if conn.execute(stmt).rowcount != 1:
                raise UnknownAccount(f"there is no account named {escape(clip(name, 80))!r}")

    def remove(self, name: str) -> None:
        stmt = delete(web_users).where(web_users.c.name == name)
        with translated(self._url, "remove the account"), self._engine.begin() as conn:
            if conn.execute(stmt).rowcount != 1:
                raise UnknownAccount(f"there is no account named {escape(clip(name, 80))!r}")

    def list(self) -> list[Account]:
        stmt = select(web_users.c.name, web_users.c.created_at, web_users.c.changed_at)
        with translated(self._url, "be read"), self._engine.connect() as conn:
            rows = conn.execute(stmt).all()
        accounts = [Account(r.name, r.created_at, r.changed_at) for r in rows]
        return sorted(accounts, key=lambda a: a.name)

    def count(self) -> int:
        return len(self.list())

    def changed_at(self, name: str) -> datetime | None:
        """When the account's password was last set (naive UTC); None when it is gone."""
        stmt = select(web_users.c.changed_at).where(web_users.c.name == name)
        with translated(self._url, "be read"), self._engine.connect() as conn:
            value = conn.execute(stmt).scalar()
        return value if isinstance(value, datetime) else None

    def verify(self, name: str, password: str) -> bool:
        """True when the account exists and the password is its own. Costs one scrypt
        whatever the answer (a bad name or an unknown one too)."""
        stored = None
        if NAME_PATTERN.fullmatch(name or "") and len(name) <= MAX_NAME:
            stmt = select(web_users.c.password_hash).where(web_users.c.name == name)
            with translated(self._url, "be read"), self._engine.connect() as conn:
                stored = conn.execute(stmt).scalar()
        if len(password) > MAX_PASSWORD:
            password = password[:MAX_PASSWORD]
        matched = password_matches(password, stored or _dummy_hash())
        return matched and stored is not None


def _create_tables(engine: Engine) -> None:
    dialect = engine.dialect.name
    if family(dialect) == "mysql":
        for key, value in _MARIADB_OPTIONS.items():
            web_users.dialect_kwargs[f"{dialect}_{key}"] = value
    try:
        with engine.begin() as conn:
            web_metadata.create_all(conn, checkfirst=True)
    except SQLAlchemyError:
        # Another server may have created it between the check and the create.
        with engine.connect() as conn:
            if not inspect(conn).has_table("web_users"):
                raise
