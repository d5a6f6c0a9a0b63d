"""The facts of a table's inventory that no query reads (schema baseline, Parquet codecs, the
snapshot marker, the raw input) are gathered on a helper thread while the table's key scan runs
on Athena, instead of before it: on the AWS path each is an S3 or Glue round trip, and the
query's seconds are spent waiting anyway. What the query depends on (the storage listing, the
catalog's partitions and their repair) still comes first."""

from __future__ import annotations

import datetime as dt
import threading
import time
from typing import Any

import pytest
import sqlalchemy as sa

from data_monitor.backends.aws.store import S3Store
from tests import lake_fixture
from tests.conftest import RunCli
from tests.test_aws_run import aws_args, read_s3_json

TABLES = ("part_clean_01", "part_pk")


def test_the_facts_no_query_reads_are_read_while_the_key_scan_runs(
    run_cli: RunCli, aws_lake: dict[str, str], local_athena: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    local_athena.latency_s = 1.5  # every SELECT takes 1.5 s on the endpoint
    markers: dict[str, tuple[float, str]] = {}  # table -> (when its marker read began, thread)
    query_threads: dict[str, str] = {}
    read_text = S3Store.read_text

    def timed_read(self: S3Store, uri: str, max_bytes: int) -> str | None:
        for table in TABLES:
            if f"/{table}/_metadata/" in uri:
                markers[table] = (time.time(), threading.current_thread().name)
        return read_text(self, uri, max_bytes)

    def on_query(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        for table in TABLES:
            if table in statement:
                query_threads[table] = threading.current_thread().name

    monkeypatch.setattr(S3Store, "read_text", timed_read)
    sa.event.listen(sa.engine.Engine, "before_cursor_execute", on_query)
    try:
        code, out, err = run_cli(
            *aws_args(aws_lake["topic"], "--tables", ",".join(TABLES), "--data_docs", "false")
        )
    finally:
        sa.event.remove(sa.engine.Engine, "before_cursor_execute", on_query)
    assert code == 1, err[-3000:]
    selects = {
        t: [q for q in local_athena.queries if q.kind == "SELECT" and t in q.sql] for t in TABLES
    }
    for table in TABLES:
        (query,) = selects[table]
        began, thread = markers[table]
        assert thread != query_threads[table]  # a helper thread, not the one sending the query
        assert began < query.end_time  # read while the query ran, not after it ended
    # and the facts arrived: the marker's date, the codecs, the raw input
    report = read_s3_json(
        lake_fixture.REPORT_BUCKET, f"data-monitor/omc_monitor_report_{lake_fixture.AS_OF}.json"
    )
    rows = {r["table"]: r for r in report["tables"]}
    expected = [a for a in lake_fixture.expected_alerts() if any(f" {t}:" in a for t in TABLES)]
    assert report["alerts"] == expected
    assert len(expected) == 2  # part_pk's NULL and duplicate keys
    for table in TABLES:
        assert rows[table]["raw_input_snapshot_dt"] == str(
            lake_fixture.AS_OF - dt.timedelta(days=1)
        )
