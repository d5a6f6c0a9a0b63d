"""Odd catalogs and data: each gets a clear alert, the run goes on, nothing is half-written."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

from tests import lake_fixture
from tests.conftest import RunCli, flag_args, read_report

DB = lake_fixture.DATABASE


def glue_table(warehouse: Path, name: str) -> dict:
    return json.loads((warehouse / "glue" / DB / f"{name}.json").read_text())


def put_table(warehouse: Path, name: str, table: dict) -> None:
    table["Name"] = name
    (warehouse / "glue" / DB / f"{name}.json").write_text(json.dumps(table))


def run(run_cli: RunCli, warehouse: Path, *extra: str) -> tuple[int, str, str]:
    return run_cli(
        "run", *flag_args(lake_fixture.run_flags()), "--warehouse", str(warehouse), *extra
    )


def test_a_table_named_to_inject_sql_is_refused_and_never_queried(
    run_cli: RunCli, warehouse: Path
) -> None:
    name = 'part_x"; drop table t; --'
    put_table(warehouse, name, glue_table(warehouse, "part_clean_01"))
    code, _, _ = run(run_cli, warehouse)
    report = read_report(warehouse)
    assert (
        f"[ERROR] {name!r}: table name is not [a-z0-9_]; refused, not queried" in report["alerts"]
    )
    assert name not in {r["table"] for r in report["tables"]}
    assert code == 3


def test_catalog_oddities_each_get_an_alert(run_cli: RunCli, warehouse: Path) -> None:
    clean = glue_table(warehouse, "part_clean_01")
    unpartitioned = {**clean, "PartitionKeys": []}
    put_table(warehouse, "part_nokeys", unpartitioned)
    no_location = json.loads(json.dumps(clean))
    no_location["StorageDescriptor"].pop("Location")
    put_table(warehouse, "part_noloc", no_location)
    run(run_cli, warehouse, "--tables", "part_nokeys,part_noloc", "--count_check_enabled", "false")
    alerts = read_report(warehouse)["alerts"]
    assert "[CONTRACT] part_nokeys: no partition keys, expected id_bucket int" in alerts
    assert any(a.startswith("[ERROR] part_noloc: ") and "no storage location" in a for a in alerts)


def test_empty_and_missing_databases(run_cli: RunCli, warehouse: Path) -> None:
    (warehouse / "glue" / "empty_db").mkdir()
    code, out, _ = run(run_cli, warehouse, "--database", "empty_db")
    assert code == 1
    assert read_report(warehouse)["alerts"] == [
        "[NO_TABLES] *: no part_* tables in empty_db: nothing was checked"
    ]
    code, _, _ = run(run_cli, warehouse, "--database", "no_such_db")
    assert code == 3
    assert read_report(warehouse)["alerts"] == [
        "[ERROR] *: database no_such_db not found in the catalog"
    ]


def test_odd_snapshot_markers(run_cli: RunCli, warehouse: Path) -> None:
    base = warehouse / "s3" / lake_fixture.BUCKET / "tables"
    markers = {
        "part_clean_01": "",
        "part_clean_02": "2026-11-19" + " " * 10_000 + "x",
        "part_pk": "19/11/2026",
        "part_count": "2027-01-01",
    }
    for table, text in markers.items():
        (base / table / "_metadata" / "snapshot_dt.txt").write_text(text)
    run(run_cli, warehouse, "--tables", ",".join(markers))
    alerts = [a for a in read_report(warehouse)["alerts"] if a.startswith("[FRESHNESS]")]
    assert any(
        a.startswith("[FRESHNESS] part_clean_01: processed snapshot unreadable: ''") for a in alerts
    )
    assert any(
        a.startswith("[FRESHNESS] part_clean_02: processed snapshot unreadable:") for a in alerts
    )  # only the first 4 KB are read
    assert any(
        a.startswith("[FRESHNESS] part_pk: processed snapshot unreadable: '19/11/2026'")
        for a in alerts
    )
    assert (
        "[FRESHNESS] part_count: processed snapshot 2027-01-01 is in the future (as of "
        "2026-11-20)" in alerts
    )


def _rewrite_parquet(folder: Path, sql: str, pattern: str = "*.parquet") -> None:
    for path in sorted(folder.rglob(pattern)):
        duckdb.sql(f"COPY ({sql.format(path=path)}) TO '{path}.new' (FORMAT parquet)")
        Path(f"{path}.new").replace(path)


def test_empty_source_empty_part_and_blank_keys(run_cli: RunCli, warehouse: Path) -> None:
    tables = warehouse / "s3" / lake_fixture.BUCKET / "tables"
    # ext_count empty, part_count not: an infinite difference; ext_clean_01 and part_clean_01
    # both empty: no difference.
    for folder in (tables / "ext_count", tables / "ext_clean_01", tables / "part_clean_01"):
        _rewrite_parquet(folder, "SELECT * FROM read_parquet('{path}') WHERE false")
    # three blank keys in part_clean_02: they count as NULL keys, not as duplicates
    _rewrite_parquet(
        tables / "part_clean_02" / "id_bucket=0",
        (
            "SELECT CASE WHEN row_number() OVER () <= 3 THEN '  ' ELSE customer_user_id END "
            "AS customer_user_id, * EXCLUDE (customer_user_id) FROM read_parquet('{path}')"
        ),
        pattern="part-00000.parquet",
    )
    run(run_cli, warehouse, "--tables", "part_count,part_clean_01,part_clean_02")
    report = read_report(warehouse)
    rows = {r["table"]: r for r in report["tables"]}
    assert rows["part_clean_01"]["count_part"] == 0
    assert rows["part_clean_01"]["count_diff_pct"] == "0.000000"
    assert rows["part_count"]["count_diff_pct"] == "inf"
    assert (
        f"[COUNT_MISMATCH] part_count: {DB}.part_count=2000 vs {DB}.ext_count=0 (Δ=inf%)"
        in report["alerts"]
    )
    assert rows["part_clean_02"]["pk_nulls"] == 3
    assert rows["part_clean_02"]["pk_dupes"] == 0


def test_a_bucket_far_above_the_others_is_partition_skew(run_cli: RunCli, warehouse: Path) -> None:
    bucket0 = warehouse / "s3" / lake_fixture.BUCKET / "tables" / "part_clean_01" / "id_bucket=0"
    source = next(bucket0.glob("*.parquet"))
    duckdb.sql(
        f"COPY (SELECT 'extra' || i AS customer_user_id, * EXCLUDE (customer_user_id) FROM "
        f"(SELECT * FROM read_parquet('{source}') LIMIT 1), range(500) r(i)) "
        f"TO '{bucket0 / 'part-extra.parquet'}' (FORMAT parquet)"
    )
    run(run_cli, warehouse, "--tables", "part_clean_01,part_clean_02")
    alerts = read_report(warehouse)["alerts"]
    (skew,) = [a for a in alerts if a.startswith("[PARTITION_SKEW]")]
    assert skew.startswith(
        "[PARTITION_SKEW] part_clean_01: id_bucket=0 holds 625 rows, 4.0x the mean of 156.2 "
        "over 16 buckets; the emptiest, id_bucket="
    )
    assert skew.endswith(" holds 125 (0.8x)")
    assert not any("part_clean_02" in a for a in alerts)  # an even table raises nothing
    rows = {r["table"]: r for r in read_report(warehouse)["tables"]}
    assert rows["part_clean_01"]["skewed_buckets"] == [0]  # the run summary colours it
