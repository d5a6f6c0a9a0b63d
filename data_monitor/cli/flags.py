"""The seed's flags: parsing, help text and validation (exit 2 on bad input).

Glue passes ``--key value`` pairs and adds its own (``--JOB_ID``, ``--TempDir``...). Unknown
arguments are returned to the caller, which logs and ignores them.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import string
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn

from data_monitor.model.errors import UsageError
from data_monitor.model.settings import (
    AUTO_REPAIR_MODES,
    BACKENDS,
    DEFAULT_SNAPSHOT_MARKER,
    FAIL_ON_MODES,
    REPORT_SSE_MODES,
    SOURCE_TYPES,
    Settings,
)

GLUE_NAME = re.compile(r"^[a-z0-9_]{1,255}$")
COLUMN_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,254}$")
BUCKET_NAME = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d$")
MARKER_FIELDS = {"location", "table", "database"}
TRUE_WORDS = {"true": True, "false": False}


class OneLineParser(argparse.ArgumentParser):
    """argparse that reports a bad flag as one line (no usage dump) and exits 2."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: error: {message}")


def _typed(description: str, convert: Callable[[str], Any]) -> Callable[[str], Any]:
    def parse(text: str) -> Any:
        try:
            return convert(text)
        except (ValueError, TypeError):
            raise argparse.ArgumentTypeError(f"{text!r} is not {description}") from None

    parse.__name__ = description
    return parse


def _boolean(text: str) -> bool:
    return TRUE_WORDS[text.strip().lower()] if text.strip().lower() in TRUE_WORDS else _fail()


def _fail() -> NoReturn:
    raise ValueError


def _int_at_least(low: int) -> Callable[[str], int]:
    def convert(text: str) -> int:
        value = int(text)
        return value if value >= low else _fail()

    return _typed(f"an integer >= {low}", convert)


def _non_negative_float(text: str) -> float:
    value = float(text)
    return value if value >= 0 and value == value and value != float("inf") else _fail()


def _matching(pattern: re.Pattern[str], description: str) -> Callable[[str], str]:
    return _typed(description, lambda text: text if pattern.match(text) else _fail())


def _choice(choices: Sequence[str], aliases: dict[str, str] | None = None) -> Callable[[str], str]:
    """One of ``choices`` in any case, returned as spelled there (``aes256`` -> ``AES256``);
    ``aliases`` are older spellings still accepted, not offered in the error message."""
    spelled = {c.lower(): c for c in choices} | {a.lower(): c for a, c in (aliases or {}).items()}

    def convert(text: str) -> str:
        key = text.strip().lower()
        return spelled[key] if key in spelled else _fail()

    return _typed("one of " + "|".join(choices), convert)


def _s3_uri(text: str) -> str:
    return text if text.startswith("s3://") and len(text) > len("s3://") else _fail()


def _marker_template(text: str) -> str:
    fields = {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
    return text if fields <= MARKER_FIELDS and "{" in text else _fail()


def _date(text: str) -> dt.date:
    return dt.date.fromisoformat(text) if re.match(r"^\d{4}-\d{2}-\d{2}$", text) else _fail()


def _table_list(text: str) -> tuple[str, ...]:
    names = tuple(n.strip() for n in text.split(",") if n.strip())
    return names if names and all(GLUE_NAME.match(n) for n in names) else _fail()


def _bucket_list(text: str) -> tuple[str, ...]:
    names = tuple(n.strip() for n in text.split(",") if n.strip())
    return names if names and all(BUCKET_NAME.match(n) for n in names) else _fail()


BOOLEAN = _typed("true or false", _boolean)
GLUE_IDENT = _matching(GLUE_NAME, "a Glue name of lowercase letters, digits and _")
FLAGS: list[tuple[str, Callable[[str], Any], str]] = [
    ("database", GLUE_IDENT, "Glue database whose tables are monitored (required)"),
    ("report_bucket", _matching(BUCKET_NAME, "an S3 bucket name"), "bucket for reports (required)"),
    (
        "athena_results",
        _typed("an s3:// URI", _s3_uri),
        "S3 URI for Athena query results (aws: required unless the workgroup has a result "
        "location or managed query results; not used when the workgroup overrides it)",
    ),
    ("region", _matching(REGION, "an AWS region such as us-east-1"), "AWS region"),
    (
        "table_prefix",
        _matching(re.compile(r"^[a-z0-9_]+$"), "lowercase letters, digits and _"),
        "prefix of the monitored tables",
    ),
    ("bucket_count", _int_at_least(1), "expected number of id_bucket partitions (0..N-1)"),
    (
        "report_prefix",
        _matching(re.compile(r"^([A-Za-z0-9._-]+/)*$"), "an S3 key prefix ending in / (or empty)"),
        "S3 prefix for reports",
    ),
    (
        "sns_topic_arn",
        _matching(re.compile(r"^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[\w-]+$"), "an SNS topic ARN"),
        "SNS topic for alerts (aws backend; the local backend writes <warehouse>/sns/)",
    ),
    ("auto_repair", _choice(AUTO_REPAIR_MODES), "register partitions missing from the catalog"),
    (
        "athena_workgroup",
        _matching(re.compile(r"^[A-Za-z0-9._-]{1,128}$"), "a workgroup name"),
        "Athena workgroup",
    ),
    ("strict_snapshot", BOOLEAN, "a missing snapshot marker is an alert"),
    ("freshness_window_days", _int_at_least(0), "days before a snapshot is stale"),
    ("count_check_enabled", BOOLEAN, "compare each table's row count with its source"),
    ("compare_source_type", _choice(SOURCE_TYPES), "source tables: ext_X or part_X"),
    ("compare_database", GLUE_IDENT, "database of the source tables (default: --database)"),
    (
        "count_tolerance_pct",
        _typed("a number >= 0", _non_negative_float),
        "allowed row-count difference in percent",
    ),
    (
        "pk_column",
        _matching(COLUMN_NAME, "a column name ([A-Za-z_][A-Za-z0-9_]*)"),
        "primary key column",
    ),
    ("file_size_check", BOOLEAN, "check data file sizes in a sample of partitions"),
    ("file_size_min_mb", _typed("a number >= 0", _non_negative_float), "smallest good file, MB"),
    ("file_size_max_mb", _typed("a number >= 0", _non_negative_float), "largest good file, MB"),
    (
        "max_tables",
        _int_at_least(0),
        "check at most this many tables (0: all); the rest are named in a [NOT_CHECKED] alert",
    ),
    (
        "tables",
        _typed("a comma-separated list of table names", _table_list),
        "check only these tables (default: every table with the prefix)",
    ),
    (
        "data_buckets",
        _typed("a comma-separated list of S3 bucket names", _bucket_list),
        "buckets the tables' data must be in; a table elsewhere is refused (default: any)",
    ),
    (
        "backend",
        _choice(BACKENDS),
        "local (warehouse folder + DuckDB) or aws (S3, Glue, Athena, SNS)",
    ),
    ("warehouse", Path, "local backend: the warehouse folder standing in for S3 + Glue"),
    (
        "as_of",
        _typed("a date YYYY-MM-DD", _date),
        "date for freshness and the report name (default: today, UTC)",
    ),
    (
        "snapshot_marker",
        _typed("a template using only {location}, {table}, {database}", _marker_template),
        "where a table's snapshot_dt.txt is",
    ),
    ("max_workers", _int_at_least(0), "tables checked at once (0: 8 on aws, 2 on local)"),
    ("data_docs", BOOLEAN, "build the Data Docs site for the run"),
    (
        "docs_bucket",
        _matching(BUCKET_NAME, "an S3 bucket name"),
        "aws backend: bucket of the Data Docs site (default: --report_bucket)",
    ),
    (
        "docs_prefix",
        _matching(re.compile(r"^([A-Za-z0-9._-]+/)*$"), "an S3 key prefix ending in / (or empty)"),
        "aws backend: prefix of the Data Docs site (default: <report_prefix>data-docs/)",
    ),
    (
        "query_timeout_seconds",
        _int_at_least(1),
        "a query still running after this is stopped and reported",
    ),
    (
        "report_sse",
        # "none" was the old name of bucket-default: S3 encrypts every new object regardless
        _choice(REPORT_SSE_MODES, aliases={"none": "bucket-default"}),
        "server-side encryption of reports and Data Docs (aws) (default: bucket-default, which "
        "sends no SSE header, so the bucket's own encryption applies; AES256 or aws:kms "
        "overrides it)",
    ),
    (
        "report_kms_key",
        _matching(
            re.compile(
                r"^(arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(key|alias)/"
                r"[\w/-]+|alias/[\w/-]+|[\w-]+)$"
            ),
            "a KMS key id or ARN",
        ),
        "KMS key for --report_sse aws:kms",
    ),
    (
        "expected_bucket_owner",
        _matching(re.compile(r"^\d{12}$"), "a 12-digit AWS account id"),
        "refuse to write reports to a bucket another account owns",
    ),
    (
        "fail_on",
        _choice(FAIL_ON_MODES),
        "what makes the exit code non-zero: alerts (1 issues found, 3 a check could not run or "
        "delivery failed), errors (3 only), never (0 once the run completed)",
    ),
    (
        "history_days",
        _int_at_least(0),
        "days of past runs the volume and freshness-trend checks compare with",
    ),
    (
        "fallback_dir",
        Path,
        "where a report that could not be written is kept (default: <temp>/data-monitor-fallback)",
    ),
    (
        "docs_keep_runs",
        _int_at_least(1),
        "runs the Data Docs site keeps (older ones are dropped with their stored results)",
    ),
    ("docs_dir", Path, "local Data Docs folder (default: <warehouse>/data-docs)"),
    ("gx_dir", Path, "the GX project folder holding expectations/ (default: bundled gx/)"),
]


def add_run_flags(parser: argparse.ArgumentParser) -> None:
    defaults = Settings(database="", report_bucket="")
    for name, convert, help_text in FLAGS:
        default = getattr(defaults, name)
        shown = str(default).lower() if isinstance(default, bool) else str(default)
        if (
            "default" not in help_text
            and "required" not in help_text
            and default
            not in (
                None,
                (),
            )
        ):
            help_text = f"{help_text} (default: {shown})"
        parser.add_argument(
            f"--{name}", type=convert, default=None, metavar=name.upper(), help=help_text
        )


def settings_from(namespace: argparse.Namespace) -> Settings:
    """Build Settings from parsed flags, checking what no single flag can check alone."""
    values = {name: getattr(namespace, name) for name, _, _ in FLAGS}
    for required in ("database", "report_bucket"):
        if values[required] is None:
            raise UsageError(f"data-monitor run: error: --{required} is required")
    # --athena_results is not checked here: on aws the workgroup may give the result location
    # (its own, enforced, or managed storage); the Athena backend reads it before any query
    settings = Settings(**{k: v for k, v in values.items() if v is not None})
    if settings.file_size_min_mb > settings.file_size_max_mb:
        raise UsageError(
            "data-monitor run: error: --file_size_min_mb "
            f"{settings.file_size_min_mb:g} is larger than --file_size_max_mb "
            f"{settings.file_size_max_mb:g}; expected min <= max"
        )
    if settings.report_kms_key and settings.report_sse != "aws:kms":
        raise UsageError(
            "data-monitor run: error: --report_kms_key needs --report_sse aws:kms "
            f"(got --report_sse {settings.report_sse})"
        )
    if settings.compare_source_type == "part" and settings.source_database == settings.database:
        raise UsageError(
            "data-monitor run: error: --compare_source_type part compares each table with "
            "itself unless --compare_database names another database"
        )
    return settings


__all__ = [
    "DEFAULT_SNAPSHOT_MARKER",
    "FLAGS",
    "OneLineParser",
    "UsageError",
    "add_run_flags",
    "settings_from",
]
