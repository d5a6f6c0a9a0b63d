"""``table.key_profile``: row count, NULL keys and duplicate-key rows in one scan.

The seed ran three queries (COUNT(*), COUNT(*) WHERE pk IS NULL, and a GROUP BY pk HAVING
COUNT(*) > 1). One GROUP BY over the key answers all three: every row lands in exactly one key
group, so summing the group sizes gives the row count, the NULL group gives the NULL rows, and
groups larger than one give the duplicate rows. On Athena that is one billed scan of one column
instead of three; the three expectations that read this metric share it, because GX resolves a
metric configuration once per validation.
"""

from __future__ import annotations

from typing import Any

from great_expectations.compatibility.sqlalchemy import sqlalchemy as sa
from great_expectations.core.metric_domain_types import MetricDomainTypes
from great_expectations.execution_engine import PandasExecutionEngine, SqlAlchemyExecutionEngine
from great_expectations.expectations.metrics.metric_provider import metric_value
from great_expectations.expectations.metrics.table_metric_provider import TableMetricProvider

from custom_expectations.metrics.sql import fetch_one

METRIC_NAME = "table.key_profile"


def key_profile_query(selectable: Any, column: str) -> Any:
    """The single GROUP BY that yields rows, NULL-key rows and duplicate-key rows."""
    # A blank key ('' or spaces) identifies nobody, and in a clean-room join every blank row
    # would match every other: it counts as NULL, not as a (duplicated) value.
    blank: Any = sa.literal_column("''")  # inline, so SELECT and GROUP BY are the same text
    key: Any = sa.func.nullif(sa.func.trim(sa.cast(sa.column(column), sa.String)), blank)
    groups = (
        sa.select(key.label("k"), sa.func.count().label("c"))
        .select_from(selectable)
        .group_by(key)
        .subquery("key_groups")
    )
    is_null = groups.c.k.is_(None)
    return sa.select(
        sa.func.coalesce(sa.func.sum(groups.c.c), 0).label("row_count"),
        sa.func.coalesce(sa.func.sum(sa.case((is_null, groups.c.c), else_=0)), 0).label(
            "null_rows"
        ),
        sa.func.coalesce(
            sa.func.sum(sa.case((sa.and_(~is_null, groups.c.c > 1), groups.c.c), else_=0)), 0
        ).label("duplicate_rows"),
        sa.func.coalesce(
            sa.func.sum(sa.case((sa.and_(~is_null, groups.c.c > 1), 1), else_=0)), 0
        ).label("duplicate_keys"),
    )


class TableKeyProfile(TableMetricProvider):
    """{row_count, null_rows, duplicate_rows, duplicate_keys} of one key column."""

    metric_name = METRIC_NAME
    value_keys = ("pk_column",)

    @metric_value(engine=SqlAlchemyExecutionEngine)
    def _sqlalchemy(
        cls,
        execution_engine: SqlAlchemyExecutionEngine,
        metric_domain_kwargs: dict,
        metric_value_kwargs: dict,
        metrics: dict[str, Any],
        runtime_configuration: dict,
    ) -> dict[str, Any]:
        selectable, _, _ = execution_engine.get_compute_domain(
            metric_domain_kwargs, domain_type=MetricDomainTypes.TABLE
        )
        query = key_profile_query(selectable, metric_value_kwargs["pk_column"])
        row = fetch_one(execution_engine, query)
        if "error" in row:
            return row
        return {name: int(row[name] or 0) for name in row}

    @metric_value(engine=PandasExecutionEngine)
    def _pandas(
        cls,
        execution_engine: PandasExecutionEngine,
        metric_domain_kwargs: dict,
        metric_value_kwargs: dict,
        metrics: dict[str, Any],
        runtime_configuration: dict,
    ) -> dict[str, int]:
        df, _, _ = execution_engine.get_compute_domain(
            metric_domain_kwargs, domain_type=MetricDomainTypes.TABLE
        )
        keys = df[metric_value_kwargs["pk_column"]].astype("string").str.strip().replace("", None)
        counts = keys.dropna().value_counts()
        repeated = counts[counts > 1]
        return {
            "row_count": int(len(df)),
            "null_rows": int(keys.isna().sum()),
            "duplicate_rows": int(repeated.sum()),
            "duplicate_keys": int(len(repeated)),
        }
