"""Whole-process benchmark: the monitor against the seed's plain-DuckDB checks (see README.md).

python benchmarks/bench_run.py [--tables 20] [--rows 1000000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

# benchmarks/ is on sys.path when this file runs as a script
import bench_report
import seed_baseline
from bench_lake import BUCKETS, DATABASE, ensure_lake, fail

REPO = Path(__file__).resolve().parents[1]
HERE = Path(__file__).resolve().parent
REPORT_BUCKET, PK = "bench-reports", "customer_user_id"
FLAGS = [
    ("--tables", 20, "part tables"),
    ("--rows", 1_000_000, "rows per part table"),
    ("--repeat", 3, "timed rounds"),
    ("--warmup", 1, "untimed rounds run first"),
    ("--retries", 2, "re-runs of a failed run (each failure is reported)"),
]
Check = Callable[[subprocess.CompletedProcess[str]], None]
T = TypeVar("T")


@dataclass
class Bench:
    lake: Path
    info: dict[str, Any]
    flags: list[str]  # extra monitor flags
    retries: int
    log_dir: Path
    failures: list[dict[str, str]]


class RunFailed(Exception):
    """A run exited with an unexpected code or gave wrong results: retried, and reported."""

    def __init__(self, message: str, log: str = "") -> None:
        super().__init__(message)
        self.log = log


def check_seed(tables: int, rows: int) -> Check:
    def check(proc: subprocess.CompletedProcess[str]) -> None:
        lines = [line.split("\t") for line in proc.stdout.splitlines() if line.strip()]
        bad = [line for line in lines if line[1:] != [str(rows), str(rows), "0", "0"]]
        if len(lines) != tables or bad:
            raise RunFailed(f"seed baseline gave wrong results ({len(lines)} tables): {bad[:3]}")

    return check


def check_monitor(lake: Path, as_of: str, tables: int, rows: int, docs: Path | None) -> Check:
    report = lake / "s3" / REPORT_BUCKET / "data-monitor" / f"omc_monitor_report_{as_of}.json"
    report.unlink(missing_ok=True)

    def check(proc: subprocess.CompletedProcess[str]) -> None:
        if not report.is_file():
            raise RunFailed(f"the monitor wrote no report {report}")
        found = {t["table"]: t for t in json.loads(report.read_text())["tables"]}
        want = {"count_part": rows, "count_src": rows, "pk_nulls": 0, "pk_dupes": 0}
        wrong = {n: {k: t.get(k) for k in want} for n, t in found.items()}
        wrong = {n: got for n, got in wrong.items() if got != want}
        if len(found) != tables or wrong:
            raise RunFailed(f"report has {len(found)} tables; expected {want}, got {wrong}")
        if docs is not None and not (docs / "index.html").is_file():
            raise RunFailed(f"--data_docs true built no {docs / 'index.html'}")

    return check


def reason(proc: subprocess.CompletedProcess[str]) -> str:
    """The first alert/failure line of a run, else its last line of stderr."""
    lines = proc.stdout.splitlines() + proc.stderr.splitlines()
    why = [x for x in lines if "[ERROR]" in x or x.startswith("FAILED")]
    return (why or proc.stderr.strip().splitlines()[-1:] or ["no output"])[0].strip()


def timed(name: str, cmd: list[str], check: Check, ok_codes: tuple[int, ...]) -> float:
    started = time.perf_counter()
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    log = f"$ {shlex.join(cmd)}\nexit {proc.returncode}\n{proc.stdout}\n--- stderr\n{proc.stderr}"
    if proc.returncode not in ok_codes:
        raise RunFailed(f"{name} exited {proc.returncode}: {reason(proc)}", log)
    try:
        check(proc)
    except RunFailed as exc:
        raise RunFailed(str(exc), log) from None
    return elapsed


def monitor_args(bench: Bench, docs: Path | None) -> list[str]:
    args = ["run", "--database", DATABASE, "--report_bucket", REPORT_BUCKET, "--warehouse"]
    args += [str(bench.lake), "--bucket_count", str(BUCKETS), "--as_of", bench.info["as_of"]]
    args += ["--data_docs", "false"] if docs is None else ["--data_docs", "true"]
    return args + ([] if docs is None else ["--docs_dir", str(docs)]) + bench.flags


def run_variant(bench: Bench, name: str) -> float:
    lake, n, rows, py = bench.lake, bench.info["tables"], bench.info["rows"], sys.executable
    if name == "seed":
        cmd = [py, str(HERE / "seed_baseline.py"), "--warehouse", str(lake), "--database", DATABASE]
        return timed(name, cmd, check_seed(n, rows), (0,))
    docs = Path(tempfile.mkdtemp(prefix="bench-docs-")) if name == "monitor+docs" else None
    # validation results pile up in <lake>/gx-validations and each docs build renders all of
    # them: start every run from none, as a first run
    shutil.rmtree(lake / "gx-validations", ignore_errors=True)
    try:
        cmd = [py, "-m", "data_monitor", *monitor_args(bench, docs)]
        check = check_monitor(lake, bench.info["as_of"], n, rows, docs)
        return timed(name, cmd, check, (0, 1))
    finally:
        if docs is not None:
            shutil.rmtree(docs, ignore_errors=True)


def count_queries(bench: Bench, name: str) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bench-docs-") as tmp:
        args = monitor_args(bench, Path(tmp) if name == "monitor+docs" else None)
        cmd = [sys.executable, str(HERE / "count_queries.py"), "--pk_column", PK, "--", *args]
        proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True)
    log = f"$ {shlex.join(cmd)}\nexit {proc.returncode}\n{proc.stdout}\n--- stderr\n{proc.stderr}"
    if proc.returncode not in (0, 1) or not proc.stdout.strip():
        raise RunFailed(f"count_queries ({name}) exited {proc.returncode}: {reason(proc)}", log)
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


def with_retries(bench: Bench, name: str, action: Callable[[], T]) -> T:
    """``action()``; a RunFailed is logged, recorded and retried up to ``bench.retries`` times."""
    for _ in range(bench.retries + 1):
        try:
            return action()
        except RunFailed as exc:
            log = bench.log_dir / f"failed-{len(bench.failures) + 1}-{name}.log"
            log.parent.mkdir(parents=True, exist_ok=True)
            log.write_text(exc.log)
            bench.failures.append({"variant": name, "error": str(exc), "log": str(log)})
            print(f"  {name} FAILED, not timed: {str(exc)[:200]} (log: {log})", flush=True)
    raise fail(f"{name} failed {bench.retries + 1} times in a row; see {bench.log_dir}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    for flag, default, what in FLAGS:
        parser.add_argument(flag, type=int, default=default, help=f"{what} (default {default})")
    parser.add_argument("--lake", type=Path, default=REPO / "bench-results" / "lake")
    parser.add_argument("--out", type=Path, default=REPO / "bench-results" / "latest.json")
    parser.add_argument("--monitor_flags", default="", help="extra flags for every monitor run")
    args = parser.parse_args(argv)
    if (
        args.tables < 1
        or args.rows < BUCKETS
        or min(args.repeat - 1, args.warmup, args.retries) < 0
    ):
        raise fail("need --tables >= 1, --rows >= 256, --repeat >= 1, --warmup/--retries >= 0")
    lake = args.lake.resolve()
    info = ensure_lake(lake, args.tables, args.rows)
    out = args.out.resolve()
    flags = shlex.split(args.monitor_flags)
    started = dt.datetime.now(dt.timezone.utc)
    log_dir = out.parent / "failed-runs" / started.strftime("%Y%m%dT%H%M%SZ")
    bench = Bench(lake, info, flags, args.retries, log_dir, [])
    host = bench_report.machine()
    variants = ["seed", "monitor", "monitor+docs"]
    times: dict[str, list[float]] = {v: [] for v in variants}
    for r in range(args.warmup + args.repeat):
        order = variants[r % 3 :] + variants[: r % 3]  # rotate so no variant always goes first
        label = f"warm-up {r + 1}" if r < args.warmup else f"round {r - args.warmup + 1}"
        for name in order:
            elapsed = with_retries(bench, name, functools.partial(run_variant, bench, name))
            if r >= args.warmup:
                times[name].append(elapsed)
            print(f"  {label:<10} {name:<13} {elapsed:7.2f} s", flush=True)
    queries: dict[str, Any] = {"seed": seed_baseline.query_counts(PK)}
    for name in variants[1:]:
        queries[name] = with_retries(bench, name, functools.partial(count_queries, bench, name))
    host["loadavg_end"] = [round(x, 2) for x in os.getloadavg()]
    document = {
        "measured_at": started.isoformat(timespec="seconds"),
        "config": {**vars(args), "lake": str(lake), "out": str(out)},
        "lake": info,
        "machine": host,
        "variants": bench_report.summarize(times),
        "queries": queries,
        "failed_runs": bench.failures,
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(document, indent=2, default=str) + "\n")
    bench_report.print_table(document)
    print(f"written {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
