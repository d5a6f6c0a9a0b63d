"""The benchmark's lake: built once with ``data_monitor.demo.lakegen``, reused while it fits."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import time
from pathlib import Path
from typing import Any

DATABASE, BUCKET, BUCKETS = "bench_db", "bench-lake", 256
MARKER = "bench-lake.json"  # {"tables", "rows", "bucket_count", "database", "as_of", "complete"}


def fail(message: str) -> SystemExit:
    return SystemExit(f"bench_run: error: {message}")


def ensure_lake(lake: Path, tables: int, rows: int) -> dict[str, Any]:
    """Build the lake unless ``lake`` already holds a complete one of the same shape."""
    marker = lake / MARKER
    want = {"tables": tables, "rows": rows, "bucket_count": BUCKETS, "database": DATABASE}
    if marker.is_file():
        info = json.loads(marker.read_text())
        if info.get("complete") and all(info.get(k) == v for k, v in want.items()):
            print(f"reusing the lake in {lake} ({tables} x {rows:,} rows)", flush=True)
            return {**info, "reused": True}
    elif lake.exists() and any(lake.iterdir()):
        raise fail(f"{lake} exists and has no {MARKER}: not a benchmark lake, not touching it")
    if lake.exists():
        shutil.rmtree(lake)
    from data_monitor.demo.lakegen import build_lake
    from data_monitor.demo.specs import bench_tables

    lake.mkdir(parents=True)
    info = {**want, "as_of": dt.date.today().isoformat(), "complete": False}
    marker.write_text(json.dumps(info))
    print(f"building a {tables} x {rows:,}-row, {BUCKETS}-partition lake in {lake}", flush=True)
    started = time.perf_counter()
    specs = bench_tables(tables, rows)
    if any(s.bucket_count != BUCKETS for s in specs):
        raise fail(f"bench_tables no longer makes {BUCKETS}-partition tables")
    build_lake(lake, DATABASE, BUCKET, specs, as_of=dt.date.fromisoformat(info["as_of"]))
    info.update(complete=True, build_s=round(time.perf_counter() - started, 1))
    marker.write_text(json.dumps(info))
    return {**info, "reused": False}
