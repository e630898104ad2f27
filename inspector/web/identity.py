"""Who a browser session's app process acts for: a token signed by the server.

The server signs {user, session, profile, expiry} with a key kept in a file only its own
OS user can read (created 0600 in a 0700 directory of the data directory), and hands
the token to the app process through an inherited pipe: never on its command line, in
its environment or through a shell. The app process (inspector.web.session) checks the
signature, the profile and the expiry before it runs anything, so a local user starting
it by hand cannot claim a web user's name without that key.

Standard library only: the app process imports this before Textual.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import json
import os
import secrets
import stat
import time
from dataclasses import dataclass
from pathlib import Path

KEY_BYTES = 32
# A token is used once, right after the server starts the process: a short life.
TOKEN_LIFETIME_S = 60
MAX_TOKEN_BYTES = 4096
_CONTEXT = b"inspector-web-identity-v1\x00"


class IdentityError(Exception):
    """The token is missing, malformed, forged, expired or for another profile; or the
    key cannot be read. One line, never the key or the token."""


@dataclass(frozen=True)
class Identity:
    user: str
    session: str
    profile: str


def key_path() -> Path:
    from inspector.config import data_dir

    return data_dir() / "web" / "session.key"


def load_or_create_key(path: Path | None = None) -> bytes:
    """The server's key, created on first use. IdentityError when it is readable by
    others (it must be the server's alone) or cannot be made."""
    path = path or key_path()
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return read_key(path)
    except OSError as exc:
        raise IdentityError(f"cannot create the session key {path}: {exc.strerror}") from None
    with os.fdopen(fd, "w") as out:
        out.write(secrets.token_hex(KEY_BYTES))
    return read_key(path)


def read_key(path: Path | None = None) -> bytes:
    path = path or key_path()
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError as exc:
        raise IdentityError(f"cannot read the session key {path}: {exc.strerror}") from None
    with os.fdopen(fd) as file:
        info = os.fstat(file.fileno())
        if info.st_mode & (stat.S_IRWXG | stat.S_IRWXO) or info.st_uid != os.getuid():
            raise IdentityError(
                f"the session key {path} must belong to this user and be readable by it"
                " alone (chmod 600)"
            )
        text = file.read(4 * KEY_BYTES).strip()
    try:
        key = bytes.fromhex(text)
    except ValueError:
        key = b""
    if len(key) < KEY_BYTES:
        raise IdentityError(f"the session key {path} is malformed; delete it to make a new one")
    return key


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(key: bytes, payload: bytes) -> bytes:
    return hmac.new(key, _CONTEXT + payload, hashlib.sha256).digest()


def sign(key: bytes, identity: Identity, *, now: float | None = None) -> str:
    claims = {
        "user": identity.user,
        "session": identity.session,
        "profile": identity.profile,
        "exp": int((now if now is not None else time.time()) + TOKEN_LIFETIME_S),
    }
    payload = json.dumps(claims, sort_keys=True, separators=(",", ":")).encode("utf-8")
    return f"{_b64(payload)}.{_b64(_mac(key, payload))}"


def verify(key: bytes, token: str, *, profile: str, now: float | None = None) -> Identity:
    """The identity a token carries, once its signature, expiry and profile hold."""
    now = now if now is not None else time.time()
    try:
        payload_text, mac_text = token.strip().split(".")
        payload, mac = _unb64(payload_text), _unb64(mac_text)
    except ValueError:
        raise IdentityError("the session's identity token is malformed") from None
    if not hmac.compare_digest(mac, _mac(key, payload)):
        raise IdentityError("the session's identity token is not signed by this server")
    try:
        claims = json.loads(payload)
        user, session, claimed = claims["user"], claims["session"], claims["profile"]
        expires = float(claims["exp"])
    except (ValueError, KeyError, TypeError):
        raise IdentityError("the session's identity token is malformed") from None
    if not all(isinstance(x, str) and x for x in (user, session, claimed)):
        raise IdentityError("the session's identity token is malformed")
    if expires < now or expires > now + 2 * TOKEN_LIFETIME_S:
        raise IdentityError("the session's identity token has expired")
    if claimed != profile:
        raise IdentityError("the session's identity token is for another profile")
    return Identity(user, session, claimed)


def read_token(fd: int) -> str:
    """The token the server wrote into the inherited pipe `fd` (then closed by it)."""
    chunks = []
    size = 0
    try:
        while size <= MAX_TOKEN_BYTES:
            chunk = os.read(fd, 1024)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as exc:
        raise IdentityError(f"cannot read the identity token: {exc.strerror}") from None
    finally:
        with contextlib.suppress(OSError):
            os.close(fd)
    if size > MAX_TOKEN_BYTES:
        raise IdentityError("the identity token is too long")
    try:
        return b"".join(chunks).decode("ascii")
    except UnicodeDecodeError:
        raise IdentityError("the session's identity token is malformed") from None
