"""A journal as the inspector wrote it at schema version 1 (before records named their
profile), built here from a frozen copy of that version's tables, triggers and hash, so
the upgrade is tested against what an older inspector left, not against today's code.

Version 1's hash: SHA-256 of json.dumps([seq, at, operator, environment, store,
installation_id, action, outcome, ref_id, details, prev_hash], ensure_ascii=True,
separators=(",", ":")), `at` as ISO text with microseconds; the first record follows
64 zeros.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    insert,
    select,
    update,
)
from sqlalchemy.dialects import mysql
from sqlalchemy.engine import URL

from tests.journal.conftest import raw_engine

GENESIS = "0" * 64
_Timestamp = DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")
_OPTIONS = {"mysql_charset": "utf8mb4", "mysql_collate": "utf8mb4_bin", "mysql_engine": "InnoDB"}
metadata = MetaData()

schema_versions = Table(
    "journal_schema",
    metadata,
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("applied_at", _Timestamp, nullable=False),
    **_OPTIONS,
)
meta = Table(
    "journal_meta",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("value", Text, nullable=False),
    **_OPTIONS,
)
chain_head = Table(
    "audit_chain_head",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("seq", BigInteger, nullable=False),
    Column("hash", String(64), nullable=False),
    **_OPTIONS,
)
audit_log = Table(
    "audit_log",
    metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("at", _Timestamp, nullable=False),
    Column("operator", String(200), nullable=False),
    Column("environment", String(32), nullable=False),
    Column("store", String(300), nullable=False),
    Column("installation_id", String(128), nullable=True),
    Column("action", String(64), nullable=False),
    Column("outcome", String(200), nullable=False),
    Column("ref_id", BigInteger, nullable=True),
    Column("details", Text, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    Index("ix_audit_installation", "installation_id", "seq"),
    Index("ix_audit_operator_action", "operator", "action", "at"),
    Index("ix_audit_at", "at"),
    Index("ix_audit_ref", "ref_id"),
    **_OPTIONS,
)
test_devices = Table(
    "test_devices",
    metadata,
    Column("installation_id", String(128), primary_key=True),
    Column("label", String(200), nullable=False),
    Column("owner", String(200), nullable=False),
    Column("added_at", _Timestamp, nullable=False),
    Column("added_by", String(200), nullable=False),
    **_OPTIONS,
)

_MESSAGE = "audit_log is append-only"
TRIGGERS = {
    "sqlite": [
        f"CREATE TRIGGER IF NOT EXISTS audit_log_no_update BEFORE UPDATE ON audit_log "
        f"BEGIN SELECT RAISE(ABORT, '{_MESSAGE}'); END",
        f"CREATE TRIGGER IF NOT EXISTS audit_log_no_delete BEFORE DELETE ON audit_log "
        f"BEGIN SELECT RAISE(ABORT, '{_MESSAGE}'); END",
    ],
    "postgresql": [
        "CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger "
        f"LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION '{_MESSAGE}'; END $$",
        "CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log "
        "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()",
        "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log "
        "FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()",
    ],
    "mysql": [
        "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log FOR EACH ROW "
        f"SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = '{_MESSAGE}'",
        "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log FOR EACH ROW "
        f"SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = '{_MESSAGE}'",
    ],
}


def _family(url: URL) -> str:
    backend = url.get_backend_name()
    return "mysql" if backend in ("mysql", "mariadb") else backend


V1_COLUMNS = ("seq", "at", "operator", "environment", "store", "installation_id", "action",
              "outcome", "ref_id", "details")  # fmt: skip


def v1_hash(row: dict[str, Any]) -> str:
    fields = [row[c] for c in V1_COLUMNS]
    fields[1] = row["at"].isoformat(timespec="microseconds")
    text = json.dumps([*fields, row["prev_hash"]], ensure_ascii=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def create_version1_journal(url: URL) -> None:
    """Tables, triggers, head and key as version 1 created them, and its version row."""
    engine = raw_engine(url)
    with engine.begin() as conn:
        metadata.create_all(conn)
        for statement in TRIGGERS[_family(url)]:
            conn.exec_driver_sql(statement)
        conn.execute(insert(chain_head).values(id=1, seq=0, hash=GENESIS))
        conn.execute(insert(meta).values(name="hash_key", value=secrets.token_hex(32)))
        conn.execute(insert(schema_versions).values(version=1, applied_at=datetime(2026, 1, 1)))
    engine.dispose()


def append_version1_records(url: URL, count: int, operator: str = "old-ana") -> list[int]:
    """`count` records written the way version 1 wrote them (no profile), chained onto
    the head; their ids."""
    engine = raw_engine(url)
    ids = []
    with engine.begin() as conn:
        seq, prev = conn.execute(select(chain_head.c.seq, chain_head.c.hash)).one()
        base = datetime.now(UTC).replace(tzinfo=None) - timedelta(hours=1)
        for n in range(count):
            seq += 1
            row: dict[str, Any] = {
                "seq": seq,
                "at": base + timedelta(seconds=seq, microseconds=123_457),
                "operator": operator,
                "environment": "staging",
                "store": "replica/installations",
                "installation_id": f"iid-old-{n}" if n % 2 == 0 else None,
                "action": "lookup" if n % 2 else "reveal",
                "outcome": "found",
                "ref_id": None,
                "details": '{"n":' + str(n) + ',"note":"caf\\u00e9"}',
                "prev_hash": prev,
            }
            row["hash"] = prev = v1_hash(row)
            conn.execute(insert(audit_log).values(**row))
            ids.append(seq)
        conn.execute(update(chain_head).where(chain_head.c.id == 1).values(seq=seq, hash=prev))
    engine.dispose()
    return ids
