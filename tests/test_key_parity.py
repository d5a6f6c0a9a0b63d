"""Same keys, same verdict: the key scan on DuckDB (local backend) and on Athena (aws backend,
the local Athena endpoint), checked against counts derived by hand and against GX's own pandas
expectations over the same keys.

The awkward keys are NULLs, empty strings, keys made only of spaces, tabs, line ends or
no-break spaces, keys that differ from another only by such a character (' a' and 'a'), and
invisible characters outside the blank set. A numeric key column runs through the same scan.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import duckdb
import great_expectations as gx
import great_expectations.expectations as gxe
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import sqlalchemy as sa
import sqlglot
from pyathena.sqlalchemy.rest import AthenaRestDialect

import custom_expectations as ce
from custom_expectations.metrics.key_profile import BLANK_CHARACTERS, key_profile_query
from data_monitor.backends.local.dialect import ReadOnlyDuckDBDialect
from data_monitor.demo.lakegen import build_lake
from data_monitor.demo.specs import TableSpec
from tests.aws_lake import prepare_account
from tests.conftest import RunCli, flag_args

DATABASE = "omc_keys"
BUCKET = "keys-lake"
REPORT_BUCKET = "keys-reports"
RESULTS = "s3://test-athena/results/"
REGION = "us-east-1"
AS_OF = dt.date(2026, 11, 20)
BUCKETS = 4
PK = "customer_user_id"

BLANK, UNIQUE, DUPLICATE = "blank", "unique", "duplicate"

# (key, rows carrying it, what each of those rows must count as)
STRING_KEYS: list[tuple[str | None, int, str]] = [
    (None, 2, BLANK),
    ("", 2, BLANK),
    (" ", 1, BLANK),
    ("   ", 1, BLANK),
    ("\t", 1, BLANK),  # Trino's trim() removes it, DuckDB's does not
    ("\n", 1, BLANK),
    ("\r", 1, BLANK),
    ("\r\n", 1, BLANK),
    ("\x0b\x0c", 1, BLANK),  # VT, FF
    ("\u00a0", 2, BLANK),  # DuckDB's trim() removes it, Trino's does not; blank, not a duplicate
    (" \t\u00a0\r\n", 1, BLANK),
    ("a", 2, DUPLICATE),
    (" a", 1, UNIQUE),  # not 'a': a clean-room join compares raw values
    ("a ", 1, UNIQUE),
    ("a\t", 1, UNIQUE),
    ("\u00a0a", 2, DUPLICATE),
    ("b", 1, UNIQUE),
    ("b\r", 1, UNIQUE),
    ("c", 3, DUPLICATE),
    ("x y", 1, UNIQUE),  # an inner space is part of the value
    ("\u2003", 2, DUPLICATE),  # EM SPACE is outside the blank set: a value, here repeated
    ("\u200b", 1, UNIQUE),  # ZERO WIDTH SPACE likewise
]
# By hand: blank 2+2+1+1+1+1+1+1+1+2+1 = 14 rows; duplicate 2 ('a') + 2 ('\u00a0a') + 3 ('c')
# + 2 ('\u2003') = 9 rows of 4 keys; unique 7 rows; 14 + 9 + 7 = 30 rows.
STRING_EXPECTED = {"pk_nulls": 14, "pk_dupes": 9, "duplicate_keys": 4, "count": 30}

NUMBER_KEYS: list[tuple[int | None, int, str]] = [
    (None, 2, BLANK),
    (0, 1, UNIQUE),
    (-1, 2, DUPLICATE),
    (7, 3, DUPLICATE),
    (10, 1, UNIQUE),
    (2**53, 1, UNIQUE),
    (2**53 + 1, 1, UNIQUE),  # through a double it would be 2**53's duplicate
]
# By hand: NULL 2 rows; duplicate 2 (-1) + 3 (7) = 5 rows of 2 keys; unique 4; 11 rows.
NUMBER_EXPECTED = {"pk_nulls": 2, "pk_dupes": 5, "duplicate_keys": 2, "count": 11}

TABLES = {"part_keys": STRING_EXPECTED, "part_numkeys": NUMBER_EXPECTED}
BOTH_KEY_COLUMNS = pytest.mark.parametrize(
    ("keys", "expected"),
    [(STRING_KEYS, STRING_EXPECTED), (NUMBER_KEYS, NUMBER_EXPECTED)],
    ids=["string-key", "bigint-key"],
)


def rows_of(keys: list[tuple[Any, int, str]]) -> list[Any]:
    """One entry per row, in a fixed shuffled order, so a key's copies span partitions."""
    rows = [key for key, copies, _ in keys for _ in range(copies)]
    random.Random(7).shuffle(rows)
    return rows


# --------------------------------------------------------------------------- the definition


def test_the_blank_set_is_the_documented_one() -> None:
    assert sorted(BLANK_CHARACTERS) == sorted(" \t\n\r\x0b\x0c\u00a0")


@BOTH_KEY_COLUMNS
def test_hand_derived_totals_match_the_key_table(
    keys: list[tuple[Any, int, str]], expected: dict[str, int]
) -> None:
    def rows(verdict: str) -> int:
        return sum(copies for _, copies, v in keys if v == verdict)

    assert rows(BLANK) == expected["pk_nulls"]
    assert rows(DUPLICATE) == expected["pk_dupes"]
    assert sum(1 for _, _, v in keys if v == DUPLICATE) == expected["duplicate_keys"]
    assert sum(copies for _, copies, _ in keys) == expected["count"]


# --------------------------------------------------------------------------- GX's pandas oracle

# Blank, written independently of the scan's translate(): the whole value is blank characters.
BLANK_REGEX = "^[ \t\n\r\x0b\x0c\u00a0]*$"


def _validate(frame: pd.DataFrame, expectation: Any) -> dict[str, Any]:
    context = gx.get_context(mode="ephemeral")
    asset = context.data_sources.add_pandas("oracle").add_dataframe_asset("keys")
    batch = asset.add_batch_definition_whole_dataframe("all").get_batch(
        batch_parameters={"dataframe": frame}
    )
    result = batch.validate(expectation, result_format="SUMMARY")
    assert not result.exception_info.get("raised_exception"), result.exception_info
    return dict(result.result)


def _gx_counts(column: pd.Series) -> dict[str, int]:
    """PK NULLs, duplicates and rows by GX's built-in pandas expectations, mapped to the
    definitions: NULL rows + blank rows; duplicates among the keys that are neither."""
    frame = pd.DataFrame({"k": column})
    nulls = _validate(frame, gxe.ExpectColumnValuesToNotBeNull(column="k"))["unexpected_count"]
    as_text = column.astype("string")
    blanks = _validate(
        pd.DataFrame({"k": as_text}),
        gxe.ExpectColumnValuesToNotMatchRegex(column="k", regex=BLANK_REGEX),
    )["unexpected_count"]
    keys = as_text.mask(as_text.str.fullmatch(BLANK_REGEX).fillna(True).astype(bool))
    dupes = _validate(pd.DataFrame({"k": keys}), gxe.ExpectColumnValuesToBeUnique(column="k"))
    rows = _validate(frame, gxe.ExpectTableRowCountToBeBetween(min_value=0))["observed_value"]
    return {"pk_nulls": nulls + blanks, "pk_dupes": dupes["unexpected_count"], "count": rows}


def _frame_column(keys: list[tuple[Any, int, str]]) -> pd.Series:
    rows = rows_of(keys)
    numeric = all(k is None or isinstance(k, int) for k in rows)
    return pd.Series(rows, dtype="Int64" if numeric else "string")


@BOTH_KEY_COLUMNS
def test_gx_pandas_expectations_agree_with_the_hand_counts(
    keys: list[tuple[Any, int, str]], expected: dict[str, int]
) -> None:
    got = _gx_counts(_frame_column(keys))
    assert got == {k: expected[k] for k in ("pk_nulls", "pk_dupes", "count")}


@BOTH_KEY_COLUMNS
def test_our_expectations_on_pandas_give_the_hand_counts(
    keys: list[tuple[Any, int, str]], expected: dict[str, int]
) -> None:
    frame = pd.DataFrame({PK: _frame_column(keys)})
    nulls = _validate(frame, ce.ExpectPrimaryKeyValuesToNotBeNull(pk_column=PK))
    unique = _validate(frame, ce.ExpectPrimaryKeyValuesToBeUnique(pk_column=PK))
    assert nulls["observed_value"] == expected["pk_nulls"]
    assert unique["observed_value"] == expected["pk_dupes"]
    assert unique["details"]["duplicate_keys"] == expected["duplicate_keys"]
    assert unique["details"]["row_count"] == expected["count"]


# --------------------------------------------------------------------------- the SQL, both dialects


def _scan_sql(dialect: Any) -> str:
    table = sa.table("part_x", sa.column(PK), sa.column("id_bucket"), schema="db")
    query = key_profile_query(table, PK, "id_bucket")
    return str(query.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))


def _run_on_duckdb(sql: str, keys: list[tuple[Any, int, str]]) -> dict[str, int]:
    rows = rows_of(keys)
    numeric = all(k is None or isinstance(k, int) for k in rows)
    data = pa.table(
        {
            PK: pa.array(rows, type=pa.int64() if numeric else pa.string()),
            "id_bucket": pa.array([i % BUCKETS for i in range(len(rows))], type=pa.int32()),
        }
    )
    con = duckdb.connect()
    try:
        con.register("keys", data)
        con.execute("CREATE SCHEMA db")
        con.execute("CREATE TABLE db.part_x AS SELECT * FROM keys")
        cursor = con.execute(sql)
        names = [d[0] for d in cursor.description or []]
        row = dict(zip(names, cursor.fetchone() or (), strict=True))
    finally:
        con.close()
    return {
        "pk_nulls": row["null_rows"],
        "pk_dupes": row["duplicate_rows"],
        "duplicate_keys": row["duplicate_keys"],
        "count": row["row_count"],
    }


def _athena_sql_as_the_local_endpoint_runs_it() -> str:
    """pyathena's SQL, transpiled as tests/harness/local_athena_sql.py does (athena -> duckdb)."""
    return sqlglot.transpile(_scan_sql(AthenaRestDialect()), read="athena", write="duckdb")[0]


def test_the_athena_sql_uses_no_trim_and_transpiles_function_for_function() -> None:
    athena = _scan_sql(AthenaRestDialect())
    local = _athena_sql_as_the_local_endpoint_runs_it()
    assert "trim" not in athena.lower() and "trim" not in local.lower()
    blank_set = " || ".join(f"chr({ord(c)})" for c in BLANK_CHARACTERS)
    assert f"translate(CAST({PK} AS VARCHAR), ({blank_set}), '')" in athena
    assert f"TRANSLATE(CAST({PK} AS TEXT), ({blank_set.upper()}), '')" in local
    assert "GROUPING SETS" in athena and "GROUPING SETS" in local
    # the raw key column is grouped; blank or not is decided per group, translate() only for
    # the keys whose first character is a blank one
    assert f"GROUPING SETS(({PK}), (id_bucket))" in athena
    assert f"substr(CAST({PK} AS VARCHAR), 1, 1) NOT IN (" in athena
    assert athena.count("SELECT") == local.count("SELECT") == 2  # one scan, no extra query


@BOTH_KEY_COLUMNS
def test_both_dialects_sql_gives_the_hand_counts(
    keys: list[tuple[Any, int, str]], expected: dict[str, int]
) -> None:
    assert _run_on_duckdb(_scan_sql(ReadOnlyDuckDBDialect()), keys) == expected
    assert _run_on_duckdb(_athena_sql_as_the_local_endpoint_runs_it(), keys) == expected


# --------------------------------------------------------------------------- both backends, end to end


def _write_keys(warehouse: Path, table: str, rows: list[Any], kind: pa.DataType) -> None:
    """Replace the generated key column of ``table``'s files with ``rows``, in file order."""
    files = sorted((warehouse / "s3" / BUCKET / "tables" / table).glob("id_bucket=*/*.parquet"))
    start = 0
    for path in files:
        data = pq.read_table(path)
        chunk = rows[start : start + data.num_rows]
        start += data.num_rows
        column = data.schema.get_field_index(PK)
        data = data.set_column(column, pa.field(PK, kind), pa.array(chunk, type=kind))
        pq.write_table(data, path)
    assert start == len(rows), (table, start, len(rows))


def _declare_key_type(warehouse: Path, table: str, glue_type: str) -> None:
    """Set the key column's Glue type in the table and in each of its partitions."""
    glue = warehouse / "glue" / DATABASE
    table_file, parts_file = glue / f"{table}.json", glue / f"{table}.partitions.json"
    described = json.loads(table_file.read_text())
    parts = json.loads(parts_file.read_text())
    for descriptor in [described["StorageDescriptor"]] + [p["StorageDescriptor"] for p in parts]:
        for column in descriptor["Columns"]:
            if column["Name"] == PK:
                column["Type"] = glue_type
    table_file.write_text(json.dumps(described))
    parts_file.write_text(json.dumps(parts))


@pytest.fixture(scope="module")
def key_lake(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A two-table lake: part_keys (string key) and part_numkeys (bigint key), each with its
    ext_ source of the same row count."""
    warehouse = tmp_path_factory.mktemp("key-lake") / "warehouse"
    strings, numbers = rows_of(STRING_KEYS), rows_of(NUMBER_KEYS)
    specs = [TableSpec("keys", len(strings), BUCKETS), TableSpec("numkeys", len(numbers), BUCKETS)]
    build_lake(warehouse, DATABASE, BUCKET, specs, as_of=AS_OF, pk_column=PK)
    _write_keys(warehouse, "part_keys", strings, pa.string())
    _write_keys(warehouse, "part_numkeys", numbers, pa.int64())
    _declare_key_type(warehouse, "part_numkeys", "bigint")
    yield warehouse
    shutil.rmtree(warehouse, ignore_errors=True)


def _flags() -> list[str]:
    return flag_args(
        {
            "database": DATABASE,
            "report_bucket": REPORT_BUCKET,
            "bucket_count": str(BUCKETS),
            "as_of": AS_OF.isoformat(),
            "file_size_check": "false",
            "data_docs": "false",
        }
    )


def _observed(report: dict[str, Any]) -> dict[str, dict[str, int]]:
    rows = {r["table"]: r for r in report["tables"]}
    return {
        name: {
            "pk_nulls": rows[name]["pk_nulls"],
            "pk_dupes": rows[name]["pk_dupes"],
            "count": rows[name]["count_part"],
        }
        for name in TABLES
    }


def _expected_observed() -> dict[str, dict[str, int]]:
    return {
        name: {k: expected[k] for k in ("pk_nulls", "pk_dupes", "count")}
        for name, expected in TABLES.items()
    }


def _expected_alerts() -> list[str]:
    return [
        line
        for name, expected in TABLES.items()
        for line in (
            f"[PK_NULL] {name}: {PK} NULL rows={expected['pk_nulls']}",
            f"[PK_DUPES] {name}: {PK} duplicate rows={expected['pk_dupes']}",
        )
    ]


def test_local_backend_counts_the_awkward_keys_by_hand(
    run_cli: RunCli, key_lake: Path, tmp_path: Path
) -> None:
    warehouse = tmp_path / "warehouse"
    shutil.copytree(key_lake, warehouse)
    code, _, err = run_cli("run", *_flags(), "--warehouse", str(warehouse))
    assert code == 1, err[-3000:]
    path = warehouse / "s3" / REPORT_BUCKET / "data-monitor" / f"omc_monitor_report_{AS_OF}.json"
    report = json.loads(path.read_text())
    assert _observed(report) == _expected_observed()
    assert report["alerts"] == _expected_alerts()


def test_aws_backend_counts_the_awkward_keys_by_hand(
    run_cli: RunCli, key_lake: Path, moto_server: str, local_athena: Any
) -> None:
    prepare_account(key_lake, REPORT_BUCKET, REGION)
    args = ["--backend", "aws", "--athena_results", RESULTS, "--region", REGION]
    code, _, err = run_cli("run", *_flags(), *args)
    assert code == 1, err[-3000:]
    s3 = boto3.client("s3", region_name=REGION)
    key = f"data-monitor/omc_monitor_report_{AS_OF}.json"
    report = json.loads(s3.get_object(Bucket=REPORT_BUCKET, Key=key)["Body"].read())
    assert _observed(report) == _expected_observed()
    assert report["alerts"] == _expected_alerts()
    # one key scan per part table, and it reached the endpoint as translate(), not trim()
    for name in TABLES:
        scans = [q for q in local_athena.queries if "GROUP BY" in q.sql and name in q.sql]
        assert len(scans) == 1, name
        assert "translate(" in scans[0].sql and "trim(" not in scans[0].sql.lower()
        assert scans[0].state == "SUCCEEDED", scans[0].state_change_reason
