"""DuckDB standing in for Athena on the local backend.

As in Athena, a table's query sees only the partitions registered in the catalog: each table
becomes a view over the Parquet files of its registered partitions (or, with partition
projection, of the projected ones), with the Glue columns and the partition key from the
partition values. Data on disk that is not registered stays invisible until repaired.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from data_monitor.backends import duckdb_dialect
from data_monitor.backends.base import Catalog
from data_monitor.backends.local import LocalStore
from data_monitor.catalog_model import PARTITION_KEY, Column, TableMeta

HIVE_TO_DUCKDB = {
    "string": "VARCHAR",
    "varchar": "VARCHAR",
    "char": "VARCHAR",
    "int": "INTEGER",
    "integer": "INTEGER",
    "bigint": "BIGINT",
    "smallint": "SMALLINT",
    "tinyint": "TINYINT",
    "double": "DOUBLE",
    "float": "REAL",
    "boolean": "BOOLEAN",
    "date": "DATE",
    "timestamp": "TIMESTAMP",
    "binary": "BLOB",
}


def duckdb_type(hive_type: str) -> str:
    base = hive_type.strip().lower().split("(")[0]
    if base == "decimal":
        return hive_type.upper()
    return HIVE_TO_DUCKDB.get(base, "VARCHAR")


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


class DuckDBEngine:
    """A DuckDB database file of views, created per run in a private temporary folder."""

    def __init__(self, store: LocalStore, catalog: Catalog) -> None:
        duckdb_dialect.register()
        self.store = store
        self.catalog = catalog
        self._dir = Path(tempfile.mkdtemp(prefix="data-monitor-duckdb-"))
        self._url = f"{duckdb_dialect.DIALECT_NAME}:///{self._dir / 'warehouse.duckdb'}"
        self._engine = sa.create_engine(self._url)
        self._lock = threading.Lock()
        self._schemas: set[str] = set()

    def connection_string(self) -> str:
        return self._url

    def engine_kwargs(self) -> dict[str, Any]:
        return {}

    def expose(self, table: TableMeta) -> None:
        ddl = self.view_sql(table)
        with self._lock, self._engine.connect() as connection:
            if table.database not in self._schemas:
                connection.exec_driver_sql(f"CREATE SCHEMA IF NOT EXISTS {quote(table.database)}")
                self._schemas.add(table.database)
            connection.exec_driver_sql(ddl)

    def view_sql(self, table: TableMeta) -> str:
        name = f"{quote(table.database)}.{quote(table.name)}"
        return f"CREATE OR REPLACE VIEW {name} AS {self._select(table)}"

    def close(self) -> None:
        self._engine.dispose()
        shutil.rmtree(self._dir, ignore_errors=True)

    def _select(self, table: TableMeta) -> str:
        parts = self._visible_parts(table)
        if not any(files for _, files in parts):
            return self._empty_select(table)
        data_columns = ", ".join(quote(c.name) for c in table.columns)
        scans = []
        for values, files in parts:
            if not files:
                continue
            keys = "".join(
                f", CAST({literal(v)} AS {duckdb_type(k.type)}) AS {quote(k.name)}"
                for k, v in zip(table.partition_keys, values, strict=False)
            )
            source = f"read_parquet([{', '.join(literal(f) for f in files)}], union_by_name=true)"
            scans.append(f"SELECT {data_columns}{keys} FROM {source}")
        return " UNION ALL ".join(scans)

    def _visible_parts(self, table: TableMeta) -> list[tuple[tuple[str, ...], list[str]]]:
        """(partition values, local files) of what Athena would read for this table."""
        if not table.is_partitioned:
            return [((), self._files(table.location))]
        projection = table.projection
        if projection.enabled:
            buckets = projection.buckets() or []
            return [
                ((str(b),), self._files(projection.location_for(table.location, b)))
                for b in buckets
            ]
        return [(p.values, self._files(p.location)) for p in self.catalog.list_partitions(table)]

    def _files(self, location: str) -> list[str]:
        return [str(self.store.path_of(o.uri)) for o in self.store.list_objects(location)]

    def _empty_select(self, table: TableMeta) -> str:
        columns: list[Column] = [*table.columns, *table.partition_keys]
        nulls = ", ".join(
            f"CAST(NULL AS {duckdb_type(c.type)}) AS {quote(c.name)}" for c in columns
        )
        return f"SELECT {nulls or 'NULL AS ' + quote(PARTITION_KEY)} WHERE FALSE"
