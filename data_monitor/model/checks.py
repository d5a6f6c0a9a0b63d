"""A check's outcome as the monitor reads it: the alert codes and severities, one expectation
result as a typed view, and the wording pieces every alert line shares.

``AlertCode`` and ``Severity`` are str enums: an alert's JSON, CSV and text hold the same plain
strings as before. ``CheckResult`` is built once from GX's result dict, and ``from_gx`` is the
one place that reads that dict's keys; the monitor's own checks also carry typed ``findings``
(model.findings).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import TypeVar

from data_monitor.model.errors import one_line
from data_monitor.model.findings import Findings, ResultShapeError, read_findings
from data_monitor.model.json_data import Raw, obj

F = TypeVar("F", bound=Findings)


class AlertCode(StrEnum):
    """Every code an alert line starts with: ``[PK_NULL] <table>: ...``. A suite's
    ``meta.alert_code`` may name its own, which stays the plain string it is."""

    # the checks' own (each custom expectation's ``alert_code``)
    PK_NULL = "PK_NULL"
    PK_DUPES = "PK_DUPES"
    COUNT_MISMATCH = "COUNT_MISMATCH"
    VOLUME_ANOMALY = "VOLUME_ANOMALY"
    PARTITION_SKEW = "PARTITION_SKEW"
    S3_PARTITIONS = "S3_PARTITIONS"
    ALERT = "ALERT"  # the seed's code for partitions missing from the catalog
    PARTITION_LOCATION = "PARTITION_LOCATION"
    TABLE_TYPE = "TABLE_TYPE"
    CONTRACT = "CONTRACT"
    FRESHNESS = "FRESHNESS"
    FRESHNESS_STALLED = "FRESHNESS_STALLED"
    FILE_SIZE = "FILE_SIZE"
    SCHEMA_CHANGE = "SCHEMA_CHANGE"  # columns added, removed, renamed or retyped
    # the table is not ready for AWS Clean Rooms (gx/expectations/clean_rooms_readiness.json)
    CLEAN_ROOMS_NAMES = "CLEAN_ROOMS_NAMES"
    CLEAN_ROOMS_COLUMNS = "CLEAN_ROOMS_COLUMNS"
    CLEAN_ROOMS_EMPTY_PARTITIONS = "CLEAN_ROOMS_EMPTY_PARTITIONS"
    CLEAN_ROOMS_JOIN_KEY = "CLEAN_ROOMS_JOIN_KEY"
    CLEAN_ROOMS_LOCATION = "CLEAN_ROOMS_LOCATION"
    CLEAN_ROOMS_FORMAT = "CLEAN_ROOMS_FORMAT"
    CLEAN_ROOMS_TYPES = "CLEAN_ROOMS_TYPES"
    CLEAN_ROOMS_CONFIGURED = "CLEAN_ROOMS_CONFIGURED"  # configured tables vs the Glue table
    # any other expectation that failed (GX's own, or a user's)
    EXPECTATION = "EXPECTATION"
    # the run's: something was not checked, and says why
    ERROR = "ERROR"  # a check, a table or the run could not run (exit code 3)
    LOCATION = "LOCATION"  # a table outside the data buckets, refused
    NOT_CHECKED = "NOT_CHECKED"  # tables left out by --max_tables
    NO_TABLES = "NO_TABLES"  # nothing matched the prefix


class Severity(StrEnum):
    HIGH = "High"
    MEDIUM = "Medium"
    LOW = "Low"


def alert_code_of(text: str) -> AlertCode | str:
    """``text`` as its AlertCode, or as given when it is a suite's own code."""
    try:
        return AlertCode(text)
    except ValueError:
        return text


def format_pct(diff: float | str) -> str:
    return "inf" if diff == "inf" else f"{float(diff):.6f}"


def listed(values: Sequence[object], total: int, limit: int = 10) -> str:
    """The first ``limit`` values, then how many more there are."""
    shown = ", ".join(str(v) for v in values[:limit])
    return shown + (f", ... ({total - limit} more)" if total > limit else "")


def exception_reason(expectation: Raw) -> str | None:
    """Why an expectation could not run, in one line, or None if it ran.

    GX reports an error of the expectation itself as ``{"raised_exception": true, ...}`` and a
    failed metric (a query that failed) as ``{<metric id>: {"exception_message": ...}}``. Only
    the first line of the message is kept: drivers append the whole SQL statement after it.
    """
    info = obj(expectation.get("exception_info"))
    entries = [info] if "raised_exception" in info else [obj(v) for v in info.values()]
    for entry in entries:
        if entry.get("raised_exception") or entry.get("exception_message"):
            return one_line(str(entry.get("exception_message") or "unknown error"), max_lines=2)
    return None


@dataclass(frozen=True)
class CheckResult:
    """One expectation's result, read-only.

    ``error`` says why the check could not run: GX's exception, or a result of one of our
    checks in a shape its findings do not declare (a result that cannot be read tells nothing,
    so it is reported like a check that did not run). ``findings`` is set for our checks when
    they ran. The unexpected/element counts are those of GX's row-by-row expectations.
    """

    expectation_type: str
    success: bool
    kwargs: Raw
    meta: Raw
    observed: object  # the result's observed_value, None without one
    findings: Findings | None
    error: str | None
    unexpected_count: int | None = None
    element_count: int | None = None
    unexpected_percent: float | None = None  # of the rows not NULL, as GX computes it
    missing_count: int | None = None  # rows GX left out as NULL

    @classmethod
    def from_gx(cls, expectation: Raw) -> CheckResult:
        """The view of one entry of GX's ``results`` (a validation result as a dict)."""
        config = obj(expectation.get("expectation_config"))
        etype = str(config["type"])
        result = obj(expectation.get("result"))
        error = exception_reason(expectation)
        findings = None
        unexpected, elements, percent, missing = _row_counts(result)
        if error is None and result:
            try:
                findings = read_findings(etype, result)
            except ResultShapeError as exc:
                error = f"unreadable result: {exc}"
        return cls(
            expectation_type=etype,
            success=bool(expectation.get("success")),
            kwargs=MappingProxyType(dict(obj(config.get("kwargs")))),
            meta=MappingProxyType(dict(obj(config.get("meta")))),
            observed=result.get("observed_value"),
            findings=findings,
            error=error,
            unexpected_count=unexpected,
            element_count=elements,
            unexpected_percent=percent,
            missing_count=missing,
        )

    @classmethod
    def of(cls, value: CheckResult | Raw) -> CheckResult:
        return value if isinstance(value, CheckResult) else cls.from_gx(value)

    def findings_as(self, kind: type[F]) -> F:
        """The findings, as the class the caller's check declares; raises ResultShapeError
        when there are none of that kind (the check did not run, or is another check)."""
        if not isinstance(self.findings, kind):
            raise ResultShapeError(f"{self.expectation_type} has no {kind.__name__}")
        return self.findings

    def findings_if(self, kind: type[F]) -> F | None:
        """The findings of that kind, or None (for a report column left blank)."""
        return self.findings if isinstance(self.findings, kind) else None


def _row_counts(result: Raw) -> tuple[int | None, int | None, float | None, int | None]:
    """GX's (unexpected_count, element_count, unexpected_percent, missing_count) of a
    row-by-row expectation; all None for a result of another kind."""
    if "unexpected_count" not in result:
        return None, None, None, None
    total, percent = _number(result.get("element_count")), _number(result.get("unexpected_percent"))
    missing = _number(result.get("missing_count"))
    return (
        int(_number(result["unexpected_count"]) or 0),
        None if total is None else int(total),
        percent,
        None if missing is None else int(missing),
    )


def _number(value: object) -> float | None:
    """A count or percentage as GX writes it (int, float, or a numeric text); None otherwise."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return float(value)
    try:
        return float(str(value))
    except ValueError:
        return None
