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
import threading
from collections.abc import Callable, Collection
from typing import Any

import sqlalchemy as sa

from data_monitor.model.catalog import Column, TableMeta

GLUE_TYPE = "glue_type"  # the attribute of a column type naming its Glue type
TABLES_OPTION = "data_monitor_tables"  # the SQLAlchemy execution option holding TableColumns

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


class TableColumns:
    """The Glue definitions of the tables a run's queries may read, by (database, table).

    The engine records each table it exposes; any other table of ``databases`` is looked up in
    the catalog on first use (``lookup``), so an expectation naming another table works as on
    Athena, which sees the whole Glue database. Thread-safe: the run's workers share it.
    """

    def __init__(
        self,
        default_database: str,
        databases: Collection[str],
        lookup: Callable[[str, str], TableMeta | None],
        on_first_use: Callable[[TableMeta], None] | None = None,
    ) -> None:
        self.default_database = default_database
        self.databases = frozenset(databases) | {default_database}
        self._lookup = lookup
        self._on_first_use = on_first_use  # e.g. the local engine creates the table's view
        self._tables: dict[tuple[str, str], TableMeta | None] = {}
        self._lock = threading.Lock()

    def record(self, table: TableMeta) -> None:
        with self._lock:
            self._tables[(table.database, table.name)] = table

    def known(self, database: str | None, name: str) -> bool:
        """True when the table was recorded or looked up already."""
        with self._lock:
            return (database or self.default_database, name) in self._tables

    def table(self, database: str | None, name: str) -> TableMeta | None:
        """The table's Glue definition; None for a table of another database (the job reads
        only its own) or one the catalog does not have."""
        key = (database or self.default_database, name)
        if key[0] not in self.databases:
            return None
        with self._lock:
            if key in self._tables:
                return self._tables[key]
        found = self._lookup(*key)
        with self._lock:
            first = key not in self._tables
            self._tables.setdefault(key, found)
            found = self._tables[key]
        if first and found is not None and self._on_first_use is not None:
            self._on_first_use(found)
        return found

    def ensure(self, qualified_names: Collection[str]) -> None:
        """Look up (and so make readable) each ``db.table`` or ``table`` not seen yet."""
        for qualified in qualified_names:
            database, _, name = qualified.rpartition(".")
            if not self.known(database or None, name):
                self.table(database or None, name)

    def execution_options(self) -> dict[str, object]:
        return {TABLES_OPTION: self}


def tables_of(connection: object) -> TableColumns | None:
    """The TableColumns a SQLAlchemy connection's engine carries, if it carries one."""
    options = getattr(connection, "get_execution_options", None)
    found = options().get(TABLES_OPTION) if callable(options) else None
    return found if isinstance(found, TableColumns) else None


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
