"""``data-monitor suites check``: validate every suite file."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    pass


LOG = logging.getLogger("data_monitor")


def suites_check(gx_dir: Path | None) -> int:
    from data_monitor.validation.suites import SuiteError, default_gx_dir, load_suite_files

    folder = gx_dir or default_gx_dir()
    try:
        suites = load_suite_files(folder)
    except SuiteError as exc:
        print(exc, file=sys.stderr)
        return 1
    for suite in suites:
        overrides = f", {len(suite.overrides)} override(s)" if suite.overrides else ""
        print(
            f"{suite.path}: {len(suite.expectations)} expectation(s){overrides}, "
            f"batch {suite.batch}: ok"
        )
    return 0
