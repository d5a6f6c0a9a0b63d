"""Which of a run's alerts are new, which are still open, and which were fixed since.

An alert is the same alert from one run to the next when its code, its table and its wording
match once every number is masked: "12 NULL rows" and "30 NULL rows" are one open defect whose
count moved, and so are "missing: 3, 7, 12" and "missing: 3, 7" (a list of numbers is one
mask). Dates and percentages are numbers too, so an age that grows by a day stays one alert.
A change of wording (another column named, "above" becoming "below") is another alert: the
old one is resolved and the new one is new.

Each run's report keeps, per alert, the day it was first seen and how many runs in a row saw
it; the next run carries these on. This module only compares: reading the past reports is
``lake.alert_baseline``'s, and nothing here touches storage.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

NEW, ONGOING, RESOLVED = "new", "ongoing", "resolved"
RUN_WIDE = "*"  # the table of an alert about the run, not one table
# a number with what is written into it (1,234 · 12.5% · 2026-11-30 · 12:00:00Z), then a
# list of such numbers, are each one mask
_NUMBER = re.compile(r"[+-]?\d[\d.,:%/T\-Z]*")
_NUMBER_LIST = re.compile(r"#(?:[\s,;]*#)+")


class AlertLike(Protocol):
    """An alert (``model.results.Alert``), as far as its identity goes."""

    @property
    def code(self) -> object: ...

    @property
    def table(self) -> str: ...

    @property
    def text(self) -> str: ...


def alert_key(code: str, table: str, text: str) -> str:
    """What makes an alert the same across runs (see the module's docstring)."""
    masked = _NUMBER_LIST.sub("#", _NUMBER.sub("#", text))
    return f"{code}\x1f{table}\x1f{' '.join(masked.split())}"


@dataclass(frozen=True)
class PastAlert:
    """An alert as an earlier run's report kept it."""

    code: str
    severity: str
    table: str
    line: str
    first_seen: str  # the as_of day of the first run that raised it
    runs: int  # how many runs in a row raised it, that run included
    seen_on: str  # that run's as_of day

    @property
    def key(self) -> str:
        text = self.line.split(": ", 1)[1] if ": " in self.line else self.line
        return alert_key(self.code, self.table, text)


@dataclass(frozen=True)
class AlertTrack:
    """One alert of this run: new, or ongoing since ``first_seen`` for ``runs`` runs."""

    state: str
    first_seen: str
    runs: int


@dataclass
class AlertStates:
    """This run's alerts against the runs before it (see ``compare``)."""

    tracks: dict[str, AlertTrack] = field(default_factory=dict)  # by alert_key
    resolved: list[PastAlert] = field(default_factory=list)
    # still open, but on a table this run did not check in full: carried to the next report
    carried: list[PastAlert] = field(default_factory=list)
    baselines: list[str] = field(default_factory=list)  # the past reports compared with

    def of(self, alert: AlertLike) -> AlertTrack | None:
        return self.tracks.get(alert_key(str(alert.code), alert.table, alert.text))

    def counts(self) -> dict[str, int]:
        states = [t.state for t in self.tracks.values()]
        return {
            NEW: states.count(NEW),
            ONGOING: states.count(ONGOING),
            RESOLVED: len(self.resolved),
        }


def compare(
    alerts: Sequence[AlertLike],
    previous: Iterable[PastAlert],
    compared_tables: set[str],
    as_of: str,
    baselines: Sequence[str] = (),
) -> AlertStates:
    """Each alert's state against ``previous``, the alerts of the last run that checked each
    table (for run-wide alerts, the last complete run).

    ``compared_tables`` are the tables (and ``RUN_WIDE``) this run looked at in full: only
    their past alerts can be resolved. A table this run did not check in full has no verdict:
    its past alerts that this run did not raise are carried, still open, to the next run."""
    past = {p.key: p for p in previous}
    states = AlertStates(baselines=list(baselines))
    for alert in alerts:
        key = alert_key(str(alert.code), alert.table, alert.text)
        before = past.get(key)
        if before is None:
            states.tracks[key] = AlertTrack(NEW, as_of, 1)
        else:
            states.tracks[key] = AlertTrack(ONGOING, before.first_seen, before.runs + 1)
    gone = [p for key, p in past.items() if key not in states.tracks]
    states.resolved = [p for p in gone if p.table in compared_tables]
    states.carried = [p for p in gone if p.table not in compared_tables]
    return states
