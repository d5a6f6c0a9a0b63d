"""Whole-process benchmark: the monitor against the seed's plain-DuckDB checks (see README.md).

python benchmarks/bench_run.py [--tables 20] [--rows 1000000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import Any

import seed_baseline  # benchmarks/ is on sys.path when this file runs as a script

REPO = Path(__file__).resolve().parents[1]
HERE = Path(__file__).resolve().parent
DATABASE, BUCKET, REPORT_BUCKET, BUCKETS = "bench_db", "bench-lake", "bench-reports", 256
PK = "customer_user_id"
MARKER = "bench-lake.json"
FLAGS = [
    ("--tables", 20, "part tables"),
    ("--rows", 1_000_000, "rows per part table"),
    ("--repeat", 3, "timed rounds"),
    ("--warmup", 1, "untimed rounds run first"),
]
Check = Callable[[subprocess.CompletedProcess[str]], None]


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
    from data_monitor.lakegen import bench_tables, build_lake

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


def check_view_sql(lake: Path) -> int:
    """The seed baseline's views must be the monitor's, byte for byte."""
    from data_monitor.backends.duckdb_engine import DuckDBEngine
    from data_monitor.backends.local import LocalCatalog, LocalStore

    catalog = LocalCatalog(lake)
    engine = DuckDBEngine(LocalStore(lake), catalog)
    try:
        names = [n for p in ("part_", "ext_") for n in catalog.list_tables(DATABASE, p)]
        for name in names:
            meta = catalog.get_table(DATABASE, name)
            assert meta is not None
            raw = json.loads((lake / "glue" / DATABASE / f"{name}.json").read_text())
            if seed_baseline.view_sql(lake, DATABASE, raw) != engine.view_sql(meta):
                raise fail(f"seed_baseline.view_sql differs from the monitor's view for {name}")
    finally:
        engine.close()
    return len(names)


def check_seed(tables: int, rows: int) -> Check:
    def check(proc: subprocess.CompletedProcess[str]) -> None:
        lines = [line.split("\t") for line in proc.stdout.splitlines() if line.strip()]
        bad = [line for line in lines if line[1:] != [str(rows), str(rows), "0", "0"]]
        if len(lines) != tables or bad:
            raise fail(f"seed baseline gave wrong results ({len(lines)} tables): {bad[:3]}")

    return check


def check_monitor(lake: Path, as_of: str, tables: int, rows: int, docs: Path | None) -> Check:
    report = lake / "s3" / REPORT_BUCKET / "data-monitor" / f"omc_monitor_report_{as_of}.json"
    report.unlink(missing_ok=True)

    def check(proc: subprocess.CompletedProcess[str]) -> None:
        if not report.is_file():
            raise fail(f"the monitor wrote no report {report}")
        found = {t["table"]: t for t in json.loads(report.read_text())["tables"]}
        want = {"count_part": rows, "count_src": rows, "pk_nulls": 0, "pk_dupes": 0}
        wrong = {n: {k: t.get(k) for k in want} for n, t in found.items()}
        wrong = {n: got for n, got in wrong.items() if got != want}
        if len(found) != tables or wrong:
            raise fail(f"report has {len(found)} tables; expected {want}, got {wrong}")
        if docs is not None and not (docs / "index.html").is_file():
            raise fail(f"--data_docs true built no {docs / 'index.html'}")

    return check


def timed(name: str, cmd: list[str], check: Check, ok_codes: tuple[int, ...]) -> float:
    started = time.perf_counter()
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if proc.returncode not in ok_codes:
        tail = "\n".join(proc.stderr.strip().splitlines()[-15:])
        raise fail(f"{name} exited {proc.returncode}: {' '.join(cmd)}\n{tail}")
    check(proc)
    return elapsed


def monitor_args(lake: Path, as_of: str, docs: Path | None) -> list[str]:
    args = ["run", "--database", DATABASE, "--report_bucket", REPORT_BUCKET]
    args += ["--warehouse", str(lake), "--bucket_count", str(BUCKETS), "--as_of", as_of]
    if docs is None:
        return [*args, "--data_docs", "false"]
    return [*args, "--data_docs", "true", "--docs_dir", str(docs)]


def run_variant(name: str, lake: Path, info: dict[str, Any]) -> float:
    n, rows, as_of, py = info["tables"], info["rows"], info["as_of"], sys.executable
    if name == "seed":
        cmd = [py, str(HERE / "seed_baseline.py"), "--warehouse", str(lake), "--database", DATABASE]
        return timed(name, cmd, check_seed(n, rows), (0,))
    docs = Path(tempfile.mkdtemp(prefix="bench-docs-")) if name == "monitor+docs" else None
    # validation results accumulate in <lake>/gx-validations and every docs build renders them
    # all: start each docs run from none, like a first run
    shutil.rmtree(lake / "gx-validations", ignore_errors=True)
    try:
        cmd = [py, "-m", "data_monitor", *monitor_args(lake, as_of, docs)]
        return timed(name, cmd, check_monitor(lake, as_of, n, rows, docs), (0, 1))
    finally:
        if docs is not None:
            shutil.rmtree(docs, ignore_errors=True)


def count_queries(lake: Path, as_of: str, docs: bool) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bench-docs-") as tmp:
        args = monitor_args(lake, as_of, Path(tmp) if docs else None)
        cmd = [sys.executable, str(HERE / "count_queries.py"), "--pk_column", PK, "--", *args]
        proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True)
    if proc.returncode not in (0, 1) or not proc.stdout.strip():
        raise fail(f"count_queries exited {proc.returncode}:\n{proc.stderr[-2000:]}")
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


def machine() -> dict[str, Any]:
    versions = {p: metadata.version(p) for p in ("duckdb", "great_expectations", "sqlalchemy")}
    return {
        "nproc": os.cpu_count(),
        "usable_cpus": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "loadavg_start": [round(x, 2) for x in os.getloadavg()],
        **versions,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    for flag, default, what in FLAGS:
        parser.add_argument(flag, type=int, default=default, help=f"{what} (default {default})")
    parser.add_argument("--lake", type=Path, default=REPO / "bench-results" / "lake")
    parser.add_argument("--out", type=Path, default=REPO / "bench-results" / "latest.json")
    args = parser.parse_args(argv)
    if args.tables < 1 or args.rows < BUCKETS or args.repeat < 1 or args.warmup < 0:
        raise fail("need --tables >= 1, --rows >= 256, --repeat >= 1, --warmup >= 0")
    lake = args.lake.resolve()
    info = ensure_lake(lake, args.tables, args.rows)
    print(f"view SQL identical to the monitor's for {check_view_sql(lake)} tables", flush=True)
    host = machine()
    variants = ["seed", "monitor", "monitor+docs"]
    times: dict[str, list[float]] = {v: [] for v in variants}
    for r in range(args.warmup + args.repeat):
        order = variants[r % 3 :] + variants[: r % 3]  # rotate so no variant always goes first
        label = f"warm-up {r + 1}" if r < args.warmup else f"round {r - args.warmup + 1}"
        for name in order:
            elapsed = run_variant(name, lake, info)
            if r >= args.warmup:
                times[name].append(elapsed)
            print(f"  {label:<10} {name:<13} {elapsed:7.2f} s", flush=True)
    queries = {"seed": seed_baseline.query_counts(PK)}
    queries["monitor"] = count_queries(lake, info["as_of"], docs=False)
    queries["monitor+docs"] = count_queries(lake, info["as_of"], docs=True)
    host["loadavg_end"] = [round(x, 2) for x in os.getloadavg()]
    med = {v: statistics.median(t) for v, t in times.items()}
    results = {
        v: {"times_s": [round(x, 3) for x in t], "median_s": round(med[v], 3)}
        | {"min_s": round(min(t), 3), "ratio_to_seed": round(med[v] / med["seed"], 2)}
        for v, t in times.items()
    }
    document = {
        "measured_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "config": {**vars(args), "lake": str(lake), "out": str(args.out)},
        "lake": info,
        "machine": host,
        "variants": results,
        "queries": queries,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(document, indent=2, default=str) + "\n")
    print_table(document)
    print(f"written {args.out}")
    return 0


def print_table(doc: dict[str, Any]) -> None:
    m, lake = doc["machine"], doc["lake"]
    print(
        f"\n{lake['tables']} tables x {lake['rows']:,} rows x {lake['bucket_count']} partitions, "
        f"{len(doc['variants']['seed']['times_s'])} rounds | nproc {m['nproc']}, "
        f"python {m['python']}, duckdb {m['duckdb']}, great_expectations "
        f"{m['great_expectations']} | load {m['loadavg_start']} -> {m['loadavg_end']}"
    )
    head = f"{'variant':<14}{'median s':>9}{'min s':>8}{'ratio':>7}{'queries/tbl':>13}"
    print(head + f"{'key scans/tbl':>15}")
    for name, res in doc["variants"].items():
        q = doc["queries"][name]
        print(
            f"{name:<14}{res['median_s']:>9.2f}{res['min_s']:>8.2f}{res['ratio_to_seed']:>7.2f}"
            f"{q['data_queries_per_table']:>13g}{q['key_column_scans_per_table']:>15g}"
        )


if __name__ == "__main__":
    sys.exit(main())
