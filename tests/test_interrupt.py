"""A query that never finishes is stopped at the time limit; SIGTERM stops the run cleanly,
with the queries in flight cancelled and what was finished reported as partial."""

from __future__ import annotations

import os
import signal
import threading
import time
from typing import Any

import boto3

from tests import lake_fixture
from tests.conftest import RunCli
from tests.test_aws_run import REGION, aws_args, read_s3_json


def _stops(local_athena: Any) -> list[str]:
    return [q.state for q in local_athena.queries if "part_count" in q.sql]


def test_a_query_past_the_time_limit_is_stopped_and_reported(
    run_cli: RunCli, aws_lake: dict[str, str], local_athena: Any
) -> None:
    local_athena.hang(r"part_count")
    started = time.monotonic()
    code, out, _ = run_cli(
        *aws_args(
            aws_lake["topic"],
            "--tables",
            "part_count,part_pk",
            "--query_timeout_seconds",
            "3",
            "--data_docs",
            "false",
        )
    )
    assert time.monotonic() - started < 30
    assert code == 3
    report = read_s3_json(
        lake_fixture.REPORT_BUCKET, f"data-monitor/omc_monitor_report_{lake_fixture.AS_OF}.json"
    )
    (stopped,) = [a for a in report["alerts"] if a.startswith("[ERROR] part_count: ")]
    assert stopped.startswith("[ERROR] part_count: primary key values to not be null, ")
    assert stopped.endswith(" could not run: query failed: still running after 3 s; stopped")
    assert "[PK_NULL] part_pk: customer_user_id NULL rows=7" in report["alerts"]
    assert "CANCELLED" in _stops(local_athena)
    assert local_athena.operations["StopQueryExecution"] >= 1


def test_sigterm_cancels_queries_in_flight_and_reports_what_was_finished(
    run_cli: RunCli, aws_lake: dict[str, str], local_athena: Any
) -> None:
    local_athena.hang(r"part_count")

    def send_sigterm_when_hung() -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if "RUNNING" in _stops(local_athena):
                os.kill(os.getpid(), signal.SIGTERM)
                return
            time.sleep(0.1)

    killer = threading.Thread(target=send_sigterm_when_hung, daemon=True)
    killer.start()
    code, out, err = run_cli(
        *aws_args(
            aws_lake["topic"],
            "--tables",
            "part_clean_01,part_count,part_pk",
            "--max_workers",
            "1",
            "--data_docs",
            "false",
        )
    )
    killer.join(5)
    assert code == 3
    assert "SIGTERM: stopped 1 query(ies) in flight" in err
    report = read_s3_json(
        lake_fixture.REPORT_BUCKET, f"data-monitor/omc_monitor_report_{lake_fixture.AS_OF}.json"
    )
    assert report["partial"] is True
    rows = {r["table"]: r for r in report["tables"]}
    assert rows["part_clean_01"]["status"] == "ok"  # finished before the signal: kept
    assert rows["part_pk"]["status"] == "not checked"
    assert "[ERROR] part_pk: not checked: the run was stopped (SIGTERM)" in report["alerts"]
    assert (
        "[ERROR] *: run stopped (SIGTERM) after 2 of 3 table(s) were checked; this report "
        "is partial" in report["alerts"]
    )
    assert "CANCELLED" in _stops(local_athena)
    sqs = boto3.client("sqs", region_name=REGION)
    got = sqs.receive_message(QueueUrl=aws_lake["queue_url"], WaitTimeSeconds=1)
    assert "this report is partial" in got["Messages"][0]["Body"]


def test_sigterm_while_a_query_is_starting_still_cancels_it(
    run_cli: RunCli, aws_lake: dict[str, str], local_athena: Any
) -> None:
    """The signal lands after Athena started the query but before its id reached the client:
    the cancel waits for the id instead of being lost (the query would run on, and the run
    would wait for --query_timeout_seconds)."""
    local_athena.hang(r"part_count")
    local_athena.slow_start(r"part_count", 2.0)

    def send_sigterm_when_running() -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if "RUNNING" in _stops(local_athena):
                os.kill(os.getpid(), signal.SIGTERM)
                return
            time.sleep(0.05)

    killer = threading.Thread(target=send_sigterm_when_running, daemon=True)
    killer.start()
    started = time.monotonic()
    code, _, err = run_cli(
        *aws_args(aws_lake["topic"], "--tables", "part_count", "--data_docs", "false")
    )
    elapsed = time.monotonic() - started
    killer.join(5)
    assert code == 3
    assert elapsed < 60, err[-2000:]  # not the 900 s time limit
    assert _stops(local_athena) == ["CANCELLED"]
    assert local_athena.operations["StopQueryExecution"] == 1
    report = read_s3_json(
        lake_fixture.REPORT_BUCKET, f"data-monitor/omc_monitor_report_{lake_fixture.AS_OF}.json"
    )
    assert report["partial"] is True
