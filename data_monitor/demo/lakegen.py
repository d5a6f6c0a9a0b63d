"""Deterministic generator of a local "lake" (S3 objects + Glue catalog JSON) with seeded defects.

Layout written under ``warehouse``::

    <warehouse>/s3/<bucket>/<key...>                      # the object s3://bucket/key
    <warehouse>/glue/<database>/<table>.json              # Glue GetTable "Table" structure
    <warehouse>/glue/<database>/<table>.partitions.json   # list of Glue "Partition" structures
    <warehouse>/glue/<database>/<table>.versions.json     # GetTableVersions' TableVersions

For every :class:`~data_monitor.demo.specs.TableSpec` two tables are produced: ``part_<suffix>``
partitioned by ``id_bucket`` (Hive style ``id_bucket=N/`` folders, the column is not stored in
the files) and, unless ``has_source`` is false, the unpartitioned source table ``ext_<suffix>``.

This module is the orchestration, :func:`build_lake`; the parts live beside it: ``specs`` (what to
build and what a monitor must find), ``rows`` (the row values), ``storage`` (Parquet files and
snapshot markers) and ``glue_json`` (the catalog).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import date
from pathlib import Path

from data_monitor.demo.glue_json import (
    ext_table_json,
    part_table_json,
    partitions_json,
    table_versions_json,
    write_json,
)
from data_monitor.demo.rows import table_rows
from data_monitor.demo.specs import (
    PARTITION_KEY,
    Expected,
    TableSpec,
    validate_spec,
    written_buckets,
)
from data_monitor.demo.storage import (
    s3_path,
    snapshot_text,
    submit_part_files,
    submit_source_files,
    write_snapshot_marker,
)

__all__ = ["build_lake"]


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
    rows = table_rows(spec, seed=seed, pk_column=pk_column, as_of=as_of)
    written = written_buckets(spec)

    loc = f"s3://{bucket}/tables/part_{spec.suffix}/"
    root = s3_path(warehouse, loc)
    futures = submit_part_files(spec, rows.part, root, pool)

    snap = snapshot_text(spec.snapshot, as_of)
    if snap is not None:
        write_snapshot_marker(root, snap)

    glue = warehouse / "glue" / database
    table_json = part_table_json(spec, database, loc, pk_column)
    if spec.schema_change:
        versions = table_versions_json(table_json, as_of)
        write_json(glue / f"part_{spec.suffix}.versions.json", versions)
    write_json(glue / f"part_{spec.suffix}.json", table_json)
    stored = sorted([*(int(b) for b in written), *spec.hollow_buckets])
    registered = [b for b in stored if b not in set(spec.unregistered_buckets)]
    if not spec.projection:
        parts = partitions_json(table_json, loc, registered)
        write_json(glue / f"part_{spec.suffix}.partitions.json", parts)

    source_rows: int | None = None
    if rows.source is not None:
        ext_loc = f"s3://{bucket}/tables/ext_{spec.suffix}/"
        source_rows = rows.source.num_rows
        futures += submit_source_files(rows.source, s3_path(warehouse, ext_loc), pool)
        ext_json = ext_table_json(spec, database, ext_loc, pk_column)
        write_json(glue / f"ext_{spec.suffix}.json", ext_json)
    projected = spec.projection
    return Expected(
        table=f"part_{spec.suffix}",
        location=loc,
        s3_partitions=len(stored),
        glue_partitions_before=0 if projected else len(registered),
        missing_glue=0 if projected else len(stored) - len(registered),
        rows_written=rows.part.num_rows,
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
        validate_spec(t)

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
