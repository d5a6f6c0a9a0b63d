"""The GX data context of a run: ephemeral, so a run never writes into the tracked ``gx/``.

Suites come from ``gx/expectations/*.json`` (loaded by ``data_monitor.suites``); validation
results go to a results folder of the run's choosing so Data Docs can show past runs; the Data
Docs site goes to the docs folder. GX's progress bars stay off (logs in Glue/cron are plain).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import great_expectations as gx
from great_expectations.data_context.types.base import (
    DataContextConfig,
    InMemoryStoreBackendDefaults,
    ProgressBarsConfig,
)

from data_monitor.validation import dialects, samples
from data_monitor.validation.results_store import STORE_CONFIG

DOCS_SITE = "data_monitor_site"
RESULTS_STORE = "data_monitor_results"


def _filesystem(base: Path) -> dict[str, Any]:
    return {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(base.resolve())}


def build_context(results_dir: Path | None, docs_dir: Path | None) -> Any:
    """An ephemeral context whose results (and docs) live in the given folders."""
    dialects.install()  # regex, LIKE and type expectations on our two dialects
    samples.install()  # no query for sample values unless a suite asks for them
    defaults = InMemoryStoreBackendDefaults()
    stores = dict(defaults.stores)
    backend = (
        _filesystem(results_dir)
        if results_dir is not None
        else {"class_name": "InMemoryStoreBackend"}
    )
    # under a name of its own: GX puts its default ValidationResultsStore under the default
    # name whenever no store of that class name is configured
    stores[RESULTS_STORE] = {**STORE_CONFIG, "store_backend": backend}
    sites = {}
    if docs_dir is not None:
        sites[DOCS_SITE] = {
            "class_name": "SiteBuilder",
            "show_how_to_buttons": False,
            "store_backend": _filesystem(docs_dir),
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
            # Only the validations section's renderer is replaced (failed expectations first);
            # GX merges this into its default sections, so the rest is built as GX builds it.
            "site_section_builders": {
                "validations": {
                    "renderer": {
                        "module_name": "data_monitor.validation.docs_renderer",
                        "class_name": "FailuresFirstValidationResultsPageRenderer",
                    }
                }
            },
        }
    config = DataContextConfig(
        store_backend_defaults=defaults,
        stores=stores,
        validation_results_store_name=RESULTS_STORE,
        data_docs_sites=sites,
        analytics_enabled=False,
        progress_bars=ProgressBarsConfig(globally=False, metric_calculations=False),
    )
    context = gx.get_context(mode="ephemeral", project_config=config)
    # GX "saves" an ephemeral context's whole config (as YAML, into memory) after every asset
    # or batch definition added: with every table's assets in it, start-up grew with the square
    # of the tables (~17 ms per table at 500). Nothing reads that copy back, so it is skipped.
    context._save_project_config = lambda: None  # type: ignore[method-assign]
    return context
