"""Snapshot markers: where a table's marker is, and the date it holds."""

from __future__ import annotations

import re
from datetime import date

from data_monitor.model.catalog import TableMeta

# ASCII only: \d alone would also take other scripts' digits.
DATE_TEXT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def marker_uri(template: str, table: TableMeta) -> str:
    """``--snapshot_marker`` (``{location}``, ``{table}``, ``{database}``) for ``table``."""
    return template.format(location=table.location, table=table.name, database=table.database)


def marker_date(text: str) -> date | None:
    """The marker's date (``YYYY-MM-DD`` and nothing else but white space), or None."""
    stripped = text.strip()
    if not DATE_TEXT.fullmatch(stripped):
        return None
    try:
        return date.fromisoformat(stripped)
    except ValueError:  # e.g. 2024-02-30
        return None
