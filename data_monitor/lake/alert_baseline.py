"""The alerts this run is compared with: those of the last run that checked each table.

Past reports are the per-run copies under ``runs/`` (``lake.history`` reads the same files for
the trend checks). Read newest first, up to ``MAX_BASELINE_REPORTS``: a table takes the alerts
of the newest report that covers it (looked at it, or carried its open alerts:
``carried_alerts``), and alerts about the run or about a table no run checked
(``[NO_TABLES]``, a name given in ``--tables`` that does not exist) come from the newest
report. A run that checks every table, as the daily run does, reads one report.

Only complete reports of the same database and table prefix are a baseline: a partial run
stopped before every check ran, so an alert missing from it was never fixed. An unreadable
report is skipped with a log line, as the history does; the run then compares with the one
before.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

from data_monitor.backends.base import BackendError, Store
from data_monitor.lake.history import MAX_REPORT_BYTES, run_reports
from data_monitor.model.alert_states import RUN_WIDE, PastAlert
from data_monitor.model.settings import Settings

LOG = logging.getLogger("data_monitor")
MAX_BASELINE_REPORTS = 10
CHECKED_IN_FULL = ("ok", "alerts")


@dataclass
class AlertBaseline:
    alerts: list[PastAlert] = field(default_factory=list)
    # tables whose alerts came from a run that did not check them in full (run-wide alerts,
    # names that matched no table): they can be resolved as soon as this run lacks them
    run_wide_tables: set[str] = field(default_factory=set)
    reports: list[str] = field(default_factory=list)  # the reports the alerts came from


def read_alert_baseline(store: Store, settings: Settings, tables: Sequence[str]) -> AlertBaseline:
    """The alerts to compare this run's with: for ``tables`` (those this run looks at) and for
    every table the last complete report covers (so what stays open on a table this run
    skips is carried on), each from the newest report that covers the table."""
    wanted, baseline, read, first = set(tables), AlertBaseline(), 0, True
    for day, _, uri in reversed(run_reports(store, settings)):
        if read >= MAX_BASELINE_REPORTS or (not wanted and not first):
            break
        document = _complete_report(store, uri, settings)
        read += 1
        if document is None:
            continue
        rows = {str(r.get("table")): r for r in document.get("tables") or [] if isinstance(r, dict)}
        raised, carried = (
            [p for p in (_past_alert(d, day) for d in document.get(key) or []) if p is not None]
            for key in ("alert_details", "carried_alerts")
        )
        covered = {t for t, r in rows.items() if r.get("status") != "not checked"}
        covered |= {p.table for p in carried} - {RUN_WIDE}
        if first:  # the newest complete report: its run-wide alerts, and every table it covers
            wanted |= covered
        taken = False
        # run-wide: about the run, or about a table the run had no row for (a carried alert's
        # table has none: that run did not look at it)
        tagged = [(p, p.table == RUN_WIDE or p.table not in rows) for p in raised]
        tagged += [(p, p.table == RUN_WIDE) for p in carried]
        for past, run_wide in tagged:
            if (run_wide and first) or (not run_wide and past.table in wanted & covered):
                baseline.alerts.append(past)
                taken = True
                if run_wide:
                    baseline.run_wide_tables.add(past.table)
        if taken:
            baseline.reports.append(uri)
        wanted -= covered
        first = False
    return baseline


def _complete_report(store: Store, uri: str, settings: Settings) -> dict | None:
    try:
        document = json.loads(store.read_text(uri, MAX_REPORT_BYTES) or "")
    except (BackendError, OSError, ValueError) as exc:
        LOG.warning("alert states: skipping past report %s: %s", uri, exc)
        return None
    if not isinstance(document, dict) or document.get("partial"):
        return None
    same = (document.get("database"), document.get("prefix")) == (
        settings.database,
        settings.table_prefix,
    )
    return document if same else None


def _past_alert(detail: object, day: str) -> PastAlert | None:
    if not isinstance(detail, dict):
        return None
    code, table, line = detail.get("code"), detail.get("table"), detail.get("line")
    if not (isinstance(code, str) and isinstance(table, str) and isinstance(line, str)):
        return None
    runs = detail.get("runs")
    first_seen, last_seen = detail.get("first_seen"), detail.get("last_seen")
    return PastAlert(
        code=code,
        severity=str(detail.get("severity") or ""),
        table=table,
        line=line,
        first_seen=first_seen if isinstance(first_seen, str) and first_seen else day,
        runs=runs if isinstance(runs, int) and not isinstance(runs, bool) and runs > 0 else 1,
        # a carried alert was last raised before the report that carried it
        seen_on=last_seen if isinstance(last_seen, str) and last_seen else day,
    )
