"""``source_table.row_count``: COUNT(*) of the table a part table is compared against.

GX's built-in other-table count only looks in the batch's own schema; the source may live in
``--compare_database``, so schema and table are both value kwargs here.
"""

from __future__ import annotations

from typing import Any

from great_expectations.compatibility.sqlalchemy import sqlalchemy as sa
from great_expectations.execution_engine import SqlAlchemyExecutionEngine
from great_expectations.expectations.metrics.metric_provider import metric_value
from great_expectations.expectations.metrics.table_metric_provider import TableMetricProvider

from custom_expectations.metrics.sql import fetch_one

METRIC_NAME = "source_table.row_count"


class SourceTableRowCount(TableMetricProvider):
    """Row count of ``source_schema.source_table`` (quoted by the dialect, never pasted)."""

    metric_name = METRIC_NAME
    value_keys = ("source_schema", "source_table")

    @metric_value(engine=SqlAlchemyExecutionEngine)
    def _sqlalchemy(
        cls,
        execution_engine: SqlAlchemyExecutionEngine,
        metric_domain_kwargs: dict,
        metric_value_kwargs: dict,
        metrics: dict[str, Any],
        runtime_configuration: dict,
    ) -> int | dict[str, str]:
        source = sa.table(
            metric_value_kwargs["source_table"], schema=metric_value_kwargs["source_schema"]
        )
        query = sa.select(sa.func.count().label("row_count")).select_from(source)
        row = fetch_one(execution_engine, query)
        return row if "error" in row else int(row["row_count"])
