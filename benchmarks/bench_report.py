"""Machine facts, the summary of the timings and the printed table of ``bench_run.py``."""

from __future__ import annotations

import os
import platform
import statistics
from importlib import metadata
from typing import Any


def machine() -> dict[str, Any]:
    versions = {p: metadata.version(p) for p in ("duckdb", "great_expectations", "sqlalchemy")}
    affinity = getattr(os, "sched_getaffinity", None)
    return {
        "nproc": os.cpu_count(),
        "usable_cpus": len(affinity(0)) if affinity else None,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "loadavg_start": [round(x, 2) for x in os.getloadavg()],
        **versions,
    }


def summarize(times: dict[str, list[float]], baseline: str = "seed") -> dict[str, Any]:
    """Median, min and median/median ratio to ``baseline`` of every variant."""
    med = {v: statistics.median(t) for v, t in times.items()}
    return {
        v: {
            "times_s": [round(x, 3) for x in t],
            "median_s": round(med[v], 3),
            "min_s": round(min(t), 3),
            "ratio_to_seed": round(med[v] / med[baseline], 2),
        }
        for v, t in times.items()
    }


def print_table(doc: dict[str, Any]) -> None:
    m, lake, variants = doc["machine"], doc["lake"], doc["variants"]
    rounds = len(next(iter(variants.values()))["times_s"])
    print(
        f"\n{lake['tables']} tables x {lake['rows']:,} rows x {lake['bucket_count']} partitions, "
        f"{rounds} round(s) | nproc {m['nproc']}, python {m['python']}, duckdb {m['duckdb']}, "
        f"great_expectations {m['great_expectations']} | "
        f"load {m['loadavg_start']} -> {m['loadavg_end']}"
    )
    print(
        f"{'variant':<14}{'median s':>9}{'min s':>8}{'ratio':>7}"
        f"{'queries/table':>15}{'key scans/table':>17}"
    )
    for name, res in variants.items():
        q = doc["queries"][name]
        print(
            f"{name:<14}{res['median_s']:>9.2f}{res['min_s']:>8.2f}{res['ratio_to_seed']:>7.2f}"
            f"{q['data_queries_per_table']:>15g}{q['key_column_scans_per_table']:>17g}"
        )
    if doc["failed_runs"]:
        print(f"\n{len(doc['failed_runs'])} run(s) failed and were retried (not timed):")
        for failure in doc["failed_runs"]:
            print(f"  {failure['variant']}: {failure['error'][:150]} (log: {failure['log']})")
