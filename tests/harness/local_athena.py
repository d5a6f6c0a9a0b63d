"""A local Athena endpoint (JSON 1.1 API) backed by moto's Glue/S3 and DuckDB, for tests.

Point boto3/pyathena at it with ``AWS_ENDPOINT_URL_ATHENA=<LocalAthena.endpoint_url>`` (boto3's
service-specific endpoint variable, which pyathena's client honours because it creates the client
with ``session.client("athena", ...)`` and no ``endpoint_url`` unless one is passed) or with
``pyathena.connect(endpoint_url=...)``. See ``local_athena_sql`` for how SQL is executed.
"""

from __future__ import annotations

import collections
import csv
import datetime as dt
import io
import json
import re
import shutil
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import boto3
from botocore.config import Config

from .iam import ACCOUNT, ATHENA_AGENT, Enforcement
from .local_athena_sql import QueryError, Result, SqlEngine, classify, split_s3

TERMINAL = ("SUCCEEDED", "FAILED", "CANCELLED")
ENGINE_VERSION = {
    "SelectedEngineVersion": "AUTO",
    "EffectiveEngineVersion": "Athena engine version 3",
}


class ApiError(Exception):
    def __init__(self, code: str, message: str, status: int = 400, **extra: Any) -> None:
        super().__init__(message)
        self.code, self.message, self.status, self.extra = code, message, status, extra


@dataclass
class QueryRecord:
    """One query execution; also the entry of ``LocalAthena.queries``."""

    query_id: str
    sql: str
    database: str
    catalog: str
    workgroup: str
    statement_type: str  # DDL / DML / UTILITY, as Athena reports it
    substatement_type: str  # SELECT, MSCK_REPAIR_TABLE, ALTER_TABLE_ADD_PARTITION, ...
    output_location: str | None
    execution_parameters: list[str] = field(default_factory=list)
    transpiled_sql: str | None = None
    state: str = "QUEUED"
    state_change_reason: str | None = None
    submitted_at: float = field(default_factory=time.time)
    start_time: float | None = None
    end_time: float | None = None
    data_scanned_bytes: int = 0
    result: Result | None = None
    # the ResultConfiguration as the client sent it (None: not sent), and whether the results
    # went to managed storage (then there is no output_location)
    result_configuration: dict[str, Any] | None = None
    managed: bool = False
    cancel_event: threading.Event = field(default_factory=threading.Event, repr=False)
    engine: SqlEngine | None = field(default=None, repr=False)  # the caller's reads and writes

    @property
    def kind(self) -> str:
        """``SELECT``, ``DDL`` or the substatement type of anything else."""
        return "DDL" if self.statement_type == "DDL" else self.substatement_type


@dataclass(frozen=True)
class Workgroup:
    """A workgroup's result settings (``LocalAthena.set_workgroup``)."""

    name: str
    enforce: bool
    output_location: str | None
    managed: bool

    def output_for(self, sent: dict[str, Any]) -> str | None:
        """Where a query's results go, given the ResultConfiguration the client sent."""
        if self.managed:
            if sent:  # Athena's words when a managed-results workgroup gets one
                raise ApiError(
                    "InvalidRequestException",
                    "ManagedQueryResultsConfiguration and ResultConfiguration cannot be set "
                    "together.",
                    AthenaErrorCode="INVALID_INPUT",
                )
            return None
        if self.enforce:  # the workgroup's settings override client-side settings
            return self.output_location
        return sent.get("OutputLocation") or self.output_location


class LocalAthena:
    """Local Athena endpoint. Use as a context manager or call ``start()``/``stop()``."""

    def __init__(
        self,
        moto_endpoint_url: str,
        region_name: str = "us-east-1",
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        cache_dir: str | None = None,
        default_output_location: str | None = None,
        latency_s: float = 0.0,
        latency_s_per_mb: float = 0.0,
        max_active: int | None = None,
        static_lake: bool = False,
    ) -> None:
        self.region_name = region_name
        client_kwargs = {
            "endpoint_url": moto_endpoint_url,
            "region_name": region_name,
            "aws_access_key_id": "testing",
            "aws_secret_access_key": "testing",
        }
        self.moto_endpoint_url = moto_endpoint_url
        self.glue = _session().client("glue", **client_kwargs)
        self.s3 = _session().client("s3", **client_kwargs)
        # static_lake (off by default; see SqlEngine): each table is read from Glue and S3
        # once, for a lake nothing changes but this endpoint's own DDL. The engines of callers
        # with IAM enforced never use it: their Glue and S3 calls are the authorization.
        self.engine = SqlEngine(self.glue, self.s3, cache_dir, static_lake=static_lake)
        # With IAM enforced, every Athena action is checked against the caller's policies and
        # Athena's own Glue/S3 calls are made with the caller's keys (as Athena does).
        self.iam: Enforcement | None = None
        self._caller_engines: dict[str, SqlEngine] = {}
        self._request = threading.local()
        self._own_cache = cache_dir is None
        self.default_output_location = default_output_location
        # A SELECT runs latency_s + latency_s_per_mb * DataScannedInBytes / 1e6 seconds (a fixed
        # overhead, then a scan whose time grows with the bytes), or as long as the local
        # engine's own work, if that is longer: the model is the time Athena takes for the
        # query, and the engine's work stands for Athena's, so it runs within the modelled time
        # rather than after it. A DDL statement, or a query failed by ``fail_next``, waits
        # latency_s before it acts, so that one cancelled meanwhile changes nothing.
        self.latency_s = latency_s
        self.latency_s_per_mb = latency_s_per_mb
        self.max_active = max_active
        self.queries: list[QueryRecord] = []
        self.operations: collections.Counter[str] = collections.Counter()
        self.max_concurrent_running = 0
        self._executions: dict[str, QueryRecord] = {}
        self._tokens: dict[str, str] = {}
        self._fails: list[list[Any]] = []  # [compiled regex, message, remaining]
        self._throttles: dict[str, list[Any]] = {}  # op -> [remaining, code]
        self._hangs: list[re.Pattern[str]] = []
        self._slow_starts: list[tuple[re.Pattern[str], float]] = []
        self._workgroups: dict[str, Workgroup] = {}
        self._running = 0
        self._lock = threading.RLock()
        self._threads: list[threading.Thread] = []
        self._server = ThreadingHTTPServer((host, port), _Handler)
        self._server.daemon_threads = True
        self._server.block_on_close = False  # idle keep-alive connections must not block stop()
        self._server.athena = self  # type: ignore[attr-defined]
        self._serve_thread: threading.Thread | None = None

    # ---- lifecycle -------------------------------------------------------------------------
    @property
    def endpoint_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> LocalAthena:
        if self._serve_thread is None:
            self._serve_thread = threading.Thread(
                target=self._server.serve_forever, args=(0.05,), name="local-athena", daemon=True
            )
            self._serve_thread.start()
        return self

    def stop(self) -> None:
        if self._serve_thread is not None:
            self._server.shutdown()
            self._serve_thread.join(5)
            self._serve_thread = None
        self._server.server_close()
        with self._lock:
            for rec in self._executions.values():
                self._finish(rec, "CANCELLED", "Query cancelled: the local Athena was stopped")
        for t in self._threads:
            t.join(5)
        if self._own_cache:
            shutil.rmtree(self.engine.cache_dir, ignore_errors=True)

    def __enter__(self) -> LocalAthena:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ---- instrumentation and fault injection ------------------------------------------------
    @property
    def active_count(self) -> int:
        """Queries QUEUED or RUNNING now."""
        with self._lock:
            return sum(r.state not in TERMINAL for r in self._executions.values())

    def fail_next(self, pattern: str, error_message: str, times: int = 1) -> None:
        """The next ``times`` queries whose SQL matches ``pattern`` (re.search, case-insensitive)
        end FAILED with ``error_message`` as StateChangeReason."""
        with self._lock:
            self._fails.append([re.compile(pattern, re.I | re.S), error_message, times])

    def throttle_next(
        self, n: int, op: str = "StartQueryExecution", code: str = "ThrottlingException"
    ) -> None:
        """The next ``n`` calls of ``op`` answer HTTP 400 with ``__type`` ``code``
        (``ThrottlingException`` or ``TooManyRequestsException``)."""
        with self._lock:
            self._throttles[op] = [n, code]

    def slow_start(self, pattern: str, seconds: float) -> None:
        """StartQueryExecution of queries matching ``pattern`` answers ``seconds`` after the
        query started RUNNING: the window in which the client does not know its id yet."""
        with self._lock:
            self._slow_starts.append((re.compile(pattern, re.I | re.S), seconds))

    def set_workgroup(
        self,
        name: str,
        *,
        enforce: bool = False,
        output_location: str | None = None,
        managed: bool = False,
    ) -> None:
        """Create (or replace) workgroup ``name``: ``enforce`` is EnforceWorkGroupConfiguration
        (its location overrides the client's), ``managed`` is managed query results (results
        kept without an S3 location; a client's ResultConfiguration is refused). Without a
        call, only ``primary`` exists, with ``default_output_location``."""
        if managed and output_location:
            # "A workgroup cannot have the ResultConfiguration$OutputLocation parameter" then
            raise ValueError("a managed-results workgroup has no output location")
        with self._lock:
            self._workgroups[name] = Workgroup(name, enforce, output_location, managed)

    def hang(self, pattern: str) -> None:
        """Queries matching ``pattern`` stay RUNNING until StopQueryExecution (then CANCELLED)."""
        with self._lock:
            self._hangs.append(re.compile(pattern, re.I | re.S))

    def stats(self) -> dict[str, Any]:
        with self._lock:
            return {
                "total": len(self.queries),
                "by_type": dict(collections.Counter(r.kind for r in self.queries)),
                "by_state": dict(collections.Counter(r.state for r in self.queries)),
                "data_scanned_bytes": sum(r.data_scanned_bytes for r in self.queries),
                "max_concurrent_running": self.max_concurrent_running,
                "operations": dict(self.operations),
            }

    def reset(self) -> None:
        """Clear the query log, operation counts, peak concurrency, every injected fault and
        the workgroups set; latency_s, latency_s_per_mb and max_active go back to 0/0/None.
        Queries left hanging are cancelled."""
        with self._lock:
            self._workgroups.clear()
            self._hangs.clear()
            self._slow_starts.clear()
            self._fails.clear()
            self._throttles.clear()
            self.queries.clear()
            self.operations.clear()
            self.latency_s, self.latency_s_per_mb, self.max_active = 0.0, 0.0, None
            self.max_concurrent_running = self._running
            for rec in self._executions.values():
                if rec.state not in TERMINAL:
                    self._finish(rec, "CANCELLED", "Query cancelled by LocalAthena.reset()")

    def query(self, query_id: str) -> QueryRecord:
        return self._executions[query_id]

    def wait_idle(self, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while self.active_count and time.monotonic() < deadline:
            time.sleep(0.01)

    # ---- dispatch ---------------------------------------------------------------------------
    def dispatch(
        self, op: str, body: dict[str, Any], headers: Any = None
    ) -> tuple[int, dict[str, Any]]:
        self._request.headers = headers or {}
        with self._lock:
            self.operations[op] += 1
            throttle = self._throttles.get(op)
            if throttle and throttle[0] > 0:
                throttle[0] -= 1
                return 400, {
                    "__type": throttle[1],
                    "message": "Rate exceeded",
                    "Reason": "CONCURRENT_QUERY_LIMIT_EXCEEDED",
                }
        handler = getattr(self, f"_op_{op}", None)
        try:
            if handler is None:
                raise ApiError("UnknownOperationException", f"{op} is not supported locally")
            self._authorize(op, body)
            return 200, handler(body)
        except ApiError as e:
            return e.status, {"__type": e.code, "message": e.message, **e.extra}
        except Exception as e:  # noqa: BLE001 - report as Athena's InternalServerException
            return 500, {"__type": "InternalServerException", "message": f"{type(e).__name__}: {e}"}

    # ---- IAM, when enforced -------------------------------------------------------------------
    def _enforcing(self) -> bool:
        return self.iam is not None and self.iam.on

    def _resource_of(self, op: str, body: dict[str, Any]) -> str:
        """The ARN Athena authorizes ``op`` on: the workgroup (of the query), or the catalog.
        https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonathena.html
        """
        base = f"arn:aws:athena:{self.region_name}:{ACCOUNT}:"
        if "DatabaseName" in body or op in ("ListDatabases", "ListTableMetadata"):
            return f"{base}datacatalog/{body.get('CatalogName') or 'AwsDataCatalog'}"
        workgroup = body.get("WorkGroup")
        if body.get("QueryExecutionId") in self._executions:
            workgroup = self._executions[body["QueryExecutionId"]].workgroup
        return f"{base}workgroup/{workgroup or 'primary'}"

    def _authorize(self, op: str, body: dict[str, Any]) -> None:
        if not self._enforcing() or self.iam is None:
            return
        action, resource = f"athena:{op}", self._resource_of(op, body)
        if not self.iam.check(self._request.headers, action, resource):
            raise ApiError(
                "AccessDeniedException",
                f"User: {self._caller_arn()} is not authorized to perform: {action} on "
                f"resource: {resource} because no identity-based policy allows the {action} "
                "action",
            )

    def _caller_arn(self) -> str:
        auth = self._request.headers.get("Authorization") or ""
        return auth.partition("Credential=")[2].partition("/")[0] or "anonymous"

    def _caller_engine(self) -> SqlEngine:
        """The engine whose Glue/S3 clients hold the caller's keys (with IAM enforced)."""
        if not self._enforcing() or self.iam is None:
            return self.engine
        keys = self.iam.keys_of(self._request.headers)
        with self._lock:
            engine = self._caller_engines.get(keys.access_key_id)
            if engine is None:
                session = boto3.session.Session(
                    aws_access_key_id=keys.access_key_id,
                    aws_secret_access_key=keys.secret_access_key,
                    aws_session_token=keys.session_token or None,
                    region_name=self.region_name,
                )
                config = Config(user_agent_extra=ATHENA_AGENT)
                clients = {
                    name: session.client(name, endpoint_url=self.moto_endpoint_url, config=config)
                    for name in ("glue", "s3")
                }
                cache = f"{self.engine.cache_dir}/{keys.access_key_id}"
                engine = SqlEngine(clients["glue"], clients["s3"], cache)
                self._caller_engines[keys.access_key_id] = engine
            return engine

    def _read_output(self, rec: QueryRecord) -> None:
        """GetQueryResults streams from the result location, so the caller needs s3:GetObject
        there (API_GetQueryResults: "the IAM principal with permission to call GetQueryResults
        also must have permissions to the Amazon S3 GetObject action for the Athena query
        results location")."""
        if not self._enforcing() or not rec.output_location:
            return
        bucket, key = split_s3(rec.output_location)
        try:
            self._caller_engine().s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        except Exception as e:  # noqa: BLE001 - any refusal is Athena's access error
            raise ApiError(
                "InvalidRequestException",
                f"Access denied when reading output from {rec.output_location}: {e}",
                AthenaErrorCode="ACCESS_DENIED",
            ) from e

    def _record(self, query_id: str) -> QueryRecord:
        rec = self._executions.get(query_id or "")
        if rec is None:
            raise ApiError(
                "InvalidRequestException",
                f"QueryExecution {query_id} was not found",
                AthenaErrorCode="INVALID_INPUT",
            )
        return rec

    # ---- query execution ----------------------------------------------------------------------
    def _op_StartQueryExecution(self, body: dict[str, Any]) -> dict[str, Any]:
        sql = body.get("QueryString") or ""
        ctx = body.get("QueryExecutionContext") or {}
        workgroup = body.get("WorkGroup") or "primary"
        sent = body.get("ResultConfiguration")
        # Athena's answer to a StartQueryExecution in a workgroup that does not exist
        wg = self._workgroup(workgroup, "WorkGroup is not found")
        output = wg.output_for(sent or {})
        with self._lock:
            token = body.get("ClientRequestToken")
            if token and token in self._tokens:
                return {"QueryExecutionId": self._tokens[token]}
            if self.max_active is not None and self.active_count >= self.max_active:
                raise ApiError(
                    "TooManyRequestsException",
                    "You have exceeded the limit for the "
                    "number of queries you can run concurrently.",
                    Reason="CONCURRENT_QUERY_LIMIT_EXCEEDED",
                )
            query_id = str(uuid.uuid4())
            stmt_type, sub_type = classify(sql)
            suffix = "csv" if stmt_type != "DDL" else "txt"
            rec = QueryRecord(
                query_id,
                sql,
                ctx.get("Database") or "default",
                ctx.get("Catalog") or "AwsDataCatalog",
                workgroup,
                stmt_type,
                sub_type,
                f"{output.rstrip('/')}/{query_id}.{suffix}" if output else None,
                list(body.get("ExecutionParameters") or []),
                engine=self._caller_engine(),
                result_configuration=sent,
                managed=wg.managed,
            )
            self._executions[query_id] = rec
            self.queries.append(rec)
            if token:
                self._tokens[token] = query_id
            fail = None
            for entry in self._fails:
                if entry[2] > 0 and entry[0].search(sql):
                    entry[2] -= 1
                    fail = entry[1]
                    break
            hang = any(p.search(sql) for p in self._hangs)
            delay = max((d for p, d in self._slow_starts if p.search(sql)), default=0.0)
            worker = threading.Thread(
                target=self._run,
                args=(rec, (self.latency_s, self.latency_s_per_mb), fail, hang),
                name=f"athena-{query_id[:8]}",
                daemon=True,
            )
            self._threads = [t for t in self._threads if t.is_alive()] + [worker]
        worker.start()
        time.sleep(delay)
        return {"QueryExecutionId": query_id}

    def _finish(self, rec: QueryRecord, state: str, reason: str | None) -> None:
        with self._lock:
            if rec.state in TERMINAL:
                return
            if rec.state == "RUNNING":
                self._running -= 1
            rec.state, rec.state_change_reason, rec.end_time = state, reason, time.time()
            rec.cancel_event.set()

    def _run(
        self, rec: QueryRecord, latency: tuple[float, float], fail: str | None, hang: bool
    ) -> None:
        """Run ``rec`` on its engine; ``latency`` is (seconds, seconds per MB scanned) as set
        when the query started. A SELECT ends at the later of its start plus the modelled time
        and the end of the engine's work; DDL and injected failures wait the fixed latency
        first. Every wait ends early when the query is cancelled."""
        fixed, per_mb = latency
        with self._lock:
            if rec.state in TERMINAL:
                return
            started = time.time()
            rec.state, rec.start_time = "RUNNING", started
            self._running += 1
            self.max_concurrent_running = max(self.max_concurrent_running, self._running)
        engine = rec.engine or self.engine
        try:
            prepared, error = None, None
            try:
                prepared = engine.prepare(rec.sql, rec.database, rec.execution_parameters)
                rec.transpiled_sql = prepared.transpiled
            except QueryError as e:
                error = e
            # a SELECT's work overlaps its modelled time; anything else waits it out first
            overlap = prepared is not None and prepared.ddl is None and fail is None
            if hang:
                rec.cancel_event.wait()
            elif fixed > 0 and not overlap:
                rec.cancel_event.wait(fixed)
            if rec.state in TERMINAL:
                return
            if fail is not None:
                raise QueryError(fail)
            if prepared is None:
                raise error or QueryError("GENERIC_INTERNAL_ERROR")
            result = engine.run(prepared)
            modelled = per_mb * result.scanned_bytes / 1e6 + (fixed if overlap else 0.0)
            rest = modelled - (time.time() - started) if overlap else modelled
            if rest > 0:
                rec.cancel_event.wait(rest)
            if rec.state in TERMINAL:  # cancelled while running: no result, no bytes
                return
            rec.result, rec.data_scanned_bytes = result, result.scanned_bytes
            self._write_output(rec, result, engine)
            self._finish(rec, "SUCCEEDED", None)
        except QueryError as e:
            self._finish(rec, "FAILED", str(e))
        except Exception as e:  # noqa: BLE001 - any engine error fails the query, as Athena does
            self._finish(rec, "FAILED", f"GENERIC_INTERNAL_ERROR: {type(e).__name__}: {e}")

    def _write_output(self, rec: QueryRecord, result: Result, engine: SqlEngine) -> None:
        """CSV (SELECT) / empty text (DDL) object at the output location: best effort, but
        with IAM enforced a write the caller may not make fails the query, as on Athena."""
        if not rec.output_location:
            return
        try:
            bucket, key = split_s3(rec.output_location)
            engine.s3.get_bucket_location(Bucket=bucket)
            buf = io.StringIO()
            if rec.statement_type != "DDL":
                writer = csv.writer(buf, quoting=csv.QUOTE_ALL, lineterminator="\n")
                writer.writerow([c["Name"] for c in result.columns])
                for row in result.rows:  # NULL is an empty unquoted field, as in Athena's CSV
                    buf.write(
                        ",".join("" if v is None else '"' + v.replace('"', '""') + '"' for v in row)
                        + "\n"
                    )
            engine.s3.put_object(Bucket=bucket, Key=key, Body=buf.getvalue().encode())
        except Exception as e:  # noqa: BLE001 - best effort only, unless IAM refused it
            if self._enforcing() and "AccessDenied" in str(e):
                raise QueryError(
                    f"Access denied when writing output to url: {rec.output_location} . Please "
                    "ensure you are allowed to access the S3 bucket. If you are encrypting query "
                    "results with KMS key, please ensure you are allowed to access your KMS key"
                ) from e

    def _execution(self, rec: QueryRecord) -> dict[str, Any]:
        status: dict[str, Any] = {"State": rec.state, "SubmissionDateTime": rec.submitted_at}
        if rec.end_time is not None:
            status["CompletionDateTime"] = rec.end_time
        if rec.state_change_reason:
            status["StateChangeReason"] = rec.state_change_reason
        if rec.state == "FAILED":
            status["AthenaError"] = {
                "ErrorCategory": 2,
                "ErrorType": 1000,
                "Retryable": False,
                "ErrorMessage": rec.state_change_reason,
            }
        end = rec.end_time or time.time()
        total = int((end - rec.submitted_at) * 1000)
        engine = int((end - (rec.start_time or end)) * 1000)
        out = {
            "QueryExecutionId": rec.query_id,
            "Query": rec.sql,
            "StatementType": rec.statement_type,
            "SubstatementType": rec.substatement_type,
            "ResultConfiguration": {"OutputLocation": rec.output_location}
            if rec.output_location
            else {},
            "ResultReuseConfiguration": {"ResultReuseByAgeConfiguration": {"Enabled": False}},
            "QueryExecutionContext": {"Database": rec.database, "Catalog": rec.catalog},
            "Status": status,
            "Statistics": {
                "EngineExecutionTimeInMillis": engine,
                "DataScannedInBytes": rec.data_scanned_bytes,
                "TotalExecutionTimeInMillis": total,
                "QueryQueueTimeInMillis": max(0, total - engine),
                "ServicePreProcessingTimeInMillis": 0,
                "QueryPlanningTimeInMillis": 0,
                "ServiceProcessingTimeInMillis": 0,
                "ResultReuseInformation": {"ReusedPreviousResult": False},
            },
            "WorkGroup": rec.workgroup,
            "EngineVersion": ENGINE_VERSION,
        }
        if rec.execution_parameters:
            out["ExecutionParameters"] = rec.execution_parameters
        if rec.managed:
            out["ManagedQueryResultsConfiguration"] = {"Enabled": True}
        return out

    def _op_GetQueryExecution(self, body: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            return {"QueryExecution": self._execution(self._record(body["QueryExecutionId"]))}

    def _op_BatchGetQueryExecution(self, body: dict[str, Any]) -> dict[str, Any]:
        ids = body.get("QueryExecutionIds") or []
        with self._lock:
            found = [self._execution(self._executions[i]) for i in ids if i in self._executions]
            missing = [
                {"QueryExecutionId": i, "ErrorCode": "INVALID_INPUT", "ErrorMessage": "not found"}
                for i in ids
                if i not in self._executions
            ]
        return {"QueryExecutions": found, "UnprocessedQueryExecutionIds": missing}

    def _op_ListQueryExecutions(self, body: dict[str, Any]) -> dict[str, Any]:
        wg = body.get("WorkGroup") or "primary"
        with self._lock:
            ids = [r.query_id for r in reversed(self._executions.values()) if r.workgroup == wg]
        return _page(ids, body, "QueryExecutionIds", 50)

    def _op_StopQueryExecution(self, body: dict[str, Any]) -> dict[str, Any]:
        rec = self._record(body["QueryExecutionId"])
        self._finish(rec, "CANCELLED", "Query cancelled by user")
        return {}

    def _op_GetQueryResults(self, body: dict[str, Any]) -> dict[str, Any]:
        rec = self._record(body["QueryExecutionId"])
        if rec.state != "SUCCEEDED" or rec.result is None:
            what = (
                "did not finish successfully. Final"
                if rec.state in TERMINAL
                else ("has not yet finished. Current")
            )
            raise ApiError(
                "InvalidRequestException",
                f"Query {what} query state: {rec.state}",
                AthenaErrorCode="INVALID_INPUT",
            )
        self._read_output(rec)
        result = rec.result
        rows = [[c["Name"] for c in result.columns]] if rec.statement_type != "DDL" else []
        rows += result.rows
        start = int(body.get("NextToken") or 0)
        size = min(int(body.get("MaxResults") or 1000), 1000)
        page = rows[start : start + size]
        out: dict[str, Any] = {
            "UpdateCount": 0,
            "ResultSet": {
                "Rows": [
                    {"Data": [{} if v is None else {"VarCharValue": v} for v in row]}
                    for row in page
                ],
                "ResultSetMetadata": {"ColumnInfo": result.columns},
            },
        }
        if start + size < len(rows):
            out["NextToken"] = str(start + size)
        return out

    # ---- catalog metadata (from Glue) ------------------------------------------------------
    def _check_catalog(self, body: dict[str, Any]) -> None:
        name = body.get("CatalogName") or "AwsDataCatalog"
        if name.lower() != "awsdatacatalog":
            raise ApiError("MetadataException", f"Catalog {name} was not found")

    def _glue_call(self, func: Any, **kwargs: Any) -> Any:
        try:
            return func(**kwargs)
        except self.glue.exceptions.EntityNotFoundException as e:
            msg = e.response["Error"].get("Message", "not found")
            # Athena wraps Glue errors in this envelope; pyathena unwraps the Glue error code.
            raise ApiError(
                "MetadataException",
                f"{msg} (Service: AmazonDataCatalog; Status "
                "Code: 400; Error Code: EntityNotFoundException; Request ID: "
                f"{uuid.uuid4()}; Proxy: null)",
            ) from e

    def _op_GetTableMetadata(self, body: dict[str, Any]) -> dict[str, Any]:
        self._check_catalog(body)
        table = self._glue_call(
            self._caller_engine().glue.get_table,
            DatabaseName=body["DatabaseName"],
            Name=body["TableName"],
        )["Table"]
        return {"TableMetadata": table_metadata(table)}

    def _op_ListTableMetadata(self, body: dict[str, Any]) -> dict[str, Any]:
        self._check_catalog(body)
        paginator = self._caller_engine().glue.get_paginator("get_tables")
        tables = self._glue_call(
            lambda: [
                t
                for page in paginator.paginate(DatabaseName=body["DatabaseName"])
                for t in page["TableList"]
            ]
        )
        expr = body.get("Expression")
        if expr:
            pattern = re.compile(
                expr.replace("*", ".*") if "*" in expr and ".*" not in expr else expr, re.I
            )
            tables = [t for t in tables if pattern.fullmatch(t["Name"])]
        return _page([table_metadata(t) for t in tables], body, "TableMetadataList", 50)

    def _op_ListDatabases(self, body: dict[str, Any]) -> dict[str, Any]:
        self._check_catalog(body)
        pages = self._caller_engine().glue.get_paginator("get_databases").paginate()
        dbs = [_database(d) for page in pages for d in page["DatabaseList"]]
        return _page(dbs, body, "DatabaseList", 50)

    def _op_GetDatabase(self, body: dict[str, Any]) -> dict[str, Any]:
        self._check_catalog(body)
        db = self._glue_call(self._caller_engine().glue.get_database, Name=body["DatabaseName"])[
            "Database"
        ]
        return {"Database": _database(db)}

    def _workgroup(self, name: str, not_found: str) -> Workgroup:
        with self._lock:
            if name in self._workgroups:
                return self._workgroups[name]
        if name == "primary":
            return Workgroup(name, False, self.default_output_location, False)
        raise ApiError("InvalidRequestException", not_found, AthenaErrorCode="INVALID_INPUT")

    def _op_GetWorkGroup(self, body: dict[str, Any]) -> dict[str, Any]:
        """The WorkGroup structure of the real API (Configuration with ResultConfiguration,
        EnforceWorkGroupConfiguration, ManagedQueryResultsConfiguration)."""
        name = body.get("WorkGroup") or "primary"
        wg = self._workgroup(name, f"WorkGroup {name} is not found.")
        config: dict[str, Any] = {
            "EnforceWorkGroupConfiguration": wg.enforce,
            "PublishCloudWatchMetricsEnabled": False,
            "EngineVersion": ENGINE_VERSION,
        }
        if wg.output_location:
            config["ResultConfiguration"] = {"OutputLocation": wg.output_location}
        if wg.managed:
            config["ManagedQueryResultsConfiguration"] = {"Enabled": True}
        return {
            "WorkGroup": {
                "Name": name,
                "State": "ENABLED",
                "Configuration": config,
                "Description": "local Athena work group",
                "CreationTime": 0,
            }
        }


_SESSION: list[boto3.session.Session] = []


def _session() -> boto3.session.Session:
    """One boto3 session for all instances: its loader caches the service models."""
    if not _SESSION:
        _SESSION.append(boto3.session.Session())
    return _SESSION[0]


def _page(items: list[Any], body: dict[str, Any], key: str, default: int) -> dict[str, Any]:
    start = int(body.get("NextToken") or 0)
    size = int(body.get("MaxResults") or default)
    out: dict[str, Any] = {key: items[start : start + size]}
    if start + size < len(items):
        out["NextToken"] = str(start + size)
    return out


def _ts(value: Any) -> Any:
    return value.timestamp() if isinstance(value, dt.datetime) else value


def _database(db: dict[str, Any]) -> dict[str, Any]:
    out = {"Name": db["Name"], "Parameters": dict(db.get("Parameters") or {})}
    if db.get("Description"):
        out["Description"] = db["Description"]
    return out


def table_metadata(table: dict[str, Any]) -> dict[str, Any]:
    """Athena's TableMetadata for a Glue table: storage descriptor fields are flattened into
    Parameters (location, inputformat, outputformat, serde.serialization.lib, serde.param.*)."""
    sd = table.get("StorageDescriptor") or {}
    serde = sd.get("SerdeInfo") or {}
    params = dict(table.get("Parameters") or {})
    for key, value in (
        ("location", sd.get("Location")),
        ("inputformat", sd.get("InputFormat")),
        ("outputformat", sd.get("OutputFormat")),
        ("serde.serialization.lib", serde.get("SerializationLibrary")),
    ):
        if value is not None:
            params[key] = value
    params.update({f"serde.param.{k}": v for k, v in (serde.get("Parameters") or {}).items()})

    def column(c: dict[str, Any]) -> dict[str, Any]:
        return {k: c[k] for k in ("Name", "Type", "Comment") if k in c}

    out = {
        "Name": table["Name"],
        "TableType": table.get("TableType", "EXTERNAL_TABLE"),
        "Columns": [column(c) for c in sd.get("Columns") or []],
        "PartitionKeys": [column(c) for c in table.get("PartitionKeys") or []],
        "Parameters": params,
    }
    for src, dst in (("CreateTime", "CreateTime"), ("LastAccessTime", "LastAccessTime")):
        if table.get(src) is not None:
            out[dst] = _ts(table[src])
    return out


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in separate writes

    def do_POST(self) -> None:  # noqa: N802 - http.server API
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        target = self.headers.get("X-Amz-Target") or ""
        athena: LocalAthena = self.server.athena  # type: ignore[attr-defined]
        if not target.startswith("AmazonAthena."):
            status, payload = (
                400,
                {
                    "__type": "UnknownOperationException",
                    "message": f"unsupported target {target!r}",
                },
            )
        else:
            try:
                body = json.loads(raw or b"{}")
            except ValueError:
                body = None
            if not isinstance(body, dict):
                status, payload = 400, {"__type": "SerializationException", "message": "bad JSON"}
            else:
                status, payload = athena.dispatch(target.split(".", 1)[1], body, self.headers)
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/x-amz-json-1.1")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - silence access log
        pass
