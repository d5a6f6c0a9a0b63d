"""The AWS backend's Data Docs site: built in a scratch folder, published to S3.

GX 1.24 has no S3 store backend for Data Docs, so the site is built in a private temporary
folder and uploaded file by file (``index.html`` last, so a reader never follows links to
missing pages). The stored results behind the site are kept beside it in S3
(``<site>-results/``): each run downloads the newest ``--docs_keep_runs`` runs' results so that
GX's index lists them, with an empty stand-in page for each (its real page is already in S3).
"""

from __future__ import annotations

import mimetypes
import posixpath
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from data_monitor.backends.base import DocsSite, Store
from data_monitor.model.settings import Settings

MAX_RESULT_BYTES = 64 * 1024 * 1024


@dataclass
class S3DocsSite(DocsSite):
    store: Store | None = None
    publish_uri: str = ""  # s3://bucket/prefix/ of the site
    scratch: Path | None = None  # removed at the end of the run
    fetched: set[Path] = field(default_factory=set)  # past runs' results, already in S3
    placeholders: set[Path] = field(default_factory=set)  # stand-ins for their pages

    @property
    def built_in_place(self) -> bool:
        return False

    @property
    def results_uri(self) -> str:
        return self.publish_uri.rstrip("/") + "-results/"

    def _store(self) -> Store:
        if self.store is None:
            raise ValueError("S3DocsSite needs the run's store")
        return self.store

    def fetch_history(self, keep: int) -> int:
        if self.results_dir is None:
            return 0
        store = self._store()
        objects = store.list_objects(self.results_uri)
        runs = {o.uri: o.uri[len(self.results_uri) :].split("/") for o in objects}
        # <suite>/<run name>/<run time>/<batch>.json; a run is a run time
        newest = sorted({p[2] for p in runs.values() if len(p) == 4}, reverse=True)[:keep]
        for uri, parts in runs.items():
            if len(parts) == 4 and parts[2] in newest:
                text = store.read_text(uri, MAX_RESULT_BYTES)
                if text is not None:
                    path = self.results_dir.joinpath(*parts)
                    path.parent.mkdir(parents=True, exist_ok=True)
                    path.write_text(text, encoding="utf-8")
                    self.fetched.add(path)
                    self._placeholder_page(parts)
        return len(newest)

    def _placeholder_page(self, parts: list[str]) -> None:
        """GX's index lists the result pages present in the site folder; a past run's page
        is already in S3, so an empty stand-in lets the index list it without re-rendering
        or re-uploading it."""
        if self.site_dir is None:
            return
        page = self.site_dir.joinpath("validations", *parts[:3], parts[3].removesuffix(".json"))
        page = page.with_name(page.name + ".html")
        page.parent.mkdir(parents=True, exist_ok=True)
        page.touch()
        self.placeholders.add(page)

    def publish(self, once: Sequence[str] = ()) -> str:
        """This run's stored results (for the next runs' index), then every file of the site
        but the stand-ins and the files of ``once`` already published, the index last."""
        self._upload_new_results()
        site_dir = self.index_path().parent
        present = self._published_of(once)
        files = sorted(
            p
            for p in site_dir.rglob("*")
            if p.is_file()
            and p not in self.placeholders
            and p.relative_to(site_dir).as_posix() not in present
        )
        self._upload(site_dir, files)
        return self.publish_uri + "index.html"

    def _published_of(self, once: Sequence[str]) -> set[str]:
        """Those of ``once`` (site paths) already in S3, found with one listing of the
        folder they share."""
        if not once:
            return set()
        folder = posixpath.commonpath([posixpath.dirname(p) for p in once])
        if not folder:
            raise ValueError(f"files published once must share a folder of the site: {once[:3]}")
        return {f"{folder}/{name}" for name in self.published_names(folder)} & set(once)

    def publish_files(self, relatives: Sequence[str]) -> None:
        site_dir = self.index_path().parent
        self._upload(site_dir, [site_dir / r for r in relatives])

    def _upload(self, site_dir: Path, files: list[Path]) -> None:
        store = self._store()
        for path in sorted(files, key=lambda p: p.name == "index.html"):  # the index last
            key = path.relative_to(site_dir).as_posix()
            content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            store.write_bytes(
                self.publish_uri + key, path.read_bytes(), content_type, cache_control_of(key)
            )

    def _upload_new_results(self) -> int:
        if self.results_dir is None or not self.results_dir.is_dir():
            return 0
        new = [p for p in self.results_dir.rglob("*.json") if p not in self.fetched]
        for path in new:
            key = path.relative_to(self.results_dir).as_posix()
            self._store().write_bytes(self.results_uri + key, path.read_bytes(), "application/json")
        return len(new)

    def published_names(self, folder: str) -> set[str]:
        prefix = self.publish_uri + folder.strip("/") + "/"
        return {o.uri[len(prefix) :] for o in self._store().list_objects(prefix)}

    def cleanup(self) -> None:
        if self.scratch is not None:
            shutil.rmtree(self.scratch, ignore_errors=True)


def cache_control_of(key: str) -> str:
    """How long a cache in front of the site (CloudFront, a browser) may keep a file.

    The pages change with every run, so they are revalidated each time (CloudFront's managed
    CachingOptimized policy would otherwise keep an object that says nothing for its default
    TTL, a day: https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/
    Expiration.html). A vendored asset's path carries its version, so its bytes never change
    under that path: cached for a year. GX's own static files: an hour.
    """
    if key.endswith(".html"):
        return "no-cache"
    if key.startswith("static/vendor/"):
        return "public, max-age=31536000, immutable"
    return "public, max-age=3600"


def s3_docs_site(settings: Settings, store: Store) -> DocsSite:
    """The site under ``settings.docs_uri``, built in a new scratch folder (or --docs_dir)."""
    if not settings.data_docs:
        return DocsSite()
    scratch = Path(tempfile.mkdtemp(prefix="data-monitor-docs-"))
    return S3DocsSite(
        site_dir=settings.docs_dir or scratch / "site",
        results_dir=scratch / "validations",
        store=store,
        publish_uri=settings.docs_uri,
        scratch=scratch,
    )
