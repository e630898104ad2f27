"""schema.sql: the store contract, applied to build stores and checked against live ones."""

from __future__ import annotations

import re
from importlib import resources

from sqlalchemy import inspect
from sqlalchemy.engine import Connection, Engine

from inspector.store.errors import SchemaMismatch
from inspector.store.tables import metadata


def schema_sql() -> str:
    return resources.files("inspector.store").joinpath("schema.sql").read_text("utf-8")


def schema_statements() -> list[str]:
    """The DDL statements of schema.sql, comments stripped."""
    text = re.sub(r"--[^\n]*", "", schema_sql())
    return [stmt.strip() for stmt in text.split(";") if stmt.strip()]


def create_schema(engine: Engine) -> None:
    with engine.begin() as conn:
        for statement in schema_statements():
            conn.exec_driver_sql(statement)


def check_schema(bind: Engine | Connection) -> None:
    """Raise SchemaMismatch naming the first table or column the store lacks."""
    inspector = inspect(bind)
    tables = set(inspector.get_table_names())
    for table in metadata.sorted_tables:
        if table.name not in tables:
            raise SchemaMismatch(f"the store has no table '{table.name}' (see schema.sql)")
        present = {col["name"] for col in inspector.get_columns(table.name)}
        for column in table.columns:
            if column.name not in present:
                raise SchemaMismatch(
                    f"the store's table '{table.name}' has no column '{column.name}' "
                    "(see schema.sql)"
                )
