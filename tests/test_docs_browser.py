"""The Data Docs site as a person sees it: pages rendered by headless Chromium, scripts run.

GX's pages load jQuery, Bootstrap, bootstrap-table and Font Awesome from public CDNs, and the
index's listing is drawn by bootstrap-table from data in a script. This machine (like CI)
reaches no CDN, only package registries, so the test serves the byte-identical files from the
npm registry's packages of the same versions (the browser checks them against the pages' own
``integrity`` hashes) on 127.0.0.1, from a copy of the site whose CDN URLs point there. Every
other host resolves to nothing, so the test is the same with or without internet.
Screenshots go to ``test-artifacts/`` (git-ignored) for a person to look at.
"""

from __future__ import annotations

import functools
import html
import re
import shutil
import subprocess
import tarfile
import threading
from collections.abc import Callable, Iterator
from html.parser import HTMLParser
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests import lake_fixture
from tests.conftest import RunCli, flag_args
from tests.test_data_docs import page_text

ROOT = Path(__file__).resolve().parents[1]
READINESS = "clean_rooms_readiness"
ARTIFACTS = ROOT / "test-artifacts"
DB = lake_fixture.DATABASE

# CDN URL (a file or a folder) -> (npm package, the same file or folder inside it), for the
# assets GX 1.24's pages load that the listing, layout and status icons need. Charts (vega)
# and GX's logo are left out: our pages have no charts, and a missing logo changes nothing.
CDN_FROM_NPM = {
    "https://code.jquery.com/jquery-3.7.1.min.js": ("jquery@3.7.1", "dist/jquery.min.js"),
    "https://cdnjs.cloudflare.com/ajax/libs/popper.js/1.12.9": ("popper.js@1.12.9", "dist"),
    "https://stackpath.bootstrapcdn.com/bootstrap/4.3.1": ("bootstrap@4.3.1", "dist"),
    "https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1": ("bootstrap@4.3.1", "dist"),
    "https://unpkg.com/bootstrap-table@1.19.1/dist": ("bootstrap-table@1.19.1", "dist"),
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0": (
        "bootstrap-datepicker@1.9.0",
        "dist",
    ),
    "https://cdnjs.cloudflare.com/ajax/libs/font-awesome/6.6.0/css": (
        "@fortawesome/fontawesome-free@6.6.0",
        "css",
    ),
    "https://cdnjs.cloudflare.com/ajax/libs/font-awesome/6.6.0/webfonts": (
        "@fortawesome/fontawesome-free@6.6.0",
        "webfonts",
    ),
}
# What the index's listing cannot be drawn without: the test fails if GX stops loading these.
LISTING_NEEDS = (
    "https://code.jquery.com/jquery-3.7.1.min.js",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.js",
)


@pytest.fixture(scope="session")
def chromium() -> str:
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    if binary is None:
        pytest.skip("chromium not found (apt-get install chromium; .ci/run installs it)")
    return binary


@pytest.fixture(scope="session")
def cdn_files(chromium: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``<dir>/<host>/<path>``: the CDN files of ``CDN_FROM_NPM``, from npm's packages."""
    npm = shutil.which("npm")
    if npm is None:
        pytest.fail("npm is needed to fetch the pages' scripts (jquery, bootstrap-table)")
    base = tmp_path_factory.mktemp("cdn")
    specs = sorted({spec for spec, _ in CDN_FROM_NPM.values()})
    done = subprocess.run(
        [npm, "pack", "--silent", "--pack-destination", str(base), *specs],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, f"npm pack {' '.join(specs)} failed: {done.stderr[-2000:]}"
    for url, (spec, inside) in CDN_FROM_NPM.items():
        # npm names @scope/name@1.0 "scope-name-1.0.tgz"
        tarball = base / (spec.lstrip("@").replace("/", "-").replace("@", "-") + ".tgz")
        unpacked = base / "npm" / tarball.stem
        with tarfile.open(tarball) as archive:
            wanted = [
                m
                for m in archive.getmembers()
                if m.name == f"package/{inside}" or m.name.startswith(f"package/{inside}/")
            ]
            archive.extractall(unpacked, members=wanted, filter="data")
        link = base / "cdn" / url.removeprefix("https://")
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(unpacked / "package" / inside)
    return base / "cdn"


@pytest.fixture
def serve(cdn_files: Path, tmp_path: Path) -> Iterator[Callable[[Path], str]]:
    """``serve(site) -> base URL``: a copy of the site, with the CDN files, on 127.0.0.1."""
    servers: list[ThreadingHTTPServer] = []

    def start(site: Path) -> str:
        root = tmp_path / "served"
        shutil.copytree(site, root)
        (root / "_cdn").symlink_to(cdn_files)
        for page in root.rglob("*.html"):
            text = page.read_text(encoding="utf-8")
            for url in CDN_FROM_NPM:
                text = text.replace(url, "/_cdn/" + url.removeprefix("https://"))
            page.write_text(text, encoding="utf-8")

        class Quiet(SimpleHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:
                pass

        server = ThreadingHTTPServer(
            ("127.0.0.1", 0), functools.partial(Quiet, directory=str(root))
        )
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}/"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


class Browser:
    """Headless Chromium, a fresh profile per call; no host but 127.0.0.1 resolves."""

    def __init__(self, binary: str, scratch: Path) -> None:
        self.binary = binary
        self.scratch = scratch
        self.calls = 0

    def _run(self, url: str, *flags: str) -> str:
        self.calls += 1
        profile = self.scratch / f"profile-{self.calls}"
        done = subprocess.run(
            [
                self.binary,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                f"--user-data-dir={profile}",
                "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
                "--virtual-time-budget=5000",
                *flags,
                url,
            ],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, f"chromium failed on {url}: {done.stderr[-2000:]}"
        return done.stdout

    def page(self, url: str, screenshot: Path | None = None) -> str:
        """The page's DOM after its scripts ran; with ``screenshot``, a picture of it too."""
        if screenshot is None:
            return self._run(url, "--dump-dom")
        screenshot.unlink(missing_ok=True)
        dom = self._run(
            url,
            "--dump-dom",
            f"--screenshot={screenshot}",
            "--window-size=1280,2000",
            "--hide-scrollbars",
        )
        assert screenshot.is_file() and screenshot.stat().st_size > 10_000, f"no picture of {url}"
        screenshot.with_suffix(".dom.html").write_text(dom, encoding="utf-8")
        return dom


class Rows(HTMLParser):
    """Every table row of a DOM, in document order: its attributes, text and icon classes."""

    def __init__(self, dom: str) -> None:
        super().__init__()
        self.rows: list[dict] = []
        self._open: list[dict] = []  # rows not closed yet, innermost last
        self._skip = 0
        self.feed(dom)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        elif tag == "tr":
            self._open.append({"attrs": dict(attrs), "text": "", "classes": ""})
            self.rows.append(self._open[-1])
        elif self._open and tag == "i":
            self._open[-1]["classes"] += " " + (dict(attrs).get("class") or "")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skip -= 1
        elif tag == "tr" and self._open:
            self._open.pop()

    def handle_data(self, data: str) -> None:
        if self._open and not self._skip:
            self._open[-1]["text"] += data


def visible_text(dom: str) -> str:
    """The DOM's text without script and style contents (what can show on the page)."""
    dom = re.sub(r"<(script|style)\b.*?</\1>", " ", dom, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", dom)).split())


ICON_STATUS = {"text-danger": "failed", "text-warning": "errored", "text-success": "passed"}


def expectation_rows(dom: str) -> list[tuple[str, str]]:
    """(status, text) of each expectation row of a validation page, top to bottom.

    A row's status is its icon: a red cross (failed), a warning sign (raised) or a green tick.
    """
    found = []
    for row in Rows(dom).rows:
        status = [v for k, v in ICON_STATUS.items() if k in row["classes"].split()]
        if status:
            found.append((status[0], " ".join(row["text"].split())))
    return found


@pytest.mark.slow
def test_the_site_in_a_browser(
    chromium: str,
    serve: Callable[[Path], str],
    run_cli: RunCli,
    warehouse: Path,
    tmp_path: Path,
) -> None:
    code, _, _ = run_cli(
        "run",
        *flag_args(lake_fixture.run_flags()),
        "--warehouse",
        str(warehouse),
        "--tables",
        "part_pk,part_s3_gap",
    )
    assert code == 1
    site = warehouse / "data-docs"
    index_html = (site / "index.html").read_text(encoding="utf-8")
    for needed in LISTING_NEEDS:
        assert needed in index_html, f"the index no longer loads {needed}: update CDN_FROM_NPM"
    base = serve(site)
    browser = Browser(chromium, tmp_path)
    ARTIFACTS.mkdir(exist_ok=True)

    # The index: bootstrap-table drew one row per validation, each linking to its page.
    index = browser.page(base + "index.html", ARTIFACTS / "docs-index.png")
    links = {
        row["attrs"]["data-href"]: " ".join(row["text"].split())
        for row in Rows(index).rows
        if (row["attrs"].get("data-href") or "").startswith("validations/")
    }
    run_name = f"{DB}-{lake_fixture.AS_OF}"
    # validations/<suite>/<run>/<time>/<page>: two suites read each table's inventory
    by_suite = {(Path(href).parts[1], Path(href).name): href for href in links}
    assert sorted(by_suite) == [
        ("clean_rooms_readiness", f"inventories-{DB}.part_pk.html"),
        ("clean_rooms_readiness", f"inventories-{DB}.part_s3_gap.html"),
        ("part_table_data", f"tables-{DB}.part_pk.html"),
        ("part_table_data", f"tables-{DB}.part_s3_gap.html"),
        ("part_table_metadata", f"inventories-{DB}.part_pk.html"),
        ("part_table_metadata", f"inventories-{DB}.part_s3_gap.html"),
    ], links
    pages = {name: href for (suite, name), href in by_suite.items() if suite != READINESS}
    for href, text in links.items():
        assert run_name in text, (href, text)
        assert (site / href).is_file()

    # Above the listing, the run summary: linked from the index, served from the site itself.
    shown = visible_text(index)
    assert re.search(r"Run summary: latest run \(.{20,40}, 3 alert\(s\)\)", shown), shown[:500]
    summary = visible_text(
        browser.page(base + "run-summaries/latest.html", ARTIFACTS / "docs-run-summary.png")
    )
    assert "[PK_NULL] part_pk: customer_user_id NULL rows=7" in summary, summary[:500]
    assert "part_s3_gap" in summary

    # part_pk's table page: the failed checks, with what was observed, above the passed one.
    pk_url = base + pages[f"tables-{DB}.part_pk.html"]
    pk = browser.page(pk_url, ARTIFACTS / "docs-part_pk.png")
    rows = expectation_rows(pk)
    # NULLs, duplicates, count vs source, volume, bucket balance, Clean Rooms join key
    assert len(rows) == 6, rows
    null_row = next(i for i, (_, text) in enumerate(rows) if "must never be NULL." in text)
    assert rows[null_row] == (
        "failed",
        "Primary key customer_user_id must never be NULL. 7 NULL rows",
    )
    statuses = [status for status, _ in rows]
    assert statuses == ["failed", "failed", "passed", "passed", "passed", "passed"], (
        rows
    )  # failures first

    # part_s3_gap's inventory page: the custom expectation reads as a sentence.
    gap = visible_text(browser.page(base + pages[f"inventories-{DB}.part_s3_gap.html"]))
    assert f"All {lake_fixture.BUCKETS} id_bucket partitions must be present in storage." in gap
    assert "2 missing: 3, 9" in gap
    assert not re.search(r"expect_[a-z_]+\(\*\*", gap)


def test_failed_and_errored_expectations_come_first(run_cli: RunCli, warehouse: Path) -> None:
    """On these tables the failing (or erroring) check is the last of its suite."""
    run_cli(
        "run",
        *flag_args(lake_fixture.run_flags()),
        "--warehouse",
        str(warehouse),
        "--tables",
        "part_count,part_nosrc,part_stale",
    )
    pages = {  # the metadata suite's inventory page, not the readiness suite's of the same name
        p.name: page_text(p)
        for p in (warehouse / "data-docs").rglob("*.html")
        if "clean_rooms_readiness" not in p.parts
    }
    for table in ("part_count", "part_nosrc"):  # failed; errored (the source is missing)
        text = pages[f"tables-{DB}.{table}.html"]
        assert text.index("Row count must match source") < text.index("must never be NULL.")
    stale = pages[f"inventories-{DB}.part_stale.html"]
    assert stale.index("The snapshot date") < stale.index("id_bucket partitions must be present")
    # The stored result keeps the suite's order: only the page is reordered.
    stored = next((warehouse / "gx-validations").rglob(f"tables-{DB}.part_count.json")).read_text()
    assert stored.index("expect_primary_key_values_to_not_be_null") < stored.index(
        "expect_row_count_to_match_source"
    )
