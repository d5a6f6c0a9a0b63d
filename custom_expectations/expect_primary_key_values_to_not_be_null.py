"""No row may have a NULL primary key (the seed's PK_NULL check)."""

from __future__ import annotations

from typing import Any, ClassVar

from great_expectations.core.suite_parameters import SuiteParameterDict

from custom_expectations.base import SentenceExpectation
from custom_expectations.metrics.key_profile import METRIC_NAME
from custom_expectations.metrics.sql import value_or_raise
from custom_expectations.rendering import plural


class ExpectPrimaryKeyValuesToNotBeNull(SentenceExpectation):
    """Expect no NULL values in the primary key column.

    Observed value: the number of NULL-key rows. Reads ``table.key_profile``, the one GROUP BY
    that the uniqueness and count expectations share.
    """

    pk_column: str | SuiteParameterDict
    # the partition column the shared scan also groups by ("" for none): passed by every
    # expectation on the scan, so GX resolves one metric (one query) for all of them
    bucket_column: str | SuiteParameterDict | None = None

    metric_dependencies: ClassVar[tuple[str, ...]] = (METRIC_NAME,)
    success_keys: ClassVar[tuple[str, ...]] = ("pk_column", "bucket_column")
    args_keys: ClassVar[tuple[str, ...]] = ("pk_column",)
    sentence_template: ClassVar[str] = "Primary key $pk_column must never be NULL."

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
