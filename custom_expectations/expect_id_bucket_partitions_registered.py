"""Every id_bucket partition in storage is visible to queries (the seed's UNREGISTERED check)."""

from __future__ import annotations

from typing import Any, ClassVar

from great_expectations.core.suite_parameters import SuiteParameterDict

from custom_expectations.base import InventoryExpectation, as_int, coerced, require
from custom_expectations.rendering import listing, number

LIST_LIMIT = 50


def projection_problems(projection: dict[str, Any], count: int) -> list[str]:
    """Why a partition projection does not cover id_bucket 0..count-1 (empty when it does)."""
    problems = []
    key_type = projection.get("key_type")
    if key_type != "integer":
        problems.append(f"projection.id_bucket.type is {key_type or 'not set'}, expected integer")
    # Athena ignores blanks in "0, 255"; only the numbers matter.
    raw_range = (projection.get("range") or "").strip()
    if "".join(raw_range.split()) != f"0,{count - 1}":
        problems.append(
            f"projection.id_bucket.range is {raw_range or 'not set'}, expected 0,{count - 1}"
        )
    return problems


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

    _coerce_count = coerced("bucket_count", to=as_int)

    def _validate(
        self,
        metrics: dict[str, Any],
        runtime_configuration: dict | None = None,
        execution_engine: Any | None = None,
    ) -> dict[str, Any]:
        inventory = self.inventory_of(metrics)
        count = as_int(self.bucket_count)
        projection = inventory.get("projection") or {}
        mode = str(inventory.get("repair_mode") or "off")
        details: dict[str, Any] = {"projection": bool(projection.get("enabled")), "problems": []}
        # A projected table needs no partition listing, so only the other path requires one.
        if details["projection"]:
            details["problems"] = projection_problems(projection, count)
            registered = 0 if details["problems"] else count
            missing_before: list[int] = []
            still_missing: list[int] = []
            repaired = 0
        else:
            storage = set(require(inventory, "storage_buckets"))
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
        success = not details["problems"] if details["projection"] else not missing_before
        return {"success": success, "result": {"observed_value": registered, "details": details}}

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
