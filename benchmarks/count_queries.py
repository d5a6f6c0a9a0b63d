"""Run the monitor once in this process and count the SQL statements it sends, per part table.

    python benchmarks/count_queries.py --pk_column customer_user_id -- run --database DB ...

Everything after ``--`` goes to ``data_monitor.cli.main`` unchanged. Every statement any
SQLAlchemy engine executes is recorded with a ``before_cursor_execute`` listener. Prints one JSON
object on stdout (the monitor's own summary goes to stderr); exits with the monitor's code.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import re
import sys
from collections import Counter
from typing import Any

import sqlalchemy as sa

from data_monitor.cli import main as monitor_main

DDL = ("CREATE", "SET", "DROP", "ATTACH", "USE")


def classify(statements: list[str], pk: str) -> dict[str, Any]:
    """Statements per part table: all, data queries (not DDL), and scans of the key column."""
    named: Counter[str] = Counter()
    queries: Counter[str] = Counter()
    key_scans: Counter[str] = Counter()
    unnamed: Counter[str] = Counter()
    for sql in statements:
        tables = set(re.findall(r"\b((?:part|ext)_[a-z0-9_]+)\b", sql))
        is_ddl = sql.lstrip().upper().startswith(DDL)
        if not tables:
            unnamed[" ".join(sql.split())[:70]] += 1
        for name in tables:
            named[name] += 1
            queries[name] += 0 if is_ddl else 1
            if name.startswith("part_") and "GROUP BY" in sql.upper() and pk in sql:
                key_scans[name] += 1
    part = sorted(n for n in named if n.startswith("part_"))
    n = max(1, len(part))
    return {
        "statements_total": len(statements),
        "part_tables": len(part),
        "statements_per_table": round(len(statements) / n, 2),
        "naming_part_table_per_table": round(sum(named[t] for t in part) / n, 2),
        "data_queries_per_table": round(sum(queries.values()) / n, 2),
        "part_queries_per_table": round(sum(queries[t] for t in part) / n, 2),
        "source_queries_per_table": round(
            sum(v for k, v in queries.items() if k.startswith("ext_")) / n, 2
        ),
        "key_column_scans_per_table": round(sum(key_scans[t] for t in part) / n, 2),
        "key_column_scans": {t: key_scans[t] for t in part},
        "statements_naming_no_table": dict(unnamed.most_common()),
    }


def main(argv: list[str] | None = None) -> int:
    args_in = sys.argv[1:] if argv is None else argv
    if "--" not in args_in:
        raise SystemExit("count_queries: put the monitor's arguments after --")
    cut = args_in.index("--")
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pk_column", default="customer_user_id")
    own = parser.parse_args(args_in[:cut])
    seen: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *rest: Any) -> None:
        seen.append(statement)

    sa.event.listen(sa.engine.Engine, "before_cursor_execute", record)
    try:
        with contextlib.redirect_stdout(sys.stderr):
            code = monitor_main(args_in[cut + 1 :])
    finally:
        sa.event.remove(sa.engine.Engine, "before_cursor_execute", record)
    result = {"exit_code": code, **classify(seen, own.pk_column)}
    print(json.dumps(result))
    return code


if __name__ == "__main__":
    sys.exit(main())
