"""End to end on the local backend: the test lake, every alert type, both report formats."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from data_monitor.delivery.report import CSV_COLUMNS
from data_monitor.demo.specs import Expected
from tests import lake_fixture
from tests.conftest import RunCli, flag_args, read_report

SEED_TABLE_KEYS = {
    "table": str,
    "location": str,
    "s3_partitions": int,
    "glue_partitions": int,
    "missing_glue_count": int,
    "table_type_ok": bool,
    "contract_ok": bool,
    "raw_input_snapshot_dt": str,
    "count_src": int,
    "count_part": int,
    "count_diff_pct": str,
    "pk_nulls": int,
    "pk_dupes": int,
    "file_issues_sample": str,
    "checked_at": str,
}


def run_lake(run_cli: RunCli, warehouse: Path, *extra: str) -> tuple[int, str, str]:
    args = flag_args(lake_fixture.run_flags())
    return run_cli("run", *args, "--warehouse", str(warehouse), *extra)


def test_every_alert_type_in_report_csv_and_message(run_cli: RunCli, warehouse: Path) -> None:
    code, out, _ = run_lake(run_cli, warehouse)
    report = read_report(warehouse)
    assert report["alerts"] == lake_fixture.expected_alerts()
    assert code == 3  # part_nosrc's count check could not run
    messages = (warehouse / "sns" / "messages.jsonl").read_text().splitlines()
    assert len(messages) == 1
    sent = json.loads(messages[0])
    n = len(lake_fixture.expected_alerts())
    assert sent["subject"] == f"[DATA MONITOR] {lake_fixture.DATABASE} part_* - {n} issue(s)"
    body = sent["message"].split("\n")
    assert body[0] == f"[DATA MONITOR] {n} issue(s) in {lake_fixture.DATABASE} (part_*)"
    assert body[2 : 2 + n] == lake_fixture.expected_alerts()
    assert "exit code 3 (incomplete)" in out


def test_report_rows_have_seed_keys_and_observed_values(
    run_cli: RunCli, warehouse: Path, expected: dict[str, Expected]
) -> None:
    run_lake(run_cli, warehouse)
    report = read_report(warehouse)
    for key in (
        "database",
        "prefix",
        "bucket_count",
        "generated_at",
        "freshness_window_days",
        "compare",
        "pk_column",
        "file_size_check",
        "alerts",
        "tables",
    ):
        assert key in report
    assert report["compare"] == {
        "enabled": True,
        "type": "ext",
        "db": lake_fixture.DATABASE,
        "tolerance_pct": 0.0,
    }
    rows = {r["table"]: r for r in report["tables"]}
    assert sorted(rows) == sorted(expected)
    clean = rows["part_clean_01"]
    for key, kind in SEED_TABLE_KEYS.items():
        assert isinstance(clean[key], kind), key
    assert clean["count_diff_pct"] == "0.000000"
    assert clean["raw_input_snapshot_dt"] == "2026-11-19"
    for name, want in expected.items():
        row = rows[name]
        assert row["s3_partitions"] == want.s3_partitions, name
        assert row["missing_glue_count"] == want.missing_glue, name
        if name == "part_format":
            continue  # row-level checks are not run on a table that is not Parquet
        assert row["pk_nulls"] == want.pk_nulls, name
        assert row["pk_dupes"] == want.pk_dupes, name
        assert row["count_part"] == want.rows_written, name
        if name != "part_nosrc":
            assert row["count_src"] == want.source_rows, name
    assert rows["part_unreg"]["glue_partitions"] == 16
    assert rows["part_unreg"]["repaired_glue_count"] == 3
    assert rows["part_proj"]["glue_partitions"] == 16
    assert rows["part_count"]["count_diff_pct"] == "2.564103"
    assert rows["part_contract"]["contract_ok"] is False
    assert rows["part_format"]["table_type_ok"] is False
    assert rows["part_nosrc"]["count_src"] is None
    assert rows["part_format"]["pk_nulls"] is None  # not run: the table is not Parquet
    assert rows["part_stale"]["raw_input_snapshot_dt"] == "2026-08-22"
    assert rows["part_tiny"]["file_issues_sample"].count("< 0.004MB") == 3


def test_csv_has_the_seed_columns_in_order(run_cli: RunCli, warehouse: Path) -> None:
    run_lake(run_cli, warehouse)
    rows = list(csv.reader(io.StringIO(read_report(warehouse, "csv"))))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert len(CSV_COLUMNS) == 15
    by_table = {r[0]: dict(zip(CSV_COLUMNS, r, strict=True)) for r in rows[1:]}
    assert by_table["part_pk"]["pk_nulls"] == "7"
    assert by_table["part_pk"]["pk_dupes"] == "10"
    assert by_table["part_count"]["count_src"] == "1950"
    assert by_table["part_clean_01"]["table_type_ok"] == "True"


def test_clean_tables_raise_no_alert(run_cli: RunCli, warehouse: Path) -> None:
    run_lake(run_cli, warehouse)
    rows = {r["table"]: r for r in read_report(warehouse)["tables"]}
    for name in lake_fixture.CLEAN_TABLES:
        assert rows[name]["alerts"] == [], name
        assert rows[name]["status"] == "ok"


def test_a_clean_database_exits_zero_and_sends_nothing(run_cli: RunCli, warehouse: Path) -> None:
    code, out, _ = run_lake(run_cli, warehouse, "--tables", "part_clean_01,part_clean_02")
    assert code == 0
    assert read_report(warehouse)["alerts"] == []
    assert not (warehouse / "sns" / "messages.jsonl").exists()
    assert "checked 2 table(s): 0 alert(s)" in out


def test_repair_only_adds_and_is_idempotent(run_cli: RunCli, warehouse: Path) -> None:
    catalog = warehouse / "glue" / lake_fixture.DATABASE / "part_unreg.partitions.json"
    before = json.loads(catalog.read_text())
    run_lake(run_cli, warehouse, "--tables", "part_unreg")
    after = json.loads(catalog.read_text())
    assert after[: len(before)] == before  # existing entries untouched, in place
    assert sorted(int(p["Values"][0]) for p in after[len(before) :]) == [2, 5, 11]
    assert after[-1]["StorageDescriptor"]["Location"].endswith("/part_unreg/id_bucket=11/")
    code, _, _ = run_lake(run_cli, warehouse, "--tables", "part_unreg")
    assert json.loads(catalog.read_text()) == after
    assert code == 0
    assert read_report(warehouse)["tables"][0]["missing_glue_count"] == 0


def test_auto_repair_off_leaves_the_catalog_and_counts_only_registered(
    run_cli: RunCli, warehouse: Path, expected: dict[str, Expected]
) -> None:
    catalog = warehouse / "glue" / lake_fixture.DATABASE / "part_unreg.partitions.json"
    before = catalog.read_text()
    run_lake(run_cli, warehouse, "--tables", "part_unreg", "--auto_repair", "off")
    assert catalog.read_text() == before
    report = read_report(warehouse)
    row = report["tables"][0]
    assert row["glue_partitions"] == 13
    assert row["repaired_glue_count"] == 0
    # As in Athena, unregistered partitions are invisible to queries: the count falls short.
    assert row["count_part"] < expected["part_unreg"].rows_written
    assert report["alerts"][0].startswith("[COUNT_MISMATCH] part_unreg:")
    assert "[ALERT] part_unreg: Glue missing 3 partitions" in report["alerts"]


def test_second_run_of_the_day_keeps_the_first_report(run_cli: RunCli, warehouse: Path) -> None:
    run_lake(run_cli, warehouse, "--tables", "part_clean_01")
    run_lake(run_cli, warehouse, "--tables", "part_pk")
    folder = warehouse / "s3" / lake_fixture.REPORT_BUCKET / "data-monitor"
    runs = sorted((folder / "runs").glob("*.json"))
    tables = [json.loads(p.read_text())["tables"][0]["table"] for p in runs]
    assert sorted(tables) == ["part_clean_01", "part_pk"]
    assert read_report(warehouse)["tables"][0]["table"] == "part_pk"  # the day's file: latest


def test_snapshot_marker_location_is_a_template(run_cli: RunCli, warehouse: Path) -> None:
    markers = warehouse / "s3" / lake_fixture.BUCKET / "markers"
    markers.mkdir(parents=True)
    (markers / "part_clean_01.txt").write_text("  2026-11-18\n")
    code, _, _ = run_lake(
        run_cli,
        warehouse,
        "--tables",
        "part_clean_01,part_clean_02",
        "--snapshot_marker",
        f"s3://{lake_fixture.BUCKET}/markers/{{table}}.txt",
    )
    rows = {r["table"]: r for r in read_report(warehouse)["tables"]}
    assert rows["part_clean_01"]["raw_input_snapshot_dt"] == "2026-11-18"
    assert rows["part_clean_02"]["alerts"] == [
        "[FRESHNESS] part_clean_02: processed snapshot missing "
        f"(s3://{lake_fixture.BUCKET}/markers/part_clean_02.txt)"
    ]
    assert code == 1
