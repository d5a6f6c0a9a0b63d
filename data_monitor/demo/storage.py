"""The S3 side of the generated lake: object paths, Parquet files and snapshot markers.

The object ``s3://bucket/key`` is the file ``<warehouse>/s3/<bucket>/<key>``. A part table gets
one ``id_bucket=N/`` folder per written bucket holding ``files_per_bucket`` Parquet files (plus
a 1-row file with ``tiny_files``); a source table gets flat files of at most ``EXT_FILE_ROWS``
rows. Parquet files are written on a thread pool: the ``submit_*`` functions return the futures.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from data_monitor.demo.specs import (
    PARTITION_KEY,
    TINY_FILE_BUCKETS,
    TableSpec,
    bucket_sizes,
    written_buckets,
)

__all__ = [
    "EXT_FILE_ROWS",
    "s3_path",
    "snapshot_text",
    "submit_part_files",
    "submit_source_files",
    "write_snapshot_marker",
]

EXT_FILE_ROWS = 250_000  # rows per Parquet file of an ext_ table


def s3_path(warehouse: Path, uri: str) -> Path:
    """The local file standing for the S3 object (or prefix) ``uri``."""
    assert uri.startswith("s3://")
    return warehouse / "s3" / uri[len("s3://") :]


def _write_parquet(table: pa.Table, path: Path) -> None:
    pq.write_table(table, path, compression="snappy", use_dictionary=["segment"])


def submit_part_files(
    spec: TableSpec, rows: pa.Table, root: Path, pool: ThreadPoolExecutor
) -> list[Future[None]]:
    """Write ``rows`` (ordered bucket by bucket) into the bucket folders under ``root``."""
    sizes = bucket_sizes(spec.rows, spec.bucket_count)
    written = written_buckets(spec)
    futures: list[Future[None]] = []
    starts = np.concatenate([[0], np.cumsum(sizes[written])])
    for k, b in enumerate(written):
        folder = root / f"{PARTITION_KEY}={b}"
        folder.mkdir(parents=True, exist_ok=True)
        lo, hi = int(starts[k]), int(starts[k + 1])
        tiny = spec.tiny_files and k < TINY_FILE_BUCKETS
        # a tiny bucket's last row goes to its own 1-row file, after the regular ones
        main_hi = hi - 1 if tiny else hi
        bounds = np.linspace(lo, main_hi, spec.files_per_bucket + 1).astype(np.int64)
        for f in range(spec.files_per_bucket):
            piece = rows.slice(int(bounds[f]), int(bounds[f + 1] - bounds[f]))
            futures.append(pool.submit(_write_parquet, piece, folder / f"part-{f:05d}.parquet"))
        if tiny:
            piece = rows.slice(main_hi, 1)
            path = folder / f"part-{spec.files_per_bucket:05d}.parquet"
            futures.append(pool.submit(_write_parquet, piece, path))
    for b in spec.hollow_buckets:  # a load that failed after its marker: no data file
        folder = root / f"{PARTITION_KEY}={b}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "_SUCCESS").write_bytes(b"")
    return futures


def submit_source_files(rows: pa.Table, root: Path, pool: ThreadPoolExecutor) -> list[Future[None]]:
    """Write ``rows`` into ``root`` as files of at most ``EXT_FILE_ROWS`` rows (at least one)."""
    root.mkdir(parents=True, exist_ok=True)
    futures: list[Future[None]] = []
    n_files = max(1, -(-rows.num_rows // EXT_FILE_ROWS))
    bounds = np.linspace(0, rows.num_rows, n_files + 1).astype(np.int64)
    for f in range(n_files):
        piece = rows.slice(int(bounds[f]), int(bounds[f + 1] - bounds[f]))
        futures.append(pool.submit(_write_parquet, piece, root / f"part-{f:05d}.parquet"))
    return futures


def snapshot_text(snapshot: str | None, as_of: date) -> str | None:
    """The marker's content for ``TableSpec.snapshot``: a day relative to ``as_of``, or verbatim."""
    if snapshot is None:
        return None
    if snapshot == "fresh":
        return (as_of - timedelta(days=1)).isoformat()
    if snapshot == "stale":
        return (as_of - timedelta(days=90)).isoformat()
    return snapshot


def write_snapshot_marker(root: Path, text: str) -> None:
    """Write ``<root>/_metadata/snapshot_dt.txt`` holding ``text``."""
    marker = root / "_metadata" / "snapshot_dt.txt"
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.write_text(text + "\n")
