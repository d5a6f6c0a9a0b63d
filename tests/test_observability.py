"""The run's CloudWatch metrics (--cloudwatch_namespace) and EventBridge event (--event_bus):
on the local backend as files in the warehouse, on AWS through moto as the deployed job role,
read back with GetMetricData/ListMetrics and by an SQS queue a rule sends the event to."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import boto3

from data_monitor.delivery.observability import MAX_ENTRY_BYTES, event_detail
from data_monitor.model.checks import AlertCode, Severity
from data_monitor.model.results import Alert, RunOutcome, TableRow
from data_monitor.model.run_metrics import MetricDatum, batches
from data_monitor.model.settings import Settings
from tests import lake_fixture
from tests.aws_role import JobRole, deployment, role_policy
from tests.conftest import RunCli, flag_args
from tests.test_aws_run import aws_args

REGION = "us-east-1"
NAMESPACE, BUS = "DataMonitor/Test", "data-ops"
TABLES = "part_pk,part_count,part_s3_gap,part_clean_01"
DB = lake_fixture.DATABASE

# What the four tables measure (the lake's defects: tests/lake_fixture.py)
TABLE_FIGURES = {
    ("PkNullRows", "part_pk"): 7.0,
    ("DuplicateKeyRows", "part_pk"): 10.0,
    ("CountDiffPercent", "part_count"): 2.564103,
    ("CountDiffPercent", "part_pk"): 0.0,
    ("PartitionsMissingInStorage", "part_s3_gap"): 2.0,
    ("PartitionsMissingInStorage", "part_pk"): 0.0,
    ("PartitionsMissingInCatalog", "part_clean_01"): 0.0,
}
RUN_ALERTS = {"High": 3.0, "Medium": 1.0, "Low": 0.0}


def local_run(run_cli: RunCli, warehouse: Path, *extra: str) -> tuple[int, str]:
    code, out, err = run_cli(
        "run",
        *flag_args(lake_fixture.run_flags()),
        "--warehouse",
        str(warehouse),
        "--tables",
        TABLES,
        *extra,
    )
    return code, out + err


def jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def by_name_and_dims(records: list[dict[str, Any]]) -> dict[tuple[str, tuple], float]:
    return {
        (r["MetricName"], tuple((d["Name"], d["Value"]) for d in r["Dimensions"])): r["Value"]
        for r in records
    }


def check_figures(values: dict[tuple[str, tuple], float]) -> None:
    for (name, table), value in TABLE_FIGURES.items():
        assert values[(name, (("Database", DB), ("Table", table)))] == value, (name, table)
    for severity, count in RUN_ALERTS.items():
        assert values[("Alerts", (("Database", DB), ("Severity", severity)))] == count
    assert values[("TablesChecked", (("Database", DB),))] == 4.0
    pk = (("Database", DB), ("Table", "part_pk"))
    assert values[("Alerts", (*pk, ("Check", "PK_NULL")))] == 1.0
    assert values[("Alerts", (*pk, ("Check", "PK_DUPES")))] == 1.0
    assert values[("ReadinessFailures", pk)] == 0.0  # ready: NULL keys are not a readiness rule


def test_local_run_writes_the_metrics_and_the_event(run_cli: RunCli, warehouse: Path) -> None:
    code, out = local_run(
        run_cli, warehouse, "--cloudwatch_namespace", NAMESPACE, "--event_bus", BUS
    )
    assert code == 1, out[-2000:]
    records = jsonl(warehouse / "cloudwatch" / "metrics.jsonl")
    assert {r["Namespace"] for r in records} == {NAMESPACE}
    assert len({r["Timestamp"] for r in records}) == 1  # one timestamp per run
    values = by_name_and_dims(records)
    check_figures(values)
    assert not any(name == "AthenaBytesScanned" for name, _ in values)  # no Athena locally
    (event,) = jsonl(warehouse / "events" / "events.jsonl")
    assert (event["EventBusName"], event["Source"], event["DetailType"]) == (
        BUS,
        "data-monitor",
        "Data Monitor Run Completed",
    )
    detail = event["Detail"]
    assert detail["tables"] == {"ok": 1, "alerts": 3, "error": 0, "not checked": 0, "total": 4}
    assert detail["alerts"]["by_severity"] == {"High": 3, "Medium": 1}
    assert detail["alerts"]["by_code"] == {
        "COUNT_MISMATCH": 1,
        "PK_DUPES": 1,
        "PK_NULL": 1,
        "S3_PARTITIONS": 1,
    }
    assert detail["alerts"]["by_state"] == {"new": 4, "ongoing": 0, "resolved": 0}
    assert detail["tables_with_alerts"] == ["part_count", "part_pk", "part_s3_gap"]
    assert (detail["exit_code"], detail["outcome"], detail["partial"]) == (1, "alerts", False)
    assert detail["report"].endswith(f"omc_monitor_report_{lake_fixture.AS_OF}.json")
    assert detail["summary"].startswith(f"s3://{lake_fixture.REPORT_BUCKET}/data-monitor/summary/")


def test_without_the_flags_nothing_is_written(run_cli: RunCli, warehouse: Path) -> None:
    local_run(run_cli, warehouse)
    assert not (warehouse / "cloudwatch").exists()
    assert not (warehouse / "events").exists()


def event_queue(bus: str) -> str:
    """An SQS queue that a rule on ``bus`` fills with the monitor's events."""
    events, sqs = (
        boto3.client("events", region_name=REGION),
        boto3.client("sqs", region_name=REGION),
    )
    events.create_event_bus(Name=bus)
    queue = sqs.create_queue(QueueName="monitor-events")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    pattern = {"source": ["data-monitor"], "detail-type": ["Data Monitor Run Completed"]}
    events.put_rule(Name="monitor-runs", EventBusName=bus, EventPattern=json.dumps(pattern))
    events.put_targets(Rule="monitor-runs", EventBusName=bus, Targets=[{"Id": "q", "Arn": arn}])
    return queue


def metric_values(names: list[tuple[str, tuple]]) -> dict[tuple[str, tuple], float]:
    cloudwatch = boto3.client("cloudwatch", region_name=REGION)
    now = dt.datetime.now(dt.timezone.utc)
    queries = [
        {
            "Id": f"m{i}",
            "MetricStat": {
                "Metric": {
                    "Namespace": NAMESPACE,
                    "MetricName": name,
                    "Dimensions": [{"Name": k, "Value": v} for k, v in dims],
                },
                "Period": 60,
                "Stat": "Maximum",
            },
        }
        for i, (name, dims) in enumerate(names)
    ]
    got = cloudwatch.get_metric_data(
        MetricDataQueries=queries,
        StartTime=now - dt.timedelta(hours=1),
        EndTime=now + dt.timedelta(minutes=5),
    )["MetricDataResults"]
    return {names[int(r["Id"][1:])]: r["Values"][0] for r in got if r["Values"]}


def test_aws_run_publishes_as_the_deployed_role(
    run_cli: RunCli,
    aws_lake: dict[str, str],
    job_role: JobRole,
    warehouse: Path,
) -> None:
    job_role.replace_policy(
        role_policy(deployment(CloudWatchNamespace=NAMESPACE, EventBusName=BUS))
    )
    queue = event_queue(BUS)
    extra = ("--tables", TABLES, "--cloudwatch_namespace", NAMESPACE, "--event_bus", BUS)
    code, out, err = run_cli(*aws_args(aws_lake["topic"], *extra))
    assert code == 1, (out + err)[-3000:]
    listed = boto3.client("cloudwatch", region_name=REGION).list_metrics(Namespace=NAMESPACE)
    names = [
        (m["MetricName"], tuple((d["Name"], d["Value"]) for d in m["Dimensions"]))
        for m in listed["Metrics"]
    ]
    values = metric_values(names)
    check_figures(values)
    assert values[("AthenaBytesScanned", (("Database", DB), ("Table", "part_pk")))] > 0
    assert values[("AthenaBytesScanned", (("Database", DB),))] == sum(
        v for (n, dims), v in values.items() if n == "AthenaBytesScanned" and len(dims) == 2
    )
    # the local backend publishes the same figures for the same lake (Athena's bytes aside)
    local_run(run_cli, warehouse, "--cloudwatch_namespace", NAMESPACE)
    local = by_name_and_dims(jsonl(warehouse / "cloudwatch" / "metrics.jsonl"))
    varying = {"AthenaBytesScanned", "RunDurationSeconds"}
    assert {k: v for k, v in values.items() if k[0] not in varying} == {
        k: v for k, v in local.items() if k[0] not in varying
    }
    # the rule sent the event to the queue
    sqs = boto3.client("sqs", region_name=REGION)
    messages = sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=1).get("Messages", [])
    assert len(messages) == 1
    event = json.loads(messages[0]["Body"])
    assert (event["source"], event["detail-type"]) == ("data-monitor", "Data Monitor Run Completed")
    assert event["detail"]["alerts"]["by_code"]["PK_NULL"] == 1
    assert event["detail"]["exit_code"] == 1
    assert event["detail"]["report"] == (
        f"s3://{lake_fixture.REPORT_BUCKET}/data-monitor/omc_monitor_report_{lake_fixture.AS_OF}.json"
    )
    granted = {d.action for d in job_role.iam.decisions if d.allowed}
    assert {"cloudwatch:PutMetricData", "events:PutEvents"} <= granted


def test_a_namespace_the_role_may_not_write_is_a_failure_not_a_crash(
    run_cli: RunCli, aws_lake: dict[str, str], job_role: JobRole
) -> None:
    job_role.replace_policy(role_policy(deployment(CloudWatchNamespace=NAMESPACE)))
    extra = ("--tables", "part_pk", "--cloudwatch_namespace", "Other")
    code, out, _ = run_cli(*aws_args(aws_lake["topic"], *extra))
    assert code == 3
    assert "FAILED: CloudWatch metrics could not be published to Other: PutMetricData" in out
    assert "AccessDenied" in out
    denied = [(d.action, d.resource) for d in job_role.iam.denied()]
    assert denied == [("cloudwatch:PutMetricData", "*")]
    # the report and the alert went out before
    assert "JSON report:" in out and "alert:" in out


def test_the_event_is_cut_to_the_entry_limit_with_a_count() -> None:
    settings = Settings(database="db", report_bucket="b")
    outcome = RunOutcome(generated_at="2026-11-20T06:00:00Z")
    names = [f"part_{'x' * 200}_{i:05d}" for i in range(3000)]
    outcome.rows = [TableRow(table=n, status="alerts") for n in names]
    outcome.alerts = [Alert(AlertCode.PK_NULL, Severity.HIGH, n, "rows=1") for n in names]
    text = event_detail(settings, outcome, dt.datetime(2026, 11, 20, tzinfo=dt.timezone.utc))
    detail = json.loads(text)
    size = len(text.encode()) + len("data-monitor") + len("Data Monitor Run Completed") + 14
    assert MAX_ENTRY_BYTES - 2000 < size <= MAX_ENTRY_BYTES
    listed = len(detail["tables_with_alerts"])
    assert 0 < listed < 3000
    assert detail["tables_with_alerts_not_listed"] == 3000 - listed
    assert detail["tables_with_alerts"] == sorted(names)[:listed]
    assert detail["alerts"]["by_code"] == {"PK_NULL": 3000}


def test_metrics_go_in_requests_within_the_limits() -> None:
    data = [MetricDatum("PkNullRows", (("Table", f"t{i}"),), 1.0, "Count") for i in range(2500)]
    assert [len(b) for b in batches(data)] == [1000, 1000, 500]
    wide = [
        MetricDatum("X", tuple((f"k{j}", "v" * 250) for j in range(30)), 1.0, "Count")
        for _ in range(200)
    ]
    sizes = [sum(d.approx_bytes() for d in b) for b in batches(wide)]
    assert len(sizes) == 2 and max(sizes) <= 1_000_000
