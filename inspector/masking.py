"""Masking of push tokens and advertising IDs: what is shown unless a reveal is asked for."""

from __future__ import annotations

MASK = "•"


def mask_token(token: str | None, visible: int = 6) -> str:
    """Keep the last `visible` characters: enough to tell two tokens apart, not to use one."""
    if not token:
        return "—"
    if len(token) <= visible * 2:
        return MASK * len(token)
    return f"{MASK * 6}{token[-visible:]}"


def mask_advertising_id(adid: str | None) -> str:
    if not adid:
        return "—"
    return f"{MASK * 8}-{MASK * 4}-{MASK * 4}-{MASK * 4}-{MASK * 8}{adid[-4:]}"
