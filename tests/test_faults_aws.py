"""Fault tests of the AWS backend, through the real CLI, against the local endpoints.

Every fault is injected into moto (S3, Glue, SNS, SQS) or the local Athena endpoint
(``tests/harness/local_athena.py``); every test asserts what the run left behind: the exit code,
the alert lines, the report in S3, the SNS message (read back from the SQS queue subscribed to
the topic), the Glue partitions and the endpoint's query/operation log.

Only the throttling test needs the whole test lake (its report is compared with
``lake_fixture.expected_alerts()``); the others mirror just the tables they check (and their
``ext_*`` count sources) to keep the file fast, and pass ``--tables`` and ``--data_docs false``.

Where the product does not do what it should yet, the test states the intended behaviour and is
a strict xfail naming the function to change: it turns into a failure (XPASS) once fixed.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import boto3
import pytest

from tests import lake_fixture
from tests.aws_lake import glue_partition_values, prepare_account
from tests.conftest import RunCli
from tests.harness.throttle_proxy import ThrottleProxy
from tests.test_aws_run import REGION, aws_args, read_s3_json, sns_messages

DB = lake_fixture.DATABASE
REPORT_KEY = f"data-monitor/omc_monitor_report_{lake_fixture.AS_OF}.json"
REPORT_URI = f"s3://{lake_fixture.REPORT_BUCKET}/{REPORT_KEY}"
UNREG_MISSING = [2, 5, 11]  # TableSpec("unreg", ..., unregistered_buckets=(2, 5, 11))
# the three row-level checks share part_<x>'s one GROUP BY (custom_expectations/metrics)
ROW_CHECKS = (
    "primary key values to not be null",
    "primary key values to be unique",
    "row count to match source",
    "row count to follow history",
    "id bucket rows to be balanced",
    "join key to suit clean rooms",
)

SmallLake = Callable[..., dict[str, str]]


# ---- fixtures and helpers ---------------------------------------------------------------------
def _copy_tables(warehouse: Path, dest: Path, suffixes: Iterable[str]) -> None:
    """Copy the catalog entries and data of part_<suffix> and ext_<suffix> only."""
    names = {f"{kind}_{s}" for s in suffixes for kind in ("part", "ext")}
    glue_src, glue_dst = warehouse / "glue" / DB, dest / "glue" / DB
    glue_dst.mkdir(parents=True)
    for path in glue_src.iterdir():
        if path.name.split(".")[0] in names:
            shutil.copy2(path, glue_dst / path.name)
    tables_src = warehouse / "s3" / lake_fixture.BUCKET / "tables"
    tables_dst = dest / "s3" / lake_fixture.BUCKET / "tables"
    tables_dst.mkdir(parents=True)
    for name in names:
        if (tables_src / name).is_dir():
            shutil.copytree(tables_src / name, tables_dst / name)


@pytest.fixture
def small_lake(
    built_lake: tuple[Path, Any], moto_server: str, local_athena: Any, tmp_path: Path
) -> SmallLake:
    """``small_lake("pk", "count")``: like ``aws_lake``, with only those tables in S3 + Glue."""

    def make(*suffixes: str) -> dict[str, str]:
        dest = tmp_path / "small-warehouse"
        _copy_tables(built_lake[0], dest, suffixes)
        return prepare_account(dest, lake_fixture.REPORT_BUCKET, REGION)

    return make


def run_tables(run_cli: RunCli, topic: str, tables: Iterable[str], *extra: str) -> Any:
    """The CLI over ``tables`` only, without Data Docs: (exit code, stdout, stderr)."""
    return run_cli(*aws_args(topic, "--tables", ",".join(tables), "--data_docs", "false", *extra))


def expected_for(*tables: str) -> list[str]:
    """The unfaulted run's alert lines of ``tables``, in report order."""
    return [line for line in lake_fixture.expected_alerts() if _table_of(line) in tables]


def _table_of(line: str) -> str:
    return line.split("] ", 1)[1].split(":", 1)[0]


def alert_lines(out: str) -> list[str]:
    """The alert lines the CLI printed (``  <severity> [CODE] table: text  (<state>)``)."""
    pattern = r"^  (?:High|Medium|Low)\s+(\[.*?)  \((?:new|ongoing since [^)]*)\)$"
    return [m.group(1) for m in re.finditer(pattern, out, re.M)]


def exit_code_for(alerts: list[str]) -> int:
    """README: 3 when a check could not run ([ERROR]), else 1 with alerts (all delivered)."""
    return 3 if any(a.startswith("[ERROR] ") for a in alerts) else (1 if alerts else 0)


def rows_of(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {row["table"]: row for row in report["tables"]}


def glue_partitions(table: str) -> dict[int, dict[str, Any]]:
    """Glue's partitions of ``table`` by id_bucket: Values, StorageDescriptor, CreationTime."""
    glue = boto3.client("glue", region_name=REGION)
    pages = glue.get_paginator("get_partitions").paginate(DatabaseName=DB, TableName=table)
    return {
        int(p["Values"][0]): {
            k: p.get(k) for k in ("Values", "StorageDescriptor", "CreationTime", "Parameters")
        }
        for page in pages
        for p in page["Partitions"]
    }


# ---- 1. one table's Athena query fails --------------------------------------------------------
def test_a_failed_query_costs_only_its_table(
    run_cli: RunCli, small_lake: SmallLake, local_athena: Any
) -> None:
    lake = small_lake("clean_01", "count", "pk")
    # three times: GX retries a metric that raises up to 3 times (MAX_METRIC_COMPUTATION_RETRIES),
    # so a retry would fail too and show up as more than one part_pk query below
    local_athena.fail_next(r"part_pk", "Access denied: insufficient permissions", times=3)

    code, out, err = run_tables(run_cli, lake["topic"], ["part_clean_01", "part_count", "part_pk"])

    assert code == 3, out + err[-2000:]
    report = read_s3_json(lake_fixture.REPORT_BUCKET, REPORT_KEY)
    pk_errors = [a for a in report["alerts"] if a.startswith("[ERROR] part_pk: ")]
    # the one scan feeds every row-level check: none could run, and one line says why
    assert pk_errors == [
        f"[ERROR] part_pk: {', '.join(ROW_CHECKS)} could not run: query failed: "
        "Access denied: insufficient permissions"
    ], report["alerts"]
    # the other tables were checked in full: their alerts and values are the unfaulted ones
    assert [a for a in report["alerts"] if a not in pk_errors] == expected_for(
        "part_clean_01", "part_count"
    )
    rows = rows_of(report)
    assert set(rows) == {"part_clean_01", "part_count", "part_pk"}
    assert rows["part_count"]["count_part"] == 2000
    assert rows["part_count"]["count_src"] == 1950
    assert rows["part_count"]["count_diff_pct"] == "2.564103"
    assert rows["part_count"]["status"] == "alerts"
    clean = rows["part_clean_01"]
    assert (clean["pk_nulls"], clean["pk_dupes"], clean["count_part"], clean["count_src"]) == (
        0,
        0,
        2000,
        2000,
    )
    assert clean["status"] == "ok"
    pk = rows["part_pk"]
    assert pk["status"] == "error"
    assert (pk["pk_nulls"], pk["pk_dupes"], pk["count_part"]) == (None, None, None)
    assert pk["s3_partitions"] == 16  # the inventory (S3/Glue) part of part_pk still ran
    assert pk["alerts"] == pk_errors
    assert report["failures"] == []
    # the CLI printed the same lines, and the alert carries them
    assert alert_lines(out) == report["alerts"]
    assert "exit code 3 (incomplete)" in out
    (message,) = sns_messages(lake["queue_url"])
    for line in pk_errors:
        assert line in message["Message"].split("\n")
    # sent twice, never more: the one statement (key scan and source count), then, since which
    # half failed is unknown, the key scan alone; it failed too, so the source is not counted
    # apart. The metrics return a failed query as a value (custom_expectations/metrics/sql.
    # fetch_one) instead of raising, so GX's 3-attempt metric retry never re-runs them.
    pk_queries = [q for q in local_athena.queries if "part_pk" in q.sql]
    assert ["ext_pk" in q.sql for q in pk_queries] == [True, False], [q.sql for q in pk_queries]
    assert [q.state for q in pk_queries] == ["FAILED", "FAILED"]
    assert {q.state_change_reason for q in pk_queries} == {
        "Access denied: insufficient permissions"
    }
    assert sum("ext_pk" in q.sql for q in local_athena.queries) == 1


@pytest.mark.parametrize("failures", [1, 2])
def test_a_failing_source_count_leaves_the_key_checks_running(
    run_cli: RunCli, small_lake: SmallLake, local_athena: Any, failures: int
) -> None:
    """The source's COUNT(*) rides in the key scan's statement; when that statement fails, the
    two halves are sent apart once each. A source that fails again costs only the count check
    (failures=2); a failure that does not come back costs nothing but the two queries (1)."""
    lake = small_lake("clean_01", "count")
    local_athena.fail_next(r"ext_count", "Access denied: ext_count", times=failures)

    code, out, err = run_tables(run_cli, lake["topic"], ["part_clean_01", "part_count"])

    report = read_s3_json(lake_fixture.REPORT_BUCKET, REPORT_KEY)
    count = rows_of(report)["part_count"]
    sent = [q for q in local_athena.queries if "part_count" in q.sql or "ext_count" in q.sql]
    # the statement, then the key scan alone, then the source's count alone
    assert [("part_count" in q.sql, "ext_count" in q.sql) for q in sent] == [
        (True, True),
        (True, False),
        (False, True),
    ]
    assert [q.state for q in sent] == [
        "FAILED",
        "SUCCEEDED",
        "FAILED" if failures == 2 else "SUCCEEDED",
    ]
    assert (count["pk_nulls"], count["pk_dupes"], count["count_part"]) == (0, 0, 2000)
    if failures == 2:
        assert code == 3, out + err[-2000:]
        assert count["count_src"] is None and count["status"] == "error"
        assert report["alerts"] == [
            "[ERROR] part_count: row count to match source could not run: "
            "source count failed: Access denied: ext_count"
        ]
    else:
        assert code == 1, out + err[-2000:]
        assert (count["count_src"], count["count_diff_pct"]) == (1950, "2.564103")
        assert report["alerts"] == expected_for("part_count")
    assert rows_of(report)["part_clean_01"]["status"] == "ok"


# ---- 2. a throttling burst --------------------------------------------------------------------
def test_a_throttling_burst_is_absorbed(
    run_cli: RunCli,
    aws_lake: dict[str, str],
    local_athena: Any,
    record_property: Callable[[str, object], None],
) -> None:
    local_athena.throttle_next(5, op="StartQueryExecution", code="ThrottlingException")

    started = time.monotonic()
    code, out, err = run_cli(*aws_args(aws_lake["topic"], "--data_docs", "false"))
    elapsed = time.monotonic() - started

    assert code == 3, out + err[-2000:]  # part_nosrc's count check cannot run, as unthrottled
    report = read_s3_json(lake_fixture.REPORT_BUCKET, REPORT_KEY)
    assert report["alerts"] == lake_fixture.expected_alerts()
    assert report["failures"] == []
    assert not [line for line in err.splitlines() if "Throttl" in line]  # retried, not logged
    # the five refused calls are in the endpoint's log: every started query needed one
    # StartQueryExecution, plus one per throttled (retried) attempt
    assert local_athena.operations["StartQueryExecution"] == len(local_athena.queries) + 5
    # as unthrottled: every query succeeded (part_nosrc's missing source is not queried)
    assert [q.sql for q in local_athena.queries if q.state != "SUCCEEDED"] == []
    record_property("throttled_full_run_s", round(elapsed, 2))


def test_a_too_many_requests_burst_is_absorbed_and_costs_seconds(
    run_cli: RunCli,
    small_lake: SmallLake,
    local_athena: Any,
    record_property: Callable[[str, object], None],
) -> None:
    lake = small_lake("clean_01", "pk", "nosrc")
    tables = ["part_clean_01", "part_nosrc", "part_pk"]

    def timed_run() -> tuple[int, dict[str, Any], float]:
        started = time.monotonic()
        code, out, err = run_tables(run_cli, lake["topic"], tables)
        elapsed = time.monotonic() - started
        assert code == 3, out + err[-2000:]
        return code, read_s3_json(lake_fixture.REPORT_BUCKET, REPORT_KEY), elapsed

    _, baseline, baseline_s = timed_run()
    baseline_queries = len(local_athena.queries)
    baseline_starts = local_athena.operations["StartQueryExecution"]
    assert baseline_starts == baseline_queries  # nothing refused yet

    local_athena.throttle_next(5, op="StartQueryExecution", code="TooManyRequestsException")
    _, throttled, throttled_s = timed_run()

    assert throttled["alerts"] == baseline["alerts"] == expected_for(*tables)
    assert throttled["failures"] == []
    assert rows_of(throttled)["part_pk"]["pk_dupes"] == 10
    queries = len(local_athena.queries) - baseline_queries
    starts = local_athena.operations["StartQueryExecution"] - baseline_starts
    assert queries == baseline_queries  # the same queries ran, each once
    assert starts == queries + 5  # plus the five refused attempts
    cost = throttled_s - baseline_s
    record_property("unthrottled_s", round(baseline_s, 2))
    record_property("throttled_s", round(throttled_s, 2))
    record_property("burst_cost_s", round(cost, 2))
    # botocore (legacy mode in pyathena's client: 4 retries, random backoff up to 1+2+4+8 s)
    # then pyathena's own tenacity retry absorb it; the burst costs seconds, not the run
    assert cost < 30, (baseline_s, throttled_s)


def test_a_full_active_query_quota_is_waited_out(
    run_cli: RunCli, small_lake: SmallLake, local_athena: Any
) -> None:
    """Athena refuses a StartQueryExecution beyond the account's active DML query quota
    (TooManyRequestsException) for as long as the quota stays full: with room for one query
    and three workers, the run waits its turns instead of failing."""
    lake = small_lake("clean_01", "count", "pk")
    tables = ["part_clean_01", "part_count", "part_pk"]
    local_athena.max_active, local_athena.latency_s = 1, 1.0

    code, out, err = run_tables(run_cli, lake["topic"], tables, "--max_workers", "3")

    assert code == 1, out + err[-2000:]
    report = read_s3_json(lake_fixture.REPORT_BUCKET, REPORT_KEY)
    assert report["alerts"] == expected_for(*tables) and report["failures"] == []
    assert [q.state for q in local_athena.queries] == ["SUCCEEDED"] * 3  # one per table
    refused = local_athena.operations["StartQueryExecution"] - len(local_athena.queries)
    assert refused >= 2  # the 2nd and 3rd table each waited at least once
    assert local_athena.max_concurrent_running == 1


def test_a_query_waiting_for_a_slot_is_given_up_at_its_time_limit(
    run_cli: RunCli, small_lake: SmallLake, local_athena: Any
) -> None:
    """A quota that never frees up: the start's wait ends at the query's time limit (the
    retries would otherwise go on for far longer), and the table reports why."""
    lake = small_lake("clean_01")
    local_athena.max_active = 0  # every start refused
    done: dict[str, Any] = {}

    def run() -> None:
        done["result"] = run_tables(
            run_cli, lake["topic"], ["part_clean_01"], "--query_timeout_seconds", "3"
        )

    worker = threading.Thread(target=run, name="data-monitor-run", daemon=True)
    worker.start()
    # without the give-up, pyathena's retries (STARTS) would wait for hours; the run itself
    # takes about 10 s here (3 s of it the time limit)
    worker.join(60)
    finished = not worker.is_alive()
    local_athena.max_active = None  # let a run that did not give up end, then fail below
    worker.join(120)
    assert finished, "the start kept waiting for a slot after the query's time limit"
    code, out, err = done["result"]
    assert code == 3, out + err[-2000:]
    assert local_athena.queries == [] and local_athena.operations["StartQueryExecution"] >= 2
    report = read_s3_json(lake_fixture.REPORT_BUCKET, REPORT_KEY)
    assert report["alerts"] == [
        f"[ERROR] part_clean_01: {', '.join(ROW_CHECKS)} could not run: query failed: "
        "still running after 3 s; stopped"
    ]


THROTTLED_CALLS = (
    "s3:ListObjectsV2",  # partition discovery
    "s3:GetObject",  # snapshot markers, past reports
    "s3:PUT",  # reports, summary
    "glue:GetTables",
    "glue:GetTable",
    "glue:GetPartitions",
    "sns:Publish",
)


def test_s3_glue_and_sns_throttling_bursts_are_absorbed(
    run_cli: RunCli,
    small_lake: SmallLake,
    local_athena: Any,
    monkeypatch: pytest.MonkeyPatch,
    record_property: Callable[[str, object], None],
) -> None:
    """Two refusals on each call the run makes of S3 (503 SlowDown), Glue
    (ThrottlingException) and SNS (Throttling): retried, and the run is as without them."""
    lake = small_lake("clean_01", "pk", "unreg")
    tables = ["part_clean_01", "part_pk", "part_unreg"]
    with ThrottleProxy(os.environ["AWS_ENDPOINT_URL_S3"]) as proxy:
        for service in ("S3", "GLUE", "SNS"):
            monkeypatch.setenv(f"AWS_ENDPOINT_URL_{service}", proxy.url)
        for call in THROTTLED_CALLS:
            proxy.throttle_next(call, 2)
        started = time.monotonic()
        code, out, err = run_tables(run_cli, lake["topic"], tables)
        elapsed = time.monotonic() - started
        refused = dict(proxy.refused)
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", os.environ["AWS_ENDPOINT_URL_SQS"])  # moto again
    report = read_s3_json(lake_fixture.REPORT_BUCKET, REPORT_KEY)
    assert report["alerts"] == expected_for(*tables), out + err[-2000:]
    assert report["failures"] == []
    assert rows_of(report)["part_unreg"]["repaired_glue_count"] == len(UNREG_MISSING)
    assert refused == {call: 2 for call in THROTTLED_CALLS}
    messages = sns_messages(lake["queue_url"])
    assert len(messages) == 1 and messages[0]["Message"].split("\n")[2:5] == report["alerts"][:3]
    assert code == exit_code_for(report["alerts"])
    record_property("throttled_run_s", round(elapsed, 2))


# ---- 3. an Athena query that never finishes ---------------------------------------------------
QUERY_TIMEOUT_S = 3
# the 2-table run takes ~4 s besides the wait; the watchdog cancels the query after this
HANG_BOUND_S = QUERY_TIMEOUT_S + 12


def test_a_hung_query_is_stopped_and_reported(
    run_cli: RunCli, small_lake: SmallLake, local_athena: Any
) -> None:
    lake = small_lake("clean_01", "count")
    local_athena.hang(r"part_count")  # part_count's GROUP BY stays RUNNING until stopped
    done: dict[str, Any] = {}

    def run() -> None:
        done["result"] = run_tables(
            run_cli,
            lake["topic"],
            ["part_clean_01", "part_count"],
            "--query_timeout_seconds",
            str(QUERY_TIMEOUT_S),
        )

    worker = threading.Thread(target=run, name="data-monitor-run", daemon=True)
    started = time.monotonic()
    worker.start()
    worker.join(HANG_BOUND_S)
    finished_in_time = not worker.is_alive()
    elapsed = time.monotonic() - started
    # what the product did on its own, before the watchdog may step in
    stops = local_athena.operations["StopQueryExecution"]
    hung = [q for q in local_athena.queries if "part_count" in q.sql]
    hung_states = [q.state for q in hung]
    if not finished_in_time:  # watchdog: cancel the query ourselves so the run (and pytest) end
        athena = boto3.client("athena", region_name=REGION)
        for query in hung:
            if query.state == "RUNNING":
                athena.stop_query_execution(QueryExecutionId=query.query_id)
        worker.join(30)
    assert not worker.is_alive(), "the run did not end even after its query was cancelled"

    assert finished_in_time, (
        f"the run was still waiting on the hung query after {elapsed:.0f} s "
        f"(--query_timeout_seconds {QUERY_TIMEOUT_S}); query states {hung_states}, "
        f"StopQueryExecution calls {stops}"
    )
    assert elapsed >= QUERY_TIMEOUT_S  # it waited the limit, then stopped the query
    assert stops == 1
    assert hung_states == ["CANCELLED"]  # one query, stopped, not retried
    assert hung[0].state_change_reason == "Query cancelled by user"
    code, out, err = done["result"]
    assert code == 3, out + err[-2000:]
    report = read_s3_json(lake_fixture.REPORT_BUCKET, REPORT_KEY)
    stopped = f"could not run: query failed: still running after {QUERY_TIMEOUT_S} s; stopped"
    assert report["alerts"] == [f"[ERROR] part_count: {', '.join(ROW_CHECKS)} {stopped}"]
    rows = rows_of(report)
    assert rows["part_count"]["status"] == "error"
    assert rows["part_count"]["s3_partitions"] == 16
    clean = rows["part_clean_01"]
    assert (clean["status"], clean["pk_nulls"], clean["count_part"]) == ("ok", 0, 2000)
    (message,) = sns_messages(lake["queue_url"])
    assert message["Message"].split("\n")[2:3] == report["alerts"]


def test_a_hung_repair_ddl_is_stopped_after_the_timeout(
    run_cli: RunCli, small_lake: SmallLake, local_athena: Any
) -> None:
    """--query_timeout_seconds bounds the repair DDL too (AthenaEngine.run_ddl's own poll)."""
    lake = small_lake("unreg")
    before = glue_partitions("part_unreg")
    local_athena.hang(r"ALTER TABLE")

    started = time.monotonic()
    code, out, err = run_tables(
        run_cli, lake["topic"], ["part_unreg"], "--query_timeout_seconds", "2"
    )
    elapsed = time.monotonic() - started

    assert elapsed < 2 + 15, elapsed
    (ddl,) = [q for q in local_athena.queries if q.kind == "DDL"]
    assert ddl.state == "CANCELLED"
    assert ddl.state_change_reason == "Query cancelled by user"
    # one stop per query in flight at the limit: the DDL, and the key scan if it was still
    # running then (on a loaded machine it can be)
    cancelled = [q for q in local_athena.queries if q.state == "CANCELLED"]
    assert ddl in cancelled and len(cancelled) <= 2
    assert local_athena.operations["StopQueryExecution"] == len(cancelled)
    assert glue_partitions("part_unreg") == before
    report = read_s3_json(lake_fixture.REPORT_BUCKET, REPORT_KEY)
    (line,) = [a for a in report["alerts"] if a.startswith("[ALERT] part_unreg")]
    assert line.startswith(
        "[ALERT] part_unreg: Glue missing 3 partitions; still unregistered: 2, 5, 11; "
        "repair failed: Athena DDL "
    )
    assert line.endswith("still running after 2 s; stopped")
    assert rows_of(report)["part_unreg"]["repaired_glue_count"] == 0
    assert code == exit_code_for(report["alerts"]), out + err[-2000:]


# ---- 4. SNS publish fails ---------------------------------------------------------------------
def test_a_failed_publish_keeps_the_report_and_exits_3(
    run_cli: RunCli, small_lake: SmallLake, local_athena: Any
) -> None:
    lake = small_lake("pk")
    boto3.client("sns", region_name=REGION).delete_topic(TopicArn=lake["topic"])

    code, out, err = run_tables(run_cli, lake["topic"], ["part_pk"])

    # part_pk alone is exit 1 (alerts, delivered); the undelivered alert makes it 3
    assert code == 3, out + err[-2000:]
    report = read_s3_json(lake_fixture.REPORT_BUCKET, REPORT_KEY)
    assert report["alerts"] == expected_for("part_pk")
    failure = f"alert could not be sent: publish to {lake['topic']}: NotFound: "
    assert any(line.startswith(f"FAILED: {failure}") for line in out.splitlines()), out
    assert failure in err  # and in the log
    assert "exit code 3 (incomplete)" in out
    assert "alert:" not in out  # no "alert: <where it went>" line
    # the report is written before the alert is sent, so its failures cannot say so
    assert report["failures"] == []
    assert sns_messages(lake["queue_url"]) == []


# ---- 5. the report cannot be written ----------------------------------------------------------
def test_an_unwritable_report_still_sends_the_alert_and_is_kept_locally(
    run_cli: RunCli, small_lake: SmallLake, local_athena: Any, tmp_path: Path
) -> None:
    lake = small_lake("pk")
    boto3.client("s3", region_name=REGION).delete_bucket(Bucket=lake_fixture.REPORT_BUCKET)
    fallback = tmp_path / "fallback"

    code, out, err = run_tables(
        run_cli, lake["topic"], ["part_pk"], "--fallback_dir", str(fallback)
    )

    # part_pk alone is exit 1; the report that could not be written makes it 3
    assert code == 3, out + err[-2000:]
    assert "JSON report:" not in out
    failed = [line for line in out.splitlines() if line.startswith("FAILED: report ")]
    # the run's JSON and CSV under runs/, then the day's JSON and CSV: four refused writes
    assert len(failed) == 4, failed
    # and, with the bucket gone, no past reports to compare the volume with
    assert "FAILED: past reports could not be read: list s3://" in out
    day = [line for line in failed if f"FAILED: report {REPORT_URI} could not be" in line]
    assert len(day) == 1, failed
    assert f"write {REPORT_URI}: NoSuchBucket: " in day[0]
    assert f"write {REPORT_URI}: NoSuchBucket: " in err  # logged
    # the alert still went out, and says the report is not where it should be
    (message,) = sns_messages(lake["queue_url"])
    body = message["Message"].split("\n")
    assert body[2:-2] == expected_for("part_pk")
    assert body[-1].startswith(f"The report could not be written to {REPORT_URI}; "), body[-1]
    assert str(fallback) in body[-1]
    assert f"alert:       {lake['topic']} (message " in out
    # ... and a local copy of every refused object is kept, named in the failure line
    kept = re.search(r"a copy is kept at (\S+)$", day[0])
    assert kept is not None, day[0]
    copy = Path(kept.group(1))
    assert copy.parent == fallback
    document = json.loads(copy.read_text())
    assert document["alerts"] == expected_for("part_pk")
    assert rows_of(document)["part_pk"]["pk_dupes"] == 10
    assert sorted(p.suffix for p in fallback.iterdir()) == [".csv", ".csv", ".json", ".json"]


# ---- 6. auto-repair under faults --------------------------------------------------------------
def test_a_failed_repair_leaves_the_catalog_valid_and_the_next_run_repairs(
    run_cli: RunCli, small_lake: SmallLake, local_athena: Any
) -> None:
    lake = small_lake("unreg")
    before = glue_partitions("part_unreg")
    assert sorted(before) == sorted(set(range(16)) - set(UNREG_MISSING))
    local_athena.fail_next(r"ALTER TABLE", "Internal error", times=1)

    code, out, err = run_tables(run_cli, lake["topic"], ["part_unreg"])

    # the DDL failed once and was not retried; the catalog is exactly as it was
    (ddl,) = [q for q in local_athena.queries if q.kind == "DDL"]
    assert ddl.state == "FAILED"
    assert ddl.state_change_reason == "Internal error"
    assert glue_partitions("part_unreg") == before
    report = read_s3_json(lake_fixture.REPORT_BUCKET, REPORT_KEY)
    row = rows_of(report)["part_unreg"]
    assert (row["glue_partitions"], row["missing_glue_count"], row["repaired_glue_count"]) == (
        13,
        3,
        0,
    )
    unreg_alerts = [a for a in report["alerts"] if a.startswith("[ALERT] part_unreg: ")]
    (line,) = unreg_alerts
    assert line.startswith(
        "[ALERT] part_unreg: Glue missing 3 partitions; still unregistered: 2, 5, 11; "
        "repair failed: Athena DDL "
    )
    assert line.endswith(" FAILED: Internal error")
    # with the partitions still invisible, Athena counts 3 buckets' rows fewer than the source
    assert row["count_src"] == 2000
    assert row["count_part"] < 2000
    assert any(a.startswith("[COUNT_MISMATCH] part_unreg: ") for a in report["alerts"])
    assert alert_lines(out) == report["alerts"]
    assert code == exit_code_for(report["alerts"]) == 1, out + err[-2000:]
    (message,) = sns_messages(lake["queue_url"])
    assert unreg_alerts[0] in message["Message"].split("\n")

    # the next run, without the fault, registers exactly the three and touches nothing else
    code, out, err = run_tables(run_cli, lake["topic"], ["part_unreg"])

    after = glue_partitions("part_unreg")
    assert glue_partition_values(DB, "part_unreg") == list(range(16))
    for bucket, partition in before.items():
        assert after[bucket] == partition, bucket  # same Location, same creation time
        assert (
            after[bucket]["StorageDescriptor"]["Location"]
            == partition["StorageDescriptor"]["Location"]
        )
    for bucket in UNREG_MISSING:
        assert after[bucket]["StorageDescriptor"]["Location"] == (
            f"s3://{lake_fixture.BUCKET}/tables/part_unreg/id_bucket={bucket}/"
        )
    ddls = [q for q in local_athena.queries if q.kind == "DDL"]
    assert [q.state for q in ddls] == ["FAILED", "SUCCEEDED"]
    assert re.findall(r"PARTITION \(id_bucket=(\d+)\)", ddls[1].sql) == ["2", "5", "11"]
    report = read_s3_json(lake_fixture.REPORT_BUCKET, REPORT_KEY)
    assert report["alerts"] == expected_for("part_unreg")
    assert rows_of(report)["part_unreg"]["repaired_glue_count"] == 3
    assert code == 1, out + err[-2000:]


def test_a_failed_repair_says_why(
    run_cli: RunCli, small_lake: SmallLake, local_athena: Any
) -> None:
    lake = small_lake("unreg")
    local_athena.fail_next(r"ALTER TABLE", "Internal error", times=1)

    run_tables(run_cli, lake["topic"], ["part_unreg"])

    (ddl,) = [q for q in local_athena.queries if q.kind == "DDL"]
    assert ddl.state == "FAILED"
    report = read_s3_json(lake_fixture.REPORT_BUCKET, REPORT_KEY)
    unreg = [
        a for a in report["alerts"] if a.startswith(("[ALERT] part_unreg", "[ERROR] part_unreg"))
    ]
    assert any("Internal error" in line for line in unreg), unreg
