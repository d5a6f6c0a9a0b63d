"""A query that never finishes is stopped at the time limit; SIGTERM stops the run cleanly,
with the queries in flight cancelled and what was finished reported as partial."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable
from typing import Any

import boto3
import pytest

from tests import lake_fixture
from tests.conftest import RunCli
from tests.test_aws_run import REGION, aws_args, read_s3_json


def _stops(local_athena: Any) -> list[str]:
    return [q.state for q in local_athena.queries if "part_count" in q.sql]


class SigtermWhen:
    """Send this process SIGTERM, on its own thread, as soon as ``ready()`` holds (checked every
    50 ms for up to ``timeout`` s); ``signalled`` holds when it was sent."""

    def __init__(self, ready: Callable[[], bool], timeout: float = 60.0) -> None:
        self.ready, self.timeout = ready, timeout
        self.signalled: list[float] = []
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()

    def _watch(self) -> None:
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            if self.ready():
                self.signalled.append(time.monotonic())
                os.kill(os.getpid(), signal.SIGTERM)
                return
            time.sleep(0.05)

    def join(self) -> None:
        self._thread.join(5)


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

    killer = SigtermWhen(lambda: "RUNNING" in _stops(local_athena))
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
    killer.join()
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

    killer = SigtermWhen(lambda: "RUNNING" in _stops(local_athena))
    started = time.monotonic()
    code, _, err = run_cli(
        *aws_args(aws_lake["topic"], "--tables", "part_count", "--data_docs", "false")
    )
    elapsed = time.monotonic() - started
    killer.join()
    assert code == 3
    assert elapsed < 60, err[-2000:]  # not the 900 s time limit
    assert _stops(local_athena) == ["CANCELLED"]
    assert local_athena.operations["StopQueryExecution"] == 1
    report = read_s3_json(
        lake_fixture.REPORT_BUCKET, f"data-monitor/omc_monitor_report_{lake_fixture.AS_OF}.json"
    )
    assert report["partial"] is True


@pytest.mark.parametrize("slow_start_s", [0.0, 2.0], ids=["running", "starting"])
def test_sigterm_during_a_repair_stops_the_ddl_and_the_run_reports(
    run_cli: RunCli, aws_lake: dict[str, str], local_athena: Any, slow_start_s: float
) -> None:
    """A repair statement hung on Athena is stopped (StopQueryExecution) within seconds of the
    SIGTERM, not after --query_timeout_seconds; also when the signal lands after Athena started
    it but before its id reached the monitor."""
    local_athena.hang(r"ALTER TABLE")
    if slow_start_s:
        local_athena.slow_start(r"ALTER TABLE", slow_start_s)

    def ddl_states() -> list[str]:
        return [q.state for q in local_athena.queries if q.kind == "DDL"]

    killer = SigtermWhen(lambda: "RUNNING" in ddl_states())
    code, out, err = run_cli(
        *aws_args(
            aws_lake["topic"],
            "--tables",
            "part_unreg",
            "--query_timeout_seconds",
            "600",
            "--data_docs",
            "false",
        )
    )
    ended = time.monotonic()
    killer.join()
    assert killer.signalled, err[-2000:]
    assert ended - killer.signalled[0] < 20, err[-2000:]  # seconds, not the 600 s time limit
    assert code == 3
    assert ddl_states() == ["CANCELLED"]
    assert local_athena.operations["StopQueryExecution"] == 1
    assert "SIGTERM: stopped 1 query(ies) in flight" in err
    (ddl,) = [q for q in local_athena.queries if q.kind == "DDL"]
    assert ddl.sql.startswith(f"ALTER TABLE `{lake_fixture.DATABASE}`.`part_unreg` ADD IF NOT")
    report = read_s3_json(
        lake_fixture.REPORT_BUCKET, f"data-monitor/omc_monitor_report_{lake_fixture.AS_OF}.json"
    )
    assert report["partial"] is True
    expected = [
        "[ERROR] part_unreg: primary key values to not be null, primary key values to be "
        "unique, row count to match source, row count to follow history, id bucket rows to be "
        "balanced, join key to suit clean rooms could not run: query failed: not started: the "
        "run is being stopped",
        "[ALERT] part_unreg: Glue missing 3 partitions; still unregistered: 2, 5, 11; repair "
        f"failed: Athena DDL {ddl.query_id} stopped: the run was interrupted",
        "[ERROR] *: run stopped (SIGTERM) after 1 of 1 table(s) were checked; this report is "
        "partial",
    ]
    assert report["alerts"] == expected
    # the log's alert lines, each followed by its state (the first run: all new)
    assert [line.split(None, 1)[1] for line in out.splitlines()[1:4]] == [
        f"{line}  (new)" for line in expected
    ]
    assert report["tables"][0]["repaired_glue_count"] == 0
    sqs = boto3.client("sqs", region_name=REGION)
    got = sqs.receive_message(QueueUrl=aws_lake["queue_url"], WaitTimeSeconds=1)
    assert "repair failed: Athena DDL " in got["Messages"][0]["Body"]


def test_a_run_after_a_sigterm_in_the_same_process_checks_its_tables(
    run_cli: RunCli, aws_lake: dict[str, str], local_athena: Any
) -> None:
    """Each run has its own stop control: the one the signal stopped stays stopped, and the
    next run in the process runs every query of its own."""
    local_athena.hang(r"part_count")

    killer = SigtermWhen(lambda: "RUNNING" in _stops(local_athena))
    code, _, err = run_cli(
        *aws_args(aws_lake["topic"], "--tables", "part_count", "--data_docs", "false")
    )
    killer.join()
    assert code == 3
    assert "SIGTERM: stopped 1 query(ies) in flight" in err

    local_athena.reset()
    code, out, err = run_cli(
        *aws_args(aws_lake["topic"], "--tables", "part_clean_01,part_pk", "--data_docs", "false")
    )
    assert code == 1, err[-2000:]
    assert "partial" not in out and "not started" not in out
    assert "[PK_NULL] part_pk: customer_user_id NULL rows=7" in out
    assert "[PK_DUPES] part_pk: customer_user_id duplicate rows=10" in out
    states = {q.state for q in local_athena.queries}
    assert states == {"SUCCEEDED"}
