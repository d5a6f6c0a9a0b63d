"""The table is an external Parquet table (the seed's FORMAT check)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from custom_expectations.base import InventoryExpectation, Verdict, require
from data_monitor.model.checks import AlertCode, CheckResult, Severity
from data_monitor.model.findings import TableFormatFindings

EXTERNAL = "EXTERNAL_TABLE"


def is_parquet(class_name: str) -> bool:
    # Hive's MapredParquetInputFormat / ParquetHiveSerDe, and vendor variants, all say so.
    return "parquet" in (class_name or "").lower()


class ExpectTableToBeExternalParquet(InventoryExpectation):
    """Expect TableType EXTERNAL_TABLE with a Parquet input format and a Parquet SerDe.

    Observed value: the three catalog values, so a failure shows what the table is instead.
    """

    success_keys: ClassVar[tuple[str, ...]] = ()
    sentence_template: ClassVar[str] = (
        "The table must be an EXTERNAL_TABLE stored as Parquet (Parquet input format and SerDe)."
    )
    alert_code: ClassVar[AlertCode] = AlertCode.TABLE_TYPE
    default_severity: ClassVar[Severity] = Severity.MEDIUM

    def judge(self, inventory: dict[str, Any]) -> Verdict:
        observed = {
            field: str(require(inventory, field) or "")
            for field in ("table_type", "input_format", "serde")
        }
        problems = []
        if observed["table_type"] != EXTERNAL:
            problems.append(
                f"TableType is {observed['table_type'] or 'not set'}, expected {EXTERNAL}"
            )
        if not is_parquet(observed["input_format"]):
            problems.append(
                f"InputFormat is {observed['input_format'] or 'not set'}, "
                "expected a Parquet input format"
            )
        if not is_parquet(observed["serde"]):
            problems.append(f"SerDe is {observed['serde'] or 'not set'}, expected a Parquet SerDe")
        return (
            not problems,
            observed,
            {
                "problems": problems,
            },
        )

    @classmethod
    def observed_text(cls, result: dict[str, Any]) -> str:
        problems = result["details"]["problems"]
        if problems:
            return "; ".join(problems)
        return f"{result['observed_value']['table_type']}, Parquet"

    @classmethod
    def alert_text(cls, check: CheckResult, params: Mapping[str, Any]) -> str:
        return "; ".join(check.findings_as(TableFormatFindings).problems)
