"""The primary key is a data column and id_bucket the only (INT) partition key (SCHEMA check)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from great_expectations.core.suite_parameters import SuiteParameterDict

from custom_expectations.base import InventoryExpectation, Verdict, as_str, coerced, require
from data_monitor.model.checks import AlertCode, CheckResult, Severity
from data_monitor.model.findings import ContractFindings

INT_TYPES = ("int", "integer")


def schema_problems(
    columns: list[str], partition_keys: list[dict[str, str]], pk: str, key: str
) -> list[str]:
    """What breaks the contract, worded for an alert line (empty when it holds)."""
    # Glue lowercases names, a suite may not: compare case-insensitively, report as given.
    data_columns = {str(c).lower() for c in columns}
    keys = [(str(k.get("name", "")), str(k.get("type") or "")) for k in partition_keys]
    problems = []
    if pk.lower() not in data_columns:
        if pk.lower() in {name.lower() for name, _ in keys}:
            problems.append(f"{pk} is a partition key, expected a data column")
        else:
            problems.append(f"{pk} is not a data column")
    if not keys:
        problems.append(f"no partition keys, expected {key} int")
    elif len(keys) > 1:
        names = ", ".join(name for name, _ in keys)
        problems.append(f"partition keys are ({names}), expected {key} only")
    else:
        name, key_type = keys[0]
        if name.lower() != key.lower():
            problems.append(f"partition key is {name}, expected {key}")
        elif key_type.lower() not in INT_TYPES:
            problems.append(f"partition key {name} is {key_type or 'untyped'}, expected int")
    return problems


class ExpectTableSchemaContract(InventoryExpectation):
    """Expect ``pk_column`` among the data columns and ``partition_key`` as the only INT key.

    Observed value: the list of problems (empty when the contract holds).
    """

    pk_column: str | SuiteParameterDict
    partition_key: str | SuiteParameterDict

    success_keys: ClassVar[tuple[str, ...]] = ("pk_column", "partition_key")
    args_keys: ClassVar[tuple[str, ...]] = ("pk_column", "partition_key")
    sentence_template: ClassVar[str] = (
        "$pk_column must be a data column and $partition_key the only partition key, of type INT."
    )
    alert_code: ClassVar[AlertCode] = AlertCode.CONTRACT
    default_severity: ClassVar[Severity] = Severity.MEDIUM

    _coerce_names = coerced("pk_column", "partition_key", to=as_str)

    def judge(self, inventory: dict[str, Any]) -> Verdict:
        problems = schema_problems(
            list(require(inventory, "columns") or []),
            list(require(inventory, "partition_keys") or []),
            as_str(self.pk_column),
            as_str(self.partition_key),
        )
        return (
            not problems,
            problems,
            {
                "problems": list(problems),
            },
        )

    @classmethod
    def observed_text(cls, result: dict[str, Any]) -> str:
        return "; ".join(result["observed_value"]) or "contract holds"

    @classmethod
    def alert_text(cls, check: CheckResult, params: Mapping[str, Any]) -> str:
        return "; ".join(check.findings_as(ContractFindings).problems)
