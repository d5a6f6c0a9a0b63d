"""``data-monitor``: the command line (thin: parse, call the library, map to an exit code).

    data-monitor run --database DB --report_bucket B [seed flags]
    data-monitor demo [--warehouse PATH]
    data-monitor suites check [--gx_dir PATH]

Exit codes of ``run``: 0 every check ran and nothing is wrong; 1 every check ran and alerts were
raised (and delivered); 2 bad flags or suites (nothing read or written); 3 some check could not
run, or a report/alert could not be delivered. ``--fail_on errors`` turns 1 into 0 (for Glue,
where a non-zero exit marks the run FAILED); ``--fail_on never`` turns 1 and 3 into 0.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from data_monitor.flags import OneLineParser, UsageError, add_run_flags, settings_from

if TYPE_CHECKING:
    from data_monitor.monitor import RunOutcome
    from data_monitor.settings import Settings

LOG = logging.getLogger("data_monitor")
EXIT_CODES = """exit codes:
  0  every check ran, no issue found
  1  every check ran, issues found (alert sent, report written)
  2  invalid flags or suite files: nothing was read or written
  3  some check could not run, or the report/alert could not be delivered
  (--fail_on errors: 1 becomes 0; --fail_on never: 1 and 3 become 0; an unexpected
  crash is always 3, since no report or alert may have gone out)"""


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(
        prog="data-monitor",
        description="Data-quality monitor for "
        "partitioned S3/Glue tables, built on Great Expectations.",
    )
    commands = parser.add_subparsers(dest="command", required=True, parser_class=OneLineParser)
    run = commands.add_parser(
        "run",
        help="check every monitored table once",
        epilog=EXIT_CODES,
        formatter_class=argparse.RawTextHelpFormatter,
    )
    add_run_flags(run)
    demo = commands.add_parser(
        "demo", help="build a demo warehouse with seeded defects and run the monitor on it"
    )
    demo.add_argument(
        "--warehouse",
        type=Path,
        default=Path("demo-warehouse"),
        help="where to build the demo warehouse (default: demo-warehouse)",
    )
    demo.add_argument("--scale", type=int, default=1, help="multiply the demo's rows")
    report = commands.add_parser(
        "report", help="where the latest run summary is (local: --open opens it in a browser)"
    )
    report.add_argument("--report_bucket", required=True, help="bucket of the reports")
    report.add_argument("--report_prefix", default="data-monitor/", help="prefix of the reports")
    report.add_argument(
        "--warehouse",
        type=Path,
        default=None,
        help="local backend: the warehouse (without it, the S3 URI is printed)",
    )
    report.add_argument("--open", action="store_true", help="open the summary in a browser")
    suites = commands.add_parser("suites", help="work with the expectation suites")
    suite_commands = suites.add_subparsers(
        dest="suites_command", required=True, parser_class=OneLineParser
    )
    check = suite_commands.add_parser("check", help="validate every suite file")
    check.add_argument(
        "--gx_dir", type=Path, default=None, help="the GX project folder (default: the bundled gx/)"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args_in = list(sys.argv[1:] if argv is None else argv)
    configure_logging()
    parser = build_parser()
    try:
        args, unknown = parser.parse_known_args(args_in)
        if unknown:
            LOG.info(
                "ignoring arguments this job does not use: %s",
                " ".join(a for a in unknown if a.startswith("--")),
            )
        if args.command == "run":
            return run_command(settings_from(args))
        if args.command == "report":
            return report_command(args.report_bucket, args.report_prefix, args.warehouse, args.open)
        if args.command == "demo":
            from data_monitor.demo import run_demo

            return run_demo(args.warehouse, args.scale)
        return suites_check(args.gx_dir)
    except UsageError as exc:
        print(exc, file=sys.stderr)
        return 2
    except Exception:  # a crash must never look like "issues found" (1) to cron or Glue
        LOG.exception("data-monitor stopped on an unexpected error")
        return 3


def run_command(settings: Settings) -> int:
    from data_monitor import monitor
    from data_monitor.checkpoint import CheckpointConfigError
    from data_monitor.suites import SuiteError

    previous = _stop_on_sigterm()
    try:
        outcome = monitor.run(settings)
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


def _stop_on_sigterm() -> Any:
    """Glue and cron end a job with SIGTERM: stop the queries in flight (so Athena stops
    billing), skip the tables not started, and let the run write its partial report."""
    from custom_expectations.metrics import query_guard

    def on_sigterm(signum: int, frame: Any) -> None:
        stopped = query_guard.stop_all()
        LOG.error("SIGTERM: stopped %d query(ies) in flight; the report will be partial", stopped)

    if threading.current_thread() is not threading.main_thread():
        return None  # signal handlers can only be set from the main thread
    return signal.signal(signal.SIGTERM, on_sigterm)


def print_summary(outcome: RunOutcome, fail_on: str = "alerts") -> None:
    print(f"checked {len(outcome.rows)} table(s): {len(outcome.alerts)} alert(s)")
    for alert in outcome.alerts:
        print(f"  {alert.severity:<6} {alert.line}")
    for label, key in (
        ("Summary", "summary"),
        ("JSON report", "json"),
        ("CSV report", "csv"),
        ("alert", "alert"),
        ("Data Docs", "data_docs"),
    ):
        if key in outcome.outputs:
            print(f"{label + ':':<13}{outcome.outputs[key]}")
    for failure in outcome.failures:
        print(f"FAILED: {failure}")
    code, happened = outcome.exit_code_for(fail_on), outcome.exit_code.name.lower()
    if code != outcome.exit_code:  # say why an outcome that is not OK still exits 0
        happened += f", not a failure with --fail_on {fail_on}"
    print(f"exit code {int(code)} ({happened})")


def report_command(bucket: str, prefix: str, warehouse: Path | None, open_it: bool) -> int:
    """Print (and optionally open) the latest run summary."""
    uri = f"s3://{bucket}/{prefix}summary/latest.html"
    if warehouse is None:
        print(uri)
        return 0
    path = (warehouse / "s3" / bucket / prefix / "summary" / "latest.html").resolve()
    if not path.is_file():
        print(f"data-monitor report: no run summary at {path} yet", file=sys.stderr)
        return 1
    print(path)
    if open_it:
        import webbrowser

        webbrowser.open(path.as_uri())
    return 0


def suites_check(gx_dir: Path | None) -> int:
    from data_monitor.suites import SuiteError, default_gx_dir, load_suite_files

    folder = gx_dir or default_gx_dir()
    try:
        suites = load_suite_files(folder)
    except SuiteError as exc:
        print(exc, file=sys.stderr)
        return 1
    for suite in suites:
        overrides = f", {len(suite.overrides)} override(s)" if suite.overrides else ""
        print(
            f"{suite.path}: {len(suite.expectations)} expectation(s){overrides}, "
            f"batch {suite.batch}: ok"
        )
    return 0


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stderr`` is now (it is replaced under tests and in Glue)."""

    @property  # type: ignore[override]
    def stream(self) -> object:
        return sys.stderr

    @stream.setter
    def stream(self, value: object) -> None:
        return None


def configure_logging() -> None:
    """Plain timestamped lines on stderr: the same in a terminal, in Glue and in cron."""
    if not LOG.handlers:
        handler = _StderrHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
        LOG.addHandler(handler)
        LOG.setLevel(logging.INFO)
        LOG.propagate = False
