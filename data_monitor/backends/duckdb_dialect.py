"""A duckdb_engine dialect that GX can validate through.

GX's ``SqlAlchemyExecutionEngine.execute_query`` returns a result after the ``with connection``
block has ended. duckdb_engine then issues ROLLBACK on the single DuckDB connection, which drops
the pending result set, and every metric comes back empty (upstream GX issues #10738, #11579).
The monitor only reads, so transactions carry nothing: making BEGIN/COMMIT/ROLLBACK no-ops keeps
the result alive until GX fetches it.
"""

from __future__ import annotations

from typing import Any

from duckdb_engine import Dialect as _DuckDBDialect
from sqlalchemy.dialects import registry

DIALECT_NAME = "duckdb_monitor"


class ReadOnlyDuckDBDialect(_DuckDBDialect):
    """duckdb_engine with transaction control turned off (read-only validation)."""

    name = DIALECT_NAME
    supports_statement_cache = False  # as duckdb_engine itself; SQLAlchemy asks each subclass

    def do_begin(self, connection: Any) -> None:
        return None

    def do_rollback(self, connection: Any) -> None:
        return None

    def do_commit(self, connection: Any) -> None:
        return None


def register() -> None:
    """Make ``duckdb_monitor:///path`` URLs resolve to this dialect."""
    registry.register(DIALECT_NAME, __name__, "ReadOnlyDuckDBDialect")
