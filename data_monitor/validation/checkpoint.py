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
from great_expectations.core.run_identifier import RunIdentifier

from data_monitor.delivery.context import RunContext
from data_monitor.validation.actions import MonitorAction  # importing it registers the actions

DOCS_ACTIONS = (
    "update_data_docs",
    "data_monitor_update_docs",
    "data_monitor_publish_docs",
    "data_monitor_docs_summary",
)
TableRunner = Callable[[RunIdentifier], dict[Any, Any]]


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

    def _run_validation_definitions(
        self,
        batch_parameters: dict[str, Any],
        expectation_parameters: Any,
        result_format: Any,
        run_id: RunIdentifier,
    ) -> dict[Any, Any]:
        if self._table_runner is None:
            raise RuntimeError("MonitorCheckpoint needs a table runner")
        return self._table_runner(run_id)

    def _construct_result(self, run_id: RunIdentifier, run_results: dict[Any, Any]) -> Any:
        if run_results:
            return super()._construct_result(run_id=run_id, run_results=run_results)
        # Every table was refused or failed before validating: GX's result refuses to be
        # empty, but the report and alert actions still have to say why.
        return CheckpointResult.construct(
            run_id=run_id, run_results={}, checkpoint_config=self, success=False
        )

    def _run_actions(self, checkpoint_result: Any) -> None:
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

    def result_key(self, definition: Any, run_id: RunIdentifier, batch_id: str | None) -> Any:
        return self._build_result_key(definition, run_id, batch_id)


def load_checkpoint_config(gx_dir: Path, name: str = "data_monitor") -> dict[str, Any]:
    """The checkpoint definition, checked: unknown action types fail here, before the run."""
    path = gx_dir / "checkpoints" / f"{name}.json"
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise CheckpointConfigError(f"{path}: not readable JSON: {exc}") from exc
    try:
        MonitorCheckpoint(**{**config, "validation_definitions": []})
    except Exception as exc:  # pydantic lists every bad action
        reason = " ".join(str(exc).split())[:500]
        raise CheckpointConfigError(f"{path}: {reason}") from exc
    return dict(config)


def without_docs(config: dict[str, Any]) -> dict[str, Any]:
    """The same checkpoint with the Data Docs actions left out (``--data_docs false``)."""
    kept = [a for a in config.get("actions", []) if a.get("type") not in DOCS_ACTIONS]
    return {**config, "actions": kept}
