"""The newest raw input a part table's source holds (the seed's cross-check of the snapshot
with raw input freshness), from its snapshot marker or its files' dates: no query, no scan.

The source's own marker (``--snapshot_marker`` applied to the source table) is its date when
it has one; otherwise the newest LastModified of its data files, from one listing
(ListObjectsV2 returns LastModified with every key:
https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html), as a UTC date.
"""

from __future__ import annotations

from data_monitor.backends.base import Backend
from data_monitor.lake.markers import read_marker
from data_monitor.model.catalog import TableMeta
from data_monitor.model.json_data import moment
from data_monitor.model.settings import Settings
from data_monitor.model.snapshots import marker_date, marker_uri


def raw_input_of(backend: Backend, settings: Settings, source: TableMeta) -> dict[str, object]:
    """``{"table", "date" (YYYY-MM-DD or None), "from" (what the date was read from)}``."""
    name = f"{source.database}.{source.name}"
    uri = marker_uri(settings.snapshot_marker, source)
    text = read_marker(backend.store, uri)
    marked = marker_date(text) if text is not None else None
    if marked is not None:
        return {"table": name, "date": marked.isoformat(), "from": f"its marker {uri}"}
    files = [o for o in backend.store.list_objects(source.location) if o.size_bytes > 0]
    moments = [m for m in (moment(o.modified) for o in files) if m is not None]
    if not moments:
        return {"table": name, "date": None, "from": f"no data file under {source.location}"}
    return {
        "table": name,
        "date": max(moments).date().isoformat(),
        "from": f"the newest of its {len(files)} data file(s)",
    }
