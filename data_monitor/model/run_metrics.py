"""The run's figures as CloudWatch metrics: what is published, with which dimensions and units.

Per run (dimension ``Database``): ``Alerts`` by ``Severity`` (every severity, zeros included,
so an alarm on "High alerts > 0" sees each run), ``RunDurationSeconds``, ``TablesChecked`` and
``AthenaBytesScanned``. Per table (``Database``, ``Table``): ``PkNullRows``,
``DuplicateKeyRows``, ``CountDiffPercent``, ``PartitionsMissingInStorage``,
``PartitionsMissingInCatalog``, ``ReadinessFailures``, ``AthenaBytesScanned``, and ``Alerts``
per alert code (``Check``). A figure the run could not measure (a check that did not run, an
infinite difference) is left out, not sent as 0: in CloudWatch a missing point reads as "no
data", a 0 as "fine". Every datum carries the run's start as its one timestamp.

CloudWatch takes at most 1,000 metrics and 1 MB per PutMetricData request, values within
+-2^360 and no NaN or infinity
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricData.html).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from data_monitor.model.checks import Severity
from data_monitor.model.results import RunOutcome, TableRow

MAX_METRICS_PER_CALL = 1000
MAX_BYTES_PER_CALL = 1_000_000
CHECKED = ("ok", "alerts", "error")


@dataclass(frozen=True)
class MetricDatum:
    name: str
    dimensions: tuple[tuple[str, str], ...]
    value: float
    unit: str  # a CloudWatch StandardUnit: Count, Percent, Seconds, Bytes

    def entry(self, timestamp: object) -> dict[str, object]:
        """The datum as a PutMetricData ``MetricData`` entry."""
        return {
            "MetricName": self.name,
            "Dimensions": [{"Name": k, "Value": v} for k, v in self.dimensions],
            "Timestamp": timestamp,
            "Value": self.value,
            "Unit": self.unit,
        }

    def approx_bytes(self) -> int:
        """An upper bound of the datum's size in a request (names, values and the keys)."""
        return 120 + len(self.name) + sum(len(k) + len(v) + 40 for k, v in self.dimensions)


def run_metrics(
    database: str, outcome: RunOutcome, duration_seconds: float, bucket_count: int
) -> list[MetricDatum]:
    """Every datum of the run, run-wide first."""
    db = (("Database", database),)
    severities = Counter(str(a.severity) for a in outcome.alerts)
    data = [
        MetricDatum("Alerts", (*db, ("Severity", str(s))), float(severities[str(s)]), "Count")
        for s in Severity
    ]
    checked = [r for r in outcome.rows if r.status in CHECKED]
    data += [
        MetricDatum("RunDurationSeconds", db, round(duration_seconds, 3), "Seconds"),
        MetricDatum("TablesChecked", db, float(len(checked)), "Count"),
    ]
    scanned = _number((outcome.athena or {}).get("bytes_scanned"))
    if scanned is not None:
        data.append(MetricDatum("AthenaBytesScanned", db, scanned, "Bytes"))
    for row in checked:
        data += table_metrics(database, row, outcome, bucket_count)
    return data


def table_metrics(
    database: str, row: TableRow, outcome: RunOutcome, bucket_count: int
) -> list[MetricDatum]:
    dims = (("Database", database), ("Table", row.table))
    inventoried = bool(row.location)  # the storage and catalog listings ran
    verdict = row.clean_rooms_ready
    failing = verdict.get("failing") if isinstance(verdict, dict) else None
    figures: list[tuple[str, float | None, str]] = [
        ("PkNullRows", _number(row.pk_nulls), "Count"),
        ("DuplicateKeyRows", _number(row.pk_dupes), "Count"),
        ("CountDiffPercent", _number(row.count_diff_pct), "Percent"),
        (
            "PartitionsMissingInStorage",
            float(max(bucket_count - row.s3_partitions, 0)) if inventoried else None,
            "Count",
        ),
        (
            "PartitionsMissingInCatalog",
            float(row.missing_glue_count) if inventoried else None,
            "Count",
        ),
        (
            "ReadinessFailures",
            float(len(failing)) if isinstance(failing, list) else None,
            "Count",
        ),
        ("AthenaBytesScanned", _number((row.athena or {}).get("bytes_scanned")), "Bytes"),
    ]
    data = [MetricDatum(n, dims, v, u) for n, v, u in figures if v is not None]
    codes = Counter(str(a.code) for a in outcome.alerts if a.table == row.table)
    data += [
        MetricDatum("Alerts", (*dims, ("Check", code)), float(n), "Count")
        for code, n in sorted(codes.items())
    ]
    return data


def batches(data: Sequence[MetricDatum]) -> Iterator[list[MetricDatum]]:
    """``data`` in requests within PutMetricData's limits (metrics and bytes)."""
    batch: list[MetricDatum] = []
    size = 0
    for datum in data:
        cost = datum.approx_bytes()
        if batch and (len(batch) >= MAX_METRICS_PER_CALL or size + cost > MAX_BYTES_PER_CALL):
            yield batch
            batch, size = [], 0
        batch.append(datum)
        size += cost
    if batch:
        yield batch


def _number(value: object) -> float | None:
    """A finite number CloudWatch takes, or None (not measured, or not finite)."""
    if isinstance(value, bool) or value is None or value == "":
        return None
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) and abs(number) < 2.0**360 else None
