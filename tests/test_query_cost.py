"""What a run costs in queries: counted through a SQLAlchemy event listener on every engine.

On Athena every data query is billed and takes seconds, so the suites share one statement per
part table: a GROUP BY of its key (PK NULLs, PK duplicates, the row count, skew, the key
length) with its source's COUNT(*) joined to it.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from tests import lake_fixture
from tests.conftest import RunCli, flag_args


@pytest.fixture
def statements() -> Iterator[list[str]]:
    seen: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    sa.event.listen(sa.engine.Engine, "before_cursor_execute", record)
    yield seen
    sa.event.remove(sa.engine.Engine, "before_cursor_execute", record)


def test_one_statement_per_part_table_with_its_source_count(
    run_cli: RunCli, warehouse: Path, statements: list[str]
) -> None:
    run_cli("run", *flag_args(lake_fixture.run_flags()), "--warehouse", str(warehouse))
    queries = [s for s in statements if not s.lstrip().upper().startswith(("CREATE", "SET"))]
    per_table: Counter[str] = Counter()
    for query in queries:
        for name in set(re.findall(r"\b(?:part|ext)_[a-z0-9_]+\b", query)):
            per_table[name] += 1
    # part_format is not Parquet: its row-level checks are reported as not run, no query
    part_tables = [f"part_{s.suffix}" for s in lake_fixture.SPECS if s.suffix != "format"]
    assert per_table["part_format"] == 0
    sources = {s.suffix: s.has_source for s in lake_fixture.SPECS}
    for name in part_tables:
        assert per_table[name] == 1, (name, [q for q in queries if name in q])
        (query,) = [q for q in queries if re.search(rf"\b{name}\b", q)]
        source = name.replace("part_", "ext_", 1)
        if sources[name.removeprefix("part_")]:  # the source's count rides in the same query
            assert per_table[source] == 1 and re.search(rf"\b{source}\b", query)
        else:  # part_nosrc: its source is not in the catalog, and is not queried
            assert per_table[source] == 0
    key_scans = [q for q in queries if "GROUP BY" in q and "customer_user_id" in q]
    assert len(key_scans) == len(part_tables) == len(queries)
    assert not [q for q in queries if "LIMIT" in q.upper()]  # no per-asset probe queries
