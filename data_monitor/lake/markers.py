"""Reading a snapshot marker (a part table's, or its source's)."""

from __future__ import annotations

from data_monitor.backends.base import Store

MARKER_MAX_BYTES = 4096


def read_marker(store: Store, uri: str) -> str | None:
    """The marker's text, None when there is none; one larger than a date could ever need is
    reported as such, not cut to a prefix that might happen to parse."""
    text = store.read_text(uri, MARKER_MAX_BYTES + 1)
    if text is not None and len(text.encode()) > MARKER_MAX_BYTES:
        return f"{text[:20].strip()}... (more than {MARKER_MAX_BYTES} bytes)"
    return text
