"""Columns from the Glue definition, and every table of the readable databases queryable on
the local backend as on Athena."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa

from data_monitor.backends.local.catalog import LocalCatalog
from data_monitor.backends.local.engine import DuckDBEngine
from data_monitor.backends.local.store import LocalStore
from data_monitor.backends.table_columns import glue_type_of, sqlalchemy_type
from data_monitor.demo.lakegen import build_lake
from data_monitor.demo.specs import TableSpec
from data_monitor.model.stop_control import StopControl

AS_OF = dt.date(2026, 11, 20)


@pytest.fixture
def two_databases(tmp_path: Path) -> Path:
    warehouse = tmp_path / "warehouse"
    build_lake(warehouse, "omc_main", "lake", [TableSpec("a", 40, 4)], as_of=AS_OF)
    build_lake(warehouse, "omc_compare", "lake2", [TableSpec("b", 30, 4)], as_of=AS_OF)
    build_lake(warehouse, "omc_other", "lake3", [TableSpec("c", 20, 4)], as_of=AS_OF)
    return warehouse


def _engine(warehouse: Path) -> DuckDBEngine:
    store, catalog = LocalStore(warehouse), LocalCatalog(warehouse)
    return DuckDBEngine(store, catalog, "omc_main", StopControl(), {"omc_compare"})


def test_glue_types_become_sqlalchemy_types_that_keep_their_glue_name() -> None:
    cases = {
        "bigint": sa.BIGINT,
        "string": sa.VARCHAR,
        "double": sa.DOUBLE,
        "decimal(10,2)": sa.DECIMAL,
        "varchar(12)": sa.VARCHAR,
        "timestamp": sa.TIMESTAMP,
        "array<string>": sa.types.NullType,
    }
    for glue, kind in cases.items():
        made = sqlalchemy_type(glue)
        assert isinstance(made, kind), glue
        assert glue_type_of(made) == glue.replace(" ", "")
    assert sqlalchemy_type("decimal(10,2)").scale == 2  # type: ignore[attr-defined]


def test_reflection_reads_glue_and_sends_no_query(two_databases: Path) -> None:
    engine = _engine(two_databases)
    try:
        gx_engine = sa.create_engine(engine.connection_string(), **engine.engine_kwargs())
        sent: list[str] = []
        sa.event.listen(gx_engine, "before_cursor_execute", lambda c, cur, s, *a: sent.append(s))
        inspector = sa.inspect(gx_engine)
        columns = inspector.get_columns("part_a", schema="omc_main")
        assert [(c["name"], glue_type_of(c["type"])) for c in columns] == [
            ("customer_user_id", "string"),
            ("email_sha256", "string"),
            ("segment", "string"),
            ("score", "double"),
            ("updated_at", "timestamp"),
            ("id_bucket", "int"),
        ]
        assert inspector.get_pk_constraint("part_a", schema="omc_main")["constrained_columns"] == []
        assert sent == []  # no pg_catalog or information_schema query
        with pytest.raises(sa.exc.NoSuchTableError, match="not a table of the Glue catalog"):
            inspector.get_columns("part_missing", schema="omc_main")
    finally:
        engine.close()


def test_any_table_of_the_readable_databases_is_queryable_on_first_use(
    two_databases: Path,
) -> None:
    engine = _engine(two_databases)
    try:
        gx_engine = sa.create_engine(engine.connection_string(), **engine.engine_kwargs())
        with gx_engine.connect() as connection:
            # never exposed by the run: a table of the monitored database, by its bare name
            assert connection.exec_driver_sql("SELECT count(*) FROM part_a").scalar() == 40
            # and one of --compare_database, qualified
            count = connection.exec_driver_sql('SELECT count(*) FROM "omc_compare".part_b')
            assert count.scalar() == 30
            # a database the job may not read stays invisible, as under the role on Athena
            with pytest.raises(sa.exc.DBAPIError, match="part_c"):
                connection.exec_driver_sql("SELECT count(*) FROM omc_other.part_c")
    finally:
        engine.close()


def test_a_table_the_catalog_does_not_have_is_the_engine_error(two_databases: Path) -> None:
    engine = _engine(two_databases)
    try:
        gx_engine = sa.create_engine(engine.connection_string(), **engine.engine_kwargs())
        with gx_engine.connect() as connection, pytest.raises(sa.exc.DBAPIError, match="nope"):
            connection.exec_driver_sql("SELECT count(*) FROM nope")
    finally:
        engine.close()
        shutil.rmtree(two_databases, ignore_errors=True)
