"""The wheel a Glue job installs carries the custom expectations and the suites."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_wheel_ships_suites_and_finds_them_when_installed(tmp_path: Path) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--wheel-dir",
            str(tmp_path / "dist"),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    wheel = next((tmp_path / "dist").glob("data_monitor-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "data_monitor/gx/expectations/part_table_data.json" in names
    assert "data_monitor/gx/expectations/part_table_metadata.json" in names
    assert "custom_expectations/expect_snapshot_to_be_fresh.py" in names
    assert "data_monitor/backends/athena.py" in names
    target = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(target)
    probe = (
        "from data_monitor.suites import default_gx_dir, load_suite_files;"
        "d = default_gx_dir(); print(d); print(len(load_suite_files(d)))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin"},
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    location, count = done.stdout.split()
    assert Path(location) == target / "data_monitor" / "gx"
    assert count == "2"
