"""Adding an expectation declaratively, exactly as the README's walk-through says."""

from __future__ import annotations

import json
import logging
import re
import shutil
from pathlib import Path

import pytest

from tests import lake_fixture
from tests.conftest import RunCli, flag_args, read_report
from tests.test_data_docs import page_text

ROOT = Path(__file__).resolve().parents[1]


def readme_walkthrough() -> tuple[str, str, str]:
    """(file path, JSON text, expected alert line) as the README shows them."""
    readme = (ROOT / "README.md").read_text()
    match = re.search(r"<!-- walkthrough: (\S+) -->\n```json\n(.*?)```", readme, re.S)
    assert match, "the README's walk-through snippet is missing"
    alert = re.search(r"^(\[EXPECTATION\] part_pk: .*)$", readme, re.M)
    assert alert, "the README's example alert line is missing"
    return match[1], match[2], alert[1]


def test_readme_walkthrough_adds_an_alert_for_one_table(
    run_cli: RunCli, warehouse: Path, tmp_path: Path
) -> None:
    path, snippet, readme_alert = readme_walkthrough()
    gx_dir = tmp_path / "gx"
    shutil.copytree(ROOT / "gx", gx_dir)
    (gx_dir / path.removeprefix("gx/")).write_text(snippet)
    code, out, _ = run_cli("suites", "check", "--gx_dir", str(gx_dir))
    assert code == 0
    assert "part_table_data.part_pk.json: 1 expectation(s), batch table: ok" in out
    run_cli(
        "run",
        *flag_args(lake_fixture.run_flags()),
        "--warehouse",
        str(warehouse),
        "--gx_dir",
        str(gx_dir),
        "--tables",
        "part_pk,part_clean_01",
    )
    report = read_report(warehouse)
    added = [a for a in report["alert_details"] if a["code"] == "EXPECTATION"]
    assert [a["line"] for a in added] == [readme_alert]  # part_clean_01 does not get it
    assert added[0]["severity"] == "Low"
    sent = json.loads((warehouse / "sns" / "messages.jsonl").read_text().splitlines()[-1])
    assert readme_alert in sent["message"].splitlines()
    pages = list((warehouse / "data-docs" / "validations").rglob("*part_pk.html"))
    text = " ".join(p.read_text() for p in pages)
    assert "values must belong to this set" in text


def test_a_shared_expectation_runs_on_every_table(
    run_cli: RunCli, warehouse: Path, tmp_path: Path
) -> None:
    gx_dir = tmp_path / "gx"
    shutil.copytree(ROOT / "gx", gx_dir)
    suite_path = gx_dir / "expectations" / "part_table_data.json"
    suite = json.loads(suite_path.read_text())
    suite["expectations"].append(
        {
            "type": "expect_column_values_to_not_be_null",
            "kwargs": {"column": "segment"},
            "meta": {"severity": "High", "alert_code": "SEGMENT_NULL"},
        }
    )
    suite_path.write_text(json.dumps(suite))
    code, _, _ = run_cli(
        "run",
        *flag_args(lake_fixture.run_flags()),
        "--warehouse",
        str(warehouse),
        "--gx_dir",
        str(gx_dir),
        "--tables",
        "part_pk,part_clean_01",
    )
    assert code == 1
    report = read_report(warehouse)
    assert [a for a in report["alerts"] if "SEGMENT_NULL" in a] == []  # segment is never NULL
    rows = {r["table"]: r for r in report["tables"]}
    assert rows["part_clean_01"]["alerts"] == []


def test_a_per_table_file_without_its_shared_suite_is_refused(
    run_cli: RunCli, tmp_path: Path
) -> None:
    gx_dir = tmp_path / "gx"
    shutil.copytree(ROOT / "gx", gx_dir)
    (gx_dir / "expectations" / "part_table_dta.part_pk.json").write_text('{"expectations": []}')
    code, _, err = run_cli("suites", "check", "--gx_dir", str(gx_dir))
    assert code == 1
    assert (
        "part_table_dta.part_pk.json: adds to suite 'part_table_dta' for table part_pk, "
        "but there is no part_table_dta.json" in err
    )


def test_a_bad_severity_is_refused(run_cli: RunCli, tmp_path: Path) -> None:
    gx_dir = tmp_path / "gx"
    shutil.copytree(ROOT / "gx", gx_dir)
    path = gx_dir / "expectations" / "part_table_data.json"
    suite = json.loads(path.read_text())
    suite["expectations"][0]["meta"]["severity"] = "Critical"
    path.write_text(json.dumps(suite))
    code, _, err = run_cli("suites", "check", "--gx_dir", str(gx_dir))
    assert code == 1
    assert (
        "expectations[0] (expect_primary_key_values_to_not_be_null): meta.severity is "
        "'Critical', expected High|Medium|Low" in err
    )


def test_per_table_overrides_change_or_switch_off_a_shared_check(
    run_cli: RunCli, warehouse: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    gx_dir = tmp_path / "gx"
    shutil.copytree(ROOT / "gx", gx_dir)
    expectations = gx_dir / "expectations"
    # part_count is 50 rows (2.5 %) short of its source: within 3 % for this table only
    (expectations / "part_table_data.part_count.json").write_text(
        json.dumps(
            {
                "overrides": [
                    {
                        "type": "expect_row_count_to_match_source",
                        "kwargs": {"tolerance_pct": 3},
                        "meta": {"severity": "Low"},
                    }
                ]
            }
        )
    )
    (expectations / "part_table_metadata.part_tiny.json").write_text(
        json.dumps({"overrides": [{"type": "expect_file_sizes_in_range", "enabled": False}]})
    )
    code, out, _ = run_cli("suites", "check", "--gx_dir", str(gx_dir))
    assert code == 0, out
    assert (
        "part_table_data.part_count.json: 0 expectation(s), 1 override(s), batch table: ok" in out
    )
    flags = [*flag_args(lake_fixture.run_flags()), "--warehouse", str(warehouse)]
    tables = "part_count,part_tiny,part_pk"
    run_cli("run", *flags, "--tables", tables)
    before = read_report(warehouse)["alerts"]
    assert any(a.startswith("[COUNT_MISMATCH] part_count:") for a in before)
    assert any(a.startswith("[FILE_SIZE] part_tiny:") for a in before)
    (expectations / "part_table_data.part_cuont.json").write_text('{"expectations": []}')
    with caplog.at_level(logging.WARNING, logger="data_monitor"):
        run_cli("run", *flags, "--tables", tables, "--gx_dir", str(gx_dir))
    assert (
        f"{expectations / 'part_table_data.part_cuont.json'}: no table part_cuont in "
        f"{lake_fixture.DATABASE}; this file applies to nothing" in caplog.messages
    )
    after = read_report(warehouse)["alerts"]
    assert [
        a
        for a in before
        if not a.startswith(("[COUNT_MISMATCH] part_count:", "[FILE_SIZE] part_tiny:"))
    ] == after
    # the other tables keep the shared thresholds: part_pk's checks are unchanged
    assert any(a.startswith("[PK_NULL] part_pk:") for a in after)
    pages = (warehouse / "data-docs" / "validations").rglob("tables-*part_count.html")
    texts = [page_text(p) for p in pages]
    assert sum("within 3.0 percent. 2,000 vs 1,950 (2.564103%)" in t for t in texts) == 1


def test_a_bad_override_is_refused(run_cli: RunCli, tmp_path: Path) -> None:
    gx_dir = tmp_path / "gx"
    shutil.copytree(ROOT / "gx", gx_dir)
    expectations = gx_dir / "expectations"
    (expectations / "part_table_data.part_pk.json").write_text(
        json.dumps(
            {
                "overrides": [
                    {"type": "expect_snapshot_to_be_fresh", "kwargs": {}},
                    {"type": "expect_row_count_to_match_source", "kwargs": {"tolerance": 3}},
                    {"type": "expect_row_count_to_match_source", "enabled": "no"},
                ]
            }
        )
    )
    (expectations / "part_table_metadata.json").write_text(
        json.dumps(
            {**json.loads((expectations / "part_table_metadata.json").read_text()), "overrides": []}
        )
    )
    code, _, err = run_cli("suites", "check", "--gx_dir", str(gx_dir))
    assert code == 1
    path = expectations / "part_table_data.part_pk.json"
    assert (
        f"{path}: overrides[0]: part_table_data.json has 0 expect_snapshot_to_be_fresh "
        "expectation(s); an override changes exactly one" in err
    )
    assert (
        f"{path} (overrides[1] applied): expectations[0] (expect_row_count_to_match_source):" in err
    )
    assert f"{path}: overrides[2]: enabled is 'no', expected true or false" in err


def test_readme_override_example_is_accepted(run_cli: RunCli, tmp_path: Path) -> None:
    readme = (ROOT / "README.md").read_text()
    match = re.search(r"<!-- overrides: (\S+) -->\n```json\n(.*?)```", readme, re.S)
    assert match, "the README's override example is missing"
    gx_dir = tmp_path / "gx"
    shutil.copytree(ROOT / "gx", gx_dir)
    (gx_dir / match[1].removeprefix("gx/")).write_text(match[2])
    code, out, err = run_cli("suites", "check", "--gx_dir", str(gx_dir))
    assert code == 0, err
    assert (
        "part_table_data.part_events.json: 0 expectation(s), 3 override(s), batch table: ok" in out
    )
