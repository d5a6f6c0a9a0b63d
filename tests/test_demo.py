"""``data-monitor demo`` (what ``make demo`` runs) from a clean folder, as a user runs it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_demo_builds_a_warehouse_and_reports_every_seeded_defect(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "data_monitor", "demo", "--warehouse", "wh"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    out = done.stdout
    assert "checked 10 table(s): 13 alert(s)" in out
    paths = dict(
        line.split(":", 1)
        for line in out.splitlines()
        if line.startswith(("JSON report:", "CSV report:", "alert:", "Data Docs:"))
    )
    assert set(paths) == {"JSON report", "CSV report", "alert", "Data Docs"}
    report = tmp_path / paths["JSON report"].strip()
    assert report == tmp_path / "wh/s3/demo-reports/data-monitor" / report.name
    document = json.loads(report.read_text())
    codes = {line.split("]")[0] + "]" for line in document["alerts"]}
    assert codes >= {
        "[S3_PARTITIONS]",
        "[ALERT]",
        "[COUNT_MISMATCH]",
        "[PK_NULL]",
        "[PK_DUPES]",
        "[CONTRACT]",
        "[FRESHNESS]",
        "[FILE_SIZE]",
        "[CLEAN_ROOMS_EMPTY_PARTITIONS]",
        "[SCHEMA_CHANGE]",
    }
    behind = [a for a in document["alerts"] if "is behind raw input" in a]
    assert [a.split(":")[0] for a in behind] == ["[FRESHNESS] part_ibe_05"]
    clean = [t["table"] for t in document["tables"] if not t["alerts"]]
    assert clean == ["part_ibe_01", "part_ibe_02", "part_ibe_08"]
    assert (tmp_path / paths["Data Docs"].strip()).is_file()
    assert (tmp_path / paths["alert"].strip()).is_file()
    # the demo is repeatable: a second run rebuilds the warehouse and reports the same
    again = subprocess.run(
        [sys.executable, "-m", "data_monitor", "demo", "--warehouse", "wh"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert again.returncode == 0
    assert "checked 10 table(s): 13 alert(s)" in again.stdout
