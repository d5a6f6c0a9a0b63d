"""``table.inventory``: the one-row inventory frame of a table, as a dict."""

from __future__ import annotations

from typing import Any

from great_expectations.core.metric_domain_types import MetricDomainTypes
from great_expectations.execution_engine import PandasExecutionEngine
from great_expectations.expectations.metrics.metric_provider import metric_value
from great_expectations.expectations.metrics.table_metric_provider import TableMetricProvider

METRIC_NAME = "table.inventory"


class TableInventory(TableMetricProvider):
    """The inventory row (storage partitions, catalog, marker, file sizes) of one table."""

    metric_name = METRIC_NAME

    @metric_value(engine=PandasExecutionEngine)
    def _pandas(
        cls,
        execution_engine: PandasExecutionEngine,
        metric_domain_kwargs: dict,
        metric_value_kwargs: dict,
        metrics: dict[str, Any],
        runtime_configuration: dict,
    ) -> dict[str, Any]:
        df, _, _ = execution_engine.get_compute_domain(
            metric_domain_kwargs, domain_type=MetricDomainTypes.TABLE
        )
        if len(df) != 1:
            raise ValueError(f"an inventory batch has exactly one row, got {len(df)}")
        return dict(df.iloc[0].to_dict())
