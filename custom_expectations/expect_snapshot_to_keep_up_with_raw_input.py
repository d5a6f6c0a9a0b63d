"""The processed snapshot is not behind the raw input its source holds (the seed's
cross-check of the snapshot with raw input freshness).

The processed date is the part table's marker; the raw input's date is the source table's
marker, or the newest LastModified of its data files (data_monitor/lake/raw_input.py), taken
no later than ``as_of`` (input that arrived after the day being checked is not that day's).
The check passes, and says why, when either date is unknown: a missing or unreadable marker is
the freshness check's alert already.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any, ClassVar

from great_expectations.core.suite_parameters import SuiteParameterDict

from custom_expectations.base import (
    InventoryExpectation,
    Verdict,
    as_int,
    as_iso_date,
    coerced,
    require,
)
from data_monitor.model.checks import AlertCode, CheckResult, Severity
from data_monitor.model.findings import RawInputFindings
from data_monitor.model.snapshots import marker_date


class ExpectSnapshotToKeepUpWithRawInput(InventoryExpectation):
    """Expect the processed snapshot at most ``max_lag_days`` behind the raw input.

    Observed value: the raw input's date (None when unknown).
    """

    max_lag_days: int | SuiteParameterDict = 1
    as_of: str | SuiteParameterDict

    success_keys: ClassVar[tuple[str, ...]] = ("max_lag_days", "as_of")
    args_keys: ClassVar[tuple[str, ...]] = ("max_lag_days", "as_of")
    sentence_template: ClassVar[str] = (
        "The processed snapshot must be at most $max_lag_days day(s) behind the newest raw "
        "input of the table's source (as of $as_of)."
    )
    alert_code: ClassVar[AlertCode] = AlertCode.FRESHNESS
    default_severity: ClassVar[Severity] = Severity.MEDIUM

    _coerce_lag = coerced("max_lag_days", to=as_int)
    _coerce_as_of = coerced("as_of", to=as_iso_date)

    def judge(self, inventory: dict[str, Any]) -> Verdict:
        raw = require(inventory, "raw_input")
        text = inventory.get("snapshot_text")
        processed = marker_date(text) if isinstance(text, str) else None
        limit = as_int(self.max_lag_days)
        as_of = date.fromisoformat(as_iso_date(self.as_of))
        raw_date = date.fromisoformat(raw["date"]) if raw and raw.get("date") else None
        if raw_date is not None:
            raw_date = min(raw_date, as_of)
        lag = (raw_date - processed).days if raw_date and processed else None
        details = {
            "processed": processed.isoformat() if processed else None,
            "lag_days": lag,
            "max_lag_days": limit,
            "source": raw["table"] if raw else None,
            "read_from": raw["from"] if raw else "the table has no source table",
        }
        return lag is None or lag <= limit, raw_date.isoformat() if raw_date else None, details

    @classmethod
    def observed_text(cls, result: dict[str, Any]) -> str:
        details = result["details"]
        if result["observed_value"] is None:
            return f"raw input date unknown: {details['read_from']}"
        if details["processed"] is None:
            return f"raw input {result['observed_value']}; no processed snapshot to compare"
        return (
            f"raw input {result['observed_value']} ({details['read_from']}), processed "
            f"{details['processed']}: {details['lag_days']} day(s) behind"
        )

    @classmethod
    def alert_text(cls, check: CheckResult, params: Mapping[str, Any]) -> str:
        found = check.findings_as(RawInputFindings)
        return (
            f"processed snapshot {found.processed} is behind raw input {found.observed} "
            f"({found.lag_days} days, more than {found.max_lag_days}; raw input from "
            f"{found.source}, {found.read_from})"
        )
