"""One run of the monitor: discover tables, check each, write reports, send the alert.

Every table is checked independently in a bounded pool; a table whose check fails for any
reason gets an ``[ERROR]`` alert and the run goes on. The outcome's exit code tells cron/Glue
what happened (see ``ExitCode``).
"""

from __future__ import annotations

import datetime as dt
import logging
from concurrent.futures import ThreadPoolExecutor

from data_monitor.backends import make_backend
from data_monitor.backends.base import Backend
from data_monitor.delivery.alerts import listed
from data_monitor.delivery.context import RunContext
from data_monitor.delivery.observability import publish_metrics, send_event
from data_monitor.delivery.outputs import send_alert, write_reports, write_summary
from data_monitor.delivery.report import TableRow
from data_monitor.lake.alert_baseline import CHECKED_IN_FULL, read_alert_baseline
from data_monitor.lake.configured import read_membership
from data_monitor.lake.history import TableHistory, read_history
from data_monitor.lake.inventory import Inventory
from data_monitor.model.alert_states import RUN_WIDE, compare
from data_monitor.model.checks import AlertCode, Severity
from data_monitor.model.json_data import JSONObject
from data_monitor.model.names import GLUE_NAME
from data_monitor.model.results import Alert, ExitCode, RunOutcome
from data_monitor.model.settings import Settings
from data_monitor.model.stop_control import StopControl
from data_monitor.run.progress import Progress
from data_monitor.run.table_check import TableOutcome, check_safely
from data_monitor.validation.checkpoint import (
    ValidationResults,
    load_checkpoint_config,
    without_docs,
)
from data_monitor.validation.suites import SuiteFile, default_gx_dir, load_suite_files

LOG = logging.getLogger("data_monitor")


def now_utc() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0)


def iso(moment: dt.datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def run(settings: Settings, stop: StopControl | None = None) -> RunOutcome:
    """Check every monitored table and deliver the report and alert (one checkpoint run).

    ``stop`` is this run's time limit and stop (the caller keeps it to stop the run, as the
    SIGTERM handler does); without one the run gets its own, with the settings' time limit."""
    if stop is None:
        stop = StopControl(settings.query_timeout_seconds)
    gx_dir = settings.gx_dir or default_gx_dir()
    suite_files = load_suite_files(gx_dir)
    config = load_checkpoint_config(gx_dir)
    if not settings.data_docs:
        config = without_docs(config)
    started = now_utc()
    outcome = RunOutcome(generated_at=iso(started))
    backend = make_backend(settings, stop)
    state = RunContext(backend, settings, outcome, started)
    try:
        _fetch_docs_history(state)
        tables = _discover(backend, settings, outcome, suite_files)
        if tables:
            _run_checkpoint(state, suite_files, config, tables)
        else:  # nothing to validate, so no checkpoint: deliver the discovery alerts
            _track_alerts(state)
            write_reports(backend, settings, outcome, started)
            write_summary(backend, settings, outcome, started)
            send_alert(backend, settings, outcome, started)
            publish_metrics(backend, settings, outcome, started)
            send_event(backend, settings, outcome, started)
    finally:
        backend.close()
    return outcome


def _fetch_docs_history(state: RunContext) -> None:
    try:
        state.docs.fetch_history(state.settings.docs_keep_runs)
    except Exception as exc:  # the site then lists this run only; the checks go on
        state.outcome.failures.append(f"Data Docs history could not be read: {exc}")


def _read_history(state: RunContext) -> dict[str, TableHistory]:
    skipped: list[str] = []  # single unreadable reports: the history goes on without them
    try:
        history = read_history(state.backend.store, state.settings, skipped)
    except Exception as exc:  # without history the trend checks say so; the rest goes on
        state.outcome.failures.append(f"past reports could not be read: {exc}")
        return {}
    state.outcome.failures.extend(skipped)
    return history


def _track_alerts(state: RunContext) -> None:
    """Mark each alert new or ongoing, and find those resolved, against the last runs."""
    settings, outcome = state.settings, state.outcome
    looked_at = [r.table for r in outcome.rows if r.status != "not checked"]
    try:
        baseline = read_alert_baseline(state.backend.store, settings, looked_at)
    except Exception as exc:  # every alert then counts as new: more is sent, never less
        outcome.failures.append(f"past alerts could not be read (all alerts count as new): {exc}")
        baseline = None
    compared = {r.table for r in outcome.rows if r.status in CHECKED_IN_FULL}
    if not outcome.partial:  # a stopped run did not see the whole run: nothing run-wide fixed
        compared |= {RUN_WIDE, *(baseline.run_wide_tables if baseline else ())}
    outcome.alert_states = compare(
        outcome.alerts,
        baseline.alerts if baseline else [],
        compared,
        settings.as_of.isoformat(),
        baseline.reports if baseline else [],
    )


def _report_partial(outcome: RunOutcome, total: int) -> None:
    checked = sum(1 for row in outcome.rows if row.status != "not checked")
    outcome.partial = True
    outcome.alerts.append(
        Alert(
            AlertCode.ERROR,
            Severity.HIGH,
            "*",
            f"run stopped (SIGTERM) after {checked} of {total} "
            "table(s) were checked; this report is partial",
        )
    )


def _discover(
    backend: Backend, settings: Settings, outcome: RunOutcome, suite_files: list[SuiteFile]
) -> list[str]:
    db = settings.database
    if not backend.catalog.database_exists(db):
        outcome.alerts.append(
            Alert(AlertCode.ERROR, Severity.HIGH, "*", f"database {db} not found in the catalog")
        )
        return []
    names = backend.catalog.list_tables(db, settings.table_prefix)
    for bad in (n for n in names if not GLUE_NAME.match(n)):
        outcome.alerts.append(
            Alert(
                AlertCode.ERROR,
                Severity.HIGH,
                repr(bad)[:80],
                "table name is not [a-z0-9_]; refused, not queried",
            )
        )
    names = [n for n in names if GLUE_NAME.match(n)]
    for suite in (f for f in suite_files if f.table and f.table not in names):
        LOG.warning(
            "%s: no table %s in %s; this file applies to nothing", suite.path, suite.table, db
        )
    if settings.tables:
        unknown = sorted(set(settings.tables) - set(names))
        for name in unknown:
            outcome.alerts.append(
                Alert(
                    AlertCode.ERROR,
                    Severity.HIGH,
                    name,
                    f"no such table in {db} (with prefix {settings.table_prefix})",
                )
            )
        names = [n for n in names if n in settings.tables]
    if settings.max_tables and len(names) > settings.max_tables:
        skipped = names[settings.max_tables :]
        # a table left out is never silence: the run says how many and which
        outcome.alerts.append(
            Alert(
                AlertCode.NOT_CHECKED,
                Severity.LOW,
                "*",
                f"{len(skipped)} of {len(names)} tables not checked (--max_tables "
                f"{settings.max_tables}): {listed(skipped, len(skipped), limit=5)}",
            )
        )
        names = names[: settings.max_tables]
    if not names:
        outcome.alerts.append(
            Alert(
                AlertCode.NO_TABLES,
                Severity.HIGH,
                "*",
                f"no {settings.table_prefix}* tables in {db}: nothing was checked",
            )
        )
    return names


def _run_checkpoint(
    state: RunContext, suite_files: list[SuiteFile], config: JSONObject, tables: list[str]
) -> None:
    from data_monitor.validation.runner import RunId, SuiteRunner, new_run_id

    settings, outcome = state.settings, state.outcome
    run_id = new_run_id(settings.database, settings.as_of)
    runner = SuiteRunner(
        settings,
        suite_files,
        state.backend.engine,
        state.docs.results_dir,
        state.docs.site_dir,
        run_id,
    )
    runner.history = _read_history(state)
    runner.membership = read_membership(state.backend, settings)
    runner.prepare(settings.database, tables)
    checkpoint = runner.checkpoint(config)

    def check_tables(run_id: RunId) -> ValidationResults:
        results: ValidationResults = {}
        progress = Progress(len(tables))
        with ThreadPoolExecutor(max_workers=settings.workers) as pool:
            futures = [
                pool.submit(check_safely, state.backend, settings, runner, t, checkpoint.id)
                for t in tables
            ]
            for name, future in zip(tables, futures, strict=True):
                table = future.result()
                outcome.rows.append(table.row)
                outcome.alerts.extend(table.alerts)
                progress.table_done(name, len(table.alerts))
                for definition, result in table.validations:
                    results[checkpoint.result_key(definition, run_id, result.batch_id)] = result
        if state.backend.stop.stopped():
            _report_partial(outcome, len(tables))
        if state.backend.bill is not None:
            outcome.athena = state.backend.bill.totals()
        _track_alerts(state)
        return results

    checkpoint.with_table_runner(check_tables).with_run_context(state).run(run_id=run_id)
    outcome.failures.extend(checkpoint.action_failures)


__all__ = ["ExitCode", "Inventory", "RunOutcome", "TableOutcome", "TableRow", "run"]
