"""A duckdb_engine dialect that GX can validate through.

GX's ``SqlAlchemyExecutionEngine.execute_query`` returns a result after the ``with connection``
block has ended. duckdb_engine then issues ROLLBACK on the single DuckDB connection, which drops
the pending result set, and every metric comes back empty (upstream GX issues #10738, #11579).
The monitor only reads, so transactions carry nothing: making BEGIN/COMMIT/ROLLBACK no-ops keeps
the result alive until GX fetches it.
"""

from __future__ import annotations

from typing import Any

import duckdb
from duckdb_engine import Dialect as _DuckDBDialect
from sqlalchemy.dialects import registry

from data_monitor.backends.table_columns import CatalogReflection
from data_monitor.model.run_tables import TABLES_OPTION, TableColumns

DIALECT_NAME = "duckdb_monitor"


class ReadOnlyDuckDBDialect(CatalogReflection, _DuckDBDialect):
    """duckdb_engine with transaction control turned off (read-only validation), columns
    from the catalog (CatalogReflection), and every table of the readable databases queryable
    on first use, as Athena sees the whole Glue database."""

    name = DIALECT_NAME
    supports_statement_cache = False  # as duckdb_engine itself; SQLAlchemy asks each subclass

    def create_connect_args(self, url: Any) -> Any:
        # search_path is ours (see on_connect_url), not a DuckDB config option
        return super().create_connect_args(url.difference_update_query(["search_path"]))

    def on_connect_url(self, url: Any) -> Any:
        """Set ``?search_path=<schema>`` on every connection: GX's built-in expectations name
        the batch's table without its schema (as on Athena, where the schema is the database)."""
        parent = super().on_connect_url(url)
        schema = url.query.get("search_path")

        def connect(dbapi_connection: Any) -> None:
            if parent is not None:
                parent(dbapi_connection)
            # DuckDB keeps blocks of every Parquet file it read for the life of the database,
            # which is the run: memory grew with the tables checked, and a run reads each
            # file once, so the cache never paid off.
            dbapi_connection.execute("SET enable_external_file_cache = false")
            if schema:
                escaped = str(schema).replace("'", "''")
                dbapi_connection.execute(f"SET search_path = '{escaped}'")

        return connect

    def do_execute(self, cursor: Any, statement: str, parameters: Any, context: Any = None) -> None:
        _expose_referenced(statement, context)
        super().do_execute(cursor, statement, parameters, context)

    def do_execute_no_params(self, cursor: Any, statement: str, context: Any = None) -> None:
        _expose_referenced(statement, context)
        super().do_execute_no_params(cursor, statement, context)

    def do_begin(self, connection: Any) -> None:
        return None

    def do_rollback(self, connection: Any) -> None:
        return None

    def do_commit(self, connection: Any) -> None:
        return None


def _expose_referenced(statement: str, context: Any) -> None:
    """Create the views of the catalog tables ``statement`` reads that have none yet (a table
    an expectation names, such as expect_table_row_count_to_equal_other_table's)."""
    options = getattr(context, "execution_options", None) or {}
    tables = options.get(TABLES_OPTION)
    if not isinstance(tables, TableColumns):
        return
    try:
        names = duckdb.get_table_names(statement, qualified=True)
    except duckdb.Error:  # not a statement DuckDB parses alone (SET ...): it reads no table
        return
    tables.ensure(names)


def register() -> None:
    """Make ``duckdb_monitor:///path`` URLs resolve to this dialect."""
    registry.register(DIALECT_NAME, __name__, "ReadOnlyDuckDBDialect")
