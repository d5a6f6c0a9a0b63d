"""Every non-NULL primary key occurs once (the seed's PK_DUPES check)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from custom_expectations.key_scan import SCAN_KEYS, KeyScanExpectation
from custom_expectations.metrics.key_profile import METRIC_NAME
from custom_expectations.metrics.sql import value_or_raise
from custom_expectations.rendering import plural
from data_monitor.model.checks import AlertCode, CheckResult, Severity
from data_monitor.model.findings import DuplicateKeyFindings


class ExpectPrimaryKeyValuesToBeUnique(KeyScanExpectation):
    """Expect every non-NULL primary key value to occur exactly once.

    Observed value: duplicate rows, the seed's ``SUM(c) ... HAVING COUNT(*) > 1`` (every row of a
    key that occurs more than once; a key seen twice counts 2). Keys are compared by their raw
    value, untrimmed, as a clean-room join compares them: ``' a'`` and ``'a'`` are two keys.
    NULL and blank keys are not a key value and are reported by the NULL expectation only, so
    one bad row never raises two alerts.
    """

    success_keys: ClassVar[tuple[str, ...]] = SCAN_KEYS
    args_keys: ClassVar[tuple[str, ...]] = ("pk_column",)
    sentence_template: ClassVar[str] = (
        "Primary key $pk_column must be unique: no value may occur on more than one row."
    )
    alert_code: ClassVar[AlertCode] = AlertCode.PK_DUPES
    default_severity: ClassVar[Severity] = Severity.HIGH

    def _validate(
        self,
        metrics: dict[str, Any],
        runtime_configuration: dict | None = None,
        execution_engine: Any | None = None,
    ) -> dict[str, Any]:
        profile = value_or_raise(metrics[METRIC_NAME])
        dupes = profile["duplicate_rows"]
        return {
            "success": dupes == 0,
            "result": {
                "observed_value": dupes,
                "details": {
                    "duplicate_keys": profile["duplicate_keys"],
                    "row_count": profile["row_count"],
                    "column": self.pk_column,
                },
            },
        }

    @classmethod
    def observed_text(cls, result: dict[str, Any]) -> str:
        keys = plural(result["details"]["duplicate_keys"], "key")
        return f"{plural(result['observed_value'], 'duplicate row')} ({keys})"

    @classmethod
    def alert_text(cls, check: CheckResult, params: Mapping[str, Any]) -> str:
        found = check.findings_as(DuplicateKeyFindings)
        return f"{found.column} duplicate rows={found.observed}"
