"""The suites in gx/expectations load whole, and a broken suite fails loudly with its position."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from data_monitor.model.settings import Settings
from data_monitor.validation.suites import SuiteError, build_suite, default_gx_dir, load_suite_files
from tests.conftest import RunCli

GX_DIR = Path(__file__).resolve().parents[1] / "gx"


def test_every_committed_expectation_loads() -> None:
    suites = {s.name: s for s in load_suite_files(GX_DIR)}
    assert set(suites) == {"part_table_data", "part_table_metadata", "clean_rooms_readiness"}
    settings = Settings(database="db", report_bucket="b", file_size_check=True)
    for suite_file in suites.values():
        raw = json.loads(suite_file.path.read_text())
        built = build_suite(suite_file, settings)
        assert [e.expectation_type for e in built.expectations] == [
            e["type"] for e in raw["expectations"]
        ]
    assert suites["part_table_data"].batch == "table"
    assert suites["part_table_metadata"].batch == "inventory"
    assert suites["clean_rooms_readiness"].batch == "inventory"


def test_flags_switch_off_the_seed_optional_checks() -> None:
    suites = {s.name: s for s in load_suite_files(GX_DIR)}
    settings = Settings(database="db", report_bucket="b", count_check_enabled=False)
    data = build_suite(suites["part_table_data"], settings)
    meta = build_suite(suites["part_table_metadata"], settings)
    types = [e.expectation_type for e in [*data.expectations, *meta.expectations]]
    assert "expect_row_count_to_match_source" not in types
    assert "expect_file_sizes_in_range" not in types  # --file_size_check defaults to false
    # and expect_join_key_to_suit_clean_rooms, the schema-change and raw-input checks
    assert len(types) == 14


def test_default_gx_dir_is_the_project_folder() -> None:
    assert default_gx_dir() == GX_DIR


@pytest.fixture
def gx_copy(tmp_path: Path) -> Path:
    copy = tmp_path / "gx"
    shutil.copytree(GX_DIR, copy)
    return copy


def _edit(gx_dir: Path, name: str, index: int, change: dict) -> None:
    path = gx_dir / "expectations" / f"{name}.json"
    data = json.loads(path.read_text())
    data["expectations"][index].update(change)
    path.write_text(json.dumps(data, indent=2))


BROKEN = [
    (
        {"type": "expect_primary_key_values_to_be_uniq"},
        "expectations[1] (expect_primary_key_values_to_be_uniq): ",
    ),
    (
        {"kwargs": {"pk_kolumn": {"$PARAMETER": "pk_column"}}},
        "expectations[1] (expect_primary_key_values_to_be_unique): ",
    ),
    (
        {"kwargs": {"pk_column": {"$PARAMETER": "primary_key"}}},
        "unknown suite parameter $primary_key",
    ),
]


@pytest.mark.parametrize(("change", "message"), BROKEN)
def test_a_broken_suite_is_refused_with_its_position(
    gx_copy: Path, change: dict, message: str, run_cli: RunCli, tmp_path: Path
) -> None:
    _edit(gx_copy, "part_table_data", 1, change)
    with pytest.raises(SuiteError) as error:
        load_suite_files(gx_copy)
    assert "part_table_data.json: " + message in str(error.value) or message in str(error.value)
    code, _, err = run_cli("suites", "check", "--gx_dir", str(gx_copy))
    assert code == 1
    assert message in err
    warehouse = tmp_path / "warehouse"
    code, out, err = run_cli(
        "run",
        "--database",
        "db",
        "--report_bucket",
        "bkt",
        "--warehouse",
        str(warehouse),
        "--gx_dir",
        str(gx_copy),
    )
    assert code == 2
    assert "invalid suite files" in err
    assert not warehouse.exists()


def test_suites_check_lists_each_suite(run_cli: RunCli) -> None:
    code, out, _ = run_cli("suites", "check")
    assert code == 0
    assert "part_table_data.json: 6 expectation(s), batch table: ok" in out
    assert "part_table_metadata.json: 10 expectation(s), batch inventory: ok" in out
