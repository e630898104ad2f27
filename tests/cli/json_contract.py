"""The JSON shapes the README documents, read from the README itself, and a checker that
holds real output to them: every documented key present, no key left undocumented, each
value of its documented type. The README and the output cannot drift apart.

A type ending in ", optional" (`string, optional`) is a key that only some outputs carry
(`store`: only when the profile has several stores); where present, it is of its type.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

README = Path(__file__).resolve().parents[2] / "README.md"
_SHAPE = re.compile(r"<!-- json-shape: ([\w-]+) -->\n((?:\|.*\n)+)")
_EVERY_KEY = re.compile(r"\(every key of ([\w-]+)\)")
PRIMITIVES = {"string", "integer", "number", "boolean", "object", "timestamp"}
OPTIONAL = ", optional"


@cache
def shapes() -> dict[str, dict[str, str]]:
    """Shape name -> {key: type}, with "(every key of X)" rows expanded."""
    raw: dict[str, list[tuple[str, str]]] = {}
    for name, table in _SHAPE.findall(README.read_text("utf-8")):
        rows = []
        for line in table.splitlines()[2:]:  # past the header and the rule
            key, type_, _meaning = (c.strip() for c in line.strip().strip("|").split("|"))
            rows.append((key.strip("`"), type_))
        raw[name] = rows

    def expand(name: str) -> dict[str, str]:
        keys: dict[str, str] = {}
        for key, type_ in raw[name]:
            every = _EVERY_KEY.fullmatch(key)
            if every:
                keys |= expand(every.group(1))
            else:
                keys[key] = type_
        return keys

    return {name: expand(name) for name in raw}


class ContractError(AssertionError):
    pass


def check(value: Any, shape: str, *, subset: bool = False, where: str = "$") -> None:
    """`value` is a document of `shape`: exactly its keys (`subset`: some of them, as
    --fields gives; optional keys may be absent), each of its type."""
    keys = shapes()[shape]
    if not isinstance(value, dict):
        raise ContractError(f"{where}: expected an object ({shape}), got {value!r:.80}")
    undocumented = set(value) - set(keys)
    if undocumented:
        raise ContractError(f"{where}: keys not in the README's {shape}: {sorted(undocumented)}")
    required = {key for key, type_ in keys.items() if not type_.endswith(OPTIONAL)}
    missing = set() if subset else required - set(value)
    if missing:
        raise ContractError(f"{where}: {shape} keys missing: {sorted(missing)}")
    for key, item in value.items():
        check_type(item, keys[key].removesuffix(OPTIONAL), f"{where}.{key}")


def check_type(value: Any, type_: str, where: str) -> None:
    nullable = type_.endswith(" or null")
    type_ = type_.removesuffix(" or null")
    if value is None:
        if not nullable:
            raise ContractError(f"{where}: null where the README says {type_}")
        return
    if type_.startswith("array of "):
        if not isinstance(value, list):
            raise ContractError(f"{where}: expected an array, got {value!r:.80}")
        for n, item in enumerate(value):
            check_type(item, type_.removeprefix("array of "), f"{where}[{n}]")
        return
    if type_ not in PRIMITIVES:
        check(value, type_, where=where)
        return
    ok = {
        "string": isinstance(value, str),
        "integer": isinstance(value, int) and not isinstance(value, bool),
        "number": isinstance(value, int | float) and not isinstance(value, bool),
        "boolean": isinstance(value, bool),
        "object": isinstance(value, dict),
        "timestamp": isinstance(value, str) and _is_utc(value),
    }[type_]
    if not ok:
        raise ContractError(f"{where}: {value!r:.80} is not a {type_}")


def _is_utc(text: str) -> bool:
    try:
        return datetime.fromisoformat(text).utcoffset() == timedelta(0)
    except ValueError:
        return False
