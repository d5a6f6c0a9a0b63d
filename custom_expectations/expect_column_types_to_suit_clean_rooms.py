"""Every column's type is one the chosen AWS Clean Rooms analysis engine supports.

The types per engine, and where AWS lists them, are in data_monitor/model/clean_rooms_formats.py.
``engine`` is ``both`` (the default: the rules of the two engines), ``sql`` or ``spark``
(``--clean_rooms_engine``). ``nested_types`` true accepts ARRAY, MAP and STRUCT columns, which
only custom analysis rules can use. A column of a type the engine lacks fails every query that
reads it, so the check is High.
"""

from __future__ import annotations

from typing import Any, ClassVar

from great_expectations.core.suite_parameters import SuiteParameterDict

from custom_expectations.base import (
    ProblemListExpectation,
    as_bool,
    as_str,
    coerced,
    require,
)
from data_monitor.model.checks import AlertCode, Severity
from data_monitor.model.clean_rooms_formats import engines_of, type_problem
from data_monitor.model.findings import ColumnTypesFindings, ProblemFindings


class ExpectColumnTypesToSuitCleanRooms(ProblemListExpectation):
    """Expect every data and partition column to have a type the engine supports.

    Observed value: how many columns it cannot use.
    """

    engine: str | SuiteParameterDict = "both"
    nested_types: bool | SuiteParameterDict = False

    success_keys: ClassVar[tuple[str, ...]] = ("engine", "nested_types")
    args_keys: ClassVar[tuple[str, ...]] = ("engine",)
    sentence_template: ClassVar[str] = (
        "Every column must have a type the AWS Clean Rooms analysis engine ($engine) supports."
    )
    alert_code: ClassVar[AlertCode] = AlertCode.CLEAN_ROOMS_TYPES
    default_severity: ClassVar[Severity] = Severity.HIGH
    ok_text: ClassVar[str] = "every type is supported"
    alert_template: ClassVar[str] = "Clean Rooms cannot use {count} column(s): {problems}"
    findings: ClassVar[type[ProblemFindings]] = ColumnTypesFindings

    _coerce_engine = coerced("engine", to=as_str)
    _coerce_nested = coerced("nested_types", to=as_bool)

    def problems(self, inventory: dict[str, Any]) -> list[str]:
        nested_ok = as_bool(self.nested_types)
        problems: list[str] = []
        for engine in engines_of(as_str(self.engine)):
            for column in require(inventory, "schema") or []:
                problem = type_problem(column["name"], column["type"], engine, nested_ok)
                if problem is not None and problem not in problems:
                    problems.append(problem)
        return problems
