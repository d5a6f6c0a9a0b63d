"""pyathena's REST dialect, its columns read from the run's Glue definitions.

pyathena reflects a table with Athena's ``GetTableMetadata``
(https://docs.aws.amazon.com/athena/latest/APIReference/API_GetTableMetadata.html), an action
the job's role does not hold and need not: the run already read each table from Glue. The
dialect keeps pyathena's name (``awsathena``), so GX treats it as the Athena it knows; only the
URL's driver part (``awsathena+monitor://``) selects this class.

Its cursor (``PacedCursor``) changes two things of pyathena's:

- Polling. pyathena sleeps a fixed ``poll_interval`` (1 s by default) between two
  GetQueryExecution calls, so a query that ends in 0.3 s is seen after 1 s. The cursor polls
  after 0.1 s, then 1.25 times longer each time, up to 1 s: status calls at 0, 0.1, 0.23,
  0.38, 0.58, 0.82, 1.13, 1.51, 1.98, 2.58, 3.33, 4.26 s, then every second. A query's end
  is seen within 0.1 s plus a quarter of its time, and within a second (a growth of 1.5 made
  a 1.02 s query wait until 1.32 s). That is at most 6 calls in a query's first second, 3 in
  its second and one a second from its fifth; at the default 8 queries in flight, under 50
  calls a second at the busiest, inside Athena's default GetQueryExecution rate quota (100
  calls a second, shared by the account:
  https://docs.aws.amazon.com/general/latest/gr/athena.html and
  https://docs.aws.amazon.com/athena/latest/ug/service-limits.html). Status calls are not
  billed.
- Waiting for a slot. Athena counts running and queued queries against the account's active
  DML query quota and refuses a StartQueryExecution beyond it with TooManyRequestsException
  (service-limits.html). pyathena retries that code with exponential waits; the cursor lets
  it wait as long as the query's own time limit (``STARTS``: waits of 1, 2, 4 then 8 s), and
  a stop (time limit, stopped run) ends the wait at once (``abandon``).
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from typing import Any

from pyathena.cursor import Cursor
from pyathena.sqlalchemy.rest import AthenaRestDialect
from pyathena.util import RetryConfig, stop_retries_on
from sqlalchemy.dialects import registry

from data_monitor.backends.aws.calls import SharedSession
from data_monitor.backends.table_columns import CatalogReflection
from data_monitor.model.athena_bill import AthenaBill, QueryStats

BILL_OPTION = "data_monitor_bill"  # the SQLAlchemy execution option holding the run's bill
SESSION_ARG = "data_monitor_session"  # the connect argument holding the run's SharedSession

DRIVER = "awsathena+monitor"

POLL_FIRST_S = 0.1  # the first status call after the start's
POLL_GROWTH = 1.25
POLL_MAX_S = 1.0
# pyathena's retry of throttled Athena calls (TooManyRequestsException, ThrottlingException):
# waits of 1, 2, 4, then 8 s (plus up to 1 s of jitter each), for longer than any query's time
# limit; the query's stop ends it sooner (PacedCursor.abandon)
STARTS = RetryConfig(attempt=1000, multiplier=1, max_delay=8)


class PacedCursor(Cursor):
    """pyathena's cursor, polling quickly at first and backing off, and waiting out a full
    active-query quota until its query is given up (see the module's docstring)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._polls = 0
        # set when the query is stopped before Athena gave it an id: the start's retries end
        self.abandon = threading.Event()

    def _start_query_execution(self, request: dict[str, Any]) -> str:
        with stop_retries_on(self.abandon):
            return str(super()._start_query_execution(request))

    def _poll_until_terminal(self, query_id: str) -> Any:
        self._polls = 0
        return super()._poll_until_terminal(query_id)

    def _wait_poll_interval(self) -> None:
        time.sleep(poll_delay(self._polls))
        self._polls += 1


def poll_delay(polls: int) -> float:
    """Seconds to wait after the ``polls``-th status call (0-based) of a query."""
    return min(POLL_MAX_S, POLL_FIRST_S * POLL_GROWTH**polls)


class CatalogAthenaDialect(CatalogReflection, AthenaRestDialect):
    supports_statement_cache = True  # as pyathena's own; SQLAlchemy asks each subclass

    def connect(self, *cargs: Any, **cparams: Any) -> Any:
        # every connection's Athena client comes from the run's one session (SESSION_ARG), so
        # that each connection does not build and parse a session of its own
        session = cparams.pop(SESSION_ARG, None)
        if isinstance(session, SharedSession) and cparams.get("session") is None:
            cparams["session"] = session
        return super().connect(*cargs, **cparams)

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
