"""The run's Data Docs site: every expectation reads as a sentence, with its observed value."""

from __future__ import annotations

import html
import re
from pathlib import Path

from tests import lake_fixture
from tests.conftest import RunCli, flag_args


def page_text(path: Path) -> str:
    raw = path.read_text(encoding="utf-8")
    raw = re.sub(r"<(script|style).*?</\1>", " ", raw, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", raw)).split())


def test_site_shows_sentences_and_observed_values(run_cli: RunCli, warehouse: Path) -> None:
    code, out, _ = run_cli(
        "run",
        *flag_args(lake_fixture.run_flags()),
        "--warehouse",
        str(warehouse),
        "--tables",
        "part_pk,part_s3_gap",
    )
    site = warehouse / "data-docs"
    assert f"Data Docs:   {site / 'index.html'}" in out
    pages = sorted((site / "validations").rglob("*.html"))
    names = sorted(p.name for p in pages)
    db = lake_fixture.DATABASE
    assert names == [  # the metadata and Clean Rooms readiness suites both read the inventory
        f"inventories-{db}.part_pk.html",
        f"inventories-{db}.part_pk.html",
        f"inventories-{db}.part_s3_gap.html",
        f"inventories-{db}.part_s3_gap.html",
        f"tables-{db}.part_pk.html",
        f"tables-{db}.part_s3_gap.html",
    ]
    assert sorted({p.parent.parent.parent.name for p in pages}) == [
        "clean_rooms_readiness",
        "part_table_data",
        "part_table_metadata",
    ]
    index = (site / "index.html").read_text(encoding="utf-8")  # the listing is script data
    assert f"{db}-{lake_fixture.AS_OF}" in index
    for name in names:
        assert name in index
    by_name = {p.name: page_text(p) for p in pages}
    pk = by_name[f"tables-{lake_fixture.DATABASE}.part_pk.html"]
    assert "Primary key customer_user_id must never be NULL." in pk
    assert "7 NULL rows" in pk
    assert "10 duplicate rows (5 keys)" in pk
    assert "2,000 vs 2,000 (0.000000%)" in pk
    assert f"Row count must match source table {db} . ext_pk within 0.0 percent." in pk
    gap = by_name[f"inventories-{lake_fixture.DATABASE}.part_s3_gap.html"]
    assert f"All {lake_fixture.BUCKETS} id_bucket partitions must be present in storage." in gap
    assert "2 missing: 3, 9" in gap
    for text in by_name.values():
        assert not re.search(r"expect_[a-z_]+\(\*\*", text)  # no raw expectation badges


def test_data_docs_can_be_switched_off(run_cli: RunCli, warehouse: Path) -> None:
    code, out, _ = run_cli(
        "run",
        *flag_args(lake_fixture.run_flags()),
        "--warehouse",
        str(warehouse),
        "--tables",
        "part_clean_01",
        "--data_docs",
        "false",
    )
    assert code == 0
    assert not (warehouse / "data-docs").exists()
    assert "Data Docs" not in out


def test_the_index_links_the_run_summaries(run_cli: RunCli, warehouse: Path) -> None:
    flags = [*flag_args(lake_fixture.run_flags()), "--warehouse", str(warehouse)]
    run_cli("run", *flags, "--tables", "part_clean_01", "--docs_keep_runs", "2")
    for tables in ("part_pk", "part_pk,part_s3_gap"):
        run_cli("run", *flags, "--tables", tables, "--docs_keep_runs", "2")
    site = warehouse / "data-docs"
    kept = sorted(p.name for p in (site / "run-summaries").iterdir())
    assert len(kept) == 3 and kept[-1] == "latest.html"  # two runs kept, and the latest
    latest = (site / "run-summaries" / "latest.html").read_text(encoding="utf-8")
    assert latest == (site / "run-summaries" / kept[1]).read_text(encoding="utf-8")
    assert "part_s3_gap" in page_text(site / "run-summaries" / "latest.html")
    # the newest run is the one the report bucket's summary/latest.html shows too
    report_latest = next(warehouse.glob("s3/*/data-monitor/summary/latest.html"))
    assert report_latest.read_text(encoding="utf-8") == latest
    index = (site / "index.html").read_text(encoding="utf-8")
    assert index.count('id="data-monitor-run-summaries"') == 1  # replaced, not stacked
    hrefs = re.findall(r'href="(run-summaries/[^"]+)"', index)
    assert hrefs == [
        "run-summaries/latest.html",
        f"run-summaries/{kept[1]}",
        f"run-summaries/{kept[0]}",
    ]
    text = page_text(site / "index.html")
    as_of = lake_fixture.AS_OF.isoformat()
    assert re.search(
        rf"Run summary: latest run \(\d{{4}}-\d\d-\d\d \d\d:\d\d UTC, as of {as_of}, 3 alert\(s\)\)",
        text,
    ), text[:600]


def test_no_summaries_without_data_docs(run_cli: RunCli, warehouse: Path) -> None:
    flags = [*flag_args(lake_fixture.run_flags()), "--warehouse", str(warehouse)]
    run_cli("run", *flags, "--tables", "part_clean_01", "--data_docs", "false")
    assert not (warehouse / "data-docs").exists()
    assert next(warehouse.glob("s3/*/data-monitor/summary/latest.html")).is_file()
