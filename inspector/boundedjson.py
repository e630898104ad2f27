"""JSON from the outside world (store columns, journal details, user input), parsed with
bounds and written so that any terminal or JSON reader takes it.

Python's json module recurses once per nesting level: 30,000 `[` end in a RecursionError.
The depth is therefore measured first, without recursion, and text over the bounds is
refused with a reason. `NaN`, `Infinity` and numbers that overflow a float (`1e999`) are
kept as the text they were, so they never turn into invalid JSON on output.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

MAX_DEPTH = 64
MAX_CHARS = 1_000_000
# What is shown of a value that could not be parsed.
RAW_PREVIEW = 2_000

# A JSON string (with escapes) or one bracket: strings are skipped, brackets counted.
_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"?|[\[\]{}]')


class JsonBoundError(ValueError):
    """Text that is not JSON within the bounds; the message says why in one line."""


def depth(text: str) -> int:
    """The deepest nesting of arrays and objects in `text` (0 for a scalar)."""
    deepest = level = 0
    for match in _TOKENS.finditer(text):
        token = match.group()
        if token in ("[", "{"):
            level += 1
            deepest = max(deepest, level)
        elif token in ("]", "}"):
            level -= 1
    return deepest


def _number(text: str) -> float | str:
    value = float(text)
    return value if math.isfinite(value) else text


def loads(text: str | bytes, *, max_depth: int = MAX_DEPTH, max_chars: int = MAX_CHARS) -> Any:
    """Parse JSON within the bounds; JsonBoundError (a ValueError) with the reason."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    if len(text) > max_chars:
        raise JsonBoundError(f"{len(text):,} characters of JSON; the limit is {max_chars:,}")
    if depth(text) > max_depth:
        raise JsonBoundError(f"JSON nested deeper than {max_depth} levels")
    try:
        # strict=False: a raw control character inside a string (producers write them)
        # is data like any other; it is escaped wherever it is shown or written.
        return json.loads(text, parse_float=_number, parse_constant=str, strict=False)
    except (ValueError, RecursionError) as exc:
        reason = exc.msg if isinstance(exc, json.JSONDecodeError) else type(exc).__name__
        raise JsonBoundError(f"not valid JSON ({reason})") from None


def parse_object(value: object) -> dict[str, Any]:
    """A stored JSON object column as a dict, whatever the driver gave.

    Text is parsed within the bounds; a dict the driver already decoded (JSONB) is taken
    as it is. Anything else is kept, clipped, under `_raw`, with `_note` saying why.
    """
    if value is None or value == "":
        return {}
    if isinstance(value, dict):
        return value
    if isinstance(value, (bytes, bytearray, memoryview)):
        value = bytes(value).decode("utf-8", errors="replace")
    if not isinstance(value, str):
        try:
            text = json.dumps(value, allow_nan=False)
        except (TypeError, ValueError, RecursionError):
            return {"_raw": str(value)[:RAW_PREVIEW], "_note": "not a JSON value"}
        value = text
    try:
        parsed = loads(value)
    except JsonBoundError as exc:
        raw = value if len(value) <= RAW_PREVIEW else value[:RAW_PREVIEW] + "…"
        return {"_raw": raw, "_note": str(exc)}
    return parsed if isinstance(parsed, dict) else {"_raw": parsed}


def _finite(value: Any) -> Any:
    """Floats that JSON cannot carry become their text; containers are walked without
    recursion limits mattering, since parsed values are bounded to MAX_DEPTH."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {str(k): _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value


def dumps(value: Any, *, indent: int | None = None) -> str:
    """JSON for a terminal or a pipe: ASCII only (controls, C1, bidi overrides and every
    other non-ASCII character as \\u escapes) and never NaN or Infinity. DEL too, which
    JSON leaves raw although it is a control character."""
    try:
        text = json.dumps(value, ensure_ascii=True, allow_nan=False, indent=indent, default=str)
    except ValueError:
        text = json.dumps(
            _finite(value), ensure_ascii=True, allow_nan=False, indent=indent, default=str
        )
    return text.replace("\x7f", "\\u007f")
