"""A table's schema, and what changed in it between two points in time.

The schema is the data columns then the partition columns, each ``{"name", "type"}`` as Glue
holds them. A change is added, removed, retyped or renamed. A rename cannot be told from a
removal plus an addition by names alone: a removed column and an added one of the same type at
the same position are read as one rename, which is how Glue's UpdateTable shows an ALTER TABLE
RENAME COLUMN (the position and the type stay).

Removed, retyped and renamed columns break whoever reads the table by its old schema (an
analysis rule's allowed columns, a partner's query), so they are High; an added column breaks
nothing that worked, so it is Low.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from data_monitor.model.catalog import TableMeta
from data_monitor.model.json_data import Raw, items, obj, text

BREAKING = ("removed", "retyped", "renamed")


@dataclass(frozen=True)
class SchemaChange:
    kind: str  # added | removed | retyped | renamed
    column: str  # its name now (the old name when removed)
    type: str  # its type now (the old type when removed)
    was: str = ""  # the old type (retyped) or the old name (renamed)

    def text(self) -> str:
        if self.kind == "retyped":
            return f"{self.column} retyped {self.was} -> {self.type}"
        if self.kind == "renamed":
            return f"{self.was} renamed to {self.column}"
        return f"{self.column} {self.type} {self.kind}"

    @property
    def breaking(self) -> bool:
        return self.kind in BREAKING

    def record(self) -> dict[str, str]:
        return {"kind": self.kind, "column": self.column, "type": self.type, "was": self.was}


def schema_of(table: Raw) -> list[dict[str, str]]:
    """The columns of a Glue ``Table`` structure (data columns, then partition keys)."""
    sd = obj(table.get("StorageDescriptor"))
    columns = [*items(sd.get("Columns")), *items(table.get("PartitionKeys"))]
    return [{"name": text(obj(c).get("Name")), "type": text(obj(c).get("Type"))} for c in columns]


def schema_of_table(table: TableMeta) -> list[dict[str, str]]:
    return [{"name": c.name, "type": c.type} for c in (*table.columns, *table.partition_keys)]


def changes(
    before: Sequence[dict[str, str]], after: Sequence[dict[str, str]]
) -> list[SchemaChange]:
    """What turned ``before`` into ``after``. Names compare case-insensitively (Glue stores
    them lowercase), types by their text without white space or case."""
    old = {c["name"].lower(): c for c in before}
    new = {c["name"].lower(): c for c in after}
    found: list[SchemaChange] = []
    for name, column in new.items():
        if name in old and _type(old[name]) != _type(column):
            found.append(SchemaChange("retyped", column["name"], column["type"], old[name]["type"]))
    removed = [c for n, c in old.items() if n not in new]
    added = [c for n, c in new.items() if n not in old]
    position = {c["name"].lower(): i for i, c in enumerate(before)}
    new_position = {c["name"].lower(): i for i, c in enumerate(after)}
    for gone in list(removed):
        twin = next(
            (
                c
                for c in added
                if new_position[c["name"].lower()] == position[gone["name"].lower()]
                and _type(c) == _type(gone)
            ),
            None,
        )
        if twin is not None:
            found.append(SchemaChange("renamed", twin["name"], twin["type"], gone["name"]))
            removed.remove(gone)
            added.remove(twin)
    found += [SchemaChange("removed", c["name"], c["type"]) for c in removed]
    found += [SchemaChange("added", c["name"], c["type"]) for c in added]
    return found


def _type(column: dict[str, str]) -> str:
    return "".join(column.get("type", "").split()).lower()
