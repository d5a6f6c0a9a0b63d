"""Auto-repair: register partitions present in storage and missing from the catalog.

Repair only ever adds. Tables with partition projection are never repaired (Glue holds no
partitions for them by design). Two seams can register: the catalog itself (``glue``: Glue's
BatchCreatePartition) or the engine's DDL (``athena``: ALTER TABLE ADD PARTITION); the setting
chooses.
"""

from __future__ import annotations

from data_monitor.backends.base import Backend
from data_monitor.model.catalog import TableMeta


def missing_registrations(storage: list[int], registered: list[int]) -> list[int]:
    return sorted(set(storage) - set(registered))


def repair_missing(
    backend: Backend, table: TableMeta, storage: list[int], registered: list[int], mode: str
) -> int:
    """Register what is missing through ``mode`` (athena|glue); ``off`` only reports."""
    missing = missing_registrations(storage, registered)
    if mode == "off" or not missing or table.projection.enabled:
        return 0
    if mode == "athena":
        return backend.engine.add_partitions_by_ddl(table, missing)
    return backend.catalog.add_partitions(table, missing)
