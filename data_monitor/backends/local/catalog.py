"""The warehouse's ``glue/`` folder (Glue's own JSON) as the local backend's catalog."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

from data_monitor.backends.base import BackendError
from data_monitor.backends.local.store import atomic_write
from data_monitor.model.catalog import Partition, TableMeta

SIDE_FILES = (".partitions", ".versions")  # <table>.partitions.json, <table>.versions.json


class LocalCatalog:
    """Glue's structures as JSON files under ``<warehouse>/glue/``."""

    def __init__(self, warehouse: Path) -> None:
        self.root = warehouse / "glue"
        self._lock = threading.Lock()

    def database_exists(self, database: str) -> bool:
        return (self.root / database).is_dir()

    def list_tables(self, database: str, prefix: str) -> list[str]:
        folder = self.root / database
        names = (p.name[: -len(".json")] for p in folder.glob("*.json"))
        return sorted(n for n in names if n.startswith(prefix) and not n.endswith(SIDE_FILES))

    def get_table(self, database: str, name: str) -> TableMeta | None:
        path = self.root / database / f"{name}.json"
        if not path.is_file():
            return None
        return TableMeta.from_glue(database, _read_json(path, dict))

    def list_partitions(self, table: TableMeta) -> list[Partition]:
        return [Partition.from_glue(p) for p in self._raw_partitions(table)]

    def table_versions(self, table: TableMeta) -> list[dict[str, Any]]:
        """``<table>.versions.json``: the ``TableVersions`` list GetTableVersions returns
        (``{"VersionId": "1", "Table": {...}}``), kept by whoever changes the table's schema
        (the demo's generator writes one); none when the file is absent."""
        path = self.root / table.database / f"{table.name}.versions.json"
        return _read_json(path, list) if path.is_file() else []

    def add_partitions(self, table: TableMeta, buckets: list[int]) -> int:
        """Register into the partitions file (the local engine's DDL registers here too);
        existing entries stay as is."""
        with self._lock:
            current = self._raw_partitions(table)
            known = {tuple(str(v) for v in p.get("Values") or ()) for p in current}
            added = [
                {
                    "DatabaseName": table.database,
                    "TableName": table.name,
                    **table.partition_structure(b),
                }
                for b in sorted(set(buckets))
                if (str(b),) not in known
            ]
            if added:
                data = json.dumps(current + added, indent=1).encode()
                atomic_write(self._partitions_path(table), data)
            return len(added)

    def _partitions_path(self, table: TableMeta) -> Path:
        return self.root / table.database / f"{table.name}.partitions.json"

    def _raw_partitions(self, table: TableMeta) -> list[dict[str, Any]]:
        path = self._partitions_path(table)
        return _read_json(path, list) if path.is_file() else []


def _read_json(path: Path, kind: type) -> Any:
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BackendError(f"cannot read catalog file {path}: {exc}") from exc
    if not isinstance(value, kind):
        raise BackendError(
            f"catalog file {path} holds a {type(value).__name__}, "
            f"expected a JSON {'object' if kind is dict else 'list'}"
        )
    return value
