"""What the Clean Rooms readiness suite, schema drift and the raw-input check cost a run (see
README.md, "Clean Rooms readiness").

python benchmarks/bench_readiness.py [--scale 3] [--repeat 3]

Builds the demo lake (``demo_tables(scale)``: 10 tables) once, then times whole
``data-monitor run`` processes on the local backend (Data Docs off), rotating three GX project
folders in each round: the shipped ``gx/`` ("with"), a copy without
``expectations/clean_rooms_readiness.json`` ("without"), and one without it nor the
schema-change and raw-input expectations of ``part_table_metadata.json`` ("neither"). Each run
gets a fresh copy of the lake, so repairs of one do not help the next. Prints the median and min
of each and their ratios to "neither", and checks that each run reports exactly the alerts of
the checks it has.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from data_monitor.demo.lakegen import build_lake
from data_monitor.demo.specs import demo_tables

REPO = Path(__file__).resolve().parents[1]
DATABASE, BUCKET, REPORT_BUCKET = "omc_flywheel_demo", "demo-lake", "demo-reports"
AS_OF = dt.date(2026, 11, 20)
READINESS = "clean_rooms_readiness.json"
ALERT = "[CLEAN_ROOMS_EMPTY_PARTITIONS] part_ibe_09"
DRIFT_ALERT = "[SCHEMA_CHANGE] part_ibe_10"
LATER = ("expect_table_schema_to_be_unchanged", "expect_snapshot_to_keep_up_with_raw_input")


def without_later_checks(gx_dir: Path) -> None:
    path = gx_dir / "expectations" / "part_table_metadata.json"
    suite = json.loads(path.read_text())
    suite["expectations"] = [e for e in suite["expectations"] if e["type"] not in LATER]
    path.write_text(json.dumps(suite, indent=2))


def run_once(lake: Path, gx_dir: Path, work: Path) -> tuple[float, list[str]]:
    warehouse = work / "warehouse"
    shutil.rmtree(warehouse, ignore_errors=True)
    shutil.copytree(lake, warehouse)
    command = [
        sys.executable,
        "-m",
        "data_monitor",
        "run",
        "--database",
        DATABASE,
        "--report_bucket",
        REPORT_BUCKET,
        "--warehouse",
        str(warehouse),
        "--gx_dir",
        str(gx_dir),
        "--as_of",
        AS_OF.isoformat(),
        "--data_docs",
        "false",
    ]
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    if done.returncode not in (0, 1, 3):
        raise SystemExit(f"the run failed ({done.returncode}): {done.stderr[-2000:]}")
    report = warehouse / "s3" / REPORT_BUCKET / "data-monitor" / f"omc_monitor_report_{AS_OF}.json"
    return seconds, list(json.loads(report.read_text())["alerts"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-readiness-") as temp:
        root = Path(temp)
        lake = root / "lake"
        build_lake(lake, DATABASE, BUCKET, demo_tables(args.scale), as_of=AS_OF)
        variants = {name: root / f"gx-{name}" for name in ("with", "without", "neither")}
        for folder in variants.values():
            shutil.copytree(REPO / "gx", folder)
        for name in ("without", "neither"):
            (variants[name] / "expectations" / READINESS).unlink()
        without_later_checks(variants["neither"])
        times: dict[str, list[float]] = {name: [] for name in variants}
        run_once(lake, variants["with"], root / "warm-up")  # imports and caches, untimed
        for round_number in range(args.repeat):
            names = list(variants)
            order = names[round_number % 3 :] + names[: round_number % 3]
            for name in order:
                seconds, alerts = run_once(lake, variants[name], root / name)
                expected = {ALERT: name == "with", DRIFT_ALERT: name != "neither"}
                for prefix, wanted in expected.items():
                    if any(a.startswith(prefix) for a in alerts) != wanted:
                        raise SystemExit(f"{name}: {prefix} is {'missing' if wanted else 'there'}")
                times[name].append(seconds)
    for name, values in times.items():
        print(f"{name:8} median {statistics.median(values):6.2f} s  min {min(values):6.2f} s")
    base = statistics.median(times["neither"])
    for name in ("with", "without"):
        print(f"{name} / neither (median): {statistics.median(times[name]) / base:.2f}")


if __name__ == "__main__":
    main()
