"""Every id_bucket partition in storage is visible to queries (the seed's UNREGISTERED check)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from great_expectations.core.suite_parameters import SuiteParameterDict

from custom_expectations.base import InventoryExpectation, Verdict, as_int, coerced, require
from custom_expectations.rendering import listing, number
from data_monitor.model.checks import AlertCode, CheckResult, Severity, listed
from data_monitor.model.findings import RegistrationFindings

LIST_LIMIT = 50
SHOWN = 3  # examples named in a projection problem


# Athena projects id_bucket low, low+interval, ... <= high, each written into the location
# with `digits` digits, at storage.location.template when that is set:
#   https://docs.aws.amazon.com/athena/latest/ug/partition-projection-supported-types.html
#   https://docs.aws.amazon.com/athena/latest/ug/partition-projection-setting-up.html
# The inventory records the settings parsed (data_monitor.catalog_model.Projection.record)
# and what storage holds at the projected locations; this judges them against bucket_count.
def projection_problems(
    projection: dict[str, Any], count: int, stored: list[int] | None = None
) -> list[str]:
    """Why the projection does not make Athena read id_bucket 0..count-1 from the data
    (empty when it does). ``stored``: buckets with data at their projected location, None
    when storage could not be listed (only the settings are judged then)."""
    problems = list(projection.get("problems") or [])  # settings Athena cannot project from
    problems += _coverage_problems(projection, count)
    if stored is not None and not projection.get("problems"):
        problems += _storage_problems(projection, count, stored)
    return problems


def _coverage_problems(projection: dict[str, Any], count: int) -> list[str]:
    first, last, step = projection.get("first"), projection.get("last"), projection.get("step")
    if first is None or last is None or step is None:
        return []  # unparseable: already a settings problem
    problems = []
    if (first, last) != (0, count - 1):
        problems.append(
            f"projection.id_bucket.range is {_raw(projection, 'range')}, expected 0,{count - 1}"
        )
    skipped = [b for b in range(max(first, 0), min(last, count - 1) + 1) if (b - first) % step]
    if skipped:
        problems.append(
            f"projection.id_bucket.interval is {_raw(projection, 'interval')}, expected 1: "
            f"Athena skips {len(skipped)} of the {count} id_buckets ({_examples(skipped)})"
        )
    return problems


def _storage_problems(projection: dict[str, Any], count: int, stored: list[int]) -> list[str]:
    unread = list(projection.get("unread") or [])
    if unread:
        # one example shows the mismatch (digits, template); the rest follow the same pattern
        first, total = unread[0], int(projection.get("unread_count") or len(unread))
        more = f" ({total - 1} more like it)" if total > 1 else ""
        return [
            f"{total} id_bucket partition(s) hold data Athena does not read: "
            f"id_bucket={first['bucket']} is read from {first['location']} but stored in "
            f"{first['stored']}{more}"
        ]
    template = projection.get("location_template")
    if template is not None and not any(0 <= b < count for b in stored):
        return [
            f"storage.location.template {template} points at no data: none of the {count} "
            f"locations it gives for id_bucket 0..{count - 1} holds any"
        ]
    return []


def _raw(projection: dict[str, Any], name: str) -> str:
    value = projection.get(name)
    return str(value).strip() if value is not None else "not set"


def _examples(values: list[int]) -> str:
    return ", ".join(str(v) for v in values[:SHOWN]) + (", ..." if len(values) > SHOWN else "")


class ExpectIdBucketPartitionsRegistered(InventoryExpectation):
    """Expect the catalog (or a valid partition projection) to expose every stored bucket.

    A table the run repaired still fails: its data was invisible to queries until this run.
    Observed value: registered buckets (N for a valid projection, 0 for an invalid one).
    """

    bucket_count: int | SuiteParameterDict

    success_keys: ClassVar[tuple[str, ...]] = ("bucket_count",)
    args_keys: ClassVar[tuple[str, ...]] = ("bucket_count",)
    sentence_template: ClassVar[str] = (
        "All $bucket_count id_bucket partitions in storage must be registered in the catalog "
        "(or covered by a valid partition projection)."
    )
    alert_code: ClassVar[AlertCode] = AlertCode.ALERT
    default_severity: ClassVar[Severity] = Severity.MEDIUM

    _coerce_count = coerced("bucket_count", to=as_int)

    def judge(self, inventory: dict[str, Any]) -> Verdict:
        count = as_int(self.bucket_count)
        projection = inventory.get("projection") or {}
        mode = str(inventory.get("repair_mode") or "off")
        details: dict[str, Any] = {"projection": bool(projection.get("enabled")), "problems": []}
        # A projected table needs no partition listing, so only the other path requires one.
        if details["projection"]:
            storage_ok = "storage_buckets" not in (inventory.get("errors") or {})
            stored = list(inventory.get("storage_buckets") or []) if storage_ok else None
            details["problems"] = projection_problems(projection, count, stored)
            registered = 0 if details["problems"] else count
            missing_before: list[int] = []
            still_missing: list[int] = []
            repaired = 0
        else:
            # a folder without a data file is not one to register (Clean Rooms fails on it)
            skipped = {int(b) for b in inventory.get("repair_skipped") or []}
            storage = set(require(inventory, "storage_buckets")) - skipped
            after = set(require(inventory, "registered_buckets"))
            before = set(inventory.get("registered_buckets_before") or [])
            missing_before = sorted(storage - before)
            still_missing = sorted(storage - after)
            registered = len(after)
            repaired = int(inventory.get("repaired") or 0)
        details.update(
            {
                "registered_count": registered,
                "missing_before": missing_before[:LIST_LIMIT],
                "missing_before_count": len(missing_before),
                "repaired": repaired,
                "still_missing": still_missing[:LIST_LIMIT],
                "still_missing_count": len(still_missing),
                "repair_mode": mode,
                "repair_error": (inventory.get("errors") or {}).get("repair"),
            }
        )
        skipped_empty = [int(b) for b in inventory.get("repair_skipped") or []]
        if skipped_empty:  # only then: the result keeps its shape for every other table
            details["repair_skipped"] = skipped_empty[:LIST_LIMIT]
        success = not details["problems"] if details["projection"] else not missing_before
        return success, registered, details

    @classmethod
    def observed_text(cls, result: dict[str, Any]) -> str:
        details = result["details"]
        if details["projection"]:
            problems = details["problems"]
            return "invalid projection: " + "; ".join(problems) if problems else "valid projection"
        if not details["missing_before_count"]:
            return f"{number(details['registered_count'])} registered"
        text = listing(details["missing_before_count"], "unregistered", details["missing_before"])
        if details["repaired"]:
            return (
                f"{text} ({number(details['repaired'])} repaired, "
                f"{number(details['still_missing_count'])} still missing)"
            )
        return f"{text} (repair mode {details['repair_mode']})"

    @classmethod
    def alert_text(cls, check: CheckResult, params: Mapping[str, Any]) -> str:
        found = check.findings_as(RegistrationFindings)
        if found.projection:
            return "partition projection invalid: " + "; ".join(found.problems)
        text = f"Glue missing {found.missing_before_count} partitions"
        if found.repaired:
            text += f" (auto-repaired {found.repaired} via {found.repair_mode})"
        if found.still_missing_count and found.repair_mode != "off":
            still = listed(found.still_missing, found.still_missing_count)
            text += f"; still unregistered: {still}"
        if found.repair_skipped and found.repair_mode != "off":
            skipped = listed(found.repair_skipped, len(found.repair_skipped))
            text += f"; not registered, no data file: {skipped}"
        if found.repair_error:
            text += f"; {found.repair_error}"
        return text
