"""The row count stays in line with the table's past days (VOLUME_ANOMALY).

Two tests, as the peers run them: a relative change against the mean of the past counts (AWS
Glue Data Quality's ``RowCount > avg(last(N)) * 0.8``) and a z-score over them (Elementary,
threshold 3). The z-score alone would flag any change of a table whose count never moved, so it
counts only past ``min_change_pct``. With fewer than ``min_history`` past counts it does not
judge at all, and says so. The count is the key-profile scan's: no extra query.

The history holds one count per past ``as_of`` day (its latest run; see
``data_monitor.history``): re-runs of a day would otherwise repeat one count, shrink the
standard deviation and turn ordinary day-to-day noise into z-score anomalies.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping
from typing import Any, ClassVar

from great_expectations.core.suite_parameters import SuiteParameterDict

from custom_expectations.base import as_float, as_int
from custom_expectations.key_scan import SCAN_KEYS, KeyScanExpectation
from custom_expectations.metrics.key_profile import METRIC_NAME
from custom_expectations.metrics.sql import value_or_raise
from custom_expectations.rendering import number
from data_monitor.model.checks import AlertCode, CheckResult, Severity
from data_monitor.model.findings import VolumeFindings, required


def volume_verdict(
    count: int,
    history: list[int],
    max_change_pct: float,
    z_threshold: float,
    min_change_pct: float,
    min_history: int,
) -> dict[str, Any]:
    """The decision and the figures behind it (pure, so it is tested on its own)."""
    if len(history) < min_history:
        return {
            "success": True,
            "state": "insufficient history",
            "points": len(history),
            "min_history": min_history,
        }
    mean = statistics.fmean(history)
    stdev = statistics.pstdev(history)
    change = (count - mean) * 100.0 / mean if mean else (0.0 if count == 0 else math.inf)
    z = (count - mean) / stdev if stdev else (0.0 if count == mean else math.inf)
    anomalous = abs(change) > max_change_pct or (
        abs(z) > z_threshold and abs(change) > min_change_pct
    )
    return {
        "success": not anomalous,
        "state": "anomaly" if anomalous else "normal",
        "points": len(history),
        "mean": round(mean, 1),
        "change_pct": round(change, 2) if math.isfinite(change) else "inf",
        "z_score": round(z, 2) if math.isfinite(z) else "inf",
    }


class ExpectRowCountToFollowHistory(KeyScanExpectation):
    """Expect the row count within ``max_change_pct`` of its past mean and within
    ``z_threshold`` standard deviations of it (once ``min_history`` past days exist)."""

    history: list | SuiteParameterDict
    max_change_pct: float | SuiteParameterDict
    z_threshold: float | SuiteParameterDict
    min_change_pct: float | SuiteParameterDict
    min_history: int | SuiteParameterDict

    success_keys: ClassVar[tuple[str, ...]] = (
        *SCAN_KEYS,
        "history",
        "max_change_pct",
        "z_threshold",
        "min_change_pct",
        "min_history",
    )
    args_keys: ClassVar[tuple[str, ...]] = ("max_change_pct", "z_threshold", "min_history")
    sentence_template: ClassVar[str] = (
        "Row count must stay within $max_change_pct % of its past mean and within "
        "$z_threshold standard deviations of it (judged once $min_history past days exist)."
    )
    alert_code: ClassVar[AlertCode] = AlertCode.VOLUME_ANOMALY
    default_severity: ClassVar[Severity] = Severity.MEDIUM

    def _validate(
        self,
        metrics: dict[str, Any],
        runtime_configuration: dict | None = None,
        execution_engine: Any | None = None,
    ) -> dict[str, Any]:
        count = value_or_raise(metrics[METRIC_NAME])["row_count"]
        history = [int(v) for v in (self.history if isinstance(self.history, list) else [])]
        verdict = volume_verdict(
            count,
            history,
            as_float(self.max_change_pct),
            as_float(self.z_threshold),
            as_float(self.min_change_pct),
            as_int(self.min_history),
        )
        return {
            "success": verdict.pop("success"),
            "result": {"observed_value": count, "details": verdict},
        }

    @classmethod
    def observed_text(cls, result: dict[str, Any]) -> str:
        details = result["details"]
        if details["state"] == "insufficient history":
            return (
                f"{number(result['observed_value'])} rows; history {details['points']} of "
                f"{details['min_history']} days: not judged"
            )
        return (
            f"{number(result['observed_value'])} rows vs mean {number(details['mean'])} "
            f"({details['change_pct']}%, z={details['z_score']})"
        )

    @classmethod
    def alert_text(cls, check: CheckResult, params: Mapping[str, Any]) -> str:
        found = check.findings_as(VolumeFindings)
        mean = required(found.mean, "mean")
        change, z = required(found.change_pct, "change_pct"), required(found.z_score, "z_score")
        return (
            f"{found.observed:,} rows vs a mean of {mean:,} over the last "
            f"{found.points} days ({change}%, z={z})"
        )
