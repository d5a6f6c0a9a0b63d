"""Sampled data files are neither tiny nor huge (the seed's FILE_SIZE check)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from great_expectations.core.suite_parameters import SuiteParameterDict

from custom_expectations.base import InventoryExpectation, Verdict, as_float, coerced, require
from custom_expectations.rendering import plural
from data_monitor.model.checks import AlertCode, CheckResult, Severity
from data_monitor.model.findings import FileSizeFindings

MB = 1024 * 1024
ISSUE_LIMIT = 20


class ExpectFileSizesInRange(InventoryExpectation):
    """Expect every sampled data file to be between ``min_mb`` and ``max_mb`` MiB.

    The inventory samples the first few partitions only (listing all 256 costs too much).
    Observed value: the number of files outside the range.
    """

    min_mb: float | SuiteParameterDict
    max_mb: float | SuiteParameterDict

    success_keys: ClassVar[tuple[str, ...]] = ("min_mb", "max_mb")
    args_keys: ClassVar[tuple[str, ...]] = ("min_mb", "max_mb")
    # "5" is data_monitor.inventory.FILE_SAMPLE_PARTITIONS, not imported to keep this package
    # free of the monitor (which imports it).
    sentence_template: ClassVar[str] = (
        "Data files in up to 5 sampled partitions must be between $min_mb MB and $max_mb MB."
    )
    alert_code: ClassVar[AlertCode] = AlertCode.FILE_SIZE
    default_severity: ClassVar[Severity] = Severity.LOW

    _coerce_sizes = coerced("min_mb", "max_mb", to=as_float)

    def judge(self, inventory: dict[str, Any]) -> Verdict:
        sample = list(require(inventory, "file_sample") or [])
        location = str(inventory.get("location") or "")
        low, high = as_float(self.min_mb), as_float(self.max_mb)
        issues = []
        for file in sample:
            size_mb = file["size_bytes"] / MB
            name = _relative(str(file["uri"]), location)
            if size_mb < low:
                issues.append(f"{name} {size_mb:.2f}MB < {low:g}MB")
            elif size_mb > high:
                issues.append(f"{name} {size_mb:.2f}MB > {high:g}MB")
        return (
            not issues,
            len(issues),
            {
                "files_checked": len(sample),
                "partitions_sampled": len({file["partition"] for file in sample}),
                "issues": issues[:ISSUE_LIMIT],
            },
        )

    @classmethod
    def observed_text(cls, result: dict[str, Any]) -> str:
        checked = result["details"]["files_checked"]
        if not result["observed_value"]:
            return f"{plural(checked, 'file')} in range"
        return f"{result['observed_value']} of {plural(checked, 'file')} out of range"

    @classmethod
    def alert_text(cls, check: CheckResult, params: Mapping[str, Any]) -> str:
        found = check.findings_as(FileSizeFindings)
        low, high = as_float(check.kwargs["min_mb"]), as_float(check.kwargs["max_mb"])
        return (
            f"{found.observed} of {found.files_checked} sampled file(s) outside "
            f"{low:g}-{high:g} MB: " + ", ".join(found.issues[:5])
        )


def _relative(uri: str, location: str) -> str:
    # Issues name the file under the table ("id_bucket=3/part-0.parquet"), not the full URI.
    if location and uri.startswith(location):
        return uri[len(location) :].lstrip("/") or uri
    return uri
