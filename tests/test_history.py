"""Past runs read back from the reports, one observation per day: the volume and stall checks."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from custom_expectations.expect_row_count_to_follow_history import volume_verdict
from data_monitor.backends.base import BackendError, Store, StoredObject
from data_monitor.backends.local.store import LocalStore
from data_monitor.lake.history import read_history
from data_monitor.model.settings import Settings
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
        "[VOLUME_ANOMALY] part_clean_01: 2,000 rows vs a mean of 5,000.0 over the last 5 days "
        "(-60.0%, z=inf)"
    ]
    rows = {r["table"]: r for r in report["tables"]}
    assert rows["part_clean_02"]["volume_check"] == "normal (-0.15% vs 5 days)"
    assert code == 1


def test_too_short_a_history_is_not_judged(run_cli: RunCli, warehouse: Path) -> None:
    yesterday = lake_fixture.AS_OF - dt.timedelta(days=1)
    run(run_cli, warehouse, "--as_of", yesterday.isoformat())
    run(run_cli, warehouse)
    report = read_report(warehouse)
    assert report["alerts"] == []
    rows = {r["table"]: r for r in report["tables"]}
    assert rows["part_clean_01"]["volume_check"] == "not judged: 1 of 5 past days"


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
        f"[FRESHNESS_STALLED] {t}: snapshot date {current} has not changed for 7 days (limit 7)"
        for t in ("part_clean_01", "part_clean_02")
    ]


def test_unchanged_runs_counts_the_latest_streak() -> None:
    from custom_expectations.expect_snapshot_to_advance import unchanged_runs

    assert unchanged_runs("2026-11-19", ["2026-11-18", "2026-11-19", "2026-11-19"]) == 2
    assert unchanged_runs("2026-11-20", ["2026-11-19", "2026-11-19"]) == 0
    assert unchanged_runs("2026-11-19", []) == 0


def test_reruns_of_a_day_are_one_observation(run_cli: RunCli, warehouse: Path) -> None:
    day, next_day = lake_fixture.AS_OF - dt.timedelta(days=1), lake_fixture.AS_OF
    for _ in range(8):  # counted per run, the 8th saw 7 unchanged dates: a false stall
        code, out, _ = run(run_cli, warehouse, "--as_of", day.isoformat())
        assert (code, "FRESHNESS_STALLED" in out) == (0, False), out
    for _ in range(2):  # and a re-run of the next day does not count that day's first run
        code, out, _ = run(run_cli, warehouse, "--as_of", next_day.isoformat())
        assert code == 0, out
        report = read_report(warehouse)
        assert report["alerts"] == []
        rows = {r["table"]: r for r in report["tables"]}
        assert rows["part_clean_01"]["volume_check"] == "not judged: 1 of 5 past days"
    settings = Settings(
        database=lake_fixture.DATABASE, report_bucket=lake_fixture.REPORT_BUCKET, as_of=next_day
    )
    history = read_history(LocalStore(warehouse), settings)
    assert history["part_clean_01"].row_counts == [lake_fixture.ROWS]
    assert history["part_clean_01"].snapshot_dates == [day.isoformat()]


def test_a_day_is_its_latest_run_and_reruns_do_not_shrink_the_variance(
    run_cli: RunCli, warehouse: Path
) -> None:
    as_of = lake_fixture.AS_OF
    per_day = [1800, 2000, 1850, 1950, 1900]  # oldest first; the lake's tables hold 2,000 rows
    for days_back, count in zip(range(5, 0, -1), per_day, strict=True):
        day = as_of - dt.timedelta(days=days_back)
        tables = {"part_clean_01": count, "part_clean_02": count}
        past_report(warehouse, day, f"{day:%Y%m%d}T050000Z", dict.fromkeys(tables, 1))
        past_report(warehouse, day, f"{day:%Y%m%d}T060000Z", tables)  # the day's latest: wins
    yesterday = as_of - dt.timedelta(days=1)
    for minute in range(40):  # 40 re-runs of yesterday: counted per run, z would be 4.2
        counts = {"part_clean_01": 1900, "part_clean_02": 1900}
        past_report(warehouse, yesterday, f"{yesterday:%Y%m%d}T07{minute:02d}00Z", counts)
    code, _, _ = run(run_cli, warehouse)
    report = read_report(warehouse)
    assert report["alerts"] == []
    rows = {r["table"]: r for r in report["tables"]}
    assert rows["part_clean_01"]["volume_check"] == "normal (5.26% vs 5 days)"
    assert volume_verdict(2000, per_day, 50, 3, 1, 5)["z_score"] == 1.41
    assert volume_verdict(2000, per_day + [1900] * 39, 50, 3, 1, 5)["success"] is False
    assert code == 0


class DenyingStore:
    """A store that refuses to read one object, as S3 does without s3:GetObject on it."""

    def __init__(self, inner: Store, denied: str) -> None:
        self.inner, self.denied = inner, denied

    def list_objects(self, uri: str) -> list[StoredObject]:
        return self.inner.list_objects(uri)

    def read_text(self, uri: str, max_bytes: int) -> str | None:
        if uri == self.denied:
            raise BackendError(f"read {uri}: AccessDenied: Access Denied")
        return self.inner.read_text(uri, max_bytes)


def write_past_days(warehouse: Path, counts: list[int]) -> list[str]:
    """One report per day before AS_OF (oldest first); their s3:// URIs."""
    uris = []
    for days_back, count in zip(range(len(counts), 0, -1), counts, strict=True):
        day = lake_fixture.AS_OF - dt.timedelta(days=days_back)
        path = past_report(
            warehouse,
            day,
            f"{day:%Y%m%d}T060000Z",
            {"part_clean_01": count, "part_clean_02": count},
        )
        uris.append("s3://" + path.relative_to(warehouse / "s3").as_posix())
    return uris


def test_an_unreadable_report_costs_its_day_only(warehouse: Path) -> None:
    uris = write_past_days(warehouse, [2001, 2002, 2003, 2004])
    store = DenyingStore(LocalStore(warehouse), uris[1])
    settings = Settings(
        database=lake_fixture.DATABASE,
        report_bucket=lake_fixture.REPORT_BUCKET,
        as_of=lake_fixture.AS_OF,
    )
    skipped: list[str] = []
    history = read_history(store, settings, skipped)
    assert history["part_clean_01"].row_counts == [2001, 2003, 2004]
    assert skipped == [
        f"past report {uris[1]} could not be read and was skipped: AccessDenied: Access Denied"
    ]
    assert read_history(store, settings)["part_clean_02"].row_counts == [2001, 2003, 2004]


def test_a_run_names_the_past_report_it_could_not_read(
    run_cli: RunCli, warehouse: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    uris = write_past_days(warehouse, [1990, 2010, 1995, 2005, 2000, 1000])
    read_text = LocalStore.read_text

    def deny_one(self: LocalStore, uri: str, max_bytes: int) -> str | None:
        if uri == uris[-1]:
            raise BackendError(f"read {uri}: AccessDenied: Access Denied")
        return read_text(self, uri, max_bytes)

    monkeypatch.setattr(LocalStore, "read_text", deny_one)
    code, out, err = run(run_cli, warehouse)
    report = read_report(warehouse)
    line = f"past report {uris[-1]} could not be read and was skipped: AccessDenied: Access Denied"
    assert report["failures"] == [line]
    assert f"FAILED: {line}" in out
    assert f"skipping past report {uris[-1]}: it could not be read" in err  # the log
    # the other five days still make a history: judged, and normal without the odd 1,000
    assert report["alerts"] == []
    rows = {r["table"]: r for r in report["tables"]}
    assert rows["part_clean_01"]["volume_check"] == "normal (0.0% vs 5 days)"
    assert code == 3  # a report the run could not read is a failure of the run, named
