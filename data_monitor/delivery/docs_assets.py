"""Data Docs that need no network: the CSS, scripts and fonts GX's pages load, in the site.

GX 1.24's pages load jQuery, Bootstrap, bootstrap-table, popper, bootstrap-datepicker and
Font Awesome from public CDNs, and the index's listing is drawn by bootstrap-table. With no
network, or behind a Content-Security-Policy that allows only the site's own origin, the index
is an empty, unstyled page. The same files, byte-identical from their npm packages (each with
its licence), ship in this package under ``static/vendor/<package>@<version>/``. After GX builds
the site they are copied into its ``static/vendor/`` and every CDN URL of its pages becomes a
path relative to the page, so the site reads the same from a folder (file://), from S3, or
behind CloudFront under any prefix.

A page's ``integrity`` hash is checked against the shipped file when the page is rewritten (a
file that does not match is not used: the tag keeps its CDN URL). The attribute itself is then
kept as ``data-integrity``, for the record: Chromium blocks a script with an ``integrity``
attribute loaded from a file:// page, with or without ``crossorigin`` ("the resource requires
the request to be CORS enabled to check the integrity", and CORS covers HTTP(S) only), so the
tabs and collapsible sections Bootstrap's script drives would not work from a folder. Checking a
file served beside its page adds nothing the page itself does not already trust: SRI guards
against a third-party host serving other content
(https://developer.mozilla.org/en-US/docs/Web/Security/Subresource_Integrity,
https://www.w3.org/TR/SRI/#is-response-eligible-for-integrity-validation,
https://fetch.spec.whatwg.org/#cors-protocol).
"""

from __future__ import annotations

import base64
import hashlib
import logging
import re
import shutil
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

log = logging.getLogger(__name__)

VENDOR_DIR = Path(__file__).parent / "static" / "vendor"
SITE_FOLDER = "static/vendor"  # where the vendored files go in the site
# CDN URL prefix -> the same files in VENDOR_DIR (npm package@version/path inside it)
CDN_TO_VENDOR = {
    "https://code.jquery.com/jquery-3.7.1.min.js": "jquery@3.7.1/dist/jquery.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/popper.js/1.12.9/": "popper.js@1.12.9/dist/",
    "https://stackpath.bootstrapcdn.com/bootstrap/4.3.1/": "bootstrap@4.3.1/dist/",
    "https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/": "bootstrap@4.3.1/dist/",
    "https://unpkg.com/bootstrap-table@1.19.1/": "bootstrap-table@1.19.1/",
    "https://unpkg.com/bootstrap-table@1.19.0/": "bootstrap-table@1.19.0/",
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/": (
        "bootstrap-datepicker@1.9.0/dist/"
    ),
    "https://cdnjs.cloudflare.com/ajax/libs/font-awesome/6.6.0/": (
        "@fortawesome/fontawesome-free@6.6.0/"
    ),
}
# Loaded by GX's pages, not vendored, so their tags go:
# - vega, vega-lite, vega-embed (about 1 MB): they draw GX's charts, and no expectation of our
#   suites renders one; a chart a future suite adds would be missing, the rest of its page not.
# - bootstrap-dark's "prefers-dark" theme (883 KB unminified): only for readers whose system
#   asks for dark pages; without it they see Bootstrap's light theme, as everyone else does.
DROPPED_TAGS = re.compile(
    r'<script[^>]*\ssrc="https://cdn\.jsdelivr\.net/npm/vega[^"]*"[^>]*>\s*</script>\s*'
    r'|<link[^>]*\shref="https://cdn\.jsdelivr\.net/npm/@forevolve/bootstrap-dark@[^"]*"[^>]*>\s*'
)
# GX's logo is loaded from GX's own bucket; the site carries a copy of it (GX's static files).
GX_LOGO = re.compile(
    r"https://great-expectations-web-assets\.s3\.us-east-2\.amazonaws\.com/"
    r"(?:logo-long|full_logo_dark)\.png(?:\?[^\"')\s]*)?"
)
SITE_LOGO = "static/images/logo-long.png"
# a <script src> or <link href> tag, and the attributes of it that are rewritten
ASSET_TAG = re.compile(r"<(?:script|link)\b[^>]*>")
URL_ATTR = re.compile(r'\s(?:src|href)="([^"]*)"')
INTEGRITY = re.compile(r'\sintegrity="([^"]*)"')
CROSSORIGIN = re.compile(r'\scrossorigin(?:="[^"]*")?')
# a relative reference to the site's static folder; GX 1.24's validation pages link their
# favicon one folder short (three ``../`` four folders down), so the depth is set from the page
SITE_STATIC = re.compile(r"^(?:\.\./)*(static/[^\s\"]*)$")
ASSET_TAGS = {"script": "src", "link": "href", "img": "src"}


@dataclass
class Localized:
    """What making a site self-contained did: pages rewritten, and the remote assets no rule
    knew (left as they were)."""

    pages: int = 0
    unknown: set[str] = field(default_factory=set)


def vendored_files() -> list[str]:
    """Every vendored file, relative to VENDOR_DIR (posix paths, sorted)."""
    if not VENDOR_DIR.is_dir():
        raise FileNotFoundError(f"the vendored Data Docs assets are missing: {VENDOR_DIR}")
    return sorted(
        p.relative_to(VENDOR_DIR).as_posix() for p in VENDOR_DIR.rglob("*") if p.is_file()
    )


def site_assets() -> list[str]:
    """Where the vendored files go in a site (posix paths relative to the site)."""
    return [f"{SITE_FOLDER}/{name}" for name in vendored_files()]


def localize_site(site_dir: Path) -> Localized:
    """Copy the vendored assets into ``site_dir`` and point every page at them."""
    if not site_dir.is_dir():
        raise FileNotFoundError(f"no Data Docs site to make self-contained at {site_dir}")
    copy_assets(site_dir)
    done = Localized()
    for page in sorted(site_dir.rglob("*.html")):
        if page.stat().st_size == 0:  # a stand-in for a page already published
            continue
        relative = page.relative_to(site_dir).as_posix()
        text = page.read_text(encoding="utf-8")
        local = localize_page(text, relative)
        done.unknown |= remote_assets(local)
        if local != text:
            page.write_text(local, encoding="utf-8")
            done.pages += 1
    if done.unknown:
        log.warning("Data Docs pages still load from other hosts: %s", sorted(done.unknown))
    return done


def copy_assets(site_dir: Path) -> list[str]:
    """The vendored files into the site's ``static/vendor/``; returns their site paths.

    A file already there is kept: its path carries its package's version."""
    copied = []
    for name in vendored_files():
        target = site_dir / SITE_FOLDER / name
        if not target.is_file():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(VENDOR_DIR / name, target)
        copied.append(f"{SITE_FOLDER}/{name}")
    return copied


def localize_page(text: str, page: str) -> str:
    """One page's HTML with CDN URLs made relative to ``page`` (its path in the site)."""
    up = "../" * page.count("/")
    text = DROPPED_TAGS.sub("", text)
    text = GX_LOGO.sub(up + SITE_LOGO, text)
    return ASSET_TAG.sub(lambda tag: localize_tag(tag.group(0), up), text)


def localize_tag(tag: str, up: str) -> str:
    """A script or link tag pointed at the vendored copy of its CDN file, if there is one
    and it is the file the tag's ``integrity`` names."""
    url = URL_ATTR.search(tag)
    if url is None:
        return tag
    static = SITE_STATIC.match(url.group(1))
    if static:
        return tag[: url.start(1)] + up + static.group(1) + tag[url.end(1) :]
    name = vendored_name(url.group(1))
    if name is None:
        return tag
    integrity = INTEGRITY.search(tag)
    if integrity and not sri_matches(VENDOR_DIR / name, integrity.group(1)):
        log.warning("%s is not the file %s names; the page keeps the CDN URL", name, url.group(1))
        return tag
    local = tag[: url.start(1)] + f"{up}{SITE_FOLDER}/{name}" + tag[url.end(1) :]
    local = INTEGRITY.sub(r' data-integrity="\1"', local)
    return CROSSORIGIN.sub("", local)


def vendored_name(url: str) -> str | None:
    """The vendored file (relative to VENDOR_DIR) that is the CDN's ``url``, if shipped."""
    for prefix, vendored in CDN_TO_VENDOR.items():
        if url.startswith(prefix):
            name = vendored + url[len(prefix) :]
            return name if (VENDOR_DIR / name).is_file() else None
    return None


def sri_matches(path: Path, integrity: str) -> bool:
    """True when one of the ``integrity`` hashes is the file's (sha256/384/512, base64)."""
    data = path.read_bytes()
    for token in integrity.split():
        algorithm, _, expected = token.partition("-")
        if algorithm in ("sha256", "sha384", "sha512"):
            digest = base64.b64encode(hashlib.new(algorithm, data).digest()).decode()
            if digest == expected.split("?")[0]:
                return True
    return False


class _AssetUrls(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        wanted = ASSET_TAGS.get(tag)
        value = dict(attrs).get(wanted) if wanted else None
        if value and not (tag == "link" and _is_navigation(attrs)):
            self.urls.append(value)


def _is_navigation(attrs: list[tuple[str, str | None]]) -> bool:
    """A <link> the browser does not load on its own (e.g. rel=canonical)."""
    rel = (dict(attrs).get("rel") or "").lower().split()
    return not ({"stylesheet", "icon", "preload", "modulepreload", "manifest"} & set(rel))


def asset_urls(html: str) -> list[str]:
    """The URLs a page loads by itself: script src, stylesheet/icon link href, img src, and
    CSS url(...) in its inline styles."""
    parser = _AssetUrls()
    parser.feed(html)
    inline = re.findall(r"url\(\s*['\"]?([^'\")\s]+)", html)
    return parser.urls + [u for u in inline if not u.startswith("data:")]


def remote_assets(html: str) -> set[str]:
    """The page's asset URLs on another host (http://, https:// or scheme-relative //)."""
    return {u for u in asset_urls(html) if re.match(r"(?i)(https?:)?//", u)}
