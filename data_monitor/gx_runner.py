"""Running the suites of one table through GX, for both kinds of batch.

``table`` suites run over the table through the SQL engine (Athena or DuckDB); ``inventory``
suites over the table's inventory as a one-row pandas frame. Assets and validation definitions
are created per table at run time (the tables are discovered, not configured), into an
ephemeral context, so nothing is written into ``gx/``.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import great_expectations as gx
import pandas as pd
from great_expectations.core.run_identifier import RunIdentifier
from great_expectations.core.suite_parameters import parse_suite_parameter

from data_monitor import gx_datasource  # noqa: F401  (registers the catalog_sql datasource)
from data_monitor.backends.base import QueryEngine
from data_monitor.gx_context import DOCS_SITE, build_context
from data_monitor.inventory import Inventory
from data_monitor.settings import Settings
from data_monitor.suites import SuiteFile, build_suite, table_parameters

RESULT_FORMAT = "BASIC"


class SuiteRunner:
    """One GX context per run; ``validate`` is safe to call from worker threads."""

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
        self._lock = threading.Lock()
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

    def validate(
        self,
        database: str,
        table: str,
        inventory: Inventory,
        batches: tuple[str, ...] = ("table", "inventory"),
    ) -> list[dict[str, Any]]:
        """Run the suites of the given batch kinds on one table; every result as a plain dict."""
        params = table_parameters(self.settings, database, table)
        results: list[dict[str, Any]] = []
        for batch, shared_suite in self.suites:
            if batch not in batches:
                continue
            suite = self.table_suites.get((shared_suite.name, table), shared_suite)
            definition, batch_parameters = self._definition(
                database, table, batch, suite, inventory
            )
            outcome = definition.run(
                batch_parameters=batch_parameters,
                expectation_parameters=params,
                result_format=RESULT_FORMAT,
                run_id=self.run_id,
            )
            results.extend(outcome.to_json_dict()["results"])
        return results

    def build_docs(self) -> Path | None:
        if self.docs_dir is None:
            return None
        self.context.build_data_docs(site_names=[DOCS_SITE])
        return self.docs_dir / "index.html"

    def _definition(
        self, database: str, table: str, batch: str, suite: Any, inventory: Inventory
    ) -> tuple[Any, dict[str, Any] | None]:
        name = f"{database}.{table}"
        with self._lock:
            if batch == "table":
                asset = _asset(self.tables, name) or self.tables.add_table_asset(
                    name=name, table_name=table, schema_name=database
                )
                definition = _batch(asset, "whole") or asset.add_batch_definition_whole_table(
                    "whole"
                )
                batch_parameters = None
            else:
                asset = _asset(self.inventories, name) or self.inventories.add_dataframe_asset(
                    name=name
                )
                definition = _batch(asset, "whole") or asset.add_batch_definition_whole_dataframe(
                    "whole"
                )
                batch_parameters = {"dataframe": pd.DataFrame([inventory.record()])}
            validation = gx.ValidationDefinition(
                data=definition, suite=suite, name=f"{suite.name} {name}"
            )
        return validation, batch_parameters


def _warm_up_parameter_parser() -> None:
    """Parse one suite parameter on this thread before worker threads do.

    GX parses parameters with pyparsing, whose grammar is built lazily and not thread-safe on
    first use: workers doing their first parse at once fail now and then with
    ``push_first() missing 1 required positional argument``.
    """
    parse_suite_parameter("warm_up", {"warm_up": 0})


def _asset(datasource: Any, name: str) -> Any:
    return next((a for a in datasource.assets if a.name == name), None)


def _batch(asset: Any, name: str) -> Any:
    return next((b for b in asset.batch_definitions if b.name == name), None)
