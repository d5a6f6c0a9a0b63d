"""Every id_bucket partition 0..N-1 exists in storage, and no other (the seed's MISSING check)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from great_expectations.core.suite_parameters import SuiteParameterDict

from custom_expectations.base import InventoryExpectation, Verdict, as_int, coerced, require
from custom_expectations.rendering import listing, number
from data_monitor.model.checks import AlertCode, CheckResult, Severity, listed
from data_monitor.model.findings import StorageFindings

LIST_LIMIT = 50  # keeps a result of a table with no partitions at all readable


class ExpectIdBucketPartitionsInStorage(InventoryExpectation):
    """Expect storage to hold exactly the partitions ``id_bucket=0`` .. ``id_bucket=N-1``.

    Observed value: how many of the N expected buckets are present. A bucket >= N is data the
    catalog range never covers, so it fails the table too.
    """

    bucket_count: int | SuiteParameterDict

    success_keys: ClassVar[tuple[str, ...]] = ("bucket_count",)
    args_keys: ClassVar[tuple[str, ...]] = ("bucket_count",)
    sentence_template: ClassVar[str] = (
        "All $bucket_count id_bucket partitions must be present in storage."
    )
    alert_code: ClassVar[AlertCode] = AlertCode.S3_PARTITIONS
    default_severity: ClassVar[Severity] = Severity.MEDIUM

    _coerce_count = coerced("bucket_count", to=as_int)

    def judge(self, inventory: dict[str, Any]) -> Verdict:
        count = as_int(self.bucket_count)
        present = {int(b) for b in require(inventory, "storage_buckets")}
        missing = sorted(set(range(count)) - present)
        unexpected = sorted(b for b in present if b >= count)
        details = {
            "bucket_count": count,
            "missing": missing[:LIST_LIMIT],
            "missing_count": len(missing),
            "unexpected": unexpected,
        }
        return not missing and not unexpected, count - len(missing), details

    @classmethod
    def observed_text(cls, result: dict[str, Any]) -> str:
        details = result["details"]
        parts = []
        if details["missing_count"]:
            parts.append(listing(details["missing_count"], "missing", details["missing"]))
        if details["unexpected"]:
            unexpected = details["unexpected"]
            parts.append(listing(len(unexpected), "unexpected", unexpected))
        present, expected = number(result["observed_value"]), number(details["bucket_count"])
        return "; ".join(parts) or f"{present} of {expected} present"

    @classmethod
    def alert_text(cls, check: CheckResult, params: Mapping[str, Any]) -> str:
        found = check.findings_as(StorageFindings)
        parts = []
        if found.missing_count:
            parts.append(
                f"S3 missing {found.missing_count} of {found.bucket_count} id_bucket "
                f"partitions ({listed(found.missing, found.missing_count)})"
            )
        if found.unexpected:
            parts.append(
                f"unexpected id_bucket partitions beyond {found.bucket_count - 1}: "
                f"{listed(found.unexpected, len(found.unexpected))}"
            )
        return "; ".join(parts)
