"""One run on one self-contained HTML page, built from the JSON report document.

Inline CSS and inline SVG only (no script, font or image from anywhere), so the page reads the
same opened from disk, from S3 or offline. Every value taken from the report is escaped.
"""

from __future__ import annotations

import math
from collections import Counter
from html import escape
from typing import Any

from data_monitor.model.athena_bill import bill_text
from data_monitor.model.catalog import PARTITION_KEY
from data_monitor.model.checks import Severity

STATUS_ORDER = {"error": 0, "alerts": 1, "not checked": 2, "ok": 3}
# bucket state -> (CSS class, legend text)
BUCKET_STATES = {
    "present": ("present", "in storage and registered"),
    "only in storage": ("unreg", "only in storage (not registered before this run)"),
    "missing": ("missing", "missing from storage"),
    "skewed": ("skewed", "rows far from the mean bucket (partition skew)"),
}
CSS = """
body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:24px;color:#1f2328}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px}
.meta{color:#57606a;margin-bottom:12px}
.totals{display:flex;gap:12px;flex-wrap:wrap}
.total{border:1px solid #d0d7de;border-radius:6px;padding:8px 14px;min-width:120px}
.total b{display:block;font-size:20px}
.partial{background:#ffebe9;border:1px solid #cf222e;color:#82071e;padding:8px 12px;
border-radius:6px;margin:12px 0;font-weight:600}
table{border-collapse:collapse;width:100%}
th,td{border-bottom:1px solid #d8dee4;padding:5px 8px;text-align:left;vertical-align:top}
th{background:#f6f8fa;font-size:12px}td.n{text-align:right;font-variant-numeric:tabular-nums}
td.nw,td.n{white-space:nowrap}
.badge{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px;font-weight:600;
color:#fff;white-space:nowrap}
.s-ok{background:#1a7f37}.s-alerts{background:#bc4c00}.s-error{background:#cf222e}
.s-not-checked{background:#6e7781}
ul.alerts{margin:0;padding-left:16px;font-size:12px}ul.alerts li{word-break:break-word}
.st{font-size:11px;color:#57606a;margin-left:4px}.st-new{color:#cf222e;font-weight:600}
.cards{display:flex;flex-wrap:wrap;gap:14px;align-items:flex-start}
.card{border:1px solid #d0d7de;border-radius:6px;padding:10px 12px}
.card h3{font-size:14px;margin:0 0 6px}.note{font-size:12px;color:#57606a;margin:4px 0}
.grid{display:grid;gap:2px;margin:4px 0}
.grid i,.legend i{display:inline-block;width:12px;height:12px;box-sizing:border-box}
.present{background:#2da44e}.unreg{background:#d4a72c}.skewed{background:#8250df}
.missing{background:#fff;border:2px solid #cf222e}
.legend{display:flex;gap:16px;margin:4px 0 10px;font-size:12px}
.legend span{display:flex;gap:5px;align-items:center}
svg text{font-size:10px;fill:#57606a}
"""


def render_summary(document: dict[str, Any]) -> str:
    """The run's summary page (a complete HTML document) from ``report_document``'s dict."""
    rows = sorted(document.get("tables") or [], key=_row_order)
    buckets = int(document.get("bucket_count") or 0)
    title = f"Data Monitor — {document.get('database', '')} — {document.get('generated_at', '')}"
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en"><head><meta charset="utf-8">',
            f"<title>{escape(title)}</title><style>{CSS}</style></head><body>",
            _header(document, rows),
            "<h2>Tables</h2>",
            _table(rows, _states(document)),
            "<h2>Partitions and row counts</h2>",
            _legend(),
            '<div class="cards">',
            *(_card(row, buckets) for row in rows),
            "</div></body></html>",
        ]
    )


def _row_order(row: dict[str, Any]) -> int:
    return STATUS_ORDER.get(str(row.get("status")), 1)


def _fmt(value: Any) -> str:
    if value is None or value == "":
        return "—"
    return f"{value:,}" if isinstance(value, int) and not isinstance(value, bool) else str(value)


def _header(document: dict[str, Any], rows: list[dict[str, Any]]) -> str:
    details = document.get("alert_details") or []
    severities = Counter(str(d.get("severity")) for d in details)
    statuses = Counter(str(r.get("status")) for r in rows)
    checked = len(rows) - statuses["not checked"]
    by_severity = " · ".join(f"{s} {severities[s]}" for s in Severity)
    by_status = " · ".join(f"{s} {statuses[s]}" for s in STATUS_ORDER if statuses[s])
    when = str(document.get("generated_at", "")).replace("T", " ").replace("Z", " UTC")
    database, prefix, buckets = (
        escape(str(document.get(k, ""))) for k in ("database", "prefix", "bucket_count")
    )
    parts = [
        f"<h1>Data Monitor — {database}</h1>",
        f'<div class="meta">Run at {escape(when)} · tables {prefix}*'
        f" · {buckets} id_bucket partitions per table</div>",
    ]
    if document.get("partial"):
        parts.append(
            '<div class="partial">Partial run: the run was stopped before every table was '
            "checked; the figures below cover the tables checked.</div>"
        )
    parts.append('<div class="totals">')
    parts.append(_total("Tables checked", f"{checked} of {len(rows)}", by_status))
    parts.append(_total("Alerts", str(len(document.get("alerts") or [])), by_severity))
    bill = document.get("athena")
    if isinstance(bill, dict):
        cost = f"${float(bill.get('estimated_cost_usd') or 0):.6f}"
        parts.append(_total("Athena (estimated)", cost, bill_text(bill)))
    parts.append("</div>")
    counts = document.get("alert_states")
    if isinstance(counts, dict):
        since = " · ".join(f"{k} {counts.get(k, 0)}" for k in ("ongoing", "resolved"))
        parts.insert(-1, _total("Since the last run", str(counts.get("new", 0)) + " new", since))
    run_wide = [d["line"] for d in details if d.get("table") == "*"]
    if run_wide:
        parts.append("<h2>Run alerts</h2>" + _alert_list(run_wide, _states(document)))
    resolved = [r for r in document.get("resolved_alerts") or [] if isinstance(r, dict)]
    if resolved:
        items = "".join(
            f'<li>{escape(str(r.get("line")))}<span class="st">open since '
            f"{escape(str(r.get('first_seen')))}, {escape(str(r.get('runs')))} run(s)</span></li>"
            for r in resolved
        )
        parts.append(f'<h2>Resolved since the last run</h2><ul class="alerts">{items}</ul>')
    return "\n".join(parts)


def _states(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Each alert line's state (new, or ongoing since a day) from the report's details."""
    details = document.get("alert_details") or []
    return {str(d.get("line")): d for d in details if isinstance(d, dict) and d.get("state")}


def _state_tag(detail: dict[str, Any] | None) -> str:
    if detail is None:
        return ""
    if detail.get("state") == "new":
        return '<span class="st st-new">new</span>'
    first, runs = escape(str(detail.get("first_seen"))), escape(str(detail.get("runs")))
    return f'<span class="st">since {first}, {runs} runs</span>'


def _total(label: str, value: str, detail: str) -> str:
    return (
        f'<div class="total">{escape(label)}<b>{escape(value)}</b>'
        f'<span class="note">{escape(detail)}</span></div>'
    )


def _alert_list(lines: list[str], states: dict[str, dict[str, Any]] | None = None) -> str:
    tags = states or {}
    items = "".join(
        f"<li>{escape(str(line))}{_state_tag(tags.get(str(line)))}</li>" for line in lines
    )
    return f'<ul class="alerts">{items}</ul>' if items else ""


def _badge(status: str) -> str:
    return f'<span class="badge s-{escape(status.replace(" ", "-"))}">{escape(status)}</span>'


def _table(rows: list[dict[str, Any]], states: dict[str, dict[str, Any]]) -> str:
    head = (
        "<tr><th>Table</th><th>Status</th><th>count_part</th><th>count_src</th><th>diff %</th>"
        "<th>PK nulls</th><th>PK dupes</th><th>S3 / Glue partitions</th><th>Snapshot</th>"
        "<th>Clean Rooms</th><th>Schema</th><th>Alerts</th></tr>"
    )
    body = "".join(_table_row(r, states) for r in rows)
    return f'<table class="tables">{head}{body}</table>'


def _table_row(row: dict[str, Any], states: dict[str, dict[str, Any]]) -> str:
    name = str(row.get("table", ""))
    partitions = f"{_fmt(row.get('s3_partitions'))} / {_fmt(row.get('glue_partitions'))}"
    if row.get("missing_glue_count"):
        partitions += f" ({_fmt(row['missing_glue_count'])} unregistered)"
    numbers = (row.get(k) for k in ("count_part", "count_src", "count_diff_pct", "pk_nulls"))
    cells = "".join(f'<td class="n">{escape(_fmt(v))}</td>' for v in numbers)
    return (
        f'<tr><td><a href="#t-{escape(name)}">{escape(name)}</a></td>'
        f"<td>{_badge(str(row.get('status', '')))}</td>{cells}"
        f'<td class="n">{escape(_fmt(row.get("pk_dupes")))}</td><td>{escape(partitions)}</td>'
        f'<td class="nw">{escape(_fmt(row.get("raw_input_snapshot_dt")))}</td>'
        f"<td>{_readiness(row.get('clean_rooms_ready'))}</td>"
        f"<td>{_schema(row.get('schema_changes'))}</td>"
        f"<td>{_alert_list(row.get('alerts') or [], states)}</td></tr>"
    )


def _readiness(verdict: object) -> str:
    """The readiness suite's verdict: ready, the rules it fails, or a dash (not judged)."""
    if not isinstance(verdict, dict):
        return "-"
    if verdict.get("ready"):
        return "ready"
    failing = [str(f).removeprefix("expect_") for f in verdict.get("failing") or []]
    return "not ready: " + escape(", ".join(failing))


def _schema(changes: object) -> str:
    """What changed in the columns since the last run, "unchanged", or a dash (not compared)."""
    if not isinstance(changes, list):
        return "-"
    return escape("; ".join(str(c) for c in changes)) if changes else "unchanged"


def _legend() -> str:
    items = "".join(
        f'<span><i class="{css}"></i>{escape(text)}</span>' for css, text in BUCKET_STATES.values()
    )
    return f'<div class="legend">{items}</div>'


def _card(row: dict[str, Any], buckets: int) -> str:
    name = str(row.get("table", ""))
    return (
        f'<div class="card" id="t-{escape(name)}"><h3>{escape(name)} '
        f"{_badge(str(row.get('status', '')))}</h3>{_grid(row, buckets)}{_sparkline(row)}</div>"
    )


def bucket_states(row: dict[str, Any], buckets: int) -> list[str]:
    """Each bucket's state (a key of ``BUCKET_STATES``), buckets 0..N-1 in order."""
    stored = set(row.get("storage_buckets") or [])
    unregistered = set(row.get("unregistered_buckets") or [])
    skewed = {str(b) for b in row.get("skewed_buckets") or []}
    return [
        "missing"
        if b not in stored
        else "only in storage"
        if b in unregistered
        else "skewed"
        if str(b) in skewed
        else "present"
        for b in range(buckets)
    ]


def _grid(row: dict[str, Any], buckets: int) -> str:
    if row.get("status") == "not checked" or not row.get("location"):
        return '<p class="note">partitions not inventoried</p>'
    states = bucket_states(row, buckets)
    columns = max(1, math.ceil(math.sqrt(buckets)))
    cells = "".join(
        f'<i class="{BUCKET_STATES[s][0]}" title="{PARTITION_KEY}={b}: {s}"></i>'
        for b, s in enumerate(states)
    )
    counts = Counter(states)
    summary = ", ".join(f"{counts[s]} {s}" for s in BUCKET_STATES if counts[s])
    return (
        f'<div class="grid" style="grid-template-columns:repeat({columns},12px)">{cells}</div>'
        f'<p class="note">{escape(summary)}</p>'
    )


def _sparkline(row: dict[str, Any], width: int = 240, height: int = 64) -> str:
    history = [int(v) for v in row.get("row_count_history") or []]
    current = row.get("count_part")
    points = history + ([int(current)] if isinstance(current, int) else [])
    if len(points) < 2:
        return '<p class="note">Row count: no history yet</p>'
    left, top, bottom = 46, 6, height - 6
    low, high = min(points), max(points)
    step = (width - left - 8) / (len(points) - 1)

    def y(value: int) -> float:
        if high == low:
            return (top + bottom) / 2
        return bottom - (value - low) * (bottom - top) / (high - low)

    xy = [(left + i * step, y(v)) for i, v in enumerate(points)]
    dots = []
    for i, ((px, py), value) in enumerate(zip(xy, points, strict=True)):
        last = i == len(points) - 1 and isinstance(current, int)
        label = "this run" if last else f"{len(points) - 1 - i} run(s) ago"
        style = 'class="current" r="4" fill="#cf222e"' if last else 'r="2.5" fill="#0969da"'
        tip = f"<title>{label}: {value:,}</title>"
        dots.append(f'<circle cx="{px:.1f}" cy="{py:.1f}" {style}>{tip}</circle>')
    line = " ".join(f"{px:.1f},{py:.1f}" for px, py in xy)
    return (
        f'<svg class="sparkline" width="{width}" height="{height}" role="img" '
        f'aria-label="row count over the last {len(points)} runs">'
        f'<line x1="{left - 4}" y1="{top}" x2="{left - 4}" y2="{bottom}" stroke="#d0d7de"/>'
        f'<text x="{left - 8}" y="{top + 8}" text-anchor="end">{high:,}</text>'
        f'<text x="{left - 8}" y="{bottom}" text-anchor="end">{low:,}</text>'
        f'<polyline points="{line}" fill="none" stroke="#0969da" stroke-width="1.5"/>'
        f'{"".join(dots)}</svg><p class="note">Row count, last {len(points)} runs</p>'
    )
