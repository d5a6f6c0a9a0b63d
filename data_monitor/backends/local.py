"""The local backend: a warehouse folder standing in for S3, Glue and SNS.

Layout (documented in the README; a user can fill it by hand or export it from AWS)::

    <warehouse>/s3/<bucket>/<key...>                      s3://bucket/key
    <warehouse>/glue/<database>/<table>.json              Glue GetTable "Table"
    <warehouse>/glue/<database>/<table>.partitions.json   list of Glue "Partition"
    <warehouse>/sns/messages.jsonl                        alerts SNS would carry
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

from data_monitor.backends.base import BackendError, StoredObject
from data_monitor.catalog_model import Partition, TableMeta


def atomic_write(path: Path, data: bytes) -> None:
    """Write a file whole or not at all (a crash never leaves half a report or catalog)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _hidden(name: str) -> bool:
    return name.startswith(("_", "."))


class LocalStore:
    """``s3://bucket/key`` <-> ``<warehouse>/s3/bucket/key``."""

    def __init__(self, warehouse: Path) -> None:
        self.root = warehouse / "s3"

    def path_of(self, uri: str) -> Path:
        if not uri.startswith("s3://"):
            raise BackendError(f"not an s3:// location: {uri!r}")
        parts = [p for p in uri[len("s3://") :].split("/") if p]
        if not parts or any(p in (".", "..") for p in parts):
            raise BackendError(f"not a usable s3:// location: {uri!r}")
        return self.root.joinpath(*parts)

    def list_prefixes(self, uri: str) -> list[str]:
        folder = self.path_of(uri)
        if not folder.is_dir():
            return []
        return sorted(f"{p.name}/" for p in folder.iterdir() if p.is_dir())

    def list_objects(self, uri: str) -> list[StoredObject]:
        folder = self.path_of(uri)
        if not folder.is_dir():
            return []
        found: list[StoredObject] = []
        for dirpath, dirnames, filenames in os.walk(folder):
            dirnames[:] = sorted(d for d in dirnames if not _hidden(d))
            for name in sorted(filenames):
                if not _hidden(name):
                    path = Path(dirpath, name)
                    found.append(StoredObject(self._uri_of(path), path.stat().st_size))
        return found

    def read_text(self, uri: str, max_bytes: int) -> str | None:
        path = self.path_of(uri)
        if not path.is_file():
            return None
        with path.open("rb") as handle:
            return handle.read(max_bytes).decode("utf-8", errors="replace")

    def write_bytes(self, uri: str, data: bytes, content_type: str) -> str:
        path = self.path_of(uri)
        atomic_write(path, data)
        return str(path)

    def _uri_of(self, path: Path) -> str:
        return "s3://" + path.relative_to(self.root).as_posix()


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
        return sorted(n for n in names if n.startswith(prefix) and not n.endswith(".partitions"))

    def get_table(self, database: str, name: str) -> TableMeta | None:
        path = self.root / database / f"{name}.json"
        if not path.is_file():
            return None
        return TableMeta.from_glue(database, _read_json(path, dict))

    def list_partitions(self, table: TableMeta) -> list[Partition]:
        return [Partition.from_glue(p) for p in self._raw_partitions(table)]

    def add_partitions(self, table: TableMeta, buckets: list[int], mode: str) -> int:
        """Both repair modes register into the partitions file; existing entries stay as is."""
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


class LocalAlertSink:
    """What SNS would carry, appended to ``<warehouse>/sns/messages.jsonl`` and to stderr."""

    def __init__(self, warehouse: Path, topic_arn: str | None) -> None:
        self.path = warehouse / "sns" / "messages.jsonl"
        self.topic_arn = topic_arn

    def send(self, subject: str, message: str) -> str:
        record = {
            "topic_arn": self.topic_arn,
            "subject": subject,
            "message": message,
            "sent_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        }
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
        print(f"Subject: {subject}\n\n{message}", file=sys.stderr)
        return str(self.path)
