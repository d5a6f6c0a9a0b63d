"""The seed job's row-level checks in plain DuckDB SQL: the baseline the monitor is timed against.

    python benchmarks/seed_baseline.py --warehouse LAKE --database bench_db

For each ``part_*`` table of the warehouse's catalog (``<warehouse>/glue/<database>/``), one table
at a time: create the view the monitor's local backend would create (only the files of the
partitions registered in ``<table>.partitions.json``, see
``data_monitor.backends.duckdb_engine``) and the view of its ``ext_*`` source, then run the
seed's four queries. Prints one tab-separated line per table:
``table  count_part  count_src  pk_nulls  pk_dupes``.

Only duckdb and the standard library are imported, as in the seed job; the view SQL is
re-implemented here (``bench_run.py`` checks it is identical to the monitor's).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

import duckdb

PK_DEFAULT = "customer_user_id"
HIVE_TO_DUCKDB = {
    "string": "VARCHAR",
    "varchar": "VARCHAR",
    "char": "VARCHAR",
    "int": "INTEGER",
    "integer": "INTEGER",
    "bigint": "BIGINT",
    "smallint": "SMALLINT",
    "tinyint": "TINYINT",
    "double": "DOUBLE",
    "float": "REAL",
    "boolean": "BOOLEAN",
    "date": "DATE",
    "timestamp": "TIMESTAMP",
    "binary": "BLOB",
}


def duckdb_type(hive_type: str) -> str:
    base = hive_type.strip().lower().split("(")[0]
    return hive_type.upper() if base == "decimal" else HIVE_TO_DUCKDB.get(base, "VARCHAR")


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SystemExit(f"seed_baseline: cannot read catalog file {path}: {exc}") from exc


def files_under(warehouse: Path, uri: str) -> list[str]:
    """Data files under ``s3://bucket/prefix/`` in the warehouse, as the local store lists them."""
    if not uri.startswith("s3://"):
        raise SystemExit(f"seed_baseline: not an s3:// location: {uri!r}")
    folder = (warehouse / "s3").joinpath(*[p for p in uri[5:].split("/") if p])
    found: list[str] = []
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(("_", ".")))
        found += [str(Path(dirpath, n)) for n in sorted(filenames) if not n.startswith(("_", "."))]
    return found


def view_sql(warehouse: Path, database: str, table: dict[str, Any]) -> str:
    """``CREATE OR REPLACE VIEW`` of a Glue table over its registered partitions' files."""
    sd = table.get("StorageDescriptor") or {}
    columns = sd.get("Columns") or []
    keys = table.get("PartitionKeys") or []
    if keys:
        path = warehouse / "glue" / database / f"{table['Name']}.partitions.json"
        if not path.is_file():
            raise SystemExit(f"seed_baseline: {path} is missing (projection is not supported)")
        parts = [
            ([str(v) for v in p.get("Values") or ()], p["StorageDescriptor"]["Location"])
            for p in read_json(path)
        ]
    else:
        parts = [([], sd.get("Location") or "")]
    data_columns = ", ".join(quote(c["Name"]) for c in columns)
    scans = []
    for values, location in parts:
        files = files_under(warehouse, location)
        if not files:
            continue
        key_sql = "".join(
            f", CAST({literal(v)} AS {duckdb_type(k['Type'])}) AS {quote(k['Name'])}"
            for k, v in zip(keys, values, strict=False)
        )
        source = f"read_parquet([{', '.join(literal(f) for f in files)}], union_by_name=true)"
        scans.append(f"SELECT {data_columns}{key_sql} FROM {source}")
    if not scans:
        raise SystemExit(f"seed_baseline: table {table.get('Name')} has no data files")
    name = f"{quote(database)}.{quote(table['Name'])}"
    return f"CREATE OR REPLACE VIEW {name} AS {' UNION ALL '.join(scans)}"


def seed_queries(part: str, ext: str, pk: str) -> list[str]:
    """The seed's four queries for one table (``part``/``ext`` are quoted qualified names)."""
    return [
        f"SELECT COUNT(*) FROM {part}",
        f"SELECT COUNT(*) FROM {ext}",
        f"SELECT COUNT(*) FROM {part} WHERE {quote(pk)} IS NULL",
        f"SELECT SUM(c) FROM (SELECT {quote(pk)}, COUNT(*) c FROM {part} "
        f"GROUP BY {quote(pk)} HAVING COUNT(*) > 1)",
    ]


def query_counts(pk: str) -> dict[str, int]:
    """Per table: the seed's data queries and how many of them GROUP BY the key column."""
    queries = seed_queries('"db"."part_t"', '"db"."ext_t"', pk)
    scans = sum("GROUP BY" in q and pk in q and "part_t" in q for q in queries)
    return {"data_queries_per_table": len(queries), "key_column_scans_per_table": scans}


def part_tables(warehouse: Path, database: str, prefix: str) -> list[str]:
    folder = warehouse / "glue" / database
    if not folder.is_dir():
        raise SystemExit(f"seed_baseline: no catalog folder {folder}")
    names = sorted(p.name[: -len(".json")] for p in folder.glob(f"{prefix}*.json"))
    return [n for n in names if not n.endswith(".partitions")]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--warehouse", type=Path, required=True)
    parser.add_argument("--database", required=True)
    parser.add_argument("--prefix", default="part_")
    parser.add_argument("--source_prefix", default="ext_")
    parser.add_argument("--pk_column", default=PK_DEFAULT)
    args = parser.parse_args(argv)
    warehouse, db = args.warehouse.resolve(), args.database
    tables = part_tables(warehouse, db, args.prefix)
    if not tables:
        raise SystemExit(f"seed_baseline: no {args.prefix}* tables in {warehouse}/glue/{db}")
    con = duckdb.connect()
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {quote(db)}")
    for name in tables:
        source = args.source_prefix + name[len(args.prefix) :]
        glue = warehouse / "glue" / db
        for table_name in (name, source):
            con.execute(view_sql(warehouse, db, read_json(glue / f"{table_name}.json")))
        part, ext = f"{quote(db)}.{quote(name)}", f"{quote(db)}.{quote(source)}"
        values = []
        for sql in seed_queries(part, ext, args.pk_column):
            row = con.execute(sql).fetchone()
            values.append(int(row[0] or 0) if row else 0)
        print("\t".join([name, *map(str, values)]), flush=True)
    con.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
