"""Where a run's Data Docs site is built, and publishing it to S3 on the AWS backend.

GX 1.24 has no S3 store backend, so on AWS the site is built in a private temporary folder and
uploaded file by file (``index.html`` last, so a reader never follows links to missing pages).
"""

from __future__ import annotations

import mimetypes
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from data_monitor.backends.base import Store
from data_monitor.settings import Settings


@dataclass
class DocsPlan:
    site_dir: Path | None = None
    results_dir: Path | None = None
    publish_uri: str | None = None
    scratch: Path | None = None

    def cleanup(self) -> None:
        if self.scratch is not None:
            shutil.rmtree(self.scratch, ignore_errors=True)


def plan_docs(settings: Settings) -> DocsPlan:
    if not settings.data_docs:
        return DocsPlan()
    if settings.backend == "local":
        return DocsPlan(
            site_dir=settings.docs_dir or settings.warehouse / "data-docs",
            results_dir=settings.warehouse / "gx-validations",
        )
    scratch = Path(tempfile.mkdtemp(prefix="data-monitor-docs-"))
    return DocsPlan(
        site_dir=settings.docs_dir or scratch / "site",
        results_dir=scratch / "validations",
        publish_uri=settings.docs_uri,
        scratch=scratch,
    )


def prune_runs(docs: DocsPlan, keep: int) -> int:
    """Keep the newest ``keep`` runs in the results store and the site; returns how many went.

    Stored results are ``<suite>/<run name>/<run time>/<batch>.json`` and their pages
    ``validations/<suite>/<run name>/<run time>/<batch>.html``; a run is a run time.
    """
    if docs.results_dir is None or not docs.results_dir.is_dir():
        return 0
    run_dirs = [p for p in docs.results_dir.glob("*/*/*") if p.is_dir()]
    times = sorted({p.name for p in run_dirs}, reverse=True)
    dropped = set(times[keep:])
    for path in run_dirs:
        if path.name in dropped:
            shutil.rmtree(path, ignore_errors=True)
            if docs.site_dir is not None:
                page_dir = docs.site_dir / "validations" / path.relative_to(docs.results_dir)
                shutil.rmtree(page_dir, ignore_errors=True)
    return len(dropped)


def publish_site(store: Store, site_dir: Path, base_uri: str) -> str:
    """Upload every file of the site under ``base_uri``; returns the index's URI."""
    files = sorted(p for p in site_dir.rglob("*") if p.is_file())
    files.sort(key=lambda p: p.name == "index.html")  # the index goes last
    for path in files:
        key = path.relative_to(site_dir).as_posix()
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        store.write_bytes(base_uri + key, path.read_bytes(), content_type)
    return base_uri + "index.html"
