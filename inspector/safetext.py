"""Text from the outside world made harmless for a terminal and a one-line record.

Records keep what was given (JSON details, bounded fields); everything is escaped when
shown. Newlines, carriage returns, escape sequences (ESC, the C1 CSI), bidi overrides and
other invisible characters are written as visible escapes, so a value cannot forge a
line of `audit list` or colour the terminal. Backslashes are doubled so the escaped
form stays unambiguous.
"""

from __future__ import annotations

import unicodedata

_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t", "\\": "\\\\"}
_UNSAFE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


def _is_unsafe(ch: str) -> bool:
    return unicodedata.category(ch) in _UNSAFE_CATEGORIES


def has_unsafe(text: str) -> bool:
    """True when the text holds a control, format or separator character."""
    return any(_is_unsafe(ch) for ch in text)


def escape(text: str) -> str:
    """One printable line: safe to show in a terminal whatever the input was."""
    if text.isascii() and text.isprintable() and "\\" not in text:
        return text  # the common case, kept fast
    out = []
    for ch in text:
        if ch in _NAMED:
            out.append(_NAMED[ch])
        elif _is_unsafe(ch):
            code = ord(ch)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000
                       else f"\\U{code:08x}")  # fmt: skip
        else:
            out.append(ch)
    return "".join(out)


def clip(text: str, limit: int) -> str:
    """At most `limit` characters, with an ellipsis when cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def field(text: str | None, limit: int) -> str:
    """A short stored field (operator, action, ...): bounded to its column, and free of
    what no engine stores (NUL, lone surrogates). Escaping happens when it is shown."""
    value = text or ""
    if not value.isascii() or "\x00" in value:
        value = "".join(
            "\ufffd" if ch == "\x00" or "\ud800" <= ch <= "\udfff" else ch for ch in value
        )
    return clip(value, limit)
