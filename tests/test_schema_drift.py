"""Schema drift: [SCHEMA_CHANGE] names each column added, removed, renamed or retyped since the
last run, on both backends; the baseline is the last run's recorded schema, or for a table no
run recorded, the catalog's previous table version when the table changed since the day before.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from data_monitor.demo.lakegen import build_lake
from data_monitor.demo.specs import TableSpec
from data_monitor.model.schema_drift import changes
from tests.aws_lake import prepare_account
from tests.aws_role import JobRole, deployment, role_policy
from tests.conftest import RunCli, flag_args
from tests.harness.iam import ACCOUNT, Enforcement

DATABASE, BUCKET, REPORT_BUCKET = "omc_drift", "drift-lake", "drift-reports"
AS_OF = dt.date(2026, 11, 20)
REGION = "us-east-1"
DRIFTED = ["score retyped float -> double", "loyalty_tier string removed"]
DRIFT_ALERT = (
    "[SCHEMA_CHANGE] part_drift: 2 column change(s) since table version 1: "
    "score retyped float -> double; loyalty_tier string removed"
)


def _columns(*pairs: str) -> list[dict[str, str]]:
    return [{"name": p.split()[0], "type": p.split()[1]} for p in pairs]


def test_each_change_is_named() -> None:
    before = _columns("k string", "seg string", "score double", "gone int", "Tier string")
    after = _columns("k string", "segment string", "score decimal(10,2)", "tier STRING", "n int")
    assert [c.text() for c in changes(before, after)] == [
        "score retyped double -> decimal(10,2)",
        "seg renamed to segment",
        "gone int removed",
        "n int added",
    ]
    # case and white space in types are not changes; a moved column is not either
    moved = _columns("b int", "A MAP<string,int>")
    assert changes(_columns("a map<string,int>", "b int"), moved) == []
    assert changes(_columns("a map<string,int>"), [{"name": "a", "type": "map<string, int>"}]) == []
    breaking = [c.breaking for c in changes(before, after)]
    assert breaking == [True, True, True, False]


@pytest.fixture(scope="module")
def drift_lake(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    warehouse = tmp_path_factory.mktemp("drift") / "warehouse"
    specs = [TableSpec("same", 40, 4), TableSpec("drift", 40, 4, schema_change=True)]
    build_lake(warehouse, DATABASE, BUCKET, specs, as_of=AS_OF)
    yield warehouse
    shutil.rmtree(warehouse, ignore_errors=True)


def _flags(day: dt.date) -> list[str]:
    return flag_args(
        {
            "database": DATABASE,
            "report_bucket": REPORT_BUCKET,
            "bucket_count": "4",
            "as_of": day.isoformat(),
            "data_docs": "false",
        }
    )


def _local_report(warehouse: Path, day: dt.date) -> dict[str, Any]:
    path = warehouse / "s3" / REPORT_BUCKET / "data-monitor" / f"omc_monitor_report_{day}.json"
    return dict(json.loads(path.read_text()))


def _drift(report: dict[str, Any]) -> tuple[list[str], dict[str, Any]]:
    alerts = [a for a in report["alerts"] if a.startswith("[SCHEMA_CHANGE]")]
    return alerts, {t["table"]: t["schema_changes"] for t in report["tables"]}


def test_local_first_run_then_next_day(run_cli: RunCli, drift_lake: Path, tmp_path: Path) -> None:
    warehouse = tmp_path / "warehouse"
    shutil.copytree(drift_lake, warehouse)
    code, _, err = run_cli("run", *_flags(AS_OF), "--warehouse", str(warehouse))
    assert code == 1, err[-3000:]
    report = _local_report(warehouse, AS_OF)
    # part_same has no version before its current one and was not changed: nothing to compare
    assert _drift(report) == ([DRIFT_ALERT], {"part_same": None, "part_drift": DRIFTED})
    details = {a["line"]: a["severity"] for a in report["alert_details"]}
    assert details[DRIFT_ALERT] == "High"
    row = {t["table"]: t for t in report["tables"]}["part_drift"]
    assert row["schema"][-3:] == _columns("score double", "updated_at timestamp", "id_bucket int")
    page = next((warehouse / "s3" / REPORT_BUCKET).rglob("*.html")).read_text()
    assert "<th>Schema</th>" in page
    assert "<td>score retyped float -&gt; double; loyalty_tier string removed</td>" in page

    # the next day: part_drift is compared with what the first run saw (no change now), and a
    # column added to part_same overnight is named, at Low
    glue_file = warehouse / "glue" / DATABASE / "part_same.json"
    table = json.loads(glue_file.read_text())
    table["StorageDescriptor"]["Columns"].append({"Name": "loyalty_tier", "Type": "string"})
    glue_file.write_text(json.dumps(table))
    next_day = AS_OF + dt.timedelta(days=1)
    run_cli("run", *_flags(next_day), "--warehouse", str(warehouse))
    report = _local_report(warehouse, next_day)
    added = f"[SCHEMA_CHANGE] part_same: 1 column change(s) since the run of {AS_OF}: "
    assert _drift(report) == (
        [added + "loyalty_tier string added"],
        {"part_same": ["loyalty_tier string added"], "part_drift": []},
    )
    assert {a["line"]: a["severity"] for a in report["alert_details"]}[
        added + "loyalty_tier string added"
    ] == "Low"
    page = sorted((warehouse / "s3" / REPORT_BUCKET).rglob("*.html"))[-1].read_text()
    assert "<td>unchanged</td>" in page


def test_a_suite_severity_overrides_the_graded_one(
    run_cli: RunCli, drift_lake: Path, tmp_path: Path
) -> None:
    warehouse = tmp_path / "warehouse"
    shutil.copytree(drift_lake, warehouse)
    gx_dir = tmp_path / "gx"
    shutil.copytree(Path(__file__).resolve().parents[1] / "gx", gx_dir)
    override = {
        "overrides": [
            {"type": "expect_table_schema_to_be_unchanged", "meta": {"severity": "Medium"}}
        ]
    }
    path = gx_dir / "expectations" / "part_table_metadata.part_drift.json"
    path.write_text(json.dumps(override))
    run_cli("run", *_flags(AS_OF), "--warehouse", str(warehouse), "--gx_dir", str(gx_dir))
    details = {a["line"]: a["severity"] for a in _local_report(warehouse, AS_OF)["alert_details"]}
    assert details[DRIFT_ALERT] == "Medium"


def test_aws_backend_reads_glue_table_versions(
    run_cli: RunCli,
    drift_lake: Path,
    moto_server: str,
    local_athena: Any,
    iam: Enforcement,
) -> None:
    prepare_account(drift_lake, REPORT_BUCKET, REGION)  # versions replayed as UpdateTable calls
    policy = role_policy(
        deployment(DatabaseName=DATABASE, DataBucket=BUCKET, ReportBucket=REPORT_BUCKET)
    )
    args = ["--backend", "aws", "--athena_results", "s3://test-athena/results/"]
    with JobRole(iam, policy).acting():
        code, _, err = run_cli("run", *_flags(AS_OF), *args, "--region", REGION)
    assert iam.denied() == [], iam.denied()
    assert code == 1, err[-3000:]
    asked = [d.resource for d in iam.decisions if d.action == "glue:GetTableVersions"]
    # only the table updated since the day before is asked about (part_same never was)
    assert asked == [
        f"arn:aws:glue:{REGION}:{ACCOUNT}:catalog",
        f"arn:aws:glue:{REGION}:{ACCOUNT}:database/{DATABASE}",
        f"arn:aws:glue:{REGION}:{ACCOUNT}:table/{DATABASE}/part_drift",
    ]
    s3 = boto3.client("s3", region_name=REGION)
    key = f"data-monitor/omc_monitor_report_{AS_OF}.json"
    report = json.loads(s3.get_object(Bucket=REPORT_BUCKET, Key=key)["Body"].read())
    assert _drift(report) == ([DRIFT_ALERT], {"part_same": None, "part_drift": DRIFTED})
