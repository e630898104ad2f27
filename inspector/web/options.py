"""The options of `inspector serve`, checked before anything starts: loopback unless an
https public URL says a reverse proxy terminates TLS in front; a trusted header only
with the proxy's address; limits above zero."""

from __future__ import annotations

import ipaddress
import math
import re
from dataclasses import dataclass, replace
from urllib.parse import urlsplit

from inspector.dburl import is_loopback_host
from inspector.safetext import clip, escape

HEADER_NAME = re.compile(r"[A-Za-z0-9-]{1,64}")


class ServeError(Exception):
    """A refused `serve` option: one line naming it."""


@dataclass(frozen=True)
class ServeOptions:
    host: str = "127.0.0.1"
    port: int = 8000
    public_url: str | None = None
    trust_header: str | None = None
    trusted_proxy: str | None = None
    max_sessions: int = 20
    max_sessions_per_user: int = 3
    idle_timeout_s: float = 30 * 60
    login_lifetime_s: float = 8 * 3600
    # After asking an app to quit: how long before it is terminated, then killed.
    stop_grace_s: float = 1.5
    # Every failed login answers no sooner than this: guessing is slow even before a lock.
    failed_login_delay_s: float = 1.0

    @property
    def secure(self) -> bool:
        return bool(self.public_url and self.public_url.startswith("https://"))

    @property
    def proxy_network(self) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
        if self.trusted_proxy is None:
            return None
        return ipaddress.ip_network(self.trusted_proxy, strict=False)


def check_options(options: ServeOptions) -> ServeOptions:
    """The options once they are coherent, else ServeError naming the one at fault."""
    if not 0 <= options.port <= 65535:
        raise ServeError(f"--port must be from 1 to 65535, got {options.port}")
    public = options.public_url
    if public is not None:
        parts = urlsplit(public.strip())
        try:
            parts.port  # noqa: B018 - a malformed port raises here
        except ValueError:
            parts = urlsplit("")
        if (
            parts.scheme != "https"
            or not parts.hostname
            or parts.username
            or parts.password
            or parts.path not in ("", "/")
            or parts.query
            or parts.fragment
        ):
            raise ServeError(
                "--public-url must be the https:// origin the reverse proxy serves, such as"
                f" https://inspector.example.com, got {escape(clip(public, 80))!r}"
            )
        options = replace(options, public_url=f"https://{parts.netloc.lower()}")
    if not is_loopback_host(options.host) and options.public_url is None:
        raise ServeError(
            f"--host {escape(clip(options.host, 80))} is not a loopback address: serving"
            " beyond this machine needs --public-url https://… (TLS ends at a reverse proxy)"
        )
    if (options.trust_header is None) != (options.trusted_proxy is None):
        raise ServeError("--trust-header and --trusted-proxy go together")
    if options.trust_header is not None and not HEADER_NAME.fullmatch(options.trust_header):
        raise ServeError(
            f"--trust-header must be a header name, got {escape(clip(options.trust_header, 80))!r}"
        )
    if options.trusted_proxy is not None:
        try:
            options.proxy_network  # noqa: B018 - parses the address
        except ValueError:
            raise ServeError(
                "--trusted-proxy must be an IP address or network, got"
                f" {escape(clip(options.trusted_proxy, 80))!r}"
            ) from None
    for name, value in (
        ("--max-sessions", options.max_sessions),
        ("--max-sessions-per-user", options.max_sessions_per_user),
        ("--idle-timeout", options.idle_timeout_s),
        ("--login-hours", options.login_lifetime_s),
    ):
        if not math.isfinite(value) or value <= 0:
            raise ServeError(f"{name} must be a number more than 0")
    return options
