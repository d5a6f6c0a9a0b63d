"""The warehouse's ``cloudwatch/metrics.jsonl`` and ``events/events.jsonl``: what CloudWatch
and EventBridge would receive, in the shape of their requests, one JSON object per line."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Sequence
from pathlib import Path

from data_monitor.model.run_metrics import MetricDatum


class LocalObservability:
    def __init__(self, warehouse: Path) -> None:
        self.metrics_path = warehouse / "cloudwatch" / "metrics.jsonl"
        self.events_path = warehouse / "events" / "events.jsonl"

    def put_metrics(self, namespace: str, data: Sequence[MetricDatum], at: dt.datetime) -> str:
        stamp = at.isoformat().replace("+00:00", "Z")
        records = [{"Namespace": namespace, **d.entry(stamp)} for d in data]
        _append(self.metrics_path, records)
        return f"{self.metrics_path} ({len(records)} metrics)"

    def put_event(
        self, bus: str, source: str, detail_type: str, detail: str, at: dt.datetime
    ) -> str:
        event_id = str(uuid.uuid4())
        record = {
            "id": event_id,
            "EventBusName": bus,
            "Source": source,
            "DetailType": detail_type,
            "Time": at.isoformat().replace("+00:00", "Z"),
            "Detail": json.loads(detail),
        }
        _append(self.events_path, [record])
        return f"{self.events_path} (event {event_id})"


def _append(path: Path, records: list[dict[str, object]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as handle:
        handle.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
