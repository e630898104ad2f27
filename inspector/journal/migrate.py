"""Creating and upgrading the journal's tables (journal/schema.py), beside them.

Versions are kept in `journal_schema`. A new journal is created at the newest version;
one created by an older inspector is upgraded in place, step by step (UPGRADES), its
records kept as they are. `ensure_schema` does either under a lock other inspectors
respect (a PostgreSQL advisory lock, a MariaDB named lock, SQLite's write lock), so two
inspectors opening a journal at once do not trip over each other. Before anything is
created it refuses a database that holds the installation store: the journal never
writes into the store.

The sign-off tables, kept in the same database with a version table of their own, are
created the same way: under such locks (`under_schema_lock`, with a lock id and name of
their own), their version read by `version_on_record`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import insert, inspect
from sqlalchemy.engine import Connection, Engine

from inspector.dburl import family
from inspector.journal.chain import GENESIS
from inspector.journal.engine import WRITE
from inspector.journal.errors import JournalError, JournalRefused
from inspector.journal.keyed import new_key

# Tables of the store contract: a database holding them is an installation store.
STORE_TABLES = ("installations", "installation_events")
_STORE_TABLES_SQL = {
    "sqlite": "SELECT name FROM sqlite_master WHERE type IN ('table', 'view') AND name IN ",
    # Any schema: a store kept outside `public` is still the store.
    "postgresql": "SELECT DISTINCT table_name FROM information_schema.tables "
    "WHERE table_schema NOT IN ('pg_catalog', 'information_schema') AND table_name IN ",
    "mysql": "SELECT table_name FROM information_schema.tables "
    "WHERE table_schema = DATABASE() AND table_name IN ",
}
_MARIADB_LOCK = "inspector_journal_schema"
_POSTGRES_LOCK = 7235518031


def _create(conn: Connection) -> None:
    """A new journal, created at the newest shape."""
    from inspector.journal.schema import (
        TRIGGERS,
        audit_log,
        chain_head,
        meta,
        metadata,
        test_devices,
    )

    metadata.create_all(conn, tables=[meta, chain_head, audit_log, test_devices])
    for statement in TRIGGERS[family(conn.dialect.name)]:
        conn.exec_driver_sql(statement)
    conn.execute(insert(chain_head).values(id=1, seq=0, hash=GENESIS))
    conn.execute(insert(meta).values(name="hash_key", value=new_key()))


def _v2_profile(conn: Connection) -> None:
    """Records name their profile. Nullable: the records already written have none, and
    their hash (journal/chain.py) stays the one they were written with. Adding a column
    is not an UPDATE: the append-only triggers stay as they are."""
    from inspector.journal.schema import audit_log

    conn.exec_driver_sql("ALTER TABLE audit_log ADD COLUMN profile VARCHAR(64)")
    next(i for i in audit_log.indexes if i.name == "ix_audit_profile").create(conn)


# The upgrades of a journal created by an older inspector, in order. Version 1: the
# first schema (audit_log without `profile`).
UPGRADES: list[tuple[int, Callable[[Connection], None]]] = [(2, _v2_profile)]
SCHEMA_VERSION = UPGRADES[-1][0]


def current_version(conn: Connection, table: str = "journal_schema") -> int:
    """The newest version a table of schema versions records (0: none)."""
    # SQL text: this runs on every open, and compiling a select for it costs more.
    return int(conn.exec_driver_sql(f"SELECT MAX(version) FROM {table}").scalar() or 0)


def version_on_record(conn: Connection, table: str) -> int:
    """current_version, 0 when the table is not there yet."""
    return current_version(conn, table) if inspect(conn).has_table(table) else 0


def migrate(conn: Connection) -> int:
    """Bring the schema up to SCHEMA_VERSION inside the caller's locked transaction.
    journal/schema.py is loaded here: opening a journal that is up to date never needs
    its Table objects."""
    from inspector.journal.schema import for_mariadb, schema_versions

    if family(conn.dialect.name) == "mysql":
        for_mariadb(conn.dialect.name)
    schema_versions.create(conn, checkfirst=True)
    version = current_version(conn)
    if version > SCHEMA_VERSION:
        raise JournalError(
            f"the journal has schema version {version}, newer than this inspector "
            f"understands ({SCHEMA_VERSION}); upgrade the inspector"
        )
    now = datetime.now(UTC).replace(tzinfo=None)
    if version == 0:
        _create(conn)
        conn.execute(insert(schema_versions).values(version=SCHEMA_VERSION, applied_at=now))
        return SCHEMA_VERSION
    for number, step in UPGRADES:
        if number > version:
            step(conn)
            conn.execute(insert(schema_versions).values(version=number, applied_at=now))
    return SCHEMA_VERSION


def ensure_schema(engine: Engine, label: str) -> None:
    """Create or upgrade the tables under a lock that other inspectors respect."""
    with engine.connect() as conn:
        _refuse_the_store(conn, label)
        current = version_on_record(conn, "journal_schema") == SCHEMA_VERSION
        conn.rollback()
        if current:
            return
    under_schema_lock(
        engine,
        migrate,
        postgres_lock=_POSTGRES_LOCK,
        mariadb_lock=_MARIADB_LOCK,
        busy="another inspector is upgrading the journal; try again",
    )


def under_schema_lock(
    engine: Engine,
    change: Callable[[Connection], object],
    *,
    postgres_lock: int,
    mariadb_lock: str,
    busy: str,
) -> None:
    """`change` (creating or upgrading tables kept in the journal's database) in one
    writing transaction, under a lock other inspectors respect: a PostgreSQL advisory
    lock, a MariaDB named lock, SQLite's write lock. `busy`: the JournalError's words
    when the MariaDB lock is held elsewhere for 30 s."""
    with engine.connect() as conn:
        conn.execution_options(**{WRITE: True})
        dialect = family(conn.dialect.name)
        if dialect == "mysql":
            _under_mariadb_lock(conn, change, mariadb_lock, busy)
            return
        with conn.begin():
            if dialect == "postgresql":
                conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({postgres_lock})")
            change(conn)


def _under_mariadb_lock(
    conn: Connection, change: Callable[[Connection], object], name: str, busy: str
) -> None:
    # DDL commits implicitly on MariaDB: a named lock spans the whole change.
    got = conn.exec_driver_sql(f"SELECT GET_LOCK('{name}', 30)").scalar()
    conn.commit()
    if got != 1:
        raise JournalError(busy)
    try:
        with conn.begin():
            change(conn)
    finally:
        conn.exec_driver_sql(f"SELECT RELEASE_LOCK('{name}')")
        conn.commit()


def _refuse_the_store(conn: Connection, label: str) -> None:
    """JournalRefused, before anything is created, when the journal's database holds the
    installation store's tables."""
    names = ", ".join(f"'{t}'" for t in STORE_TABLES)
    sql = _STORE_TABLES_SQL[family(conn.dialect.name)] + f"({names})"
    found = {str(name).lower() for name in conn.exec_driver_sql(sql).scalars()}
    if found >= set(STORE_TABLES):
        raise JournalRefused(
            f"the journal database at {label} holds the installation store's tables; the "
            "journal needs a database of its own (the store is never written)"
        )
