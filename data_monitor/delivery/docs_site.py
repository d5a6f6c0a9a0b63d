"""Where a run's Data Docs site is built, and publishing it to S3 on the AWS backend.

GX 1.24 has no S3 store backend, so on AWS the site is built in a private temporary folder and
uploaded file by file (``index.html`` last, so a reader never follows links to missing pages).
"""

from __future__ import annotations

import mimetypes
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from data_monitor.backends.base import Store
from data_monitor.model.settings import Settings

MAX_RESULT_BYTES = 64 * 1024 * 1024


@dataclass
class DocsPlan:
    site_dir: Path | None = None
    results_dir: Path | None = None
    publish_uri: str | None = None
    scratch: Path | None = None
    fetched: set[Path] = field(default_factory=set)
    placeholders: set[Path] = field(default_factory=set)

    @property
    def results_uri(self) -> str | None:
        """aws: where the stored results behind the site are kept (beside the site)."""
        return self.publish_uri.rstrip("/") + "-results/" if self.publish_uri else None

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


def fetch_history(store: Store, docs: DocsPlan, keep: int) -> int:
    """aws: download the newest ``keep`` runs' stored results, so the site lists past runs."""
    if docs.results_uri is None or docs.results_dir is None:
        return 0
    objects = store.list_objects(docs.results_uri)
    runs = {o.uri: o.uri[len(docs.results_uri) :].split("/") for o in objects}
    newest = sorted({p[2] for p in runs.values() if len(p) == 4}, reverse=True)[:keep]
    for uri, parts in runs.items():
        if len(parts) == 4 and parts[2] in newest:
            text = store.read_text(uri, MAX_RESULT_BYTES)
            if text is not None:
                path = docs.results_dir.joinpath(*parts)
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text, encoding="utf-8")
                docs.fetched.add(path)
                _placeholder_page(docs, parts)
    return len(newest)


def _placeholder_page(docs: DocsPlan, parts: list[str]) -> None:
    """GX's index lists the result pages present in the site folder; a past run's page is
    already in S3, so an empty stand-in lets the index list it without re-rendering or
    re-uploading it."""
    if docs.site_dir is None:
        return
    page = docs.site_dir.joinpath("validations", *parts[:3], parts[3].removesuffix(".json"))
    page = page.with_name(page.name + ".html")
    page.parent.mkdir(parents=True, exist_ok=True)
    page.touch()
    docs.placeholders.add(page)


def upload_new_results(store: Store, docs: DocsPlan) -> int:
    """aws: keep this run's stored results beside the site, for the next runs' index."""
    if docs.results_uri is None or docs.results_dir is None or not docs.results_dir.is_dir():
        return 0
    new = [p for p in docs.results_dir.rglob("*.json") if p not in docs.fetched]
    for path in new:
        key = path.relative_to(docs.results_dir).as_posix()
        store.write_bytes(docs.results_uri + key, path.read_bytes(), "application/json")
    return len(new)


def publish_site(store: Store, site_dir: Path, base_uri: str, skip: set[Path] | None = None) -> str:
    """Upload every file of the site (but ``skip``) under ``base_uri``; returns the index URI."""
    files = sorted(p for p in site_dir.rglob("*") if p.is_file() and p not in (skip or set()))
    files.sort(key=lambda p: p.name == "index.html")  # the index goes last
    for path in files:
        key = path.relative_to(site_dir).as_posix()
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        store.write_bytes(base_uri + key, path.read_bytes(), content_type)
    return base_uri + "index.html"
