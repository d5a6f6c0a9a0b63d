"""The Clean Rooms configured tables of ``--clean_rooms_membership``, read once per run."""

from __future__ import annotations

from dataclasses import dataclass, field

from data_monitor.backends.base import Backend, BackendError
from data_monitor.model.configured_tables import ConfiguredTable
from data_monitor.model.settings import Settings


@dataclass(frozen=True)
class Membership:
    id: str
    tables: list[ConfiguredTable] = field(default_factory=list)
    error: str | None = None  # why its configured tables could not be read

    def record_for(self, database: str, table: str) -> dict[str, object]:
        """The inventory's view: the membership and its configured tables reading ``table``."""
        reading = [t for t in self.tables if (t.database, t.table) == (database, table)]
        return {"membership": self.id, "tables": [t.record() for t in reading]}


def read_membership(backend: Backend, settings: Settings) -> Membership | None:
    """None when no membership is given; a membership whose tables could not be read says
    why (each table's check then reports it, the run goes on)."""
    membership = settings.clean_rooms_membership
    if membership is None:
        return None
    if backend.clean_rooms is None:
        return Membership(membership, error=f"the {backend.name} backend has no Clean Rooms API")
    try:
        return Membership(membership, backend.clean_rooms.of_membership(membership))
    except BackendError as exc:
        return Membership(membership, error=str(exc))
