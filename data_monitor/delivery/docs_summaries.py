"""The run summaries inside the Data Docs site, linked from its index.

Analysts open the Data Docs index; the run summary (one page per run, self-contained) is what
they would rather look at first. A copy of each run's summary goes into the site under
``run-summaries/`` (so the link works wherever the site is served from: a folder, an S3 static
site, a reverse proxy), and a banner above GX's own index links the latest run and the recent
ones. Locally the folder keeps ``--docs_keep_runs`` summaries, like the validation pages; in S3
older summaries stay until a lifecycle rule removes them, and the index links the newest.
"""

from __future__ import annotations

import re
from html import escape
from pathlib import Path

from data_monitor.backends.base import DocsSite

FOLDER = "run-summaries"
LATEST = "latest.html"
RECENT_LINKS = 10
BANNER_ID = "data-monitor-run-summaries"
# GX's index: the site-name header is content block 1 of section 1; the banner goes after it.
ANCHOR = '<div id="section-1-content-block-2"'
PAGE = re.compile(r"^(\d{8}T\d{12}Z)_([0-9a-f]+)_(\d{4}-\d{2}-\d{2})\.html$")


def page_name(stamp: str, run_key: str, as_of: str) -> str:
    """``20261125T212348123456Z_ab12_2026-11-20.html``: names sort by time, to the
    microsecond (two runs can start in the same second)."""
    return f"{stamp}_{run_key}_{as_of}.html"


def link_summary(docs: DocsSite, page: bytes, name: str, alerts: int, keep: int) -> list[str]:
    """Put the run's summary into the site and the banner into its index; returns the
    files written (relative to the site), for the site to publish again."""
    if docs.site_dir is None:
        return []
    folder = docs.site_dir / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    for file_name in (name, LATEST):
        (folder / file_name).write_bytes(page)
    names = _local_pages(folder)
    if not docs.built_in_place:  # past runs' summaries are published, not in this build
        names |= {n for n in docs.published_names(FOLDER) if PAGE.match(n)}
    else:
        for old in sorted(names, reverse=True)[keep:]:
            (folder / old).unlink(missing_ok=True)
    recent = sorted(names, reverse=True)[: min(keep, RECENT_LINKS)]
    index = docs.site_dir / "index.html"
    if index.is_file():
        html = index.read_text(encoding="utf-8")
        index.write_text(with_banner(html, recent, name, alerts), encoding="utf-8")
    return [f"{FOLDER}/{name}", f"{FOLDER}/{LATEST}", "index.html"]


def _local_pages(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir() if PAGE.match(p.name)}


def with_banner(html: str, recent: list[str], current: str, alerts: int) -> str:
    """GX's index with the run-summary banner above the results (replacing an older one)."""
    html = re.sub(rf'<div id="{BANNER_ID}".*?<!-- /{BANNER_ID} -->\n?', "", html, flags=re.DOTALL)
    if ANCHOR not in html:
        return html  # a GX version with another layout: the site still works, unlinked
    latest = "no alerts" if not alerts else f"{alerts} alert(s)"
    links = " · ".join(f'<a href="{FOLDER}/{escape(n)}">{escape(_label(n))}</a>' for n in recent)
    banner = (
        f'<div id="{BANNER_ID}" class="col-12 mb-2"><div class="alert alert-info">'
        f'<strong>Run summary:</strong> <a id="{BANNER_ID}-latest" href="{FOLDER}/{LATEST}">'
        f"latest run ({escape(_label(current))}, {latest})</a>"
        f"<br><small>Recent runs: {links}</small></div></div><!-- /{BANNER_ID} -->\n"
    )
    return html.replace(ANCHOR, banner + ANCHOR, 1)


def _label(name: str) -> str:
    """``20261125T212348123456Z_ab12_2026-11-20.html`` -> "2026-11-25 21:23 UTC, as of
    2026-11-20"."""
    match = PAGE.match(name)
    if not match:
        return name
    stamp, as_of = match.group(1), match.group(3)
    return f"{stamp[:4]}-{stamp[4:6]}-{stamp[6:8]} {stamp[9:11]}:{stamp[11:13]} UTC, as of {as_of}"
