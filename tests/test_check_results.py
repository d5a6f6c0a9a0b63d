"""One typed view of a check's result, and each custom expectation's own alert text.

The results are real GX result dicts: the inventory checks and the key checks GX can compute
over pandas run through GX; the two that need SQL metrics (the source count, the bucket spread)
are their expectation's ``_validate`` output wrapped in GX's own result class. The expected
lines are the ones the monitor has always sent.
"""

from __future__ import annotations

import ast
import itertools
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import FrozenInstanceError
from pathlib import Path
from typing import Any

import great_expectations as gx
import pandas as pd
import pytest
from great_expectations.core import ExpectationValidationResult
from great_expectations.data_context.types.base import ProgressBarsConfig

import custom_expectations as ce
from custom_expectations.base import SentenceExpectation
from data_monitor.delivery.report import row_from
from data_monitor.lake.inventory import Inventory
from data_monitor.model.catalog import Projection
from data_monitor.model.checks import AlertCode, CheckResult, Severity
from data_monitor.model.findings import (
    ResultShapeError,
    StorageFindings,
    findings_type,
    read_findings,
)
from data_monitor.validation.alert_text import alert_for
from tests import lake_fixture

ROOT = Path(__file__).resolve().parents[1]
N = 16
LOCATION = "s3://lake/sales/orders/"
PARQUET_IN = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat"
PARQUET_SERDE = "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"
MB = 1024 * 1024
PARAMS: dict[str, Any] = {"database": "sales", "table": "orders"}  # the table's suite parameters
_names = itertools.count()


def inventory(**overrides: Any) -> Inventory:
    """A healthy 16-bucket external Parquet table; a case overrides the fact it breaks."""
    facts: dict[str, Any] = {
        "table_type": "EXTERNAL_TABLE",
        "input_format": PARQUET_IN,
        "serde": PARQUET_SERDE,
        "columns": ["customer_user_id", "amount"],
        "partition_keys": [{"name": "id_bucket", "type": "int"}],
        "projection": Projection(False).record(),
        "storage_buckets": list(range(N)),
        "registered_buckets_before": list(range(N)),
        "registered_buckets": list(range(N)),
        "repair_mode": "athena",
        "snapshot_uri": LOCATION + "_metadata/snapshot_dt.txt",
        "snapshot_text": "2024-05-05\n",
        "file_sample": [],
    }
    facts.update(overrides)
    return Inventory(database="sales", table="orders", location=LOCATION, **facts)


def sample_file(bucket: int, size_bytes: int) -> dict[str, Any]:
    uri = f"{LOCATION}id_bucket={bucket}/part-0.parquet"
    return {"partition": f"id_bucket={bucket}", "uri": uri, "size_bytes": size_bytes}


def keys(*values: str | None) -> pd.DataFrame:
    return pd.DataFrame({"customer_user_id": list(values)})


@pytest.fixture(scope="module")
def gx_env() -> Iterator[tuple[Any, Any]]:
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    asset = context.data_sources.add_pandas("frames").add_dataframe_asset("frame")
    yield context, asset.add_batch_definition_whole_dataframe("whole")


def through_gx(expectation: Any, frame: pd.DataFrame) -> Callable[[Any], dict[str, Any]]:
    """A case's result: ``expectation`` run by GX over ``frame``, as the monitor reads it."""

    def run(gx_env: tuple[Any, Any]) -> dict[str, Any]:
        context, batch_definition = gx_env
        name = f"case_{next(_names)}"
        suite = context.suites.add(gx.ExpectationSuite(name=name, expectations=[expectation]))
        definition = context.validation_definitions.add(
            gx.ValidationDefinition(name=name, data=batch_definition, suite=suite)
        )
        validation = definition.run(batch_parameters={"dataframe": frame}, result_format="BASIC")
        [result] = validation.to_json_dict()["results"]
        return dict(result)

    return run


def over(inv: Inventory) -> pd.DataFrame:
    return pd.DataFrame([inv.record()])


def validated(expectation: Any, metrics: dict[str, Any]) -> Callable[[Any], dict[str, Any]]:
    """A case's result from ``_validate`` over given metric values, in GX's result class."""

    def run(gx_env: tuple[Any, Any]) -> dict[str, Any]:
        outcome = expectation._validate(metrics=metrics)
        result = ExpectationValidationResult(
            success=outcome["success"],
            result=outcome["result"],
            expectation_config=expectation.configuration,
        )
        return dict(result.to_json_dict())

    return run


PROFILE = {"row_count": 2000, "null_rows": 0, "duplicate_rows": 0, "duplicate_keys": 0}
SKEWED = {
    **PROFILE,
    "buckets_with_rows": 16,
    "fullest_bucket": 3,
    "fullest_rows": 500,
    "emptiest_bucket": 7,
    "emptiest_rows": 20,
}
BAD_PROJECTION = Projection(
    True, "enum", "0,7", location_template=LOCATION + "id_bucket=${id_bucket}/"
).record()
MISPLACED = [{"bucket": 4, "location": "s3://staging/x/", "expected": LOCATION + "id_bucket=4/"}]
STALE = "2024-01-01\n"
SCHEMA = [
    {"name": "customer_user_id", "type": "string"},
    {"name": "amount", "type": "double"},
    {"name": "id_bucket", "type": "int"},
]
CONFIGURED = {
    "membership": "m-1",
    "tables": [
        {
            "id": "t-1",
            "name": "ct_orders",
            "database": "sales",
            "table": "orders",
            "allowed_columns": ["customer_user_id", "amount", "region"],
            "rule_types": ["AGGREGATION"],
            "rule_columns": ["customer_user_id", "store"],
        }
    ],
}
RAW_INPUT = {
    "table": "sales.ext_orders",
    "date": "2024-05-09",
    "from": "its marker s3://lake/sales/ext_orders/_metadata/snapshot_dt.txt",
}

# (case id, the result, the expected alert line of a failed check)
CASES: list[tuple[str, Callable[[Any], dict[str, Any]], str]] = [
    (
        "pk_null",
        through_gx(
            ce.ExpectPrimaryKeyValuesToNotBeNull(pk_column="customer_user_id"),
            keys("a", None, "b", None),
        ),
        "[PK_NULL] orders: customer_user_id NULL rows=2",
    ),
    (
        "pk_dupes",
        through_gx(
            ce.ExpectPrimaryKeyValuesToBeUnique(pk_column="customer_user_id"),
            keys("a", "a", "b", "c", "c", "c"),
        ),
        "[PK_DUPES] orders: customer_user_id duplicate rows=5",
    ),
    (
        "count",
        validated(
            ce.ExpectRowCountToMatchSource(
                pk_column="customer_user_id",
                source_schema="sales",
                source_table="ext_orders",
                tolerance_pct=0.0,
            ),
            {"table.key_profile": {**PROFILE, "source_rows": 1950}},
        ),
        "[COUNT_MISMATCH] orders: sales.orders=2000 vs sales.ext_orders=1950 (Δ=2.564103%)",
    ),
    (
        "volume",
        through_gx(
            ce.ExpectRowCountToFollowHistory(
                pk_column="customer_user_id",
                history=[4, 4, 4, 4, 6],
                max_change_pct=50,
                z_threshold=3,
                min_change_pct=1,
                min_history=5,
            ),
            keys(*"abcdefghij"),
        ),
        "[VOLUME_ANOMALY] orders: 10 rows vs a mean of 4.4 over the last 5 days (127.27%, z=7.0)",
    ),
    (
        "skew",
        validated(
            ce.ExpectIdBucketRowsToBeBalanced(
                pk_column="customer_user_id", bucket_column="id_bucket", max_ratio=3
            ),
            {"table.key_profile": SKEWED},
        ),
        "[PARTITION_SKEW] orders: id_bucket=3 holds 500 rows, 4.0x the mean of 125.0 over 16 "
        "buckets; the emptiest, id_bucket=7, holds 20 (0.16x)",
    ),
    (
        "storage",
        through_gx(
            ce.ExpectIdBucketPartitionsInStorage(bucket_count=N),
            over(inventory(storage_buckets=[*set(range(N)) - {3, 9}, 20])),
        ),
        "[S3_PARTITIONS] orders: S3 missing 2 of 16 id_bucket partitions (3, 9); "
        "unexpected id_bucket partitions beyond 15: 20",
    ),
    (
        "registered",
        through_gx(
            ce.ExpectIdBucketPartitionsRegistered(bucket_count=N),
            over(
                inventory(
                    registered_buckets_before=[*set(range(N)) - {2, 5, 11}],
                    registered_buckets=[*set(range(N)) - {11}],
                    repaired=2,
                    errors={"repair": "repair stopped: 1 partition(s) not added"},
                )
            ),
        ),
        "[ALERT] orders: Glue missing 3 partitions (auto-repaired 2 via athena); "
        "still unregistered: 11; repair stopped: 1 partition(s) not added",
    ),
    (
        "projection",
        through_gx(
            ce.ExpectIdBucketPartitionsRegistered(bucket_count=N),
            over(inventory(projection=BAD_PROJECTION)),
        ),
        "[ALERT] orders: partition projection invalid: projection.id_bucket.type is enum, "
        "expected integer; projection.id_bucket.range is 0,7, expected 0,15",
    ),
    (
        "location",
        through_gx(
            ce.ExpectIdBucketPartitionsAtTableLocation(),
            over(inventory(misplaced_partitions=MISPLACED)),
        ),
        "[PARTITION_LOCATION] orders: 1 registered partition(s) point outside the table "
        "location: id_bucket=4 -> s3://staging/x/",
    ),
    (
        "table_type",
        through_gx(
            ce.ExpectTableToBeExternalParquet(), over(inventory(table_type="MANAGED_TABLE"))
        ),
        "[TABLE_TYPE] orders: TableType is MANAGED_TABLE, expected EXTERNAL_TABLE",
    ),
    (
        "contract",
        through_gx(
            ce.ExpectTableSchemaContract(pk_column="customer_user_id", partition_key="id_bucket"),
            over(inventory(partition_keys=[{"name": "id_bucket", "type": "string"}])),
        ),
        "[CONTRACT] orders: partition key id_bucket is string, expected int",
    ),
    (
        "stale",
        through_gx(
            ce.ExpectSnapshotToBeFresh(freshness_window_days=7, as_of="2024-05-10", strict=True),
            over(inventory(snapshot_text=STALE)),
        ),
        "[FRESHNESS] orders: processed snapshot too old: 2024-01-01 is 130 days old "
        "(window 7 days)",
    ),
    (
        "future",
        through_gx(
            ce.ExpectSnapshotToBeFresh(freshness_window_days=7, as_of="2024-05-01", strict=True),
            over(inventory()),
        ),
        "[FRESHNESS] orders: processed snapshot 2024-05-05 is in the future (as of 2024-05-01)",
    ),
    (
        "unparseable",
        through_gx(
            ce.ExpectSnapshotToBeFresh(freshness_window_days=7, as_of="2024-05-10", strict=True),
            over(inventory(snapshot_text="soon")),
        ),
        f"[FRESHNESS] orders: processed snapshot unreadable: 'soon' in {LOCATION}_metadata/"
        "snapshot_dt.txt (expected YYYY-MM-DD)",
    ),
    (
        "missing",
        through_gx(
            ce.ExpectSnapshotToBeFresh(freshness_window_days=7, as_of="2024-05-10", strict=True),
            over(inventory(snapshot_text=None)),
        ),
        f"[FRESHNESS] orders: processed snapshot missing ({LOCATION}_metadata/snapshot_dt.txt)",
    ),
    (
        "stalled",
        through_gx(
            ce.ExpectSnapshotToAdvance(history=["2024-05-05"] * 4, max_unchanged_runs=3),
            over(inventory()),
        ),
        "[FRESHNESS_STALLED] orders: snapshot date 2024-05-05 has not changed for 4 days (limit 3)",
    ),
    (
        "file_size",
        through_gx(
            ce.ExpectFileSizesInRange(min_mb=1, max_mb="512"),
            over(inventory(file_sample=[sample_file(0, 64 * MB), sample_file(1, MB // 2)])),
        ),
        "[FILE_SIZE] orders: 1 of 2 sampled file(s) outside 1-512 MB: "
        "id_bucket=1/part-0.parquet 0.50MB < 1MB",
    ),
    (
        "clean_rooms_names",
        through_gx(
            ce.ExpectColumnNamesToSuitCleanRooms(),
            over(inventory(columns=["customer_user_id", "pg_score", "Amount", "xmin", "a--b"])),
        ),
        "[CLEAN_ROOMS_NAMES] orders: Clean Rooms refuses 4 column name(s): 'pg_score' starts with "
        "pg_, a prefix Clean Rooms reserves; 'Amount' is not lowercase, so no analysis rule "
        "can list it; 'xmin' is a name Clean Rooms reserves; 'a--b' starts or ends with -, "
        "or has consecutive -",
    ),
    (
        "clean_rooms_empty",
        through_gx(
            ce.ExpectRegisteredPartitionsToHaveData(),
            over(inventory(data_buckets=[b for b in range(N) if b != 6], empty_partitions=[6])),
        ),
        "[CLEAN_ROOMS_EMPTY_PARTITIONS] orders: 1 registered partition(s) without a data file "
        "(id_bucket=6): Clean Rooms queries on the table fail",
    ),
    (
        "registered_skipping_empty",
        through_gx(
            ce.ExpectIdBucketPartitionsRegistered(bucket_count=N),
            over(
                inventory(
                    registered_buckets_before=[*set(range(N)) - {2, 5, 9}],
                    registered_buckets=[*set(range(N)) - {5, 9}],
                    repaired=1,
                    repair_skipped=[5, 9],
                )
            ),
        ),
        "[ALERT] orders: Glue missing 1 partitions (auto-repaired 1 via athena); "
        "not registered, no data file: 5, 9",
    ),
    (
        "clean_rooms_join_key",
        validated(
            ce.ExpectJoinKeyToSuitCleanRooms(
                pk_column="customer_user_id", max_key_length=38, allow_duplicates=False
            ),
            {"table.key_profile": {**PROFILE, "max_key_length": 64, "duplicate_keys": 3}},
        ),
        "[CLEAN_ROOMS_JOIN_KEY] orders: customer_user_id as a Clean Rooms join key: the longest "
        "key has 64 characters, more than 38; 3 key(s) occur more than once, and duplicates are "
        "not allowed",
    ),
    (
        "clean_rooms_location",
        through_gx(
            ce.ExpectTableLocationToHoldTheData(),
            over(
                inventory(
                    location_as_written=LOCATION.rstrip("/"),
                    data_buckets=[],
                    misplaced_partitions=MISPLACED,
                )
            ),
        ),
        "[CLEAN_ROOMS_LOCATION] orders: the location s3://lake/sales/orders does not end with /: "
        "it must be a folder; no id_bucket folder under s3://lake/sales/orders/ holds a data "
        "file: the "
        "location is a parent folder, or the data is elsewhere, and the table reads as empty",
    ),
    (
        "clean_rooms_columns",
        through_gx(
            ce.ExpectColumnCountToSuitCleanRooms(max_columns=2),
            over(inventory()),
        ),
        "[CLEAN_ROOMS_COLUMNS] orders: 3 columns, more than the 2 a Clean Rooms configured table may "
        "allow",
    ),
    (
        "clean_rooms_types",
        through_gx(
            ce.ExpectColumnTypesToSuitCleanRooms(engine="both"),
            over(inventory(schema=[SCHEMA[0], {"name": "tags", "type": "array<string>"}])),
        ),
        "[CLEAN_ROOMS_TYPES] orders: Clean Rooms cannot use 1 column(s): tags is array<string>: "
        "only custom analysis rules can use ARRAY, MAP and STRUCT",
    ),
    (
        "clean_rooms_format",
        through_gx(
            ce.ExpectStorageFormatToSuitCleanRooms(engine="sql"),
            over(inventory(parquet_codecs={LOCATION + "id_bucket=0/part-0.parquet": ["ZSTD"]})),
        ),
        "[CLEAN_ROOMS_FORMAT] orders: 1 of 1 sampled file(s) use ZSTD, a Parquet codec Clean "
        "Rooms does not read (id_bucket=0/part-0.parquet)",
    ),
    (
        "clean_rooms_configured",
        through_gx(
            ce.ExpectConfiguredTablesToMatchTheTable(engine="sql"),
            over(inventory(schema=SCHEMA, configured_tables=CONFIGURED)),
        ),
        "[CLEAN_ROOMS_CONFIGURED] orders: 2 problem(s) for Clean Rooms membership m-1: "
        "configured table ct_orders allows region, which the table no longer has; configured "
        "table ct_orders's analysis rule names store, which the table does not have",
    ),
    (
        "schema_change",
        through_gx(
            ce.ExpectTableSchemaToBeUnchanged(),
            over(
                inventory(
                    schema=SCHEMA,
                    schema_baseline={
                        "source": "the run of 2024-05-09",
                        "columns": [{"name": "customer_user_id", "type": "bigint"}, *SCHEMA[1:]],
                    },
                )
            ),
        ),
        "[SCHEMA_CHANGE] orders: 1 column change(s) since the run of 2024-05-09: "
        "customer_user_id retyped bigint -> string",
    ),
    (
        "raw_input",
        through_gx(
            ce.ExpectSnapshotToKeepUpWithRawInput(max_lag_days=1, as_of="2024-05-10"),
            over(inventory(raw_input=RAW_INPUT)),
        ),
        "[FRESHNESS] orders: processed snapshot 2024-05-05 is behind raw input 2024-05-09 "
        "(4 days, more than 1; raw input from sales.ext_orders, its marker "
        "s3://lake/sales/ext_orders/_metadata/snapshot_dt.txt)",
    ),
]
RESULTS: dict[str, dict[str, Any]] = {}


@pytest.fixture
def result_of(gx_env: tuple[Any, Any]) -> Callable[[str], dict[str, Any]]:
    """A case's result dict, computed once per module (a fresh copy each time)."""
    builders = {name: build for name, build, _ in CASES}

    def get(name: str) -> dict[str, Any]:
        if name not in RESULTS:
            RESULTS[name] = builders[name](gx_env)
        return json.loads(json.dumps(RESULTS[name]))

    return get


def ours() -> list[type[SentenceExpectation]]:
    classes = [getattr(ce, name) for name in ce.__all__]
    return [c for c in classes if isinstance(c, type) and issubclass(c, SentenceExpectation)]


@pytest.mark.parametrize(("name", "line"), [(name, line) for name, _, line in CASES])
def test_each_check_reads_as_its_findings_and_words_its_alert(
    result_of: Callable[[str], dict[str, Any]], name: str, line: str
) -> None:
    result = result_of(name)
    check = CheckResult.from_gx(result)
    kind = findings_type(check.expectation_type)
    assert check.error is None
    assert check.success is False
    assert kind is not None and isinstance(check.findings, kind)
    assert check.observed == result["result"]["observed_value"]
    alert = alert_for("orders", result, PARAMS)
    assert alert is not None and alert.line == line
    assert alert_for("orders", check, PARAMS) == alert  # the view or GX's dict, the same alert
    owner = next(c for c in ours() if c.expectation_type == check.expectation_type)
    assert (alert.code, alert.severity) == (owner.alert_code, owner.default_severity)


def test_the_cases_cover_every_custom_expectation() -> None:
    # each expectation has its own code but the raw-input cross-check, a [FRESHNESS] alert as
    # the seed words it; every code has a case, and every expectation type (below)
    assert len(ours()) == 23
    assert len({c.alert_code for c in ours()}) == 22
    assert {line.split("]")[0][1:] for _, _, line in CASES} == {c.alert_code for c in ours()}


def test_each_expectation_type_has_a_case(result_of: Callable[[str], dict[str, Any]]) -> None:
    covered = {result_of(name)["expectation_config"]["type"] for name, _, _ in CASES}
    assert covered == {c.expectation_type for c in ours()}


def test_every_custom_expectation_owns_its_alert_and_findings() -> None:
    for cls in ours():
        assert isinstance(cls.alert_code, AlertCode), cls
        assert isinstance(cls.default_severity, Severity), cls
        assert cls.alert_text.__func__ is not SentenceExpectation.alert_text.__func__, cls
        kind = findings_type(cls.expectation_type)
        assert kind is not None and kind.expectation_type == cls.expectation_type, cls


def test_the_suites_meta_agrees_with_each_expectation() -> None:
    by_type = {c.expectation_type: c for c in ours()}
    for path in sorted((ROOT / "gx" / "expectations").glob("*.json")):
        for item in json.loads(path.read_text())["expectations"]:
            cls = by_type[item["type"]]
            meta = item.get("meta") or {}
            graded = cls.severity_of.__func__ is not SentenceExpectation.severity_of.__func__
            # a check that grades what it found leaves the severity out (a suite's would win)
            severity = meta.get("severity", cls.default_severity if graded else None)
            assert (meta["alert_code"], severity) == (
                cls.alert_code,
                cls.default_severity,
            ), f"{path.name}: {item['type']}"
            assert graded is ("severity" not in meta), f"{path.name}: {item['type']}"


def test_the_report_row_reads_the_views_and_a_passed_check_raises_nothing(
    result_of: Callable[[str], dict[str, Any]],
) -> None:
    results = {name: result_of(name) for name in ("pk_null", "pk_dupes", "count", "file_size")}
    checks = {r["expectation_config"]["type"]: CheckResult.from_gx(r) for r in results.values()}
    row = row_from(None, "orders", checks, "2024-05-10T00:00:00Z")
    assert (row.pk_nulls, row.pk_dupes, row.count_part, row.count_src) == (2, 5, 2000, 1950)
    assert row.count_diff_pct == "2.564103"
    assert row.file_issues_sample == "id_bucket=1/part-0.parquet 0.50MB < 1MB"
    as_dicts = {r["expectation_config"]["type"]: r for r in results.values()}
    assert row_from(None, "orders", as_dicts, "2024-05-10T00:00:00Z") == row
    passed = result_of("pk_null")
    passed["success"] = True
    assert alert_for("orders", passed, PARAMS) is None


def test_the_view_is_read_only(result_of: Callable[[str], dict[str, Any]]) -> None:
    check = CheckResult.from_gx(result_of("storage"))
    found = check.findings_as(StorageFindings)
    assert found.missing == (3, 9)
    with pytest.raises(FrozenInstanceError):
        found.missing_count = 0
    with pytest.raises(TypeError):
        check.kwargs["bucket_count"] = 1


def renamed(details: dict[str, Any]) -> None:
    details["missing_total"] = details.pop("missing_count")


def dropped(details: dict[str, Any]) -> None:
    del details["bucket_count"]


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (renamed, "details has unexpected key(s): missing_total"),
        (dropped, "details has no 'bucket_count'"),
    ],
)
def test_a_renamed_key_is_refused_where_the_result_is_read(
    result_of: Callable[[str], dict[str, Any]],
    change: Callable[[dict[str, Any]], None],
    problem: str,
) -> None:
    result = result_of("storage")
    change(result["result"]["details"])
    with pytest.raises(ResultShapeError, match=re.escape(problem)):
        read_findings(result["expectation_config"]["type"], result["result"])
    # in a run the check reads as one that could not run: neither generic text nor silence
    alert = alert_for("orders", result, PARAMS)
    assert alert is not None
    assert (alert.code, alert.severity) == (AlertCode.ERROR, Severity.HIGH)
    assert (
        alert.text == f"id bucket partitions in storage could not run: unreadable result: {problem}"
    )
    assert CheckResult.from_gx(result).findings is None


def test_a_nested_key_is_checked_too(result_of: Callable[[str], dict[str, Any]]) -> None:
    result = result_of("location")
    del result["result"]["details"]["misplaced"][0]["location"]
    check = CheckResult.from_gx(result)
    assert check.error == "unreadable result: details.misplaced[0] has no 'location'"


def test_another_expectation_keeps_the_sentence_and_gx_counts(
    result_of: Callable[[str], dict[str, Any]], gx_env: tuple[Any, Any]
) -> None:
    expectation = gx.expectations.ExpectColumnValuesToBeInSet(
        column="segment", value_set=["vip"], meta={"severity": "Low", "alert_code": "SEGMENT"}
    )
    frame = pd.DataFrame({"segment": ["vip", "new", "vip", "lapsed"]})
    result = through_gx(expectation, frame)(gx_env)
    check = CheckResult.from_gx(result)
    assert check.findings is None
    assert (check.unexpected_count, check.element_count, check.unexpected_percent) == (2, 4, 50.0)
    alert = alert_for("orders", result, PARAMS)
    assert alert is not None
    assert (alert.code, alert.severity) == ("SEGMENT", Severity.LOW)
    assert alert.text.endswith(" — observed 2 unexpected row(s) of 4 (50.00%)")
    assert alert.text.startswith("segment values must belong to this set: vip")


def _alert_calls() -> Iterator[tuple[str, ast.Call]]:
    for package in ("data_monitor", "custom_expectations"):
        for path in sorted((ROOT / package).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Alert":
                    yield str(path.relative_to(ROOT)), node


def _codes_referenced() -> set[str]:
    """``AlertCode.X`` anywhere but the enum itself."""
    found = set()
    for package in ("data_monitor", "custom_expectations"):
        for path in sorted((ROOT / package).rglob("*.py")):
            if path.name == "checks.py":
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Attribute) and getattr(node.value, "id", "") == "AlertCode":
                    found.add(node.attr)
    return found


def test_every_alert_code_the_code_can_emit_is_in_the_enum() -> None:
    codes = {c.value for c in AlertCode}
    emitted: set[str] = set()
    for where, call in _alert_calls():
        code, severity = call.args[0], call.args[1]
        if isinstance(code, ast.Constant):
            assert code.value in codes, f"{where}:{call.lineno}: [{code.value}]"
            emitted.add(code.value)
        if isinstance(severity, ast.Constant):
            assert severity.value in {s.value for s in Severity}, f"{where}:{call.lineno}"
    referenced = _codes_referenced()
    assert referenced <= set(AlertCode.__members__)
    emitted |= {AlertCode[name].value for name in referenced}
    expected_lines = {line.split("]")[0][1:] for line in lake_fixture.expected_alerts()}
    assert expected_lines <= codes
    assert emitted == codes  # and every code in the enum is one the code emits
