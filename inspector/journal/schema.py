"""The journal's tables and the migrations that create and upgrade them.

Versions are kept in `journal_schema`; `migrate()` applies the missing ones under a
lock, so two inspectors opening a fresh journal at once do not trip over each other.
Every dialect gets triggers that refuse UPDATE and DELETE on the audit table.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

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
)
from sqlalchemy.dialects import mysql
from sqlalchemy.engine import Connection

from inspector.journal.chain import GENESIS
from inspector.journal.errors import JournalError
from inspector.journal.keyed import new_key

# MariaDB: microsecond timestamps, and binary collation so filters are exact and
# case-sensitive like on the other engines.
Timestamp = DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")
_MYSQL = {"mysql_charset": "utf8mb4", "mysql_collate": "utf8mb4_bin", "mysql_engine": "InnoDB"}

metadata = MetaData()

schema_versions = Table(
    "journal_schema",
    metadata,
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("applied_at", Timestamp, nullable=False),
    **_MYSQL,
)

meta = Table(
    "journal_meta",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("value", Text, nullable=False),
    **_MYSQL,
)

# One row: the last record's sequence number and hash. Appends lock it, which
# serialises writers and keeps the chain from forking.
chain_head = Table(
    "audit_chain_head",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("seq", BigInteger, nullable=False),
    Column("hash", String(64), nullable=False),
    **_MYSQL,
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("at", Timestamp, nullable=False),
    Column("operator", String(200), nullable=False),
    Column("environment", String(32), nullable=False),
    Column("store", String(300), nullable=False),
    Column("installation_id", String(128), nullable=True),
    Column("action", String(64), nullable=False),
    Column("outcome", String(200), nullable=False),
    # For a push outcome, the intent record it answers.
    Column("ref_id", BigInteger, nullable=True),
    Column("details", Text, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    Index("ix_audit_installation", "installation_id", "seq"),
    Index("ix_audit_operator_action", "operator", "action", "at"),
    Index("ix_audit_at", "at"),
    Index("ix_audit_ref", "ref_id"),
    **_MYSQL,
)

test_devices = Table(
    "test_devices",
    metadata,
    Column("installation_id", String(128), primary_key=True),
    Column("label", String(200), nullable=False),
    Column("owner", String(200), nullable=False),
    Column("added_at", Timestamp, nullable=False),
    Column("added_by", String(200), nullable=False),
    **_MYSQL,
)

APPEND_ONLY_MESSAGE = "audit_log is append-only"

_TRIGGERS = {
    "sqlite": [
        f"CREATE TRIGGER IF NOT EXISTS audit_log_no_update BEFORE UPDATE ON audit_log "
        f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}'); END",
        f"CREATE TRIGGER IF NOT EXISTS audit_log_no_delete BEFORE DELETE ON audit_log "
        f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}'); END",
    ],
    "postgresql": [
        "CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger "
        f"LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION '{APPEND_ONLY_MESSAGE}'; END $$",
        "CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log "
        "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()",
        "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log "
        "FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()",
    ],
    "mysql": [
        "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log FOR EACH ROW "
        f"SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = '{APPEND_ONLY_MESSAGE}'",
        "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log FOR EACH ROW "
        f"SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = '{APPEND_ONLY_MESSAGE}'",
    ],
}


def dialect_family(conn: Connection) -> str:
    name = conn.dialect.name
    return "mysql" if name in ("mysql", "mariadb") else name


def _v1(conn: Connection) -> None:
    metadata.create_all(conn, tables=[meta, chain_head, audit_log, test_devices])
    for statement in _TRIGGERS[dialect_family(conn)]:
        conn.exec_driver_sql(statement)
    conn.execute(insert(chain_head).values(id=1, seq=0, hash=GENESIS))
    conn.execute(insert(meta).values(name="hash_key", value=new_key()))


MIGRATIONS: list[tuple[int, Callable[[Connection], None]]] = [(1, _v1)]
SCHEMA_VERSION = MIGRATIONS[-1][0]


def current_version(conn: Connection) -> int:
    return int(conn.execute(select(schema_versions.c.version).order_by(
        schema_versions.c.version.desc()).limit(1)).scalar() or 0)  # fmt: skip


def migrate(conn: Connection) -> int:
    """Bring the schema up to SCHEMA_VERSION inside the caller's locked transaction."""
    schema_versions.create(conn, checkfirst=True)
    version = current_version(conn)
    if version > SCHEMA_VERSION:
        raise JournalError(
            f"the journal has schema version {version}, newer than this inspector "
            f"understands ({SCHEMA_VERSION}); upgrade the inspector"
        )
    for number, step in MIGRATIONS:
        if number > version:
            step(conn)
            now = datetime.now(UTC).replace(tzinfo=None)
            conn.execute(insert(schema_versions).values(version=number, applied_at=now))
    return SCHEMA_VERSION
