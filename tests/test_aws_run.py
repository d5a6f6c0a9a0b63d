"""End to end on the AWS backend, against local endpoints: moto (S3, Glue, SNS, SQS) and the
local Athena endpoint, reached through boto3's own AWS_ENDPOINT_URL_<SERVICE> settings.

The lake and the expected values are the local backend's (tests/lake_fixture.py).
"""

from __future__ import annotations

import json
import re
from typing import Any

import boto3

from tests import lake_fixture
from tests.aws_lake import encrypt_with_new_kms_key, glue_partition_values
from tests.aws_role import JobRole, deployment, role_policy
from tests.conftest import RunCli, flag_args

REGION = "us-east-1"
RESULTS = "s3://test-athena/results/"


def aws_args(topic: str, *extra: str) -> list[str]:
    return [
        "run",
        *flag_args(lake_fixture.run_flags()),
        "--backend",
        "aws",
        "--athena_results",
        RESULTS,
        "--sns_topic_arn",
        topic,
        "--region",
        REGION,
        *extra,
    ]


def read_s3_json(bucket: str, key: str) -> Any:
    s3 = boto3.client("s3", region_name=REGION)
    return json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read())


def sns_messages(queue_url: str) -> list[dict[str, Any]]:
    sqs = boto3.client("sqs", region_name=REGION)
    got = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
    return [json.loads(m["Body"]) for m in got.get("Messages", [])]


def test_aws_run_matches_the_local_expected_table(
    run_cli: RunCli, aws_lake: dict[str, str], local_athena: Any
) -> None:
    code, out, err = run_cli(*aws_args(aws_lake["topic"]))
    assert code == 3, err[-3000:]
    key = f"data-monitor/omc_monitor_report_{lake_fixture.AS_OF}.json"
    report = read_s3_json(lake_fixture.REPORT_BUCKET, key)
    assert report["alerts"] == lake_fixture.expected_alerts()
    rows = {r["table"]: r for r in report["tables"]}
    assert rows["part_pk"]["pk_nulls"] == 7
    assert rows["part_pk"]["pk_dupes"] == 10
    assert rows["part_unreg"]["repaired_glue_count"] == 3
    assert rows["part_count"]["count_diff_pct"] == "2.564103"
    # the repair went through Athena DDL and registered exactly the missing partitions
    assert glue_partition_values(lake_fixture.DATABASE, "part_unreg") == list(range(16))
    ddl = [q.sql for q in local_athena.queries if q.kind == "DDL"]
    assert len(ddl) == 1
    assert ddl[0].startswith(
        f"ALTER TABLE `{lake_fixture.DATABASE}`.`part_unreg` ADD IF NOT "
        "EXISTS PARTITION (id_bucket=2)"
    )
    # the alert went out through SNS with the seed's subject and body
    messages = sns_messages(aws_lake["queue_url"])
    assert len(messages) == 1
    n = len(lake_fixture.expected_alerts())
    assert messages[0]["Subject"] == f"[DATA MONITOR] {lake_fixture.DATABASE} part_* - {n} issue(s)"
    body = messages[0]["Message"].split("\n")
    assert body[2 : 2 + n] == lake_fixture.expected_alerts()
    assert body[-2] == f"Report: s3://{lake_fixture.REPORT_BUCKET}/{key}"
    assert body[-1].startswith(f"Summary: s3://{lake_fixture.REPORT_BUCKET}/data-monitor/summary/")
    summary = body[-1].removeprefix(f"Summary: s3://{lake_fixture.REPORT_BUCKET}/")
    s3 = boto3.client("s3", region_name=REGION)
    page = s3.get_object(Bucket=lake_fixture.REPORT_BUCKET, Key=summary)
    assert page["ContentType"] == "text/html"
    assert b"part_unreg" in page["Body"].read()
    # the CSV report and the Data Docs site are in S3
    s3 = boto3.client("s3", region_name=REGION)
    listed = s3.list_objects_v2(Bucket=lake_fixture.REPORT_BUCKET, Prefix="data-monitor/")
    keys = {o["Key"] for o in listed["Contents"]}
    assert f"data-monitor/omc_monitor_report_{lake_fixture.AS_OF}.csv" in keys
    assert "data-monitor/data-docs/index.html" in keys
    pages = [k for k in keys if k.startswith("data-monitor/data-docs/validations/")]
    # part_format: the two inventory suites only (metadata, Clean Rooms readiness)
    assert len(pages) == 3 * len(lake_fixture.SPECS) - 1
    assert (
        f"Data Docs:   s3://{lake_fixture.REPORT_BUCKET}/data-monitor/data-docs/index.html" in out
    )


def test_aws_run_costs_at_most_two_data_queries_per_table(
    run_cli: RunCli, aws_lake: dict[str, str], local_athena: Any
) -> None:
    run_cli(*aws_args(aws_lake["topic"], "--data_docs", "false"))
    selects = [q for q in local_athena.queries if q.kind == "SELECT"]
    tables = [f"part_{s.suffix}" for s in lake_fixture.SPECS]
    for name in tables:
        scans = [q for q in selects if f"{name}" in q.sql and "part_" in q.sql]
        assert len(scans) <= 1, name
    assert len(selects) <= 2 * len(tables)
    # partition repair used DDL, which Athena does not bill for scanning
    assert sum(1 for q in local_athena.queries if q.kind == "DDL") == 1


def test_aws_data_docs_keep_the_history_of_runs(
    run_cli: RunCli, aws_lake: dict[str, str], local_athena: Any
) -> None:
    for _ in range(2):
        code, _, err = run_cli(*aws_args(aws_lake["topic"], "--tables", "part_clean_01"))
        assert code == 0, err[-2000:]
    s3 = boto3.client("s3", region_name=REGION)
    listed = s3.list_objects_v2(Bucket=lake_fixture.REPORT_BUCKET, Prefix="data-monitor/")
    keys = [o["Key"] for o in listed["Contents"]]
    results = [k for k in keys if k.startswith("data-monitor/data-docs-results/")]
    run_times = {k.split("/")[4] for k in results}
    assert len(results) == 6  # 2 runs x 3 suites, kept beside the site
    assert len(run_times) == 2
    index = s3.get_object(
        Bucket=lake_fixture.REPORT_BUCKET, Key="data-monitor/data-docs/index.html"
    )
    html = index["Body"].read().decode()
    for run_time in run_times:
        assert run_time.removesuffix(".json") in html or run_time[:15] in html
    # both runs' summaries are in the site, the index links them (newest first) and the latest
    summaries = sorted(
        k.removeprefix("data-monitor/data-docs/")
        for k in keys
        if k.startswith("data-monitor/data-docs/run-summaries/") and not k.endswith("latest.html")
    )
    assert len(summaries) == 2
    hrefs = re.findall(r'href="(run-summaries/[^"]+)"', html)
    assert hrefs == ["run-summaries/latest.html", *reversed(summaries)]
    latest = s3.get_object(
        Bucket=lake_fixture.REPORT_BUCKET, Key="data-monitor/data-docs/run-summaries/latest.html"
    )
    assert latest["ContentType"] == "text/html"
    assert b"part_clean_01" in latest["Body"].read()


def test_reports_are_written_with_server_side_encryption(
    run_cli: RunCli, aws_lake: dict[str, str], local_athena: Any
) -> None:
    extra = ("--tables", "part_clean_01", "--data_docs", "false", "--report_sse", "AES256")
    code, _, err = run_cli(*aws_args(aws_lake["topic"], *extra))
    assert code == 0, err[-3000:]
    s3 = boto3.client("s3", region_name=REGION)
    key = f"data-monitor/omc_monitor_report_{lake_fixture.AS_OF}.json"
    head = s3.head_object(Bucket=lake_fixture.REPORT_BUCKET, Key=key)
    assert head["ServerSideEncryption"] == "AES256"
    assert head["ContentType"] == "application/json"


def test_by_default_the_report_bucket_s_own_encryption_applies(
    run_cli: RunCli, aws_lake: dict[str, str], local_athena: Any, job_role: JobRole
) -> None:
    """No SSE header by default: S3 then encrypts with the bucket's default (here SSE-KMS),
    where an explicit AES256 would have overridden it. The role needs only the key grant."""
    key_arn = encrypt_with_new_kms_key(lake_fixture.REPORT_BUCKET)
    job_role.replace_policy(role_policy(deployment(ReportKmsKeyArn=key_arn)))
    s3 = boto3.client("s3", region_name=REGION)
    code, _, err = run_cli(*aws_args(aws_lake["topic"], "--tables", "part_clean_01"))
    assert code == 0, err[-3000:]
    listed = s3.list_objects_v2(Bucket=lake_fixture.REPORT_BUCKET)["Contents"]
    written = [o["Key"] for o in listed]
    assert f"data-monitor/omc_monitor_report_{lake_fixture.AS_OF}.json" in written
    assert "data-monitor/data-docs/index.html" in written
    for key in written:  # reports, run copies, summary and Data Docs alike
        head = s3.head_object(Bucket=lake_fixture.REPORT_BUCKET, Key=key)
        assert (head["ServerSideEncryption"], head["SSEKMSKeyId"]) == ("aws:kms", key_arn), key
