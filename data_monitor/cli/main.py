"""``data-monitor``: the command line (thin: parse, call the library, map to an exit code).

    data-monitor run --database DB --report_bucket B [seed flags]
    data-monitor demo [--warehouse PATH]
    data-monitor suites check [--gx_dir PATH]

Exit codes of ``run``: 0 every check ran and nothing is wrong; 1 every check ran and alerts were
raised (and delivered); 2 bad flags or suites (nothing read or written); 3 some check could not
run, or a report/alert could not be delivered. ``--fail_on errors`` turns 1 into 0 (for Glue,
where a non-zero exit marks the run FAILED); ``--fail_on never`` turns 1 and 3 into 0."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from data_monitor.cli.demo import run_demo
from data_monitor.cli.flags import (
    ENVIRONMENT_HELP,
    HelpFormatter,
    OneLineParser,
    UsageError,
    add_run_flags,
    settings_from,
)
from data_monitor.cli.report import report_command
from data_monitor.cli.run import run_command
from data_monitor.cli.suites import suites_check
from data_monitor.model.settings import Settings

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
        epilog=f"{ENVIRONMENT_HELP}\n\n{EXIT_CODES}",
        formatter_class=HelpFormatter,
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
    report.add_argument(
        "--report_prefix", default=Settings.report_prefix, help="prefix of the reports"
    )
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
    check = suite_commands.add_parser(
        "check",
        help="validate every suite file; count the SQL queries each table suite sends per table",
    )
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
            return run_demo(args.warehouse, args.scale)
        return suites_check(args.gx_dir)
    except UsageError as exc:
        print(exc, file=sys.stderr)
        return 2
    except Exception:  # a crash must never look like "issues found" (1) to cron or Glue
        LOG.exception("data-monitor stopped on an unexpected error")
        return 3


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
