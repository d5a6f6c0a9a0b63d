"""The seed job's row-level checks in plain DuckDB SQL: the baseline the monitor is timed against.

    python benchmarks/seed_baseline.py --warehouse LAKE --database bench_db

For each ``part_*`` table of the warehouse's catalog (``<warehouse>/glue/<database>/``), one table
at a time: create the view the monitor's local backend would create (only the files of the
partitions registered in ``<table>.partitions.json``, see
``data_monitor.backends.duckdb_engine``) and the view of its ``ext_*`` source, then run the
seed's four queries. Prints one tab-separated line per table:
``table  count_part  count_src  pk_nulls  pk_dupes``.

Only duckdb and the monitor's plain-SQL view builder (``duckdb_views``: no SQLAlchemy, no GX)
are imported, so both sides query exactly the same views.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import duckdb

from data_monitor.backends.local.catalog import LocalCatalog
from data_monitor.backends.local.store import LocalStore
from data_monitor.backends.local.views import quote, view_sql, visible_parts

PK_DEFAULT = "customer_user_id"


def view_of(warehouse: Path, database: str, name: str) -> str:
    """The monitor's own view of a table (registered partitions only)."""
    catalog = LocalCatalog(warehouse)
    table = catalog.get_table(database, name)
    if table is None:
        raise SystemExit(f"seed_baseline: no table {database}.{name} in {warehouse}/glue")
    return view_sql(table, visible_parts(table, LocalStore(warehouse), catalog))


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
        for table_name in (name, source):
            con.execute(view_of(warehouse, db, table_name))
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
