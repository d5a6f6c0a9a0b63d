"""The AWS path as the deployed role: every AWS call the monitor (and Athena on its behalf)
makes is checked against the role policy rendered from infra/monitoring.yaml, with moto's IAM
enforcement on and the resource ARNs AWS checks (tests/harness/iam.py).

One scenario covers what a first week does: two consecutive days (the second reads the first's
report back), repair through Athena DDL and through the Glue API, count sources in another
database, Data Docs in their own bucket, and reports in a bucket encrypted with SSE-KMS.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import boto3
import pytest

from tests import lake_fixture
from tests.aws_lake import encrypt_with_new_kms_key
from tests.aws_role import JobRole, deployment, role_policy
from tests.conftest import RunCli, flag_args
from tests.harness.iam import ACCOUNT, Enforcement
from tests.test_aws_run import REGION
from tests.test_infra import GLUE_SERVICE_ONLY

SOURCE_DB = "omc_test_sources"
DOCS_BUCKET = "test-docs"
RESULTS = f"s3://{lake_fixture.REPORT_BUCKET}/query-results/monitor/"
TABLES = "part_clean_01,part_unreg,part_pk,part_count,part_proj"
DAY_1, DAY_2 = lake_fixture.AS_OF - dt.timedelta(days=1), lake_fixture.AS_OF
EVENT_BUS, NAMESPACE = "data-ops", "DataMonitor"  # the run's event and metrics


def stack_parameters(key_arn: str) -> dict[str, str]:
    """The stack as deployed here: sources in another database, Data Docs in their own bucket,
    Athena results beside the reports, all in a bucket encrypted with a KMS key."""
    return deployment(
        CompareDatabaseName=SOURCE_DB,
        DocsBucket=DOCS_BUCKET,
        ReportKmsKeyArn=key_arn,
        AthenaResultsBucket="",
        AthenaResultsPrefix="query-results/monitor/",
        CloudWatchNamespace=NAMESPACE,
        EventBusName=EVENT_BUS,
    )


def copy_sources(database: str, target: str) -> None:
    """The ext_* count sources, registered (same data) in another Glue database."""
    glue = boto3.client("glue", region_name=REGION)
    glue.create_database(DatabaseInput={"Name": target})
    for page in glue.get_paginator("get_tables").paginate(DatabaseName=database):
        for table in page["TableList"]:
            if table["Name"].startswith("ext_"):
                keys = ("Name", "TableType", "Parameters", "PartitionKeys", "StorageDescriptor")
                glue.create_table(
                    DatabaseName=target, TableInput={k: table[k] for k in keys if k in table}
                )


def prepare() -> dict[str, str]:
    """KMS-encrypted report bucket, a docs bucket, the sources database."""
    key_arn = encrypt_with_new_kms_key(lake_fixture.REPORT_BUCKET)
    s3 = boto3.client("s3", region_name=REGION)
    s3.create_bucket(Bucket=DOCS_BUCKET)
    boto3.client("events", region_name=REGION).create_event_bus(Name=EVENT_BUS)
    copy_sources(lake_fixture.DATABASE, SOURCE_DB)
    return {"key_arn": key_arn}


@pytest.fixture
def account(aws_lake: dict[str, str]) -> dict[str, str]:
    return {**prepare(), "topic": aws_lake["topic"]}


@pytest.fixture
def job_role(account: dict[str, str], iam: Enforcement) -> JobRole:
    """This module's deployment (run_cli runs the monitor as it)."""
    return JobRole(iam, role_policy(stack_parameters(account["key_arn"])))


def job_args(day: dt.date, repair: str, topic: str, key_arn: str) -> list[str]:
    """The job's arguments as the stack passes them (plus the day and the tables)."""
    flags = {
        **lake_fixture.run_flags(),
        "as_of": day.isoformat(),
        "backend": "aws",
        "region": REGION,
        "tables": TABLES,
        "auto_repair": repair,
        "compare_database": SOURCE_DB,
        "athena_results": RESULTS,
        "athena_workgroup": "primary",
        "sns_topic_arn": topic,
        "docs_bucket": DOCS_BUCKET,
        "report_sse": "aws:kms",
        "report_kms_key": key_arn,
        "cloudwatch_namespace": NAMESPACE,
        "event_bus": EVENT_BUS,
    }
    return ["run", *flag_args(flags)]


def drop_partitions(table: str, values: tuple[str, ...]) -> None:
    boto3.client("glue", region_name=REGION).batch_delete_partition(
        DatabaseName=lake_fixture.DATABASE,
        TableName=table,
        PartitionsToDelete=[{"Values": [v]} for v in values],
    )


def report_of(day: dt.date) -> dict[str, Any]:
    s3 = boto3.client("s3", region_name=REGION)
    key = f"data-monitor/omc_monitor_report_{day}.json"
    return dict(
        json.loads(s3.get_object(Bucket=lake_fixture.REPORT_BUCKET, Key=key)["Body"].read())
    )


def expected_alerts(repair: str) -> list[str]:
    wanted = set(TABLES.split(","))
    lines = [a for a in lake_fixture.expected_alerts() if a.split(" ")[1].rstrip(":") in wanted]
    return [
        line.replace(f"{lake_fixture.DATABASE}.ext_count", f"{SOURCE_DB}.ext_count").replace(
            "via athena", f"via {repair}"
        )
        for line in lines
    ]


def test_a_week_on_aws_as_the_deployed_role(
    run_cli: RunCli,
    aws_lake: dict[str, str],
    account: dict[str, str],
    job_role: JobRole,
    local_athena: Any,
    iam: Enforcement,
) -> None:
    policy = job_role.policy

    # day 1: repair through Athena DDL; part_clean_01 was updated in Glue (a parameter, not
    # its columns) and no run recorded its schema: its previous table version is read
    _touch_table("part_clean_01")
    code, _, err = run_cli(*job_args(DAY_1, "athena", account["topic"], account["key_arn"]))
    assert iam.denied() == [], iam.denied()
    assert code == 1, err[-3000:]
    assert report_of(DAY_1)["alerts"] == expected_alerts("athena")
    day_1 = {r["table"]: r for r in report_of(DAY_1)["tables"]}
    assert day_1["part_clean_01"]["schema_changes"] == []  # compared: unchanged
    assert day_1["part_pk"]["schema_changes"] is None  # nothing to compare with
    ddl = [q.sql for q in local_athena.queries if q.kind == "DDL"]
    assert len(ddl) == 1 and "`part_unreg` ADD IF NOT EXISTS PARTITION (id_bucket=2)" in ddl[0]

    # day 2: the same partitions lost again, repaired through the Glue API; history read back
    drop_partitions("part_unreg", ("2", "5", "11"))
    code, _, err = run_cli(*job_args(DAY_2, "glue", account["topic"], account["key_arn"]))
    assert iam.denied() == [], iam.denied()
    assert code == 1, err[-3000:]
    report = report_of(DAY_2)
    assert report["alerts"] == expected_alerts("glue")
    assert report["failures"] == []
    rows = {r["table"]: r for r in report["tables"]}
    assert rows["part_clean_01"]["row_count_history"] == [lake_fixture.ROWS]  # day 1's count
    assert rows["part_count"]["count_src"] == 1950

    # what AWS shows of it: KMS-encrypted reports, the site in its own bucket, two alerts
    s3 = boto3.client("s3", region_name=REGION)
    head = s3.head_object(
        Bucket=lake_fixture.REPORT_BUCKET, Key=f"data-monitor/omc_monitor_report_{DAY_2}.json"
    )
    assert (head["ServerSideEncryption"], head["SSEKMSKeyId"]) == ("aws:kms", account["key_arn"])
    docs = s3.list_objects_v2(Bucket=DOCS_BUCKET, Prefix="data-monitor/data-docs/")
    assert "data-monitor/data-docs/index.html" in {o["Key"] for o in docs["Contents"]}
    sqs = boto3.client("sqs", region_name=REGION)
    got = sqs.receive_message(QueueUrl=aws_lake["queue_url"], MaxNumberOfMessages=10)
    subjects = sorted(json.loads(m["Body"])["Subject"] for m in got.get("Messages", []))
    assert len(subjects) == 2

    # a re-run of day 2 whose query hangs: stopped at its time limit (StopQueryExecution)
    local_athena.hang(r"part_clean_01")
    args = job_args(DAY_2, "glue", account["topic"], account["key_arn"])
    code, _, err = run_cli(*[*args, "--tables", "part_clean_01", "--query_timeout_seconds", "2"])
    assert iam.denied() == [], iam.denied()
    assert code == 3, err[-3000:]
    assert [q.state for q in local_athena.queries if "part_clean_01" in q.sql][-1] == "CANCELLED"

    # every action the role holds was needed by these runs, but what only the Glue service
    # uses (the job's script, wheel and logs), which no run of the monitor can exercise
    granted = {a for s in policy["Statement"] for a in _as_list(s["Action"])}
    glue_service_only = GLUE_SERVICE_ONLY - {"s3:GetObject"}  # GetObject: the runs use it too
    assert granted - glue_service_only == iam.allowed_actions(), sorted(
        granted.symmetric_difference(iam.allowed_actions() | glue_service_only)
    )
    by_athena = {d.action for d in iam.decisions if d.by_athena and d.allowed}
    assert {"glue:GetTable", "glue:GetPartitions", "s3:GetObject", "s3:PutObject"} <= by_athena
    assert f"arn:aws:athena:{REGION}:{ACCOUNT}:workgroup/primary" in {
        d.resource for d in iam.decisions if d.action == "athena:StartQueryExecution"
    }
    assert {d.resource for d in iam.decisions if d.action == "events:PutEvents"} == {
        f"arn:aws:events:{REGION}:{ACCOUNT}:event-bus/{EVENT_BUS}"
    }


def _touch_table(name: str) -> None:
    """UpdateTable with a new parameter: Glue keeps the old definition as a version."""
    glue = boto3.client("glue", region_name=REGION)
    table = glue.get_table(DatabaseName=lake_fixture.DATABASE, Name=name)["Table"]
    keys = ("Name", "TableType", "Parameters", "PartitionKeys", "StorageDescriptor")
    table_input = {k: table[k] for k in keys if k in table}
    table_input["Parameters"] = {**table_input.get("Parameters", {}), "owner": "ingest"}
    glue.update_table(DatabaseName=lake_fixture.DATABASE, TableInput=table_input)


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list) else [value]


def test_the_role_without_history_reads_is_refused_and_the_run_says_so(
    run_cli: RunCli, account: dict[str, str], job_role: JobRole, iam: Enforcement
) -> None:
    """The enforcement is real: the role as first shipped (no s3:GetObject on ``runs/``) is
    refused the past report, and the second day's run names it instead of going silent."""
    for statement in job_role.policy["Statement"]:
        if statement.get("Sid") == "ReadRunHistory":
            statement["Resource"] = [r for r in statement["Resource"] if "/runs/" not in r]
    job_role.replace_policy(job_role.policy)
    for day in (DAY_1, DAY_2):
        args = job_args(day, "athena", account["topic"], account["key_arn"])
        code, _, _ = run_cli(*args, "--tables", "part_clean_01")
    runs = f"arn:aws:s3:::{lake_fixture.REPORT_BUCKET}/data-monitor/runs/"
    assert {(d.action, d.resource.startswith(runs)) for d in iam.denied()} == {
        ("s3:GetObject", True)
    }
    report = report_of(DAY_2)
    assert len(report["failures"]) == 1
    assert "runs/omc_monitor_report_" + DAY_1.isoformat() in report["failures"][0]
    assert "AccessDenied" in report["failures"][0]
    assert code == 3
