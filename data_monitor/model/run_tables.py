"""The Glue definitions of the tables a run's queries may read, handed to its SQL engines.

Both dialects answer SQLAlchemy's inspector from it (``backends/table_columns``), and the key
scan reads it to leave out a count source the catalog does not have. It travels as a
SQLAlchemy execution option (``TABLES_OPTION``), like the run's stop control.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Collection

from data_monitor.model.catalog import TableMeta

TABLES_OPTION = "data_monitor_tables"  # the SQLAlchemy execution option holding TableColumns


class TableColumns:
    """The Glue definitions of the tables a run's queries may read, by (database, table).

    The engine records each table it exposes; any other table of ``databases`` is looked up in
    the catalog on first use (``lookup``), so an expectation naming another table works as on
    Athena, which sees the whole Glue database. Thread-safe: the run's workers share it.
    """

    def __init__(
        self,
        default_database: str,
        databases: Collection[str],
        lookup: Callable[[str, str], TableMeta | None],
        on_first_use: Callable[[TableMeta], None] | None = None,
    ) -> None:
        self.default_database = default_database
        self.databases = frozenset(databases) | {default_database}
        self._lookup = lookup
        self._on_first_use = on_first_use  # e.g. the local engine creates the table's view
        self._tables: dict[tuple[str, str], TableMeta | None] = {}
        self._lock = threading.Lock()

    def record(self, table: TableMeta) -> None:
        with self._lock:
            self._tables[(table.database, table.name)] = table

    def known(self, database: str | None, name: str) -> bool:
        """True when the table was recorded or looked up already."""
        with self._lock:
            return (database or self.default_database, name) in self._tables

    def table(self, database: str | None, name: str) -> TableMeta | None:
        """The table's Glue definition; None for a table of another database (the job reads
        only its own) or one the catalog does not have."""
        key = (database or self.default_database, name)
        if key[0] not in self.databases:
            return None
        with self._lock:
            if key in self._tables:
                return self._tables[key]
        found = self._lookup(*key)
        with self._lock:
            first = key not in self._tables
            self._tables.setdefault(key, found)
            found = self._tables[key]
        if first and found is not None and self._on_first_use is not None:
            self._on_first_use(found)
        return found

    def ensure(self, qualified_names: Collection[str]) -> None:
        """Look up (and so make readable) each ``db.table`` or ``table`` not seen yet."""
        for qualified in qualified_names:
            database, _, name = qualified.rpartition(".")
            if not self.known(database or None, name):
                self.table(database or None, name)

    def execution_options(self) -> dict[str, object]:
        return {TABLES_OPTION: self}


def tables_of(connection: object) -> TableColumns | None:
    """The TableColumns a SQLAlchemy connection's engine carries, if it carries one."""
    options = getattr(connection, "get_execution_options", None)
    found = options().get(TABLES_OPTION) if callable(options) else None
    return found if isinstance(found, TableColumns) else None
