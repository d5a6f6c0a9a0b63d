"""The table location is the folder that holds the table's data.

AWS Clean Rooms: "your AWS Glue table location exactly matches the directory path where your
data files are stored ... Setting the table location to a parent directory ... will result in
the table appearing empty when queried"
(https://docs.aws.amazon.com/clean-rooms/latest/userguide/prepare-data-S3.html). Athena's
guideline for a location is a folder with a trailing slash, never a file
(https://docs.aws.amazon.com/athena/latest/ug/tables-location-format.html). So the Glue
location must end with ``/`` and its ``id_bucket=N/`` folders must hold the data (none found:
the location is a parent, or the data is elsewhere). High: the partner's queries see an empty
table. Partitions registered outside the location are the ``[PARTITION_LOCATION]`` check's
(one alert per cause). A table with partition projection is judged
on the first point only (Athena reads its projected locations).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from custom_expectations.base import InventoryExpectation, Verdict, require
from data_monitor.model.checks import AlertCode, CheckResult, Severity
from data_monitor.model.findings import TableLocationFindings


def location_problems(inventory: dict[str, Any]) -> list[str]:
    """Why the table location is not the folder of the table's data (empty when it is)."""
    written = str(inventory.get("location_as_written") or "")
    problems = []
    if not written:
        return ["the table has no location"]
    if not written.endswith("/"):
        problems.append(f"the location {written} does not end with /: it must be a folder")
    if (inventory.get("projection") or {}).get("enabled"):
        return problems
    if not require(inventory, "data_buckets"):
        problems.append(
            f"no id_bucket folder under {inventory.get('location')} holds a data file: the "
            "location is a parent folder, or the data is elsewhere, and the table reads as empty"
        )
    return problems


class ExpectTableLocationToHoldTheData(InventoryExpectation):
    """Expect the Glue location to be the folder of the table's data.

    Observed value: the location as Glue has it.
    """

    success_keys: ClassVar[tuple[str, ...]] = ()
    sentence_template: ClassVar[str] = (
        "The table location must be the folder that holds the table's data (a folder, ending "
        "in /, with the partition folders under it)."
    )
    alert_code: ClassVar[AlertCode] = AlertCode.CLEAN_ROOMS_LOCATION
    default_severity: ClassVar[Severity] = Severity.HIGH

    def judge(self, inventory: dict[str, Any]) -> Verdict:
        problems = location_problems(inventory)
        return (
            not problems,
            str(inventory.get("location_as_written") or ""),
            {
                "problems": problems,
            },
        )

    @classmethod
    def observed_text(cls, result: dict[str, Any]) -> str:
        problems = result["details"]["problems"]
        return "; ".join(problems) if problems else str(result["observed_value"])

    @classmethod
    def alert_text(cls, check: CheckResult, params: Mapping[str, Any]) -> str:
        return "; ".join(check.findings_as(TableLocationFindings).problems)
