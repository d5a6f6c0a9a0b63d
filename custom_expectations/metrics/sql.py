"""Running a metric's own query through GX's SQLAlchemy engine."""

from __future__ import annotations

from typing import Any

from great_expectations.execution_engine import SqlAlchemyExecutionEngine

from data_monitor.model.errors import one_line
from data_monitor.model.stop_control import QueryStopped, run_query


class QueryFailed(RuntimeError):
    """A metric's query failed; raised by the expectation, with the engine's reason."""


def fetch_one(execution_engine: SqlAlchemyExecutionEngine, query: Any) -> dict[str, Any]:
    """Execute ``query`` and return its single row as a dict, or ``{"error": reason}``.

    The query runs under the run's stop control, which GX's engine carries (time limit,
    stoppable), and its row is fetched before the connection goes back: GX's own
    ``execute_query`` hands the result back after closing the connection, which some drivers
    punish by dropping it.

    A failure is returned, not raised: when a metric raises, GX retries the whole batch of
    metrics being resolved (up to three times), re-running every other query of the table with
    it. On Athena that multiplies the bill of one failing query; returning the error lets the
    expectation that needs the value fail alone, once. A query the run's stop control cancelled
    (time limit, stopped run) is marked ``"stopped": True``, so that nothing sends it again.
    """
    try:
        return run_query(execution_engine.engine, query)
    except QueryStopped as exc:
        return {"error": first_line(exc), "stopped": True}
    except Exception as exc:  # any driver error (SQLAlchemy, DuckDB, pyathena) is a result
        return {"error": first_line(exc)}


def first_line(exc: BaseException) -> str:
    """The reason without the SQL statement and parameters drivers append to it."""
    return one_line(str(getattr(exc, "orig", None) or exc), max_lines=1) or type(exc).__name__


def value_or_raise(value: Any) -> Any:
    """The metric's value, or QueryFailed with the reason its query failed."""
    if isinstance(value, dict) and "error" in value:
        raise QueryFailed(f"query failed: {value['error']}")
    return value
