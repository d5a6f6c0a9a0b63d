"""Every registered id_bucket partition points where the table keeps that bucket.

Athena reads a partition from the location Glue registered for it, wherever that is: a
partition left pointing at a staging prefix or another table makes every count and key check
read someone else's rows, while the storage listing under the table looks complete.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from custom_expectations.base import InventoryExpectation, Verdict, require
from custom_expectations.rendering import listing
from data_monitor.model.checks import AlertCode, CheckResult, Severity, listed
from data_monitor.model.findings import PlacementFindings

LIST_LIMIT = 20


class ExpectIdBucketPartitionsAtTableLocation(InventoryExpectation):
    """Expect each registered partition's location to be ``<table location>id_bucket=N/``.

    Observed value: the number of partitions registered somewhere else (0 when none are;
    also 0 for a projected table, whose partitions Glue does not hold).
    """

    success_keys: ClassVar[tuple[str, ...]] = ()
    sentence_template: ClassVar[str] = (
        "Every registered id_bucket partition must point at the table's own "
        "id_bucket=N/ folder under its location."
    )
    alert_code: ClassVar[AlertCode] = AlertCode.PARTITION_LOCATION
    default_severity: ClassVar[Severity] = Severity.HIGH

    def judge(self, inventory: dict[str, Any]) -> Verdict:
        require(inventory, "registered_buckets")  # the same listing found both
        misplaced = list(inventory.get("misplaced_partitions") or [])
        details = {"misplaced": misplaced[:LIST_LIMIT], "misplaced_count": len(misplaced)}
        return not misplaced, len(misplaced), details

    @classmethod
    def observed_text(cls, result: dict[str, Any]) -> str:
        details = result["details"]
        if not details["misplaced_count"]:
            return "all at the table location"
        shown = [f"id_bucket={m['bucket']} at {m['location']}" for m in details["misplaced"]]
        return listing(details["misplaced_count"], "registered elsewhere", shown, limit=3)

    @classmethod
    def alert_text(cls, check: CheckResult, params: Mapping[str, Any]) -> str:
        found = check.findings_as(PlacementFindings)
        shown = [f"id_bucket={m.bucket} -> {m.location}" for m in found.misplaced]
        return (
            f"{found.misplaced_count} registered partition(s) point outside the table location: "
            f"{listed(shown, found.misplaced_count)}"
        )
