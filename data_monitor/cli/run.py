"""``data-monitor run``: one monitor run, its summary printed, its outcome as the exit code."""

from __future__ import annotations

import logging
import signal
import sys
import threading
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from data_monitor.model.alert_states import AlertTrack
    from data_monitor.model.results import RunOutcome
    from data_monitor.model.settings import Settings
    from data_monitor.model.stop_control import StopControl


LOG = logging.getLogger("data_monitor")


def run_command(settings: Settings) -> int:
    from data_monitor.model.stop_control import StopControl
    from data_monitor.run import monitor
    from data_monitor.validation.checkpoint import CheckpointConfigError
    from data_monitor.validation.suites import SuiteError

    stop = StopControl(settings.query_timeout_seconds)
    previous = _stop_on_sigterm(stop)
    try:
        outcome = monitor.run(settings, stop=stop)
    except SuiteError as exc:
        print(f"data-monitor run: error: invalid suite files:\n{exc}", file=sys.stderr)
        return 2
    except CheckpointConfigError as exc:
        print(f"data-monitor run: error: invalid checkpoint: {exc}", file=sys.stderr)
        return 2
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
    print_summary(outcome, settings.fail_on)
    return int(outcome.exit_code_for(settings.fail_on))


def _stop_on_sigterm(stop: StopControl) -> Any:
    """Glue and cron end a job with SIGTERM: stop the run's queries in flight (so Athena stops
    billing), skip the tables not started, and let the run write its partial report."""

    def on_sigterm(signum: int, frame: Any) -> None:
        stopped = stop.stop_all()
        LOG.error("SIGTERM: stopped %d query(ies) in flight; the report will be partial", stopped)

    if threading.current_thread() is not threading.main_thread():
        return None  # signal handlers can only be set from the main thread
    return signal.signal(signal.SIGTERM, on_sigterm)


def _state_text(track: AlertTrack) -> str:
    if track.state == "new":
        return "new"
    return f"ongoing since {track.first_seen}, {track.runs} runs"


def print_summary(outcome: RunOutcome, fail_on: str = "alerts") -> None:
    states = outcome.alert_states
    since = ""
    if states is not None:
        since = " (" + ", ".join(f"{n} {state}" for state, n in states.counts().items()) + ")"
    print(f"checked {len(outcome.rows)} table(s): {len(outcome.alerts)} alert(s){since}")
    for alert in outcome.alerts:
        track = states.of(alert) if states is not None else None
        tag = "" if track is None else f"  ({_state_text(track)})"
        print(f"  {alert.severity:<6} {alert.line}{tag}")
    for past in states.resolved if states is not None else []:
        print(f"  {'fixed':<6} {past.line}  (resolved; open since {past.first_seen})")
    for label, key in (
        ("Summary", "summary"),
        ("JSON report", "json"),
        ("CSV report", "csv"),
        ("alert", "alert"),
        ("Data Docs", "data_docs"),
    ):
        if key in outcome.outputs:
            print(f"{label + ':':<13}{outcome.outputs[key]}")
    if outcome.athena is not None:
        from data_monitor.model.athena_bill import bill_text

        print(f"{'Athena:':<13}{bill_text(outcome.athena)}")
    for failure in outcome.failures:
        print(f"FAILED: {failure}")
    code, happened = outcome.exit_code_for(fail_on), outcome.exit_code.name.lower()
    if code != outcome.exit_code:  # say why an outcome that is not OK still exits 0
        happened += f", not a failure with --fail_on {fail_on}"
    print(f"exit code {int(code)} ({happened})")
