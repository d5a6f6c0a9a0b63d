"""The seed's JSON and CSV reports.

The JSON has every key of the seed's example with the same names and types (``count_diff_pct``
a string with 6 decimals); extra keys are allowed and added. The CSV has exactly the seed's 15
columns in the seed's order.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping
from typing import Any, TypeVar

from data_monitor.lake.inventory import Inventory
from data_monitor.model.alert_states import AlertStates, PastAlert
from data_monitor.model.checks import CheckResult, format_pct
from data_monitor.model.findings import (
    BalanceFindings,
    ContractFindings,
    DuplicateKeyFindings,
    FileSizeFindings,
    Findings,
    FreshnessFindings,
    NullKeyFindings,
    RawInputFindings,
    RegistrationFindings,
    SchemaChangeFindings,
    SourceCountFindings,
    TableFormatFindings,
    VolumeFindings,
)
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


F = TypeVar("F", bound=Findings)


def row_from(
    inventory: Inventory | None,
    table: str,
    results: Mapping[str, CheckResult | Mapping[str, Any]],
    checked_at: str,
) -> TableRow:
    """Fill a row from the inventory and the per-expectation results (keyed by type; each the
    result's view, or GX's dict). A check that did not run leaves its columns blank."""
    checks = {etype: CheckResult.of(result) for etype, result in results.items()}

    def found(kind: type[F]) -> F | None:
        check = checks.get(kind.expectation_type)
        return check.findings_if(kind) if check is not None else None

    row = TableRow(table=table, checked_at=checked_at)
    if inventory is not None:
        _apply_inventory(row, inventory)
    _apply_registration(row, found(RegistrationFindings))
    row.table_type_ok = _success(checks, found(TableFormatFindings))
    row.contract_ok = _success(checks, found(ContractFindings))
    snapshot = found(FreshnessFindings)
    row.raw_input_snapshot_dt = str((snapshot.observed if snapshot else None) or "")
    nulls = found(NullKeyFindings)
    row.pk_nulls = _as_int(nulls.observed) if nulls else None
    dupes = found(DuplicateKeyFindings)
    row.pk_dupes = _as_int(dupes.observed) if dupes else None
    row.count_part = nulls.row_count if nulls else None
    _apply_count(row, found(SourceCountFindings))
    row.volume_check = _volume_check(found(VolumeFindings))
    skew = found(BalanceFindings)
    row.skewed_buckets = list(skew.skewed_buckets) if skew else []
    sizes = found(FileSizeFindings)
    row.file_issues_sample = "; ".join(sizes.issues) if sizes else ""
    raw = found(RawInputFindings)
    row.raw_input_dt = str((raw.observed if raw else None) or "")
    drift = found(SchemaChangeFindings)
    if drift is not None and drift.since is not None:
        row.schema_changes = [SchemaChangeFindings.change_text(c) for c in drift.changes]
    return row


def _apply_inventory(row: TableRow, inventory: Inventory) -> None:
    row.location = inventory.location
    row.s3_partitions = len(inventory.storage_buckets)
    row.glue_partitions = len(inventory.registered_buckets)
    row.repaired_glue_count = inventory.repaired
    row.empty_partitions = list(inventory.empty_partitions)
    row.repair_skipped = list(inventory.repair_skipped)
    row.schema = [dict(c) for c in inventory.schema]
    row.storage_buckets = list(inventory.storage_buckets)
    row.unregistered_buckets = (
        sorted(set(inventory.storage_buckets) - set(inventory.registered_buckets_before))
        if not inventory.projection.get("enabled")
        else []
    )


def _apply_registration(row: TableRow, registration: RegistrationFindings | None) -> None:
    if registration is None:
        return
    if registration.projection:
        row.glue_partitions = int(registration.registered_count or 0)
    row.missing_glue_count = int(registration.missing_before_count or 0)


def _apply_count(row: TableRow, count: SourceCountFindings | None) -> None:
    if count is not None:
        row.count_part, row.count_src = count.observed.part, count.observed.source
        row.count_diff_pct = format_pct(count.observed.diff_pct)


def _volume_check(volume: VolumeFindings | None) -> str:
    if volume is None:
        return ""
    if volume.state == "insufficient history":
        return f"not judged: {volume.points} of {volume.min_history} past days"
    return f"{volume.state} ({volume.change_pct}% vs {volume.points} days)"


def _success(checks: Mapping[str, CheckResult], findings: Findings | None) -> bool | None:
    """Whether the check passed; None when it did not run (it has no findings then)."""
    return None if findings is None else checks[findings.expectation_type].success


def _as_int(value: Any) -> int | None:
    return int(value) if isinstance(value, (int, float)) else None


def report_document(
    settings: Settings,
    generated_at: str,
    rows: list[TableRow],
    alerts: list[Alert],
    extra: dict[str, Any],
    states: AlertStates | None = None,
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
        "alert_details": [_alert_detail(a, states) for a in alerts],
        **_alert_history(states),
        **extra,
    }


def _alert_detail(alert: Alert, states: AlertStates | None) -> dict[str, Any]:
    detail: dict[str, Any] = {
        "code": alert.code,
        "severity": alert.severity,
        "table": alert.table,
        "line": alert.line,
    }
    track = states.of(alert) if states is not None else None
    if track is not None:
        detail |= {"state": track.state, "first_seen": track.first_seen, "runs": track.runs}
    return detail


def _alert_history(states: AlertStates | None) -> dict[str, Any]:
    """What the last run raised and this one no longer does, what stays open on tables this
    run did not check in full, and the counts by state."""
    if states is None:
        return {}
    return {
        "alert_states": states.counts(),
        "resolved_alerts": [_past_detail(p, "resolved") for p in states.resolved],
        "carried_alerts": [_past_detail(p, "open, not checked this run") for p in states.carried],
        "alert_baseline": states.baselines,
    }


def _past_detail(past: PastAlert, state: str) -> dict[str, Any]:
    return {
        "code": past.code,
        "severity": past.severity,
        "table": past.table,
        "line": past.line,
        "state": state,
        "first_seen": past.first_seen,
        "last_seen": past.seen_on,
        "runs": past.runs,
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
