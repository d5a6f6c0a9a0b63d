"""Validation results -> alert lines in the seed's formats, and the SNS subject/message.

Each failed expectation becomes one line ``[CODE] table: text``. The code and severity come
from the expectation's ``meta`` (``alert_code``, ``severity``) so a user can set them in suite
JSON; the text follows the seed for the seed's checks. An expectation that could not run
becomes ``[ERROR]`` with the reason: a check that did not run is never silence.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from data_monitor.sentences import observed_of, sentence_of

SEVERITIES = ("High", "Medium", "Low")
SUBJECT_LIMIT = 99  # SNS: fewer than 100 characters
SUBJECT_HEAD = "[DATA MONITOR]"
PREFIX_ROOM = 30  # a long table prefix is cut too, so the count always fits
MESSAGE_LIMIT = 262_144  # SNS: at most 256 KB


@dataclass(frozen=True)
class Alert:
    code: str
    severity: str
    table: str
    text: str

    @property
    def line(self) -> str:
        return f"[{self.code}] {self.table}: {self.text}"


Formatter = Callable[[dict[str, Any], dict[str, Any], dict[str, Any]], str]


def _pk_null(kwargs: dict[str, Any], result: dict[str, Any], params: dict[str, Any]) -> str:
    return f"{kwargs['pk_column']} NULL rows={result['observed_value']}"


def _pk_dupes(kwargs: dict[str, Any], result: dict[str, Any], params: dict[str, Any]) -> str:
    return f"{kwargs['pk_column']} duplicate rows={result['observed_value']}"


def format_pct(diff: Any) -> str:
    return "inf" if diff == "inf" else f"{float(diff):.6f}"


def _count(kwargs: dict[str, Any], result: dict[str, Any], params: dict[str, Any]) -> str:
    seen = result["observed_value"]
    return (
        f"{params['database']}.{params['table']}={seen['part']} vs "
        f"{kwargs['source_schema']}.{kwargs['source_table']}={seen['source']} "
        f"(Δ={format_pct(seen['diff_pct'])}%)"
    )


def listed(values: list[Any], total: int, limit: int = 10) -> str:
    """The first ``limit`` values, then how many more there are."""
    shown = ", ".join(str(v) for v in values[:limit])
    return shown + (f", ... ({total - limit} more)" if total > limit else "")


def _storage(kwargs: dict[str, Any], result: dict[str, Any], params: dict[str, Any]) -> str:
    d = result["details"]
    parts = []
    if d["missing_count"]:
        parts.append(
            f"S3 missing {d['missing_count']} of {d['bucket_count']} id_bucket "
            f"partitions ({listed(d['missing'], d['missing_count'])})"
        )
    if d["unexpected"]:
        parts.append(
            f"unexpected id_bucket partitions beyond {d['bucket_count'] - 1}: "
            f"{listed(d['unexpected'], len(d['unexpected']))}"
        )
    return "; ".join(parts)


def _registered(kwargs: dict[str, Any], result: dict[str, Any], params: dict[str, Any]) -> str:
    d = result["details"]
    if d["projection"]:
        return "partition projection invalid: " + "; ".join(d["problems"])
    text = f"Glue missing {d['missing_before_count']} partitions"
    if d["repaired"]:
        text += f" (auto-repaired {d['repaired']} via {d['repair_mode']})"
    if d["still_missing_count"] and d["repair_mode"] != "off":
        text += f"; still unregistered: {listed(d['still_missing'], d['still_missing_count'])}"
    if d.get("repair_error"):
        text += f"; {d['repair_error']}"
    return text


def _misplaced(kwargs: dict[str, Any], result: dict[str, Any], params: dict[str, Any]) -> str:
    d = result["details"]
    shown = [f"id_bucket={m['bucket']} -> {m['location']}" for m in d["misplaced"]]
    return (
        f"{d['misplaced_count']} registered partition(s) point outside the table location: "
        f"{listed(shown, d['misplaced_count'])}"
    )


def _problems(kwargs: dict[str, Any], result: dict[str, Any], params: dict[str, Any]) -> str:
    return "; ".join(result["details"]["problems"])


def _freshness(kwargs: dict[str, Any], result: dict[str, Any], params: dict[str, Any]) -> str:
    d = result["details"]
    state, seen = d["state"], result["observed_value"]
    if state == "missing":
        return f"processed snapshot missing ({d['uri']})"
    if state == "unparseable":
        return (
            f"processed snapshot unreadable: {d['text_sample']} in {d['uri']} (expected YYYY-MM-DD)"
        )
    if state == "future":
        return f"processed snapshot {seen} is in the future (as of {kwargs['as_of']})"
    return (
        f"processed snapshot too old: {seen} is {d['age_days']} days old "
        f"(window {d['window_days']} days)"
    )


def _file_size(kwargs: dict[str, Any], result: dict[str, Any], params: dict[str, Any]) -> str:
    d = result["details"]
    return (
        f"{result['observed_value']} of {d['files_checked']} sampled file(s) outside "
        f"{float(kwargs['min_mb']):g}-{float(kwargs['max_mb']):g} MB: " + ", ".join(d["issues"][:5])
    )


def _volume(kwargs: dict[str, Any], result: dict[str, Any], params: dict[str, Any]) -> str:
    d = result["details"]
    return (
        f"{result['observed_value']:,} rows vs a mean of {d['mean']:,} over the last "
        f"{d['points']} days ({d['change_pct']}%, z={d['z_score']})"
    )


def _stalled(kwargs: dict[str, Any], result: dict[str, Any], params: dict[str, Any]) -> str:
    d = result["details"]
    return (
        f"snapshot date {result['observed_value']} has not changed for {d['unchanged_runs']} "
        f"days (limit {d['limit']})"
    )


def _skew(kwargs: dict[str, Any], result: dict[str, Any], params: dict[str, Any]) -> str:
    d = result["details"]
    full, empty = d["fullest"], d["emptiest"]
    return (
        f"id_bucket={full['bucket']} holds {full['rows']:,} rows, {full['ratio']}x the mean of "
        f"{d['mean']:,} over {d['buckets']} buckets; the emptiest, id_bucket={empty['bucket']}, "
        f"holds {empty['rows']:,} ({empty['ratio']}x)"
    )


FORMATTERS: dict[str, tuple[str, str, Formatter]] = {
    "expect_id_bucket_rows_to_be_balanced": ("PARTITION_SKEW", "Low", _skew),
    "expect_snapshot_to_advance": ("FRESHNESS_STALLED", "Medium", _stalled),
    "expect_row_count_to_follow_history": ("VOLUME_ANOMALY", "Medium", _volume),
    "expect_primary_key_values_to_not_be_null": ("PK_NULL", "High", _pk_null),
    "expect_primary_key_values_to_be_unique": ("PK_DUPES", "High", _pk_dupes),
    "expect_row_count_to_match_source": ("COUNT_MISMATCH", "High", _count),
    "expect_id_bucket_partitions_in_storage": ("S3_PARTITIONS", "Medium", _storage),
    "expect_id_bucket_partitions_registered": ("ALERT", "Medium", _registered),
    "expect_id_bucket_partitions_at_table_location": ("PARTITION_LOCATION", "High", _misplaced),
    "expect_table_to_be_external_parquet": ("TABLE_TYPE", "Medium", _problems),
    "expect_table_schema_contract": ("CONTRACT", "Medium", _problems),
    "expect_snapshot_to_be_fresh": ("FRESHNESS", "Medium", _freshness),
    "expect_file_sizes_in_range": ("FILE_SIZE", "Low", _file_size),
}


def check_name(expectation_type: str) -> str:
    return expectation_type.removeprefix("expect_").replace("_", " ")


def alert_for(table: str, expectation: dict[str, Any], params: dict[str, Any]) -> Alert | None:
    """The alert for one expectation result (a plain dict), or None when it passed."""
    config = expectation["expectation_config"]
    etype, kwargs, meta = config["type"], config.get("kwargs", {}), config.get("meta") or {}
    reason = exception_reason(expectation)
    if reason is not None:
        return Alert("ERROR", "High", table, f"{check_name(etype)} could not run: {reason}")
    if expectation.get("success"):
        return None
    code, severity, formatter = FORMATTERS.get(etype, ("EXPECTATION", "Medium", _generic))
    code = str(meta.get("alert_code") or code)
    severity = str(meta.get("severity") or severity)
    if severity not in SEVERITIES:
        severity = "Medium"
    result = expectation.get("result") or {}
    params = {**params, "_type": etype}
    try:
        text = formatter(kwargs, result, params)
    except (KeyError, TypeError, ValueError):
        text = _generic(kwargs, result, params)
    return Alert(code, severity, table, text)


def exception_reason(expectation: dict[str, Any]) -> str | None:
    """Why an expectation could not run, in one line, or None if it ran.

    GX reports an error of the expectation itself as ``{"raised_exception": true, ...}`` and a
    failed metric (a query that failed) as ``{<metric id>: {"exception_message": ...}}``. Only
    the first line of the message is kept: drivers append the whole SQL statement after it.
    """
    info = expectation.get("exception_info") or {}
    entries = [info] if "raised_exception" in info else list(info.values())
    for entry in entries:
        if isinstance(entry, dict) and (
            entry.get("raised_exception") or entry.get("exception_message")
        ):
            message = str(entry.get("exception_message") or "unknown error")
            first = message.split("\n[SQL:")[0].strip().splitlines()[0:2]
            return " ".join(" ".join(first).split())[:400]
    return None


def _generic(kwargs: dict[str, Any], result: dict[str, Any], params: dict[str, Any]) -> str:
    """For any other expectation (a user's): its Data Docs sentence and what was observed."""
    return f"{sentence_of(params['_type'], kwargs)} — observed {observed_of(result)}"


def subject_for(database: str, prefix: str, count: int) -> str:
    """The seed's subject made safe for SNS: printable ASCII, one line, under 100 characters.

    SNS Publish takes a subject with "no line breaks or control characters", "less than 100
    characters long"; its reference long said "ASCII text" (today "UTF-8 text"), and SNS is
    documented to replace a subject holding control or non-ASCII characters with an error
    text. So the seed's em dash is " - " and the names are folded to ASCII; the message body
    stays UTF-8. A long name is cut, never the count.
      https://docs.aws.amazon.com/sns/latest/api/API_Publish.html
      https://docs.aws.amazon.com/prometheus/latest/userguide/AMP-alertmanager-receiver-validation-truncation.html
    """
    tail = f"{_shortened(ascii_text(prefix), PREFIX_ROOM)}* - {count} issue(s)"
    room = SUBJECT_LIMIT - len(SUBJECT_HEAD) - len(tail) - 2  # the two spaces between parts
    name = _shortened(ascii_text(database), room)
    return " ".join(part for part in (SUBJECT_HEAD, name, tail) if part)[:SUBJECT_LIMIT]


def ascii_text(text: str) -> str:
    """``text`` as printable ASCII on one line (for the SNS subject).

    Accents are dropped (``é`` -> ``e``) and compatibility forms folded (``ﬁ`` -> ``fi``), so a
    name stays readable; any other non-ASCII character becomes ``?``, so it is not silently
    lost; line breaks, tabs and other control or separator characters become one space.
    """
    chars = []
    for char in unicodedata.normalize("NFKD", text):
        category = unicodedata.category(char)
        if " " <= char <= "~":
            chars.append(char)
        elif category in ("Cc", "Zs", "Zl", "Zp"):
            chars.append(" ")
        elif category[0] != "M" and category != "Cf":  # marks and invisible formats: dropped
            chars.append("?")
    return " ".join("".join(chars).split())


def _shortened(text: str, room: int) -> str:
    return text if len(text) <= room else text[: max(room - 3, 1)] + "..."


def message_for(database: str, prefix: str, alerts: list[Alert], footer: str = "") -> str:
    """The seed's message; past SNS's size limit the tail is cut and the cut lines counted."""
    header = f"[DATA MONITOR] {len(alerts)} issue(s) in {database} ({prefix}*)\n\n"
    tail = f"\n\n{footer}" if footer else ""
    lines = [a.line for a in alerts]
    body = "\n".join(lines)
    if len((header + body + tail).encode()) <= MESSAGE_LIMIT:
        return header + body + tail
    kept: list[str] = []
    size = len((header + tail).encode()) + 200  # room for the "cut" note
    for line in lines:
        size += len(line.encode()) + 1
        if size > MESSAGE_LIMIT:
            break
        kept.append(line)
    cut = len(lines) - len(kept)
    note = f"\n... {cut} more issue(s) not shown (message size limit); see the full report."
    return header + "\n".join(kept) + note + tail
