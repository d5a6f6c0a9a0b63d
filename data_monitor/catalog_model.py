"""Glue's table and partition structures, parsed once for both backends.

The local warehouse stores exactly what Glue's GetTable / GetPartitions return, so the same
parsing serves the local catalog files and the AWS API.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

PARTITION_KEY = "id_bucket"
PARTITION_DIR = re.compile(rf"^{PARTITION_KEY}=(\d+)/?$")


@dataclass(frozen=True)
class Column:
    name: str
    type: str


@dataclass(frozen=True)
class Projection:
    """Partition projection settings of a table (Glue then holds no partitions)."""

    enabled: bool
    key_type: str | None = None
    range: str | None = None
    location_template: str | None = None

    def buckets(self) -> list[int] | None:
        """The projected id_bucket values, or None if the range is not ``low,high`` integers."""
        match = re.match(r"^\s*(\d+)\s*,\s*(\d+)\s*$", self.range or "")
        if not match or int(match.group(1)) > int(match.group(2)):
            return None
        return list(range(int(match.group(1)), int(match.group(2)) + 1))

    def location_for(self, table_location: str, bucket: int) -> str:
        if self.location_template:
            return self.location_template.replace("${" + PARTITION_KEY + "}", str(bucket))
        return f"{table_location}{PARTITION_KEY}={bucket}/"


@dataclass(frozen=True)
class TableMeta:
    """What the monitor needs of a Glue table."""

    database: str
    name: str
    table_type: str
    location: str
    input_format: str
    serde: str
    columns: tuple[Column, ...]
    partition_keys: tuple[Column, ...]
    parameters: dict[str, str] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_glue(cls, database: str, table: dict[str, Any]) -> TableMeta:
        sd = table.get("StorageDescriptor") or {}
        location = sd.get("Location") or ""
        if location and not location.endswith("/"):
            location += "/"
        return cls(
            database=database,
            name=table.get("Name", ""),
            table_type=table.get("TableType") or "",
            location=location,
            input_format=sd.get("InputFormat") or "",
            serde=(sd.get("SerdeInfo") or {}).get("SerializationLibrary") or "",
            columns=_columns(sd.get("Columns")),
            partition_keys=_columns(table.get("PartitionKeys")),
            parameters={str(k): str(v) for k, v in (table.get("Parameters") or {}).items()},
            raw=table,
        )

    @property
    def is_partitioned(self) -> bool:
        return bool(self.partition_keys)

    @property
    def projection(self) -> Projection:
        p = self.parameters
        return Projection(
            enabled=p.get("projection.enabled", "").lower() == "true",
            key_type=p.get(f"projection.{PARTITION_KEY}.type"),
            range=p.get(f"projection.{PARTITION_KEY}.range"),
            location_template=p.get("storage.location.template"),
        )

    def partition_location(self, bucket: int) -> str:
        return f"{self.location}{PARTITION_KEY}={bucket}/"

    def partition_structure(self, bucket: int) -> dict[str, Any]:
        """A Glue PartitionInput for ``bucket``: the table's storage descriptor, new location."""
        sd = dict(self.raw.get("StorageDescriptor") or {})
        sd["Location"] = self.partition_location(bucket)
        return {"Values": [str(bucket)], "StorageDescriptor": sd}


@dataclass(frozen=True)
class Partition:
    values: tuple[str, ...]
    location: str

    @classmethod
    def from_glue(cls, partition: dict[str, Any]) -> Partition:
        location = (partition.get("StorageDescriptor") or {}).get("Location") or ""
        if location and not location.endswith("/"):
            location += "/"
        return cls(values=tuple(str(v) for v in partition.get("Values") or ()), location=location)

    def bucket(self) -> int | None:
        """The id_bucket value, or None when it is not a non-negative integer."""
        if len(self.values) != 1 or not self.values[0].isdigit():
            return None
        return int(self.values[0])


def bucket_of_prefix(name: str) -> int | None:
    """``id_bucket=17/`` -> 17; anything else (``_metadata/``, ``id_bucket=x/``) -> None."""
    match = PARTITION_DIR.match(name)
    return int(match.group(1)) if match else None


def _columns(items: Any) -> tuple[Column, ...]:
    return tuple(Column(str(c.get("Name", "")), str(c.get("Type", ""))) for c in items or ())
