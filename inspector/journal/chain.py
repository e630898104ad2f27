"""The hash chain: canonical serialisation of a record and the walk that verifies it.

hash = SHA-256 of a JSON array (ASCII, no spaces) of the record's fields in a fixed
order, ending with the previous record's hash. The first record follows GENESIS.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

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
)
_dumps = json.JSONEncoder(ensure_ascii=True, separators=(",", ":")).encode
_sha256 = hashlib.sha256


def canonical_at(value: datetime | str) -> str:
    """A naive UTC timestamp as ISO text with microseconds, whatever the driver returned."""
    if isinstance(value, str):  # SQLite hands back its stored text
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=None).isoformat(timespec="microseconds")


def record_hash(fields: Sequence[Any], prev_hash: str) -> str:
    """fields: the HASHED_COLUMNS values, `at` already canonical."""
    return _sha256(_dumps([*fields, prev_hash]).encode()).hexdigest()


def walk(rows: Iterable[Sequence[Any]], head_seq: int | None = None) -> VerifyResult:
    """rows: (*HASHED_COLUMNS, prev_hash, hash) in seq order. Names the first bad record."""
    expected_seq = 1
    prev = GENESIS
    checked = 0
    for seq, at, *rest, prev_hash, stored in rows:
        seq = int(seq)
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
        if record_hash((seq, canonical_at(at), *rest), prev_hash) != stored:
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
    return VerifyResult(True, checked)
