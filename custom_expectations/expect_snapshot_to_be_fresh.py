"""The table's snapshot_dt.txt marker holds a recent date (the seed's SNAPSHOT check)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any, ClassVar

from great_expectations.core.suite_parameters import SuiteParameterDict

from custom_expectations.base import (
    InventoryExpectation,
    Verdict,
    as_bool,
    as_int,
    as_iso_date,
    coerced,
    require,
)
from custom_expectations.rendering import plural
from data_monitor.model.checks import AlertCode, CheckResult, Severity
from data_monitor.model.findings import FreshnessFindings
from data_monitor.model.snapshots import marker_date


class ExpectSnapshotToBeFresh(InventoryExpectation):
    """Expect the marker's date to be at most ``freshness_window_days`` before ``as_of``.

    States: fresh, stale, future, unparseable, missing. A missing marker fails only when
    ``strict`` (not every table publishes one). Observed value: the marker's date.
    """

    freshness_window_days: int | SuiteParameterDict
    as_of: str | SuiteParameterDict
    strict: bool | SuiteParameterDict

    success_keys: ClassVar[tuple[str, ...]] = ("freshness_window_days", "as_of", "strict")
    args_keys: ClassVar[tuple[str, ...]] = ("freshness_window_days", "as_of", "strict")
    sentence_template: ClassVar[str] = (
        "The snapshot date in snapshot_dt.txt must be at most $freshness_window_days days old "
        "on $as_of (strict: $strict)."
    )
    alert_code: ClassVar[AlertCode] = AlertCode.FRESHNESS
    default_severity: ClassVar[Severity] = Severity.MEDIUM

    _coerce_window = coerced("freshness_window_days", to=as_int)
    _coerce_as_of = coerced("as_of", to=as_iso_date)
    _coerce_strict = coerced("strict", to=as_bool)

    def judge(self, inventory: dict[str, Any]) -> Verdict:
        text = require(inventory, "snapshot_text")
        window = as_int(self.freshness_window_days)
        as_of = date.fromisoformat(as_iso_date(self.as_of))
        strict = as_bool(self.strict)
        marked, age = None, None
        if not isinstance(text, str):  # None, or NaN if pandas widened the column
            state = "missing"
        elif (marked := marker_date(text)) is None:
            state = "unparseable"
        else:
            age = (as_of - marked).days
            state = "future" if age < 0 else "stale" if age > window else "fresh"
        return (
            state == "fresh" or (state == "missing" and not strict),
            marked.isoformat() if marked else None,
            {
                "state": state,
                "age_days": age,
                "window_days": window,
                "uri": inventory.get("snapshot_uri"),
                "strict": strict,
                "text_sample": repr(text.strip()[:40]) if state == "unparseable" else None,
            },
        )

    @classmethod
    def observed_text(cls, result: dict[str, Any]) -> str:
        details = result["details"]
        state, age = details["state"], details["age_days"]
        if state == "missing":
            return "marker missing" + (" (strict)" if details["strict"] else "")
        if state == "unparseable":
            return f"unparseable: {details['text_sample']}"
        if state == "future":
            return f"{result['observed_value']} ({plural(-age, 'day')} in the future)"
        window = f", window {details['window_days']}" if state == "stale" else ""
        return f"{result['observed_value']} ({plural(age, 'day')} old{window})"

    @classmethod
    def alert_text(cls, check: CheckResult, params: Mapping[str, Any]) -> str:
        found = check.findings_as(FreshnessFindings)
        if found.state == "missing":
            return f"processed snapshot missing ({found.uri})"
        if found.state == "unparseable":
            return (
                f"processed snapshot unreadable: {found.text_sample} in {found.uri} "
                "(expected YYYY-MM-DD)"
            )
        if found.state == "future":
            as_of = check.kwargs["as_of"]
            return f"processed snapshot {found.observed} is in the future (as of {as_of})"
        return (
            f"processed snapshot too old: {found.observed} is {found.age_days} days old "
            f"(window {found.window_days} days)"
        )
