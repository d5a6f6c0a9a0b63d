"""Delivering a run: the JSON/CSV reports and the alert message.

Each run writes its own timestamped report under ``runs/`` and then the seed's per-day name
(``omc_monitor_report_{date}.json``), which is therefore the latest run of the day; an earlier
run of the same day stays in ``runs/``. The alert goes out even when a report could not be
written (and says so); a failure of either is recorded and makes the exit code non-zero.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import TYPE_CHECKING

from data_monitor.backends.base import Backend
from data_monitor.delivery.alerts import changes_message_for, message_for, subject_for
from data_monitor.delivery.report import REPORT_NAME, report_document, to_csv, to_json
from data_monitor.model.alert_states import NEW
from data_monitor.model.settings import Settings

if TYPE_CHECKING:
    from data_monitor.model.results import RunOutcome

LOG = logging.getLogger("data_monitor")


def report_uris(settings: Settings, started: dt.datetime, run_key: str) -> dict[str, str]:
    base = f"s3://{settings.report_bucket}/{settings.report_prefix}"
    day = REPORT_NAME.format(date=settings.as_of.isoformat())
    stamp = started.strftime("%Y%m%dT%H%M%SZ") + "_" + run_key
    return {
        "summary": f"{base}summary/{day}_{stamp}.html",
        "latest_summary": f"{base}summary/latest.html",
        "run_json": f"{base}runs/{day}_{stamp}.json",
        "run_csv": f"{base}runs/{day}_{stamp}.csv",
        "json": f"{base}{day}.json",
        "csv": f"{base}{day}.csv",
    }


def run_document(settings: Settings, outcome: RunOutcome, started: dt.datetime) -> dict:
    """The JSON report of the run (the seed's keys, then ours)."""
    uris = report_uris(settings, started, outcome.run_key)
    return report_document(
        settings,
        outcome.generated_at,
        outcome.rows,
        outcome.alerts,
        {
            "as_of": settings.as_of.isoformat(),
            "backend": settings.backend,
            "auto_repair": settings.auto_repair,
            "run_report": uris["run_json"],
            "summary": uris["summary"],
            "failures": outcome.failures,
            "partial": outcome.partial,
            "athena": outcome.athena,
        },
        outcome.alert_states,
    )


def write_summary(
    backend: Backend, settings: Settings, outcome: RunOutcome, started: dt.datetime
) -> None:
    """The run's summary page, and the same as ``summary/latest.html``."""
    from data_monitor.delivery.summary_page import render_summary

    uris = report_uris(settings, started, outcome.run_key)
    page = render_summary(run_document(settings, outcome, started)).encode()
    outcome.summary_page = page
    for key in ("summary", "latest_summary"):
        try:
            outcome.outputs[key] = backend.store.write_bytes(uris[key], page, "text/html")
        except Exception as exc:  # the report and alert matter more; say so and go on
            outcome.failures.append(f"summary {uris[key]} could not be written: {exc}")


def write_reports(
    backend: Backend, settings: Settings, outcome: RunOutcome, started: dt.datetime
) -> None:
    """The run's copy under ``runs/``, then the day's file; a failed write is recorded."""
    uris = report_uris(settings, started, outcome.run_key)
    document = run_document(settings, outcome, started)
    payloads = {
        "run_json": (to_json(document), "application/json"),
        "run_csv": (to_csv(outcome.rows), "text/csv"),
        "json": (to_json(document), "application/json"),
        "csv": (to_csv(outcome.rows), "text/csv"),
    }
    for key, (data, content_type) in payloads.items():
        try:
            outcome.outputs[key] = backend.store.write_bytes(uris[key], data, content_type)
        except Exception as exc:  # the alert must still go out, and the report not be lost
            kept = _keep_locally(settings, uris[key], data)
            outcome.failures.append(f"report {uris[key]} could not be written: {exc}; {kept}")
            LOG.error("report %s could not be written: %s; %s", uris[key], exc, kept)


def _keep_locally(settings: Settings, uri: str, data: bytes) -> str:
    path = settings.local_fallback_dir / uri.removeprefix("s3://").replace("/", "__")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    except OSError as exc:
        return f"no local copy either ({exc})"
    return f"a copy is kept at {path}"


def send_alert(
    backend: Backend, settings: Settings, outcome: RunOutcome, started: dt.datetime
) -> None:
    """Send the alert when there are alerts; it says where the report is, or that it is not.

    With ``--notify changed`` it holds only the alerts new since the last run and those
    resolved, and none is sent when nothing changed."""
    uris = report_uris(settings, started, outcome.run_key)
    report, summary = uris["json"], uris["summary"]
    written = "json" in outcome.outputs
    footer = (
        f"Report: {report}\nSummary: {summary}"
        if written and "summary" in outcome.outputs
        else f"Report: {report}"
        if written
        else f"The report could not be written to {report}; "
        f"a copy is kept in {settings.local_fallback_dir} (see the job log)."
    )
    states = outcome.alert_states
    if settings.notify == "changed" and states is not None:
        new = [a for a in outcome.alerts if (t := states.of(a)) is None or t.state == NEW]
        if not new and not states.resolved:
            LOG.info(
                "no alert sent (--notify changed): nothing new or resolved, %d ongoing",
                len(outcome.alerts),
            )
            return
        ongoing = len(outcome.alerts) - len(new)
        counted = f"{len(new)} new, {len(states.resolved)} resolved"
        subject = subject_for(settings.database, settings.table_prefix, 0, counted)
        message = changes_message_for(
            settings.database, settings.table_prefix, new, states.resolved, ongoing, footer
        )
    elif not outcome.alerts:
        return
    else:
        subject = subject_for(settings.database, settings.table_prefix, len(outcome.alerts))
        message = message_for(settings.database, settings.table_prefix, outcome.alerts, footer)
    try:
        outcome.outputs["alert"] = backend.alerts.send(subject, message)
    except Exception as exc:
        outcome.failures.append(f"alert could not be sent: {exc}")
        LOG.error("alert could not be sent: %s", exc)
