"""Deterministic generator of a local "lake" (S3 objects + Glue catalog JSON) with seeded defects.

Layout written under ``warehouse``::

    <warehouse>/s3/<bucket>/<key...>                      # the object s3://bucket/key
    <warehouse>/glue/<database>/<table>.json              # Glue GetTable "Table" structure
    <warehouse>/glue/<database>/<table>.partitions.json   # list of Glue "Partition" structures

For every :class:`TableSpec` two tables are produced: ``part_<suffix>`` partitioned by
``id_bucket`` (Hive style ``id_bucket=N/`` folders, the column is not stored in the files) and,
unless ``has_source`` is false, the unpartitioned source table ``ext_<suffix>``.

Rows are spread over buckets by ``row_index % bucket_count``.  Everything is vectorised with
numpy/pyarrow so that tens of millions of rows are generated in seconds.
"""

from __future__ import annotations

import json
import os
import shutil
import zlib
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

__all__ = [
    "CONTRACTS",
    "Expected",
    "TableSpec",
    "bench_tables",
    "build_lake",
    "demo_tables",
]

CONTRACTS = (
    "ok",
    "no_pk_column",
    "pk_is_partition_key",
    "bad_partition_type",
    "not_parquet",
    "managed",
)

PARTITION_KEY = "id_bucket"
SEGMENTS = ("prospect", "active", "lapsed", "loyal", "vip", "churn_risk")
EXT_FILE_ROWS = 250_000  # rows per Parquet file of an ext_ table
TINY_FILE_BUCKETS = 3

PARQUET_INPUT = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat"
PARQUET_OUTPUT = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat"
PARQUET_SERDE = "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"
TEXT_INPUT = "org.apache.hadoop.mapred.TextInputFormat"
TEXT_OUTPUT = "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat"
TEXT_SERDE = "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe"


@dataclass(frozen=True)
class TableSpec:
    """What to generate for one ``part_<suffix>`` table (and its ``ext_<suffix>`` source)."""

    suffix: str
    rows: int  # rows for the part table before dropping the rows of missing buckets
    bucket_count: int = 256
    missing_s3_buckets: tuple[int, ...] = ()  # never written (nor registered); their rows vanish
    unregistered_buckets: tuple[int, ...] = ()  # written, but absent from partitions.json
    null_keys: int = 0  # written rows whose key is NULL
    dup_rows: int = 0  # written rows whose non-NULL key occurs twice (even: dup_rows/2 keys)
    source_delta: int = 0  # ext rows = part rows written + source_delta
    has_source: bool = True
    snapshot: str | None = "fresh"  # "fresh" | "stale" | None (no marker) | verbatim text
    contract: str = "ok"  # one of CONTRACTS
    files_per_bucket: int = 1
    tiny_files: bool = False  # first 3 written buckets get an extra 1-row file
    projection: bool = False  # partition projection on id_bucket; no partitions file


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


# --------------------------------------------------------------------------- spec helpers


def demo_tables(scale: int = 1) -> list[TableSpec]:
    """The demo lake: 8 tables covering every seeded defect plus clean tables."""
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
    ]


def bench_tables(n_tables: int, rows: int) -> list[TableSpec]:
    """``n_tables`` clean tables of ``rows`` rows each, 256 buckets."""
    return [TableSpec(f"bench_{i:03d}", rows=rows) for i in range(n_tables)]


def _bucket_sizes(rows: int, bucket_count: int) -> np.ndarray:
    sizes = np.full(bucket_count, rows // bucket_count, dtype=np.int64)
    sizes[: rows % bucket_count] += 1
    return sizes


def _validate(spec: TableSpec) -> None:
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
    if spec.null_keys < 0 or spec.dup_rows < 0:
        raise ValueError(f"{name}: null_keys and dup_rows must be >= 0")
    if spec.dup_rows % 2:
        raise ValueError(f"{name}: dup_rows must be even (dup_rows/2 keys appear twice)")
    if spec.contract not in CONTRACTS:
        raise ValueError(f"{name}: unknown contract {spec.contract!r}; expected one of {CONTRACTS}")
    if spec.files_per_bucket < 1:
        raise ValueError(f"{name}: files_per_bucket must be >= 1")
    sizes = _bucket_sizes(spec.rows, spec.bucket_count)
    written = _written_buckets(spec)
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


def _written_buckets(spec: TableSpec) -> np.ndarray:
    mask = np.ones(spec.bucket_count, dtype=bool)
    mask[list(spec.missing_s3_buckets)] = False
    return np.flatnonzero(mask)


# --------------------------------------------------------------------------- vectorised columns

_HEX_PAIRS = np.array(
    [[ord(c) for c in f"{i:02x}"] for i in range(256)], dtype=np.uint8
)  # byte -> its two lowercase hex characters
_M64 = np.uint64(0xFFFFFFFFFFFFFFFF)


def _splitmix64(x: np.ndarray) -> np.ndarray:
    z = x + np.uint64(0x9E3779B97F4A7C15)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return (z ^ (z >> np.uint64(31))) & _M64


def _fixed_width_strings(chars: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    """Arrow string array from an (n, width) uint8 matrix of characters."""
    n, width = chars.shape
    large = n * width >= 2**31 - 1
    off_type = np.int64 if large else np.int32
    offsets = np.arange(0, (n + 1) * width, width, dtype=off_type)
    data = np.ascontiguousarray(chars).reshape(-1)
    buffers: list[pa.Buffer | None] = [None, pa.py_buffer(offsets), pa.py_buffer(data)]
    null_count = 0
    if valid is not None and not valid.all():
        buffers[0] = pa.py_buffer(np.packbits(valid, bitorder="little"))
        null_count = int(n - valid.sum())
    typ = pa.large_string() if large else pa.string()
    return pa.Array.from_buffers(typ, n, buffers, null_count=null_count)


def _key_strings(numbers: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    """``u%012d`` strings, vectorised."""
    n = len(numbers)
    chars = np.empty((n, 13), dtype=np.uint8)
    chars[:, 0] = ord("u")
    rest = numbers.astype(np.int64)
    for pos in range(12, 0, -1):
        chars[:, pos] = (rest % 10 + 48).astype(np.uint8)
        rest //= 10
    return _fixed_width_strings(chars, valid)


def _sha_strings(numbers: np.ndarray, salt: int) -> pa.Array:
    """64-char lowercase hex strings derived from ``numbers`` (sha256-like, cheap)."""
    n = len(numbers)
    words = np.empty((n, 4), dtype=np.uint64)
    salt_term = np.uint64((salt * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF)
    base = numbers.astype(np.uint64) * np.uint64(4) + salt_term
    for j in range(4):
        words[:, j] = _splitmix64(base + np.uint64(j))
    raw = words.view(np.uint8).reshape(n, 32)
    return _fixed_width_strings(_HEX_PAIRS[raw].reshape(n, 64))


def _table_rng(seed: int, suffix: str) -> np.random.Generator:
    return np.random.default_rng([seed, zlib.crc32(suffix.encode())])


def _make_rows(
    numbers: np.ndarray,
    valid: np.ndarray | None,
    rng: np.random.Generator,
    pk_column: str,
    as_of: date,
    salt: int,
) -> pa.Table:
    """Build the data columns for rows identified by ``numbers`` (key numbers)."""
    n = len(numbers)
    segments = pa.array(SEGMENTS, type=pa.string())
    seg_idx = rng.integers(0, len(SEGMENTS), size=n, dtype=np.int32)
    score = np.round(rng.random(n) * 1000.0, 3)
    epoch = datetime(1970, 1, 1)
    end_ms = int((datetime(as_of.year, as_of.month, as_of.day) - epoch).total_seconds() * 1000)
    end_ms -= 86_400_000  # not later than the fresh snapshot day
    offsets_ms = rng.integers(0, 30 * 86_400_000, size=n, dtype=np.int64)
    updated = pa.array(end_ms - offsets_ms, type=pa.timestamp("ms"))
    return pa.table(
        {
            pk_column: _key_strings(numbers, valid),
            "email_sha256": _sha_strings(numbers, salt),
            "segment": segments.take(pa.array(seg_idx)),
            "score": pa.array(score, type=pa.float64()),
            "updated_at": updated,
        }
    )


# --------------------------------------------------------------------------- Glue structures


def _columns(pk_column: str) -> list[dict[str, str]]:
    return [
        {"Name": pk_column, "Type": "string"},
        {"Name": "email_sha256", "Type": "string"},
        {"Name": "segment", "Type": "string"},
        {"Name": "score", "Type": "double"},
        {"Name": "updated_at", "Type": "timestamp"},
    ]


def _storage_descriptor(
    location: str, columns: list[dict[str, str]], parquet: bool
) -> dict[str, Any]:
    if parquet:
        return {
            "Columns": columns,
            "Location": location,
            "InputFormat": PARQUET_INPUT,
            "OutputFormat": PARQUET_OUTPUT,
            "Compressed": False,
            "NumberOfBuckets": -1,
            "SerdeInfo": {
                "SerializationLibrary": PARQUET_SERDE,
                "Parameters": {"serialization.format": "1"},
            },
            "StoredAsSubDirectories": False,
        }
    return {
        "Columns": columns,
        "Location": location,
        "InputFormat": TEXT_INPUT,
        "OutputFormat": TEXT_OUTPUT,
        "Compressed": False,
        "NumberOfBuckets": -1,
        "SerdeInfo": {
            "SerializationLibrary": TEXT_SERDE,
            "Parameters": {"field.delim": ",", "serialization.format": ","},
        },
        "StoredAsSubDirectories": False,
    }


def _part_table_json(
    spec: TableSpec, database: str, location: str, pk_column: str
) -> dict[str, Any]:
    contract = spec.contract
    columns = _columns(pk_column)
    partition_keys = [{"Name": PARTITION_KEY, "Type": "int"}]
    if contract == "no_pk_column":
        columns = [c for c in columns if c["Name"] != pk_column]
    elif contract == "pk_is_partition_key":
        # the key is declared as the (only) partition key instead of a data column
        columns = [c for c in columns if c["Name"] != pk_column]
        partition_keys = [{"Name": pk_column, "Type": "string"}]
    elif contract == "bad_partition_type":
        partition_keys = [{"Name": PARTITION_KEY, "Type": "string"}]
    parquet = contract != "not_parquet"
    params: dict[str, str] = {"classification": "parquet" if parquet else "csv"}
    if contract != "managed":
        params["EXTERNAL"] = "TRUE"
    if spec.projection:
        params["projection.enabled"] = "true"
        params[f"projection.{PARTITION_KEY}.type"] = "integer"
        params[f"projection.{PARTITION_KEY}.range"] = f"0,{spec.bucket_count - 1}"
    return {
        "Name": f"part_{spec.suffix}",
        "DatabaseName": database,
        "TableType": "MANAGED_TABLE" if contract == "managed" else "EXTERNAL_TABLE",
        "Parameters": params,
        "PartitionKeys": partition_keys,
        "StorageDescriptor": _storage_descriptor(location, columns, parquet),
    }


def _ext_table_json(
    spec: TableSpec, database: str, location: str, pk_column: str
) -> dict[str, Any]:
    return {
        "Name": f"ext_{spec.suffix}",
        "DatabaseName": database,
        "TableType": "EXTERNAL_TABLE",
        "Parameters": {"classification": "parquet", "EXTERNAL": "TRUE"},
        "PartitionKeys": [],
        "StorageDescriptor": _storage_descriptor(location, _columns(pk_column), True),
    }


def _partitions_json(
    table: dict[str, Any], location: str, buckets: Sequence[int]
) -> list[dict[str, Any]]:
    out = []
    for b in buckets:
        sd = json.loads(json.dumps(table["StorageDescriptor"]))
        sd["Location"] = f"{location}{PARTITION_KEY}={b}/"
        out.append(
            {
                "DatabaseName": table["DatabaseName"],
                "TableName": table["Name"],
                "Values": [str(b)],
                "StorageDescriptor": sd,
            }
        )
    return out


def _write_json(path: Path, obj: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj, indent=2) + "\n")


# --------------------------------------------------------------------------- writing


def _write_parquet(table: pa.Table, path: Path) -> None:
    pq.write_table(table, path, compression="snappy", use_dictionary=["segment"])


def _s3_path(warehouse: Path, uri: str) -> Path:
    assert uri.startswith("s3://")
    return warehouse / "s3" / uri[len("s3://") :]


def _snapshot_text(snapshot: str | None, as_of: date) -> str | None:
    if snapshot is None:
        return None
    if snapshot == "fresh":
        return (as_of - timedelta(days=1)).isoformat()
    if snapshot == "stale":
        return (as_of - timedelta(days=90)).isoformat()
    return snapshot


def _build_one(
    spec: TableSpec,
    warehouse: Path,
    database: str,
    bucket: str,
    as_of: date,
    pk_column: str,
    seed: int,
    pool: ThreadPoolExecutor,
) -> tuple[Expected, list[Future[None]]]:
    """Generate one table; file writes are submitted to ``pool`` (returned futures)."""
    rng = _table_rng(seed, spec.suffix)
    bc = spec.bucket_count
    sizes = _bucket_sizes(spec.rows, bc)
    written = _written_buckets(spec)

    # rows ordered bucket by bucket: row i lives in bucket i % bc
    order = np.concatenate(
        [np.empty(0, dtype=np.int64)]
        + [np.arange(b, spec.rows, bc, dtype=np.int64) for b in written]
    )
    n = len(order)
    numbers = order.copy()  # key number of each written row (unique so far)
    valid = np.ones(n, dtype=bool)
    n_def = spec.null_keys + spec.dup_rows
    if n_def:
        picks = rng.choice(n, size=n_def, replace=False)
        valid[picks[: spec.null_keys]] = False
        dup = picks[spec.null_keys :]
        half = spec.dup_rows // 2
        numbers[dup[half:]] = numbers[dup[:half]]  # second occurrence reuses the first key
    salt = zlib.crc32(spec.suffix.encode()) ^ seed
    data = _make_rows(numbers, valid, rng, pk_column, as_of, salt)

    loc = f"s3://{bucket}/tables/part_{spec.suffix}/"
    root = _s3_path(warehouse, loc)
    futures: list[Future[None]] = []
    starts = np.concatenate([[0], np.cumsum(sizes[written])])
    for k, b in enumerate(written):
        folder = root / f"{PARTITION_KEY}={b}"
        folder.mkdir(parents=True, exist_ok=True)
        lo, hi = int(starts[k]), int(starts[k + 1])
        tiny = spec.tiny_files and k < TINY_FILE_BUCKETS
        main_hi = hi - 1 if tiny else hi
        bounds = np.linspace(lo, main_hi, spec.files_per_bucket + 1).astype(np.int64)
        for f in range(spec.files_per_bucket):
            piece = data.slice(int(bounds[f]), int(bounds[f + 1] - bounds[f]))
            futures.append(pool.submit(_write_parquet, piece, folder / f"part-{f:05d}.parquet"))
        if tiny:
            piece = data.slice(main_hi, 1)
            path = folder / f"part-{spec.files_per_bucket:05d}.parquet"
            futures.append(pool.submit(_write_parquet, piece, path))

    snap = _snapshot_text(spec.snapshot, as_of)
    if snap is not None:
        marker = root / "_metadata" / "snapshot_dt.txt"
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.write_text(snap + "\n")

    glue = warehouse / "glue" / database
    table_json = _part_table_json(spec, database, loc, pk_column)
    _write_json(glue / f"part_{spec.suffix}.json", table_json)
    registered = [int(b) for b in written if int(b) not in set(spec.unregistered_buckets)]
    if not spec.projection:
        parts = _partitions_json(table_json, loc, registered)
        _write_json(glue / f"part_{spec.suffix}.partitions.json", parts)

    source_rows: int | None = None
    if spec.has_source:
        ext_loc = f"s3://{bucket}/tables/ext_{spec.suffix}/"
        ext_root = _s3_path(warehouse, ext_loc)
        ext_root.mkdir(parents=True, exist_ok=True)
        if spec.source_delta >= 0:
            extra_n = np.arange(spec.rows, spec.rows + spec.source_delta, dtype=np.int64)
            extra = _make_rows(extra_n, None, rng, pk_column, as_of, salt)
            ext = pa.concat_tables([data, extra.cast(data.schema)])
        else:
            ext = data.slice(0, n + spec.source_delta)
        source_rows = ext.num_rows
        n_files = max(1, -(-ext.num_rows // EXT_FILE_ROWS))
        bounds = np.linspace(0, ext.num_rows, n_files + 1).astype(np.int64)
        for f in range(n_files):
            piece = ext.slice(int(bounds[f]), int(bounds[f + 1] - bounds[f]))
            futures.append(pool.submit(_write_parquet, piece, ext_root / f"part-{f:05d}.parquet"))
        ext_json = _ext_table_json(spec, database, ext_loc, pk_column)
        _write_json(glue / f"ext_{spec.suffix}.json", ext_json)
    projected = spec.projection
    return Expected(
        table=f"part_{spec.suffix}",
        location=loc,
        s3_partitions=len(written),
        glue_partitions_before=0 if projected else len(registered),
        missing_glue=0 if projected else len(written) - len(registered),
        rows_written=n,
        source_rows=source_rows,
        pk_nulls=spec.null_keys,
        pk_dupes=spec.dup_rows,
        snapshot_dt=snap,
    ), futures


def build_lake(
    warehouse: Path,
    database: str,
    bucket: str,
    tables: Sequence[TableSpec],
    *,
    as_of: date,
    pk_column: str = "customer_user_id",
    seed: int = 0,
    overwrite: bool = False,
    workers: int | None = None,
) -> dict[str, Expected]:
    """Write the tables of ``tables`` into ``warehouse``; return Expected per part table name.

    Refuses (ValueError) when ``<warehouse>/glue/<database>/`` or one of the tables' locations
    already exists, unless ``overwrite`` is true: then that database's glue folder and the
    tables' own locations are removed first (nothing else is touched).
    """
    warehouse = Path(warehouse)
    suffixes = [t.suffix for t in tables]
    if len(set(suffixes)) != len(suffixes):
        raise ValueError(f"duplicate table suffixes in {suffixes}")
    if pk_column in ("email_sha256", "segment", "score", "updated_at", PARTITION_KEY):
        raise ValueError(f"pk_column {pk_column!r} clashes with a generated column")
    for t in tables:
        _validate(t)

    glue_dir = warehouse / "glue" / database
    locations = [
        warehouse / "s3" / bucket / "tables" / f"{prefix}_{s}"
        for s in suffixes
        for prefix in ("part", "ext")
    ]
    existing = [p for p in [glue_dir, *locations] if p.exists()]
    if existing and not overwrite:
        raise ValueError(
            f"refusing to write into {warehouse}: {existing[0]} already exists "
            f"(pass overwrite=True to replace database {database!r} and these tables)"
        )
    for p in existing:
        shutil.rmtree(p)
    glue_dir.mkdir(parents=True, exist_ok=True)

    n_workers = workers or max(1, os.cpu_count() or 1)
    out: dict[str, Expected] = {}
    pending: list[Future[None]] = []
    with ThreadPoolExecutor(max_workers=n_workers) as pool:
        for spec in tables:
            # generate the next table while the previous one's files are being written,
            # but keep at most two tables in memory
            exp, futures = _build_one(
                spec, warehouse, database, bucket, as_of, pk_column, seed, pool
            )
            for fut in pending:
                fut.result()
            pending = futures
            out[exp.table] = exp
        for fut in pending:
            fut.result()
    return out
