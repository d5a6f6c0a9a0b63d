"""Running the suites of one table through GX, for both kinds of batch.

``table`` suites run over the table through the SQL engine (Athena or DuckDB); ``inventory``
suites over the table's inventory as a one-row pandas frame. Assets and validation definitions
are created per table at run time (the tables are discovered, not configured), into an
ephemeral context, so nothing is written into ``gx/``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Final

import great_expectations as gx
import pandas as pd
from great_expectations.core.run_identifier import RunIdentifier
from great_expectations.core.suite_parameters import parse_suite_parameter

from data_monitor.backends.base import QueryEngine
from data_monitor.lake.configured import Membership
from data_monitor.lake.history import TableHistory
from data_monitor.lake.inventory import Inventory
from data_monitor.model.catalog import PARTITION_KEY
from data_monitor.model.json_data import JSONObject
from data_monitor.model.settings import Settings
from data_monitor.validation import datasource as gx_datasource  # noqa: F401  (registers the catalog_sql datasource)
from data_monitor.validation.checkpoint import MonitorCheckpoint, Validation
from data_monitor.validation.context import build_context
from data_monitor.validation.suites import SuiteFile, build_suite, table_parameters

RESULT_FORMAT: Final = "BASIC"
RunId = RunIdentifier  # the run's GX identity (its Data Docs pages and stored results)


def new_run_id(database: str, as_of: object) -> RunId:
    """A new run's identity, to the microsecond: two runs in one second must not share a run
    (and its Data Docs pages)."""
    return RunIdentifier(run_name=f"{database}-{as_of}", run_time=dt.datetime.now(dt.timezone.utc))


class SuiteRunner:
    """One GX context per run: ``prepare`` on the main thread, then ``validate`` from workers."""

    def __init__(
        self,
        settings: Settings,
        suite_files: list[SuiteFile],
        engine: QueryEngine,
        results_dir: Path | None,
        docs_dir: Path | None,
        run_id: RunIdentifier,
    ) -> None:
        _warm_up_parameter_parser()
        self.settings = settings
        self.run_id = run_id
        self.docs_dir = docs_dir
        self.context = build_context(results_dir, docs_dir)
        self.definitions: dict[tuple[str, str], gx.ValidationDefinition] = {}  # (table, suite)
        self.history: dict[str, TableHistory] = {}
        self.membership: Membership | None = None  # --clean_rooms_membership's tables
        # GX passes ``kwargs`` to create_engine as given: the run's stop control among the
        # execution options arrives as the object itself (the context is ephemeral, so the
        # datasource's config is never serialised), for the metric queries to read
        self.tables = self.context.data_sources.add_catalog_sql(
            name="tables",
            connection_string=engine.connection_string(),
            create_temp_table=False,
            kwargs=engine.engine_kwargs(),
        )
        self.inventories = self.context.data_sources.add_pandas(name="inventories")
        shared = [f for f in suite_files if f.table is None]
        self.suites = [(f.batch, self.context.suites.add(build_suite(f, settings))) for f in shared]
        self.table_suites = {
            (f.name, f.table): self.context.suites.add(build_suite(base, settings, extra=f))
            for base in shared
            for f in suite_files
            if f.table is not None and f.name == base.name
        }

    def prepare(self, database: str, tables: list[str]) -> list[gx.ValidationDefinition]:
        """One validation definition per table and suite, added to the (in-memory) store."""
        for table in tables:
            name = f"{database}.{table}"
            table_batch = self.tables.add_table_asset(
                name=name, table_name=table, schema_name=database
            ).add_batch_definition_whole_table("whole")
            inventory_batch = self.inventories.add_dataframe_asset(
                name=name
            ).add_batch_definition_whole_dataframe("whole")
            for batch, shared_suite in self.suites:
                suite = self.table_suites.get((shared_suite.name, table), shared_suite)
                data = table_batch if batch == "table" else inventory_batch
                definition = gx.ValidationDefinition(
                    data=data, suite=suite, name=f"{suite.name} {name}"
                )
                # by suite, not batch kind: several suites may validate the same batch
                self.definitions[(table, shared_suite.name)] = (
                    self.context.validation_definitions.add(definition)
                )
        return list(self.definitions.values())

    def checkpoint(self, config: JSONObject) -> MonitorCheckpoint:
        checkpoint = MonitorCheckpoint.parse_obj(
            {**config, "validation_definitions": list(self.definitions.values())}
        )
        self.context.checkpoints.add(checkpoint)
        return checkpoint

    def validate(
        self,
        database: str,
        table: str,
        inventory: Inventory,
        batches: tuple[str, ...] = ("table", "inventory"),
        checkpoint_id: str | None = None,
        bucket_column: str = PARTITION_KEY,
        alongside: Callable[[], None] | None = None,
    ) -> list[Validation]:
        """Run the table's suites of the given batch kinds: (definition, GX result) pairs, in
        suite order. ``alongside`` (the rest of the inventory) runs on a helper thread while
        the table suites' queries run: an S3 round trip costs as long as an Athena status
        call, and no query reads those facts; the inventory suites run once it is done."""
        params = table_parameters(
            self.settings, database, table, self.history.get(table), bucket_column
        )
        chosen = [(b, s) for b, s in self.suites if b in batches]
        done: dict[int, Validation] = {}

        def run(at: int) -> None:
            batch, shared_suite = chosen[at]
            definition = self.definitions[(table, shared_suite.name)]
            batch_parameters = (
                {"dataframe": pd.DataFrame([inventory.record()])} if batch == "inventory" else None
            )
            result = definition.run(
                checkpoint_id=checkpoint_id,
                batch_parameters=batch_parameters,
                expectation_parameters=params,
                result_format=RESULT_FORMAT,
                run_id=self.run_id,
            )
            done[at] = (definition, result)

        with ThreadPoolExecutor(max_workers=1) as helper:
            pending = helper.submit(alongside) if alongside is not None else None
            for at, (batch, _) in enumerate(chosen):
                if batch == "table":
                    run(at)
            if pending is not None:
                pending.result()
        for at, (batch, _) in enumerate(chosen):
            if batch != "table":
                run(at)
        return [done[at] for at in range(len(chosen))]


def _warm_up_parameter_parser() -> None:
    """Parse one suite parameter on this thread before worker threads do.

    GX parses parameters with pyparsing, whose grammar is built lazily and not thread-safe on
    first use: workers doing their first parse at once fail now and then with
    ``push_first() missing 1 required positional argument``.
    """
    parse_suite_parameter("warm_up", {"warm_up": 0})
