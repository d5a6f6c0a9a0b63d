"""The seed's JSON and CSV reports.

The JSON has every key of the seed's example with the same names and types (``count_diff_pct``
a string with 6 decimals); extra keys are allowed and added. The CSV has exactly the seed's 15
columns in the seed's order.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from data_monitor.delivery.alerts import exception_reason, format_pct
from data_monitor.lake.inventory import Inventory
from data_monitor.model.results import Alert, TableRow
from data_monitor.model.settings import Settings

CSV_COLUMNS = (
    "table",
    "location",
    "s3_partitions",
    "glue_partitions",
    "missing_glue_count",
    "table_type_ok",
    "contract_ok",
    "raw_input_snapshot_dt",
    "count_src",
    "count_part",
    "count_diff_pct",
    "pk_nulls",
    "pk_dupes",
    "file_issues_sample",
    "checked_at",
)
REPORT_NAME = "omc_monitor_report_{date}"


def row_from(
    inventory: Inventory | None, table: str, results: dict[str, dict[str, Any]], checked_at: str
) -> TableRow:
    """Fill a row from the inventory and the per-expectation results (keyed by type)."""
    row = TableRow(table=table, checked_at=checked_at)
    if inventory is not None:
        row.location = inventory.location
        row.s3_partitions = len(inventory.storage_buckets)
        row.glue_partitions = len(inventory.registered_buckets)
        row.repaired_glue_count = inventory.repaired
        row.storage_buckets = list(inventory.storage_buckets)
        row.unregistered_buckets = (
            sorted(set(inventory.storage_buckets) - set(inventory.registered_buckets_before))
            if not inventory.projection.get("enabled")
            else []
        )
    _apply_registration(row, results.get("expect_id_bucket_partitions_registered"))
    row.table_type_ok = _success(results.get("expect_table_to_be_external_parquet"))
    row.contract_ok = _success(results.get("expect_table_schema_contract"))
    snapshot = _result(results.get("expect_snapshot_to_be_fresh"))
    row.raw_input_snapshot_dt = str(snapshot.get("observed_value") or "")
    row.pk_nulls = _observed_int(results.get("expect_primary_key_values_to_not_be_null"))
    row.pk_dupes = _observed_int(results.get("expect_primary_key_values_to_be_unique"))
    profile = _result(results.get("expect_primary_key_values_to_not_be_null"))
    row.count_part = (profile.get("details") or {}).get("row_count")
    count = _result(results.get("expect_row_count_to_match_source")).get("observed_value")
    if isinstance(count, dict):
        row.count_part, row.count_src = count["part"], count["source"]
        row.count_diff_pct = format_pct(count["diff_pct"])
    volume = _result(results.get("expect_row_count_to_follow_history")).get("details") or {}
    if volume.get("state") == "insufficient history":
        row.volume_check = f"not judged: {volume['points']} of {volume['min_history']} past days"
    elif volume:
        row.volume_check = f"{volume['state']} ({volume['change_pct']}% vs {volume['points']} days)"
    skew = _result(results.get("expect_id_bucket_rows_to_be_balanced")).get("details") or {}
    row.skewed_buckets = list(skew.get("skewed_buckets") or [])
    sizes = _result(results.get("expect_file_sizes_in_range"))
    row.file_issues_sample = "; ".join((sizes.get("details") or {}).get("issues") or [])
    return row


def _apply_registration(row: TableRow, result: dict[str, Any] | None) -> None:
    details = _result(result).get("details") or {}
    if details.get("projection"):
        row.glue_partitions = int(details.get("registered_count") or 0)
    row.missing_glue_count = int(details.get("missing_before_count") or 0)


def _result(expectation: dict[str, Any] | None) -> dict[str, Any]:
    if not expectation or exception_reason(expectation) is not None:
        return {}
    return expectation.get("result") or {}


def _success(expectation: dict[str, Any] | None) -> bool | None:
    if expectation is None or not _result(expectation):
        return None
    return bool(expectation["success"])


def _observed_int(expectation: dict[str, Any] | None) -> int | None:
    value = _result(expectation).get("observed_value")
    return int(value) if isinstance(value, (int, float)) else None


def report_document(
    settings: Settings,
    generated_at: str,
    rows: list[TableRow],
    alerts: list[Alert],
    extra: dict[str, Any],
) -> dict[str, Any]:
    return {
        "database": settings.database,
        "prefix": settings.table_prefix,
        "bucket_count": settings.bucket_count,
        "generated_at": generated_at,
        "freshness_window_days": settings.freshness_window_days,
        "compare": {
            "enabled": settings.count_check_enabled,
            "type": settings.compare_source_type,
            "db": settings.source_database,
            "tolerance_pct": settings.count_tolerance_pct,
        },
        "pk_column": settings.pk_column,
        "file_size_check": settings.file_size_check,
        "alerts": [a.line for a in alerts],
        "tables": [r.as_dict() for r in rows],
        "alert_details": [
            {"code": a.code, "severity": a.severity, "table": a.table, "line": a.line}
            for a in alerts
        ],
        **extra,
    }


def to_json(document: dict[str, Any]) -> bytes:
    return (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode()


def to_csv(rows: list[TableRow]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        values = row.as_dict()
        writer.writerow(["" if values[c] is None else values[c] for c in CSV_COLUMNS])
    return out.getvalue().encode()
