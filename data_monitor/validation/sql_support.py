"""Which expectations GX 1.24 can compute in SQL, known before a run.

A ``table`` suite runs on DuckDB (local) or Athena (aws), both through GX's SQLAlchemy engine.
Some built-in expectations have no SQL implementation at all (GX computes their metric with
pandas or Spark only: ``expect_column_values_to_be_dateutil_parseable``,
``..._to_be_increasing``, ``..._to_match_strftime_format``, ...); on SQL they would raise on
every run. GX's own dependency graph says so without any data: each metric the expectation
needs, and each metric those need, must have a provider for the SQLAlchemy engine.
"""

from __future__ import annotations

from typing import Any

import great_expectations.exceptions as gx_exceptions
from great_expectations.execution_engine import SqlAlchemyExecutionEngine
from great_expectations.expectations.expectation_configuration import ExpectationConfiguration
from great_expectations.validator.validation_graph import ValidationGraph

BACKENDS = "either backend (local DuckDB, aws Athena)"


def sql_engine() -> SqlAlchemyExecutionEngine:
    """An engine to ask GX's registry about SQL (in-memory SQLite; it runs no query)."""
    return SqlAlchemyExecutionEngine(connection_string="sqlite://")


def missing_sql_metric(item: dict[str, Any], engine: SqlAlchemyExecutionEngine) -> str | None:
    """The first metric of the expectation ``item`` (suite JSON) that GX has no SQL
    implementation of; None when every metric it needs has one (or when that cannot be told
    without the run's parameters: the run then says what went wrong)."""
    try:
        expectation = ExpectationConfiguration(
            type=item["type"], kwargs=item.get("kwargs", {}), meta=item.get("meta")
        ).to_domain_obj()
        needed = expectation.get_validation_dependencies(execution_engine=engine)
    except Exception:  # bad kwargs are reported by check_expectation already
        return None
    graph = ValidationGraph(execution_engine=engine)
    for configuration in needed.metric_configurations.values():
        try:
            graph.build_metric_dependency_graph(
                metric_configuration=configuration, runtime_configuration=None
            )
        except gx_exceptions.MetricProviderError:
            return str(configuration.metric_name)
        except Exception:  # not a question of SQL support
            return None
    return None


def sql_problems(where: str, expectations: tuple[Any, ...]) -> list[str]:
    """One line per expectation of a ``table`` suite that cannot run on SQL."""
    engine = sql_engine()
    problems = []
    for index, item in enumerate(expectations):
        if not isinstance(item, dict) or not isinstance(item.get("type"), str):
            continue
        metric = missing_sql_metric(item, engine)
        if metric is not None:
            problems.append(
                f"{where}: expectations[{index}] ({item['type']}): cannot run on {BACKENDS}: "
                f"GX 1.24 computes {metric} with pandas or Spark only"
            )
    return problems
