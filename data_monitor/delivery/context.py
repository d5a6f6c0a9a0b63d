"""What delivering a run needs: its backend (with its Data Docs site), settings, outcome and
start time.

The run builds one and hands it to the checkpoint, which gives it to each of the monitor's
actions before running them (as GX gives every action its data context): GX builds the actions
from ``gx/checkpoints/*.json``, so they cannot take it as a constructor argument.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from data_monitor.backends.base import Backend, DocsSite
from data_monitor.model.results import RunOutcome
from data_monitor.model.settings import Settings


@dataclass
class RunContext:
    backend: Backend
    settings: Settings
    outcome: RunOutcome
    started: dt.datetime

    @property
    def docs(self) -> DocsSite:
        return self.backend.docs
