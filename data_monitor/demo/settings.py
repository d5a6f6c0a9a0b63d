"""``data-monitor demo``: a warehouse with seeded defects, and one monitor run over it.

The demo database holds clean tables and tables with every kind of defect the monitor reports
(see ``specs.demo_tables``). The run uses the local backend, as ``make demo`` does on a fresh
machine, with the file-size check on and thresholds scaled to the demo's small files.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from data_monitor.model.settings import Settings

DEMO_DATABASE = "omc_flywheel_demo"
DEMO_BUCKET = "demo-lake"
DEMO_REPORT_BUCKET = "demo-reports"
# The demo's files hold a few hundred rows (tens of KB): the seed's 64-1024 MB range would flag
# every file. This range flags only the seeded 1-row files.
DEMO_FILE_SIZE_MB = (0.004, 256.0)


def demo_settings(warehouse: Path, as_of: dt.date) -> Settings:
    return Settings(
        database=DEMO_DATABASE,
        report_bucket=DEMO_REPORT_BUCKET,
        warehouse=warehouse,
        as_of=as_of,
        file_size_check=True,
        file_size_min_mb=DEMO_FILE_SIZE_MB[0],
        file_size_max_mb=DEMO_FILE_SIZE_MB[1],
    )
