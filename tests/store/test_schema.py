"""schema.sql and the models agree on every dialect: tables, columns, nullability, indexes."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import create_engine, inspect
from sqlalchemy.engine import URL

from inspector.store.errors import SchemaMismatch
from inspector.store.models import Base
from inspector.store.repository import StoreRepository
from inspector.store.schema import check_schema, create_schema, schema_statements


@pytest.fixture
def schema_url(dialect: str, make_database: Callable[[str], URL]) -> URL:
    url = make_database(dialect)
    engine = create_engine(url)
    create_schema(engine)
    engine.dispose()
    return url


def test_schema_file_and_models_agree(schema_url: URL) -> None:
    engine = create_engine(schema_url)
    reflected = inspect(engine)
    assert set(reflected.get_table_names()) == set(Base.metadata.tables)
    for table in Base.metadata.sorted_tables:
        columns = {c["name"]: c for c in reflected.get_columns(table.name)}
        assert list(columns) == [c.name for c in table.columns], table.name
        for column in table.columns:
            assert columns[column.name]["nullable"] == column.nullable, (table.name, column.name)
        assert reflected.get_pk_constraint(table.name)["constrained_columns"] == [
            c.name for c in table.primary_key
        ]
        indexes = {
            ix["name"]: ix["column_names"]
            for ix in reflected.get_indexes(table.name)
            # MariaDB reports the index behind each foreign key as well.
            if not ix["name"].startswith(("app_id", "installation_id"))
        }
        expected = {ix.name: [c.name for c in ix.columns] for ix in table.indexes}
        assert indexes == expected, table.name
    engine.dispose()


def test_schema_file_is_the_shipped_one() -> None:
    statements = schema_statements()
    assert sum(s.upper().startswith("CREATE TABLE") for s in statements) == 3
    assert sum(s.upper().startswith("CREATE INDEX") for s in statements) == 4


def test_missing_column_is_named(dialect: str, make_database: Callable[[str], URL]) -> None:
    url = make_database(dialect)
    engine = create_engine(url)
    with engine.begin() as conn:
        for statement in schema_statements():
            if "CREATE TABLE installation_events" in statement:
                statement = statement.replace("detail           TEXT        NULL", "note TEXT NULL")
            conn.exec_driver_sql(statement)
    with pytest.raises(SchemaMismatch, match="'installation_events' has no column 'detail'"):
        check_schema(engine)
    engine.dispose()
    store = StoreRepository.open(url)
    with pytest.raises(SchemaMismatch, match="no column 'detail'"):
        store.get("anything")
    store.close()


def test_missing_table_is_named(dialect: str, make_database: Callable[[str], URL]) -> None:
    url = make_database(dialect)
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql(schema_statements()[0])  # apps only
    engine.dispose()
    store = StoreRepository.open(url)
    with pytest.raises(SchemaMismatch, match="no table 'installations'"):
        store.check_schema()
    store.close()
