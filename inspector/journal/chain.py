"""The hash chain: canonical serialisation of a record and the walk that verifies it.

hash = SHA-256 of a JSON array (ASCII, no spaces) of the record's fields in a fixed
order, ending with the previous record's hash. The first record follows GENESIS.

A record names its profile since schema version 2: the profile is then in the array,
after `details`. A record written before has none (NULL) and its array is the one it was
hashed with, without it, so an upgraded journal still verifies; setting or clearing a
record's profile afterwards changes its array, and verify names it as edited.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from datetime import datetime
from json.encoder import encode_basestring_ascii
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from inspector.journal.records import VerifyResult

GENESIS = "0" * 64
# The columns a record's hash covers, in the order they are serialised.
HASHED_COLUMNS = (
    "seq",
    "at",
    "operator",
    "environment",
    "store",
    "installation_id",
    "action",
    "outcome",
    "ref_id",
    "details",
    "profile",
)
_esc = encode_basestring_ascii  # JSON string literal, ASCII only (C implementation)
_sha256 = hashlib.sha256


def canonical_at(value: datetime | str) -> str:
    """A naive UTC timestamp as ISO text with microseconds, whatever the driver returned."""
    if isinstance(value, str):  # SQLite hands back its stored text
        if len(value) == 26 and value[10] == " ":
            return f"{value[:10]}T{value[11:]}"  # SQLAlchemy's own format: no parsing needed
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=None).isoformat(timespec="microseconds")


def canonical_text(fields: Sequence[Any], prev_hash: str) -> str:
    """json.dumps([*fields, prev_hash], ensure_ascii=True, separators=(",", ":")), the
    profile left out when it is None (a record from before profiles); written out by hand
    for the fixed column types: verify runs this a million times."""
    seq, at, operator, environment, store, iid, action, outcome, ref_id, details, profile = fields
    return (
        f"[{int(seq)},{_esc(at)},{_esc(operator)},{_esc(environment)},{_esc(store)},"
        f"{'null' if iid is None else _esc(iid)},{_esc(action)},{_esc(outcome)},"
        f"{'null' if ref_id is None else int(ref_id)},{_esc(details)},"
        f"{'' if profile is None else _esc(profile) + ','}{_esc(prev_hash)}]"
    )


def record_hash(fields: Sequence[Any], prev_hash: str) -> str:
    """fields: the HASHED_COLUMNS values, `at` already canonical."""
    return _sha256(canonical_text(fields, prev_hash).encode()).hexdigest()


def walk(rows: Iterable[Sequence[Any]], head_seq: int | None = None) -> VerifyResult:
    """rows: (*HASHED_COLUMNS, prev_hash, hash) in seq order. Names the first bad record."""
    from inspector.journal.records import VerifyResult

    expected_seq = 1
    prev = GENESIS
    checked = 0
    for row in rows:
        seq = int(row[0])
        prev_hash, stored = row[-2], row[-1]
        if seq != expected_seq:
            if seq > expected_seq:
                what = (f"record {expected_seq} is missing: the chain jumps from "
                        f"{expected_seq - 1} to {seq} (deleted or renumbered)")  # fmt: skip
                return VerifyResult(False, checked, expected_seq, what)
            return VerifyResult(False, checked, seq, f"record {seq} is out of sequence")
        if prev_hash != prev:
            return VerifyResult(
                False,
                checked,
                seq,
                f"record {seq} does not follow record {seq - 1} "
                "(a record before it was edited, inserted, deleted or reordered)",
            )
        fields = (seq, canonical_at(row[1]), *row[2:-2])
        if record_hash(fields, prev_hash) != stored:
            return VerifyResult(
                False, checked, seq, f"record {seq} was edited after it was written"
            )
        prev = stored
        expected_seq += 1
        checked += 1
    if head_seq is not None and head_seq != checked:
        if head_seq > checked:
            problem = (f"records {checked + 1} to {head_seq} are missing "
                       "(the chain head says they were written)")  # fmt: skip
            return VerifyResult(False, checked, checked + 1, problem)
        problem = f"record {head_seq + 1} was written behind the chain head"
        return VerifyResult(False, checked, head_seq + 1, problem)
    return VerifyResult(True, checked, head_hash=None if checked == 0 else prev)
