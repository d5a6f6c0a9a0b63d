"""Shared base classes of the custom expectations."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any, ClassVar

from great_expectations.compatibility import pydantic
from great_expectations.expectations.expectation import BatchExpectation
from great_expectations.render import LegacyDiagnosticRendererType, LegacyRendererType
from great_expectations.render.renderer.renderer import renderer

from custom_expectations.rendering import (
    default_observed_text,
    is_parameter,
    listed,
    observed_value,
    sentence,
)
from data_monitor.model.checks import AlertCode, CheckResult, Severity
from data_monitor.model.findings import ProblemFindings


class SentenceExpectation(BatchExpectation):
    """A batch expectation that reads as one sentence in Data Docs.

    Subclasses set ``sentence_template`` with ``$kwarg`` placeholders, and override
    ``observed_text`` to say what was observed in the Data Docs "Observed Value" column.

    The monitor's own checks also word the alert they raise when they fail, beside the
    sentence: ``alert_code``, ``default_severity`` (a suite's ``meta.alert_code`` and
    ``meta.severity`` override both) and ``alert_text``. A class without an ``alert_code`` is
    alerted on with its sentence and observed value, as any other expectation.
    """

    sentence_template: ClassVar[str] = ""
    alert_code: ClassVar[AlertCode | None] = None
    default_severity: ClassVar[Severity] = Severity.MEDIUM

    @classmethod
    @renderer(renderer_type=LegacyRendererType.PRESCRIPTIVE)
    def _prescriptive_renderer(
        cls,
        configuration: Any | None = None,
        result: Any | None = None,
        runtime_configuration: dict | None = None,
        **kwargs: Any,
    ) -> list:
        if configuration is None and result is not None:
            configuration = result.expectation_config
        config_kwargs = dict(configuration.kwargs) if configuration is not None else {}
        # GX leaves out of the configuration a kwarg set to its default value: the sentence
        # still names it ("at most $max_columns columns" reads "at most 100 columns")
        defaults = {
            name: field.default
            for name, field in cls.__fields__.items()
            if f"${name}" in cls.sentence_template and field.default is not None
        }
        return sentence(cls.sentence_template, {**defaults, **config_kwargs}, runtime_configuration)

    # Same name as GX's own renderer, so it replaces it rather than competing for the type.
    @classmethod
    @renderer(renderer_type=LegacyDiagnosticRendererType.OBSERVED_VALUE)
    def _diagnostic_observed_value_renderer(
        cls,
        configuration: Any | None = None,
        result: Any | None = None,
        runtime_configuration: dict | None = None,
        **kwargs: Any,
    ) -> str:
        return observed_value(result, cls.observed_text)

    @classmethod
    def observed_text(cls, result: dict[str, Any]) -> str:
        """A short human reading of ``result`` (``{"observed_value": ..., "details": ...}``)."""
        return default_observed_text(result)

    @classmethod
    def severity_of(cls, check: CheckResult) -> Severity:
        """The severity of a failed ``check`` when its suite sets none (some checks grade
        what they found)."""
        return cls.default_severity

    @classmethod
    def alert_text(cls, check: CheckResult, params: Mapping[str, Any]) -> str:
        """The alert line's text (after ``[CODE] <table>: ``) of a failed ``check``; ``params``
        are the table's suite parameters. Raises ResultShapeError (a ValueError) if ``check``
        has none of this check's findings."""
        raise NotImplementedError(f"{cls.__name__} words no alert of its own")


class InventoryExpectation(SentenceExpectation):
    """An expectation over a table's inventory (storage, catalog and marker facts).

    The batch is a one-row frame built by the monitor from S3/Glue (or the local warehouse);
    ``table.inventory`` hands that row to ``_validate`` as a dict.
    """

    metric_dependencies: ClassVar[tuple[str, ...]] = ("table.inventory",)

    @staticmethod
    def inventory_of(metrics: dict[str, Any]) -> dict[str, Any]:
        return dict(metrics["table.inventory"])

    def _validate(
        self,
        metrics: dict[str, Any],
        runtime_configuration: dict | None = None,
        execution_engine: Any | None = None,
    ) -> dict[str, Any]:
        success, observed, details = self.judge(self.inventory_of(metrics))
        return {"success": success, "result": {"observed_value": observed, "details": details}}

    def judge(self, inventory: dict[str, Any]) -> Verdict:
        """(success, observed value, details) of the table's ``inventory``."""
        raise NotImplementedError(f"{type(self).__name__} judges no inventory")


Verdict = tuple[bool, Any, dict[str, Any]]  # success, observed value, details


class ProblemListExpectation(InventoryExpectation):
    """An inventory check that finds a list of problems: it passes when there is none, its
    observed value is how many, and its alert spells out the first ``shown`` of them.

    Subclasses give ``problems``, ``ok_text`` (the observed value's text when it passes),
    ``alert_template`` (``{count}`` and ``{problems}``) and ``findings`` (their findings class,
    with ``observed`` and ``problems``)."""

    ok_text: ClassVar[str] = "no problem"
    alert_template: ClassVar[str] = "{count} problem(s): {problems}"
    shown: ClassVar[int] = 5
    findings: ClassVar[type[ProblemFindings]]

    def problems(self, inventory: dict[str, Any]) -> list[str]:
        raise NotImplementedError(f"{type(self).__name__} lists no problems")

    def judge(self, inventory: dict[str, Any]) -> Verdict:
        problems = self.problems(inventory)
        return not problems, len(problems), {"problems": problems}

    @classmethod
    def observed_text(cls, result: dict[str, Any]) -> str:
        problems = result["details"]["problems"]
        return "; ".join(problems) if problems else cls.ok_text

    @classmethod
    def alert_text(cls, check: CheckResult, params: Mapping[str, Any]) -> str:
        found = check.findings_as(cls.findings)
        return cls.alert_template.format(
            count=found.observed, problems=listed(found.problems, cls.shown)
        )


class InventoryUnavailable(RuntimeError):
    """A fact the expectation needs could not be collected (the reason is the message)."""


def require(inventory: dict[str, Any], field: str) -> Any:
    """The inventory field, or an exception carrying why it could not be collected."""
    error = (inventory.get("errors") or {}).get(field)
    if error:
        raise InventoryUnavailable(error)
    return inventory.get(field)


# Suite parameter values arrive as JSON: numbers may be floats, anything may be a string.
def as_int(value: Any) -> int:
    return int(float(value))


def as_float(value: Any) -> float:
    return float(value)


def as_str(value: Any) -> str:
    return str(value)


def as_bool(value: Any) -> bool:
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    if isinstance(value, (bool, int, float)) and value in (0, 1):
        return bool(value)
    raise ValueError(f"expected true or false, got {value!r}")


def as_iso_date(value: Any) -> str:
    """``YYYY-MM-DD`` of a date, a datetime or an ISO date(time) string."""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return datetime.fromisoformat(str(value).strip()).date().isoformat()


def coerced(*fields: str, to: Callable[[Any], Any]) -> Any:
    """A pre-validator for kwargs ``fields``: coerce values, pass ``$PARAMETER`` refs through.

    Pydantic's own int/bool parsing runs first otherwise, and rejects e.g. the string "256.0".
    A value that cannot be coerced is a pydantic error, which aborts the run loudly.
    """

    def _coerce(cls: Any, value: Any) -> Any:
        return value if value is None or is_parameter(value) else to(value)

    return pydantic.validator(*fields, pre=True, allow_reuse=True)(_coerce)
