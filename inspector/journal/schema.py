"""The journal's tables, and the triggers that refuse UPDATE and DELETE on the audit
table on every dialect. journal/migrate.py creates and upgrades them."""

from __future__ import annotations

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
)
from sqlalchemy.dialects import mysql
from sqlalchemy.schema import SchemaItem

# MariaDB: microsecond timestamps, and binary collation so filters are exact and
# case-sensitive like on the other engines.
Timestamp = DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")

metadata = MetaData()


def _table(name: str, *items: SchemaItem) -> Table:
    """A journal table: InnoDB, utf8mb4 with binary collation on MariaDB."""
    return Table(
        name,
        metadata,
        *items,
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_bin",
        mysql_engine="InnoDB",
    )


schema_versions = _table(
    "journal_schema",
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("applied_at", Timestamp, nullable=False),
)

meta = _table(
    "journal_meta",
    Column("name", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

# One row: the last record's sequence number and hash. Appends lock it, which
# serialises writers and keeps the chain from forking.
chain_head = _table(
    "audit_chain_head",
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("seq", BigInteger, nullable=False),
    Column("hash", String(64), nullable=False),
)

audit_log = _table(
    "audit_log",
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
)

test_devices = _table(
    "test_devices",
    Column("installation_id", String(128), primary_key=True),
    Column("label", String(200), nullable=False),
    Column("owner", String(200), nullable=False),
    Column("added_at", Timestamp, nullable=False),
    Column("added_by", String(200), nullable=False),
)

APPEND_ONLY_MESSAGE = "audit_log is append-only"

TRIGGERS = {
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
