"""The run's CloudWatch metrics (``--cloudwatch_namespace``) and its EventBridge event
(``--event_bus``), sent once the reports and the alert are out.

The event: ``source`` ``data-monitor``, ``detail-type`` ``Data Monitor Run Completed``; its
detail has the database, the tables by status, the alerts by severity, code and state, the
report and summary URIs, ``partial`` and the exit code. A PutEvents entry must be under 256 KB
(Source + DetailType + Detail, in UTF-8:
https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-putevent-size.html), so the one
list that grows with the lake, the tables with alerts, is cut to fit and the cut counted.

Either failing is recorded as a failure of the run (exit code 3), never raised: the report and
the alert matter more, and were delivered before.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from typing import Any

from data_monitor.backends.base import Backend
from data_monitor.delivery.outputs import report_uris
from data_monitor.model.results import RunOutcome
from data_monitor.model.run_metrics import run_metrics
from data_monitor.model.settings import Settings

EVENT_SOURCE = "data-monitor"
EVENT_DETAIL_TYPE = "Data Monitor Run Completed"
MAX_ENTRY_BYTES = 256 * 1024 - 1  # "less than 256KB"
STATUSES = ("ok", "alerts", "error", "not checked")


def publish_metrics(
    backend: Backend, settings: Settings, outcome: RunOutcome, started: dt.datetime
) -> None:
    namespace = settings.cloudwatch_namespace
    if not namespace:
        return
    duration = (dt.datetime.now(dt.timezone.utc) - started).total_seconds()
    data = run_metrics(settings.database, outcome, duration, settings.bucket_count)
    try:
        outcome.outputs["metrics"] = backend.observability.put_metrics(namespace, data, started)
    except Exception as exc:
        outcome.failures.append(f"CloudWatch metrics could not be published to {namespace}: {exc}")


def send_event(
    backend: Backend, settings: Settings, outcome: RunOutcome, started: dt.datetime
) -> None:
    bus = settings.event_bus
    if not bus:
        return
    detail = event_detail(settings, outcome, started)
    try:
        outcome.outputs["event"] = backend.observability.put_event(
            bus, EVENT_SOURCE, EVENT_DETAIL_TYPE, detail, started
        )
    except Exception as exc:
        outcome.failures.append(f"the run's event could not be sent to {bus}: {exc}")


def event_detail(settings: Settings, outcome: RunOutcome, started: dt.datetime) -> str:
    """The event's detail (JSON), within the entry size limit."""
    uris = report_uris(settings, started, outcome.run_key)
    statuses = Counter(r.status for r in outcome.rows)
    with_alerts = sorted({a.table for a in outcome.alerts})
    states = outcome.alert_states.counts() if outcome.alert_states is not None else None
    detail: dict[str, Any] = {
        "database": settings.database,
        "prefix": settings.table_prefix,
        "as_of": settings.as_of.isoformat(),
        "generated_at": outcome.generated_at,
        "backend": settings.backend,
        "tables": {s: statuses[s] for s in STATUSES} | {"total": len(outcome.rows)},
        "alerts": {
            "total": len(outcome.alerts),
            "by_severity": dict(Counter(str(a.severity) for a in outcome.alerts)),
            "by_code": dict(sorted(Counter(str(a.code) for a in outcome.alerts).items())),
            "by_state": states,
        },
        "report": uris["json"] if "json" in outcome.outputs else None,
        "run_report": uris["run_json"] if "run_json" in outcome.outputs else None,
        "summary": uris["summary"] if "summary" in outcome.outputs else None,
        "data_docs": outcome.outputs.get("data_docs"),
        "partial": outcome.partial,
        "failures": len(outcome.failures),
        "exit_code": int(outcome.exit_code_for(settings.fail_on)),
        "outcome": outcome.exit_code.name.lower(),
        "tables_with_alerts": with_alerts,
        "tables_with_alerts_not_listed": 0,
    }
    room = MAX_ENTRY_BYTES - len(EVENT_SOURCE.encode()) - len(EVENT_DETAIL_TYPE.encode()) - 14
    text = json.dumps(detail, ensure_ascii=False)
    while len(text.encode()) > room and detail["tables_with_alerts"]:
        listed = detail["tables_with_alerts"]
        keep = len(listed) * room // len(text.encode()) - 1  # shrink in proportion, then step
        detail["tables_with_alerts"] = listed[: max(min(keep, len(listed) - 1), 0)]
        detail["tables_with_alerts_not_listed"] = len(with_alerts) - len(
            detail["tables_with_alerts"]
        )
        text = json.dumps(detail, ensure_ascii=False)
    return text
