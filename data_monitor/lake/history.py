"""Past runs, read back from the reports every run keeps under ``runs/``.

A history is one observation per ``as_of`` day, not one per run: a day's latest run stands for
that day, so re-running a day replaces its earlier runs instead of adding points (counted per
run, eight re-runs of one day look like a snapshot stalled for eight days, and their identical
counts shrink the variance the volume z-score divides by). The run's own day is not part of
its history at all: today's earlier runs are what this run re-does, not a past day.

Bounded by ``--history_days`` days before the run's own (and at most ``MAX_REPORTS`` files),
tolerant of reports that are missing, unreadable or of another shape: such a file is skipped
with a log line, and one storage refused to read is named to the caller as well.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from dataclasses import dataclass, field
from typing import Any

from data_monitor.backends.base import BackendError, Store
from data_monitor.model.settings import Settings

LOG = logging.getLogger("data_monitor")
MAX_REPORTS = 400
MAX_REPORT_BYTES = 32 * 1024 * 1024
RUN_REPORT = re.compile(r"omc_monitor_report_(\d{4}-\d{2}-\d{2})_(\d{8}T\d{6}Z)_\w+\.json$")


@dataclass
class TableHistory:
    """One table's past row counts and snapshot dates, one per day, oldest first."""

    row_counts: list[int] = field(default_factory=list)
    snapshot_dates: list[str] = field(default_factory=list)
    # the columns the latest past day's run saw ({"name", "type"}), and that day
    schema: list[dict[str, str]] | None = None
    schema_day: str = ""


def read_history(
    store: Store, settings: Settings, skipped: list[str] | None = None
) -> dict[str, TableHistory]:
    """{table: its history} from the run reports of the ``history_days`` days before ``as_of``.

    A report storage refused to read (access denied, say) is skipped, not fatal: it costs at
    most its day. ``skipped`` (when given) receives one line per such report, naming it.
    """
    days: dict[str, dict[str, dict[str, Any]]] = {}  # table -> day -> the day's observation
    for day, uri in _run_reports(store, settings):
        for row in _rows(store, uri, skipped if skipped is not None else []):
            _observe(days.setdefault(str(row.get("table")), {}).setdefault(day, {}), row)
    return {table: _history_of(observed) for table, observed in days.items()}


def run_reports(store: Store, settings: Settings) -> list[tuple[str, str, str]]:
    """(day, run time, uri) of every run report under ``runs/`` up to ``as_of``, oldest first."""
    base = f"s3://{settings.report_bucket}/{settings.report_prefix}runs/"
    runs = []
    for obj in store.list_objects(base):
        match = RUN_REPORT.search(obj.uri)
        if match and dt.date.fromisoformat(match[1]) <= settings.as_of:
            runs.append((match[1], match[2], obj.uri))
    return sorted(runs)


def _run_reports(store: Store, settings: Settings) -> list[tuple[str, str]]:
    """(day, uri) of the run reports of the window, by day then run time (so oldest first)."""
    first_day = settings.as_of - dt.timedelta(days=settings.history_days)
    # strictly before as_of: the run's own day is the one being observed now
    window = [
        (day, uri)
        for day, _, uri in run_reports(store, settings)
        if first_day <= dt.date.fromisoformat(day) < settings.as_of
    ]
    return window[-MAX_REPORTS:]


def _observe(observation: dict[str, Any], row: dict) -> None:
    """A later run of the same day overwrites what it saw; what it could not see stays."""
    if isinstance(row.get("count_part"), int):
        observation["count"] = row["count_part"]
    if row.get("raw_input_snapshot_dt"):
        observation["snapshot"] = str(row["raw_input_snapshot_dt"])
    schema = row.get("schema")
    if isinstance(schema, list) and all(_is_column(c) for c in schema):
        observation["schema"] = [{"name": c["name"], "type": c["type"]} for c in schema]


def _is_column(value: object) -> bool:
    return (
        isinstance(value, dict)
        and isinstance(value.get("name"), str)
        and isinstance(value.get("type"), str)
    )


def _history_of(observed: dict[str, dict[str, Any]]) -> TableHistory:
    by_day = [observed[day] for day in sorted(observed)]
    with_schema = [day for day in sorted(observed) if "schema" in observed[day]]
    return TableHistory(
        row_counts=[o["count"] for o in by_day if "count" in o],
        snapshot_dates=[o["snapshot"] for o in by_day if "snapshot" in o],
        schema=observed[with_schema[-1]]["schema"] if with_schema else None,
        schema_day=with_schema[-1] if with_schema else "",
    )


def _rows(store: Store, uri: str, skipped: list[str]) -> list[dict]:
    try:
        text = store.read_text(uri, MAX_REPORT_BYTES)
    except (BackendError, OSError) as exc:
        reason = str(exc).removeprefix(f"read {uri}: ")
        LOG.warning("skipping past report %s: it could not be read: %s", uri, reason)
        skipped.append(f"past report {uri} could not be read and was skipped: {reason}")
        return []
    try:
        document = json.loads(text or "")
        rows = document["tables"]
        if document.get("partial") or not isinstance(rows, list):
            return []  # a partial run's counts are not a baseline
        return [r for r in rows if isinstance(r, dict) and r.get("status") != "not checked"]
    except (ValueError, KeyError, TypeError) as exc:
        LOG.info("skipping past report %s: %s", uri, exc)
        return []
