"""The primary key can be a Clean Rooms join column: short enough, and unique where required.

An ID namespace (AWS Entity Resolution) rejects longer IDs: at most 38 characters for
rule-based matching, 257 for ID mapping
(https://docs.aws.amazon.com/entityresolution/latest/userguide/prepare-input-data.html), so
``max_key_length`` is a setting of the suite (default 257). With cryptographic computing and
``allowDuplicates`` false, fingerprint (join) columns must hold unique values
(https://docs.aws.amazon.com/clean-rooms/latest/userguide/crypto-computing-parameters.html):
``allow_duplicates`` false makes a duplicated key fail here too. Both come from the key scan
the NULL and duplicate checks already share (one more aggregate, no other query). The name
itself is judged with every column name (expect_column_names_to_suit_clean_rooms).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from great_expectations.core.suite_parameters import SuiteParameterDict

from custom_expectations.base import as_bool, as_int, coerced
from custom_expectations.key_scan import SCAN_KEYS, KeyScanExpectation
from custom_expectations.metrics.key_profile import METRIC_NAME
from custom_expectations.metrics.sql import value_or_raise
from data_monitor.model.checks import AlertCode, CheckResult, Severity
from data_monitor.model.findings import JoinKeyFindings

ID_MAPPING_MAX = 257


class ExpectJoinKeyToSuitCleanRooms(KeyScanExpectation):
    """Expect no key longer than ``max_key_length`` characters, and no duplicated key unless
    ``allow_duplicates``.

    Observed value: the longest key's length.
    """

    max_key_length: int | SuiteParameterDict = ID_MAPPING_MAX
    allow_duplicates: bool | SuiteParameterDict = True

    success_keys: ClassVar[tuple[str, ...]] = (
        *SCAN_KEYS,
        "max_key_length",
        "allow_duplicates",
    )
    args_keys: ClassVar[tuple[str, ...]] = ("pk_column", "max_key_length", "allow_duplicates")
    sentence_template: ClassVar[str] = (
        "Join key $pk_column must be usable in AWS Clean Rooms: no value longer than "
        "$max_key_length characters (duplicates allowed: $allow_duplicates)."
    )
    alert_code: ClassVar[AlertCode] = AlertCode.CLEAN_ROOMS_JOIN_KEY
    default_severity: ClassVar[Severity] = Severity.HIGH

    _coerce_length = coerced("max_key_length", to=as_int)
    _coerce_duplicates = coerced("allow_duplicates", to=as_bool)

    def _validate(
        self,
        metrics: dict[str, Any],
        runtime_configuration: dict | None = None,
        execution_engine: Any | None = None,
    ) -> dict[str, Any]:
        profile = value_or_raise(metrics[METRIC_NAME])
        longest = int(profile.get("max_key_length") or 0)
        limit, duplicates_ok = as_int(self.max_key_length), as_bool(self.allow_duplicates)
        duplicate_keys = int(profile["duplicate_keys"])
        problems = []
        if longest > limit:
            problems.append(f"the longest key has {longest} characters, more than {limit}")
        if not duplicates_ok and duplicate_keys:
            problems.append(
                f"{duplicate_keys} key(s) occur more than once, and duplicates are not allowed"
            )
        return {
            "success": not problems,
            "result": {
                "observed_value": longest,
                "details": {
                    "column": self.pk_column,
                    "max_key_length": limit,
                    "allow_duplicates": duplicates_ok,
                    "duplicate_keys": duplicate_keys,
                    "problems": problems,
                },
            },
        }

    @classmethod
    def observed_text(cls, result: dict[str, Any]) -> str:
        problems = result["details"]["problems"]
        return "; ".join(problems) if problems else f"longest key {result['observed_value']}"

    @classmethod
    def alert_text(cls, check: CheckResult, params: Mapping[str, Any]) -> str:
        found = check.findings_as(JoinKeyFindings)
        return f"{found.column} as a Clean Rooms join key: " + "; ".join(found.problems)
