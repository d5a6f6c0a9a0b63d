"""Where data lives: tables outside --data_buckets, partitions registered elsewhere, and the
tables --max_tables leaves out, each said in the report instead of passing in silence."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from data_monitor.lake.placement import bucket_of, location_refusal, misplaced_partitions
from data_monitor.model.catalog import Partition, TableMeta
from tests import lake_fixture
from tests.conftest import RunCli, flag_args, read_report

DB = lake_fixture.DATABASE
LAKE = lake_fixture.BUCKET


def catalog_file(warehouse: Path, name: str, suffix: str = "json") -> Path:
    return warehouse / "glue" / DB / f"{name}.{suffix}"


def run(run_cli: RunCli, warehouse: Path, *extra: str) -> tuple[int, str, str]:
    flags = flag_args(lake_fixture.run_flags())
    return run_cli("run", *flags, "--warehouse", str(warehouse), *extra)


def foreign_copy(warehouse: Path, source: str, name: str, bucket: str) -> None:
    """``source`` copied into another bucket as ``name``, with no partitions registered."""
    old = warehouse / "s3" / LAKE / "tables" / source
    shutil.copytree(old, warehouse / "s3" / bucket / "tables" / name)
    table = json.loads(catalog_file(warehouse, source).read_text())
    table["Name"] = name
    table["StorageDescriptor"]["Location"] = f"s3://{bucket}/tables/{name}/"
    catalog_file(warehouse, name).write_text(json.dumps(table))


def test_a_table_outside_the_data_buckets_is_refused_and_never_repaired(
    run_cli: RunCli, warehouse: Path
) -> None:
    foreign_copy(warehouse, "part_clean_01", "part_foreign", "someone-elses-bucket")
    code, _, _ = run(
        run_cli, warehouse, "--data_buckets", LAKE, "--tables", "part_foreign,part_clean_02"
    )
    report = read_report(warehouse)
    assert report["alerts"] == [
        "[LOCATION] part_foreign: location s3://someone-elses-bucket/tables/part_foreign/ is "
        f"outside the expected data bucket(s) {LAKE} (--data_buckets); refused: not listed, "
        "repaired or queried"
    ]
    rows = {r["table"]: r for r in report["tables"]}
    assert rows["part_foreign"]["status"] == "error"
    assert rows["part_foreign"]["s3_partitions"] == 0  # nothing was listed
    assert rows["part_foreign"]["count_part"] is None  # nothing was queried
    assert rows["part_clean_02"]["status"] == "ok"
    # auto-repair (on by default) did not register the foreign bucket's 16 partitions
    assert not catalog_file(warehouse, "part_foreign", "partitions.json").exists()
    assert code == 1


def test_a_run_whose_every_table_is_refused_still_reports(run_cli: RunCli, warehouse: Path) -> None:
    foreign_copy(warehouse, "part_clean_01", "part_foreign", "someone-elses-bucket")
    code, _, _ = run(run_cli, warehouse, "--data_buckets", LAKE, "--tables", "part_foreign")
    report = read_report(warehouse)
    assert [a.split(":")[0] for a in report["alerts"]] == ["[LOCATION] part_foreign"]
    assert [r["status"] for r in report["tables"]] == ["error"]
    assert code == 1


def test_without_data_buckets_the_same_table_is_checked_and_repaired(
    run_cli: RunCli, warehouse: Path
) -> None:
    foreign_copy(warehouse, "part_clean_01", "part_foreign", "someone-elses-bucket")
    run(run_cli, warehouse, "--tables", "part_foreign")
    row = read_report(warehouse)["tables"][0]
    assert (row["s3_partitions"], row["repaired_glue_count"], row["count_part"]) == (16, 16, 2000)
    partitions = json.loads(catalog_file(warehouse, "part_foreign", "partitions.json").read_text())
    assert len(partitions) == 16


def test_a_partition_registered_elsewhere_is_reported(run_cli: RunCli, warehouse: Path) -> None:
    parts_file = catalog_file(warehouse, "part_clean_01", "partitions.json")
    partitions = json.loads(parts_file.read_text())
    stray = f"s3://{LAKE}/tables/part_pk/id_bucket=3/"
    for partition in partitions:
        if partition["Values"] == ["3"]:
            partition["StorageDescriptor"]["Location"] = stray
    parts_file.write_text(json.dumps(partitions))
    code, _, _ = run(run_cli, warehouse, "--tables", "part_clean_01", "--data_buckets", LAKE)
    report = read_report(warehouse)
    # Athena (and the local engine) read the stray partition: part_pk's NULL and duplicate keys
    assert report["alerts"] == [
        "[PK_NULL] part_clean_01: customer_user_id NULL rows=1",
        "[PK_DUPES] part_clean_01: customer_user_id duplicate rows=4",
        "[PARTITION_LOCATION] part_clean_01: 1 registered partition(s) point outside the table "
        f"location: id_bucket=3 -> {stray}",
    ]
    assert code == 1


def test_max_tables_says_which_tables_were_left_out(run_cli: RunCli, warehouse: Path) -> None:
    code, _, _ = run(
        run_cli, warehouse, "--max_tables", "2", "--tables", "part_clean_01,part_clean_02,part_proj"
    )
    report = read_report(warehouse)
    assert [r["table"] for r in report["tables"]] == ["part_clean_01", "part_clean_02"]
    assert report["alerts"] == [
        "[NOT_CHECKED] *: 1 of 3 tables not checked (--max_tables 2): part_proj"
    ]
    assert code == 1


def test_placement_rules() -> None:
    table = TableMeta.from_glue(
        "db",
        {
            "Name": "part_t",
            "StorageDescriptor": {"Location": "s3a://lake/t"},
            "PartitionKeys": [{"Name": "id_bucket", "Type": "int"}],
            "Parameters": {
                "projection.enabled": "true",
                "storage.location.template": "s3://elsewhere/t/id_bucket=${id_bucket}/",
            },
        },
    )
    assert bucket_of("s3n://lake/x") == "lake"
    assert bucket_of("file:///tmp/x") is None
    assert location_refusal(table, ()) is None
    assert location_refusal(table, ("lake",)) == (
        "projection template s3://elsewhere/t/id_bucket=${id_bucket}/ is outside the expected "
        "data bucket(s) lake (--data_buckets); refused: not listed, repaired or queried"
    )
    assert location_refusal(table, ("lake", "elsewhere")) is None
    partitions = [
        Partition(("1",), "s3://lake/t/id_bucket=1/"),
        Partition(("2",), "s3://lake/t/id_bucket=20/"),
        Partition(("x",), "s3://nowhere/"),  # not an id_bucket value: the contract's business
    ]
    assert misplaced_partitions(table, partitions) == [
        {
            "bucket": 2,
            "location": "s3://lake/t/id_bucket=20/",
            "expected": "s3://lake/t/id_bucket=2/",
        }
    ]


def test_thousands_of_tables_with_max_tables(run_cli: RunCli, warehouse: Path) -> None:
    """2,000 tables in the catalog, 5 checked: discovery lists them all, the rest are named."""
    template = json.loads(catalog_file(warehouse, "part_clean_01").read_text())
    partitions = catalog_file(warehouse, "part_clean_01", "partitions.json").read_text()
    for i in range(2000):
        name = f"part_t{i:04d}"
        catalog_file(warehouse, name).write_text(json.dumps({**template, "Name": name}))
        catalog_file(warehouse, name, "partitions.json").write_text(partitions)
    code, _, _ = run(run_cli, warehouse, "--max_tables", "5", "--count_check_enabled", "false")
    report = read_report(warehouse)
    listed = sorted(p.name for p in (warehouse / "glue" / DB).glob("part_*.json"))
    names = sorted(n.removesuffix(".json") for n in listed if not n.endswith(".partitions.json"))
    assert len(names) == 2000 + len(lake_fixture.SPECS)
    assert [r["table"] for r in report["tables"]] == names[:5]
    assert [a for a in report["alerts"] if a.startswith("[NOT_CHECKED]")] == [
        f"[NOT_CHECKED] *: {len(names) - 5} of {len(names)} tables not checked (--max_tables 5): "
        f"{', '.join(names[5:10])}, ... ({len(names) - 10} more)"
    ]
