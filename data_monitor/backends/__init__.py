"""Backends: one implementation of each seam per environment (see ``base``)."""

from __future__ import annotations

from data_monitor.backends.base import Backend
from data_monitor.settings import Settings


def make_backend(settings: Settings) -> Backend:
    """The backend the settings name; heavy imports happen only for the one chosen."""
    if settings.backend == "local":
        from data_monitor.backends.duckdb_engine import DuckDBEngine
        from data_monitor.backends.local import LocalAlertSink, LocalCatalog, LocalStore

        store = LocalStore(settings.warehouse)
        catalog = LocalCatalog(settings.warehouse)
        return Backend(
            "local",
            store,
            catalog,
            DuckDBEngine(store, catalog),
            LocalAlertSink(settings.warehouse, settings.sns_topic_arn),
        )
    raise ValueError(f"backend {settings.backend!r} is not available in this build")
