"""The warehouse's ``s3/`` folder as the local backend's object store."""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from pathlib import Path

from data_monitor.backends.base import BackendError, StoredObject


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
                    stat = path.stat()
                    modified = dt.datetime.fromtimestamp(stat.st_mtime, dt.timezone.utc)
                    found.append(
                        StoredObject(self._uri_of(path), stat.st_size, modified.isoformat())
                    )
        return found

    def list_folder(self, uri: str) -> tuple[list[str], list[StoredObject]]:
        return self.list_prefixes(uri), self.list_objects(uri)  # a folder costs nothing to list

    def read_text(self, uri: str, max_bytes: int) -> str | None:
        path = self.path_of(uri)
        if not path.is_file():
            return None
        with path.open("rb") as handle:
            return handle.read(max_bytes).decode("utf-8", errors="replace")

    def read_tail(self, uri: str, size_bytes: int) -> bytes:
        path = self.path_of(uri)
        try:
            with path.open("rb") as handle:
                handle.seek(max(0, path.stat().st_size - size_bytes))
                return handle.read(size_bytes)
        except OSError as exc:
            raise BackendError(f"read {uri}: {exc.strerror or exc}") from exc

    def write_bytes(
        self, uri: str, data: bytes, content_type: str, cache_control: str | None = None
    ) -> str:
        path = self.path_of(uri)
        atomic_write(path, data)
        return str(path)

    def _uri_of(self, path: Path) -> str:
        return "s3://" + path.relative_to(self.root).as_posix()
