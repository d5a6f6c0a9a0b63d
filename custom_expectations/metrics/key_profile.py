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


def _key(column: str) -> Any:
    # A blank key ('' or spaces) identifies nobody, and in a clean-room join every blank row
    # would match every other: it counts as NULL, not as a (duplicated) value.
    blank: Any = sa.literal_column("''")  # inline, so SELECT and GROUP BY are the same text
    return sa.func.nullif(sa.func.trim(sa.cast(sa.column(column), sa.String)), blank)


def key_profile_query(selectable: Any, column: str, bucket_column: str | None = None) -> Any:
    """One scan: rows, NULL-key rows and duplicate-key rows, and, with ``bucket_column``, the
    rows of every bucket (GROUPING SETS ((key), (bucket)): both groupings in the same pass)."""
    keyed_columns = [_key(column).label("k")]
    if bucket_column:
        keyed_columns.append(sa.column(bucket_column).label("b"))
    keyed = sa.select(*keyed_columns).select_from(selectable).subquery("keyed")
    if bucket_column:
        groups = (
            sa.select(
                keyed.c.k,
                keyed.c.b,
                sa.func.count().label("c"),
                sa.func.grouping(keyed.c.b).label("by_key"),
            )
            .group_by(sa.func.grouping_sets(sa.tuple_(keyed.c.k), sa.tuple_(keyed.c.b)))
            .subquery("key_groups")
        )
        key_row: Any = groups.c.by_key == 1
    else:
        groups = (
            sa.select(keyed.c.k, sa.func.count().label("c"))
            .group_by(keyed.c.k)
            .subquery("key_groups")
        )
        key_row = sa.true()
    is_null = sa.and_(key_row, groups.c.k.is_(None))
    repeated = sa.and_(key_row, groups.c.k.is_not(None), groups.c.c > 1)
    columns = [
        _total(sa.case((key_row, groups.c.c), else_=0), "row_count"),
        _total(sa.case((is_null, groups.c.c), else_=0), "null_rows"),
        _total(sa.case((repeated, groups.c.c), else_=0), "duplicate_rows"),
        _total(sa.case((repeated, 1), else_=0), "duplicate_keys"),
    ]
    if bucket_column:
        columns += _bucket_columns(groups)
    return sa.select(*columns)


def _total(value: Any, name: str) -> Any:
    return sa.func.coalesce(sa.func.sum(value), 0).label(name)


def _bucket_columns(groups: Any) -> list[Any]:
    """Per-bucket row counts summed up: how many buckets hold rows, the fullest and emptiest."""
    bucket_row = groups.c.by_key == 0
    rows = sa.case((bucket_row, groups.c.c))
    bucket = sa.case((bucket_row, groups.c.b))
    return [
        _total(sa.case((bucket_row, 1), else_=0), "buckets_with_rows"),
        sa.func.max(rows).label("fullest_rows"),
        sa.func.min(rows).label("emptiest_rows"),
        sa.func.max_by(bucket, rows).label("fullest_bucket"),
        sa.func.min_by(bucket, rows).label("emptiest_bucket"),
    ]


def _plain(value: Any) -> Any:
    """Counts as ints; a bucket value as the engine gave it (int, or str for a string key)."""
    if value is None or isinstance(value, str):
        return value
    return int(value)


class TableKeyProfile(TableMetricProvider):
    """{row_count, null_rows, duplicate_rows, duplicate_keys} of one key column."""

    metric_name = METRIC_NAME
    value_keys = ("pk_column", "bucket_column")
    default_kwarg_values = {"bucket_column": None}

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
        query = key_profile_query(
            selectable, metric_value_kwargs["pk_column"], metric_value_kwargs.get("bucket_column")
        )
        row = fetch_one(execution_engine, query)
        if "error" in row:
            return row
        return {name: _plain(value) for name, value in row.items()}

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
