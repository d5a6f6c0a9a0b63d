"""Column names and types from the catalog, given to SQLAlchemy (and so to GX) without a query.

GX reads a table's columns through SQLAlchemy's inspector before any column expectation runs.
Left to the drivers, that is a ``GetTableMetadata`` call on Athena (a permission the job does
not hold) and ``pg_catalog`` queries on DuckDB (which fail on the SQLAlchemy in use). The run
already holds each table's Glue definition, so both dialects answer the inspector from it: the
data columns, then the partition keys, as Athena lists them
(https://docs.aws.amazon.com/athena/latest/ug/show-columns.html).

Glue's type names are Athena's DDL types
(https://docs.aws.amazon.com/athena/latest/ug/data-types.html); each becomes the SQLAlchemy
type of the same meaning, marked with the name the user wrote in Glue (``glue_type``), which the
type expectations compare with.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from data_monitor.model.catalog import Column, TableMeta
from data_monitor.model.run_tables import tables_of

GLUE_TYPE = "glue_type"  # the attribute of a column type naming its Glue type

_SIMPLE: dict[str, Callable[[], sa.types.TypeEngine[Any]]] = {
    "boolean": sa.BOOLEAN,
    "tinyint": sa.SMALLINT,
    "smallint": sa.SMALLINT,
    "int": sa.INTEGER,
    "integer": sa.INTEGER,
    "bigint": sa.BIGINT,
    "float": sa.REAL,
    "real": sa.REAL,
    "double": sa.DOUBLE,
    "string": sa.VARCHAR,
    "varchar": sa.VARCHAR,
    "char": sa.CHAR,
    "binary": sa.VARBINARY,
    "varbinary": sa.VARBINARY,
    "date": sa.DATE,
    "timestamp": sa.TIMESTAMP,
}
_PARAMETERS = re.compile(r"^([a-z]+)\s*\(\s*(\d+)\s*(?:,\s*(\d+)\s*)?\)$")


def sqlalchemy_type(glue_type: str) -> sa.types.TypeEngine[Any]:
    """The SQLAlchemy type of a Glue column type, with ``glue_type`` set on it; a type this
    does not know (array<...>, map<...>, struct<...>) is NullType, still carrying its name."""
    text = glue_type.strip().lower()
    parameters = _PARAMETERS.match(text)
    sql_type: sa.types.TypeEngine[Any]
    if parameters and parameters[1] in {"decimal", "numeric"}:
        scale = int(parameters[3]) if parameters[3] is not None else 0
        sql_type = sa.DECIMAL(int(parameters[2]), scale)
    elif parameters and parameters[1] in {"varchar", "char"}:
        sql_type = (sa.VARCHAR if parameters[1] == "varchar" else sa.CHAR)(int(parameters[2]))
    elif text in {"decimal", "numeric"}:
        sql_type = sa.DECIMAL()
    elif text in _SIMPLE:
        sql_type = _SIMPLE[text]()
    else:
        sql_type = sa.types.NullType()
    setattr(sql_type, GLUE_TYPE, text)  # the type expectations compare with the Glue name
    return sql_type


def glue_type_of(sql_type: object) -> str | None:
    """The Glue name a type from ``sqlalchemy_type`` carries, None for any other type."""
    name = getattr(sql_type, GLUE_TYPE, None)
    return name if isinstance(name, str) else None


def inspector_columns(table: TableMeta) -> list[dict[str, object]]:
    """The table's columns as SQLAlchemy's ``Inspector.get_columns`` returns them."""
    return [_column(c) for c in (*table.columns, *table.partition_keys)]


def _column(column: Column) -> dict[str, object]:
    return {
        "name": column.name,
        "type": sqlalchemy_type(column.type),
        "nullable": True,  # Glue declares no NOT NULL
        "default": None,
        "comment": None,
    }


class CatalogReflection:
    """Mixed into a SQLAlchemy dialect: the inspector's columns and primary key come from the
    run's TableColumns (no query); an engine without one (outside a run) reflects as the
    driver does."""

    def get_columns(  # type: ignore[no-untyped-def]
        self, connection, table_name, schema=None, **kw
    ) -> Any:
        tables = tables_of(connection)
        if tables is None:
            return super().get_columns(connection, table_name, schema, **kw)  # type: ignore[misc]
        table = tables.table(str(schema) if schema else None, str(table_name))
        if table is None:
            shown = f"{schema}.{table_name}" if schema else str(table_name)
            raise sa.exc.NoSuchTableError(f"{shown} is not a table of the Glue catalog")
        return inspector_columns(table)

    def get_pk_constraint(  # type: ignore[no-untyped-def]
        self, connection, table_name, schema=None, **kw
    ) -> Any:
        if tables_of(connection) is None:
            return super().get_pk_constraint(connection, table_name, schema, **kw)  # type: ignore[misc]
        return {"name": None, "constrained_columns": []}  # Glue declares no primary key
