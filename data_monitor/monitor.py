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

from data_monitor.alerts import Alert
from data_monitor.backends import make_backend
from data_monitor.backends.base import Backend
from data_monitor.docs_site import DocsPlan, plan_docs, publish_site
from data_monitor.inventory import Inventory
from data_monitor.outputs import publish
from data_monitor.progress import Progress
from data_monitor.report import TableRow
from data_monitor.settings import Settings
from data_monitor.suites import default_gx_dir, load_suite_files
from data_monitor.table_check import TableOutcome, check_safely

LOG = logging.getLogger("data_monitor")
SAFE_TABLE = re.compile(r"^[a-z0-9_]{1,255}$")


class ExitCode(IntEnum):
    OK = 0  # every check ran, nothing to report
    ALERTS = 1  # every check ran, alerts raised and delivered
    USAGE = 2  # bad flags or suites: nothing was read or written
    INCOMPLETE = 3  # some check could not run, or a report/alert could not be delivered


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

    run_id = RunIdentifier(run_name=f"{settings.database}-{settings.as_of}", run_time=started)
    docs = plan_docs(settings)
    try:
        runner = SuiteRunner(
            settings, suite_files, backend.engine, docs.results_dir, docs.site_dir, run_id
        )
        _check_tables(backend, settings, runner, tables, outcome)
        if docs.site_dir is not None:
            _build_docs(backend, runner, docs, outcome)
    finally:
        docs.cleanup()


def _check_tables(
    backend: Backend, settings: Settings, runner: Any, tables: list[str], outcome: RunOutcome
) -> None:
    progress = Progress(len(tables))
    with ThreadPoolExecutor(max_workers=settings.workers) as pool:
        futures = [pool.submit(check_safely, backend, settings, runner, t) for t in tables]
        for name, future in zip(tables, futures, strict=True):
            table_outcome = future.result()
            outcome.rows.append(table_outcome.row)
            outcome.alerts.extend(table_outcome.alerts)
            progress.table_done(name, len(table_outcome.alerts))


def _build_docs(backend: Backend, runner: Any, docs: DocsPlan, outcome: RunOutcome) -> None:
    try:
        index = str(runner.build_docs())
        if docs.publish_uri and docs.site_dir is not None:
            index = publish_site(backend.store, docs.site_dir, docs.publish_uri)
        outcome.outputs["data_docs"] = index
    except Exception as exc:  # docs are secondary: the report and alert must still go out
        outcome.failures.append(f"Data Docs could not be built or published: {exc}")


__all__ = ["ExitCode", "Inventory", "RunOutcome", "TableOutcome", "TableRow", "run"]
