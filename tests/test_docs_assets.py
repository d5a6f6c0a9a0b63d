"""The Data Docs site loads nothing from another host: GX's CDN scripts, styles and fonts are
the site's own files (delivery/docs_assets.py), on both backends."""

from __future__ import annotations

import base64
import hashlib
import posixpath
import re
from pathlib import Path
from typing import Any

import boto3
import pytest

from data_monitor.backends.aws.store import S3Store
from data_monitor.delivery import docs_assets
from data_monitor.delivery.docs_assets import (
    VENDOR_DIR,
    asset_urls,
    localize_page,
    remote_assets,
    site_assets,
)
from tests import lake_fixture
from tests.conftest import RunCli, flag_args
from tests.test_aws_run import REGION, aws_args

POPPER = "sha384-ApNbgh9B+Y1QKtv3Rn7W3mgPxhU9K/ScQsAP7hUibX39j7fakFPskvXusvfa0b4Q"
BOOTSTRAP_JS = "sha384-JjSmVgyd0p3pXB1rRibZUAYoIIy6OrQ6VrjIEaFf/nJGzIxFDsf4x0xIM+B07jRM"
# What GX 1.24's index loads, now from the site: its tags in order, then its inline CSS's url()
INDEX_ASSETS = [
    "static/vendor/bootstrap-table@1.19.1/dist/bootstrap-table.min.css",
    "static/vendor/bootstrap@4.3.1/dist/css/bootstrap.min.css",
    "static/vendor/bootstrap-table@1.19.0/dist/extensions/filter-control/"
    "bootstrap-table-filter-control.min.css",
    "static/vendor/bootstrap-datepicker@1.9.0/dist/css/bootstrap-datepicker.min.css",
    "static/vendor/@fortawesome/fontawesome-free@6.6.0/css/all.min.css",
    "static/vendor/jquery@3.7.1/dist/jquery.min.js",
    "static/vendor/popper.js@1.12.9/dist/umd/popper.min.js",
    "static/vendor/bootstrap@4.3.1/dist/js/bootstrap.min.js",
    "static/vendor/bootstrap-table@1.19.1/dist/bootstrap-table.min.js",
    "static/vendor/bootstrap-table@1.19.1/dist/extensions/filter-control/"
    "bootstrap-table-filter-control.min.js",
    "static/vendor/bootstrap-datepicker@1.9.0/dist/js/bootstrap-datepicker.min.js",
    "./static/images/favicon.ico",
    "static/images/logo-long.png",  # GX's logo, once from GX's bucket
    "static/images/logo-long.png",  # and as the navigation bar's background
]


def sha384(data: bytes) -> str:
    return "sha384-" + base64.b64encode(hashlib.sha384(data).digest()).decode()


def integrity_of(html: str) -> dict[str, str]:
    """{script src: its recorded integrity hash} of a page."""
    tags = re.findall(r"<script\b[^>]*>", html)
    found = {}
    for tag in tags:
        src, sri = re.search(r'src="([^"]+)"', tag), re.search(r'integrity="([^"]+)"', tag)
        if src and sri:
            found[src.group(1)] = sri.group(1)
    return found


def css_urls(css: str) -> list[str]:
    return [u for u in re.findall(r"url\(\s*['\"]?([^'\")\s]+)", css) if not u.startswith("data:")]


@pytest.fixture
def site(run_cli: RunCli, warehouse: Path) -> Path:
    code, _, err = run_cli(
        "run",
        *flag_args(lake_fixture.run_flags()),
        "--warehouse",
        str(warehouse),
        "--tables",
        "part_pk,part_s3_gap",
    )
    assert code == 1, err[-2000:]
    return warehouse / "data-docs"


def test_the_site_loads_nothing_from_another_host(site: Path) -> None:
    pages = sorted(site.rglob("*.html"))
    names = {p.relative_to(site).parts[0] for p in pages}
    assert names == {"index.html", "expectations", "validations", "run-summaries"}
    assert len(pages) == 1 + 3 + 6 + 2  # index, suites, validations, summaries (run + latest)
    resolved: set[str] = set()
    for page in pages:
        relative = page.relative_to(site).as_posix()
        html = page.read_text(encoding="utf-8")
        assert remote_assets(html) == set(), relative
        for url in asset_urls(html):
            target = posixpath.normpath(posixpath.join(posixpath.dirname(relative), url))
            assert not target.startswith(".."), (relative, url)  # never outside the site
            assert (site / target).is_file(), (relative, url)
            resolved.add(target)
    index = site / "index.html"
    assert asset_urls(index.read_text(encoding="utf-8")) == INDEX_ASSETS
    # a validation page four folders down reaches the same files
    deep = next((site / "validations").rglob("tables-*.part_pk.html"))
    assert '<script src="../../../../static/vendor/jquery@3.7.1/dist/jquery.min.js">' in (
        deep.read_text(encoding="utf-8")
    )
    # the fonts the Font Awesome stylesheet names are in the site too
    css = site / "static/vendor/@fortawesome/fontawesome-free@6.6.0/css/all.min.css"
    fonts = sorted({posixpath.normpath(f"{css.parent}/{u}") for u in css_urls(css.read_text())})
    assert [Path(f).name for f in fonts] == [
        f"fa-{face}.{ext}"
        for face in ("brands-400", "regular-400", "solid-900", "v4compatibility")
        for ext in ("ttf", "woff2")
    ]
    assert all(Path(f).is_file() for f in fonts)
    # every stylesheet the pages load names only files of the site (or data: URIs)
    for target in sorted(t for t in resolved if t.endswith(".css")):
        for url in css_urls((site / target).read_text(encoding="utf-8")):
            assert not re.match(r"(https?:)?//", url), (target, url)


def test_the_scripts_are_the_files_the_pages_pinned(site: Path) -> None:
    """The shipped files are the ones GX's pages name by hash (the integrity GX wrote is kept
    beside the tag), and the site's copies are the shipped files."""
    index = (site / "index.html").read_text(encoding="utf-8")
    assert integrity_of(index) == {
        "static/vendor/popper.js@1.12.9/dist/umd/popper.min.js": POPPER,
        "static/vendor/bootstrap@4.3.1/dist/js/bootstrap.min.js": BOOTSTRAP_JS,
    }
    checked = 0
    for page in site.rglob("*.html"):
        relative = page.relative_to(site).as_posix()
        for src, pinned in integrity_of(page.read_text(encoding="utf-8")).items():
            target = posixpath.normpath(posixpath.join(posixpath.dirname(relative), src))
            assert sha384((site / target).read_bytes()) == pinned, (relative, src)
            checked += 1
    assert checked == 2 * 10  # two pinned scripts on each of GX's ten pages
    for asset in site_assets():
        shipped = VENDOR_DIR / asset.removeprefix("static/vendor/")
        assert (site / asset).read_bytes() == shipped.read_bytes(), asset
    assert " crossorigin" not in index and ' integrity="' not in index


def test_the_run_summary_in_the_site_loads_nothing(site: Path) -> None:
    for page in (site / "run-summaries").glob("*.html"):
        html = page.read_text(encoding="utf-8")
        assert asset_urls(html) == [], page.name  # inline CSS and SVG only
        assert not re.search(r"<(script|link|img)\b", html)


# --- the rewriting rules, on one tag at a time ---------------------------------------------


def test_a_page_two_folders_down_climbs_two_folders() -> None:
    html = '<script src="https://code.jquery.com/jquery-3.7.1.min.js"></script>'
    assert localize_page(html, "expectations/x/page.html") == (
        '<script src="../../static/vendor/jquery@3.7.1/dist/jquery.min.js"></script>'
    )


def test_a_file_that_is_not_the_pinned_one_keeps_its_cdn_url() -> None:
    wrong = "sha384-" + "A" * 64
    html = (
        '<script src="https://stackpath.bootstrapcdn.com/bootstrap/4.3.1/js/bootstrap.min.js" '
        f'integrity="{wrong}" crossorigin="anonymous"></script>'
    )
    assert localize_page(html, "index.html") == html


def test_charts_and_the_dark_theme_are_dropped_and_unknown_hosts_reported() -> None:
    html = (
        '<script src="https://cdn.jsdelivr.net/npm/vega@5"></script>\n'
        '<link rel="stylesheet" href="https://cdn.jsdelivr.net/npm/@forevolve/'
        'bootstrap-dark@1.1.0/dist/css/bootstrap-prefers-dark.css" />\n'
        '<script src="https://cdn.example.com/other.js"></script>'
        '<a href="https://greatexpectations.io">GX</a>'
    )
    local = localize_page(html, "index.html")
    assert local == '<script src="https://cdn.example.com/other.js"></script>' + (
        '<a href="https://greatexpectations.io">GX</a>'
    )
    assert remote_assets(local) == {"https://cdn.example.com/other.js"}  # links are not loads


def test_a_missing_site_is_a_one_line_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="no Data Docs site to make self-contained"):
        docs_assets.localize_site(tmp_path / "absent")


# --- the AWS backend: the assets go to S3 once ---------------------------------------------


def test_the_s3_site_carries_its_assets_and_sends_them_once(
    run_cli: RunCli,
    aws_lake: dict[str, str],
    local_athena: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    puts: list[str] = []
    write_bytes = S3Store.write_bytes

    def counted(
        self: S3Store, uri: str, data: bytes, content_type: str, cache: str | None = None
    ) -> str:
        puts.append(uri)
        return write_bytes(self, uri, data, content_type, cache)

    monkeypatch.setattr(S3Store, "write_bytes", counted)
    site_uri = f"s3://{lake_fixture.REPORT_BUCKET}/data-monitor/data-docs/"
    per_run = []
    for _ in range(2):
        puts.clear()
        code, _, err = run_cli(*aws_args(aws_lake["topic"], "--tables", "part_clean_01"))
        assert code == 0, err[-2000:]
        site_puts = [u.removeprefix(site_uri) for u in puts if u.startswith(site_uri)]
        per_run.append(site_puts)
    assets = site_assets()
    first, second = ([p for p in run if p.startswith("static/vendor/")] for run in per_run)
    assert sorted(first) == assets and len(assets) == 27
    assert second == []  # already published: the second run sends none of them
    assert len(per_run[0]) - len(per_run[1]) == len(assets)
    assert per_run[1][-1] == "index.html"  # still the last one

    s3 = boto3.client("s3", region_name=REGION)
    prefix = "data-monitor/data-docs/"
    listed = s3.list_objects_v2(Bucket=lake_fixture.REPORT_BUCKET, Prefix=prefix)
    keys = {o["Key"].removeprefix(prefix) for o in listed["Contents"]}
    assert set(assets) <= keys
    index = s3.get_object(Bucket=lake_fixture.REPORT_BUCKET, Key=prefix + "index.html")
    html = index["Body"].read().decode()
    assert remote_assets(html) == set()
    loaded = asset_urls(html)
    assert "static/vendor/jquery@3.7.1/dist/jquery.min.js" in loaded
    assert {posixpath.normpath(u) for u in loaded} <= keys
    jquery = s3.get_object(
        Bucket=lake_fixture.REPORT_BUCKET,
        Key=prefix + "static/vendor/jquery@3.7.1/dist/jquery.min.js",
    )
    assert jquery["ContentType"] == "text/javascript"
    # what a cache in front of the site may keep: the versioned assets for a year, the pages
    # (new every run) revalidated each time
    assert jquery["CacheControl"] == "public, max-age=31536000, immutable"
    assert index["CacheControl"] == "no-cache"
    assert jquery["Body"].read() == (VENDOR_DIR / "jquery@3.7.1/dist/jquery.min.js").read_bytes()
