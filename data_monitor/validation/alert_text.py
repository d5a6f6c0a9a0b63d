"""Each check's alert line, from its result: code and severity (the check's own, or the
expectation's ``meta`` ``alert_code``/``severity``, so a user can set them in suite JSON) and the
text. The monitor's own expectations word their text themselves (``alert_text``, beside their
Data Docs sentence in custom_expectations/); any other expectation's line is its Data Docs
sentence and what was observed."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from great_expectations.exceptions import ExpectationNotFoundError
from great_expectations.expectations.registry import get_expectation_impl

from custom_expectations.base import SentenceExpectation
from data_monitor.delivery.alerts import SEVERITIES
from data_monitor.model.checks import AlertCode, CheckResult, Severity, alert_code_of, listed
from data_monitor.model.results import Alert
from data_monitor.validation.sentences import sentence_of

LOG = logging.getLogger("data_monitor")


def check_name(expectation_type: str) -> str:
    return expectation_type.removeprefix("expect_").replace("_", " ")


def alert_for(
    table: str, expectation: CheckResult | Mapping[str, Any], params: Mapping[str, Any]
) -> Alert | None:
    """The alert for one expectation result (its view, or GX's dict), or None when it passed."""
    check = CheckResult.of(expectation)
    if check.error is not None:
        text = f"{check_name(check.expectation_type)} could not run: {check.error}"
        return Alert(AlertCode.ERROR, Severity.HIGH, table, text)
    if check.success:
        return None
    owner = alerting_expectation(check.expectation_type)
    code = (owner.alert_code if owner else None) or AlertCode.EXPECTATION
    severity = _graded(owner, check) if owner else Severity.MEDIUM
    return Alert(
        alert_code_of(str(check.meta.get("alert_code") or code)),
        _severity(check.meta, severity),
        table,
        _text(owner, check, params),
    )


def alerting_expectation(expectation_type: str) -> type[SentenceExpectation] | None:
    """The class of one of the monitor's own expectations (they word their alerts), else None."""
    try:
        impl = get_expectation_impl(expectation_type)
    except ExpectationNotFoundError:
        return None
    if isinstance(impl, type) and issubclass(impl, SentenceExpectation) and impl.alert_code:
        return impl
    return None


def _graded(owner: type[SentenceExpectation], check: CheckResult) -> Severity:
    try:
        return owner.severity_of(check)
    except (KeyError, TypeError, ValueError):
        return owner.default_severity  # an unreadable result still alerts, at the default


def _severity(meta: Mapping[str, Any], default: Severity) -> Severity:
    # suites check meta.severity before a run; a bad one that got here anyway reads as Medium
    value = str(meta.get("severity") or default)
    return Severity(value) if value in SEVERITIES else Severity.MEDIUM


def _text(
    owner: type[SentenceExpectation] | None, check: CheckResult, params: Mapping[str, Any]
) -> str:
    if owner is not None:
        try:
            return owner.alert_text(check, params)
        except (KeyError, TypeError, ValueError) as exc:
            # the alert is never lost: it reads as any other expectation's, and the log says why
            LOG.warning(
                "%s: its alert text failed (%s); using its sentence", check.expectation_type, exc
            )
    return generic_text(check)


def generic_text(check: CheckResult) -> str:
    """For any other expectation (a user's): its Data Docs sentence and what was observed."""
    return (
        f"{sentence_of(check.expectation_type, dict(check.kwargs))} — observed {_observed(check)}"
    )


# what a failed expectation that observes nothing (GX reports None) found, in words
NOTHING_OBSERVED = {
    "expect_column_to_exist": "the column is not in the table",
}


def _observed(check: CheckResult) -> str:
    """What GX counted, in words: rows for a row-by-row expectation (never sample values),
    values for one that counts distinct values, else the observed value."""
    if check.unexpected_count is None:
        if check.observed is None:
            return NOTHING_OBSERVED.get(check.expectation_type, "nothing (GX reports no value)")
        return in_words(check.observed)
    if check.element_count is None:  # counted among the column's distinct values
        return f"{check.unexpected_count:,} unexpected distinct value(s)"
    text = f"{check.unexpected_count:,} unexpected row(s) of {check.element_count:,}"
    if check.unexpected_percent is not None:
        nulls = check.missing_count or 0
        base = f" of the {check.element_count - nulls:,} not NULL" if nulls else ""
        text += f" ({check.unexpected_percent:.2f}%{base})"
    return text


def in_words(value: object, limit: int = 10) -> str:
    """An observed value as an alert line shows it: lists and mappings without Python's
    brackets and quotes, numbers to 6 significant digits."""
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, list | tuple):
        return listed([in_words(v) for v in value], len(value), limit) if value else "none"
    if isinstance(value, dict):
        return ", ".join(f"{k}={in_words(v)}" for k, v in value.items())
    return str(value)
