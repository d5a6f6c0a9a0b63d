"""DuckDB standing in for Athena on the local backend.

As in Athena, a table's query sees only the partitions registered in the catalog: each table
becomes a view (``duckdb_views``) over the Parquet files of its registered partitions (or, with
partition projection, of the projected ones). Data on disk that is not registered stays
invisible until repaired.

The run's stop control rides on GX's engine as an execution option; a query is cancelled with
DuckDB's ``interrupt()`` on its connection.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
from collections.abc import Collection
from pathlib import Path
from typing import Any
from urllib.parse import quote_plus

import sqlalchemy as sa

from data_monitor.backends.base import STATEMENT_CACHE_SIZE, Catalog
from data_monitor.backends.local import dialect as duckdb_dialect
from data_monitor.backends.local.store import LocalStore
from data_monitor.backends.local.views import quote, view_sql, visible_parts
from data_monitor.model.catalog import TableMeta
from data_monitor.model.run_tables import TableColumns
from data_monitor.model.stop_control import Cancel, StopControl


class DuckDBEngine:
    """A DuckDB database file of views, created per run in a private temporary folder."""

    def __init__(
        self,
        store: LocalStore,
        catalog: Catalog,
        database: str,
        stop: StopControl,
        readable: Collection[str] = (),
    ) -> None:
        """``readable``: the other databases whose tables queries may name (as the job's
        role may read them on Athena)."""
        duckdb_dialect.register()
        self.store = store
        self.catalog = catalog
        self.stop = stop
        self.tables = TableColumns(database, readable, catalog.get_table, self._create_view)
        self._dir = Path(tempfile.mkdtemp(prefix="data-monitor-duckdb-"))
        path = self._dir / "warehouse.duckdb"
        self._engine = sa.create_engine(f"{duckdb_dialect.DIALECT_NAME}:///{path}")
        self._lock = threading.Lock()
        self._schemas: set[str] = set()
        self._create_schema(database)
        # GX's own connections default to the monitored database, as Athena's do
        self._url = f"{duckdb_dialect.DIALECT_NAME}:///{path}?search_path={quote_plus(database)}"

    def connection_string(self) -> str:
        return self._url

    def engine_kwargs(self) -> dict[str, Any]:
        options = {**self.stop.execution_options(), **self.tables.execution_options()}
        return {"execution_options": options, "query_cache_size": STATEMENT_CACHE_SIZE}

    def canceller(self, cursor: Any, driver_connection: Any) -> Cancel:
        # DuckDB cancels per connection: interrupt() stops what runs on the query's connection
        return driver_connection.interrupt  # type: ignore[no-any-return]

    def add_partitions_by_ddl(self, table: TableMeta, buckets: list[int]) -> int:
        # DuckDB has no partition DDL: its views read what the local catalog registers, so
        # Athena's ALTER TABLE ADD PARTITION is, here, registering there
        return self.catalog.add_partitions(table, buckets)

    def expose(self, table: TableMeta) -> None:
        self.tables.record(table)
        self._create_view(table)

    def _create_view(self, table: TableMeta) -> None:
        ddl = self.view_sql(table)
        self._create_schema(table.database)
        with self._lock, self._engine.connect() as connection:
            connection.exec_driver_sql(ddl)

    def _create_schema(self, database: str) -> None:
        with self._lock, self._engine.connect() as connection:
            if database not in self._schemas:
                connection.exec_driver_sql(f"CREATE SCHEMA IF NOT EXISTS {quote(database)}")
                self._schemas.add(database)

    def view_sql(self, table: TableMeta) -> str:
        return view_sql(table, visible_parts(table, self.store, self.catalog))

    def close(self) -> None:
        self._engine.dispose()
        shutil.rmtree(self._dir, ignore_errors=True)
