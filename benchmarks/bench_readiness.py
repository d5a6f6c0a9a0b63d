"""What the Clean Rooms readiness suite costs a run (see README.md, "Clean Rooms readiness").

python benchmarks/bench_readiness.py [--scale 3] [--repeat 3]

Builds the demo lake (``demo_tables(scale)``: 9 tables) once, then times whole
``data-monitor run`` processes on the local backend (Data Docs off), alternating two GX project
folders in each round: the shipped ``gx/`` and a copy without
``expectations/clean_rooms_readiness.json``. Each run gets a fresh copy of the lake, so repairs
of one do not help the next. Prints the median and min of each and their ratio, and checks that
the run with the suite reports the demo's readiness alert (and the one without does not).
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
        variants = {"with": root / "gx-with", "without": root / "gx-without"}
        shutil.copytree(REPO / "gx", variants["with"])
        shutil.copytree(REPO / "gx", variants["without"])
        (variants["without"] / "expectations" / READINESS).unlink()
        times: dict[str, list[float]] = {name: [] for name in variants}
        run_once(lake, variants["with"], root / "warm-up")  # imports and caches, untimed
        for round_number in range(args.repeat):
            order = list(variants) if round_number % 2 == 0 else list(reversed(variants))
            for name in order:
                seconds, alerts = run_once(lake, variants[name], root / name)
                has_alert = any(a.startswith(ALERT) for a in alerts)
                if has_alert != (name == "with"):
                    raise SystemExit(
                        f"{name}: the readiness alert is {'missing' if name == 'with' else 'there'}"
                    )
                times[name].append(seconds)
    for name, values in times.items():
        print(f"{name:8} median {statistics.median(values):6.2f} s  min {min(values):6.2f} s")
    ratio = statistics.median(times["with"]) / statistics.median(times["without"])
    print(f"with / without (median): {ratio:.2f}")


if __name__ == "__main__":
    main()
