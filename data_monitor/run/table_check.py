"""Checking one table: inventory, repair, then the suites; a failure becomes an alert.

Row-level suites run only when the table can be read as the contract says: a table that is not
stored as Parquet, or has no primary key column, would give the engine's garbage or an
engine-specific error, so those checks are reported as not run, with the reason, instead.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from data_monitor.backends.base import Backend, BackendError
from data_monitor.delivery.report import TableRow, row_from
from data_monitor.lake.inventory import begin as begin_inventory
from data_monitor.lake.placement import location_refusal
from data_monitor.model.catalog import PARTITION_KEY, TableMeta
from data_monitor.model.checks import AlertCode, CheckResult, Severity
from data_monitor.model.errors import one_line
from data_monitor.model.json_data import items, obj
from data_monitor.model.results import Alert
from data_monitor.model.settings import Settings
from data_monitor.validation.alert_text import alert_for
from data_monitor.validation.suites import table_parameters

if TYPE_CHECKING:
    from data_monitor.validation.checkpoint import Validation
    from data_monitor.validation.runner import SuiteRunner

LOG = logging.getLogger("data_monitor")
COUNT_CHECK = "expect_row_count_to_match_source"
READINESS_SUITE = "clean_rooms_readiness"  # gx/expectations/clean_rooms_readiness.json
READINESS_META = "clean_rooms"  # an expectation elsewhere that is a readiness rule too
HISTORY_POINTS = 30  # past row counts kept in a report row (the summary's trend chart)


@dataclass
class TableOutcome:
    row: TableRow
    alerts: list[Alert]
    validations: list[Validation] = field(default_factory=list)  # (definition, GX result)


def iso_now() -> str:
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    return now.isoformat().replace("+00:00", "Z")


def merge_errors(alerts: list[Alert]) -> list[Alert]:
    """One ``[ERROR]`` line per cause: the checks that share the key scan all fail when it
    fails, and on-call should read the reason once, with the checks it stopped."""
    merged: list[Alert] = []
    by_reason: dict[str, int] = {}
    for alert in alerts:
        check, sep, reason = alert.text.partition(" could not run: ")
        if alert.code != AlertCode.ERROR or not sep:
            merged.append(alert)
        elif reason in by_reason:
            first = merged[by_reason[reason]]
            checks = first.text.partition(" could not run: ")[0].split(", ") + [check]
            merged[by_reason[reason]] = Alert(
                AlertCode.ERROR,
                first.severity,
                first.table,
                f"{', '.join(checks)} could not run: {reason}",
            )
        else:
            by_reason[reason] = len(merged)
            merged.append(alert)
    return merged


def _bucket_column(table: TableMeta) -> str:
    """The partition column the key scan also groups by, or "" when the table has none."""
    names = {c.name.lower() for c in (*table.columns, *table.partition_keys)}
    return PARTITION_KEY if PARTITION_KEY in names else ""


def row_level_blocker(table: TableMeta, settings: Settings) -> str | None:
    """Why the row-level (SQL) suites cannot give a trustworthy answer, or None."""
    if "parquet" not in table.input_format.lower():
        return "the table is not stored as Parquet"
    if settings.pk_column.lower() not in {c.name.lower() for c in table.columns}:
        return f"{settings.pk_column} is not a data column"
    return None


def check_safely(
    backend: Backend,
    settings: Settings,
    runner: SuiteRunner,
    name: str,
    checkpoint_id: str | None = None,
) -> TableOutcome:
    checked_at = iso_now()
    if backend.stop.stopped():
        row = TableRow(table=name, checked_at=checked_at, status="not checked")
        alert = Alert(
            AlertCode.ERROR, Severity.HIGH, name, "not checked: the run was stopped (SIGTERM)"
        )
        row.alerts = [alert.line]
        return TableOutcome(row, [alert])
    try:
        with backend.bill.for_table(name) if backend.bill else contextlib.nullcontext():
            outcome = _check_table(backend, settings, runner, name, checked_at, checkpoint_id)
        if backend.bill is not None:
            outcome.row.athena = backend.bill.of_table(name)
        return outcome
    except Exception as exc:  # one table's failure never stops the others
        LOG.exception("checking %s failed", name)
        row = TableRow(table=name, checked_at=checked_at, status="error")
        alert = Alert(
            AlertCode.ERROR,
            Severity.HIGH,
            name,
            f"check could not run: {one_line(f'{type(exc).__name__}: {exc}', 500)}",
        )
        row.alerts = [alert.line]
        return TableOutcome(row, [alert])


def _check_table(
    backend: Backend,
    settings: Settings,
    runner: SuiteRunner,
    name: str,
    checked_at: str,
    checkpoint_id: str | None,
) -> TableOutcome:
    db = settings.database
    table = backend.catalog.get_table(db, name)
    if table is None:
        raise LookupError(f"{db}.{name} disappeared from the catalog during the run")
    refusal = location_refusal(table, settings.data_buckets)
    if refusal is not None:
        alert = Alert(AlertCode.LOCATION, Severity.HIGH, name, refusal)
        row = TableRow(table=name, location=table.location, checked_at=checked_at, status="error")
        row.alerts = [alert.line]
        return TableOutcome(row, [alert])
    source, source_problem = _source_table(backend, settings, name)
    inventory, finish_inventory = begin_inventory(
        backend, settings, table, runner.history.get(name), source, runner.membership
    )
    blocker = row_level_blocker(table, settings)
    if blocker is None:
        backend.engine.expose(table)
        if source is not None and settings.count_check_enabled:
            backend.engine.expose(source)
        validations = runner.validate(
            db,
            name,
            inventory,
            checkpoint_id=checkpoint_id,
            bucket_column=_bucket_column(table),
            alongside=finish_inventory,
        )
    else:
        finish_inventory()
        validations = runner.validate(
            db, name, inventory, batches=("inventory",), checkpoint_id=checkpoint_id
        )
    checked = [  # (suite, result): each GX result read once
        (definition.suite.name, CheckResult.from_gx(obj(item)))
        for definition, r in validations
        for item in items(r.to_json_dict()["results"])
    ]
    results = [check for _, check in checked]
    if blocker is None and source_problem:
        results = _unrunnable(results, COUNT_CHECK, source_problem)
    params = table_parameters(settings, db, name)
    alerts = merge_errors([a for a in (alert_for(name, r, params) for r in results) if a])
    if blocker is not None:
        alerts.insert(
            0, Alert(AlertCode.ERROR, Severity.HIGH, name, f"row-level checks not run: {blocker}")
        )
    by_type: dict[str, CheckResult] = {}
    for check in results:
        by_type.setdefault(check.expectation_type, check)
    row = row_from(inventory, name, by_type, checked_at)
    row.clean_rooms_ready = readiness(checked)
    past = runner.history.get(name)
    row.row_count_history = list(past.row_counts[-HISTORY_POINTS:]) if past else []
    row.alerts = [a.line for a in alerts]
    row.status = (
        "error"
        if any(a.code == AlertCode.ERROR for a in alerts)
        else ("alerts" if alerts else "ok")
    )
    return TableOutcome(row, alerts, validations)


def readiness(checked: list[tuple[str, CheckResult]]) -> dict[str, object] | None:
    """The table's Clean Rooms verdict from its (suite name, result) pairs: every expectation
    of the readiness suite, and every other one whose meta says ``"clean_rooms": true`` (the
    join-key rule rides on the key scan of the table suite), passed and ran; None when none
    ran."""
    rules = [
        check
        for suite, check in checked
        if suite.split(".")[0] == READINESS_SUITE or check.meta.get(READINESS_META) is True
    ]
    failing = [c.expectation_type for c in rules if not c.success or c.error is not None]
    return {"ready": not failing, "failing": failing} if rules else None


def _source_table(
    backend: Backend, settings: Settings, name: str
) -> tuple[TableMeta | None, str | None]:
    """The table's source (the count check's, and the raw input's), and why the count check
    cannot use it, if it cannot. With the count check off, a source that cannot be read is
    only left out (the raw-input check then says there is none)."""
    source_db, source_name = settings.source_database, settings.source_table_for(name)
    if not settings.count_check_enabled:
        try:
            return backend.catalog.get_table(source_db, source_name), None
        except BackendError:
            return None, None
    source = backend.catalog.get_table(source_db, source_name)
    if source is None:
        return None, f"source table {source_db}.{source_name} not found in the catalog"
    return source, None


def _unrunnable(
    results: list[CheckResult], expectation_type: str, reason: str
) -> list[CheckResult]:
    """``results`` with every check of ``expectation_type`` as a check that could not run."""
    return [
        dataclasses.replace(
            check,
            success=False,
            observed=None,
            findings=None,
            error=reason,
            unexpected_count=None,
            element_count=None,
            unexpected_percent=None,
            missing_count=None,
        )
        if check.expectation_type == expectation_type
        else check
        for check in results
    ]
