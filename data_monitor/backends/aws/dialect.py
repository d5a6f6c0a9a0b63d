"""pyathena's REST dialect, its columns read from the run's Glue definitions.

pyathena reflects a table with Athena's ``GetTableMetadata``
(https://docs.aws.amazon.com/athena/latest/APIReference/API_GetTableMetadata.html), an action
the job's role does not hold and need not: the run already read each table from Glue. The
dialect keeps pyathena's name (``awsathena``), so GX treats it as the Athena it knows; only the
URL's driver part (``awsathena+monitor://``) selects this class.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from pyathena.sqlalchemy.rest import AthenaRestDialect
from sqlalchemy.dialects import registry

from data_monitor.backends.table_columns import CatalogReflection
from data_monitor.model.athena_bill import AthenaBill, QueryStats

BILL_OPTION = "data_monitor_bill"  # the SQLAlchemy execution option holding the run's bill

DRIVER = "awsathena+monitor"


class CatalogAthenaDialect(CatalogReflection, AthenaRestDialect):
    supports_statement_cache = True  # as pyathena's own; SQLAlchemy asks each subclass

    # Each statement's statistics go to the run's bill (the execution option BILL_OPTION):
    # pyathena's cursor holds them from the GetQueryExecution call that saw the query end.
    def do_execute(self, cursor: Any, statement: str, parameters: Any, context: Any = None) -> None:
        with _billed(cursor, context):
            super().do_execute(cursor, statement, parameters, context)

    def do_execute_no_params(self, cursor: Any, statement: str, context: Any = None) -> None:
        with _billed(cursor, context):
            super().do_execute_no_params(cursor, statement, context)


@contextlib.contextmanager
def _billed(cursor: Any, context: Any) -> Iterator[None]:
    options = getattr(context, "execution_options", None) or {}
    bill = options.get(BILL_OPTION)
    try:
        yield
    except Exception:
        if isinstance(bill, AthenaBill):
            # a failed query is not charged; a cancelled one is, for bytes the cursor never
            # saw (the run's stop makes these), so they count as a query with nothing scanned
            bill.add(QueryStats("query", str(getattr(cursor, "state", None) or "FAILED")))
        raise
    if isinstance(bill, AthenaBill):
        bill.add(
            QueryStats(
                "query",
                str(getattr(cursor, "state", None) or "SUCCEEDED"),
                int(getattr(cursor, "data_scanned_in_bytes", None) or 0),
                int(getattr(cursor, "engine_execution_time_in_millis", None) or 0),
                int(getattr(cursor, "query_queue_time_in_millis", None) or 0),
                int(getattr(cursor, "total_execution_time_in_millis", None) or 0),
            )
        )


def register() -> None:
    """Make ``awsathena+monitor://`` URLs resolve to this dialect."""
    registry.register("awsathena.monitor", __name__, "CatalogAthenaDialect")
