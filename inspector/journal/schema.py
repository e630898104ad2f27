"""The journal's tables, and the triggers that refuse UPDATE and DELETE on the audit
table on every dialect. journal/migrate.py creates and upgrades them.

Nothing here imports SQLAlchemy's MySQL dialect: every command that opens a journal
loads this module, and only a MariaDB journal needs the dialect (it is loaded with the
engine then). The MariaDB table options and DATETIME(6) are put on the tables when a
MariaDB journal is created or upgraded (`for_mariadb`).
"""

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


class Timestamp(DateTime):
    """A naive UTC timestamp: DATETIME(6) on MariaDB (its DATETIME drops microseconds,
    `for_mariadb`), the generic type elsewhere."""


metadata = MetaData()

# MariaDB: InnoDB, and utf8mb4 with binary collation so filters are exact and
# case-sensitive like on the other engines. Table options of the connection's dialect
# name ("mysql" or "mariadb": SQLAlchemy reads only its own prefix).
MARIADB_TABLE_OPTIONS = {"charset": "utf8mb4", "collate": "utf8mb4_bin", "engine": "InnoDB"}


def for_mariadb(dialect_name: str, tables: MetaData = metadata) -> None:
    """Ready the tables (the journal's, or those of another MetaData kept in its
    database) for DDL on a MariaDB server: its table options on every table (this loads
    the dialect's arguments, which the engine has loaded), and Timestamp compiled as
    DATETIME(6)."""
    from sqlalchemy.ext.compiler import compiles

    compiles(Timestamp, "mysql", "mariadb")(_microsecond_datetime)
    for table in tables.tables.values():
        for key, value in MARIADB_TABLE_OPTIONS.items():
            table.dialect_kwargs[f"{dialect_name}_{key}"] = value


def _microsecond_datetime(_type: Timestamp, _compiler: object, **_kw: object) -> str:
    return "DATETIME(6)"


def version_table(name: str, tables: MetaData) -> Table:
    """A table of schema versions: one row per version applied (migrate.py reads it)."""
    return Table(
        name,
        tables,
        Column("version", Integer, primary_key=True, autoincrement=False),
        Column("applied_at", Timestamp, nullable=False),
    )


schema_versions = version_table("journal_schema", metadata)

meta = Table(
    "journal_meta",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

# One row: the last record's sequence number and hash. Appends lock it, which
# serialises writers and keeps the chain from forking.
chain_head = Table(
    "audit_chain_head",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("seq", BigInteger, nullable=False),
    Column("hash", String(64), nullable=False),
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
    # The profile the record was written under (schema version 2). NULL on records
    # written before: their hash does not cover it (journal/chain.py).
    Column("profile", String(64), nullable=True),
    Index("ix_audit_installation", "installation_id", "seq"),
    Index("ix_audit_operator_action", "operator", "action", "at"),
    Index("ix_audit_at", "at"),
    Index("ix_audit_ref", "ref_id"),
    Index("ix_audit_profile", "profile", "seq"),
)

test_devices = Table(
    "test_devices",
    metadata,
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
