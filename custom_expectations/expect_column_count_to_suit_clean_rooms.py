"""The table has no more columns than a Clean Rooms configured table may allow.

AWS Clean Rooms quotas (https://docs.aws.amazon.com/clean-rooms/latest/userguide/clean-rooms-quotas.html):
100 allowed columns per configured table by default (adjustable). A table with more columns
cannot have all of them allowed; ``max_columns`` is the account's quota (tunable per table
with an override). Partition columns count, as they are columns of the table.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from great_expectations.core.suite_parameters import SuiteParameterDict

from custom_expectations.base import InventoryExpectation, Verdict, as_int, coerced, require
from data_monitor.model.checks import AlertCode, CheckResult, Severity
from data_monitor.model.findings import ColumnCountFindings

DEFAULT_MAX_COLUMNS = 100


class ExpectColumnCountToSuitCleanRooms(InventoryExpectation):
    """Expect at most ``max_columns`` data and partition columns.

    Observed value: the table's column count.
    """

    max_columns: int | SuiteParameterDict = DEFAULT_MAX_COLUMNS

    success_keys: ClassVar[tuple[str, ...]] = ("max_columns",)
    args_keys: ClassVar[tuple[str, ...]] = ("max_columns",)
    sentence_template: ClassVar[str] = (
        "The table must have at most $max_columns columns, the allowed columns of a Clean "
        "Rooms configured table."
    )
    alert_code: ClassVar[AlertCode] = AlertCode.CLEAN_ROOMS_COLUMNS
    default_severity: ClassVar[Severity] = Severity.MEDIUM

    _coerce_max = coerced("max_columns", to=as_int)

    def judge(self, inventory: dict[str, Any]) -> Verdict:
        count = len(require(inventory, "columns") or []) + len(
            require(inventory, "partition_keys") or []
        )
        limit = as_int(self.max_columns)
        return (
            count <= limit,
            count,
            {
                "max_columns": limit,
            },
        )

    @classmethod
    def observed_text(cls, result: dict[str, Any]) -> str:
        return f"{result['observed_value']} columns"

    @classmethod
    def alert_text(cls, check: CheckResult, params: Mapping[str, Any]) -> str:
        found = check.findings_as(ColumnCountFindings)
        return (
            f"{found.observed} columns, more than the {found.max_columns} a Clean Rooms "
            "configured table may allow"
        )
