"""What a run's Athena queries cost: queries, bytes scanned, estimated price, queue and engine
time, per table and for the run.

Athena's pricing (https://aws.amazon.com/athena/pricing/): a price per TB of data scanned,
rounded up to the nearest megabyte, with a 10 MB minimum per query; DDL statements and failed
queries are not charged, a cancelled query is charged for what it scanned. The statistics are
the ones GetQueryExecution returns (``Statistics``:
https://docs.aws.amazon.com/athena/latest/APIReference/API_QueryExecutionStatistics.html),
read from the status calls the run makes anyway. Megabytes and terabytes are binary (2^20,
2^40 bytes), as the console's "Data scanned" is.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

MB = 1 << 20
TB = 1 << 40
MINIMUM_BYTES = 10 * MB
RUN = ""  # queries made outside any table's check (none today), kept apart


@dataclass(frozen=True)
class QueryStats:
    kind: str  # "query" (a SELECT) or "ddl" (repair)
    state: str  # SUCCEEDED, FAILED, CANCELLED
    scanned_bytes: int = 0
    engine_ms: int = 0
    queue_ms: int = 0
    total_ms: int = 0

    @property
    def billed_bytes(self) -> int:
        if self.kind != "query" or self.state == "FAILED":
            return 0
        rounded = -(-self.scanned_bytes // MB) * MB
        return max(rounded, MINIMUM_BYTES)


@dataclass
class Tally:
    queries: int = 0
    ddl_statements: int = 0
    scanned_bytes: int = 0
    billed_bytes: int = 0
    queue_ms: int = 0
    engine_ms: int = 0

    def add(self, stats: QueryStats) -> None:
        if stats.kind == "ddl":
            self.ddl_statements += 1
        else:
            self.queries += 1
        self.scanned_bytes += stats.scanned_bytes
        self.billed_bytes += stats.billed_bytes
        self.queue_ms += stats.queue_ms
        self.engine_ms += stats.engine_ms

    def record(self, price_per_tb: float) -> dict[str, object]:
        return {
            "queries": self.queries,
            "ddl_statements": self.ddl_statements,
            "bytes_scanned": self.scanned_bytes,
            "bytes_billed": self.billed_bytes,
            "estimated_cost_usd": round(self.billed_bytes / TB * price_per_tb, 6),
            "queue_ms": self.queue_ms,
            "engine_ms": self.engine_ms,
        }


@dataclass
class AthenaBill:
    """Every Athena statement of a run, by the table whose check sent it (the worker thread
    checking a table says so with ``for_table``)."""

    price_per_tb: float = 5.0
    _tallies: dict[str, Tally] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _current: threading.local = field(default_factory=threading.local)

    @contextlib.contextmanager
    def for_table(self, table: str) -> Iterator[None]:
        previous = getattr(self._current, "table", RUN)
        self._current.table = table
        try:
            yield
        finally:
            self._current.table = previous

    def add(self, stats: QueryStats) -> None:
        table = getattr(self._current, "table", RUN)
        with self._lock:
            self._tallies.setdefault(table, Tally()).add(stats)

    def of_table(self, table: str) -> dict[str, object]:
        with self._lock:
            return self._tallies.get(table, Tally()).record(self.price_per_tb)

    def totals(self) -> dict[str, object]:
        whole = Tally()
        with self._lock:
            for tally in self._tallies.values():
                for name in vars(whole):
                    setattr(whole, name, getattr(whole, name) + getattr(tally, name))
        return whole.record(self.price_per_tb)


def bill_text(bill: dict[str, object]) -> str:
    """One line: ``12 queries (1 DDL), 3.2 MB scanned, 120 MB billed, est. $0.000572, queue
    0.4 s, engine 6.1 s``."""

    def number(key: str) -> float:
        value = bill.get(key)
        return float(value) if isinstance(value, (int, float)) else 0.0

    return (
        f"{int(number('queries'))} queries ({int(number('ddl_statements'))} DDL), "
        f"{number('bytes_scanned') / MB:.1f} MB scanned, {number('bytes_billed') / MB:.0f} MB "
        f"billed, est. ${number('estimated_cost_usd'):.6f}, queue "
        f"{number('queue_ms') / 1000:.1f} s, engine {number('engine_ms') / 1000:.1f} s"
    )
