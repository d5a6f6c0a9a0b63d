"""The Clean Rooms readiness suite on both backends: a table that breaks a rule and one that
passes, and a rule tuned for one table."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pyarrow.parquet as pq
import pytest

from data_monitor.demo.lakegen import build_lake
from data_monitor.demo.specs import TableSpec
from tests.aws_lake import prepare_account
from tests.aws_role import JobRole, deployment, role_policy
from tests.conftest import RunCli, flag_args
from tests.harness.iam import Enforcement

ROOT = Path(__file__).resolve().parents[1]
DATABASE, BUCKET, REPORT_BUCKET = "omc_rooms", "rooms-lake", "rooms-reports"
AS_OF = dt.date(2026, 11, 20)
REGION = "us-east-1"
RENAMED = ("segment", "pg_segment")  # a prefix Clean Rooms reserves
LONGEST_KEY = 13  # the generated keys: "u000000000256" (checked when the lake is built)
EXPECTED_ALERTS = [
    "[CLEAN_ROOMS_NAMES] part_badnames: Clean Rooms refuses 1 column name(s): 'pg_segment' "
    "starts with pg_, a prefix Clean Rooms reserves",
    "[CLEAN_ROOMS_EMPTY_PARTITIONS] part_hollow: 1 registered partition(s) without a data file "
    "(id_bucket=2): Clean Rooms queries on the table fail",
    "[CLEAN_ROOMS_JOIN_KEY] part_longkey: customer_user_id as a Clean Rooms join key: the "
    f"longest key has {LONGEST_KEY} characters, more than 4",
    "[CLEAN_ROOMS_COLUMNS] part_narrow: 6 columns, more than the 5 a Clean Rooms configured "
    "table may allow",
    f"[CLEAN_ROOMS_LOCATION] part_noslash: the location s3://{BUCKET}/tables/part_noslash does "
    "not end with /: it must be a folder",
    "[CLEAN_ROOMS_FORMAT] part_orc: stored as ORC, which AWS Clean Rooms SQL does not read "
    "(Parquet, RCFile, TextFile, SequenceFile, RegexSerde, OpenCSV, Avro, JSON); stored as ORC, "
    "which Spark SQL does not read (Parquet, OpenCSV, JSON)",
    f"[CLEAN_ROOMS_LOCATION] part_parent: no id_bucket folder under s3://{BUCKET}/tables/ holds "
    "a data file: the location is a parent folder, or the data is elsewhere, and the table "
    "reads as empty",
    "[CLEAN_ROOMS_TYPES] part_tinyint: Clean Rooms cannot use 1 column(s): score is tinyint, a "
    "type AWS Clean Rooms SQL does not support",
    "[CLEAN_ROOMS_FORMAT] part_zstd: 4 of 4 sampled file(s) use ZSTD, a Parquet codec Clean "
    "Rooms does not read (id_bucket=0/part-00000.parquet, id_bucket=1/part-00000.parquet, "
    "id_bucket=2/part-00000.parquet ...)",
]
TABLES = ("ready", "badnames", "narrow", "hollow", "longkey", "noslash", "parent", "tinyint",
          "zstd", "orc")  # fmt: skip
ORC_SERDE = "org.apache.hadoop.hive.ql.io.orc.OrcSerde"
EXPECTED_VERDICTS = {
    "part_noslash": {"ready": False, "failing": ["expect_table_location_to_hold_the_data"]},
    "part_parent": {"ready": False, "failing": ["expect_table_location_to_hold_the_data"]},
    "part_longkey": {"ready": False, "failing": ["expect_join_key_to_suit_clean_rooms"]},
    "part_hollow": {"ready": False, "failing": ["expect_registered_partitions_to_have_data"]},
    "part_badnames": {"ready": False, "failing": ["expect_column_names_to_suit_clean_rooms"]},
    "part_narrow": {"ready": False, "failing": ["expect_column_count_to_suit_clean_rooms"]},
    "part_ready": {"ready": True, "failing": []},
    "part_tinyint": {"ready": False, "failing": ["expect_column_types_to_suit_clean_rooms"]},
    "part_zstd": {"ready": False, "failing": ["expect_storage_format_to_suit_clean_rooms"]},
    "part_orc": {"ready": False, "failing": ["expect_storage_format_to_suit_clean_rooms"]},
}


def _edit_table(warehouse: Path, table: str, edit: Any) -> None:
    path = warehouse / "glue" / DATABASE / f"{table}.json"
    described = json.loads(path.read_text())
    edit(described)
    path.write_text(json.dumps(described))


def _tinyint(table: dict[str, Any]) -> None:
    columns = table["StorageDescriptor"]["Columns"]
    table["StorageDescriptor"]["Columns"] = [
        {**c, "Type": "tinyint"} if c["Name"] == "score" else c for c in columns
    ]


def _orc(table: dict[str, Any]) -> None:
    sd = table["StorageDescriptor"]
    sd["InputFormat"] = "org.apache.hadoop.hive.ql.io.orc.OrcInputFormat"
    sd["SerdeInfo"] = {"SerializationLibrary": ORC_SERDE}


def _recompress(warehouse: Path, table: str, codec: str) -> None:
    for path in (warehouse / "s3" / BUCKET / "tables" / table).rglob("*.parquet"):
        pq.write_table(pq.read_table(path), path, compression=codec)


def _rename_column(warehouse: Path, table: str) -> None:
    old, new = RENAMED
    for path in (warehouse / "s3" / BUCKET / "tables" / table).rglob("*.parquet"):
        data = pq.read_table(path)
        pq.write_table(
            data.rename_columns([new if n == old else n for n in data.column_names]), path
        )
    glue = warehouse / "glue" / DATABASE
    for path in (glue / f"{table}.json", glue / f"{table}.partitions.json"):
        text = path.read_text().replace(f'"Name": "{old}"', f'"Name": "{new}"')
        path.write_text(text)


def _set_location(warehouse: Path, table: str, location: str) -> None:
    _edit_table(warehouse, table, lambda t: t["StorageDescriptor"].update(Location=location))


def _hollow(warehouse: Path, table: str) -> None:
    """id_bucket=2 registered with only a _SUCCESS marker and a checksum left; id_bucket=3
    holding only _SUCCESS and not registered (repair must not register it)."""
    folder = warehouse / "s3" / BUCKET / "tables" / table
    for bucket in (2, 3):
        for path in (folder / f"id_bucket={bucket}").glob("*.parquet"):
            path.unlink()
        (folder / f"id_bucket={bucket}" / "_SUCCESS").write_bytes(b"")
    (folder / "id_bucket=2" / ".part-00000.parquet.crc").write_bytes(b"crc")
    parts_file = warehouse / "glue" / DATABASE / f"{table}.partitions.json"
    parts = [p for p in json.loads(parts_file.read_text()) if p["Values"] != ["3"]]
    parts_file.write_text(json.dumps(parts))


@pytest.fixture(scope="module")
def rooms_lake(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    warehouse = tmp_path_factory.mktemp("rooms") / "warehouse"
    specs = [TableSpec(name, 40, 4) for name in TABLES]
    build_lake(warehouse, DATABASE, BUCKET, specs, as_of=AS_OF)
    _edit_table(warehouse, "part_tinyint", _tinyint)
    _edit_table(warehouse, "part_orc", _orc)
    _recompress(warehouse, "part_zstd", "zstd")
    _rename_column(warehouse, "part_badnames")
    _hollow(warehouse, "part_hollow")
    _set_location(warehouse, "part_noslash", f"s3://{BUCKET}/tables/part_noslash")
    _set_location(warehouse, "part_parent", f"s3://{BUCKET}/tables/")  # the partitions stay
    keys = [
        str(k)
        for path in (warehouse / "s3" / BUCKET / "tables" / "part_longkey").rglob("*.parquet")
        for k in pq.read_table(path).column("customer_user_id").to_pylist()
        if k is not None
    ]
    assert max(len(k) for k in keys) == LONGEST_KEY
    yield warehouse
    shutil.rmtree(warehouse, ignore_errors=True)


def _gx_dir(tmp_path: Path) -> Path:
    """The shipped suites, with the column limit tuned down for part_narrow only."""
    gx_dir = tmp_path / "gx"
    shutil.copytree(ROOT / "gx", gx_dir)
    override = {
        "overrides": [
            {"type": "expect_column_count_to_suit_clean_rooms", "kwargs": {"max_columns": 5}}
        ]
    }
    path = gx_dir / "expectations" / "clean_rooms_readiness.part_narrow.json"
    path.write_text(json.dumps(override))
    # rule-based ID namespaces take at most 38 characters; part_longkey's keys are shorter
    # than 257 (the default) but not than this
    key_rule = {
        "overrides": [
            {"type": "expect_join_key_to_suit_clean_rooms", "kwargs": {"max_key_length": 4}}
        ]
    }
    path = gx_dir / "expectations" / "part_table_data.part_longkey.json"
    path.write_text(json.dumps(key_rule))
    return gx_dir


def _flags(gx_dir: Path) -> list[str]:
    return flag_args(
        {
            "database": DATABASE,
            "report_bucket": REPORT_BUCKET,
            "bucket_count": "4",
            "as_of": AS_OF.isoformat(),
            "gx_dir": str(gx_dir),
            "data_docs": "false",
        }
    )


def _readiness(report: dict[str, Any]) -> tuple[list[str], dict[str, Any]]:
    alerts = [a for a in report["alerts"] if a.startswith("[CLEAN_ROOMS")]
    return alerts, {t["table"]: t["clean_rooms_ready"] for t in report["tables"]}


def test_the_shipped_suite_is_switched_on_and_tunable(run_cli: RunCli, tmp_path: Path) -> None:
    code, out, err = run_cli("suites", "check", "--gx_dir", str(_gx_dir(tmp_path)))
    assert code == 0, err
    assert "clean_rooms_readiness.json: 7 expectation(s), batch inventory: ok" in out
    assert "clean_rooms_readiness.part_narrow.json: 0 expectation(s), 1 override(s)" in out


def test_local_backend_judges_readiness(run_cli: RunCli, rooms_lake: Path, tmp_path: Path) -> None:
    warehouse = tmp_path / "warehouse"
    shutil.copytree(rooms_lake, warehouse)
    code, _, err = run_cli("run", *_flags(_gx_dir(tmp_path)), "--warehouse", str(warehouse))
    assert code == 3, err[-3000:]  # part_orc's row-level checks cannot run: not Parquet
    path = warehouse / "s3" / REPORT_BUCKET / "data-monitor" / f"omc_monitor_report_{AS_OF}.json"
    report = json.loads(path.read_text())
    assert _readiness(report) == (EXPECTED_ALERTS, EXPECTED_VERDICTS)
    _assert_hollow(report)
    severities = {a["line"]: a["severity"] for a in report["alert_details"]}
    assert [severities[line] for line in EXPECTED_ALERTS] == [
        "High",
        "High",
        "High",
        "Medium",
        "High",
        "High",
        "High",
        "High",
        "High",
    ]
    csv = path.with_suffix(".csv").read_text().splitlines()[0]
    assert "clean_rooms" not in csv  # the seed's 15 columns, untouched
    page = next((warehouse / "s3" / REPORT_BUCKET).rglob("*.html"))  # the run summary
    summary = page.read_text()
    assert "<th>Clean Rooms</th>" in summary
    assert "not ready: registered_partitions_to_have_data" in summary
    assert summary.count("<td>ready</td>") == 1  # part_ready
    rows = {t["table"]: t for t in report["tables"]}
    assert rows["part_ready"]["alerts"] == []


def test_the_engine_setting_chooses_the_rules(
    run_cli: RunCli, rooms_lake: Path, tmp_path: Path
) -> None:
    """Spark SQL reads TINYINT; it reads ORC no more than AWS Clean Rooms SQL does."""
    warehouse = tmp_path / "warehouse"
    shutil.copytree(rooms_lake, warehouse)
    tables = ["--tables", "part_tinyint,part_orc,part_zstd"]
    for engine in ("spark", "sql"):
        flags = [*_flags(_gx_dir(tmp_path / engine)), "--clean_rooms_engine", engine]
        run_cli("run", *flags, *tables, "--warehouse", str(warehouse))
        path = warehouse / "s3" / REPORT_BUCKET / "data-monitor"
        report = json.loads((path / f"omc_monitor_report_{AS_OF}.json").read_text())
        verdicts = _readiness(report)[1]
        assert verdicts["part_tinyint"]["ready"] is (engine == "spark")
        orc = next(a for a in report["alerts"] if a.startswith("[CLEAN_ROOMS_FORMAT] part_orc"))
        other = "AWS Clean Rooms SQL" if engine == "spark" else "Spark SQL"
        assert ("stored as ORC, which " + other) not in orc
        assert verdicts["part_zstd"]["ready"] is False
    code, _, err = run_cli("run", *_flags(tmp_path), "--clean_rooms_engine", "athena")
    assert code == 2
    assert "--clean_rooms_engine" in err and "both|sql|spark" in err


def test_aws_backend_judges_readiness_the_same(
    run_cli: RunCli,
    rooms_lake: Path,
    tmp_path: Path,
    moto_server: str,
    local_athena: Any,
    iam: Enforcement,
) -> None:
    prepare_account(rooms_lake, REPORT_BUCKET, REGION)
    policy = role_policy(
        deployment(DatabaseName=DATABASE, DataBucket=BUCKET, ReportBucket=REPORT_BUCKET)
    )
    args = ["--backend", "aws", "--athena_results", "s3://test-athena/results/"]
    with JobRole(iam, policy).acting():
        code, _, err = run_cli("run", *_flags(_gx_dir(tmp_path)), *args, "--region", REGION)
    assert iam.denied() == [], iam.denied()
    assert code == 3, err[-3000:]  # part_orc's row-level checks cannot run: not Parquet
    # what the readiness and freshness reads cost part_ready, as the monitor's own calls: one
    # footer read per sampled data file (4 partitions, all sampled), the marker, the source's
    # marker (absent), no Glue table versions (the table never changed)
    own = [d for d in iam.decisions if not d.by_athena and "/part_ready" in d.resource]
    data_files = [d for d in own if d.action == "s3:GetObject" and ".parquet" in d.resource]
    assert len(data_files) == 4
    assert not [d for d in iam.decisions if d.action == "glue:GetTableVersions"]
    # the source's marker (then one listing of its files, authorized on the bucket itself)
    source = [d for d in iam.decisions if not d.by_athena and "/ext_ready/" in d.resource]
    assert [d.action for d in source] == ["s3:GetObject"]
    s3 = boto3.client("s3", region_name=REGION)
    key = f"data-monitor/omc_monitor_report_{AS_OF}.json"
    report = json.loads(s3.get_object(Bucket=REPORT_BUCKET, Key=key)["Body"].read())
    assert _readiness(report) == (EXPECTED_ALERTS, EXPECTED_VERDICTS)
    _assert_hollow(report)


def test_aws_backend_checks_the_membership_s_configured_tables(
    run_cli: RunCli,
    rooms_lake: Path,
    tmp_path: Path,
    moto_server: str,
    local_athena: Any,
    local_cleanrooms: Any,
    iam: Enforcement,
) -> None:
    """The configured tables of the membership that read a monitored table: part_badnames's
    allows ``segment``, which the table renamed; part_ready's and part_narrow's match. Three
    associations in two pages of ListConfiguredTableAssociations."""
    prepare_account(rooms_lake, REPORT_BUCKET, REGION)
    membership = local_cleanrooms.new_membership()
    columns = ["customer_user_id", "segment", "score"]
    aggregation = {
        "joinColumns": ["customer_user_id"],
        "dimensionColumns": ["segment"],
        "aggregateColumns": [{"columnNames": ["score"], "function": "SUM"}],
        "outputConstraints": [
            {"columnName": "customer_user_id", "minimum": 100, "type": "COUNT_DISTINCT"}
        ],
        "scalarFunctions": ["TRUNC"],
    }
    for name in ("ready", "badnames", "narrow"):
        configured = local_cleanrooms.configure(
            f"ct_{name}", DATABASE, f"part_{name}", columns, {"AGGREGATION": aggregation}
        )
        local_cleanrooms.associate(membership, configured)
    policy = role_policy(
        deployment(
            DatabaseName=DATABASE,
            DataBucket=BUCKET,
            ReportBucket=REPORT_BUCKET,
            CleanRoomsMembershipId=membership,
        )
    )
    args = ["--backend", "aws", "--athena_results", "s3://test-athena/results/"]
    args += ["--clean_rooms_membership", membership, "--tables", "part_ready,part_badnames"]
    with JobRole(iam, policy).acting():
        code, _, err = run_cli("run", *_flags(_gx_dir(tmp_path)), *args, "--region", REGION)
    assert iam.denied() == [], iam.denied()
    assert code == 1, err[-3000:]
    assert {
        "cleanrooms:ListConfiguredTableAssociations",
        "cleanrooms:GetConfiguredTable",
        "cleanrooms:GetConfiguredTableAnalysisRule",
    } <= iam.allowed_actions()
    # once per run, not per table: two pages, then each configured table and its one rule
    assert dict(local_cleanrooms.operations) == {
        "ListConfiguredTableAssociations": 2,
        "GetConfiguredTable": 3,
        "GetConfiguredTableAnalysisRule": 3,
    }
    s3 = boto3.client("s3", region_name=REGION)
    key = f"data-monitor/omc_monitor_report_{AS_OF}.json"
    report = json.loads(s3.get_object(Bucket=REPORT_BUCKET, Key=key)["Body"].read())
    alerts, verdicts = _readiness(report)
    assert alerts == [
        EXPECTED_ALERTS[0],
        f"[CLEAN_ROOMS_CONFIGURED] part_badnames: 1 problem(s) for Clean Rooms membership "
        f"{membership}: configured table ct_badnames allows segment, which the table no longer "
        "has",
    ]
    assert verdicts == {
        "part_badnames": {
            "ready": False,
            "failing": [
                "expect_column_names_to_suit_clean_rooms",
                "expect_configured_tables_to_match_the_table",
            ],
        },
        "part_ready": {"ready": True, "failing": []},
    }


def test_a_membership_s_tables_that_cannot_be_read_are_an_error(
    run_cli: RunCli, rooms_lake: Path, tmp_path: Path
) -> None:
    """The local backend has no Clean Rooms API: the check says so, the run goes on."""
    warehouse = tmp_path / "warehouse"
    shutil.copytree(rooms_lake, warehouse)
    membership = "0123abcd-0000-4000-8000-00000000abcd"
    flags = [*_flags(_gx_dir(tmp_path)), "--tables", "part_ready"]
    code, _, _ = run_cli(
        "run", *flags, "--clean_rooms_membership", membership, "--warehouse", str(warehouse)
    )
    assert code == 3
    path = warehouse / "s3" / REPORT_BUCKET / "data-monitor" / f"omc_monitor_report_{AS_OF}.json"
    report = json.loads(path.read_text())
    assert report["alerts"] == [
        "[ERROR] part_ready: configured tables to match the table could not run: configured "
        "tables unavailable: the local backend has no Clean Rooms API"
    ]
    code, _, err = run_cli("run", *flags, "--clean_rooms_membership", "m-1", "--warehouse", "x")
    assert code == 2 and "--clean_rooms_membership" in err and "36 characters" in err


def _assert_hollow(report: dict[str, Any]) -> None:
    row = {t["table"]: t for t in report["tables"]}["part_hollow"]
    assert row["empty_partitions"] == [2]
    assert row["repair_skipped"] == [3]  # auto-repair (athena, the default) left it out
    assert row["glue_partitions"] == 3  # 0, 1, 2: nothing was added
    assert not [a for a in report["alerts"] if a.startswith("[ALERT] part_hollow")]


def test_only_data_files_count(tmp_path: Path) -> None:
    """Empty objects and $folder$ markers are not data (the store leaves out _/. names)."""
    from data_monitor.backends.base import StoredObject
    from data_monitor.lake.inventory import _data_files
    from data_monitor.model.catalog import Column, TableMeta

    location = "s3://b/t/"
    objects = [
        StoredObject(f"{location}id_bucket=0/part-0.parquet", 10),
        StoredObject(f"{location}id_bucket=1/part-0.parquet", 0),
        StoredObject(f"{location}id_bucket=2/sub_$folder$", 0),
        StoredObject(f"{location}id_bucket=2/x_$folder$", 5),
        StoredObject(f"{location}id_bucket=3/deeper/part-0.parquet", 7),
        StoredObject(f"{location}loose.parquet", 9),
    ]

    table = TableMeta("d", "t", "EXTERNAL_TABLE", location, "", "", (Column("k", "string"),), ())
    found = _data_files(table, objects)
    assert sorted(found) == [0, 3]
