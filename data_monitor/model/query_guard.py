"""Bounded, stoppable queries: a time limit per query, and a way to stop all in flight.

An Athena query can run for hours; the monitor must neither hang on one nor leave it running
(and billing) when the run is stopped. Each metric query runs through SQLAlchemy as usual; a
connection-level listener captures its DB-API cursor, whose cancel is known: pyathena's
``Cursor.cancel()`` (StopQueryExecution) or DuckDB's ``interrupt()``. A timer cancels it after
``LIMITS.timeout_s``; ``stop_all`` (SIGTERM) cancels every query in flight and refuses new ones.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa


@dataclass
class Limits:
    timeout_s: float = 900.0


LIMITS = Limits()
START_WAIT_S = 60.0  # how long a stop waits for a starting Athena query's id
_IN_FLIGHT: dict[int, Callable[[], None]] = {}
_LOCK = threading.Lock()
_STOPPED = threading.Event()


class QueryStopped(RuntimeError):
    """The query was cancelled (time limit, or the run was stopped)."""


def stop_all() -> int:
    """Cancel every query in flight and refuse new ones; returns how many were cancelled."""
    _STOPPED.set()
    with _LOCK:
        cancels = list(_IN_FLIGHT.values())
    for cancel in cancels:
        _quietly(cancel)
    return len(cancels)


def reset(timeout_s: float | None = None) -> None:
    """Start of a run: accept queries again, with this time limit."""
    _STOPPED.clear()
    if timeout_s is not None:
        LIMITS.timeout_s = timeout_s


def stopped() -> bool:
    return _STOPPED.is_set()


def wait_stopped(seconds: float) -> bool:
    """Sleep up to ``seconds``, waking at once if the run is stopped; True if it was."""
    return _STOPPED.wait(seconds)


@contextmanager
def in_flight(cancel: Callable[[], None]) -> Iterator[None]:
    """Count ``cancel`` among the queries in flight while the block runs, so ``stop_all`` calls
    it too: for a query run outside SQLAlchemy (the Athena repair DDL)."""
    key = id(cancel)
    with _LOCK:
        _IN_FLIGHT[key] = cancel
    try:
        yield
    finally:
        with _LOCK:
            _IN_FLIGHT.pop(key, None)


def run_query(engine: Any, query: Any) -> dict[str, Any]:
    """Execute a SELECT returning one row, within the time limit; the row as a dict."""
    if _STOPPED.is_set():
        raise QueryStopped("not started: the run is being stopped")
    timed_out = threading.Event()
    with engine.connect() as connection:
        cursors: list[Any] = []

        def grab(conn: Any, cursor: Any, *args: Any) -> None:
            cursors.append(cursor)

        def cancel() -> None:
            for cursor in cursors:
                _canceller(cursor, connection.connection.driver_connection)()

        def on_timeout() -> None:
            timed_out.set()
            _quietly(cancel)

        sa.event.listen(connection, "before_cursor_execute", grab)
        timer = threading.Timer(LIMITS.timeout_s, on_timeout)
        key = id(connection)
        with _LOCK:
            _IN_FLIGHT[key] = cancel
        timer.start()
        try:
            row = connection.execute(query).mappings().one()
        except Exception as exc:
            if timed_out.is_set():
                raise QueryStopped(f"still running after {LIMITS.timeout_s:g} s; stopped") from exc
            if _STOPPED.is_set():
                raise QueryStopped("stopped: the run was interrupted") from exc
            raise
        finally:
            timer.cancel()
            with _LOCK:
                _IN_FLIGHT.pop(key, None)
            sa.event.remove(connection, "before_cursor_execute", grab)
    return dict(row)


def _canceller(cursor: Any, driver_connection: Any) -> Callable[[], None]:
    if callable(getattr(cursor, "cancel", None)):  # pyathena: StopQueryExecution
        return lambda: _cancel_athena(cursor)
    interrupt = getattr(driver_connection, "interrupt", None)  # DuckDB
    if callable(interrupt):
        return interrupt  # type: ignore[no-any-return]
    return lambda: None


def _cancel_athena(cursor: Any) -> None:
    """StopQueryExecution for the cursor's query. Between StartQueryExecution and its answer
    the query runs (and bills) but pyathena does not know its id yet, and its ``cancel``
    refuses: a stop in that window waits, on its own thread, for the id to arrive."""
    if getattr(cursor, "query_id", None):
        cursor.cancel()
        return

    def when_started() -> None:
        deadline = time.monotonic() + START_WAIT_S
        while not getattr(cursor, "query_id", None) and time.monotonic() < deadline:
            time.sleep(0.05)
        cursor.cancel()

    threading.Thread(target=lambda: _quietly(when_started), daemon=True).start()


def _quietly(call: Callable[[], Any]) -> None:
    try:
        call()
    except Exception:  # cancelling what already ended is not an error
        return None
