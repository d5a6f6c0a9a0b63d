"""One run of the monitor: discover tables, check each, write reports, send the alert.

Every table is checked independently in a bounded pool; a table whose check fails for any
reason gets an ``[ERROR]`` alert and the run goes on. The outcome's exit code tells cron/Glue
what happened (see ``ExitCode``).
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any

from great_expectations.core.run_identifier import RunIdentifier

from data_monitor.alerts import Alert, alert_for
from data_monitor.backends import make_backend
from data_monitor.backends.base import Backend
from data_monitor.inventory import Inventory, collect
from data_monitor.outputs import publish
from data_monitor.progress import Progress
from data_monitor.report import TableRow, row_from
from data_monitor.settings import Settings
from data_monitor.suites import default_gx_dir, load_suite_files, table_parameters

LOG = logging.getLogger("data_monitor")
SAFE_TABLE = re.compile(r"^[a-z0-9_]{1,255}$")
COUNT_CHECK = "expect_row_count_to_match_source"


class ExitCode(IntEnum):
    OK = 0  # every check ran, nothing to report
    ALERTS = 1  # every check ran, alerts raised and delivered
    USAGE = 2  # bad flags or suites: nothing was read or written
    INCOMPLETE = 3  # some check could not run, or a report/alert could not be delivered


@dataclass
class TableOutcome:
    row: TableRow
    alerts: list[Alert]


@dataclass
class RunOutcome:
    generated_at: str
    run_key: str = field(default_factory=lambda: uuid.uuid4().hex[:8])
    rows: list[TableRow] = field(default_factory=list)
    alerts: list[Alert] = field(default_factory=list)
    outputs: dict[str, str] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)

    @property
    def exit_code(self) -> ExitCode:
        if self.failures or any(a.code == "ERROR" for a in self.alerts):
            return ExitCode.INCOMPLETE
        return ExitCode.ALERTS if self.alerts else ExitCode.OK


def now_utc() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0)


def iso(moment: dt.datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def run(settings: Settings) -> RunOutcome:
    """Check every monitored table and deliver the report and alert."""
    suite_files = load_suite_files(settings.gx_dir or default_gx_dir())
    started = now_utc()
    outcome = RunOutcome(generated_at=iso(started))
    backend = make_backend(settings)
    try:
        tables = _discover(backend, settings, outcome)
        if tables:
            _check_all(backend, settings, suite_files, tables, outcome, started)
        publish(backend, settings, outcome, started)
    finally:
        backend.close()
    return outcome


def _discover(backend: Backend, settings: Settings, outcome: RunOutcome) -> list[str]:
    db = settings.database
    if not backend.catalog.database_exists(db):
        outcome.alerts.append(
            Alert("ERROR", "High", "*", f"database {db} not found in the catalog")
        )
        return []
    names = backend.catalog.list_tables(db, settings.table_prefix)
    for bad in (n for n in names if not SAFE_TABLE.match(n)):
        outcome.alerts.append(
            Alert(
                "ERROR", "High", repr(bad)[:80], "table name is not [a-z0-9_]; refused, not queried"
            )
        )
    names = [n for n in names if SAFE_TABLE.match(n)]
    if settings.tables:
        unknown = sorted(set(settings.tables) - set(names))
        for name in unknown:
            outcome.alerts.append(
                Alert(
                    "ERROR",
                    "High",
                    name,
                    f"no such table in {db} (with prefix {settings.table_prefix})",
                )
            )
        names = [n for n in names if n in settings.tables]
    if settings.max_tables and len(names) > settings.max_tables:
        LOG.info(
            "checking the first %d of %d tables (--max_tables)", settings.max_tables, len(names)
        )
        names = names[: settings.max_tables]
    if not names:
        outcome.alerts.append(
            Alert(
                "NO_TABLES",
                "High",
                "*",
                f"no {settings.table_prefix}* tables in {db}: nothing was checked",
            )
        )
    return names


def _check_all(
    backend: Backend,
    settings: Settings,
    suite_files: list[Any],
    tables: list[str],
    outcome: RunOutcome,
    started: dt.datetime,
) -> None:
    from data_monitor.gx_runner import SuiteRunner
    from data_monitor.outputs import docs_dir, results_dir

    run_id = RunIdentifier(run_name=f"{settings.database}-{settings.as_of}", run_time=started)
    runner = SuiteRunner(
        settings,
        suite_files,
        backend.engine.connection_string(),
        results_dir(settings),
        docs_dir(settings),
        run_id,
    )
    progress = Progress(len(tables))
    with ThreadPoolExecutor(max_workers=settings.max_workers) as pool:
        futures = [pool.submit(_check_safely, backend, settings, runner, t) for t in tables]
        for name, future in zip(tables, futures, strict=True):
            table_outcome = future.result()
            outcome.rows.append(table_outcome.row)
            outcome.alerts.extend(table_outcome.alerts)
            progress.table_done(name, len(table_outcome.alerts))
    if settings.data_docs:
        try:
            index = runner.build_docs()
            if index is not None:
                outcome.outputs["data_docs"] = str(index)
        except Exception as exc:  # docs are secondary: the report and alert must still go out
            outcome.failures.append(f"Data Docs could not be built: {exc}")


def _check_safely(backend: Backend, settings: Settings, runner: Any, name: str) -> TableOutcome:
    checked_at = iso(now_utc())
    try:
        return _check_table(backend, settings, runner, name, checked_at)
    except Exception as exc:  # one table's failure never stops the others
        LOG.exception("checking %s failed", name)
        row = TableRow(table=name, checked_at=checked_at, status="error")
        alert = Alert("ERROR", "High", name, f"check could not run: {_one_line(exc)}")
        row.alerts = [alert.line]
        return TableOutcome(row, [alert])


def _check_table(
    backend: Backend, settings: Settings, runner: Any, name: str, checked_at: str
) -> TableOutcome:
    db = settings.database
    table = backend.catalog.get_table(db, name)
    if table is None:
        raise LookupError(f"{db}.{name} disappeared from the catalog during the run")
    inventory = collect(backend, settings, table)
    backend.engine.expose(table)
    source_problem = _expose_source(backend, settings, name)
    results = runner.validate(db, name, inventory)
    if source_problem:
        _mark_unrunnable(results, COUNT_CHECK, source_problem)
    params = table_parameters(settings, db, name)
    alerts = [a for a in (alert_for(name, r, params) for r in results) if a is not None]
    by_type: dict[str, dict[str, Any]] = {}
    for item in results:
        by_type.setdefault(item["expectation_config"]["type"], item)
    row = row_from(inventory, name, by_type, checked_at)
    row.alerts = [a.line for a in alerts]
    row.status = (
        "error" if any(a.code == "ERROR" for a in alerts) else ("alerts" if alerts else "ok")
    )
    return TableOutcome(row, alerts)


def _expose_source(backend: Backend, settings: Settings, name: str) -> str | None:
    """Make the count source queryable; returns why it cannot be, if it cannot."""
    if not settings.count_check_enabled:
        return None
    source_db, source_name = settings.source_database, settings.source_table_for(name)
    source = backend.catalog.get_table(source_db, source_name)
    if source is None:
        return f"source table {source_db}.{source_name} not found in the catalog"
    backend.engine.expose(source)
    return None


def _mark_unrunnable(results: list[dict[str, Any]], expectation_type: str, reason: str) -> None:
    for item in results:
        if item["expectation_config"]["type"] == expectation_type:
            item["success"] = False
            item["result"] = {}
            item["exception_info"] = {
                "raised_exception": True,
                "exception_message": reason,
                "exception_traceback": None,
            }


def _one_line(exc: BaseException) -> str:
    return " ".join(f"{type(exc).__name__}: {exc}".split())[:500]


__all__ = ["ExitCode", "Inventory", "RunOutcome", "run"]
