"""The schema a table had at the last run, to tell what changed since (no query, no scan).

The last run's report records each table's columns, so the baseline is usually that record
(kept with the run history, on both backends). A table no earlier run recorded (the first run,
or one new to the monitor) is compared with the catalog's previous table version instead, but
only when the table changed since the start of the day before ``as_of``: an older change is not
news. Glue keeps a version for every UpdateTable (GetTableVersions,
https://docs.aws.amazon.com/glue/latest/webapi/API_GetTableVersions.html); the local warehouse
keeps them in ``glue/<database>/<table>.versions.json`` in the same shape.
"""

from __future__ import annotations

import datetime as dt

from data_monitor.backends.base import Backend
from data_monitor.lake.history import TableHistory
from data_monitor.model.catalog import TableMeta
from data_monitor.model.json_data import moment, obj, text
from data_monitor.model.schema_drift import schema_of
from data_monitor.model.settings import Settings


def schema_baseline(
    backend: Backend, settings: Settings, table: TableMeta, past: TableHistory | None
) -> dict[str, object] | None:
    """``{"source": <what the schema is compared with>, "columns": [...]}``, or None when there
    is nothing to compare with (a new table that did not change since the day before)."""
    if past is not None and past.schema is not None:
        return {"source": f"the run of {past.schema_day}", "columns": past.schema}
    updated = moment(table.raw.get("UpdateTime"))
    since = dt.datetime.combine(
        settings.as_of - dt.timedelta(days=1), dt.time(), tzinfo=dt.timezone.utc
    )
    if updated is None or updated < since:
        return None
    current = _version_number(table.raw.get("VersionId"))
    earlier = [
        (number, obj(version.get("Table")))
        for version in backend.catalog.table_versions(table)
        if (number := _version_number(version.get("VersionId"))) is not None
        and (current is None or number < current)
    ]
    if not earlier:
        return None
    number, previous = max(earlier, key=lambda pair: pair[0])
    return {"source": f"table version {number}", "columns": schema_of(previous)}


def _version_number(value: object) -> int | None:
    version = text(value).strip()
    return int(version) if version.isdigit() else None
