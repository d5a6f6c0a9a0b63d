"""Every partition registered in the catalog has data files in storage.

AWS Clean Rooms' Spark analytics engine fails the whole query with "Missing partition data"
when a registered partition has no data; AWS's fix is to remove the empty partitions
(https://docs.aws.amazon.com/clean-rooms/latest/userguide/troubleshooting.html). Clean Rooms
reads the table at query time, so the partner's query is the one that fails: High. "Data" is
at least one data file: not only ``_SUCCESS``, ``.crc`` or other ``_``/``.`` names, ``$folder$``
markers or empty objects (the inventory reads them from one listing of the table location).
Auto-repair never registers such a folder (the registration check says which it skipped).
A table with partition projection has no registered partitions to judge.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from custom_expectations.base import InventoryExpectation, Verdict, require
from data_monitor.model.checks import AlertCode, CheckResult, Severity, listed
from data_monitor.model.findings import EmptyPartitionsFindings

LIST_LIMIT = 10


class ExpectRegisteredPartitionsToHaveData(InventoryExpectation):
    """Expect no registered id_bucket partition without a data file.

    Observed value: how many registered partitions have none.
    """

    success_keys: ClassVar[tuple[str, ...]] = ()
    sentence_template: ClassVar[str] = (
        "Every partition registered in the catalog must hold at least one data file "
        "(AWS Clean Rooms fails a query on a registered partition without data)."
    )
    alert_code: ClassVar[AlertCode] = AlertCode.CLEAN_ROOMS_EMPTY_PARTITIONS
    default_severity: ClassVar[Severity] = Severity.HIGH

    def judge(self, inventory: dict[str, Any]) -> Verdict:
        projected = bool((inventory.get("projection") or {}).get("enabled"))
        empty = [] if projected else [int(b) for b in inventory.get("empty_partitions") or []]
        if not projected:
            require(inventory, "data_buckets")  # raises when the files could not be listed
        return (
            not empty,
            len(empty),
            {
                "empty": empty[:LIST_LIMIT],
                "projection": projected,
            },
        )

    @classmethod
    def observed_text(cls, result: dict[str, Any]) -> str:
        count = result["observed_value"]
        return f"{count} registered partition(s) without data" if count else "every one has data"

    @classmethod
    def alert_text(cls, check: CheckResult, params: Mapping[str, Any]) -> str:
        found = check.findings_as(EmptyPartitionsFindings)
        shown = listed([f"id_bucket={b}" for b in found.empty], found.observed, LIST_LIMIT)
        return (
            f"{found.observed} registered partition(s) without a data file ({shown}): "
            "Clean Rooms queries on the table fail"
        )
