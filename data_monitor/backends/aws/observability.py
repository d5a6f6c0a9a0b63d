"""CloudWatch (PutMetricData) and EventBridge (PutEvents) for the run's metrics and event.

PutEvents answers 200 even when an entry was refused: the entry then carries ``ErrorCode`` and
``ErrorMessage`` and ``FailedEntryCount`` counts it
(https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-putevents.html), so the answer is
read, not only the status. PutMetricData takes at most 1,000 metrics and 1 MB a request
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricData.html):
``run_metrics.batches`` keeps each call inside both.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from data_monitor.backends.aws.calls import AwsClients, aws_call
from data_monitor.backends.base import BackendError
from data_monitor.model.run_metrics import MetricDatum, batches


class AwsObservability:
    """Clients only for what the run was asked to publish (``--cloudwatch_namespace``,
    ``--event_bus``)."""

    def __init__(self, clients: AwsClients, metrics: bool, events: bool) -> None:
        self.cloudwatch = clients.client("cloudwatch") if metrics else None
        self.events = clients.client("events") if events else None

    def put_metrics(self, namespace: str, data: Sequence[MetricDatum], at: dt.datetime) -> str:
        if self.cloudwatch is None:
            raise BackendError("this run was not set up to publish metrics")
        calls = 0
        for batch in batches(data):
            aws_call(
                f"PutMetricData to namespace {namespace}",
                self.cloudwatch.put_metric_data,
                Namespace=namespace,
                MetricData=[d.entry(at) for d in batch],
            )
            calls += 1
        return f"CloudWatch {namespace} ({len(data)} metrics in {calls} request(s))"

    def put_event(
        self, bus: str, source: str, detail_type: str, detail: str, at: dt.datetime
    ) -> str:
        if self.events is None:
            raise BackendError("this run was not set up to send events")
        entry = {
            "EventBusName": bus,
            "Source": source,
            "DetailType": detail_type,
            "Detail": detail,
            "Time": at,
        }
        answer = aws_call(f"PutEvents to {bus}", self.events.put_events, Entries=[entry])
        result = (answer.get("Entries") or [{}])[0]
        if answer.get("FailedEntryCount") or result.get("ErrorCode"):
            raise BackendError(
                f"PutEvents to {bus}: the event was refused: "
                f"{result.get('ErrorCode', 'error')}: {result.get('ErrorMessage', '')}".strip()
            )
        return f"EventBridge {bus} (event {result.get('EventId', '?')})"
