"""The run's summary page: built from a real run's report, read back as HTML and in Chromium.

The browser test writes ``test-artifacts/run-summary.png`` (git-ignored) for a person to look at.
"""

from __future__ import annotations

import json
import re
import subprocess
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from data_monitor.delivery.summary_page import render_summary
from tests import lake_fixture
from tests.conftest import RunCli, flag_args, read_report

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = Path("/usr/bin/chromium")
STATES = ("present", "only in storage", "missing")


class Page(HTMLParser):
    """What the page shows: the table's rows (cell texts), each card's bucket cells (bucket ->
    state, from the ``title`` tooltips), its sparkline dots, and the visible text."""

    def __init__(self, page: str) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self.cells: dict[str, dict[int, str]] = {}
        self.dots: dict[str, list[dict[str, str | None]]] = {}
        self.text: list[str] = []
        self._card = ""
        self._cell: list[str] | None = None
        self._skip = False
        self.feed(page)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag in ("style", "title"):
            self._skip = True
        elif tag == "tr":
            self.rows.append([])
        elif tag == "td":
            self._cell = []
        elif tag == "div" and a.get("class") == "card":
            self._card = str(a["id"]).removeprefix("t-")
        elif tag == "i" and self._card and a.get("title"):
            bucket, state = re.fullmatch(r"id_bucket=(\d+): (.+)", str(a["title"])).groups()  # type: ignore[union-attr]
            self.cells.setdefault(self._card, {})[int(bucket)] = state
        elif tag == "circle":
            self.dots.setdefault(self._card, []).append(a)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "title"):
            self._skip = False
        elif tag == "td" and self._cell is not None:
            self.rows[-1].append(" ".join(" ".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.text.append(data)
            if self._cell is not None:
                self._cell.append(data)

    def visible(self) -> str:
        return " ".join(" ".join(self.text).split())

    def table_rows(self) -> dict[str, list[str]]:
        return {row[0]: row for row in self.rows if row}


def run_report(run_cli: RunCli, warehouse: Path) -> dict[str, Any]:
    code, _, _ = run_cli("run", *flag_args(lake_fixture.run_flags()), "--warehouse", str(warehouse))
    assert code == 3  # part_nosrc's count check could not run
    return read_report(warehouse)


def a_row(table: str, **values: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "table": table,
        "location": f"s3://lake/{table}/",
        "s3_partitions": 4,
        "glue_partitions": 4,
        "storage_buckets": [0, 1, 2, 3],
        "unregistered_buckets": [],
        "row_count_history": [],
        "count_part": 100,
        "status": "ok",
        "alerts": [],
    }
    return row | values


def a_document(*rows: dict[str, Any], **values: Any) -> dict[str, Any]:
    alerts = [line for row in rows for line in row["alerts"]]
    details = [
        {"code": "X", "severity": "High", "table": row["table"], "line": line}
        for row in rows
        for line in row["alerts"]
    ]
    doc = {"database": "db", "prefix": "part_", "bucket_count": 4, "generated_at": "2026-01-02"}
    return doc | {"alerts": alerts, "alert_details": details, "tables": list(rows)} | values


def test_the_page_of_a_real_run(run_cli: RunCli, warehouse: Path) -> None:
    document = run_report(run_cli, warehouse)
    page = render_summary(document)
    seen = Page(page)

    # one row per table, errors then alerts then ok; the observed values are in the row
    rows = seen.table_rows()
    assert sorted(rows) == sorted(r["table"] for r in document["tables"])
    assert len(rows) == len(lake_fixture.SPECS) == 14
    statuses = [row[1] for row in seen.rows if row]
    assert statuses == ["error"] * 2 + ["alerts"] * 9 + ["ok"] * 3, statuses
    assert rows["part_count"][1:9] == [
        "alerts",
        "2,000",
        "1,950",
        "2.564103",
        "0",
        "0",
        "16 / 16",
        "2026-11-19",
    ]
    assert rows["part_s3_gap"][7] == "14 / 14"
    assert rows["part_unreg"][7] == "16 / 16 (3 unregistered)"
    assert rows["part_format"][2:7] == ["—"] * 5  # row-level checks not run
    assert rows["part_pk"][9] == "ready"  # for Clean Rooms
    assert rows["part_pk"][10] == "-"  # schema: no earlier schema to compare with
    assert rows["part_pk"][11] == (  # the first run: every alert is new
        "[PK_NULL] part_pk: customer_user_id NULL rows=7 new "
        "[PK_DUPES] part_pk: customer_user_id duplicate rows=10 new"
    )

    # the header's totals
    text = seen.visible()
    severities = Counter(d["severity"] for d in document["alert_details"])
    assert "Tables checked 14 of 14 error 2 · alerts 9 · ok 3" in text
    high, medium, low = severities["High"], severities["Medium"], severities["Low"]
    assert f"Alerts {len(lake_fixture.expected_alerts())} High {high} · Medium {medium}" in text
    assert high + medium + low == len(lake_fixture.expected_alerts()) == 15
    assert "Since the last run 15 new ongoing 0 · resolved 0" in text
    assert "Partial run" not in text

    # the partition grids: every table has all 16 buckets, in their state
    assert set(seen.cells) == set(rows)
    assert all(sorted(cells) == list(range(16)) for cells in seen.cells.values())
    gap = seen.cells["part_s3_gap"]
    assert sorted(b for b, s in gap.items() if s == "missing") == [3, 9]
    assert Counter(gap.values()) == {"present": 14, "missing": 2}
    unreg = seen.cells["part_unreg"]
    assert sorted(b for b, s in unreg.items() if s == "only in storage") == [2, 5, 11]
    assert Counter(unreg.values()) == {"present": 13, "only in storage": 3}
    assert Counter(seen.cells["part_proj"].values()) == {"present": 16}
    assert "id_bucket=3: missing" in page
    assert "14 present, 2 missing" in text

    # first run: no history anywhere
    assert text.count("Row count: no history yet") == 14
    assert not seen.dots

    # self-contained: nothing loaded from anywhere, no script
    assert "<script" not in page.lower()
    assert not re.search(r"https?://|<link|<img|@import|url\(", page)


def test_values_from_the_data_are_escaped() -> None:
    name = 'part_<script>alert("x")</script>'
    line = f"[ALERT] {name}: Glue missing <b>2</b> partitions & more"
    page = render_summary(a_document(a_row(name, status="alerts", alerts=[line])))
    assert "<script" not in page
    assert "<b>2</b>" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    seen = Page(page)
    assert seen.table_rows()[name][11] == line  # shows as the text it is
    assert set(seen.cells) == {name}  # the card's id attribute stayed one attribute


def test_the_sparkline_shows_history_and_this_run() -> None:
    history = [1900, 1950, 2100, 1980, 2000]
    page = render_summary(
        a_document(
            a_row("part_trend", row_count_history=history, count_part=2050),
            a_row("part_new"),
            a_row("part_two", row_count_history=[5], count_part=5),
            a_row("part_broken", count_part=None, status="error"),
        )
    )
    seen = Page(page)
    dots = seen.dots["part_trend"]
    assert len(dots) == 6
    assert [d.get("class") for d in dots] == [None] * 5 + ["current"]
    assert "this run: 2,050</title>" in page
    assert ">2,100</text>" in page and ">1,900</text>" in page  # max and min labels
    heights = [float(str(d["cy"])) for d in dots]
    assert heights.index(min(heights)) == 2  # the highest count is drawn highest
    assert len(seen.dots["part_two"]) == 2  # flat: one past run and this one
    assert seen.visible().count("no history yet") == 2  # part_new, part_broken
    assert "Partial run" not in seen.visible()


def test_a_partial_run_and_a_table_not_checked() -> None:
    stopped = a_row("part_late", status="not checked", location="", storage_buckets=[])
    page = render_summary(a_document(a_row("part_a"), stopped, partial=True))
    text = Page(page).visible()
    assert "Partial run: the run was stopped" in text
    assert "Tables checked 1 of 2" in text
    assert "partitions not inventoried" in text  # not "4 missing"
    assert "id_bucket=0: missing" not in page


def test_more_buckets_make_a_wider_square() -> None:
    row = a_row("part_big", storage_buckets=list(range(250)), unregistered_buckets=[7])
    page = render_summary(a_document(row, bucket_count=256))
    assert "repeat(16,12px)" in page
    assert Counter(Page(page).cells["part_big"].values()) == {
        "present": 249,
        "only in storage": 1,
        "missing": 6,
    }
    assert "repeat(4,12px)" in render_summary(a_document(a_row("t"), bucket_count=10))


@pytest.mark.slow
@pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium is not installed")
def test_the_page_in_a_browser(run_cli: RunCli, warehouse: Path, tmp_path: Path) -> None:
    document = run_report(run_cli, warehouse)
    # a trend to look at: one table with past runs (the test lake has one run only)
    rows = {row["table"]: row for row in document["tables"]}
    rows["part_count"]["row_count_history"] = [1990, 2010, 1950, 2040, 1980]
    page = tmp_path / "summary.html"
    page.write_text(render_summary(document), encoding="utf-8")
    ARTIFACTS.mkdir(exist_ok=True)
    screenshot = ARTIFACTS / "run-summary.png"
    screenshot.unlink(missing_ok=True)
    done = subprocess.run(
        [
            str(CHROMIUM),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--host-resolver-rules=MAP * ~NOTFOUND",  # the page must need no host
            "--virtual-time-budget=2000",
            "--hide-scrollbars",
            "--run-all-compositor-stages-before-draw",
            "--window-size=1280,1600",
            f"--screenshot={screenshot}",
            "--dump-dom",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert screenshot.is_file() and screenshot.stat().st_size > 20_000
    dom = done.stdout
    screenshot.with_suffix(".dom.html").write_text(dom, encoding="utf-8")
    seen = Page(dom)
    text = seen.visible()
    assert "Data Monitor — omc_test" in text
    assert "Tables checked 14 of 14" in text
    assert f"Alerts {len(lake_fixture.expected_alerts())} High" in text
    assert seen.table_rows()["part_s3_gap"][1:8] == [
        "alerts",
        "1,750",
        "1,750",
        "0.000000",
        "0",
        "0",
        "14 / 14",
    ]
    legend = (
        "in storage and registered only in storage (not registered before this run) "
        "missing from storage"
    )
    assert legend in text
    assert Counter(seen.cells["part_s3_gap"].values()) == {"present": 14, "missing": 2}
    assert len(seen.dots["part_count"]) == 6


def test_every_run_writes_its_summary_and_report_finds_the_latest(
    run_cli: RunCli, warehouse: Path
) -> None:
    code, out, _ = run_cli(
        "run",
        *flag_args(lake_fixture.run_flags()),
        "--warehouse",
        str(warehouse),
        "--tables",
        "part_pk",
    )
    folder = warehouse / "s3" / lake_fixture.REPORT_BUCKET / "data-monitor" / "summary"
    pages = sorted(p.name for p in folder.iterdir())
    assert len(pages) == 2 and "latest.html" in pages
    assert f"Summary:     {folder}" in out
    message = json.loads((warehouse / "sns" / "messages.jsonl").read_text())["message"]
    assert message.splitlines()[-1].startswith(
        f"Summary: s3://{lake_fixture.REPORT_BUCKET}/data-monitor/summary/omc_monitor_report_"
    )
    code, out, _ = run_cli(
        "report", "--report_bucket", lake_fixture.REPORT_BUCKET, "--warehouse", str(warehouse)
    )
    assert code == 0
    assert out.strip() == str((folder / "latest.html").resolve())
    assert "part_pk" in (folder / "latest.html").read_text()
