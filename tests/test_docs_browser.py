"""The Data Docs site as a person sees it, with no network: pages rendered by headless
Chromium from the site's folder (file://), scripts run.

GX's pages load jQuery, Bootstrap, bootstrap-table and Font Awesome; the index's listing is drawn
by bootstrap-table from data in a script. The site carries its own copies of them
(delivery/docs_assets.py), so the browser here reaches no host at all: the site is opened from
disk, as an analyst opens a local one, so there is no server to serve it; every host name
resolves to nothing (``--host-resolver-rules``) and every HTTP(S) request goes to a proxy on a
closed port (``--proxy-server``), so even a request by IP address fails. A probe script put into
each page (of a copy of the site) records what the page got: the styles Bootstrap gave it, the
fonts it loaded, whether Bootstrap's script switches a tab, and, as the control, that a CDN script
fails to load. Screenshots go to ``test-artifacts/`` (git-ignored) for a person to look at.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
import threading
from collections.abc import Callable, Iterator
from functools import partial
from html.parser import HTMLParser
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests import lake_fixture
from tests.conftest import RunCli, flag_args
from tests.test_data_docs import page_text

ROOT = Path(__file__).resolve().parents[1]
READINESS = "clean_rooms_readiness"
ARTIFACTS = ROOT / "test-artifacts"
DB = lake_fixture.DATABASE
OFFLINE = (
    # https://chromium.googlesource.com/chromium/src/+/HEAD/net/docs/proxy.md and
    # https://www.chromium.org/developers/design-documents/network-settings/ (host resolver rules)
    "--host-resolver-rules=MAP * ~NOTFOUND",
    "--proxy-server=http://127.0.0.1:9",  # the discard port: nothing listens there
    "--proxy-bypass-list=<-loopback>",  # loopback goes to the proxy too
)
# Over HTTP from 127.0.0.1 only: every host name still resolves to nothing.
LOOPBACK_ONLY = ("--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",)
# Runs after the page's own scripts; writes what it observed into the DOM as JSON.
PROBE = """<script>
window.addEventListener("load", function () {
  var probe = {};
  function style(selector, property, pseudo) {
    var element = document.querySelector(selector);
    return element ? getComputedStyle(element, pseudo || null)[property] : null;
  }
  function finish() {
    var out = document.createElement("pre");
    out.id = "offline-probe";
    out.hidden = true;
    out.textContent = JSON.stringify(probe);
    document.body.appendChild(out);
  }
  var cdn = document.createElement("script");  // the control: the network is really off
  cdn.src = "https://code.jquery.com/jquery-3.7.1.min.js?probe";
  cdn.onload = function () { probe.cdn = "loaded"; };
  cdn.onerror = function () { probe.cdn = "failed"; };
  document.head.appendChild(cdn);
  function measure() {
    probe.navbar_display = style(".navbar", "display");
    probe.sticky_position = style(".sticky-top", "position");
    probe.icon_font = style("i.fas", "fontFamily", "::before");
    var icon = document.querySelector("i.fas");
    probe.icon_width = icon ? icon.getBoundingClientRect().width : null;
    probe.fonts_loaded = Array.from(document.fonts)
      .filter(function (f) { return f.status === "loaded"; })
      .map(function (f) { return f.family + " " + f.weight; }).sort();
    probe.scripts = {
      jquery: typeof window.jQuery,
      popper: typeof window.Popper,
      bootstrap: typeof (window.jQuery && jQuery.fn.tooltip),
      bootstrap_table: typeof (window.jQuery && jQuery.fn.bootstrapTable),
    };
    setTimeout(finish, 500);  // the control's error comes after the resolver's answer
  }
  // Bootstrap's script switches the index's tabs; back to the listing before measuring
  var tab = document.querySelector('a[data-toggle="tab"]:not(.active)');
  var first = document.querySelector('a[data-toggle="tab"].active');
  document.fonts.ready.then(function () {
    if (!(tab && window.jQuery && jQuery.fn.tab)) return measure();
    jQuery(tab).one("shown.bs.tab", function () {
      probe.tab_pane = document.querySelector(tab.getAttribute("href")).className;
      jQuery(first).one("shown.bs.tab", measure).tab("show");
    }).tab("show");
  });
});
</script>
"""


@pytest.fixture(scope="session")
def chromium() -> str:
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    if binary is None:
        pytest.skip("chromium not found (apt-get install chromium; .ci/run installs it)")
    return binary


def probed_copy(site: Path, copy: Path) -> Path:
    """A copy of the site whose pages carry the probe (the site itself is left as built)."""
    shutil.copytree(site, copy)
    for page in copy.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        page.write_text(text.replace("</body>", PROBE + "</body>", 1), encoding="utf-8")
    return copy


def probe_of(dom: str) -> dict[str, Any]:
    found = re.search(r'<pre id="offline-probe" hidden="">(.*?)</pre>', dom, flags=re.S)
    assert found, "the probe did not report (the page's scripts did not finish)"
    return json.loads(html.unescape(found.group(1)))


class Browser:
    """Headless Chromium with no network, a fresh profile per call."""

    def __init__(self, binary: str, scratch: Path, network: tuple[str, ...] = OFFLINE) -> None:
        self.binary = binary
        self.scratch = scratch
        self.network = network
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
                *self.network,
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

    def page(self, path: Path | str, screenshot: Path | None = None) -> str:
        """The page's DOM after its scripts ran; with ``screenshot``, a picture of it too."""
        url = path.as_uri() if isinstance(path, Path) else path
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


# Bootstrap's CSS on the index's navigation bar (without it: a block, statically placed)
STYLED = {"navbar_display": "flex", "sticky_position": "sticky"}
SCRIPTS = {"jquery": "function", "popper": "function", "bootstrap": "function"}


@pytest.mark.slow
def test_the_site_works_with_no_network(
    chromium: str, run_cli: RunCli, warehouse: Path, tmp_path: Path
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
    site = probed_copy(warehouse / "data-docs", tmp_path / "site")
    browser = Browser(chromium, tmp_path)
    ARTIFACTS.mkdir(exist_ok=True)

    index = browser.page(site / "index.html", ARTIFACTS / "data-docs-offline.png")
    probe = probe_of(index)
    assert probe["cdn"] == "failed"  # the control: this browser reaches no CDN
    assert {k: probe[k] for k in STYLED} == STYLED, probe
    assert {k: probe["scripts"][k] for k in SCRIPTS} == SCRIPTS, probe["scripts"]
    assert probe["scripts"]["bootstrap_table"] == "function"
    assert '"Font Awesome 6 Free"' in probe["icon_font"], probe
    assert "Font Awesome 6 Free 900" in probe["fonts_loaded"], probe["fonts_loaded"]
    # the status icon's glyph at 16px: xmark is 384/512 em wide, circle-check 512/512
    assert probe["icon_width"] in (12, 16), probe
    assert probe["tab_pane"] == "tab-pane fade active show", probe  # Bootstrap's script ran

    # The listing: bootstrap-table drew one row per validation, each linking to its page.
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
    # the row's text names the run, the asset and the suite; part_pk's data suite failed
    pk_row = links[pages[f"tables-{DB}.part_pk.html"]]
    assert "part_table_data" in pk_row and f"{DB}.part_pk" in pk_row, pk_row
    statuses = [
        row["classes"].split()
        for row in Rows(index).rows
        if (row["attrs"].get("data-href") or "").startswith("validations/")
    ]
    assert sum("text-danger" in c for c in statuses) == 2  # part_pk's data, part_s3_gap's metadata
    assert sum("text-success" in c for c in statuses) == 4

    # Above the listing, the run summary: linked from the index, served from the site itself.
    shown = visible_text(index)
    assert re.search(r"Run summary: latest run \(.{20,40}, 3 alert\(s\)\)", shown), shown[:500]
    summary_dom = browser.page(
        site / "run-summaries" / "latest.html", ARTIFACTS / "data-docs-offline-summary.png"
    )
    summary = visible_text(summary_dom)
    assert "[PK_NULL] part_pk: customer_user_id NULL rows=7" in summary, summary[:500]
    assert "part_s3_gap" in summary
    assert probe_of(summary_dom)["cdn"] == "failed"

    # part_pk's table page, four folders down: styled, the failed checks above the passed one.
    pk = browser.page(
        site / pages[f"tables-{DB}.part_pk.html"], ARTIFACTS / "data-docs-offline-part_pk.png"
    )
    pk_probe = probe_of(pk)
    assert pk_probe["navbar_display"] == "flex", pk_probe
    assert "Font Awesome 6 Free 900" in pk_probe["fonts_loaded"], pk_probe
    rows = expectation_rows(pk)
    # NULLs, duplicates, count vs source, volume, bucket balance, Clean Rooms join key
    assert len(rows) == 6, rows
    null_row = next(i for i, (_, text) in enumerate(rows) if "must never be NULL." in text)
    assert rows[null_row] == (
        "failed",
        "Primary key customer_user_id must never be NULL. 7 NULL rows",
    )
    statuses_pk = [status for status, _ in rows]
    assert statuses_pk == ["failed", "failed", "passed", "passed", "passed", "passed"], (
        rows
    )  # failures first

    # part_s3_gap's inventory page: the custom expectation reads as a sentence.
    gap = visible_text(browser.page(site / pages[f"inventories-{DB}.part_s3_gap.html"]))
    assert f"All {lake_fixture.BUCKETS} id_bucket partitions must be present in storage." in gap
    assert "2 missing: 3, 9" in gap
    assert not re.search(r"expect_[a-z_]+\(\*\*", gap)


@pytest.fixture
def http_site() -> Iterator[Callable[[Path], str]]:
    """``http_site(folder) -> base URL``: the folder served on 127.0.0.1 while the test runs."""
    servers: list[ThreadingHTTPServer] = []

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

    def serve(folder: Path) -> str:
        server = ThreadingHTTPServer(("127.0.0.1", 0), partial(Quiet, directory=str(folder)))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}/"

    yield serve
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.mark.slow
def test_the_pinned_hashes_pass_the_browsers_sri_check_over_http(
    chromium: str,
    run_cli: RunCli,
    warehouse: Path,
    tmp_path: Path,
    http_site: Callable[[Path], str],
) -> None:
    """The site's scripts are the files GX's pages pinned: with the ``integrity`` attributes
    put back as GX wrote them, the browser's Subresource Integrity check passes over HTTP (as
    from S3 or CloudFront). From disk the same page loses popper and Bootstrap's script:
    Chromium cannot check integrity on file:// (no CORS there), which is why the site's
    pages keep the hash as ``data-integrity``."""
    code, _, _ = run_cli(
        "run",
        *flag_args(lake_fixture.run_flags()),
        "--warehouse",
        str(warehouse),
        "--tables",
        "part_pk",
    )
    assert code == 1
    site = probed_copy(warehouse / "data-docs", tmp_path / "site")
    for page in site.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        pinned = text.replace(' data-integrity="', ' crossorigin="anonymous" integrity="')
        page.write_text(pinned, encoding="utf-8")
    index = (site / "index.html").read_text(encoding="utf-8")
    assert index.count(' integrity="sha384-') == 2  # popper, Bootstrap's script

    over_http = Browser(chromium, tmp_path, network=LOOPBACK_ONLY)
    probe = probe_of(over_http.page(http_site(site) + "index.html"))
    assert probe["scripts"] == {
        "jquery": "function",
        "popper": "function",
        "bootstrap": "function",
        "bootstrap_table": "function",
    }, probe
    assert probe["tab_pane"] == "tab-pane fade active show"
    assert probe["cdn"] == "failed"  # only 127.0.0.1 was reachable

    from_disk = probe_of(Browser(chromium, tmp_path).page(site / "index.html"))
    assert (from_disk["scripts"]["popper"], from_disk["scripts"]["bootstrap"]) == (
        "undefined",
        "undefined",
    ), from_disk


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
