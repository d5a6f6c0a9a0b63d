"""Each run has its own stop control: its time limit and stop reach the metric queries through
the engine GX builds, and stopping one run leaves every other run in the process alone."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa

from data_monitor.backends import make_backend
from data_monitor.demo.specs import Expected
from data_monitor.model.results import RunOutcome
from data_monitor.model.settings import Settings
from data_monitor.model.stop_control import (
    Cancel,
    QueryStopped,
    StopControl,
    control_of,
    run_query,
)
from data_monitor.run.monitor import run
from tests import lake_fixture

TABLES = ("part_clean_01", "part_count", "part_pk", "part_unreg")
STOPPED = "not started: the run is being stopped"


class CountingControl(StopControl):
    """A run's control that counts the queries it tracks and calls ``on_query`` at each."""

    def __init__(self, on_query: Callable[[], object] = lambda: None) -> None:
        super().__init__()
        self.queries = 0
        self.on_query = on_query

    @contextmanager
    def in_flight(self, cancel: Cancel) -> Iterator[None]:
        self.queries += 1
        self.on_query()
        with super().in_flight(cancel):
            yield


def _settings(warehouse: Path, **extra: object) -> Settings:
    return Settings(
        database=lake_fixture.DATABASE,
        report_bucket=lake_fixture.REPORT_BUCKET,
        bucket_count=lake_fixture.BUCKETS,
        as_of=lake_fixture.AS_OF,
        backend="local",
        warehouse=warehouse,
        tables=TABLES,
        data_docs=False,
        **extra,  # type: ignore[arg-type]
    )


def _fresh_lake(built_lake: tuple[Path, dict[str, Expected]], tmp_path: Path, name: str) -> Path:
    """A private copy of the test lake per run: each run repairs its own catalog."""
    return Path(shutil.copytree(built_lake[0], tmp_path / name))


def _expected_alerts() -> list[str]:
    return [a for a in lake_fixture.expected_alerts() if a.split()[1].rstrip(":") in TABLES]


def _lines(outcome: RunOutcome) -> list[str]:
    return [a.line for a in outcome.alerts]


def test_the_control_arrives_at_the_engine_gx_validates_through(tmp_path: Path) -> None:
    from data_monitor.validation.runner import SuiteRunner, new_run_id
    from data_monitor.validation.suites import default_gx_dir, load_suite_files

    stop = StopControl(7)
    settings = _settings(tmp_path)
    backend = make_backend(settings, stop)
    try:
        runner = SuiteRunner(
            settings,
            load_suite_files(default_gx_dir()),
            backend.engine,
            None,
            None,
            new_run_id(settings.database, settings.as_of),
        )
        definitions = runner.prepare(settings.database, ["part_pk"])
        definition = next(d for d in definitions if d.suite.name == "part_table_data")
        # the datasource the validation definition runs against, as a metric reaches it
        datasource = definition.data.data_asset.datasource
        assert control_of(datasource.get_execution_engine().engine) is stop
    finally:
        backend.close()


def test_every_metric_query_runs_under_its_runs_control(
    built_lake: tuple[Path, dict[str, Expected]], tmp_path: Path
) -> None:
    stop = CountingControl()
    outcome = run(_settings(_fresh_lake(built_lake, tmp_path, "lake")), stop=stop)
    assert _lines(outcome) == _expected_alerts()
    assert stop.queries > 0  # no query on the local backend is tracked other than a metric's


def test_a_run_stopped_on_its_own_control_leaves_the_next_run_alone(
    built_lake: tuple[Path, dict[str, Expected]], tmp_path: Path
) -> None:
    """The first run stops itself at its first query; the second run stops the first run's
    control again at each of its own queries, and still checks every table as usual."""
    first = CountingControl(on_query=lambda: first.stop_all())
    stopped = run(_settings(_fresh_lake(built_lake, tmp_path, "first"), max_workers=1), first)
    assert stopped.partial
    # the table in flight ends as it can; the tables after it are not checked
    assert "[ERROR] part_pk: not checked: the run was stopped (SIGTERM)" in _lines(stopped)

    second = CountingControl(on_query=first.stop_all)
    outcome = run(_settings(_fresh_lake(built_lake, tmp_path, "second"), max_workers=1), second)
    assert not outcome.partial
    assert _lines(outcome) == _expected_alerts()
    assert {row.status for row in outcome.rows} == {"ok", "alerts"}
    assert second.queries > 0 and not second.stopped()


def test_a_run_given_no_control_makes_its_own(
    built_lake: tuple[Path, dict[str, Expected]], tmp_path: Path
) -> None:
    stopped = StopControl()
    stopped.stop_all()  # some other run's control: not this run's
    outcome = run(_settings(_fresh_lake(built_lake, tmp_path, "lake")))
    assert not outcome.partial
    assert _lines(outcome) == _expected_alerts()


def test_duckdb_query_past_the_time_limit_is_interrupted(tmp_path: Path) -> None:
    """The local engine's canceller (DuckDB's interrupt) stops a query at the control's limit."""
    stop = StopControl(0.5)
    backend = make_backend(_settings(tmp_path), stop)
    engine = sa.create_engine(backend.engine.connection_string(), **backend.engine.engine_kwargs())
    # seconds to tens of seconds of work: a test that fails, not one that hangs, when uncancelled
    long = sa.text("SELECT sum(a.range * b.range) AS n FROM range(60000) a, range(60000) b")
    try:
        with pytest.raises(QueryStopped, match=r"^still running after 0.5 s; stopped$"):
            run_query(engine, long)
        assert run_query(engine, sa.text("SELECT 1 AS n")) == {"n": 1}
        stop.stop_all()
        with pytest.raises(QueryStopped, match=STOPPED):
            run_query(engine, sa.text("SELECT 1 AS n"))
    finally:
        engine.dispose()
        backend.close()


def test_an_engine_no_run_made_gets_a_control_that_never_stops() -> None:
    engine = sa.create_engine("duckdb:///:memory:")
    try:
        assert not control_of(engine).stopped()
        assert control_of(engine) is not control_of(engine)
        assert run_query(engine, sa.text("SELECT 2 AS n")) == {"n": 2}
    finally:
        engine.dispose()
