"""--fail_on: which outcomes make the exit code non-zero. The run itself (checks, report, alert)
is the same in every mode; only the exit code the scheduler sees changes.

    outcome                                  alerts (default)  errors  never
    every check ran, no issue                0                 0       0
    every check ran, issues found, alerted   1                 0       0
    a check could not run / not delivered    3                 3       0
    bad flags or suites                      2                 2       2
    unexpected crash                         3                 3       3
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests import lake_fixture
from tests.conftest import RunCli, flag_args, read_report

ROOT = Path(__file__).resolve().parents[1]
ALERTS_ONLY = "part_pk"  # [PK_NULL] and [PK_DUPES]: every check ran
CHECK_NOT_RUN = "part_nosrc"  # [ERROR]: its source table is missing

CASES = [
    ("part_clean_01", None, 0, "exit code 0 (ok)"),
    ("part_clean_01", "never", 0, "exit code 0 (ok)"),
    (ALERTS_ONLY, None, 1, "exit code 1 (alerts)"),
    (ALERTS_ONLY, "alerts", 1, "exit code 1 (alerts)"),
    (ALERTS_ONLY, "errors", 0, "exit code 0 (alerts, not a failure with --fail_on errors)"),
    (ALERTS_ONLY, "never", 0, "exit code 0 (alerts, not a failure with --fail_on never)"),
    (CHECK_NOT_RUN, "alerts", 3, "exit code 3 (incomplete)"),
    (CHECK_NOT_RUN, "errors", 3, "exit code 3 (incomplete)"),
    (CHECK_NOT_RUN, "never", 0, "exit code 0 (incomplete, not a failure with --fail_on never)"),
]


def run_tables(run_cli: RunCli, warehouse: Path, tables: str, *extra: str) -> tuple[int, str, str]:
    args = flag_args(lake_fixture.run_flags())
    return run_cli("run", *args, "--warehouse", str(warehouse), "--tables", tables, *extra)


def sent_alerts(warehouse: Path) -> list[dict[str, str]]:
    path = warehouse / "sns" / "messages.jsonl"
    lines = path.read_text().splitlines() if path.is_file() else []
    return [json.loads(line) for line in lines]


@pytest.mark.parametrize(
    ("tables", "fail_on", "code", "summary"),
    CASES,
    ids=[f"{t}-{mode or 'default'}" for t, mode, _, _ in CASES],
)
def test_exit_code_under_each_mode(
    run_cli: RunCli, warehouse: Path, tables: str, fail_on: str | None, code: int, summary: str
) -> None:
    extra = ["--fail_on", fail_on] if fail_on else []
    got, out, err = run_tables(run_cli, warehouse, tables, *extra)
    assert got == code, err[-3000:]
    assert out.rstrip().splitlines()[-1] == summary
    # the mode changes nothing but the exit code: same report, same alert
    report = read_report(warehouse)
    assert [row["table"] for row in report["tables"]] == [tables]
    assert len(sent_alerts(warehouse)) == (0 if tables == "part_clean_01" else 1)


def test_alert_not_delivered_still_fails_under_errors(run_cli: RunCli, warehouse: Path) -> None:
    """ "errors" forgives issues found only when the alert went out: an undelivered alert is
    the case the scheduler must see."""
    (warehouse / "sns" / "messages.jsonl").mkdir(parents=True)  # appending to it fails
    code, out, err = run_tables(run_cli, warehouse, ALERTS_ONLY, "--fail_on", "errors")
    assert code == 3, err[-3000:]
    assert "FAILED: alert could not be sent" in out
    assert out.rstrip().splitlines()[-1] == "exit code 3 (incomplete)"
    assert read_report(warehouse)["alerts"][0].startswith("[PK_NULL] part_pk")


def test_bad_flags_exit_2_whatever_the_mode(run_cli: RunCli, warehouse: Path) -> None:
    code, out, err = run_tables(
        run_cli, warehouse, ALERTS_ONLY, "--fail_on", "never", "--bucket_count", "x"
    )
    assert (code, out) == (2, "")
    assert "--bucket_count: 'x' is not an integer >= 1" in err


def test_a_crash_exits_3_even_with_never(
    run_cli: RunCli, warehouse: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A crash may have sent no report and no alert: the exit code is the only news left."""
    from data_monitor.run import monitor

    def crash(settings: object, stop: object = None) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(monitor, "run", crash)
    code, _, err = run_tables(run_cli, warehouse, ALERTS_ONLY, "--fail_on", "never")
    assert code == 3
    assert "RuntimeError: disk on fire" in err


@pytest.mark.slow
def test_runner_py_exits_0_on_alerts_with_fail_on_errors(warehouse: Path, tmp_path: Path) -> None:
    """What Glue runs: runner.py's process exit status, not just main()'s return value."""
    args = flag_args(lake_fixture.run_flags())
    done = subprocess.run(
        [sys.executable, str(ROOT / "runner.py"), *args, "--warehouse", str(warehouse)]
        + ["--tables", ALERTS_ONLY, "--fail_on", "errors", "--JOB_ID", "j_1"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "exit code 0 (alerts, not a failure with --fail_on errors)" in done.stdout
    assert len(sent_alerts(warehouse)) == 1
