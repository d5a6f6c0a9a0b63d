"""The test lake: one table per defect, with the alert lines every backend must produce.

Both backends' end-to-end tests build this lake (in the local warehouse or in S3 + Glue) and
compare with the same expected values, so a difference between backends is a failing test.
"""

from __future__ import annotations

import datetime as dt

from data_monitor.demo.specs import TableSpec

DATABASE = "omc_test"
BUCKET = "test-lake"
REPORT_BUCKET = "test-reports"
AS_OF = dt.date(2026, 11, 20)
BUCKETS = 16
ROWS = 2000
FILE_SIZE_MB = (0.004, 256.0)

SPECS = [
    TableSpec("clean_01", ROWS, BUCKETS),
    TableSpec("clean_02", ROWS, BUCKETS, files_per_bucket=2),
    TableSpec("s3_gap", ROWS, BUCKETS, missing_s3_buckets=(3, 9)),
    TableSpec("unreg", ROWS, BUCKETS, unregistered_buckets=(2, 5, 11)),
    TableSpec("count", ROWS, BUCKETS, source_delta=-50),
    TableSpec("pk", ROWS, BUCKETS, null_keys=7, dup_rows=10),
    TableSpec("contract", ROWS, BUCKETS, contract="bad_partition_type"),
    TableSpec("format", ROWS, BUCKETS, contract="not_parquet"),
    TableSpec("stale", ROWS, BUCKETS, snapshot="stale"),
    TableSpec("nosnap", ROWS, BUCKETS, snapshot=None),
    TableSpec("garbage", ROWS, BUCKETS, snapshot="not-a-date"),
    TableSpec("tiny", ROWS, BUCKETS, tiny_files=True),
    TableSpec("proj", ROWS, BUCKETS, projection=True),
    TableSpec("nosrc", ROWS, BUCKETS, has_source=False),
]

CLEAN_TABLES = {"part_clean_01", "part_clean_02", "part_proj"}


def run_flags() -> dict[str, str]:
    """The flags both backends' runs use (as the CLI spells them)."""
    return {
        "database": DATABASE,
        "report_bucket": REPORT_BUCKET,
        "bucket_count": str(BUCKETS),
        "as_of": AS_OF.isoformat(),
        "file_size_check": "true",
        "file_size_min_mb": str(FILE_SIZE_MB[0]),
        "file_size_max_mb": str(FILE_SIZE_MB[1]),
    }


def expected_alerts() -> list[str]:
    """Every alert line of a run over the test lake (auto-repair on), in report order."""
    loc = f"s3://{BUCKET}/tables"
    stale = (AS_OF - dt.timedelta(days=90)).isoformat()
    return [
        "[CONTRACT] part_contract: partition key id_bucket is string, expected int",
        f"[COUNT_MISMATCH] part_count: {DATABASE}.part_count=2000 vs "
        f"{DATABASE}.ext_count=1950 (Δ=2.564103%)",
        "[ERROR] part_format: row-level checks not run: the table is not stored as Parquet",
        "[CLEAN_ROOMS_FORMAT] part_format: stored as TextFile, which Spark SQL does not read "
        "(Parquet, OpenCSV, JSON)",
        "[TABLE_TYPE] part_format: InputFormat is org.apache.hadoop.mapred.TextInputFormat, "
        "expected a Parquet input format; SerDe is "
        "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe, expected a Parquet SerDe",
        f"[FRESHNESS] part_garbage: processed snapshot unreadable: 'not-a-date' in "
        f"{loc}/part_garbage/_metadata/snapshot_dt.txt (expected YYYY-MM-DD)",
        f"[FRESHNESS] part_nosnap: processed snapshot missing "
        f"({loc}/part_nosnap/_metadata/snapshot_dt.txt)",
        "[ERROR] part_nosrc: row count to match source could not run: source table "
        f"{DATABASE}.ext_nosrc not found in the catalog",
        "[PK_NULL] part_pk: customer_user_id NULL rows=7",
        "[PK_DUPES] part_pk: customer_user_id duplicate rows=10",
        f"[S3_PARTITIONS] part_s3_gap: S3 missing 2 of {BUCKETS} id_bucket partitions (3, 9)",
        f"[FRESHNESS] part_stale: processed snapshot too old: {stale} is 90 days old "
        "(window 45 days)",
        # the source's files were written when the lake was built, after AS_OF: as of AS_OF
        f"[FRESHNESS] part_stale: processed snapshot {stale} is behind raw input {AS_OF} "
        f"(90 days, more than 1; raw input from {DATABASE}.ext_stale, the newest of its 1 data "
        "file(s))",
        "[FILE_SIZE] part_tiny: 3 of 8 sampled file(s) outside 0.004-256 MB: "
        "id_bucket=0/part-00001.parquet 0.00MB < 0.004MB, "
        "id_bucket=1/part-00001.parquet 0.00MB < 0.004MB, "
        "id_bucket=2/part-00001.parquet 0.00MB < 0.004MB",
        "[ALERT] part_unreg: Glue missing 3 partitions (auto-repaired 3 via athena)",
    ]
