"""A run's stop control: a time limit per query, and a way to stop every query in flight.

An Athena query can run for hours; the monitor must neither hang on one nor leave it running
(and billing) when the run is stopped. Each run makes its own ``StopControl`` (two runs in one
process never stop each other's queries) and hands it to where queries start: the backend's
engine, for its DDL, and the SQLAlchemy engine GX validates through, as an execution option
that ``run_query`` reads back for every metric query.

A metric query runs through SQLAlchemy as usual; a connection-level listener captures its
DB-API cursor, and the backend's engine says how to cancel that cursor's query (its
``canceller``, registered with ``use_canceller``), so the control itself knows no driver. A
timer cancels a query after ``timeout_s``; ``stop_all`` (SIGTERM) cancels every query in
flight and refuses new ones.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import sqlalchemy as sa

DEFAULT_TIMEOUT_S = 900.0
STOP_OPTION = "data_monitor_stop"  # the SQLAlchemy execution option holding the run's control

Cancel = Callable[[], None]
# (DB-API cursor, driver connection) -> what stops that cursor's query
Canceller = Callable[[object, object], Cancel]


class QueryStopped(RuntimeError):
    """The query was cancelled (time limit, or the run was stopped)."""


def _cannot_cancel(cursor: object, driver_connection: object) -> Cancel:
    return lambda: None


class StopControl:
    """One run's time limit, its stopped state, and the cancels of its queries in flight."""

    def __init__(self, timeout_s: float = DEFAULT_TIMEOUT_S) -> None:
        self.timeout_s = timeout_s
        self._stopped = threading.Event()
        self._lock = threading.Lock()
        self._in_flight: dict[int, Cancel] = {}
        self._canceller: Canceller = _cannot_cancel

    def use_canceller(self, canceller: Canceller) -> None:
        """How the run's engine cancels the query of one of its cursors."""
        self._canceller = canceller

    def canceller_for(self, cursor: object, driver_connection: object) -> Cancel:
        return self._canceller(cursor, driver_connection)

    def execution_options(self) -> dict[str, object]:
        """SQLAlchemy execution options that carry this control to every query of an engine."""
        return {STOP_OPTION: self}

    def stop_all(self) -> int:
        """Cancel every query in flight and refuse new ones; returns how many were cancelled."""
        self._stopped.set()
        with self._lock:
            cancels = list(self._in_flight.values())
        for cancel in cancels:
            quietly(cancel)
        return len(cancels)

    def stopped(self) -> bool:
        return self._stopped.is_set()

    def wait_stopped(self, seconds: float) -> bool:
        """Sleep up to ``seconds``, waking at once if the run is stopped; True if it was."""
        return self._stopped.wait(seconds)

    @contextmanager
    def in_flight(self, cancel: Cancel) -> Iterator[None]:
        """Count ``cancel`` among the queries in flight while the block runs, so ``stop_all``
        calls it too."""
        key = id(cancel)
        with self._lock:
            self._in_flight[key] = cancel
        try:
            yield
        finally:
            with self._lock:
                self._in_flight.pop(key, None)


def control_of(engine: sa.engine.Engine) -> StopControl:
    """The run's control that ``engine`` (a SQLAlchemy engine) carries. An engine no run made,
    such as one the expectations are used with on their own, gets a control of its own: the
    default time limit (without a canceller it cannot enforce), never stopped."""
    control = engine.get_execution_options().get(STOP_OPTION)
    return control if isinstance(control, StopControl) else StopControl()


def run_query(engine: sa.engine.Engine, query: sa.sql.Executable) -> dict[str, object]:
    """Execute a SELECT returning one row, within the run's time limit; the row as a dict."""
    control = control_of(engine)
    if control.stopped():
        raise QueryStopped("not started: the run is being stopped")
    with engine.connect() as connection:
        cursors: list[object] = []

        def grab(conn: object, cursor: object, *args: object) -> None:
            cursors.append(cursor)

        def cancel() -> None:
            driver_connection = connection.connection.driver_connection
            for cursor in cursors:
                control.canceller_for(cursor, driver_connection)()

        sa.event.listen(connection, "before_cursor_execute", grab)
        try:
            return _within_limit(
                control, cancel, lambda: dict(connection.execute(query).mappings().one())
            )
        finally:
            sa.event.remove(connection, "before_cursor_execute", grab)


def _within_limit(
    control: StopControl, cancel: Cancel, execute: Callable[[], dict[str, object]]
) -> dict[str, object]:
    """``execute()``, cancelled at the time limit or by ``stop_all``; a cancelled query's
    driver error becomes QueryStopped, saying which of the two stopped it."""
    timed_out = threading.Event()

    def on_timeout() -> None:
        timed_out.set()
        quietly(cancel)

    timer = threading.Timer(control.timeout_s, on_timeout)
    with control.in_flight(cancel):
        timer.start()
        try:
            return execute()
        except Exception as exc:
            if timed_out.is_set():
                raise QueryStopped(f"still running after {control.timeout_s:g} s; stopped") from exc
            if control.stopped():
                raise QueryStopped("stopped: the run was interrupted") from exc
            raise
        finally:
            timer.cancel()


def quietly(call: Callable[[], object]) -> None:
    """Call a cancel, ignoring its failure: cancelling what already ended is not an error."""
    try:
        call()
    except Exception:
        return None
