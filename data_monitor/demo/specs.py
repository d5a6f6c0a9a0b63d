"""What the lake generator is asked to build: table specs, the expected results, the table lists.

A :class:`TableSpec` describes one ``part_<suffix>`` table (and its ``ext_<suffix>`` source) with
its seeded defects; :class:`Expected` holds the exact values a monitor must observe for it.
:func:`demo_tables` is the demo's lake and :func:`bench_tables` the benchmarks'.

The bucket layout helpers live here too, because validating a spec needs them: rows are spread
over buckets by ``row_index % bucket_count``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from data_monitor.model.catalog import PARTITION_KEY

__all__ = [
    "CONTRACTS",
    "PARTITION_KEY",
    "TINY_FILE_BUCKETS",
    "Expected",
    "TableSpec",
    "bench_tables",
    "bucket_sizes",
    "demo_tables",
    "validate_spec",
    "written_buckets",
]

CONTRACTS = (
    "ok",
    "no_pk_column",
    "pk_is_partition_key",
    "bad_partition_type",
    "not_parquet",
    "managed",
)

TINY_FILE_BUCKETS = 3


@dataclass(frozen=True)
class TableSpec:
    """What to generate for one ``part_<suffix>`` table (and its ``ext_<suffix>`` source)."""

    suffix: str
    rows: int  # rows for the part table before dropping the rows of missing buckets
    bucket_count: int = 256
    missing_s3_buckets: tuple[int, ...] = ()  # never written (nor registered); their rows vanish
    unregistered_buckets: tuple[int, ...] = ()  # written, but absent from partitions.json
    # registered, but their folder holds only a _SUCCESS marker (a failed load): no data file,
    # their rows vanish (what Clean Rooms fails a query on)
    hollow_buckets: tuple[int, ...] = ()
    null_keys: int = 0  # written rows whose key is NULL
    dup_rows: int = 0  # written rows whose non-NULL key occurs twice (even: dup_rows/2 keys)
    source_delta: int = 0  # ext rows = part rows written + source_delta
    has_source: bool = True
    snapshot: str | None = "fresh"  # "fresh" | "stale" | None (no marker) | verbatim text
    contract: str = "ok"  # one of CONTRACTS
    files_per_bucket: int = 1
    tiny_files: bool = False  # first 3 written buckets get an extra 1-row file
    projection: bool = False  # partition projection on id_bucket; no partitions file
    # retyped and dropped a column on the day: the catalog keeps the version before
    # (<table>.versions.json)
    schema_change: bool = False


@dataclass(frozen=True)
class Expected:
    """Exact values a monitor must observe for a part table.

    Row-level values assume every stored bucket is registered (or repaired).
    """

    table: str
    location: str
    s3_partitions: int  # id_bucket=N/ folders present in storage
    glue_partitions_before: int  # entries in <table>.partitions.json (0 with projection)
    missing_glue: int  # stored buckets absent from the catalog (0 with projection)
    rows_written: int
    source_rows: int | None  # rows of ext_<suffix>, None without a source table
    pk_nulls: int
    pk_dupes: int  # rows whose non-NULL key occurs more than once
    snapshot_dt: str | None  # content of _metadata/snapshot_dt.txt (stripped), None if absent


# --------------------------------------------------------------------------- table lists


def demo_tables(scale: int = 1) -> list[TableSpec]:
    """The demo lake: 10 tables covering every seeded defect plus clean tables."""
    if scale < 1:
        raise ValueError(f"scale must be >= 1, got {scale}")
    s = scale
    return [
        # clean tables
        TableSpec("ibe_01", rows=60_000 * s),
        TableSpec("ibe_02", rows=40_000 * s, files_per_bucket=2),
        # S3 partitions missing + tiny files
        TableSpec("ibe_03", rows=30_000 * s, missing_s3_buckets=(13, 77, 200), tiny_files=True),
        # partitions stored but not registered in Glue
        TableSpec("ibe_04", rows=30_000 * s, unregistered_buckets=(5, 128, 255)),
        # source/part row count mismatch + stale snapshot
        TableSpec("ibe_05", rows=30_000 * s, source_delta=-1_500 * s, snapshot="stale"),
        # NULL keys + duplicate keys + missing snapshot marker
        TableSpec("ibe_06", rows=30_000 * s, null_keys=120 * s, dup_rows=300 * s, snapshot=None),
        # contract violation (pk not among the Glue columns), no source table
        TableSpec("ibe_07", rows=20_000 * s, contract="no_pk_column", has_source=False),
        # partition projection instead of registered partitions (otherwise clean)
        TableSpec("ibe_08", rows=30_000 * s, projection=True),
        # not ready for Clean Rooms: a registered partition whose load left only _SUCCESS
        TableSpec("ibe_09", rows=30_000 * s, hollow_buckets=(42,)),
        # schema drift: score retyped float -> double and loyalty_tier dropped today
        TableSpec("ibe_10", rows=20_000 * s, schema_change=True),
    ]


def bench_tables(n_tables: int, rows: int) -> list[TableSpec]:
    """``n_tables`` clean tables of ``rows`` rows each, 256 buckets."""
    return [TableSpec(f"bench_{i:03d}", rows=rows) for i in range(n_tables)]


# --------------------------------------------------------------------------- bucket layout


def bucket_sizes(rows: int, bucket_count: int) -> np.ndarray:
    """Rows per bucket before missing buckets are dropped (row i lives in bucket i % count)."""
    sizes = np.full(bucket_count, rows // bucket_count, dtype=np.int64)
    sizes[: rows % bucket_count] += 1
    return sizes


def written_buckets(spec: TableSpec) -> np.ndarray:
    """The buckets that get data files, ascending: all but ``missing_s3_buckets`` and
    ``hollow_buckets``."""
    mask = np.ones(spec.bucket_count, dtype=bool)
    mask[list(spec.missing_s3_buckets)] = False
    mask[list(spec.hollow_buckets)] = False
    return np.flatnonzero(mask)


# --------------------------------------------------------------------------- validation


def validate_spec(spec: TableSpec) -> None:
    """Raise ValueError when ``spec`` asks for a lake that cannot be built as described."""
    name = f"TableSpec {spec.suffix!r}"
    if not spec.suffix or "/" in spec.suffix:
        raise ValueError(f"{name}: invalid suffix")
    if spec.rows < 0:
        raise ValueError(f"{name}: rows must be >= 0")
    if spec.bucket_count < 1:
        raise ValueError(f"{name}: bucket_count must be >= 1")
    for label, buckets in (
        ("missing_s3_buckets", spec.missing_s3_buckets),
        ("unregistered_buckets", spec.unregistered_buckets),
        ("hollow_buckets", spec.hollow_buckets),
    ):
        if len(set(buckets)) != len(buckets):
            raise ValueError(f"{name}: {label} has repeated buckets")
        bad = [b for b in buckets if not 0 <= b < spec.bucket_count]
        if bad:
            raise ValueError(f"{name}: {label} out of range 0..{spec.bucket_count - 1}: {bad}")
    both = set(spec.missing_s3_buckets) & set(spec.unregistered_buckets)
    if both:
        raise ValueError(f"{name}: buckets both missing and unregistered: {sorted(both)}")
    if spec.projection and spec.unregistered_buckets:
        raise ValueError(f"{name}: unregistered_buckets make no sense with projection")
    hollow = set(spec.hollow_buckets)
    if hollow & (set(spec.missing_s3_buckets) | set(spec.unregistered_buckets)):
        raise ValueError(f"{name}: hollow_buckets are stored and registered, without data")
    if spec.projection and hollow:
        raise ValueError(f"{name}: hollow_buckets make no sense with projection")
    if spec.null_keys < 0 or spec.dup_rows < 0:
        raise ValueError(f"{name}: null_keys and dup_rows must be >= 0")
    if spec.dup_rows % 2:
        raise ValueError(f"{name}: dup_rows must be even (dup_rows/2 keys appear twice)")
    if spec.contract not in CONTRACTS:
        raise ValueError(f"{name}: unknown contract {spec.contract!r}; expected one of {CONTRACTS}")
    if spec.files_per_bucket < 1:
        raise ValueError(f"{name}: files_per_bucket must be >= 1")
    sizes = bucket_sizes(spec.rows, spec.bucket_count)
    written = written_buckets(spec)
    rows_written = int(sizes[written].sum())
    if spec.null_keys + spec.dup_rows > rows_written:
        raise ValueError(
            f"{name}: null_keys + dup_rows ({spec.null_keys + spec.dup_rows}) exceed the "
            f"{rows_written} rows written"
        )
    if spec.has_source and rows_written + spec.source_delta < 0:
        raise ValueError(f"{name}: source_delta {spec.source_delta} leaves a negative row count")
    if spec.tiny_files:
        first = written[:TINY_FILE_BUCKETS]
        if len(first) < TINY_FILE_BUCKETS or int(sizes[first].min()) < 2:
            raise ValueError(
                f"{name}: tiny_files needs {TINY_FILE_BUCKETS} written buckets of >= 2 rows"
            )
