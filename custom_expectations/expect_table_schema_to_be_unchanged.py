"""The table's columns are the ones it had at the last run (schema drift).

The baseline is the schema the last run recorded, or for a table no run recorded yet, the
catalog's previous table version when the table changed since the day before
(data_monitor/lake/drift.py). Each added, removed, renamed or retyped column is named. A
removed, renamed or retyped column breaks readers of the old schema (a Clean Rooms analysis
rule's allowed columns, a partner's query) and the alert is High; only added columns, Low.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from custom_expectations.base import InventoryExpectation, Verdict, require
from custom_expectations.rendering import listed
from data_monitor.model.checks import AlertCode, CheckResult, Severity
from data_monitor.model.findings import SchemaChangeFindings
from data_monitor.model.schema_drift import changes

SHOWN = 6  # changes an alert line spells out


class ExpectTableSchemaToBeUnchanged(InventoryExpectation):
    """Expect no column added, removed, renamed or retyped since the last run.

    Observed value: how many columns changed.
    """

    success_keys: ClassVar[tuple[str, ...]] = ()
    sentence_template: ClassVar[str] = (
        "The table's columns (names and types) must be the ones it had at the last run."
    )
    alert_code: ClassVar[AlertCode] = AlertCode.SCHEMA_CHANGE
    default_severity: ClassVar[Severity] = Severity.HIGH

    def judge(self, inventory: dict[str, Any]) -> Verdict:
        baseline = require(inventory, "schema_baseline")
        if baseline is None:
            details: dict[str, Any] = {"since": None, "changes": [], "breaking": False}
            return True, 0, details
        found = changes(baseline["columns"], inventory.get("schema") or [])
        details = {
            "since": str(baseline["source"]),
            "changes": [c.record() for c in found],
            "breaking": any(c.breaking for c in found),
        }
        return not found, len(found), details

    @classmethod
    def observed_text(cls, result: dict[str, Any]) -> str:
        details = result["details"]
        if details["since"] is None:
            return "no earlier schema to compare with"
        if not details["changes"]:
            return f"unchanged since {details['since']}"
        return f"since {details['since']}: " + "; ".join(
            SchemaChangeFindings.change_text(c) for c in details["changes"]
        )

    @classmethod
    def severity_of(cls, check: CheckResult) -> Severity:
        found = check.findings_as(SchemaChangeFindings)
        return Severity.HIGH if found.breaking else Severity.LOW

    @classmethod
    def alert_text(cls, check: CheckResult, params: Mapping[str, Any]) -> str:
        found = check.findings_as(SchemaChangeFindings)
        texts = [SchemaChangeFindings.change_text(c) for c in found.changes]
        shown = listed(texts, SHOWN)
        return f"{found.observed} column change(s) since {found.since}: {shown}"
