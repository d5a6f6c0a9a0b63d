"""Data Docs build time as runs accumulate (see README.md, "Data Docs as runs accumulate").

python benchmarks/bench_docs.py [--runs 100] [--contrast_runs 60] [--tables 5] [--rows 2000]

Runs the monitor in-process on a small clean lake again and again, timing only the checkpoint's
docs action (``UpdateDocsAction.run``: pruning, the run's pages, the index) each time: first
with the default ``--docs_keep_runs`` (30), then, for contrast, keeping every run.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import io
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import bench_report  # benchmarks/ is on sys.path when this file runs as a script

from data_monitor.cli import main
from data_monitor.demo.lakegen import build_lake
from data_monitor.demo.specs import TableSpec
from data_monitor.validation import actions

REPO = Path(__file__).resolve().parents[1]
DATABASE, BUCKET, REPORT_BUCKET, BUCKETS = "docs_db", "docs-lake", "docs-reports", 16
POINTS = (1, 10, 30, 31, 50, 60, 100)  # runs reported in the table (those that were run)

DOCS_TIMES: list[float] = []  # one per docs action, appended by the wrapper below
_original_run = actions.UpdateDocsAction.run


def _timed_run(self: Any, *args: Any, **kwargs: Any) -> Any:
    started = time.perf_counter()
    try:
        return _original_run(self, *args, **kwargs)
    finally:
        DOCS_TIMES.append(time.perf_counter() - started)


actions.UpdateDocsAction.run = _timed_run  # type: ignore[method-assign]


def monitor_argv(warehouse: Path, keep: int | None, as_of: dt.date) -> list[str]:
    argv = ["run", "--database", DATABASE, "--report_bucket", REPORT_BUCKET]
    argv += ["--warehouse", str(warehouse), "--bucket_count", str(BUCKETS)]
    argv += ["--as_of", as_of.isoformat()]
    return argv + (["--docs_keep_runs", str(keep)] if keep is not None else [])


def one_run(argv: list[str]) -> tuple[float, float]:
    """One monitor run (output kept quiet): (docs action s, whole run s); exits on a failure."""
    before = len(DOCS_TIMES)
    out, err = io.StringIO(), io.StringIO()
    started = time.perf_counter()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    whole = time.perf_counter() - started
    if code != 0 or len(DOCS_TIMES) != before + 1:
        sys.exit(f"bench_docs: a run exited {code}:\n{out.getvalue()}{err.getvalue()}")
    return DOCS_TIMES[-1], whole


def scenario(lake: Path, work: Path, runs: int, keep: int | None, as_of: dt.date) -> dict:
    """``runs`` monitor runs on a fresh copy of ``lake``; docs and whole-run time of each."""
    warehouse = work / f"warehouse-keep-{keep or 'default'}"
    shutil.copytree(lake, warehouse)
    argv = monitor_argv(warehouse, keep, as_of)
    docs, whole = [], []
    label = f"--docs_keep_runs {keep}" if keep is not None else "default --docs_keep_runs (30)"
    print(f"{runs} runs, {label}:", flush=True)
    for n in range(1, runs + 1):
        d, w = one_run(argv)
        docs.append(d)
        whole.append(w)
        if n % 10 == 0 or n == 1:
            print(f"  run {n:>3}: docs {d:.3f} s, whole run {w:.2f} s", flush=True)
    # One more run in a new process: is the last runs' time the site's size, or this process
    # having run the monitor many times?
    child = subprocess.run(
        [sys.executable, __file__, "--_one_run", json.dumps(argv)],
        capture_output=True,
        text=True,
        check=True,
    )
    fresh = json.loads(child.stdout.strip().splitlines()[-1])
    print(f"  run {runs + 1} in a new process: docs {fresh['docs_s']:.3f} s", flush=True)
    site = warehouse / "data-docs"
    return {
        "runs": runs,
        "docs_keep_runs": keep if keep is not None else 30,
        "docs_s": [round(t, 4) for t in docs],
        "run_s": [round(t, 3) for t in whole],
        "at_run": {str(p): round(docs[p - 1], 4) for p in POINTS if p <= runs},
        "median_last_10_s": round(statistics.median(docs[-10:]), 4),
        "median_per_10_runs_s": [
            round(statistics.median(docs[i : i + 10]), 4) for i in range(0, runs, 10)
        ],
        "next_run_in_new_process_docs_s": round(fresh["docs_s"], 4),
        "median_runs_2_11_s": round(statistics.median(docs[1:11]), 4),
        "ratio_last_to_first": round(docs[-1] / docs[0], 2),
        "ratio_median_last_10_to_runs_2_11": round(
            statistics.median(docs[-10:]) / statistics.median(docs[1:11]), 2
        ),
        "stored_result_files": sum(1 for _ in (warehouse / "gx-validations").rglob("*.json")),
        "site_pages": sum(1 for _ in site.rglob("*.html")),
        "validation_pages": sum(1 for _ in (site / "validations").rglob("*.html")),
        "index_bytes": (site / "index.html").stat().st_size,
    }


def print_table(doc: dict[str, Any]) -> None:
    m, lake = doc["machine"], doc["lake"]
    print(
        f"\n{lake['tables']} tables x {lake['rows']:,} rows x {lake['bucket_count']} partitions "
        f"(2 suites: {lake['validations_per_run']} validations a run) | nproc {m['nproc']}, "
        f"python {m['python']}, great_expectations {m['great_expectations']} | "
        f"load {m['loadavg_start']} -> {m['loadavg_end']}"
    )
    print("docs action time (s) at run N:")
    cols = [str(p) for p in POINTS]
    print(
        f"{'keep':>5}{'runs':>6}"
        + "".join(f"{'#' + c:>8}" for c in cols)
        + f"{'med last10':>11}{'last/first':>11}{'results':>9}{'pages':>7}"
    )
    for res in doc["scenarios"].values():
        cells = "".join(
            f"{res['at_run'][c]:>8.3f}" if c in res["at_run"] else f"{'':>8}" for c in cols
        )
        print(
            f"{res['docs_keep_runs']:>5}{res['runs']:>6}{cells}{res['median_last_10_s']:>11.3f}"
            f"{res['ratio_last_to_first']:>11.2f}{res['stored_result_files']:>9}"
            f"{res['site_pages']:>7}"
        )
    print("median docs time (s) per 10 runs, and the next run in a new process:")
    for res in doc["scenarios"].values():
        tens = " ".join(f"{t:.3f}" for t in res["median_per_10_runs_s"])
        print(
            f"  keep {res['docs_keep_runs']:>4}: {tens} | new process: "
            f"{res['next_run_in_new_process_docs_s']:.3f}"
        )


def main_bench() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=100, help="runs with the default keep (30)")
    parser.add_argument("--contrast_runs", type=int, default=60, help="runs keeping every run")
    parser.add_argument("--tables", type=int, default=5)
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--out", type=Path, default=REPO / "bench-results" / "docs.json")
    parser.add_argument("--_one_run", help=argparse.SUPPRESS)  # internal: one run, JSON out
    args = parser.parse_args()
    if args._one_run:
        docs, whole = one_run(json.loads(args._one_run))
        print(json.dumps({"docs_s": docs, "run_s": whole}))
        return

    machine = bench_report.machine()
    as_of = dt.date.today()
    with tempfile.TemporaryDirectory(prefix="bench-docs-") as tmp:
        work = Path(tmp)
        specs = [TableSpec(f"docs_{i:02d}", args.rows, BUCKETS) for i in range(args.tables)]
        build_lake(work / "lake", DATABASE, BUCKET, specs, as_of=as_of)
        scenarios = {
            "keep_30": scenario(work / "lake", work, args.runs, None, as_of),
            "keep_all": scenario(work / "lake", work, args.contrast_runs, 1000, as_of),
        }
    machine["loadavg_end"] = [round(x, 2) for x in os.getloadavg()]
    doc = {
        "generated_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "machine": machine,
        "lake": {
            "tables": args.tables,
            "rows": args.rows,
            "bucket_count": BUCKETS,
            "validations_per_run": 2 * args.tables,
        },
        "scenarios": scenarios,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(doc, indent=2) + "\n")
    print_table(doc)
    print(f"\nwritten: {args.out}")


if __name__ == "__main__":
    main_bench()
