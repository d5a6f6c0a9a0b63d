"""No row may have a NULL primary key (the seed's PK_NULL check)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from custom_expectations.key_scan import SCAN_KEYS, KeyScanExpectation
from custom_expectations.metrics.key_profile import METRIC_NAME
from custom_expectations.metrics.sql import value_or_raise
from custom_expectations.rendering import plural
from data_monitor.model.checks import AlertCode, CheckResult, Severity
from data_monitor.model.findings import NullKeyFindings


class ExpectPrimaryKeyValuesToNotBeNull(KeyScanExpectation):
    """Expect no NULL or blank values in the primary key column.

    Observed value: the number of NULL-key rows, blank keys included. Blank: the empty string,
    or only spaces, tabs, line ends and no-break spaces (``key_profile.BLANK_CHARACTERS``, the
    same on DuckDB and Athena); such a key identifies nobody. Reads ``table.key_profile``, the
    one GROUP BY that the uniqueness and count expectations share.
    """

    success_keys: ClassVar[tuple[str, ...]] = SCAN_KEYS
    args_keys: ClassVar[tuple[str, ...]] = ("pk_column",)
    sentence_template: ClassVar[str] = "Primary key $pk_column must never be NULL."
    alert_code: ClassVar[AlertCode] = AlertCode.PK_NULL
    default_severity: ClassVar[Severity] = Severity.HIGH

    def _validate(
        self,
        metrics: dict[str, Any],
        runtime_configuration: dict | None = None,
        execution_engine: Any | None = None,
    ) -> dict[str, Any]:
        profile = value_or_raise(metrics[METRIC_NAME])
        nulls = profile["null_rows"]
        return {
            "success": nulls == 0,
            "result": {
                "observed_value": nulls,
                "details": {"row_count": profile["row_count"], "column": self.pk_column},
            },
        }

    @classmethod
    def observed_text(cls, result: dict[str, Any]) -> str:
        return plural(result["observed_value"], "NULL row")

    @classmethod
    def alert_text(cls, check: CheckResult, params: Mapping[str, Any]) -> str:
        found = check.findings_as(NullKeyFindings)
        return f"{found.column} NULL rows={found.observed}"
