"""Rows spread evenly over the id_bucket partitions (PARTITION_SKEW).

``id_bucket`` is a hash of the key, so every bucket should hold about the same number of rows; a
bucket far above or below the mean points at a broken bucketing step or a partial load. The
per-bucket counts come from the key scan's GROUPING SETS: no extra query.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from great_expectations.core.suite_parameters import SuiteParameterDict

from custom_expectations.base import as_float
from custom_expectations.key_scan import SCAN_KEYS, KeyScanExpectation
from custom_expectations.metrics.key_profile import METRIC_NAME
from custom_expectations.metrics.sql import value_or_raise
from custom_expectations.rendering import number
from data_monitor.model.checks import AlertCode, CheckResult, Severity
from data_monitor.model.findings import BalanceFindings, required


class ExpectIdBucketRowsToBeBalanced(KeyScanExpectation):
    """Expect the fullest bucket at most ``max_ratio`` x the mean bucket, the emptiest at least
    1 / ``max_ratio`` of it (over the buckets that hold rows)."""

    max_ratio: float | SuiteParameterDict

    success_keys: ClassVar[tuple[str, ...]] = (*SCAN_KEYS, "max_ratio")
    args_keys: ClassVar[tuple[str, ...]] = ("max_ratio",)
    sentence_template: ClassVar[str] = (
        "Every id_bucket partition must hold between 1/$max_ratio and $max_ratio times the "
        "mean rows per partition."
    )
    alert_code: ClassVar[AlertCode] = AlertCode.PARTITION_SKEW
    default_severity: ClassVar[Severity] = Severity.LOW

    def _validate(
        self,
        metrics: dict[str, Any],
        runtime_configuration: dict | None = None,
        execution_engine: Any | None = None,
    ) -> dict[str, Any]:
        profile = value_or_raise(metrics[METRIC_NAME])
        buckets = int(profile.get("buckets_with_rows") or 0)
        if not self.bucket_column or not buckets:
            details = {"state": "not judged", "buckets": buckets}
            return {"success": True, "result": {"observed_value": None, "details": details}}
        mean = profile["row_count"] / buckets
        high, low = profile["fullest_rows"] / mean, profile["emptiest_rows"] / mean
        limit = as_float(self.max_ratio)
        details = {
            "state": "skewed" if high > limit or low < 1 / limit else "balanced",
            "buckets": buckets,
            "mean": round(mean, 1),
            "fullest": {
                "bucket": profile["fullest_bucket"],
                "rows": profile["fullest_rows"],
                "ratio": round(high, 2),
            },
            "emptiest": {
                "bucket": profile["emptiest_bucket"],
                "rows": profile["emptiest_rows"],
                "ratio": round(low, 2),
            },
            "skewed_buckets": [
                bucket
                for bucket, beyond in (
                    (profile["fullest_bucket"], high > limit),
                    (profile["emptiest_bucket"], low < 1 / limit),
                )
                if beyond
            ],
        }
        return {
            "success": details["state"] == "balanced",
            "result": {"observed_value": round(high, 2), "details": details},
        }

    @classmethod
    def observed_text(cls, result: dict[str, Any]) -> str:
        d = result["details"]
        if d["state"] == "not judged":
            return "not judged (no id_bucket rows)"
        return (
            f"fullest id_bucket={d['fullest']['bucket']}: {number(d['fullest']['rows'])} "
            f"rows ({d['fullest']['ratio']}x the mean {number(d['mean'])})"
        )

    @classmethod
    def alert_text(cls, check: CheckResult, params: Mapping[str, Any]) -> str:
        found = check.findings_as(BalanceFindings)
        full, empty = found.extremes()
        return (
            f"id_bucket={full.bucket} holds {full.rows:,} rows, {full.ratio}x the mean of "
            f"{required(found.mean, 'mean'):,} over {found.buckets} buckets; the emptiest, "
            f"id_bucket={empty.bucket}, holds {empty.rows:,} ({empty.ratio}x)"
        )
