"""The seams between the monitor and the outside systems, one implementation per backend.

``local``: a warehouse folder standing in for S3 + Glue, DuckDB standing in for Athena, a file
standing in for SNS. ``aws``: S3, Glue, Athena (pyathena), SNS. Everything between these seams
(suites, custom expectations, report rows and alert lines) is shared and backend-blind.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from data_monitor.model.athena_bill import AthenaBill
from data_monitor.model.catalog import Partition, TableMeta
from data_monitor.model.configured_tables import ConfiguredTable
from data_monitor.model.run_metrics import MetricDatum
from data_monitor.model.stop_control import Cancel, StopControl

# SQLAlchemy keeps the compiled SQL of up to 500-750 statements per engine (create_engine's
# query_cache_size: https://docs.sqlalchemy.org/en/20/core/engines.html#sqlalchemy.create_engine.params.query_cache_size).
# Each table's statements name the table, so they are never reused by another table: a full
# cache held ~8 MB per 100 tables of compiled SQL nobody reads again (tracemalloc, 120 tables
# on the AWS path). 50 keeps what one table's checks repeat.
STATEMENT_CACHE_SIZE = 50


class BackendError(RuntimeError):
    """An outside system refused or failed; the message says what was being done."""


@dataclass(frozen=True)
class StoredObject:
    uri: str
    size_bytes: int
    modified: str = ""  # when it was last written, ISO 8601 UTC (S3's LastModified)


class Store(Protocol):
    """Object storage (S3 or the warehouse's ``s3/`` folder)."""

    def list_prefixes(self, uri: str) -> list[str]:
        """Names (``id_bucket=3/``) of the "folders" directly under ``uri``."""
        ...

    def list_objects(self, uri: str) -> list[StoredObject]:
        """Data objects under ``uri`` (recursively), skipping ``_``/``.``-prefixed names."""
        ...

    def list_folder(self, uri: str) -> tuple[list[str], list[StoredObject]]:
        """``list_prefixes(uri)`` and ``list_objects(uri)`` together, from one listing where
        the store can (S3: one recursive ListObjectsV2 for what would take two)."""
        ...

    def read_text(self, uri: str, max_bytes: int) -> str | None:
        """At most ``max_bytes`` of the object as text, or None if it does not exist."""
        ...

    def read_tail(self, uri: str, size_bytes: int) -> bytes:
        """The last ``size_bytes`` bytes of the object (all of it when it is smaller)."""
        ...

    def write_bytes(
        self, uri: str, data: bytes, content_type: str, cache_control: str | None = None
    ) -> str:
        """Write the object whole (never half) and return where it went; ``cache_control``
        is the Cache-Control a reader (CloudFront, a browser) is told, where it is kept."""
        ...


class Catalog(Protocol):
    """The table catalog (Glue or the warehouse's ``glue/`` folder)."""

    def database_exists(self, database: str) -> bool: ...

    def list_tables(self, database: str, prefix: str) -> list[str]: ...

    def get_table(self, database: str, name: str) -> TableMeta | None: ...

    def list_partitions(self, table: TableMeta) -> list[Partition]: ...

    def table_versions(self, table: TableMeta) -> list[dict[str, Any]]:
        """Glue's kept versions of the table (GetTableVersions' ``TableVersions``: each a
        ``{"VersionId", "Table"}``), in no particular order; empty when none are kept."""
        ...

    def add_partitions(self, table: TableMeta, buckets: list[int]) -> int:
        """Register ``buckets`` in the catalog itself (Glue's BatchCreatePartition; only adds,
        never replaces); returns how many were added."""
        ...


class QueryEngine(Protocol):
    """The SQL engine GX validates through (Athena or DuckDB)."""

    def connection_string(self) -> str: ...

    def engine_kwargs(self) -> dict[str, Any]:
        """Extra ``create_engine`` keyword arguments for GX's datasource."""
        ...

    def expose(self, table: TableMeta) -> None:
        """Make ``database.table`` queryable as the catalog describes it."""
        ...

    def add_partitions_by_ddl(self, table: TableMeta, buckets: list[int]) -> int:
        """Register ``buckets`` through the engine's DDL (Athena's ALTER TABLE ADD PARTITION;
        only adds, never replaces); returns how many were asked for."""
        ...

    def canceller(self, cursor: Any, driver_connection: Any) -> Cancel:
        """What stops the query of ``cursor`` (a DB-API cursor of this engine's driver)."""
        ...

    def close(self) -> None: ...


class ConfiguredTables(Protocol):
    """AWS Clean Rooms' configured tables (the AWS backend only)."""

    def of_membership(self, membership: str) -> list[ConfiguredTable]:
        """The configured tables associated with the membership, with their analysis rules."""
        ...


class AlertSink(Protocol):
    def send(self, subject: str, message: str) -> str:
        """Deliver the alert; returns where it went."""
        ...


class Observability(Protocol):
    """Where the run's metrics and its completion event go (CloudWatch and EventBridge)."""

    def put_metrics(self, namespace: str, data: Sequence[MetricDatum], at: dt.datetime) -> str:
        """Publish ``data`` with the one timestamp ``at``; returns where they went."""
        ...

    def put_event(
        self, bus: str, source: str, detail_type: str, detail: str, at: dt.datetime
    ) -> str:
        """Send one event; returns where it went (with its id)."""
        ...


class NoObservability:
    """A backend that was given nowhere to publish (no run reaches here: both backends have
    one); says so instead of dropping the figures."""

    def put_metrics(self, namespace: str, data: Sequence[MetricDatum], at: dt.datetime) -> str:
        raise BackendError("this backend has no metrics destination")

    def put_event(
        self, bus: str, source: str, detail_type: str, detail: str, at: dt.datetime
    ) -> str:
        raise BackendError("this backend has no event destination")


@dataclass
class DocsSite:
    """A run's Data Docs site: GX builds it in ``site_dir`` from the validation results it
    stores in ``results_dir`` (both None: no site this run).

    This base is a site that stays where it is built, as the local backend's folder does:
    nothing to fetch or publish, and old summary pages are pruned in the folder itself. The
    AWS backend's site (aws/docs_site) is built in a scratch folder and published to S3.
    """

    site_dir: Path | None = None
    results_dir: Path | None = None

    @property
    def built_in_place(self) -> bool:
        """True when the folder GX builds in is the site readers open."""
        return True

    def fetch_history(self, keep: int) -> int:
        """Bring the newest ``keep`` past runs' results into ``results_dir`` so the index
        lists them; returns how many runs."""
        return 0

    def publish(self, once: Sequence[str] = ()) -> str:
        """Make the built site readable where it lives; returns the index's location.

        ``once``: site paths of files that never change once published (their paths carry
        a version), sent only where they are not published yet."""
        return str(self.index_path())

    def publish_files(self, relatives: Sequence[str]) -> None:
        """Publish again files of the site changed after ``publish`` (index last)."""

    def published_names(self, folder: str) -> set[str]:
        """Files already published under ``folder`` of the site (paths relative to it, so a
        flat folder's are names). A site built in place has none beyond its build."""
        return set()

    def index_path(self) -> Path:
        if self.site_dir is None:
            raise ValueError("this run builds no Data Docs site")
        return self.site_dir / "index.html"

    def cleanup(self) -> None:
        """Remove what the run built only to publish."""


@dataclass
class Backend:
    name: str
    store: Store
    catalog: Catalog
    engine: QueryEngine
    alerts: AlertSink
    # the run's time limit and stop, shared with the engine; a backend no run made never stops
    stop: StopControl = field(default_factory=StopControl)
    docs: DocsSite = field(default_factory=DocsSite)  # no site unless the run builds one
    clean_rooms: ConfiguredTables | None = None  # None: no Clean Rooms API (the local backend)
    bill: AthenaBill | None = None  # what the run's Athena statements cost (None: no Athena)
    observability: Observability = field(default_factory=NoObservability)

    def close(self) -> None:
        self.engine.close()
        self.docs.cleanup()
