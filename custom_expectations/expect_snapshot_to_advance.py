"""The snapshot date moves on from day to day (FRESHNESS_STALLED).

A marker can stay inside the freshness window for weeks while the pipeline behind it has
stopped: this compares the marker's date with the dates seen on the past days (one per
``as_of`` day, its latest run: see ``data_monitor.history``) and fails when it has not changed
for ``max_unchanged_runs`` days. Re-running a day adds no day, so re-runs never stall it. Days
without a run are not counted, which can only make the count lower than the calendar's, never
raise a false alert. The kwarg keeps its name so existing suites stay valid. No query runs.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from great_expectations.core.suite_parameters import SuiteParameterDict

from custom_expectations.base import InventoryExpectation, Verdict, as_int, require
from data_monitor.model.checks import AlertCode, CheckResult, Severity
from data_monitor.model.findings import StallFindings, required
from data_monitor.model.snapshots import DATE_TEXT


def unchanged_runs(current: str, past: list[str]) -> int:
    """How many of the latest past days saw the same date as now (consecutive, newest first)."""
    count = 0
    for date in reversed(past):
        if date != current:
            break
        count += 1
    return count


class ExpectSnapshotToAdvance(InventoryExpectation):
    """Expect the snapshot date to differ from the one of the last ``max_unchanged_runs`` days."""

    history: list | SuiteParameterDict
    max_unchanged_runs: int | SuiteParameterDict

    success_keys: ClassVar[tuple[str, ...]] = ("history", "max_unchanged_runs")
    args_keys: ClassVar[tuple[str, ...]] = ("max_unchanged_runs",)
    sentence_template: ClassVar[str] = (
        "The snapshot date must change at least once every $max_unchanged_runs days."
    )
    alert_code: ClassVar[AlertCode] = AlertCode.FRESHNESS_STALLED
    default_severity: ClassVar[Severity] = Severity.MEDIUM

    def judge(self, inventory: dict[str, Any]) -> Verdict:
        text = (require(inventory, "snapshot_text") or "").strip()
        past = [str(d) for d in (self.history if isinstance(self.history, list) else [])]
        limit = as_int(self.max_unchanged_runs)
        if not DATE_TEXT.fullmatch(text) or len(past) < limit:
            # no date to follow (the freshness check reports that), or too short a history
            details = {"state": "not judged", "points": len(past), "limit": limit}
            return True, text or None, details
        same = unchanged_runs(text, past)
        details = {
            "state": "stalled" if same >= limit else "advancing",
            "unchanged_runs": same,
            "points": len(past),
            "limit": limit,
        }
        return same < limit, text, details

    @classmethod
    def observed_text(cls, result: dict[str, Any]) -> str:
        d = result["details"]
        if d["state"] == "not judged":
            return f"not judged ({d['points']} of {d['limit']} past days)"
        return f"{result['observed_value']}, unchanged for {d['unchanged_runs']} day(s)"

    @classmethod
    def alert_text(cls, check: CheckResult, params: Mapping[str, Any]) -> str:
        found = check.findings_as(StallFindings)
        runs = required(found.unchanged_runs, "unchanged_runs")
        return (
            f"snapshot date {found.observed} has not changed for {runs} days (limit {found.limit})"
        )
