"""Per-table progress: a live line on a terminal, plain log lines in Glue and cron."""

from __future__ import annotations

import logging
import sys

LOG = logging.getLogger("data_monitor")


class Progress:
    def __init__(self, total: int, interactive: bool | None = None) -> None:
        self.total = total
        self.done = 0
        self.interactive = sys.stderr.isatty() if interactive is None else interactive

    def table_done(self, table: str, alerts: int) -> None:
        self.done += 1
        status = f"{alerts} alert(s)" if alerts else "ok"
        if self.interactive:
            end = "\n" if self.done == self.total else ""
            sys.stderr.write(f"\r\033[K[{self.done}/{self.total}] {table}: {status}{end}")
            sys.stderr.flush()
        else:
            LOG.info("[%d/%d] %s: %s", self.done, self.total, table, status)
