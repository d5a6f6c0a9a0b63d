"""Loading and checking the expectation suites in ``gx/expectations/``.

A suite file is GX's suite JSON plus ``meta.data_monitor.batch``: ``table`` (validated over the
table through SQL) or ``inventory`` (over the table's storage/catalog inventory). A suite that
GX cannot load whole never runs: GX silently drops an expectation whose type is unknown, so
every expectation is built here one by one and any problem is reported with its position.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path
from typing import Any

from great_expectations.core.expectation_suite import ExpectationSuite
from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

import custom_expectations  # noqa: F401  (registers the custom types before any suite loads)
from data_monitor.lake.history import TableHistory
from data_monitor.model.catalog import PARTITION_KEY
from data_monitor.model.checks import Severity
from data_monitor.model.errors import one_line
from data_monitor.model.names import GLUE_NAME
from data_monitor.model.settings import Settings
from data_monitor.validation.sql_support import sql_problems

BATCH_KINDS = ("table", "inventory")
OVERRIDE_KEYS = {"type", "kwargs", "meta", "enabled"}
SEVERITIES = tuple(Severity)
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
    "clean_rooms_engine",
    "raw_input_lag_days",
)


class SuiteError(ValueError):
    """One or more suite files cannot be used; the message lists every problem."""


@dataclass(frozen=True)
class SuiteFile:
    """A suite file; ``table`` is set for a per-table file (``<suite>.<table>.json``), whose
    expectations are added to the shared suite ``name`` for that one table, and whose
    ``overrides`` change (or switch off) shared expectations for that table."""

    path: Path
    name: str
    batch: str
    expectations: tuple[dict[str, Any], ...]
    table: str | None = None
    overrides: tuple[dict[str, Any], ...] = ()


def default_gx_dir() -> Path:
    """The project's ``gx/`` (a checkout), else the copy installed with the package."""
    checkout = Path(__file__).resolve().parents[2] / "gx"
    if (checkout / "expectations").is_dir():
        return checkout
    return Path(str(resources.files("data_monitor") / "gx"))


def table_parameters(
    settings: Settings,
    database: str,
    table: str,
    history: TableHistory | None = None,
    bucket_column: str = PARTITION_KEY,
) -> dict[str, Any]:
    """The suite parameters of one table: per-table values reach every suite this way.

    ``bucket_column`` is "" for a table without an ``id_bucket`` column (its key scan then does
    not group by bucket). ``source_table`` is "" with the count check off: the key scan then
    counts no source (the count check, the one reader, is left out of the suite)."""
    return {
        "bucket_column": bucket_column,
        "history_row_counts": list(history.row_counts) if history else [],
        "history_snapshot_dates": list(history.snapshot_dates) if history else [],
        "database": database,
        "table": table,
        "pk_column": settings.pk_column,
        "partition_key": PARTITION_KEY,
        "bucket_count": settings.bucket_count,
        "source_schema": settings.source_database,
        "source_table": settings.source_table_for(table) if settings.count_check_enabled else "",
        "tolerance_pct": settings.count_tolerance_pct,
        "freshness_window_days": settings.freshness_window_days,
        "as_of": settings.as_of.isoformat(),
        "strict_snapshot": settings.strict_snapshot,
        "file_size_min_mb": settings.file_size_min_mb,
        "file_size_max_mb": settings.file_size_max_mb,
        "clean_rooms_engine": settings.clean_rooms_engine,
        "raw_input_lag_days": settings.raw_input_lag_days,
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
            problems += _override_problems(suite, base)
    for suite in suites:
        if suite.batch == "table":  # run by GX's SQL engine on both backends
            problems += sql_problems(str(suite.path), suite.expectations)
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
        problems.append(f"{at} ({item['type']}): {one_line(str(exc), 300)}")
    return problems


def build_suite(
    suite_file: SuiteFile, settings: Settings, extra: SuiteFile | None = None
) -> ExpectationSuite:
    """The GX suite for this run, without the checks the flags switched off; with ``extra``
    (a per-table file) it is the suite of that table: shared expectations, then its own."""
    shared = [overridden(e, extra.overrides if extra else ()) for e in suite_file.expectations]
    expectations = [*(e for e in shared if e), *(extra.expectations if extra else ())]
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


def overridden(
    expectation: dict[str, Any], overrides: tuple[dict[str, Any], ...]
) -> dict[str, Any] | None:
    """The shared expectation as one table's overrides have it: kwargs and meta merged over
    the shared ones, or None when the override switches it off (``"enabled": false``)."""
    for override in overrides:
        if override["type"] == expectation["type"]:
            if override.get("enabled", True) is False:
                return None
            return {
                **expectation,
                "kwargs": {**expectation.get("kwargs", {}), **override.get("kwargs", {})},
                "meta": {**(expectation.get("meta") or {}), **(override.get("meta") or {})},
            }
    return expectation


def _override_problems(suite: SuiteFile, base: SuiteFile) -> list[str]:
    problems = []
    for index, override in enumerate(suite.overrides):
        at = f"{suite.path}: overrides[{index}]"
        if not isinstance(override, dict) or not isinstance(override.get("type"), str):
            problems.append(f'{at}: not an object with a "type"')
            continue
        unknown = sorted(set(override) - OVERRIDE_KEYS)
        if unknown:
            problems.append(
                f"{at}: unknown key(s) {', '.join(unknown)}; accepted: type, kwargs, meta, enabled"
            )
            continue
        matches = [e for e in base.expectations if e.get("type") == override["type"]]
        if len(matches) != 1:
            problems.append(
                f"{at}: {base.path.name} has {len(matches)} {override['type']} "
                "expectation(s); an override changes exactly one"
            )
            continue
        if not isinstance(override.get("enabled", True), bool):
            problems.append(f"{at}: enabled is {override['enabled']!r}, expected true or false")
            continue
        not_objects = [k for k in ("kwargs", "meta") if not isinstance(override.get(k, {}), dict)]
        if not_objects:
            problems.append(f"{at}: {' and '.join(not_objects)} must be an object")
            continue
        merged = overridden(matches[0], (override,))
        if merged is not None:
            problems += check_expectation(f"{suite.path} (overrides[{index}] applied)", 0, merged)
    return problems


def _switched_on(expectation_type: str, settings: Settings) -> bool:
    flag = TOGGLES.get(expectation_type)
    return flag is None or bool(getattr(settings, flag))


def _read(path: Path, problems: list[str]) -> SuiteFile | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        problems.append(f"{path}: not readable JSON: {exc}")
        return None
    base, _, table = path.stem.partition(".")
    if table and isinstance(data, dict):  # a per-table file may only override
        data.setdefault("expectations", [])
    if not isinstance(data, dict) or not isinstance(data.get("expectations"), list):
        problems.append(f'{path}: expected an object with an "expectations" list')
        return None
    overrides = data.get("overrides", [])
    if not isinstance(overrides, list) or (overrides and not table):
        problems.append(
            f'{path}: "overrides" is a list, and only in a per-table file (<suite>.<table>.json)'
        )
        overrides = []
    batch = ((data.get("meta") or {}).get("data_monitor") or {}).get("batch", "table")
    if table and not GLUE_NAME.match(table):
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
        expectations = tuple(data["expectations"])
        return SuiteFile(path, base, str(batch), expectations, table, tuple(overrides))
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
