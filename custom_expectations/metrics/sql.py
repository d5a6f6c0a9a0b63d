"""Running a metric's own query through GX's SQLAlchemy engine."""

from __future__ import annotations

from typing import Any

from great_expectations.execution_engine import SqlAlchemyExecutionEngine


def fetch_one(execution_engine: SqlAlchemyExecutionEngine, query: Any) -> dict[str, Any]:
    """Execute ``query`` and return its single row as a dict.

    The row is fetched while the connection is still open: GX's own ``execute_query`` hands the
    result back after closing the connection, which some drivers punish by dropping it.
    """
    with execution_engine.engine.connect() as connection:
        row = connection.execute(query).mappings().one()
    return dict(row)
