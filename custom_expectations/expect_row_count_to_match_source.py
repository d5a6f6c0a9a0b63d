"""The part table holds as many rows as its source, within a tolerance (COUNT_MISMATCH)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, ClassVar

from great_expectations.core.suite_parameters import SuiteParameterDict

from custom_expectations.key_scan import SCAN_KEYS, KeyScanExpectation
from custom_expectations.metrics import key_profile
from custom_expectations.metrics.sql import QueryFailed, value_or_raise
from custom_expectations.rendering import number
from data_monitor.model.checks import AlertCode, CheckResult, Severity, format_pct
from data_monitor.model.findings import SourceCountFindings


def count_diff_pct(part: int, source: int) -> float:
    """``|part - source| * 100 / source``; an empty source is 0 % off only if part is empty too.

    A source with no rows cannot scale a difference, so any rows in the part table against it
    are an infinite difference, which no tolerance accepts.
    """
    if source == 0:
        return 0.0 if part == 0 else math.inf
    return abs(part - source) * 100.0 / source


def _source_rows(profile: dict[str, Any]) -> int:
    if "source_error" in profile:
        raise QueryFailed(f"source count failed: {profile['source_error']}")
    if profile.get("source_rows") is None:
        raise QueryFailed("the key scan did not count the source (no source_table given)")
    return int(profile["source_rows"])


class ExpectRowCountToMatchSource(KeyScanExpectation):
    """Expect the row count to match the source table's within ``tolerance_pct`` percent.

    Both counts come from ``table.key_profile`` over ``pk_column``: the scan the PK
    expectations already pay for, with the source's ``COUNT(*)`` in the same statement.
    """

    source_schema: str | SuiteParameterDict
    source_table: str | SuiteParameterDict
    # no default: GX leaves a kwarg equal to its default out of the stored result, and Data Docs
    # would then show "$tolerance_pct" unfilled
    tolerance_pct: float | SuiteParameterDict

    success_keys: ClassVar[tuple[str, ...]] = (*SCAN_KEYS, "tolerance_pct")
    args_keys: ClassVar[tuple[str, ...]] = ("source_schema", "source_table", "tolerance_pct")
    sentence_template: ClassVar[str] = (
        "Row count must match source table $source_schema.$source_table "
        "within $tolerance_pct percent."
    )
    alert_code: ClassVar[AlertCode] = AlertCode.COUNT_MISMATCH
    default_severity: ClassVar[Severity] = Severity.HIGH

    def _validate(
        self,
        metrics: dict[str, Any],
        runtime_configuration: dict | None = None,
        execution_engine: Any | None = None,
    ) -> dict[str, Any]:
        profile = value_or_raise(metrics[key_profile.METRIC_NAME])
        part, source = profile["row_count"], _source_rows(profile)
        tolerance = float(self.tolerance_pct)  # type: ignore[arg-type]
        diff = count_diff_pct(part, source)
        return {
            "success": diff <= tolerance,
            "result": {
                "observed_value": {
                    "part": part,
                    "source": source,
                    "diff_pct": diff if math.isfinite(diff) else "inf",
                },
                "details": {
                    "source": f"{self.source_schema}.{self.source_table}",
                    "tolerance_pct": tolerance,
                },
            },
        }

    @classmethod
    def observed_text(cls, result: dict[str, Any]) -> str:
        observed = result["observed_value"]
        diff = observed["diff_pct"]  # "inf" when the source is empty and the part is not
        pct = f"{diff:.6f}%" if isinstance(diff, (int, float)) else f"{diff}%"
        return f"{number(observed['part'])} vs {number(observed['source'])} ({pct})"

    @classmethod
    def alert_text(cls, check: CheckResult, params: Mapping[str, Any]) -> str:
        found = check.findings_as(SourceCountFindings)
        counts = found.observed
        return (
            f"{params['database']}.{params['table']}={counts.part} vs "
            f"{found.source}={counts.source} (Δ={format_pct(counts.diff_pct)}%)"
        )
