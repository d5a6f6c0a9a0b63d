"""A catalog of GX's built-in expectations over one awkward table, and GX's own pandas verdicts.

The table ``part_types`` has string, bigint, double, date, timestamp and boolean columns with
NULLs, blanks, padded and mixed-case strings, negative numbers and a partition column. Each
catalog entry's kwargs are chosen so that some expectations pass and others fail with known
counts. The oracle is GX itself: the same expectation over the same rows in a pandas DataFrame.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import great_expectations as gx
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from great_expectations.data_context.types.base import ProgressBarsConfig

from data_monitor.demo.lakegen import build_lake
from data_monitor.demo.specs import TableSpec

DATABASE = "omc_types"
BUCKET = "types-lake"
REPORT_BUCKET = "types-reports"
TABLE = "part_types"
OTHER = "part_other"  # a table of the same database that is not the count source
AS_OF = dt.date(2026, 11, 20)
BUCKETS = 4
ROWS = 48
OTHER_ROWS = 20

NAMES = ["alpha", "Beta", " gamma", "delta ", "", None, "epsilon", "ALPHA", "zeta\t", "eta"]

SCHEMA = pa.schema(
    [
        ("customer_user_id", pa.string()),
        ("name", pa.string()),
        ("code", pa.string()),
        ("qty", pa.int64()),
        ("qty_next", pa.int64()),
        ("price", pa.float64()),
        ("day", pa.date32()),
        ("ts", pa.timestamp("us")),
        ("active", pa.bool_()),
    ]
)
GLUE_TYPES = {
    "customer_user_id": "string",
    "name": "string",
    "code": "string",
    "qty": "bigint",
    "qty_next": "bigint",
    "price": "double",
    "day": "date",
    "ts": "timestamp",
    "active": "boolean",
}


def row(i: int) -> dict[str, Any]:
    qty = None if i % 11 == 5 else i * 3 - 10
    return {
        "customer_user_id": f"u{i:03d}",
        "name": NAMES[i % len(NAMES)],
        "code": None if i % 9 == 4 else f"{'AB' if i % 3 else 'ab'}-{(i * 7) % 1000:03d}",
        "qty": qty,
        "qty_next": None if qty is None else qty + (1 if i % 5 else -1),
        "price": None if i % 13 == 7 else round(i * 1.25, 2),
        "day": dt.date(2026, 11, 1) + dt.timedelta(days=i % 20),
        "ts": dt.datetime(2026, 11, 1) + dt.timedelta(hours=i),
        "active": None if i % 17 == 3 else i % 4 != 0,
    }


def rows() -> list[dict[str, Any]]:
    return [row(i) for i in range(ROWS)]


def frame() -> pd.DataFrame:
    """The table's rows as pandas reads the Parquet files (with the partition column)."""
    data = pa.Table.from_pylist(rows(), schema=SCHEMA).to_pandas()
    data["id_bucket"] = [i % BUCKETS for i in range(ROWS)]
    return data


def build(warehouse: Path) -> None:
    """The lake: part_types (this module's rows in 4 partitions) with its ext_ source, and
    part_other (generated rows), each table's Glue columns as declared here."""
    specs = [TableSpec("types", ROWS, BUCKETS), TableSpec("other", OTHER_ROWS, BUCKETS)]
    build_lake(warehouse, DATABASE, BUCKET, specs, as_of=AS_OF)
    folder = warehouse / "s3" / BUCKET / "tables" / TABLE
    for bucket in range(BUCKETS):
        part = [r for i, r in enumerate(rows()) if i % BUCKETS == bucket]
        (file,) = sorted((folder / f"id_bucket={bucket}").glob("*.parquet"))
        pq.write_table(pa.Table.from_pylist(part, schema=SCHEMA), file)
    columns = [{"Name": n, "Type": t} for n, t in GLUE_TYPES.items()]
    glue = warehouse / "glue" / DATABASE
    table_file, parts_file = glue / f"{TABLE}.json", glue / f"{TABLE}.partitions.json"
    described, parts = json.loads(table_file.read_text()), json.loads(parts_file.read_text())
    for descriptor in [described["StorageDescriptor"]] + [p["StorageDescriptor"] for p in parts]:
        descriptor["Columns"] = columns
    table_file.write_text(json.dumps(described))
    parts_file.write_text(json.dumps(parts))


@dataclass(frozen=True)
class Entry:
    type: str
    kwargs: dict[str, Any]
    # a pandas oracle cannot compute it: LIKE (GX has no pandas LIKE; the oracle is the
    # regex GX's pandas runs for the same pattern), type names (pandas dtypes), other tables
    oracle: str = "pandas"
    # where GX's own SQL implementation disagrees with its pandas one (on every SQL database):
    # GX's SQL verdict, which the monitor gives on both backends, and why
    sql_verdict: dict[str, Any] | None = None
    why: str = ""

    def config(self) -> dict[str, Any]:
        return {"type": self.type, "kwargs": self.kwargs}


def like_to_regex(pattern: str) -> str:
    """A SQL LIKE pattern as the regex that matches the same strings (whole string)."""
    out = "".join(".*" if c == "%" else "." if c == "_" else re.escape(c) for c in pattern)
    return f"^{out}$"


E = Entry
CATALOG: list[Entry] = [
    # table
    E("expect_table_row_count_to_be_between", {"min_value": 1, "max_value": 100}),
    E("expect_table_row_count_to_be_between", {"min_value": 50}),
    E("expect_table_row_count_to_equal", {"value": ROWS}),
    E("expect_table_row_count_to_equal", {"value": 47}),
    E("expect_table_column_count_to_equal", {"value": 10}),
    E("expect_table_column_count_to_be_between", {"min_value": 1, "max_value": 5}),
    E("expect_table_columns_to_match_set", {"column_set": [*GLUE_TYPES, "id_bucket"]}),
    E("expect_table_columns_to_match_set", {"column_set": ["name", "qty"], "exact_match": True}),
    E("expect_table_columns_to_match_ordered_list", {"column_list": [*GLUE_TYPES, "id_bucket"]}),
    E("expect_table_columns_to_match_ordered_list", {"column_list": ["qty", "name"]}),
    E("expect_table_row_count_to_equal_other_table", {"other_table_name": OTHER}, "count"),
    E("expect_column_to_exist", {"column": "price"}),
    E("expect_column_to_exist", {"column": "missing_column"}),
    # column map
    E("expect_column_values_to_not_be_null", {"column": "name"}),
    E("expect_column_values_to_not_be_null", {"column": "customer_user_id"}),
    E("expect_column_values_to_be_null", {"column": "code"}),
    E("expect_column_values_to_be_between", {"column": "qty", "min_value": 0, "max_value": 100}),
    E("expect_column_values_to_be_between", {"column": "price", "min_value": 10.0}),
    E("expect_column_values_to_be_in_set", {"column": "name", "value_set": ["alpha", "Beta"]}),
    E("expect_column_values_to_not_be_in_set", {"column": "name", "value_set": ["", "eta"]}),
    E("expect_column_values_to_be_in_set", {"column": "active", "value_set": [True]}),
    E("expect_column_values_to_be_unique", {"column": "customer_user_id"}),
    E("expect_column_values_to_be_unique", {"column": "name"}),
    E("expect_column_values_to_match_regex", {"column": "code", "regex": "^AB-"}),
    E("expect_column_values_to_match_regex", {"column": "name", "regex": "a"}),
    E("expect_column_values_to_not_match_regex", {"column": "name", "regex": r"\s"}),
    E("expect_column_values_to_match_regex_list", {"column": "code", "regex_list": ["^ab", "7$"]}),
    E(
        "expect_column_values_to_match_regex_list",
        {"column": "code", "regex_list": ["-", "^A"], "match_on": "all"},
    ),
    E(
        "expect_column_values_to_not_match_regex_list",
        {"column": "name", "regex_list": ["^$", "t"]},
    ),
    E("expect_column_values_to_match_like_pattern", {"column": "code", "like_pattern": "AB-%"}),
    E("expect_column_values_to_not_match_like_pattern", {"column": "name", "like_pattern": "%a"}),
    E(
        "expect_column_values_to_match_like_pattern_list",
        {"column": "code", "like_pattern_list": ["ab%", "%_1_"]},
    ),
    E(
        "expect_column_values_to_not_match_like_pattern_list",
        {"column": "name", "like_pattern_list": ["%ta", "A%"]},
    ),
    E(
        "expect_column_value_lengths_to_be_between",
        {"column": "name", "min_value": 3, "max_value": 5},
    ),
    E("expect_column_value_lengths_to_equal", {"column": "code", "value": 6}),
    E("expect_column_values_to_be_of_type", {"column": "qty", "type_": "bigint"}, "type"),
    E("expect_column_values_to_be_of_type", {"column": "name", "type_": "BIGINT"}, "type"),
    E(
        "expect_column_values_to_be_in_type_list",
        {"column": "price", "type_list": ["double", "float"]},
        "type",
    ),
    E(
        "expect_column_values_to_be_in_type_list",
        {"column": "day", "type_list": ["timestamp"]},
        "type",
    ),
    # column aggregate
    E("expect_column_min_to_be_between", {"column": "qty", "min_value": -10, "max_value": 0}),
    E("expect_column_max_to_be_between", {"column": "price", "max_value": 50}),
    E("expect_column_mean_to_be_between", {"column": "qty", "min_value": 50, "max_value": 70}),
    E("expect_column_median_to_be_between", {"column": "price", "min_value": 0, "max_value": 10}),
    E("expect_column_sum_to_be_between", {"column": "qty", "min_value": 0, "max_value": 2000}),
    E("expect_column_stdev_to_be_between", {"column": "price", "min_value": 1, "max_value": 100}),
    E("expect_column_unique_value_count_to_be_between", {"column": "name", "max_value": 5}),
    E(
        "expect_column_proportion_of_unique_values_to_be_between",
        {"column": "customer_user_id", "min_value": 1.0},
    ),
    E(
        "expect_column_proportion_of_non_null_values_to_be_between",
        {"column": "price", "min_value": 0.99},
    ),
    E("expect_column_distinct_values_to_be_in_set", {"column": "active", "value_set": [True]}),
    E(
        "expect_column_distinct_values_to_contain_set",
        {"column": "name", "value_set": ["alpha", "Beta"]},
    ),
    E(
        "expect_column_distinct_values_to_equal_set",
        {"column": "active", "value_set": [True, False]},
    ),
    E("expect_column_most_common_value_to_be_in_set", {"column": "name", "value_set": ["alpha"]}),
    E(
        "expect_column_quantile_values_to_be_between",
        {
            "column": "qty",
            "quantile_ranges": {"quantiles": [0.25, 0.5], "value_ranges": [[0, 40], [60, 70]]},
        },
        sql_verdict={
            "success": False,
            "observed_value": {"quantiles": [0.25, 0.5], "values": [23, 59]},
        },
        why="GX's SQL quantile is percentile_disc (a value of the column), pandas' is 'nearest'",
    ),
    E("expect_column_min_to_be_between", {"column": "day", "min_value": "2026-11-02"}),
    # column pair and multicolumn
    E("expect_column_pair_values_to_be_equal", {"column_A": "qty", "column_B": "qty_next"}),
    E(
        "expect_column_pair_values_a_to_be_greater_than_b",
        {"column_A": "qty_next", "column_B": "qty"},
    ),
    E(
        "expect_column_pair_values_to_be_in_set",
        {"column_A": "name", "column_B": "active", "value_pairs_set": [["alpha", False]]},
        sql_verdict={"success": False, "unexpected_count": 45},
        why="in GX's SQL a pair with one NULL compares as unknown, so it is not counted",
    ),
    E(
        "expect_compound_columns_to_be_unique",
        {"column_list": ["name", "active"]},
        sql_verdict={"success": False, "unexpected_count": 40},
        why="GX's SQL joins the duplicated combinations back on equality: NULLs never match",
    ),
    E("expect_compound_columns_to_be_unique", {"column_list": ["customer_user_id", "name"]}),
    E(
        "expect_select_column_values_to_be_unique_within_record",
        {"column_list": ["qty", "qty_next"]},
    ),
    E("expect_multicolumn_sum_to_equal", {"column_list": ["qty", "qty_next"], "sum_total": 1}),
    E("expect_multicolumn_values_to_be_equal", {"column_list": ["qty", "qty_next"]}),
    E(
        "expect_column_value_z_scores_to_be_less_than",
        {"column": "price", "threshold": 1.5, "double_sided": True},
    ),
    E(
        "expect_column_values_to_not_be_outliers",
        {"column": "qty", "method": "iqr", "multiplier": 1.5},
    ),
    E("expect_column_type_to_be", {"column": "ts", "type_": "timestamp"}, "type"),
    E(
        "expect_column_kl_divergence_to_be_less_than",
        {
            "column": "qty",
            "partition_object": {"bins": [-10, 50, 200], "weights": [0.5, 0.5]},
            "threshold": 0.1,
        },
    ),
    E(
        "unexpected_rows_expectation",
        {"unexpected_rows_query": "SELECT * FROM {batch} WHERE qty < 0"},
    ),
]
# pandas or Spark only in GX 1.24 (no SQL metric): `suites check` refuses them
NOT_ON_SQL = [
    E("expect_column_values_to_be_dateutil_parseable", {"column": "name"}),
    E("expect_column_values_to_be_increasing", {"column": "qty"}),
    E("expect_column_values_to_be_decreasing", {"column": "qty"}),
    E("expect_column_values_to_be_json_parseable", {"column": "name"}),
    E("expect_column_values_to_match_json_schema", {"column": "name", "json_schema": {}}),
    E("expect_column_values_to_match_strftime_format", {"column": "name", "strftime_format": "%Y"}),
]
# built-in types the catalog does not run, and why
NOT_RUN = {
    "expect_query_results_to_match_comparison": "compares with a second data source; "
    "the monitor's context has one (the tables)",
}


def pandas_result(entry: Entry, data: pd.DataFrame) -> dict[str, Any]:
    """GX's own result for ``entry`` over ``data`` (a LIKE entry as its regex twin)."""
    config = entry.config()
    kwargs = dict(config["kwargs"])
    if "like_pattern" in entry.type:
        single = kwargs.pop("like_pattern", None)
        patterns = kwargs.pop("like_pattern_list", None)
        kind = entry.type.replace("like_pattern", "regex")
        if single is not None:
            kwargs["regex"] = like_to_regex(single)
        else:
            kwargs["regex_list"] = [like_to_regex(p) for p in patterns or []]
        config = {"type": kind, "kwargs": kwargs}
    if entry.type == "unexpected_rows_expectation":
        # the same condition as a pandas query of the same rows
        unexpected = int((data["qty"] < 0).sum())
        return {"success": unexpected == 0, "result": {"observed_value": unexpected}}
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    batch = (
        context.data_sources.add_pandas("oracle")
        .add_dataframe_asset("rows")
        .add_batch_definition_whole_dataframe("all")
        .get_batch(batch_parameters={"dataframe": data})
    )
    expectation = _expectation(config)
    result = batch.validate(expectation, result_format="BASIC").to_json_dict()
    return {"success": result["success"], "result": result.get("result") or {}}


def _expectation(config: dict[str, Any]) -> Any:
    from great_expectations.expectations.expectation_configuration import (
        ExpectationConfiguration,
    )

    return ExpectationConfiguration(type=config["type"], kwargs=config["kwargs"]).to_domain_obj()


def verdict(result: dict[str, Any]) -> dict[str, Any]:
    """What must be identical: the verdict, and GX's count or observed value."""
    found = result.get("result") or {}
    if "unexpected_count" in found:
        return {"success": result["success"], "unexpected_count": found["unexpected_count"]}
    return {
        "success": result["success"],
        "observed_value": _comparable(found.get("observed_value")),
    }


def _comparable(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, 9)
    if isinstance(value, list):
        return [_comparable(v) for v in value]
    if isinstance(value, dict):
        return {k: _comparable(v) for k, v in value.items()}
    return value


def count_queries(warehouse: Path) -> tuple[dict[int, int], int]:
    """SQL statements GX sends on the local backend's DuckDB for each catalog entry validated
    alone, and for the whole catalog as one suite (what a run sends for it per table)."""
    import sqlalchemy as sa

    from data_monitor.backends import make_backend
    from data_monitor.model.settings import Settings
    from data_monitor.model.stop_control import StopControl
    from data_monitor.validation import datasource  # noqa: F401  (registers catalog_sql)
    from data_monitor.validation.context import build_context
    from data_monitor.validation.runner import RESULT_FORMAT

    settings = Settings(database=DATABASE, report_bucket=REPORT_BUCKET, warehouse=warehouse)
    backend = make_backend(settings, StopControl())
    statements: list[str] = []
    try:
        table = backend.catalog.get_table(DATABASE, TABLE)
        assert table is not None
        backend.engine.expose(table)
        context = build_context(None, None)
        batch = (
            context.data_sources.add_catalog_sql(
                name="count",
                connection_string=backend.engine.connection_string(),
                create_temp_table=False,
                kwargs=backend.engine.engine_kwargs(),
            )
            .add_table_asset(name="t", table_name=TABLE, schema_name=DATABASE)
            .add_batch_definition_whole_table("whole")
            .get_batch()
        )

        def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
            statements.append(statement)

        sa.event.listen(sa.engine.Engine, "before_cursor_execute", record)
        try:
            alone = {}
            for index, entry in enumerate(CATALOG):
                statements.clear()
                batch.validate(_expectation(entry.config()), result_format=RESULT_FORMAT)
                alone[index] = len(statements)
            statements.clear()
            suite = gx.ExpectationSuite(
                name="catalog", expectations=[_expectation(e.config()) for e in CATALOG]
            )
            batch.validate(suite, result_format=RESULT_FORMAT)
            together = len(statements)
        finally:
            sa.event.remove(sa.engine.Engine, "before_cursor_execute", record)
    finally:
        backend.close()
    return alone, together


def builtin_types() -> list[str]:
    """Every expectation type GX 1.24 itself registers (not the monitor's own)."""
    from great_expectations.expectations.registry import (
        get_expectation_impl,
        list_registered_expectation_implementations,
    )

    return sorted(
        t
        for t in list_registered_expectation_implementations()
        if get_expectation_impl(t).__module__.startswith("great_expectations.")
    )


def readme_table(alone: dict[int, int]) -> str:
    """The README's table of GX's built-in types: whether each runs on both backends, how its
    result compares with GX's pandas result, and the queries it costs per table alone."""
    lines = [
        "| expectation type | local (DuckDB) and aws (Athena) | SQL queries per table, alone |",
        "|---|---|---|",
    ]
    refused = {e.type for e in NOT_ON_SQL}
    for kind in builtin_types():
        entries = [(i, e) for i, e in enumerate(CATALOG) if e.type == kind]
        if entries:
            counts = sorted({alone[i] for i, _ in entries})
            cost = str(counts[0]) if len(counts) == 1 else f"{counts[0]}-{counts[-1]}"
            lines.append(f"| `{kind}` | {_status(e for _, e in entries)} | {cost} |")
        elif kind in refused:
            lines.append(
                f"| `{kind}` | refused by `suites check`: GX computes it with pandas "
                "or Spark only | - |"
            )
        else:
            lines.append(f"| `{kind}` | not run here: {NOT_RUN[kind]} | - |")
    return "\n".join(lines) + "\n"


def _status(entries: Any) -> str:
    entries = list(entries)
    differs = [e.why for e in entries if e.sql_verdict is not None]
    if differs:
        return f"runs, identical on both; GX's SQL result, not its pandas one: {differs[0]}"
    kinds = {e.oracle for e in entries}
    if kinds == {"type"}:
        return "runs, identical on both; compares the Glue type (`bigint`, `string`, ...)"
    if kinds == {"count"}:
        return "runs, identical on both; reads the other table of the Glue database"
    return "runs, identical on both and to GX's pandas result"
