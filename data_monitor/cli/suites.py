"""``data-monitor suites check``: validate every suite file, and count what each ``table`` suite
costs per table in SQL queries (billed queries on Athena)."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

LOG = logging.getLogger("data_monitor")


def suites_check(gx_dir: Path | None) -> int:
    from data_monitor.validation.suites import SuiteError, default_gx_dir, load_suite_files

    folder = gx_dir or default_gx_dir()
    try:
        suites = load_suite_files(folder)
    except SuiteError as exc:
        print(exc, file=sys.stderr)
        return 1
    from data_monitor.validation.query_probe import queries_per_table

    shared = {s.name: s for s in suites if s.table is None}
    for suite in suites:
        overrides = f", {len(suite.overrides)} override(s)" if suite.overrides else ""
        cost = ""
        if suite.batch == "table":  # SQL: on Athena each query is billed
            if suite.table is None:
                cost = f"; {queries_per_table(suite)} per table"
            else:
                probe = queries_per_table(shared[suite.name], suite)
                cost = f"; {probe} for {suite.table}, with {suite.name}.json"
        print(
            f"{suite.path}: {len(suite.expectations)} expectation(s){overrides}, "
            f"batch {suite.batch}: ok{cost}"
        )
    return 0
