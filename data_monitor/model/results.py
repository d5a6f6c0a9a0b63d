"""What a run produces, as plain data: alerts, report rows, the outcome and its exit code.

Every layer of the package reads and builds these; this module imports only the alert codes and
severities (model.checks).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from enum import IntEnum
from typing import TYPE_CHECKING

from data_monitor.model.checks import AlertCode, Severity

if TYPE_CHECKING:
    from data_monitor.model.alert_states import AlertStates


@dataclass(frozen=True)
class Alert:
    code: AlertCode | str  # a str: a suite's meta.alert_code may name its own
    severity: Severity
    table: str
    text: str

    @property
    def line(self) -> str:
        return f"[{self.code}] {self.table}: {self.text}"


@dataclass
class TableRow:
    """One table's line of the report: the seed's 15 keys, then ours."""

    table: str
    location: str = ""
    s3_partitions: int = 0
    glue_partitions: int = 0
    missing_glue_count: int = 0
    table_type_ok: bool | None = None
    contract_ok: bool | None = None
    raw_input_snapshot_dt: str = ""
    count_src: int | None = None
    count_part: int | None = None
    count_diff_pct: str = ""
    pk_nulls: int | None = None
    pk_dupes: int | None = None
    file_issues_sample: str = ""
    checked_at: str = ""
    repaired_glue_count: int = 0
    volume_check: str = ""
    raw_input_dt: str = ""  # the newest raw input of the source (beside raw_input_snapshot_dt)
    # for the run summary's partition grid: buckets (0..N-1) by state
    storage_buckets: list[int] = field(default_factory=list)
    unregistered_buckets: list[int] = field(default_factory=list)
    row_count_history: list[int] = field(default_factory=list)  # past days, oldest first
    skewed_buckets: list[int] = field(default_factory=list)  # the fullest/emptiest, if skewed
    empty_partitions: list[int] = field(default_factory=list)  # registered, no data file
    repair_skipped: list[int] = field(default_factory=list)  # not registered: no data file
    # the Clean Rooms readiness suite's verdict: {"ready": bool, "failing": [rules]}, or None
    clean_rooms_ready: dict[str, object] | None = None
    # the columns this run saw ({"name", "type"}; the next run's schema baseline), and what
    # changed since the last run ("segment retyped string -> int"); None when not compared
    schema: list[dict[str, str]] = field(default_factory=list)
    schema_changes: list[str] | None = None
    # the table's Athena statements: queries, bytes scanned and billed, estimated cost, queue
    # and engine time (model/athena_bill.py); None on the local backend
    athena: dict[str, object] | None = None
    status: str = "ok"
    alerts: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return dict(self.__dict__)


class ExitCode(IntEnum):
    OK = 0  # every check ran, nothing to report
    ALERTS = 1  # every check ran, alerts raised and delivered
    USAGE = 2  # bad flags or suites: nothing was read or written
    INCOMPLETE = 3  # some check could not run, or a report/alert could not be delivered


@dataclass
class RunOutcome:
    generated_at: str
    run_key: str = field(default_factory=lambda: uuid.uuid4().hex[:8])
    partial: bool = False
    rows: list[TableRow] = field(default_factory=list)
    alerts: list[Alert] = field(default_factory=list)
    outputs: dict[str, str] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    summary_page: bytes = field(default=b"", repr=False)  # rendered once, also put in Data Docs
    athena: dict[str, object] | None = None  # the run's Athena bill (None: no Athena)
    # each alert new or ongoing, and what the last run raised that this one does not
    alert_states: AlertStates | None = None

    @property
    def exit_code(self) -> ExitCode:
        if self.failures or any(a.code == AlertCode.ERROR for a in self.alerts):
            return ExitCode.INCOMPLETE
        return ExitCode.ALERTS if self.alerts else ExitCode.OK

    def exit_code_for(self, fail_on: str) -> ExitCode:
        """The process exit code under ``--fail_on`` (settings.FAIL_ON_MODES). ``exit_code``
        says what happened; this says whether the scheduler should count it as a failure."""
        code = self.exit_code
        if fail_on == "never" or (fail_on == "errors" and code is ExitCode.ALERTS):
            return ExitCode.OK
        return code
