"""The AWS Clean Rooms configured tables that read this Glue table still match it.

With ``--clean_rooms_membership`` (AWS backend), the membership's configured tables are read
once per run (data_monitor/backends/aws/clean_rooms.py). For each one whose
``tableReference.glue`` is this table: every allowed column, and every column its analysis
rules name, must still be a column of the table, and its type one the engine supports
(nested types only when the configured table has no analysis rule but custom ones). A
configured table whose allowed column is gone fails in every collaboration it is in, so the
check is High. Without a membership the check passes and says it was not asked.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from great_expectations.core.suite_parameters import SuiteParameterDict

from custom_expectations.base import InventoryExpectation, Verdict, as_str, coerced, require
from custom_expectations.rendering import listed
from data_monitor.model.checks import AlertCode, CheckResult, Severity
from data_monitor.model.clean_rooms_formats import engines_of, type_problem
from data_monitor.model.findings import ConfiguredTablesFindings

SHOWN = 5


class ExpectConfiguredTablesToMatchTheTable(InventoryExpectation):
    """Expect every configured table reading this table to find its columns in it.

    Observed value: how many problems were found.
    """

    engine: str | SuiteParameterDict = "both"

    success_keys: ClassVar[tuple[str, ...]] = ("engine",)
    args_keys: ClassVar[tuple[str, ...]] = ("engine",)
    sentence_template: ClassVar[str] = (
        "Every AWS Clean Rooms configured table that reads this table must find each column it "
        "allows, with a type the analysis engine ($engine) supports."
    )
    alert_code: ClassVar[AlertCode] = AlertCode.CLEAN_ROOMS_CONFIGURED
    default_severity: ClassVar[Severity] = Severity.HIGH

    _coerce_engine = coerced("engine", to=as_str)

    def judge(self, inventory: dict[str, Any]) -> Verdict:
        configured = require(inventory, "configured_tables")
        if configured is None:
            details: dict[str, Any] = {"membership": None, "configured_tables": [], "problems": []}
            return True, 0, details
        types = {c["name"].lower(): c["type"] for c in inventory.get("schema") or []}
        problems: list[str] = []
        for table in configured["tables"]:
            problems += _problems(table, types, engines_of(as_str(self.engine)))
        details = {
            "membership": configured["membership"],
            "configured_tables": [t["name"] for t in configured["tables"]],
            "problems": problems,
        }
        return not problems, len(problems), details

    @classmethod
    def observed_text(cls, result: dict[str, Any]) -> str:
        details = result["details"]
        if details["membership"] is None:
            return "not asked (no --clean_rooms_membership)"
        if details["problems"]:
            return "; ".join(details["problems"])
        names = ", ".join(details["configured_tables"])
        return f"{names} match" if names else "no configured table of the membership reads it"

    @classmethod
    def alert_text(cls, check: CheckResult, params: Mapping[str, Any]) -> str:
        found = check.findings_as(ConfiguredTablesFindings)
        shown = listed(found.problems, SHOWN)
        return f"{found.observed} problem(s) for Clean Rooms membership {found.membership}: {shown}"


def _problems(table: dict[str, Any], types: dict[str, str], engines: tuple[str, ...]) -> list[str]:
    name = f"configured table {table['name']}"
    nested_ok = set(table["rule_types"]) <= {"CUSTOM"}
    found: list[str] = []
    for column in table["allowed_columns"]:
        glue_type = types.get(column.lower())
        if glue_type is None:
            found.append(f"{name} allows {column}, which the table no longer has")
            continue
        for engine in engines:
            problem = type_problem(column, glue_type, engine, nested_ok)
            if problem is not None and f"{name}: {problem}" not in found:
                found.append(f"{name}: {problem}")
    allowed = {c.lower() for c in table["allowed_columns"]}
    for column in table["rule_columns"]:
        if column.lower() not in types and column.lower() not in allowed:
            found.append(f"{name}'s analysis rule names {column}, which the table does not have")
    return found
