"""The local backend's Data Docs site: a folder of the warehouse, built in place."""

from __future__ import annotations

from data_monitor.backends.base import DocsSite
from data_monitor.model.settings import Settings


def local_docs_site(settings: Settings) -> DocsSite:
    """``--docs_dir`` (default ``<warehouse>/data-docs``), its results in the warehouse."""
    if not settings.data_docs:
        return DocsSite()
    return DocsSite(
        site_dir=settings.docs_dir or settings.warehouse / "data-docs",
        results_dir=settings.warehouse / "gx-validations",
    )
