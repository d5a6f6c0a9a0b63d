"""Past runs, read back from the reports every run keeps under ``runs/``.

Bounded by ``--history_days`` (and at most ``MAX_REPORTS`` files), tolerant of reports that are
missing, unreadable or of another shape: such a file is skipped with a log line.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from dataclasses import dataclass, field

from data_monitor.backends.base import Store
from data_monitor.settings import Settings

LOG = logging.getLogger("data_monitor")
MAX_REPORTS = 400
MAX_REPORT_BYTES = 32 * 1024 * 1024
RUN_REPORT = re.compile(r"omc_monitor_report_(\d{4}-\d{2}-\d{2})_(\d{8}T\d{6}Z)_\w+\.json$")


@dataclass
class TableHistory:
    """One table's past row counts and snapshot dates, oldest first."""

    row_counts: list[int] = field(default_factory=list)
    snapshot_dates: list[str] = field(default_factory=list)


def read_history(store: Store, settings: Settings) -> dict[str, TableHistory]:
    """{table: its history} from the run reports of the last ``history_days`` days."""
    first_day = settings.as_of - dt.timedelta(days=settings.history_days)
    base = f"s3://{settings.report_bucket}/{settings.report_prefix}runs/"
    runs = []
    for obj in store.list_objects(base):
        match = RUN_REPORT.search(obj.uri)
        if match and first_day <= dt.date.fromisoformat(match[1]) <= settings.as_of:
            runs.append((match[2], obj.uri))
    history: dict[str, TableHistory] = {}
    for _, uri in sorted(runs)[-MAX_REPORTS:]:
        for row in _rows(store, uri):
            past = history.setdefault(str(row.get("table")), TableHistory())
            if isinstance(row.get("count_part"), int):
                past.row_counts.append(row["count_part"])
            if row.get("raw_input_snapshot_dt"):
                past.snapshot_dates.append(str(row["raw_input_snapshot_dt"]))
    return history


def _rows(store: Store, uri: str) -> list[dict]:
    try:
        document = json.loads(store.read_text(uri, MAX_REPORT_BYTES) or "")
        rows = document["tables"]
        if document.get("partial") or not isinstance(rows, list):
            return []  # a partial run's counts are not a baseline
        return [r for r in rows if isinstance(r, dict) and r.get("status") != "not checked"]
    except (ValueError, KeyError, TypeError) as exc:
        LOG.info("skipping past report %s: %s", uri, exc)
        return []
