"""Loading and checking the expectation suites in ``gx/expectations/``.

A suite file is GX's suite JSON plus ``meta.data_monitor.batch``: ``table`` (validated over the
table through SQL) or ``inventory`` (over the table's storage/catalog inventory). A suite that
GX cannot load whole never runs: GX silently drops an expectation whose type is unknown, so
every expectation is built here one by one and any problem is reported with its position.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path
from typing import Any

from great_expectations.core.expectation_suite import ExpectationSuite
from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

import custom_expectations  # noqa: F401  (registers the custom types before any suite loads)
from data_monitor.history import TableHistory
from data_monitor.settings import Settings

BATCH_KINDS = ("table", "inventory")
SEVERITIES = ("High", "Medium", "Low")
TABLE_NAME = re.compile(r"^[a-z0-9_]{1,255}$")
# Expectations a flag can switch off, as the seed's flags do for its checks.
TOGGLES = {
    "expect_row_count_to_match_source": "count_check_enabled",
    "expect_file_sizes_in_range": "file_size_check",
}
PARAMETERS = (
    "database",
    "table",
    "pk_column",
    "partition_key",
    "bucket_count",
    "source_schema",
    "source_table",
    "tolerance_pct",
    "freshness_window_days",
    "as_of",
    "strict_snapshot",
    "file_size_min_mb",
    "file_size_max_mb",
    "history_row_counts",
    "history_snapshot_dates",
    "bucket_column",
)


class SuiteError(ValueError):
    """One or more suite files cannot be used; the message lists every problem."""


@dataclass(frozen=True)
class SuiteFile:
    """A suite file; ``table`` is set for a per-table file (``<suite>.<table>.json``), whose
    expectations are added to the shared suite ``name`` for that one table."""

    path: Path
    name: str
    batch: str
    expectations: tuple[dict[str, Any], ...]
    table: str | None = None


def default_gx_dir() -> Path:
    """The project's ``gx/`` (a checkout), else the copy installed with the package."""
    checkout = Path(__file__).resolve().parents[1] / "gx"
    if (checkout / "expectations").is_dir():
        return checkout
    return Path(str(resources.files("data_monitor") / "gx"))


def table_parameters(
    settings: Settings,
    database: str,
    table: str,
    history: TableHistory | None = None,
    bucket_column: str = "id_bucket",
) -> dict[str, Any]:
    """The suite parameters of one table: per-table values reach every suite this way.

    ``bucket_column`` is "" for a table without an ``id_bucket`` column (its key scan then does
    not group by bucket)."""
    return {
        "bucket_column": bucket_column,
        "history_row_counts": list(history.row_counts) if history else [],
        "history_snapshot_dates": list(history.snapshot_dates) if history else [],
        "database": database,
        "table": table,
        "pk_column": settings.pk_column,
        "partition_key": "id_bucket",
        "bucket_count": settings.bucket_count,
        "source_schema": settings.source_database,
        "source_table": settings.source_table_for(table),
        "tolerance_pct": settings.count_tolerance_pct,
        "freshness_window_days": settings.freshness_window_days,
        "as_of": settings.as_of.isoformat(),
        "strict_snapshot": settings.strict_snapshot,
        "file_size_min_mb": settings.file_size_min_mb,
        "file_size_max_mb": settings.file_size_max_mb,
    }


def load_suite_files(gx_dir: Path) -> list[SuiteFile]:
    """Every suite file, each checked; raises SuiteError listing all problems found."""
    folder = gx_dir / "expectations"
    paths = sorted(folder.glob("*.json"))
    if not paths:
        raise SuiteError(f"{folder}: no suite files (*.json) found")
    problems: list[str] = []
    suites = [s for s in (_read(p, problems) for p in paths) if s is not None]
    shared = {s.name: s for s in suites if s.table is None}
    for index, suite in enumerate(suites):
        if suite.table is None:
            continue
        base = shared.get(suite.name)
        if base is None:
            problems.append(
                f"{suite.path}: adds to suite {suite.name!r} for table "
                f"{suite.table}, but there is no {suite.name}.json"
            )
        else:
            suites[index] = replace(suite, batch=base.batch)
    if problems:
        raise SuiteError("\n".join(problems))
    return suites


def check_expectation(where: str, index: int, item: Any) -> list[str]:
    """Problems with one expectation entry of a suite file (empty when it is usable)."""
    at = f"{where}: expectations[{index}]"
    if not isinstance(item, dict) or not isinstance(item.get("type"), str):
        return [f'{at}: not an object with a "type"']
    kwargs = item.get("kwargs", {})
    problems = []
    severity = (item.get("meta") or {}).get("severity")
    if severity is not None and severity not in SEVERITIES:
        problems.append(
            f"{at} ({item['type']}): meta.severity is {severity!r}, expected "
            + "|".join(SEVERITIES)
        )
    problems += [
        f"{at} ({item['type']}): unknown suite parameter ${name}; known: {', '.join(PARAMETERS)}"
        for name in sorted(_parameter_names(kwargs))
        if name not in PARAMETERS
    ]
    try:
        ExpectationConfiguration(
            type=item["type"], kwargs=kwargs, meta=item.get("meta")
        ).to_domain_obj()
    except Exception as exc:  # GX raises several types for unknown types and bad kwargs
        reason = " ".join(str(exc).split())[:300]
        problems.append(f"{at} ({item['type']}): {reason}")
    return problems


def build_suite(
    suite_file: SuiteFile, settings: Settings, extra: SuiteFile | None = None
) -> ExpectationSuite:
    """The GX suite for this run, without the checks the flags switched off; with ``extra``
    (a per-table file) it is the suite of that table: shared expectations, then its own."""
    expectations = [*suite_file.expectations, *(extra.expectations if extra else ())]
    enabled = [e for e in expectations if _switched_on(e["type"], settings)]
    suite = ExpectationSuite(
        name=f"{suite_file.name}.{extra.table}" if extra else suite_file.name,
        expectations=[
            ExpectationConfiguration(
                type=e["type"], kwargs=e.get("kwargs", {}), meta=e.get("meta")
            ).to_domain_obj()
            for e in enabled
        ],
        meta={"data_monitor": {"batch": suite_file.batch}},
    )
    if len(suite.expectations) != len(enabled):
        raise SuiteError(
            f"{suite_file.path}: GX kept {len(suite.expectations)} of {len(enabled)} expectations"
        )
    return suite


def _switched_on(expectation_type: str, settings: Settings) -> bool:
    flag = TOGGLES.get(expectation_type)
    return flag is None or bool(getattr(settings, flag))


def _read(path: Path, problems: list[str]) -> SuiteFile | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        problems.append(f"{path}: not readable JSON: {exc}")
        return None
    if not isinstance(data, dict) or not isinstance(data.get("expectations"), list):
        problems.append(f'{path}: expected an object with an "expectations" list')
        return None
    batch = ((data.get("meta") or {}).get("data_monitor") or {}).get("batch", "table")
    base, _, table = path.stem.partition(".")
    if table and not TABLE_NAME.match(table):
        problems.append(
            f"{path}: {table!r} is not a table name; a per-table file is named <suite>.<table>.json"
        )
    if batch not in BATCH_KINDS:
        problems.append(
            f"{path}: meta.data_monitor.batch is {batch!r}, expected one of "
            + "|".join(BATCH_KINDS)
        )
    for index, item in enumerate(data["expectations"]):
        problems.extend(check_expectation(str(path), index, item))
    if table:
        return SuiteFile(path, base, str(batch), tuple(data["expectations"]), table)
    name = data.get("name") or path.stem
    return SuiteFile(path, str(name), str(batch), tuple(data["expectations"]))


def _parameter_names(value: Any) -> set[str]:
    if isinstance(value, dict):
        if "$PARAMETER" in value:
            return {str(value["$PARAMETER"])}
        return set().union(*(_parameter_names(v) for v in value.values()))
    if isinstance(value, list):
        return set().union(*(_parameter_names(v) for v in value))
    return set()
