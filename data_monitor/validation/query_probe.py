"""How many SQL queries a ``table`` suite sends per table, counted before any run.

On Athena each query is billed (10 MB at least) and waits in the queue, so ``suites check``
tells what a suite costs. GX decides the queries at run time (metrics shared between
expectations go into one statement), so the count is not a sum per expectation: the suite is
validated, exactly as a run validates it, over a one-row stand-in table in a scratch DuckDB
file, and the statements GX sends are counted. The stand-in has the columns the suite names
(numbers where the kwargs compare with numbers, booleans where they list booleans, text
otherwise), the key and partition columns, and the count source. The local backend and Athena
send the same statements (tests/test_builtin_expectations.py checks it on the catalog).
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from data_monitor.backends.local import dialect as duckdb_dialect
from data_monitor.backends.local.views import quote
from data_monitor.model.catalog import PARTITION_KEY, Column, TableMeta
from data_monitor.model.checks import exception_reason
from data_monitor.model.json_data import obj
from data_monitor.model.run_tables import TableColumns
from data_monitor.model.settings import Settings
from data_monitor.model.stop_control import StopControl
from data_monitor.validation import datasource  # noqa: F401  (registers the catalog_sql datasource)
from data_monitor.validation.context import build_context
from data_monitor.validation.suites import SuiteFile, build_suite, table_parameters

DATABASE = "probe"
TABLE = "part_probe"
COLUMN_KEYS = ("column", "column_A", "column_B")
NUMBER_KEYS = ("min_value", "max_value", "value", "sum_total", "threshold", "quantile_ranges")
# their numbers bound lengths, counts or shares, not the column's values
NOT_VALUES = {
    "expect_column_value_lengths_to_be_between",
    "expect_column_value_lengths_to_equal",
    "expect_column_unique_value_count_to_be_between",
    "expect_column_proportion_of_unique_values_to_be_between",
    "expect_column_proportion_of_non_null_values_to_be_between",
}
# a text that also reads as a date, for expectations comparing text columns with dates
SAMPLE = {"bigint": "1", "double": "1.0", "boolean": "true", "string": "'2026-01-01'"}


@dataclass(frozen=True)
class Probe:
    queries: int
    failed: int  # expectations that could not run on the stand-in (GX then retries queries)

    def __str__(self) -> str:
        if not self.failed:
            return f"{self.queries} SQL {'query' if self.queries == 1 else 'queries'}"
        return (
            f"about {self.queries} SQL queries ({self.failed} expectation(s) could not run on "
            "a stand-in table; a run's count differs)"
        )


def queries_per_table(shared: SuiteFile, extra: SuiteFile | None = None) -> Probe:
    """Statements GX sends for ``shared`` (and a per-table file's ``extra``) on one table."""
    settings = Settings(database=DATABASE, report_bucket="probe")
    suite_files = [shared] + ([extra] if extra else [])
    expectations = [e for f in suite_files for e in f.expectations if isinstance(e, dict)]
    table = _stand_in(settings, expectations)
    # the count source and any other table an expectation names, as one-row tables too
    others = {settings.source_table_for(TABLE)} | {
        str(e["kwargs"]["other_table_name"])
        for e in expectations
        if isinstance(e.get("kwargs"), dict) and "other_table_name" in e["kwargs"]
    }
    tables = [table] + [
        TableMeta(DATABASE, name, "EXTERNAL_TABLE", "", "", "", table.columns, ())
        for name in sorted(others)
    ]
    folder = Path(tempfile.mkdtemp(prefix="data-monitor-probe-"))
    try:
        return _count(settings, shared, extra, tables, folder / "stand-in.duckdb")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _count(
    settings: Settings,
    shared: SuiteFile,
    extra: SuiteFile | None,
    tables: list[TableMeta],
    path: Path,
) -> Probe:
    duckdb_dialect.register()
    url = f"{duckdb_dialect.DIALECT_NAME}:///{path}"
    setup = sa.create_engine(url)
    with setup.begin() as connection:
        connection.exec_driver_sql(f"CREATE SCHEMA {quote(DATABASE)}")
        for table in tables:
            connection.exec_driver_sql(_create(table))
    setup.dispose()
    known = {t.name: t for t in tables}
    columns = TableColumns(DATABASE, (), lambda db, name: known.get(name))
    for table in tables:
        columns.record(table)
    options = {**StopControl().execution_options(), **columns.execution_options()}
    context = build_context(None, None)
    batch = (
        context.data_sources.add_catalog_sql(
            name="probe",
            connection_string=f"{url}?search_path={DATABASE}",
            create_temp_table=False,
            kwargs={"execution_options": options},
        )
        .add_table_asset(name=TABLE, table_name=TABLE, schema_name=DATABASE)
        .add_batch_definition_whole_table("whole")
        .get_batch()
    )
    suite = build_suite(shared, settings, extra)
    statements: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    sa.event.listen(sa.engine.Engine, "before_cursor_execute", record)
    try:
        from data_monitor.validation.runner import RESULT_FORMAT

        result = batch.validate(
            suite,
            result_format=RESULT_FORMAT,
            expectation_parameters=table_parameters(settings, DATABASE, TABLE),
        )
    finally:
        sa.event.remove(sa.engine.Engine, "before_cursor_execute", record)
    failed = [r for r in result.to_json_dict()["results"] if exception_reason(obj(r))]
    return Probe(len(statements), len(failed))


def _stand_in(settings: Settings, expectations: Iterable[dict[str, Any]]) -> TableMeta:
    types: dict[str, str] = {settings.pk_column: "string"}
    for item in expectations:
        kwargs = item.get("kwargs") or {}
        kind = "string" if item.get("type") in NOT_VALUES else _kind_of(kwargs)
        for name in _columns_of(kwargs):
            if name not in types or types[name] == "string":
                types[name] = kind
    types.pop(PARTITION_KEY, None)
    columns = tuple(Column(n, t) for n, t in types.items())
    return TableMeta(
        DATABASE, TABLE, "EXTERNAL_TABLE", "", "", "", columns, (Column(PARTITION_KEY, "int"),)
    )


def _columns_of(kwargs: dict[str, Any]) -> list[str]:
    names = [kwargs[k] for k in COLUMN_KEYS if isinstance(kwargs.get(k), str)]
    listed = kwargs.get("column_list")
    names += [c for c in listed if isinstance(c, str)] if isinstance(listed, list) else []
    return names


def _kind_of(kwargs: dict[str, Any]) -> str:
    values = kwargs.get("value_set")
    if isinstance(values, list) and values and all(isinstance(v, bool) for v in values):
        return "boolean"
    numbers = [kwargs.get(k) for k in NUMBER_KEYS]
    if isinstance(values, list) and values:
        numbers += values
    if any(isinstance(v, int | float | dict) and not isinstance(v, bool) for v in numbers):
        return "double" if any(isinstance(v, float) for v in numbers) else "bigint"
    return "string"


def _create(table: TableMeta) -> str:
    columns = [*table.columns, *table.partition_keys]
    values = ", ".join(f"{SAMPLE.get(c.type, '1')} AS {quote(c.name)}" for c in columns)
    return f"CREATE TABLE {quote(table.database)}.{quote(table.name)} AS SELECT {values}"
