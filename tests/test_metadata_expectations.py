"""The six metadata expectations, run through real GX over one-row inventory batches.

Every kwarg is a ``$PARAMETER`` reference filled at run time (as the monitor's suites do), so
these tests also cover how parameter values arrive (floats, strings) and are coerced.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from string import Template
from typing import Any

import great_expectations as gx
import pandas as pd
import pytest
from great_expectations.core import ExpectationSuiteValidationResult, ExpectationValidationResult
from great_expectations.data_context.types.base import ProgressBarsConfig
from great_expectations.expectations.expectation_configuration import ExpectationConfiguration
from great_expectations.expectations.registry import get_renderer_impl
from great_expectations.render import LegacyDiagnosticRendererType
from great_expectations.render.renderer import ValidationResultsPageRenderer
from great_expectations.render.view import DefaultJinjaPageView

import custom_expectations as ce
from data_monitor.lake.inventory import Inventory
from data_monitor.model.catalog import Projection

N = 256
LOCATION = "s3://lake/sales/orders/"
PARQUET_IN = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat"
PARQUET_SERDE = "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"
MB = 1024 * 1024
_names = itertools.count()


def param(name: str) -> dict[str, str]:
    return {"$PARAMETER": name}


def inventory(**overrides: Any) -> Inventory:
    """A healthy 256-bucket external Parquet table; tests override the fact they break."""
    facts: dict[str, Any] = {
        "table_type": "EXTERNAL_TABLE",
        "input_format": PARQUET_IN,
        "serde": PARQUET_SERDE,
        "columns": ["customer_user_id", "amount"],
        "partition_keys": [{"name": "id_bucket", "type": "int"}],
        "projection": {
            "enabled": False,
            "key_type": None,
            "range": None,
            "location_template": None,
        },
        "storage_buckets": list(range(N)),
        "registered_buckets_before": list(range(N)),
        "registered_buckets": list(range(N)),
        "snapshot_uri": LOCATION + "snapshot_dt.txt",
        "snapshot_text": "2024-05-05\n",
        "file_sample": [sample_file(0, 0, 64 * MB)],
    }
    facts.update(overrides)
    return Inventory(database="sales", table="orders", location=LOCATION, **facts)


def sample_file(bucket: int, part: int, size_bytes: int) -> dict[str, Any]:
    return {
        "partition": f"id_bucket={bucket}",
        "uri": f"{LOCATION}id_bucket={bucket}/part-{part}.parquet",
        "size_bytes": size_bytes,
    }


PARAMS: dict[str, Any] = {
    "bucket_count": 256.0,  # numbers may arrive as floats
    "pk_column": "Customer_User_Id",  # Glue lowercases; the contract compares case-insensitively
    "partition_key": "id_bucket",
    "freshness_window_days": "7",  # ... or as strings
    "as_of": "2024-05-10",
    "strict": "false",
    "min_mb": 1,
    "max_mb": "512",
}


def all_six() -> list[Any]:
    return [
        ce.ExpectIdBucketPartitionsInStorage(bucket_count=param("bucket_count")),
        ce.ExpectIdBucketPartitionsRegistered(bucket_count=param("bucket_count")),
        ce.ExpectTableToBeExternalParquet(),
        ce.ExpectTableSchemaContract(
            pk_column=param("pk_column"), partition_key=param("partition_key")
        ),
        ce.ExpectSnapshotToBeFresh(
            freshness_window_days=param("freshness_window_days"),
            as_of=param("as_of"),
            strict=param("strict"),
        ),
        ce.ExpectFileSizesInRange(min_mb=param("min_mb"), max_mb=param("max_mb")),
    ]


@pytest.fixture(scope="module")
def gx_env() -> Iterator[tuple[Any, Any]]:
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)  # no tqdm on stderr
    asset = context.data_sources.add_pandas("inventory").add_dataframe_asset("tables")
    yield context, asset.add_batch_definition_whole_dataframe("one_row")


def validate(
    gx_env: tuple[Any, Any], expectations: list[Any], inv: Inventory, **params: Any
) -> ExpectationSuiteValidationResult:
    context, batch_definition = gx_env
    name = f"case_{next(_names)}"
    suite = context.suites.add(gx.ExpectationSuite(name=name, expectations=expectations))
    definition = context.validation_definitions.add(
        gx.ValidationDefinition(name=name, data=batch_definition, suite=suite)
    )
    return definition.run(
        batch_parameters={"dataframe": pd.DataFrame([inv.record()])},
        expectation_parameters={**PARAMS, **params},
        result_format="COMPLETE",
    )


def run_one(
    gx_env: tuple[Any, Any], index: int, inv: Inventory, **params: Any
) -> ExpectationValidationResult:
    """The result of the ``index``-th of ``all_six()`` over ``inv``."""
    results = validate(gx_env, [all_six()[index]], inv, **params).results
    assert len(results) == 1
    return results[0]


def config(result: ExpectationValidationResult) -> ExpectationConfiguration:
    assert result.expectation_config is not None
    return result.expectation_config


def observed_text(result: ExpectationValidationResult) -> str:
    """The Data Docs "Observed Value" cell, through the renderer GX registered for the type."""
    impl = get_renderer_impl(config(result).type, LegacyDiagnosticRendererType.OBSERVED_VALUE)
    assert impl is not None
    text = impl[1](result=result)
    assert isinstance(text, str)
    return text


def assert_exception(result: ExpectationValidationResult, reason: str) -> None:
    assert result.success is False
    assert result.result == {}
    assert result.exception_info["raised_exception"] is True
    assert result.exception_info["exception_message"] == reason
    assert "InventoryUnavailable" in result.exception_info["exception_traceback"]
    assert observed_text(result) == "--"


def test_suite_json_keeps_parameter_references() -> None:
    suite = gx.ExpectationSuite(name="roundtrip", expectations=all_six())
    saved = suite.to_json_dict()
    assert [e["kwargs"] for e in saved["expectations"]][4] == {
        "freshness_window_days": param("freshness_window_days"),
        "as_of": param("as_of"),
        "strict": param("strict"),
    }
    assert len(gx.ExpectationSuite(**saved).expectations) == 6


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ({"strict": "maybe"}, "expected true or false, got 'maybe'"),
        ({"bucket_count": "abc"}, "could not convert string to float"),
        ({"as_of": "yesterday"}, "Invalid isoformat string"),
    ],
)
def test_bad_parameter_value_aborts_the_run(gx_env: Any, bad: dict[str, Any], message: str) -> None:
    # Like a missing parameter: a suite misconfiguration, not a finding about the table.
    with pytest.raises(ValueError, match=message):
        validate(gx_env, all_six(), inventory(), **bad)


# 1. partitions in storage


def test_storage_all_present(gx_env: Any) -> None:
    r = run_one(gx_env, 0, inventory())
    assert r.success is True
    assert r.result == {
        "observed_value": 256,
        "details": {"bucket_count": 256, "missing": [], "missing_count": 0, "unexpected": []},
    }
    assert config(r).kwargs["bucket_count"] == 256  # the float came back an int
    assert observed_text(r) == "256 of 256 present"


def test_storage_missing_and_unexpected(gx_env: Any) -> None:
    buckets = sorted(set(range(N)) - {13, 77, 200}) + [256, 300]
    r = run_one(gx_env, 0, inventory(storage_buckets=buckets), bucket_count="256.0")
    assert r.success is False
    assert r.result == {
        "observed_value": 253,
        "details": {
            "bucket_count": 256,
            "missing": [13, 77, 200],
            "missing_count": 3,
            "unexpected": [256, 300],
        },
    }
    assert observed_text(r) == "3 missing: 13, 77, 200; 2 unexpected: 256, 300"


def test_storage_empty_lists_first_50(gx_env: Any) -> None:
    r = run_one(gx_env, 0, inventory(storage_buckets=[]))
    assert r.success is False
    assert r.result["observed_value"] == 0
    assert r.result["details"]["missing"] == list(range(50))
    assert r.result["details"]["missing_count"] == 256
    assert observed_text(r) == "256 missing: 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, …"


def test_storage_unavailable_is_an_exception_result(gx_env: Any) -> None:
    reason = "storage buckets unavailable: AccessDenied"
    r = run_one(gx_env, 0, inventory(errors={"storage_buckets": reason}))
    assert_exception(r, reason)


# 2. partitions registered


def registered_details(**overrides: Any) -> dict[str, Any]:
    details = {
        "projection": False,
        "problems": [],
        "registered_count": 256,
        "missing_before": [],
        "missing_before_count": 0,
        "repaired": 0,
        "still_missing": [],
        "still_missing_count": 0,
        "repair_mode": "off",
        "repair_error": None,
    }
    return {**details, **overrides}


def projection(key_type: str, rng: str) -> dict[str, Any]:
    """The inventory's record of a projection, parsed as the monitor parses Glue's settings."""
    template = LOCATION + "id_bucket=${id_bucket}/"
    return Projection(True, key_type, rng, location_template=template).record()


def test_registered_all(gx_env: Any) -> None:
    r = run_one(gx_env, 1, inventory())
    assert r.success is True
    assert r.result == {"observed_value": 256, "details": registered_details()}
    assert observed_text(r) == "256 registered"


def test_registered_missing_without_repair(gx_env: Any) -> None:
    seen = sorted(set(range(N)) - {5, 9})
    r = run_one(gx_env, 1, inventory(registered_buckets_before=seen, registered_buckets=seen))
    assert r.success is False
    assert r.result == {
        "observed_value": 254,
        "details": registered_details(
            registered_count=254,
            missing_before=[5, 9],
            missing_before_count=2,
            still_missing=[5, 9],
            still_missing_count=2,
        ),
    }
    assert observed_text(r) == "2 unregistered: 5, 9 (repair mode off)"


def test_repaired_table_still_fails(gx_env: Any) -> None:
    before = sorted(set(range(N)) - {5, 9})
    inv = inventory(registered_buckets_before=before, repaired=2, repair_mode="repair")
    r = run_one(gx_env, 1, inv)
    assert r.success is False
    assert r.result == {
        "observed_value": 256,
        "details": registered_details(
            missing_before=[5, 9], missing_before_count=2, repaired=2, repair_mode="repair"
        ),
    }
    assert observed_text(r) == "2 unregistered: 5, 9 (2 repaired, 0 still missing)"


def test_projection_valid_needs_no_partition_listing(gx_env: Any) -> None:
    inv = inventory(
        projection=projection("integer", " 0, 255 "),
        registered_buckets=[],
        registered_buckets_before=[],
        errors={"storage_buckets": "storage buckets unavailable: timeout"},
    )
    r = run_one(gx_env, 1, inv)
    assert r.success is True
    assert r.result == {"observed_value": 256, "details": registered_details(projection=True)}
    assert observed_text(r) == "valid projection"


def test_projection_invalid(gx_env: Any) -> None:
    r = run_one(gx_env, 1, inventory(projection=projection("enum", "0,127")))
    assert r.success is False
    problems = [
        "projection.id_bucket.type is enum, expected integer",
        "projection.id_bucket.range is 0,127, expected 0,255",
    ]
    assert r.result == {
        "observed_value": 0,
        "details": registered_details(projection=True, problems=problems, registered_count=0),
    }
    assert observed_text(r) == "invalid projection: " + "; ".join(problems)


def test_registered_unavailable(gx_env: Any) -> None:
    reason = "registered buckets unavailable: glue:GetPartitions denied"
    r = run_one(gx_env, 1, inventory(errors={"registered_buckets": reason}))
    assert_exception(r, reason)


# 3. external Parquet


def test_external_parquet_ok(gx_env: Any) -> None:
    r = run_one(gx_env, 2, inventory(serde="com.example.PARQUETSerDe"))
    assert r.success is True
    assert r.result == {
        "observed_value": {
            "table_type": "EXTERNAL_TABLE",
            "input_format": PARQUET_IN,
            "serde": "com.example.PARQUETSerDe",
        },
        "details": {"problems": []},
    }
    assert observed_text(r) == "EXTERNAL_TABLE, Parquet"


def test_managed_text_table(gx_env: Any) -> None:
    inv = inventory(
        table_type="MANAGED_TABLE",
        input_format="org.apache.hadoop.mapred.TextInputFormat",
        serde="org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe",
    )
    r = run_one(gx_env, 2, inv)
    assert r.success is False
    problems = [
        "TableType is MANAGED_TABLE, expected EXTERNAL_TABLE",
        "InputFormat is org.apache.hadoop.mapred.TextInputFormat, expected a Parquet input format",
        "SerDe is org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe, expected a Parquet SerDe",
    ]
    assert r.result["details"] == {"problems": problems}
    assert r.result["observed_value"]["table_type"] == "MANAGED_TABLE"
    assert observed_text(r) == "; ".join(problems)


# 4. schema contract


@pytest.mark.parametrize(
    ("columns", "keys", "problems"),
    [
        (["customer_user_id", "amount"], [{"name": "ID_BUCKET", "type": "INTEGER"}], []),
        (
            ["amount"],
            [{"name": "id_bucket", "type": "string"}],
            [
                "Customer_User_Id is not a data column",
                "partition key id_bucket is string, expected int",
            ],
        ),
        (
            ["amount"],
            [{"name": "id_bucket", "type": "int"}, {"name": "customer_user_id", "type": "int"}],
            [
                "Customer_User_Id is a partition key, expected a data column",
                "partition keys are (id_bucket, customer_user_id), expected id_bucket only",
            ],
        ),
        (["customer_user_id"], [], ["no partition keys, expected id_bucket int"]),
        (
            ["customer_user_id"],
            [{"name": "bucket", "type": "int"}],
            ["partition key is bucket, expected id_bucket"],
        ),
    ],
)
def test_schema_contract(
    gx_env: Any, columns: list[str], keys: list[dict[str, str]], problems: list[str]
) -> None:
    r = run_one(gx_env, 3, inventory(columns=columns, partition_keys=keys))
    assert r.success is (not problems)
    assert r.result == {"observed_value": problems, "details": {"problems": problems}}
    assert observed_text(r) == ("; ".join(problems) or "contract holds")


# 5. snapshot freshness (as_of 2024-05-10, window 7 days)


@pytest.mark.parametrize(
    ("text", "state", "age", "success", "shown"),
    [
        ("2024-05-05\n", "fresh", 5, True, "2024-05-05 (5 days old)"),
        ("  2024-05-03 ", "fresh", 7, True, "2024-05-03 (7 days old)"),
        ("2024-05-02", "stale", 8, False, "2024-05-02 (8 days old, window 7)"),
        ("2024-06-01", "future", -22, False, "2024-06-01 (22 days in the future)"),
    ],
)
def test_snapshot_dated(
    gx_env: Any, text: str, state: str, age: int, success: bool, shown: str
) -> None:
    r = run_one(gx_env, 4, inventory(snapshot_text=text))
    assert r.success is success
    assert r.result == {
        "observed_value": text.strip(),
        "details": {
            "state": state,
            "age_days": age,
            "window_days": 7,
            "uri": LOCATION + "snapshot_dt.txt",
            "strict": False,
            "text_sample": None,
        },
    }
    assert observed_text(r) == shown


@pytest.mark.parametrize(
    "text",
    [
        "garbage: this marker holds no date at all, honestly",
        "2024-02-30",
        "2024-5-1",
        "2024-05-01\nextra",
    ],
)
def test_snapshot_unparseable(gx_env: Any, text: str) -> None:
    r = run_one(gx_env, 4, inventory(snapshot_text=text))
    assert r.success is False
    assert r.result["observed_value"] is None
    assert r.result["details"]["state"] == "unparseable"
    assert r.result["details"]["age_days"] is None
    assert r.result["details"]["text_sample"] == repr(text[:40])
    assert observed_text(r) == f"unparseable: {text[:40]!r}"


@pytest.mark.parametrize(
    ("strict", "success"),
    [("false", True), (False, True), ("true", False), (True, False), ("TRUE", False)],
)
def test_snapshot_missing(gx_env: Any, strict: Any, success: bool) -> None:
    r = run_one(gx_env, 4, inventory(snapshot_text=None), strict=strict)
    assert r.success is success
    assert r.result == {
        "observed_value": None,
        "details": {
            "state": "missing",
            "age_days": None,
            "window_days": 7,
            "uri": LOCATION + "snapshot_dt.txt",
            "strict": not success,
            "text_sample": None,
        },
    }
    assert config(r).kwargs["strict"] is (not success)


def test_snapshot_as_of_datetime_and_float_window(gx_env: Any) -> None:
    r = run_one(
        gx_env,
        4,
        inventory(snapshot_text="2024-05-01"),
        as_of="2024-05-10T23:30:00",
        freshness_window_days=9.0,
    )
    assert r.success is True
    assert r.result["details"]["age_days"] == 9
    assert config(r).kwargs["as_of"] == "2024-05-10"


def test_snapshot_unreadable(gx_env: Any) -> None:
    reason = "snapshot text unavailable: s3://lake/sales/orders/snapshot_dt.txt: AccessDenied"
    assert_exception(run_one(gx_env, 4, inventory(errors={"snapshot_text": reason})), reason)


# 6. file sizes (1 MB .. 512 MB)


def test_file_sizes(gx_env: Any) -> None:
    sample = [
        sample_file(0, 0, 64 * MB),
        sample_file(0, 1, MB // 2),
        sample_file(1, 0, 512 * MB),
        sample_file(2, 0, 600 * MB),
    ]
    r = run_one(gx_env, 5, inventory(file_sample=sample))
    assert r.success is False
    assert r.result == {
        "observed_value": 2,
        "details": {
            "files_checked": 4,
            "partitions_sampled": 3,
            "issues": [
                "id_bucket=0/part-1.parquet 0.50MB < 1MB",
                "id_bucket=2/part-0.parquet 600.00MB > 512MB",
            ],
        },
    }
    assert observed_text(r) == "2 of 4 files out of range"


def test_file_sizes_ok_and_issue_cap(gx_env: Any) -> None:
    r = run_one(gx_env, 5, inventory())
    assert r.success is True
    assert r.result == {
        "observed_value": 0,
        "details": {"files_checked": 1, "partitions_sampled": 1, "issues": []},
    }
    assert observed_text(r) == "1 file in range"
    tiny = [sample_file(b % 5, b, 1000) for b in range(30)]
    r = run_one(gx_env, 5, inventory(file_sample=tiny), min_mb="0.5")
    assert r.result["observed_value"] == 30
    assert len(r.result["details"]["issues"]) == 20
    assert r.result["details"]["issues"][0] == "id_bucket=0/part-0.parquet 0.00MB < 0.5MB"


def test_file_sample_unavailable(gx_env: Any) -> None:
    reason = "file sample unavailable: ListObjectsV2 denied"
    assert_exception(run_one(gx_env, 5, inventory(errors={"file_sample": reason})), reason)


# Data Docs


def filled(contents: list[Any]) -> str:
    """The sentence a string-template block shows, ``$params`` substituted."""
    (block,) = contents
    template = block.string_template
    return Template(template["template"]).safe_substitute(template["params"])


SENTENCES = {
    "ExpectIdBucketPartitionsInStorage": "All 256 id_bucket partitions must be present in storage.",
    "ExpectIdBucketPartitionsRegistered": "All 256 id_bucket partitions in storage must be registered in the catalog "
    "(or covered by a valid partition projection).",
    "ExpectTableToBeExternalParquet": "The table must be an EXTERNAL_TABLE stored as Parquet (Parquet input format and SerDe).",
    "ExpectTableSchemaContract": "Customer_User_Id must be a data column and id_bucket the only partition key, "
    "of type INT.",
    "ExpectSnapshotToBeFresh": "The snapshot date in snapshot_dt.txt must be at most 7 days old on 2024-05-10 "
    "(strict: False).",
    "ExpectFileSizesInRange": "Data files in up to 5 sampled partitions must be between 1.0 MB and 512.0 MB.",
}


def test_prescriptive_sentences(gx_env: Any) -> None:
    run = validate(gx_env, all_six(), inventory())
    assert run.success is True
    sentences = {}
    for r in run.results:
        cls = type(config(r).to_domain_obj())
        sentences[cls.__name__] = filled(cls._prescriptive_renderer(result=r))
    assert sentences == SENTENCES


def test_validation_page_html(gx_env: Any) -> None:
    reason = "file sample unavailable: ListObjectsV2 denied"
    inv = inventory(
        storage_buckets=sorted(set(range(N)) - {13, 77, 200}), errors={"file_sample": reason}
    )
    run = validate(gx_env, all_six(), inv)
    html = DefaultJinjaPageView().render(ValidationResultsPageRenderer().render(run))
    # No raw expect_x(**{...}) badge; GX itself names the type only in "... raised an exception".
    assert not re.search(r"expect_\w+\(", html)
    assert "expect_file_sizes_in_range</span> raised an exception" in html
    # Parameters are wrapped in badge spans: compare the text a reader sees. The page prints
    # numbers its own way (1.0 -> "1").
    page = " ".join(re.sub(r"<[^>]+>", "", html).split())
    sentences = [s.replace("1.0 MB and 512.0 MB", "1 MB and 512 MB") for s in SENTENCES.values()]
    for text in [
        *sentences,
        "3 missing: 13, 77, 200",
        "256 registered",
        "EXTERNAL_TABLE, Parquet",
        "contract holds",
        "2024-05-05 (5 days old)",
        reason,
    ]:
        assert text in page


@pytest.mark.parametrize(
    ("cls", "result", "text"),
    [
        (ce.ExpectPrimaryKeyValuesToNotBeNull, {"observed_value": 5, "details": {}}, "5 NULL rows"),
        (ce.ExpectPrimaryKeyValuesToNotBeNull, {"observed_value": 1, "details": {}}, "1 NULL row"),
        (
            ce.ExpectPrimaryKeyValuesToBeUnique,
            {"observed_value": 10, "details": {"duplicate_keys": 5}},
            "10 duplicate rows (5 keys)",
        ),
        (
            ce.ExpectRowCountToMatchSource,
            {"observed_value": {"part": 999_950, "source": 1_000_000, "diff_pct": 0.005}},
            "999,950 vs 1,000,000 (0.005000%)",
        ),
        (
            ce.ExpectRowCountToMatchSource,
            {"observed_value": {"part": 3, "source": 0, "diff_pct": "inf"}},
            "3 vs 0 (inf%)",
        ),
    ],
)
def test_data_expectations_observed_value(cls: Any, result: dict[str, Any], text: str) -> None:
    type_name = cls.__name__
    snake = "".join(f"_{c.lower()}" if c.isupper() else c for c in type_name).lstrip("_")
    impl = get_renderer_impl(snake, LegacyDiagnosticRendererType.OBSERVED_VALUE)
    assert impl is not None
    assert impl[1](result=ExpectationValidationResult(success=False, result=result)) == text
    assert impl[1](result=None) == "--"
