"""The run a checkpoint's actions belong to.

GX actions are declared in ``gx/checkpoints/*.json`` and built by GX from that JSON, so they
cannot be handed the run's backend and settings as arguments; the monitor publishes them here
for the length of the checkpoint run, and the actions read them back.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING

from data_monitor.backends.base import Backend
from data_monitor.docs_site import DocsPlan
from data_monitor.settings import Settings

if TYPE_CHECKING:
    from data_monitor.monitor import RunOutcome


@dataclass
class RunState:
    backend: Backend
    settings: Settings
    outcome: RunOutcome
    started: dt.datetime
    docs: DocsPlan


_CURRENT: ContextVar[RunState | None] = ContextVar("data_monitor_run", default=None)


@contextlib.contextmanager
def running(state: RunState) -> Iterator[RunState]:
    token = _CURRENT.set(state)
    try:
        yield state
    finally:
        _CURRENT.reset(token)


def current_run() -> RunState:
    state = _CURRENT.get()
    if state is None:
        raise RuntimeError("this action only runs inside a data-monitor checkpoint run")
    return state
