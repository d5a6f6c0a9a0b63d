"""``data-monitor report``: where the latest run summary is (and open it)."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    pass


LOG = logging.getLogger("data_monitor")


def report_command(bucket: str, prefix: str, warehouse: Path | None, open_it: bool) -> int:
    """Print (and optionally open) the latest run summary."""
    uri = f"s3://{bucket}/{prefix}summary/latest.html"
    if warehouse is None:
        print(uri)
        return 0
    path = (warehouse / "s3" / bucket / prefix / "summary" / "latest.html").resolve()
    if not path.is_file():
        print(f"data-monitor report: no run summary at {path} yet", file=sys.stderr)
        return 1
    print(path)
    if open_it:
        import webbrowser

        webbrowser.open(path.as_uri())
    return 0
