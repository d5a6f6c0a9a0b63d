"""Each check's alert line, from its GX result: code and severity (the check's own, or the
expectation's ``meta`` ``alert_code``/``severity``, so a user can set them in suite JSON) and the
text, by expectation type; any other expectation's line is its Data Docs sentence and what was
observed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from data_monitor.delivery.alerts import SEVERITIES, exception_reason, format_pct, listed
from data_monitor.model.results import Alert
from data_monitor.validation.sentences import observed_of, sentence_of

Formatter = Callable[[dict[str, Any], dict[str, Any], dict[str, Any]], str]


def _pk_null(kwargs: dict[str, Any], result: dict[str, Any], params: dict[str, Any]) -> str:
    return f"{kwargs['pk_column']} NULL rows={result['observed_value']}"


def _pk_dupes(kwargs: dict[str, Any], result: dict[str, Any], params: dict[str, Any]) -> str:
    return f"{kwargs['pk_column']} duplicate rows={result['observed_value']}"


def _count(kwargs: dict[str, Any], result: dict[str, Any], params: dict[str, Any]) -> str:
    seen = result["observed_value"]
    return (
        f"{params['database']}.{params['table']}={seen['part']} vs "
        f"{kwargs['source_schema']}.{kwargs['source_table']}={seen['source']} "
        f"(Δ={format_pct(seen['diff_pct'])}%)"
    )


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


def _generic(kwargs: dict[str, Any], result: dict[str, Any], params: dict[str, Any]) -> str:
    """For any other expectation (a user's): its Data Docs sentence and what was observed."""
    return f"{sentence_of(params['_type'], kwargs)} — observed {observed_of(result)}"
