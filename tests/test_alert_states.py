"""Alerts that say what is new: new, ongoing (since a day, for N runs) and resolved, from the
reports the earlier runs kept; ``--notify changed`` sends only what changed."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

from data_monitor.model.alert_states import PastAlert, alert_key, compare
from data_monitor.model.checks import AlertCode, Severity
from data_monitor.model.results import Alert
from tests import lake_fixture
from tests.conftest import RunCli, flag_args

DAY1, DAY2, DAY3 = (lake_fixture.AS_OF + dt.timedelta(days=n) for n in (0, 1, 2))
TABLES = "part_clean_01,part_pk"
PK_ALERTS = [
    "[PK_NULL] part_pk: customer_user_id NULL rows=7",
    "[PK_DUPES] part_pk: customer_user_id duplicate rows=10",
]


def run_day(run_cli: RunCli, warehouse: Path, day: dt.date, *extra: str) -> dict:
    # the lake's raw input is dated the day it was built: no lag alert on the later days
    flags = lake_fixture.run_flags() | {"as_of": day.isoformat(), "raw_input_lag_days": "30"}
    run_cli("run", *flag_args(flags), "--warehouse", str(warehouse), "--tables", TABLES, *extra)
    report = (
        warehouse / "s3" / lake_fixture.REPORT_BUCKET / "data-monitor"
        / f"omc_monitor_report_{day.isoformat()}.json"
    )  # fmt: skip
    return json.loads(report.read_text())


def sent(warehouse: Path) -> list[dict[str, str]]:
    path = warehouse / "sns" / "messages.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def partition_dir(warehouse: Path, table: str, bucket: int) -> Path:
    found = sorted(warehouse.glob(f"s3/{lake_fixture.BUCKET}/**/{table}/id_bucket={bucket}"))
    assert len(found) == 1, found
    return found[0]


def states(report: dict) -> dict[str, tuple[str, str, int]]:
    return {d["line"]: (d["state"], d["first_seen"], d["runs"]) for d in report["alert_details"]}


def test_a_defect_appears_persists_and_is_fixed(run_cli: RunCli, warehouse: Path) -> None:
    first = run_day(run_cli, warehouse, DAY1, "--notify", "changed")
    assert first["alerts"] == PK_ALERTS
    assert states(first) == {line: ("new", DAY1.isoformat(), 1) for line in PK_ALERTS}
    assert first["alert_states"] == {"new": 2, "ongoing": 0, "resolved": 0}
    assert first["resolved_alerts"] == [] and first["alert_baseline"] == []

    # day 2: a partition of a clean table goes missing from storage; part_pk is unchanged
    gone = partition_dir(warehouse, "part_clean_01", 3)
    kept = warehouse.parent / "kept-partition"
    shutil.move(gone, kept)
    second = run_day(run_cli, warehouse, DAY2, "--notify", "changed")
    new_lines = [line for line in second["alerts"] if "part_clean_01" in line]
    assert new_lines and all(line.startswith("[") for line in new_lines)
    assert states(second) == {
        **{line: ("ongoing", DAY1.isoformat(), 2) for line in PK_ALERTS},
        **{line: ("new", DAY2.isoformat(), 1) for line in new_lines},
    }
    assert second["alert_states"] == {"new": len(new_lines), "ongoing": 2, "resolved": 0}
    assert second["alert_baseline"] == [first["run_report"]]

    # day 3: the partition is back (the catalog kept it registered)
    shutil.move(kept, gone)
    third = run_day(run_cli, warehouse, DAY3, "--notify", "changed")
    assert states(third) == {line: ("ongoing", DAY1.isoformat(), 3) for line in PK_ALERTS}
    assert [
        (r["line"], r["first_seen"], r["last_seen"], r["runs"]) for r in third["resolved_alerts"]
    ] == [(line, DAY2.isoformat(), DAY2.isoformat(), 1) for line in new_lines]
    assert third["alert_states"] == {"new": 0, "ongoing": 2, "resolved": len(new_lines)}
    # the report keeps every alert, as the seed's does
    assert third["alerts"] == PK_ALERTS

    # --notify changed: day 1 sends the two new alerts, day 2 only the partition's, day 3 the
    # fixed ones; the ongoing ones are counted, not listed
    messages = [m["message"] for m in sent(warehouse)]
    assert len(messages) == 3
    assert messages[0].startswith(
        "[DATA MONITOR] 2 new and 0 resolved issue(s) in omc_test (part_*)\n\n"
        "New since the last run:\n" + "\n".join(PK_ALERTS) + "\n\nReport: "
    )
    assert messages[1].startswith(
        f"[DATA MONITOR] {len(new_lines)} new and 0 resolved issue(s) in omc_test (part_*); "
        "2 ongoing issue(s) not listed\n\nNew since the last run:\n" + "\n".join(new_lines)
    )
    assert not any(line in messages[1] for line in PK_ALERTS)
    assert messages[2].startswith(
        f"[DATA MONITOR] 0 new and {len(new_lines)} resolved issue(s) in omc_test (part_*); "
        "2 ongoing issue(s) not listed\n\nResolved since the last run:\n"
        + "\n".join(f"{line} (open since {DAY2.isoformat()}, 1 run(s))" for line in new_lines)
    )
    subjects = [m["subject"] for m in sent(warehouse)]
    assert subjects[0] == "[DATA MONITOR] omc_test part_* - 2 new, 0 resolved issue(s)"


def test_nothing_changed_sends_nothing_with_notify_changed(
    run_cli: RunCli, warehouse: Path
) -> None:
    run_day(run_cli, warehouse, DAY1, "--notify", "changed")
    again = run_day(run_cli, warehouse, DAY2, "--notify", "changed")
    assert again["alert_states"] == {"new": 0, "ongoing": 2, "resolved": 0}
    assert len(sent(warehouse)) == 1  # day 2 raised the same alerts: no message
    # the default (--notify all) sends every alert every run, in the seed's message
    run_day(run_cli, warehouse, DAY3)
    last = sent(warehouse)[-1]
    assert last["message"].startswith(
        "[DATA MONITOR] 2 issue(s) in omc_test (part_*)\n\n" + "\n".join(PK_ALERTS)
    )
    assert last["subject"] == "[DATA MONITOR] omc_test part_* - 2 issue(s)"


def test_a_table_not_checked_keeps_its_alerts_open(run_cli: RunCli, warehouse: Path) -> None:
    run_day(run_cli, warehouse, DAY1)
    flags = lake_fixture.run_flags() | {"as_of": DAY2.isoformat(), "raw_input_lag_days": "30"}
    args = ["--warehouse", str(warehouse), "--tables", "part_clean_01"]
    run_cli("run", *flag_args(flags), *args)
    # day 2 did not check part_pk: its alerts are not resolved there but carried, still open,
    # and day 3 finds them ongoing since day 1 (raised on 2 runs)
    second = json.loads(
        (
            warehouse / "s3" / lake_fixture.REPORT_BUCKET / "data-monitor"
            / f"omc_monitor_report_{DAY2.isoformat()}.json"
        ).read_text()
    )  # fmt: skip
    assert second["alerts"] == [] and second["resolved_alerts"] == []
    assert [(c["line"], c["first_seen"], c["last_seen"]) for c in second["carried_alerts"]] == [
        (line, DAY1.isoformat(), DAY1.isoformat()) for line in PK_ALERTS
    ]
    third = run_day(run_cli, warehouse, DAY3)
    assert states(third) == {line: ("ongoing", DAY1.isoformat(), 2) for line in PK_ALERTS}
    assert third["resolved_alerts"] == [] and third["carried_alerts"] == []


def test_a_table_whose_checks_errored_keeps_its_alerts(run_cli: RunCli, warehouse: Path) -> None:
    def nosrc(day: dt.date) -> dict:
        flags = lake_fixture.run_flags() | {"as_of": day.isoformat(), "raw_input_lag_days": "30"}
        args = ["--warehouse", str(warehouse), "--tables", "part_nosrc", "--notify", "changed"]
        run_cli("run", *flag_args(flags), *args)
        path = (
            warehouse / "s3" / lake_fixture.REPORT_BUCKET / "data-monitor"
            / f"omc_monitor_report_{day.isoformat()}.json"
        )  # fmt: skip
        return json.loads(path.read_text())

    first = nosrc(DAY1)
    assert first["tables"][0]["status"] == "error" and first["alerts"]
    second = nosrc(DAY2)
    assert second["alerts"] == first["alerts"]
    assert set(states(second).values()) == {("ongoing", DAY1.isoformat(), 2)}
    assert len(sent(warehouse)) == 1  # nothing changed on day 2: no message


def alert(text: str, table: str = "part_x", code: AlertCode = AlertCode.PK_NULL) -> Alert:
    return Alert(code, Severity.HIGH, table, text)


def past(line: str, table: str = "part_x", code: str = "PK_NULL") -> PastAlert:
    return PastAlert(code, "High", table, line, "2026-11-01", 4, "2026-11-19")


def test_numbers_dates_and_lists_of_numbers_are_masked() -> None:
    same = [
        ("customer_user_id NULL rows=7", "customer_user_id NULL rows=1,234"),
        ("snapshot 2026-10-01 is 50 days old", "snapshot 2026-10-02 is 51 days old"),
        ("missing in storage: 3, 9 (2 of 16)", "missing in storage: 3, 7, 12 (3 of 16)"),
        ("diff 2.564103% > 1.0%", "diff 12.5% > 1.0%"),
    ]
    for before, after in same:
        assert alert_key("X", "t", before) == alert_key("X", "t", after), (before, after)
    differ = [
        ("column a retyped", "column b retyped"),
        ("count above the mean", "count below the mean"),
    ]
    for before, after in differ:
        assert alert_key("X", "t", before) != alert_key("X", "t", after)
    assert alert_key("X", "t", "a") != alert_key("Y", "t", "a")
    assert alert_key("X", "t", "a") != alert_key("X", "u", "a")


def test_resolution_only_for_tables_looked_at_in_full() -> None:
    previous = [
        past("[PK_NULL] part_x: rows=3"),
        past("[PK_NULL] part_y: rows=3", table="part_y"),
    ]
    now = [alert("rows=5")]
    result = compare(now, previous, {"part_x"}, "2026-11-20")
    assert result.tracks[alert_key("PK_NULL", "part_x", "rows=5")].state == "ongoing"
    assert result.tracks[alert_key("PK_NULL", "part_x", "rows=5")].runs == 5
    assert result.resolved == []  # part_y was not checked in full: no verdict on it
    fixed = compare([], previous, {"part_x", "part_y"}, "2026-11-20")
    assert [p.line for p in fixed.resolved] == [p.line for p in previous]
