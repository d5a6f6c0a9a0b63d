"""Past runs read back from the reports: the volume check against them."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from custom_expectations.expect_row_count_to_follow_history import volume_verdict
from tests import lake_fixture
from tests.conftest import RunCli, flag_args, read_report


def past_report(
    warehouse: Path, day: dt.date, stamp: str, counts: dict[str, int], snapshot: str = ""
) -> Path:
    runs = warehouse / "s3" / lake_fixture.REPORT_BUCKET / "data-monitor" / "runs"
    runs.mkdir(parents=True, exist_ok=True)
    path = runs / f"omc_monitor_report_{day}_{stamp}_abcd1234.json"
    rows = [
        {"table": t, "count_part": c, "status": "ok", "raw_input_snapshot_dt": snapshot}
        for t, c in counts.items()
    ]
    path.write_text(json.dumps({"tables": rows, "partial": False}))
    return path


def run(run_cli: RunCli, warehouse: Path, *extra: str) -> tuple[int, str, str]:
    return run_cli(
        "run",
        *flag_args(lake_fixture.run_flags()),
        "--warehouse",
        str(warehouse),
        "--tables",
        "part_clean_01,part_clean_02",
        *extra,
    )


def test_a_drop_against_history_is_a_volume_anomaly(run_cli: RunCli, warehouse: Path) -> None:
    as_of = lake_fixture.AS_OF
    for days_back in range(1, 6):
        day = as_of - dt.timedelta(days=days_back)
        past_report(
            warehouse,
            day,
            f"{day:%Y%m%d}T060000Z",
            {"part_clean_01": 5000, "part_clean_02": 2000 + days_back},
        )
    # outside the 30-day window, and unreadable: both ignored
    past_report(warehouse, as_of - dt.timedelta(days=40), "20261011T060000Z", {"part_clean_01": 1})
    runs = warehouse / "s3" / lake_fixture.REPORT_BUCKET / "data-monitor" / "runs"
    (runs / "omc_monitor_report_2026-11-19_20261119T070000Z_broken00.json").write_text("{not")
    code, _, _ = run(run_cli, warehouse)
    report = read_report(warehouse)
    assert report["alerts"] == [
        "[VOLUME_ANOMALY] part_clean_01: 2,000 rows vs a mean of 5,000.0 over the last 5 runs "
        "(-60.0%, z=inf)"
    ]
    rows = {r["table"]: r for r in report["tables"]}
    assert rows["part_clean_02"]["volume_check"] == "normal (-0.15% vs 5 runs)"
    assert code == 1


def test_too_short_a_history_is_not_judged(run_cli: RunCli, warehouse: Path) -> None:
    run(run_cli, warehouse)
    run(run_cli, warehouse)
    report = read_report(warehouse)
    assert report["alerts"] == []
    rows = {r["table"]: r for r in report["tables"]}
    assert rows["part_clean_01"]["volume_check"] == "not judged: 1 of 5 past runs"


def test_volume_verdict_rules() -> None:
    flat = [1000] * 6
    assert volume_verdict(1000, flat, 50, 3, 1, 5)["success"] is True
    assert volume_verdict(1005, flat, 50, 3, 1, 5)["success"] is True  # z=inf, but 0.5% only
    assert volume_verdict(1020, flat, 50, 3, 1, 5)["success"] is False  # 2% off a flat line
    noisy = [900, 1100, 950, 1050, 1000]
    assert volume_verdict(1080, noisy, 50, 3, 1, 5)["success"] is True  # within 3 sigma
    assert volume_verdict(400, noisy, 50, 3, 1, 5)["success"] is False  # -60%
    assert volume_verdict(5, [1, 2], 50, 3, 1, 5) == {
        "success": True,
        "state": "insufficient history",
        "points": 2,
        "min_history": 5,
    }


def test_a_snapshot_date_that_stopped_moving_is_flagged(run_cli: RunCli, warehouse: Path) -> None:
    as_of = lake_fixture.AS_OF
    current = (as_of - dt.timedelta(days=1)).isoformat()  # what the lake's markers hold
    for days_back in range(1, 8):
        day = as_of - dt.timedelta(days=days_back)
        past_report(
            warehouse,
            day,
            f"{day:%Y%m%d}T060000Z",
            {"part_clean_01": 2000, "part_clean_02": 2000},
            snapshot=current,
        )
    run(run_cli, warehouse)
    report = read_report(warehouse)
    assert report["alerts"] == [
        f"[FRESHNESS_STALLED] {t}: snapshot date {current} has not changed for 7 runs (limit 7)"
        for t in ("part_clean_01", "part_clean_02")
    ]


def test_unchanged_runs_counts_the_latest_streak() -> None:
    from custom_expectations.expect_snapshot_to_advance import unchanged_runs

    assert unchanged_runs("2026-11-19", ["2026-11-18", "2026-11-19", "2026-11-19"]) == 2
    assert unchanged_runs("2026-11-20", ["2026-11-19", "2026-11-19"]) == 0
    assert unchanged_runs("2026-11-19", []) == 0
