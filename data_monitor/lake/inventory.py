"""A table's inventory: what storage and the catalog say about it, collected before validation.

The metadata suite's custom expectations validate this record (as a one-row batch). A fact that
could not be collected (S3 denied, catalog unreadable) is recorded under ``errors`` with the
reason; the expectation that needs it then raises, and the run reports it as an ``[ERROR]``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any, TypeVar

from data_monitor.backends.base import Backend, BackendError, StoredObject
from data_monitor.lake.configured import Membership
from data_monitor.lake.drift import schema_baseline
from data_monitor.lake.history import TableHistory
from data_monitor.lake.markers import read_marker
from data_monitor.lake.parquet_footer import codecs_of
from data_monitor.lake.placement import misplaced_partitions, misplaced_projected, normalized
from data_monitor.lake.raw_input import raw_input_of
from data_monitor.model.catalog import PARTITION_KEY, TableMeta, bucket_of_prefix, split_template
from data_monitor.model.json_data import obj as json_object
from data_monitor.model.json_data import text
from data_monitor.model.schema_drift import schema_of_table
from data_monitor.model.settings import Settings
from data_monitor.model.snapshots import marker_uri

FILE_SAMPLE_PARTITIONS = 5
UNREAD_LIMIT = 20  # unread folders kept in the record (the count is exact)
T = TypeVar("T")


@dataclass
class Inventory:
    """One table's facts. Field names are the keys the custom expectations read."""

    database: str
    table: str
    location: str  # as a folder (ending in /), whatever Glue has
    location_as_written: str = ""  # as Glue has it
    table_type: str = ""
    input_format: str = ""
    serde: str = ""
    columns: list[str] = field(default_factory=list)
    partition_keys: list[dict[str, str]] = field(default_factory=list)
    projection: dict[str, Any] = field(default_factory=dict)
    storage_buckets: list[int] = field(default_factory=list)
    registered_buckets_before: list[int] = field(default_factory=list)
    registered_buckets: list[int] = field(default_factory=list)
    misplaced_partitions: list[dict[str, Any]] = field(default_factory=list)
    repair_mode: str = "off"
    repaired: int = 0
    snapshot_uri: str = ""
    snapshot_text: str | None = None
    file_sample: list[dict[str, Any]] = field(default_factory=list)
    # buckets whose id_bucket=N/ folder holds a data file (not only _SUCCESS, .crc, $folder$ or
    # empty objects); None when the table's files could not be listed (or it uses projection)
    data_buckets: list[int] | None = None
    empty_partitions: list[int] = field(default_factory=list)  # registered, without data files
    repair_skipped: list[int] = field(default_factory=list)  # not registered: no data file
    # sampled data files' Parquet codecs ({uri: ["SNAPPY"]}); None when not sampled
    parquet_codecs: dict[str, list[str]] | None = None
    # {"membership", "tables": [configured tables reading this table]}; None without
    # --clean_rooms_membership
    configured_tables: dict[str, Any] | None = None
    # the source's newest raw input (lake/raw_input.py); None without a source table
    raw_input: dict[str, Any] | None = None
    schema: list[dict[str, str]] = field(default_factory=list)  # data, then partition columns
    # what the schema is compared with (lake/drift.py): {"source", "columns"}, or None
    schema_baseline: dict[str, Any] | None = None
    errors: dict[str, str] = field(default_factory=dict)

    def record(self) -> dict[str, Any]:
        return asdict(self)


def begin(
    backend: Backend,
    settings: Settings,
    table: TableMeta,
    past: TableHistory | None = None,
    source: TableMeta | None = None,
    membership: Membership | None = None,
) -> tuple[Inventory, Callable[[], None]]:
    """Gather a table's facts in two steps: what queries depend on (storage partitions, the
    catalog's registrations, repaired if asked), now; and ``finish``, the facts no query reads,
    which the caller may run while the table's queries run: the schema to compare with
    (``past``: the table's run history), the sampled codecs, the marker, file sizes, the raw
    input's date (of ``source``, the table's count source, when it has one) and the Clean
    Rooms configured tables of ``membership`` that read the table."""
    inv = Inventory(
        database=table.database,
        table=table.name,
        location=table.location,
        location_as_written=text(json_object(table.raw.get("StorageDescriptor")).get("Location")),
        table_type=table.table_type,
        input_format=table.input_format,
        serde=table.serde,
        columns=[c.name for c in table.columns],
        partition_keys=[{"name": k.name, "type": k.type} for k in table.partition_keys],
        projection=table.projection.record(),
        repair_mode=settings.auto_repair,
        snapshot_uri=marker_uri(settings.snapshot_marker, table),
        schema=schema_of_table(table),
    )
    # without projection, the storage buckets and the data files come from one listing
    facts = (
        ("storage_buckets",) if table.projection.enabled else ("storage_buckets", "data_buckets")
    )
    listed = _attempt(inv, facts, lambda: _list_location(backend, table))
    storage = (
        _attempt(inv, "storage_buckets", lambda: _storage_buckets(backend, table, inv, listed[0]))
        if listed is not None
        else None
    )
    inv.storage_buckets = storage or []
    files: dict[int, list[StoredObject]] | None = None
    if table.projection.enabled:
        # Athena reads the projected locations and ignores registered partitions
        # (https://docs.aws.amazon.com/athena/latest/ug/partition-projection.html): nothing to
        # list or repair in the catalog, and the locations to check are the projected ones.
        inv.misplaced_partitions = misplaced_projected(table, inv.storage_buckets)
    else:
        files = _data_files(table, listed[1]) if listed is not None else None
        inv.data_buckets = sorted(files) if files is not None else None
        _register(backend, settings, table, inv, storage)
        if files is not None:
            misplaced = {int(m["bucket"]) for m in inv.misplaced_partitions}
            inv.empty_partitions = [
                b for b in inv.registered_buckets if b not in files and b not in misplaced
            ]

    def finish() -> None:
        _finish(backend, settings, table, inv, files, past, source, membership)

    return inv, finish


def _finish(
    backend: Backend,
    settings: Settings,
    table: TableMeta,
    inv: Inventory,
    files: dict[int, list[StoredObject]] | None,
    past: TableHistory | None,
    source: TableMeta | None,
    membership: Membership | None,
) -> None:
    inv.schema_baseline = _attempt(
        inv, "schema_baseline", lambda: schema_baseline(backend, settings, table, past)
    )
    if files is not None and "parquet" in table.input_format.lower():
        sampled = files
        inv.parquet_codecs = _attempt(
            inv, "parquet_codecs", lambda: _sample_codecs(backend, sampled)
        )
    inv.snapshot_text = _attempt(
        inv, "snapshot_text", lambda: read_marker(backend.store, inv.snapshot_uri)
    )
    if membership is not None:
        if membership.error is not None:
            inv.errors["configured_tables"] = f"configured tables unavailable: {membership.error}"
        inv.configured_tables = membership.record_for(table.database, table.name)
    if source is not None:
        inv.raw_input = _attempt(inv, "raw_input", lambda: raw_input_of(backend, settings, source))
    if settings.file_size_check:
        inv.file_sample = (
            _attempt(inv, "file_sample", lambda: _file_sample(backend, table, inv.storage_buckets))
            or []
        )


def _register(
    backend: Backend,
    settings: Settings,
    table: TableMeta,
    inv: Inventory,
    storage: list[int] | None,
) -> None:
    """The catalog's partitions, repaired (only added to) when storage holds more."""
    from data_monitor.lake.repair import repair_missing

    registered = _attempt(inv, "registered_buckets", lambda: _registered(backend, table, inv))
    inv.registered_buckets_before = registered or []
    inv.registered_buckets = list(inv.registered_buckets_before)
    if storage is None or registered is None:
        return
    if inv.data_buckets is not None:  # never register a partition without a data file
        with_data = set(inv.data_buckets)
        inv.repair_skipped = sorted(set(storage) - set(registered) - with_data)
        storage = [b for b in storage if b in with_data]
    repairable = storage
    attempted = _attempt(
        inv,
        "repair",
        lambda: repair_missing(backend, table, repairable, registered, settings.auto_repair),
    )
    if attempted:
        after = _attempt(inv, "registered_buckets", lambda: _registered(backend, table, inv))
        inv.registered_buckets = after if after is not None else inv.registered_buckets
        # what the catalog gained, whatever the repair call claimed
        inv.repaired = len(set(inv.registered_buckets) - set(registered))


def _attempt(
    inv: Inventory, fact: str | tuple[str, ...], collect_fact: Callable[[], T]
) -> T | None:
    """``collect_fact()``, or None with the reason recorded under ``fact`` (each of them,
    when one call serves several facts)."""
    try:
        return collect_fact()
    except (BackendError, OSError) as exc:
        for name in (fact,) if isinstance(fact, str) else fact:
            what = "repair failed" if name == "repair" else f"{name.replace('_', ' ')} unavailable"
            inv.errors[name] = f"{what}: {exc}"
        return None


def _list_location(backend: Backend, table: TableMeta) -> tuple[list[str], list[StoredObject]]:
    """The folders directly under the table location, and (without projection, whose tables
    are read elsewhere) the objects below it: one S3 listing for both."""
    if not table.location:
        raise BackendError("the table has no storage location")
    if table.projection.enabled:
        return backend.store.list_prefixes(table.location), []
    return backend.store.list_folder(table.location)


def _storage_buckets(
    backend: Backend, table: TableMeta, inv: Inventory, listed: list[str]
) -> list[int]:
    """The buckets with data where queries read them: ``id_bucket=N/`` under the table
    location (``listed``: the folders there), or for a projection Athena can use, the
    locations it projects (digits, storage.location.template) - recording the folders it
    leaves unread."""
    if not table.projection.usable():
        found = (bucket_of_prefix(p) for p in listed)
        return sorted(b for b in found if b is not None)
    stored = _projected_buckets(backend, table, listed)
    unread = _unread_folders(table, listed, set(stored))
    inv.projection.update(unread=unread[:UNREAD_LIMIT], unread_count=len(unread))
    return stored


def _projected_buckets(backend: Backend, table: TableMeta, listed: list[str]) -> list[int]:
    """Buckets whose projected location holds data: one listing of the folder the template
    names a bucket's folder in (the table location, unless a template says otherwise)."""
    projection = table.projection
    parent, folder, below = split_template(projection.template_for(table.location))
    names = listed if parent == table.location else backend.store.list_prefixes(parent)
    found = (projection.bucket_of_folder(folder, name) for name in names)
    buckets = sorted({b for b in found if b is not None})
    if below:  # the data sits deeper than the bucket's folder (``${id_bucket}/data/``)
        store = backend.store
        buckets = [b for b in buckets if store.list_objects(_read_location(table, b))]
    return buckets


def _unread_folders(table: TableMeta, listed: list[str], stored: set[int]) -> list[dict[str, Any]]:
    """``id_bucket=N/`` folders under the table location that the projection does not read
    (it reads bucket N elsewhere, and finds nothing there)."""
    unread = []
    for name in listed:
        bucket = bucket_of_prefix(name)
        if bucket is None or bucket in stored:
            continue
        here = normalized(table.location + name)
        read = normalized(_read_location(table, bucket))
        if read != here:
            unread.append({"bucket": bucket, "location": read, "stored": here})
    return sorted(unread, key=lambda u: int(u["bucket"]))


def _read_location(table: TableMeta, bucket: int) -> str:
    """Where queries read ``bucket``: its projected location, or ``<location>id_bucket=N/``."""
    if table.projection.usable():
        return table.projection.location_for(table.location, bucket)
    return table.partition_location(bucket)


def _registered(backend: Backend, table: TableMeta, inv: Inventory) -> list[int]:
    partitions = list(backend.catalog.list_partitions(table))
    inv.misplaced_partitions = misplaced_partitions(table, partitions)
    found = (p.bucket() for p in partitions)
    return sorted({b for b in found if b is not None})


def _data_files(table: TableMeta, objects: list[StoredObject]) -> dict[int, list[StoredObject]]:
    """The data files of each ``id_bucket=N/`` folder under the table location, from the
    ``objects`` of one listing of it (ListObjectsV2 returns up to 1,000 keys per page:
    https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html). Not data: objects
    the store already leaves out (``_SUCCESS``, ``_metadata/``, ``.crc`` and other ``_``/``.``
    names), empty ones and ``$folder$`` markers."""
    found: dict[int, list[StoredObject]] = {}
    for obj in objects:
        relative = obj.uri[len(table.location) :]
        folder, sep, name = relative.partition("/")
        bucket = bucket_of_prefix(folder + "/") if sep else None
        if bucket is not None and obj.size_bytes > 0 and not name.endswith("$folder$"):
            found.setdefault(bucket, []).append(obj)
    return found


def _sample_codecs(backend: Backend, files: dict[int, list[StoredObject]]) -> dict[str, list[str]]:
    """The codecs of one data file in each of the first sampled partitions: a ranged read of
    each file's end (its footer), FILE_SAMPLE_PARTITIONS reads in all."""
    sample = [files[b][0] for b in sorted(files)[:FILE_SAMPLE_PARTITIONS]]
    return {f.uri: codecs_of(backend.store, f.uri, f.size_bytes) for f in sample}


def _file_sample(backend: Backend, table: TableMeta, buckets: list[int]) -> list[dict[str, Any]]:
    sample = []
    for bucket in buckets[:FILE_SAMPLE_PARTITIONS]:
        for obj in backend.store.list_objects(_read_location(table, bucket)):
            sample.append(
                {
                    "partition": f"{PARTITION_KEY}={bucket}",
                    "uri": obj.uri,
                    "size_bytes": obj.size_bytes,
                }
            )
    return sample
