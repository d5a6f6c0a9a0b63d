"""The run's Athena bill: every statement's statistics, per table and per run, priced as
Athena prices them (10 MB minimum, rounded up to the megabyte, DDL and failed queries free)."""

from __future__ import annotations

import json
from typing import Any

import boto3

from data_monitor.model.athena_bill import MB, TB, AthenaBill, QueryStats, bill_text
from tests import lake_fixture
from tests.conftest import RunCli
from tests.harness.local_athena_sql import columns_read, glue_schema
from tests.test_aws_run import REGION, aws_args


def test_statements_are_priced_as_athena_prices_them() -> None:
    assert QueryStats("query", "SUCCEEDED", 0).billed_bytes == 10 * MB  # the minimum
    assert QueryStats("query", "SUCCEEDED", 10 * MB + 1).billed_bytes == 11 * MB
    assert QueryStats("query", "CANCELLED", 3 * MB).billed_bytes == 10 * MB
    assert QueryStats("query", "FAILED", 50 * MB).billed_bytes == 0
    assert QueryStats("ddl", "SUCCEEDED", 50 * MB).billed_bytes == 0
    bill = AthenaBill(price_per_tb=5.0)
    with bill.for_table("part_a"):
        bill.add(QueryStats("query", "SUCCEEDED", 20 * MB + 5, engine_ms=700, queue_ms=100))
        bill.add(QueryStats("ddl", "SUCCEEDED", 0, engine_ms=300))
    with bill.for_table("part_b"):
        bill.add(QueryStats("query", "SUCCEEDED", 1, engine_ms=50))
    assert bill.of_table("part_a") == {
        "queries": 1,
        "ddl_statements": 1,
        "bytes_scanned": 20 * MB + 5,
        "bytes_billed": 21 * MB,
        "estimated_cost_usd": round(21 * MB / TB * 5.0, 6),
        "queue_ms": 100,
        "engine_ms": 1000,
    }
    totals = bill.totals()
    assert (totals["queries"], totals["bytes_billed"]) == (2, 31 * MB)
    assert bill_text(totals) == (
        "2 queries (1 DDL), 20.0 MB scanned, 31 MB billed, est. $0.000148, queue 0.1 s, "
        "engine 1.1 s"
    )


def test_an_aws_run_reports_what_athena_said(
    run_cli: RunCli, aws_lake: dict[str, str], local_athena: Any
) -> None:
    code, out, err = run_cli(*aws_args(aws_lake["topic"], "--athena_price_per_tb", "6"))
    assert code == 3, err[-3000:]
    s3 = boto3.client("s3", region_name=REGION)
    key = f"data-monitor/omc_monitor_report_{lake_fixture.AS_OF}.json"
    report = json.loads(s3.get_object(Bucket=lake_fixture.REPORT_BUCKET, Key=key)["Body"].read())
    rows = {r["table"]: r for r in report["tables"]}
    selects = [q for q in local_athena.queries if q.kind != "DDL"]
    ddl = [q for q in local_athena.queries if q.kind == "DDL"]

    def scanned(*names: str) -> int:
        return sum(q.data_scanned_bytes for q in selects if any(n in q.sql for n in names))

    # part_count: one statement (the key scan with the source's COUNT(*) in it), what the
    # endpoint scanned: the key column's chunks and the footers of both tables' files
    count = rows["part_count"]["athena"]
    assert (count["queries"], count["ddl_statements"]) == (1, 0)
    assert count["bytes_scanned"] == scanned("part_count") == 33_499
    assert count["bytes_billed"] == 10 * MB  # small files: the 10 MB minimum
    assert count["estimated_cost_usd"] == round(10 * MB / TB * 6, 6)
    # part_unreg's repair is one DDL statement, counted apart and not billed
    unreg = rows["part_unreg"]["athena"]
    assert (unreg["queries"], unreg["ddl_statements"]) == (1, 1) and len(ddl) == 1
    # part_format is not Parquet: no query at all
    assert rows["part_format"]["athena"]["queries"] == 0
    # the run: every statement the endpoint ran, nothing else
    totals = report["athena"]
    assert totals["queries"] == len(selects)
    assert totals["ddl_statements"] == len(ddl)
    assert totals["bytes_scanned"] == sum(q.data_scanned_bytes for q in local_athena.queries)
    # one statement per part table with row-level checks, none failed: part_nosrc's missing
    # source is not queried
    assert len(selects) == 13 and {q.state for q in selects} == {"SUCCEEDED"}
    assert totals["bytes_scanned"] == 454_881
    assert totals["bytes_billed"] == 10 * MB * len(selects)
    assert f"Athena:      {bill_text(totals)}" in out
    summary = report["summary"].removeprefix(f"s3://{lake_fixture.REPORT_BUCKET}/")
    page = s3.get_object(Bucket=lake_fixture.REPORT_BUCKET, Key=summary)["Body"].read().decode()
    assert "Athena (estimated)" in page and bill_text(totals) in page


def test_each_statement_reads_the_key_and_bucket_columns_and_no_source_column(
    run_cli: RunCli, aws_lake: dict[str, str], local_athena: Any
) -> None:
    """What each statement the run sends reads, from its SQL (sqlglot, with Trino's pruning of
    unused subquery outputs): the part table's key and id_bucket, and only the row count of
    its source."""
    run_cli(*aws_args(aws_lake["topic"], "--data_docs", "false"))
    glue = boto3.client("glue", region_name=REGION)
    database = lake_fixture.DATABASE
    schemas = {
        (database, t["Name"]): glue_schema(t)
        for page in glue.get_paginator("get_tables").paginate(DatabaseName=database)
        for t in page["TableList"]
    }
    selects = [q for q in local_athena.queries if q.kind != "DDL"]
    assert len(selects) == 13
    for query in selects:
        read = columns_read(query.sql, schemas, database)
        (part,) = [name for _, name in read if name.startswith("part_")]
        expected = {(database, part): {"customer_user_id", "id_bucket"}}
        if part != "part_nosrc":
            expected[(database, part.replace("part_", "ext_", 1))] = set()
        assert read == expected, query.sql
