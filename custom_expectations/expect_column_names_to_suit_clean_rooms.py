"""Every column name is one AWS Clean Rooms accepts in a configured table and its analysis rules.

Clean Rooms' SQL naming rules (https://docs.aws.amazon.com/clean-rooms/latest/sql-reference/sql-ref-naming.html)
apply to configured table column names: only letters, digits, ``_`` and ``-``, not starting or
ending with ``-``, no consecutive ``-``, 1 to 127 characters, none of the prefixes ``padb_``,
``pg_``, ``stcs_``, ``stl_``, ``stll_``, ``stv_``, ``svcs_``, ``svl_``, ``svv_``, ``sys_``,
``systable_``, and never ``oid``, ``tableoid``, ``xmin``, ``cmin``, ``xmax``, ``cmax``,
``ctid`` (not even quoted). A column listed in an analysis rule (join, dimension, list columns)
must also match ``[a-z0-9_](([a-z0-9_ ]+-)*([a-z0-9_ ]+))?``: lowercase
(https://docs.aws.amazon.com/clean-rooms/latest/apireference/API_AnalysisRuleList.html). A
table with a name Clean Rooms refuses cannot be configured, or its column cannot be allowed in
a rule, so the check is High. Partition columns are columns of the table too.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

from custom_expectations.base import ProblemListExpectation, require
from data_monitor.model.checks import AlertCode, Severity
from data_monitor.model.findings import ColumnNamesFindings, ProblemFindings

ALLOWED = re.compile(r"^[A-Za-z0-9_-]+$")
RULE_PATTERN = re.compile(r"^[a-z0-9_](([a-z0-9_ ]+-)*([a-z0-9_ ]+))?$")
MAX_LENGTH = 127
PREFIXES = ("padb_", "pg_", "stcs_", "stl_", "stll_", "stv_", "svcs_", "svl_", "svv_", "sys_",
            "systable_")  # fmt: skip
RESERVED = ("oid", "tableoid", "xmin", "cmin", "xmax", "cmax", "ctid")


def name_problem(name: str) -> str | None:
    """Why Clean Rooms refuses ``name`` as a configured table column, or None."""
    if not 1 <= len(name) <= MAX_LENGTH:
        return f"{name!r} is {len(name)} characters long, expected 1 to {MAX_LENGTH}"
    if not ALLOWED.match(name):
        return f"{name!r} has characters other than letters, digits, _ and -"
    if name.startswith("-") or name.endswith("-") or "--" in name:
        return f"{name!r} starts or ends with -, or has consecutive -"
    lowered = name.lower()
    if lowered in RESERVED:
        return f"{name!r} is a name Clean Rooms reserves"
    prefix = next((p for p in PREFIXES if lowered.startswith(p)), None)
    if prefix is not None:
        return f"{name!r} starts with {prefix}, a prefix Clean Rooms reserves"
    if not RULE_PATTERN.match(name):
        return f"{name!r} is not lowercase, so no analysis rule can list it"
    return None


class ExpectColumnNamesToSuitCleanRooms(ProblemListExpectation):
    """Expect every data and partition column name to be one Clean Rooms accepts.

    Observed value: how many names it refuses.
    """

    success_keys: ClassVar[tuple[str, ...]] = ()
    sentence_template: ClassVar[str] = (
        "Every column name must be one AWS Clean Rooms accepts in a configured table and its "
        "analysis rules."
    )
    alert_code: ClassVar[AlertCode] = AlertCode.CLEAN_ROOMS_NAMES
    default_severity: ClassVar[Severity] = Severity.HIGH
    ok_text: ClassVar[str] = "every name is accepted"
    alert_template: ClassVar[str] = "Clean Rooms refuses {count} column name(s): {problems}"
    findings: ClassVar[type[ProblemFindings]] = ColumnNamesFindings

    def problems(self, inventory: dict[str, Any]) -> list[str]:
        keys = [str(k.get("name", "")) for k in require(inventory, "partition_keys") or []]
        names = [str(c) for c in require(inventory, "columns") or []] + keys
        problems = [p for p in (name_problem(n) for n in names) if p is not None]
        return problems
