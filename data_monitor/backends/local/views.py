"""DuckDB views that show a Glue table as Athena would: only its registered partitions.

Pure SQL text (no SQLAlchemy, no GX), so the benchmark's plain-SQL baseline builds exactly the
views the monitor queries.
"""

from __future__ import annotations

from pathlib import Path

from data_monitor.backends.base import Catalog
from data_monitor.backends.local.store import LocalStore
from data_monitor.model.catalog import PARTITION_KEY, Column, TableMeta

# fmt: off
HIVE_TO_DUCKDB = {
    "string": "VARCHAR", "varchar": "VARCHAR", "char": "VARCHAR", "int": "INTEGER",
    "integer": "INTEGER", "bigint": "BIGINT", "smallint": "SMALLINT", "tinyint": "TINYINT",
    "double": "DOUBLE", "float": "REAL", "boolean": "BOOLEAN", "date": "DATE",
    "timestamp": "TIMESTAMP", "binary": "BLOB",
}
# fmt: on
Part = tuple[tuple[str, ...], list[str]]  # (partition values, local Parquet files)


def duckdb_type(hive_type: str) -> str:
    base = hive_type.strip().lower().split("(")[0]
    if base == "decimal":
        return hive_type.upper()
    return HIVE_TO_DUCKDB.get(base, "VARCHAR")


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def visible_parts(table: TableMeta, store: LocalStore, catalog: Catalog) -> list[Part]:
    """The partitions Athena would read (registered, or projected) and their local files."""

    def files(location: str) -> list[str]:
        return [str(store.path_of(o.uri)) for o in store.list_objects(location)]

    if not table.is_partitioned:
        return [((), files(table.location))]
    projection = table.projection
    if projection.enabled:
        # Athena reads each projected value (low..high by interval) from its location, the
        # value written with `digits` digits, and reads nothing from settings it cannot use.
        return [
            ((projection.value_text(b),), files(projection.location_for(table.location, b)))
            for b in projection.values()
        ]
    return [(p.values, files(p.location)) for p in catalog.list_partitions(table)]


def view_sql(table: TableMeta, parts: list[Part]) -> str:
    name = f"{quote(table.database)}.{quote(table.name)}"
    return f"CREATE OR REPLACE VIEW {name} AS {select_sql(table, parts)}"


def select_sql(table: TableMeta, parts: list[Part]) -> str:
    if not any(files for _, files in parts):
        return _empty_select(table)
    data_columns = ", ".join(quote(c.name) for c in table.columns)
    if _hive_laid_out(table, parts):
        return _hive_select(table, parts, data_columns)
    scans = []
    for values, files in parts:
        if not files:
            continue
        keys = "".join(
            f", CAST({literal(v)} AS {duckdb_type(k.type)}) AS {quote(k.name)}"
            for k, v in zip(table.partition_keys, values, strict=False)
        )
        source = f"read_parquet([{', '.join(literal(f) for f in files)}], union_by_name=true)"
        scans.append(f"SELECT {data_columns}{keys} FROM {_by_name(table, source)}")
    return " UNION ALL ".join(scans)


def _hive_laid_out(table: TableMeta, parts: list[Part]) -> bool:
    """True when every file sits directly in ``id_bucket=<its registered value>/`` (or the
    table is unpartitioned), so the folder names can supply the partition column."""
    if not table.partition_keys:
        return True
    if len(table.partition_keys) != 1 or table.partition_keys[0].name != PARTITION_KEY:
        return False
    return all(
        len(values) == 1 and Path(f).parent.name == f"{PARTITION_KEY}={values[0]}"
        for values, files in parts
        for f in files
    )


def _hive_select(table: TableMeta, parts: list[Part], data_columns: str) -> str:
    """One scan of every file, the key from the folder names (twice as fast as a union of
    per-partition scans on a 256-partition table)."""
    files = ", ".join(literal(f) for _, part_files in parts for f in part_files)
    if not table.partition_keys:
        source = f"read_parquet([{files}], union_by_name=true)"
        return f"SELECT {data_columns} FROM {_by_name(table, source)}"
    key = table.partition_keys[0]
    source = (
        f"read_parquet([{files}], union_by_name=true, hive_partitioning=true, "
        f"hive_types={{{literal(key.name)}: {duckdb_type(key.type)}}})"
    )
    return f"SELECT {data_columns}, {quote(key.name)} FROM {_by_name(table, source)}"


def _by_name(table: TableMeta, source: str) -> str:
    """``source`` with every data column of the table, NULL where no file has it: Athena reads
    Parquet columns by name, so a column added to the table after the files were written
    reads as NULL (https://docs.aws.amazon.com/athena/latest/ug/handling-schema-updates-chapter.html)."""
    typed = ", ".join(
        f"CAST(NULL AS {duckdb_type(c.type)}) AS {quote(c.name)}" for c in table.columns
    )
    if not typed:
        return source
    return f"((SELECT {typed} WHERE FALSE) UNION ALL BY NAME (SELECT * FROM {source}))"


def _empty_select(table: TableMeta) -> str:
    columns: list[Column] = [*table.columns, *table.partition_keys]
    nulls = ", ".join(f"CAST(NULL AS {duckdb_type(c.type)}) AS {quote(c.name)}" for c in columns)
    return f"SELECT {nulls or 'NULL AS ' + quote(PARTITION_KEY)} WHERE FALSE"
