"""Athena as the query engine of the AWS backend.

GX validates through pyathena's SQLAlchemy dialect (``awsathena+rest``); the Glue database is
the schema of each table asset. Partition repair runs as Athena DDL through boto3:
``ALTER TABLE ... ADD IF NOT EXISTS PARTITION (...) LOCATION '...'`` for exactly the missing
partitions, rather than the original job's ``MSCK REPAIR TABLE``, which walks the whole table
prefix (and can time out on large tables) to find what the monitor already knows.

Where query results go is read from the workgroup once, at start (``GetWorkGroup``): a
workgroup that overrides client-side settings, or stores results in Athena's managed storage,
gets no ``ResultConfiguration`` from the monitor (a managed-results workgroup refuses one).

The run's stop control bounds both kinds of query: the metric queries, through pyathena's
``Cursor.cancel()`` (StopQueryExecution; the control reaches them as an execution option of
GX's engine), and the repair DDL, through its own poll loop.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import quote_plus

from data_monitor.backends.aws import dialect as athena_dialect
from data_monitor.backends.aws.calls import (
    AWS_ERRORS,
    QUERY_CLIENT,
    AwsClients,
    aws_call,
    error_code,
)
from data_monitor.backends.base import STATEMENT_CACHE_SIZE, BackendError
from data_monitor.model.athena_bill import AthenaBill, QueryStats
from data_monitor.model.catalog import TableMeta
from data_monitor.model.errors import UsageError, one_line
from data_monitor.model.run_tables import TableColumns
from data_monitor.model.stop_control import Cancel, StopControl, quietly

LOG = logging.getLogger("data_monitor")

PARTITIONS_PER_DDL = 100  # keeps each statement far below Athena's 262,144-byte limit
DONE_STATES = ("SUCCEEDED", "FAILED", "CANCELLED")
START_WAIT_S = 60.0  # how long a stop waits for a starting query's id


def _sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def add_partition_ddl(table: TableMeta, buckets: list[int]) -> str:
    """One ALTER TABLE ADD IF NOT EXISTS for ``buckets`` (names are checked identifiers)."""
    key = table.partition_keys[0] if table.partition_keys else None
    numeric = key is None or key.type.lower() in ("int", "integer", "bigint", "smallint")
    specs = " ".join(
        f"PARTITION (id_bucket={b if numeric else _sql_string(str(b))}) "
        f"LOCATION {_sql_string(table.partition_location(b))}"
        for b in buckets
    )
    return f"ALTER TABLE `{table.database}`.`{table.name}` ADD IF NOT EXISTS {specs}"


class WorkgroupError(UsageError):
    """The workgroup does not exist, or gives query results nowhere to go: the run stops
    before any query, as for a bad flag (exit 2)."""


class WorkgroupUnreadable(Exception):
    """GetWorkGroup failed (AccessDenied, network); the message says why, on one line."""


REQUIRED = "data-monitor run: error: --athena_results s3://... is required with --backend aws"


def resolve_output_location(
    read_config: Callable[[], dict[str, Any]], name: str, flag: str | None
) -> str | None:
    """The ``ResultConfiguration.OutputLocation`` to send with each query, or None to send no
    ResultConfiguration; from the workgroup's configuration (``read_config``) and
    --athena_results. A workgroup that cannot be read leaves the flag in charge (said in one
    warning line)."""
    try:
        config = read_config()
    except WorkgroupUnreadable as exc:
        if not flag:
            raise WorkgroupError(
                f"{REQUIRED}: Athena workgroup {name} could not be read ({exc})"
            ) from exc
        LOG.warning(
            "Athena workgroup %s could not be read (%s); query results go to --athena_results %s",
            name,
            exc,
            flag,
        )
        return flag
    return output_location_for(config, name, flag)


def workgroup_failure(exc: BaseException, name: str, region: str) -> Exception:
    """What a failed GetWorkGroup means: a workgroup that does not exist stops the run (every
    query would fail the same way); any other failure leaves it unread."""
    reason = _one_line(exc)
    # Athena's answer for a name that does not exist: "WorkGroup <name> is not found."
    if error_code(exc) == "InvalidRequestException" and "not found" in reason.lower():
        return WorkgroupError(
            f"data-monitor run: error: --athena_workgroup {name}: no such Athena workgroup "
            f"in {region} ({reason}); expected the name of an existing workgroup"
        )
    return WorkgroupUnreadable(reason)


def output_location_for(config: dict[str, Any], name: str, flag: str | None) -> str | None:
    """Where results go, given the workgroup's ``Configuration``; None: send none.

    - Managed query results: Athena keeps results in its own storage and refuses a
      ResultConfiguration with them ("ManagedQueryResultsConfiguration and
      ResultConfiguration cannot be set together").
      https://docs.aws.amazon.com/athena/latest/APIReference/API_ManagedQueryResultsConfiguration.html
    - EnforceWorkGroupConfiguration: "the settings for the workgroup override client-side
      settings", the result location included, so --athena_results would be ignored.
      https://docs.aws.amazon.com/athena/latest/APIReference/API_WorkGroupConfiguration.html
      https://docs.aws.amazon.com/athena/latest/ug/workgroups-settings-override.html
    - Otherwise the client's location wins and the workgroup's is the fallback; with neither,
      every query fails ("No output location provided").
      https://docs.aws.amazon.com/athena/latest/APIReference/API_ResultConfiguration.html
      https://docs.aws.amazon.com/athena/latest/ug/workgroups-troubleshooting.html
    """
    own = (config.get("ResultConfiguration") or {}).get("OutputLocation")
    if (config.get("ManagedQueryResultsConfiguration") or {}).get("Enabled"):
        _note_unused_flag(name, flag, "stores query results in managed storage")
        return None
    if config.get("EnforceWorkGroupConfiguration"):
        if not own:
            raise WorkgroupError(
                f"data-monitor run: error: Athena workgroup {name} overrides client-side "
                "settings but has no query result location; expected a result location or "
                "managed query results in the workgroup"
            )
        _note_unused_flag(name, flag, f"overrides client-side settings ({own})")
        return None
    if flag:
        return flag
    if own:
        return None
    raise WorkgroupError(
        f"{REQUIRED}: Athena workgroup {name} has no query result location "
        "and no managed query results"
    )


def _note_unused_flag(name: str, flag: str | None, why: str) -> None:
    if flag:  # not an error: the workgroup's own settings are what its owner wants used
        LOG.info("--athena_results %s is not used: Athena workgroup %s %s", flag, name, why)


def _one_line(exc: BaseException) -> str:
    text = str(exc)
    if error_code(exc):
        error = getattr(exc, "response", {}).get("Error", {})
        text = f"{error.get('Code')}: {error.get('Message', '')}"
    return one_line(text, 300)


class _DdlStop:
    """StopQueryExecution for one DDL, sent at most once: by its poll loop (time limit, run
    stopped) or by the run's ``StopControl.stop_all`` from the SIGTERM handler, whichever
    comes first. Until StartQueryExecution answers, the id is unknown: the poll loop stops it
    then."""

    def __init__(self, athena: Any) -> None:
        self.athena = athena
        self.query_id: str | None = None
        # taken once, never waited for: the signal handler must not block on the poll loop
        self._sent = threading.Lock()

    def __call__(self) -> None:
        if self.query_id is None or not self._sent.acquire(blocking=False):
            return
        try:
            aws_call(
                "stop Athena DDL", self.athena.stop_query_execution, QueryExecutionId=self.query_id
            )
        except BackendError:
            self._sent.release()  # not stopped: let the next attempt try again
            raise


class AthenaEngine:
    """Connection string for GX plus a DDL runner for repairs. Reads the workgroup once
    (GetWorkGroup) to know whether to send a result location; raises WorkgroupError when
    queries would have nowhere to put results."""

    def __init__(
        self,
        clients: AwsClients,
        database: str,
        results: str | None,
        workgroup: str,
        stop: StopControl,
        tables: TableColumns,
        bill: AthenaBill | None = None,
    ) -> None:
        athena_dialect.register()
        self.tables = tables
        self.bill = bill or AthenaBill()
        self.athena = clients.client("athena")
        self.region = clients.region
        self.session = clients.session
        self.database = database
        self.workgroup = workgroup
        self.stop = stop
        # None: no ResultConfiguration is sent, the workgroup decides
        self.output_location = resolve_output_location(self._workgroup_config, workgroup, results)

    def _workgroup_config(self) -> dict[str, Any]:
        """The workgroup's ``Configuration`` (GetWorkGroup, once per run).
        https://docs.aws.amazon.com/athena/latest/APIReference/API_GetWorkGroup.html"""
        try:
            workgroup = self.athena.get_work_group(WorkGroup=self.workgroup)["WorkGroup"]
        except AWS_ERRORS as exc:
            raise workgroup_failure(exc, self.workgroup, self.region) from exc
        return dict(workgroup.get("Configuration") or {})

    def connection_string(self) -> str:
        staging = (
            f"s3_staging_dir={quote_plus(self.output_location)}&" if self.output_location else ""
        )
        return (
            f"{athena_dialect.DRIVER}://@athena.{self.region}.amazonaws.com:443/{self.database}"
            f"?{staging}work_group={quote_plus(self.workgroup)}"
        )

    def engine_kwargs(self) -> dict[str, Any]:
        # pyathena's client retries transient failures (botocore, few attempts: those waits
        # cannot be stopped); throttling is waited out by pyathena's own retry, which a stop
        # ends (athena_dialect.STARTS, PacedCursor)
        connect_args: dict[str, Any] = {
            "cursor_class": athena_dialect.PacedCursor,
            "retry_config": athena_dialect.STARTS,
            "config": QUERY_CLIENT,
            athena_dialect.SESSION_ARG: self.session,
        }
        if not self.output_location:
            # pyathena sends a ResultConfiguration only for a staging dir; "" (not None) also
            # stops it from taking one from AWS_ATHENA_S3_STAGING_DIR. Its REST cursor reads
            # rows with GetQueryResults, so it needs no S3 location to read them from.
            connect_args["s3_staging_dir"] = ""
        options = {
            **self.stop.execution_options(),
            **self.tables.execution_options(),
            athena_dialect.BILL_OPTION: self.bill,
        }
        return {
            "connect_args": connect_args,
            "execution_options": options,
            "query_cache_size": STATEMENT_CACHE_SIZE,
        }

    def canceller(self, cursor: Any, driver_connection: Any) -> Cancel:
        return lambda: _cancel_athena(cursor)

    def expose(self, table: TableMeta) -> None:
        self.tables.record(table)  # Athena reads the Glue catalog itself; GX gets its columns

    def close(self) -> None:
        return None

    def add_partitions_by_ddl(self, table: TableMeta, buckets: list[int]) -> int:
        ordered = sorted(set(buckets))
        for start in range(0, len(ordered), PARTITIONS_PER_DDL):
            self.run_ddl(
                add_partition_ddl(table, ordered[start : start + PARTITIONS_PER_DDL]),
                table.database,
            )
        return len(ordered)

    def run_ddl(self, sql: str, database: str) -> None:
        """Run one DDL statement to its end, within the time limit; a stopped run (SIGTERM)
        stops it too, within a poll interval, instead of waiting for it."""
        if self.stop.stopped():
            raise BackendError("Athena DDL not started: the run is being stopped")
        stop_ddl = _DdlStop(self.athena)
        with self.stop.in_flight(stop_ddl):
            stop_ddl.query_id = self._start_ddl(sql, database)
            self._wait_ddl(stop_ddl)

    def _start_ddl(self, sql: str, database: str) -> str:
        request: dict[str, Any] = {
            "QueryString": sql,
            "QueryExecutionContext": {"Database": database},
            "WorkGroup": self.workgroup,
        }
        if self.output_location:
            request["ResultConfiguration"] = {"OutputLocation": self.output_location}
        started = aws_call("start Athena DDL", self.athena.start_query_execution, **request)
        return str(started["QueryExecutionId"])

    def _wait_ddl(self, stop_ddl: _DdlStop) -> None:
        query_id = stop_ddl.query_id
        timeout_s = self.stop.timeout_s
        deadline = time.monotonic() + timeout_s
        polls = 0
        while True:
            execution = aws_call(
                "poll Athena DDL", self.athena.get_query_execution, QueryExecutionId=query_id
            )["QueryExecution"]
            status = execution["Status"]
            state = status["State"]
            if state in DONE_STATES:
                self.bill.add(ddl_stats(state, execution.get("Statistics") or {}))
            if state == "SUCCEEDED":
                return
            if state in DONE_STATES and not (state == "CANCELLED" and self.stop.stopped()):
                reason = status.get("StateChangeReason", state)
                raise BackendError(f"Athena DDL {query_id} {state}: {reason}")
            if self.stop.stopped():
                stop_ddl()  # nothing to do if stop_all already sent it
                raise BackendError(f"Athena DDL {query_id} stopped: the run was interrupted")
            if time.monotonic() > deadline:
                stop_ddl()
                raise BackendError(
                    f"Athena DDL {query_id} still running after {timeout_s:g} s; stopped"
                )
            # the metric queries' schedule (dialect.poll_delay): fast first, then once a second
            self.stop.wait_stopped(athena_dialect.poll_delay(polls))
            polls += 1


def ddl_stats(state: str, statistics: dict[str, Any]) -> QueryStats:
    return QueryStats(
        "ddl",
        state,
        int(statistics.get("DataScannedInBytes") or 0),
        int(statistics.get("EngineExecutionTimeInMillis") or 0),
        int(statistics.get("QueryQueueTimeInMillis") or 0),
        int(statistics.get("TotalExecutionTimeInMillis") or 0),
    )


def _cancel_athena(cursor: Any) -> None:
    """StopQueryExecution for a pyathena cursor's query. Between StartQueryExecution and its
    answer the query runs (and bills) but pyathena does not know its id yet, and its ``cancel``
    refuses: a stop in that window waits, on its own thread, for the id to arrive."""
    if getattr(cursor, "query_id", None):
        cursor.cancel()
        return
    abandon = getattr(cursor, "abandon", None)
    if isinstance(abandon, threading.Event):
        abandon.set()  # a start still waiting for a slot (TooManyRequestsException) gives up

    def when_started() -> None:
        deadline = time.monotonic() + START_WAIT_S
        while not getattr(cursor, "query_id", None) and time.monotonic() < deadline:
            time.sleep(0.05)
        cursor.cancel()

    threading.Thread(target=lambda: quietly(when_started), daemon=True).start()
