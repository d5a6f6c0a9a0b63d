"""End to end: projection tables read where Athena reads them, on both backends.

A small lake of projection tables (16 buckets) whose settings use ``digits``, ``interval`` and
``storage.location.template`` as Athena documents them
(https://docs.aws.amazon.com/athena/latest/ug/partition-projection-supported-types.html,
https://docs.aws.amazon.com/athena/latest/ug/partition-projection-setting-up.html). The local
backend and the AWS backend (moto + the local Athena endpoint) must report the same lines.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path
from typing import Any

import boto3
import pytest

from data_monitor.demo.lakegen import build_lake
from data_monitor.demo.specs import TableSpec
from tests.aws_lake import prepare_account
from tests.conftest import RunCli, flag_args

DATABASE = "omc_proj"
BUCKET = "test-lake"
REPORT_BUCKET = "test-reports"
AS_OF = dt.date(2026, 11, 20)
N = 16
TABLES = "s3://test-lake/tables"
SUFFIXES = ("digits", "custom", "nodigits", "interval", "moved", "elsewhere")

EXPECTED_ALERTS = [
    f"[COUNT_MISMATCH] part_elsewhere: {DATABASE}.part_elsewhere=0 vs "
    f"{DATABASE}.ext_elsewhere=2000 (Δ=100.000000%)",
    "[S3_PARTITIONS] part_elsewhere: S3 missing 16 of 16 id_bucket partitions "
    "(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, ... (6 more))",
    "[ALERT] part_elsewhere: partition projection invalid: storage.location.template "
    f"{TABLES}/part_elsewhere/v2/${{id_bucket}}/ points at no data: none of the 16 locations "
    "it gives for id_bucket 0..15 holds any",
    f"[COUNT_MISMATCH] part_interval: {DATABASE}.part_interval=1000 vs "
    f"{DATABASE}.ext_interval=2000 (Δ=50.000000%)",
    "[ALERT] part_interval: partition projection invalid: projection.id_bucket.interval is 2, "
    "expected 1: Athena skips 8 of the 16 id_buckets (1, 3, 5, ...)",
    "[PARTITION_LOCATION] part_moved: 16 registered partition(s) point outside the table "
    "location: "
    + ", ".join(f"id_bucket={b} -> s3://test-lake/staging/part_moved/{b}/" for b in range(10))
    + ", ... (6 more)",
    f"[COUNT_MISMATCH] part_nodigits: {DATABASE}.part_nodigits=0 vs "
    f"{DATABASE}.ext_nodigits=2000 (Δ=100.000000%)",
    "[S3_PARTITIONS] part_nodigits: S3 missing 16 of 16 id_bucket partitions "
    "(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, ... (6 more))",
    "[ALERT] part_nodigits: partition projection invalid: 16 id_bucket partition(s) hold data "
    f"Athena does not read: id_bucket=0 is read from {TABLES}/part_nodigits/id_bucket=000/ "
    f"but stored in {TABLES}/part_nodigits/id_bucket=0/ (15 more like it)",
]


def _set_parameters(warehouse: Path, suffix: str, **parameters: str) -> None:
    path = warehouse / "glue" / DATABASE / f"part_{suffix}.json"
    table = json.loads(path.read_text())
    table["Parameters"].update(parameters)
    path.write_text(json.dumps(table, indent=2))


def _move_buckets(warehouse: Path, suffix: str, to: str) -> None:
    """Move each ``id_bucket=N/`` folder of the table to ``to`` (``{b}`` = N), under the bucket."""
    table_dir = warehouse / "s3" / BUCKET / "tables" / f"part_{suffix}"
    for folder in sorted(table_dir.glob("id_bucket=*")):
        target = warehouse / "s3" / BUCKET / to.format(b=int(folder.name.split("=")[1]))
        target.parent.mkdir(parents=True, exist_ok=True)
        folder.rename(target)


def _build(warehouse: Path) -> None:
    specs = [TableSpec(s, 2000, N, projection=True) for s in SUFFIXES]
    build_lake(warehouse, DATABASE, BUCKET, specs, as_of=AS_OF)
    # read correctly: the type and range as the docs allow them, and folders of 3 digits
    _move_buckets(warehouse, "digits", "tables/part_digits/id_bucket={b:03d}")
    _set_parameters(
        warehouse,
        "digits",
        **{
            "projection.id_bucket.type": " Integer ",
            "projection.id_bucket.range": "000,015",
            "projection.id_bucket.digits": "3",
        },
    )
    # read correctly: a custom layout, the template written as the docs' example (no "/")
    _move_buckets(warehouse, "custom", "tables/part_custom/bucket-{b}")
    template = f"{TABLES}/part_custom/bucket-${{id_bucket}}"
    _set_parameters(warehouse, "custom", **{"storage.location.template": template})
    # digits 3 while storage holds id_bucket=7/: Athena reads id_bucket=007/, which is empty
    _set_parameters(warehouse, "nodigits", **{"projection.id_bucket.digits": "3"})
    # interval 2: Athena reads every other bucket
    _set_parameters(warehouse, "interval", **{"projection.id_bucket.interval": "2"})
    # read from a staging prefix outside the table
    _move_buckets(warehouse, "moved", "staging/part_moved/{b}")
    template = "s3://test-lake/staging/part_moved/${id_bucket}/"
    _set_parameters(warehouse, "moved", **{"storage.location.template": template})
    # the template names a prefix without data (the data is under v1/)
    _move_buckets(warehouse, "elsewhere", "tables/part_elsewhere/v1/{b}")
    template = f"{TABLES}/part_elsewhere/v2/${{id_bucket}}/"
    _set_parameters(warehouse, "elsewhere", **{"storage.location.template": template})


@pytest.fixture(scope="module")
def projection_lake(tmp_path_factory: pytest.TempPathFactory) -> Path:
    warehouse = tmp_path_factory.mktemp("projection-lake") / "warehouse"
    _build(warehouse)
    return warehouse


@pytest.fixture
def warehouse(projection_lake: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "warehouse"
    shutil.copytree(projection_lake, copy)
    return copy


def run_args() -> list[str]:
    flags = {
        "database": DATABASE,
        "report_bucket": REPORT_BUCKET,
        "bucket_count": str(N),
        "as_of": AS_OF.isoformat(),
        "file_size_check": "true",
        "file_size_min_mb": "0.004",
        "file_size_max_mb": "256",
        "data_docs": "false",
    }
    return ["run", *flag_args(flags)]


def assert_rows(report: dict[str, Any]) -> None:
    rows = {r["table"]: r for r in report["tables"]}
    for clean in ("part_digits", "part_custom"):
        assert rows[clean]["status"] == "ok", rows[clean]
        assert (rows[clean]["s3_partitions"], rows[clean]["glue_partitions"]) == (16, 16)
        assert (rows[clean]["count_part"], rows[clean]["count_src"]) == (2000, 2000)
    # the storage checks look where Athena reads: the projected folders, 3 digits or custom
    assert rows["part_digits"]["storage_buckets"] == list(range(N))
    assert rows["part_nodigits"]["s3_partitions"] == 0
    assert rows["part_nodigits"]["glue_partitions"] == 0
    assert rows["part_moved"]["s3_partitions"] == 16
    assert rows["part_moved"]["count_part"] == 2000  # read, but from outside the table


def file_sample(report: dict[str, Any], table: str) -> list[str]:
    rows = {r["table"]: r for r in report["tables"]}
    return sorted(i.split(" ")[0] for i in rows[table]["file_issues_sample"].split("; ") if i)


def test_local_backend_reads_projected_locations(run_cli: RunCli, warehouse: Path) -> None:
    code, _, err = run_cli(*run_args(), "--warehouse", str(warehouse))
    assert code == 1, err[-3000:]
    path = warehouse / "s3" / REPORT_BUCKET / "data-monitor" / f"omc_monitor_report_{AS_OF}.json"
    report = json.loads(path.read_text())
    assert report["alerts"] == EXPECTED_ALERTS
    assert_rows(report)


def test_file_sizes_are_sampled_from_the_projected_folders(
    run_cli: RunCli, warehouse: Path
) -> None:
    # a 64 MB floor makes every sampled file an issue, so the issues name the files sampled
    args = [*run_args(), "--file_size_min_mb", "64", "--tables", "part_digits,part_custom"]
    run_cli(*args, "--warehouse", str(warehouse))
    path = warehouse / "s3" / REPORT_BUCKET / "data-monitor" / f"omc_monitor_report_{AS_OF}.json"
    report = json.loads(path.read_text())
    assert file_sample(report, "part_digits") == [
        f"id_bucket={b:03d}/part-00000.parquet" for b in range(5)
    ]
    assert file_sample(report, "part_custom") == [
        f"bucket-{b}/part-00000.parquet" for b in range(5)
    ]


def test_aws_backend_reads_projected_locations(
    run_cli: RunCli, warehouse: Path, moto_server: str, local_athena: Any
) -> None:
    account = prepare_account(warehouse, REPORT_BUCKET)
    args = [*run_args(), "--backend", "aws", "--athena_results", "s3://test-athena/results/"]
    code, _, err = run_cli(*args, "--sns_topic_arn", account["topic"], "--region", "us-east-1")
    assert code == 1, err[-3000:]
    s3 = boto3.client("s3", region_name="us-east-1")
    key = f"data-monitor/omc_monitor_report_{AS_OF}.json"
    report = json.loads(s3.get_object(Bucket=REPORT_BUCKET, Key=key)["Body"].read())
    assert report["alerts"] == EXPECTED_ALERTS
    assert_rows(report)
    # Athena (here, the local endpoint) read id_bucket=000/.. for part_digits: its rows counted
    scans = [q for q in local_athena.queries if q.kind == "SELECT" and "part_digits" in q.sql]
    assert len(scans) == 1
