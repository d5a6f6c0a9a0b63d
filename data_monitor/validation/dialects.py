"""What GX 1.24 does not know about our two SQL dialects, taught to it.

GX builds the SQL of a regex, a LIKE pattern, a column-type comparison and the IQR percentiles
in functions that branch on the dialects it lists; DuckDB (``duckdb_monitor``) and Athena
(``awsathena``) are not among them, so those expectations raise "not supported" (a type
expectation compares SQLAlchemy class names only). ``install`` wraps the functions: for our
dialects they answer, for any other dialect GX's own code runs unchanged.

This is, with validation/checkpoint.py, the monitor's upgrade hazard: it replaces the
functions' names in the GX modules that imported them. ``tests/test_builtin_expectations.py``
runs every expectation that uses them on both backends against GX's pandas results, so a GX
release that moves them fails there, not in production.

Semantics, matched to GX's pandas implementation (``column.astype(str).str.contains(regex)``):
- a regex is a search, not a full match. DuckDB: ``regexp_matches`` (its ``~`` operator and
  ``regexp_full_match`` anchor both ends; https://duckdb.org/docs/stable/sql/functions/regular_expressions).
  Athena: ``regexp_like``, "contained within string"
  (https://docs.aws.amazon.com/athena/latest/ug/functions-env3.html, Trino's regexp functions).
- the value is compared as text (CAST to VARCHAR), as pandas' ``astype(str)``: integers,
  strings and booleans read alike; doubles and timestamps are written differently by each
  engine, so a pattern over them is not portable (the README says so).
- LIKE is case-sensitive with ``%`` and ``_`` on both engines, with an optional ESCAPE.
- quantiles: GX's SQL definition (percentile_disc, as GX computes it on every SQL database),
  in one window-function query on both engines (GX sends Athena ``approx_percentile``, whose
  result pyathena 4 returns in a form GX 1.24 cannot read).
- IQR outliers: GX's own portable window-function percentiles (its SQLite/MySQL path), linear
  interpolation as pandas' quantile.
Types: GX compares a type name case-insensitively for Trino, the engine behind Athena; for our
dialects the expected name is compared the same way with the column's Glue type (``bigint``,
``string``, ``decimal(10,2)``), its base name (``decimal``) or its SQLAlchemy class
(``BIGINT``), and the observed value is the Glue type.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Sequence
from typing import Any

import great_expectations.expectations.metrics  # noqa: F401  (imports every metric module)
import great_expectations.expectations.metrics.util as metric_util
import great_expectations.expectations.type_comparison as type_comparison
import sqlalchemy as sa
from great_expectations.execution_engine.sqlalchemy_dialect import GXSqlDialect
from great_expectations.expectations.metrics.column_aggregate_metrics import (
    column_outlier_statistics as outliers,
)
from great_expectations.expectations.metrics.column_aggregate_metrics import (
    column_quantile_values as quantile_values,
)

from data_monitor.backends.local.dialect import DIALECT_NAME as DUCKDB
from data_monitor.backends.table_columns import glue_type_of

ATHENA = GXSqlDialect.AWSATHENA.value  # "awsathena": pyathena's dialect and ours keep it
OUR_DIALECTS = frozenset({DUCKDB, ATHENA})
_ALIASES = {"string": "varchar", "integer": "int", "real": "float"}  # Athena's synonyms
_installed = threading.Lock()


def dialect_name(dialect: object) -> str | None:
    """The SQLAlchemy dialect name of what GX passes as ``_dialect`` (a dialect instance for
    dialects GX has no module for, as ours)."""
    name = getattr(dialect, "name", None)
    return name if isinstance(name, str) else None


def regex_condition(
    column: sa.ColumnElement[Any], regex: str, dialect: str, positive: bool = True
) -> sa.ColumnElement[bool]:
    text = sa.cast(column, sa.VARCHAR)
    function = sa.func.regexp_matches if dialect == DUCKDB else sa.func.regexp_like
    matched: sa.ColumnElement[bool] = function(text, sa.literal(regex))
    return matched if positive else sa.not_(matched)


def like_condition(
    column: sa.ColumnElement[Any],
    pattern: str,
    positive: bool = True,
    escape: str | None = None,
) -> sa.ColumnElement[bool]:
    matched = sa.cast(column, sa.VARCHAR).like(sa.literal(pattern), escape=escape)
    return matched if positive else sa.not_(matched)


def discrete_quantiles(
    column: sa.ColumnClause[Any], quantiles: Sequence[float], selectable: Any
) -> sa.Select[Any]:
    """GX's SQL quantile (percentile_disc: the first value whose cumulative share of the
    non-NULL values reaches the quantile) in one query both engines run the same way: Athena
    has no percentile_disc (GX sends it approx_percentile), and one statement on both makes
    the two backends agree to the value."""
    ranked = (
        sa.select(
            column.label("v"),
            sa.func.row_number().over(order_by=column.asc()).label("rn"),
            sa.func.count().over().label("n"),
        )
        .select_from(selectable)
        .where(column.is_not(None))
        .subquery()
    )
    rank = [sa.func.greatest(sa.func.ceiling(sa.literal(q) * ranked.c.n), 1) for q in quantiles]
    return sa.select(*[sa.func.max(sa.case((ranked.c.rn == r, ranked.c.v))) for r in rank])


def type_matches(actual: object, expected: str) -> bool:
    """``expected`` (as a user writes it) names the column type ``actual``."""
    glue = glue_type_of(actual)
    names = {type(actual).__name__.casefold()}
    if glue is not None:
        base = glue.split("(")[0].split("<")[0].strip()
        names |= {glue, base, _ALIASES.get(base, base)}
    wanted = expected.strip().casefold().replace(" ", "")
    return wanted in {n.replace(" ", "") for n in names} or _ALIASES.get(wanted) in names


def observed_type(actual: object) -> str:
    return glue_type_of(actual) or type(actual).__name__


def install() -> None:
    """Wrap GX's three functions (once per process; later calls do nothing)."""
    if not _installed.acquire(blocking=False):
        return
    original_regex = metric_util.get_dialect_regex_expression
    original_like = metric_util.get_dialect_like_pattern_expression
    original_type = type_comparison.compare_column_type
    original_type_list = type_comparison.compare_column_type_list

    def regex_expression(column: Any, regex: str, dialect: Any, positive: bool = True) -> Any:
        name = dialect_name(dialect)
        if name in OUR_DIALECTS:
            return regex_condition(column, regex, name, positive)
        return original_regex(column, regex, dialect, positive)

    def like_expression(
        column: Any,
        dialect: Any,
        like_pattern: str,
        positive: bool = True,
        escape: str | None = None,
    ) -> Any:
        if dialect_name(dialect) in OUR_DIALECTS:
            return like_condition(column, like_pattern, positive, escape)
        return original_like(column, dialect, like_pattern, positive, escape)

    def compare_type(execution_engine: Any, actual: Any, expected: str) -> tuple[bool, Any]:
        if _engine_dialect(execution_engine) in OUR_DIALECTS:
            return type_matches(actual, expected), observed_type(actual)
        return original_type(execution_engine, actual, expected)

    def compare_type_list(
        execution_engine: Any, actual: Any, expected: Sequence[str]
    ) -> tuple[bool, str]:
        if _engine_dialect(execution_engine) in OUR_DIALECTS:
            return any(type_matches(actual, e) for e in expected), observed_type(actual)
        return original_type_list(execution_engine, actual, expected)

    original_percentiles = outliers._get_sql_percentiles

    def sql_percentiles(*, execution_engine: Any, **kwargs: Any) -> Any:
        # GX's portable window-function form (its SQLite/MySQL path): linear interpolation,
        # as pandas' quantile, which GX's IQR uses there
        if _engine_dialect(execution_engine) in OUR_DIALECTS:
            return outliers._get_window_linear_percentiles(
                execution_engine=execution_engine, **kwargs
            )
        return original_percentiles(execution_engine=execution_engine, **kwargs)

    _replace(original_percentiles, sql_percentiles)
    original_generic = quantile_values._get_column_quantiles_generic_sqlalchemy
    original_athena = quantile_values._get_column_quantiles_athena

    def our_quantiles(
        column: Any, quantiles: Any, selectable: Any, execution_engine: Any
    ) -> list[Any]:
        row = execution_engine.execute_query(
            discrete_quantiles(column, list(quantiles), selectable)
        ).fetchone()
        return list(row) if row is not None else [None for _ in quantiles]

    def generic_quantiles(*, execution_engine: Any, **kwargs: Any) -> Any:
        if _engine_dialect(execution_engine) in OUR_DIALECTS:
            kwargs.pop("allow_relative_error", None)
            return our_quantiles(execution_engine=execution_engine, **kwargs)
        return original_generic(execution_engine=execution_engine, **kwargs)

    def athena_quantiles(*, execution_engine: Any, **kwargs: Any) -> Any:
        if _engine_dialect(execution_engine) in OUR_DIALECTS:
            return our_quantiles(execution_engine=execution_engine, **kwargs)
        return original_athena(execution_engine=execution_engine, **kwargs)

    _replace(original_generic, generic_quantiles)
    _replace(original_athena, athena_quantiles)
    _replace(original_regex, regex_expression)
    _replace(original_like, like_expression)
    _replace(original_type, compare_type)
    _replace(original_type_list, compare_type_list)


def _engine_dialect(execution_engine: Any) -> str | None:
    engine = getattr(execution_engine, "engine", None)
    return dialect_name(getattr(engine, "dialect", None))


def _replace(original: Callable[..., Any], wrapper: Callable[..., Any]) -> None:
    """Bind ``wrapper`` wherever a GX module holds ``original`` under its name."""
    name = original.__name__
    wrapper.__name__ = name
    wrapper.__doc__ = original.__doc__
    replaced = 0
    for module_name, module in list(sys.modules.items()):
        if module_name.startswith("great_expectations") and getattr(module, name, None) is original:
            setattr(module, name, wrapper)
            replaced += 1
    if not replaced:
        raise RuntimeError(f"GX no longer defines {name}; validation/dialects.py needs updating")
