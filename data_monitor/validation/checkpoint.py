"""A run of the monitor is one GX checkpoint run.

The checkpoint's definition (name, result format, actions) is ``gx/checkpoints/*.json``; the
runner adds, at run time and in memory only, one validation definition per discovered table and
suite. ``MonitorCheckpoint`` changes two things of GX's ``Checkpoint``: the validations run
concurrently, one table per worker (with each table's inventory and repair first), and an
action that fails is recorded while the others still run (GX would stop at the first).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from great_expectations.checkpoint.actions import ActionContext
from great_expectations.checkpoint.checkpoint import Checkpoint, CheckpointResult
from great_expectations.compatibility.pydantic import PrivateAttr
from great_expectations.core import ExpectationSuiteValidationResult
from great_expectations.core.freshness_diagnostics import CheckpointFreshnessDiagnostics
from great_expectations.core.result_format import ResultFormatUnion
from great_expectations.core.run_identifier import RunIdentifier
from great_expectations.core.suite_parameters import SuiteParameterDict
from great_expectations.core.validation_definition import ValidationDefinition
from great_expectations.data_context.types.resource_identifiers import (
    ValidationResultIdentifier,
)

from data_monitor.delivery.context import RunContext
from data_monitor.model.errors import one_line
from data_monitor.model.json_data import JSONObject, JSONValue
from data_monitor.validation.actions import MonitorAction  # importing it registers the actions

DOCS_ACTIONS = (
    "update_data_docs",
    "data_monitor_update_docs",
    "data_monitor_publish_docs",
    "data_monitor_docs_summary",
)
# one table's suites as run: (definition, its result), and a run's results as GX keeps them
Validation = tuple[ValidationDefinition, ExpectationSuiteValidationResult]
ValidationResults = dict[ValidationResultIdentifier, ExpectationSuiteValidationResult]
TableRunner = Callable[[RunIdentifier], ValidationResults]


class CheckpointConfigError(ValueError):
    """The checkpoint file cannot be used; the message names the file and the problem."""


class MonitorCheckpoint(Checkpoint):
    _table_runner: TableRunner | None = PrivateAttr(default=None)
    _action_failures: list[str] = PrivateAttr(default_factory=list)
    _run_context: RunContext | None = PrivateAttr(default=None)

    def with_table_runner(self, runner: TableRunner) -> MonitorCheckpoint:
        self._table_runner = runner
        return self

    def with_run_context(self, run: RunContext) -> MonitorCheckpoint:
        self._run_context = run
        return self

    @property
    def action_failures(self) -> list[str]:
        return list(self._action_failures)

    def is_fresh(self) -> CheckpointFreshnessDiagnostics:
        """Fresh once added to the store.

        GX's ``Checkpoint.run`` first re-reads every validation definition, its suite and the
        checkpoint itself from the store and compares them field by field, on the main thread
        before any table starts: ~0.7 s of CPU for 20 tables (60 definitions), growing with the
        tables. The runner has just built all of them into the run's ephemeral context, which
        nothing else writes, so that comparison can only agree; and each definition is still
        checked, by GX, when it runs (``ValidationDefinition.run``). A checkpoint not added
        gets GX's own check (which adds it or says why not)."""
        if not self.id:
            return super().is_fresh()
        return CheckpointFreshnessDiagnostics(errors=[])

    def _run_validation_definitions(
        self,
        batch_parameters: dict[str, Any],
        expectation_parameters: SuiteParameterDict,
        result_format: ResultFormatUnion,
        run_id: RunIdentifier,
    ) -> ValidationResults:
        if self._table_runner is None:
            raise RuntimeError("MonitorCheckpoint needs a table runner")
        return self._table_runner(run_id)

    def _construct_result(
        self, run_id: RunIdentifier, run_results: ValidationResults
    ) -> CheckpointResult:
        if run_results:
            return super()._construct_result(run_id=run_id, run_results=run_results)
        # Every table was refused or failed before validating: GX's result refuses to be
        # empty, but the report and alert actions still have to say why.
        return CheckpointResult.construct(
            run_id=run_id, run_results={}, checkpoint_config=self, success=False
        )

    def _run_actions(self, checkpoint_result: CheckpointResult) -> None:
        action_context = ActionContext()
        for action in self._sort_actions():
            action._data_context = self._resolve_context().context
            if isinstance(action, MonitorAction) and self._run_context is not None:
                action.use(self._run_context)
            try:
                result = action.run(
                    checkpoint_result=checkpoint_result, action_context=action_context
                )
            except Exception as exc:  # one failed action must not cost the report or alert
                self._action_failures.append(f"action {action.name} failed: {exc}")
                continue
            action_context.update(action=action, action_result=result)

    def result_key(
        self, definition: ValidationDefinition, run_id: RunIdentifier, batch_id: str | None
    ) -> ValidationResultIdentifier:
        return self._build_result_key(definition, run_id, batch_id)


def load_checkpoint_config(gx_dir: Path, name: str = "data_monitor") -> JSONObject:
    """The checkpoint definition, checked: unknown action types fail here, before the run."""
    path = gx_dir / "checkpoints" / f"{name}.json"
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise CheckpointConfigError(f"{path}: not readable JSON: {exc}") from exc
    if not isinstance(config, dict):
        raise CheckpointConfigError(f"{path}: expected a JSON object")
    try:
        MonitorCheckpoint(**{**config, "validation_definitions": []})
    except Exception as exc:  # pydantic lists every bad action
        raise CheckpointConfigError(f"{path}: {one_line(str(exc), 500)}") from exc
    return dict(config)


def without_docs(config: JSONObject) -> JSONObject:
    """The same checkpoint with the Data Docs actions left out (``--data_docs false``)."""
    actions = config.get("actions")
    kept: list[JSONValue] = [
        a
        for a in (actions if isinstance(actions, list) else [])
        if not (isinstance(a, dict) and a.get("type") in DOCS_ACTIONS)
    ]
    return {**config, "actions": kept}
