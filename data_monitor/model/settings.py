"""Every setting of a run, declared once: its name, type, default, help and parser.

The ``Settings`` fields below are the declaration. The command line (``--bucket_count 256``)
and the environment (``DATA_MONITOR_BUCKET_COUNT=256``) are both generated from them, with the
seed's spelling and its ``true``/``false`` booleans; ``declared_settings()`` is what they read.
Every value is checked once, before anything is read or written; a bad value stops the run with
exit code 2 and one line naming the flag (or variable) and what it accepts.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from data_monitor.model.parsers import (
    ATHENA_WORKGROUP,
    AWS_ACCOUNT_ID,
    AWS_REGION,
    BOOLEAN,
    BUCKET_LIST,
    CLEAN_ROOMS_ID,
    CLOUDWATCH_NAMESPACE,
    COLUMN,
    DATE,
    EVENT_BUS,
    GLUE_IDENTIFIER,
    KMS_KEY,
    MARKER_TEMPLATE,
    NON_NEGATIVE_NUMBER,
    PATH,
    S3_BUCKET,
    S3_KEY_PREFIX,
    S3_URI,
    SNS_TOPIC_ARN,
    TABLE_LIST,
    TABLE_PREFIX,
    Declared,
    choice,
    declarations_of,
    declare,
    int_at_least,
)

DEFAULT_SNAPSHOT_MARKER = "{location}_metadata/snapshot_dt.txt"
AUTO_REPAIR_MODES = ("athena", "glue", "off")
BACKENDS = ("local", "aws")
SOURCE_TYPES = ("ext", "part")
# the AWS Clean Rooms analysis engine the tables must suit: "both" holds them to the rules of
# the two engines (the stricter default), "sql" to AWS Clean Rooms SQL's, "spark" to Spark SQL's
CLEAN_ROOMS_ENGINES = ("both", "sql", "spark")
# Which outcomes make the exit code non-zero (see ExitCode): "alerts" fails on issues found (1)
# and on checks that could not run (3); "errors" only on the latter, for schedulers such as
# Glue where a run that found issues and sent its alert did its job; "never" always exits 0
# once the run completed (bad flags still exit 2).
FAIL_ON_MODES = ("alerts", "errors", "never")
# S3 applies a bucket's default encryption only to a PutObject without an SSE header, so
# "bucket-default" sends none: an SSE-KMS bucket stays SSE-KMS. AES256 or aws:kms is sent only
# when asked for (a bucket policy may require the aws:kms header).
REPORT_SSE_MODES = ("bucket-default", "AES256", "aws:kms")
# the alert message holds every alert (the seed's) or only those new or resolved since last run
NOTIFY_MODES = ("all", "changed")


@dataclass(frozen=True)
class Settings:
    """Everything a run needs to know; each field's metadata is its flag's help and parser."""

    database: str = field(
        metadata=declare("Glue database whose tables are monitored", GLUE_IDENTIFIER)
    )
    report_bucket: str = field(metadata=declare("bucket for reports", S3_BUCKET))
    athena_results: str | None = field(
        default=None,
        metadata=declare(
            "S3 URI for Athena query results (required unless the workgroup has a result "
            "location or managed query results; not used when the workgroup overrides it)",
            S3_URI,
            backend="aws",
        ),
    )
    region: str = field(
        default="us-east-1", metadata=declare("AWS region", AWS_REGION, backend="aws")
    )
    table_prefix: str = field(
        default="part_", metadata=declare("prefix of the monitored tables", TABLE_PREFIX)
    )
    bucket_count: int = field(
        default=256,
        metadata=declare("expected number of id_bucket partitions (0..N-1)", int_at_least(1)),
    )
    report_prefix: str = field(
        default="data-monitor/", metadata=declare("S3 prefix for reports", S3_KEY_PREFIX)
    )
    sns_topic_arn: str | None = field(
        default=None,
        metadata=declare(
            "SNS topic for alerts (the local backend writes <warehouse>/sns/)",
            SNS_TOPIC_ARN,
            backend="aws",
        ),
    )
    auto_repair: str = field(
        default="athena",
        metadata=declare("register partitions missing from the catalog", choice(AUTO_REPAIR_MODES)),
    )
    athena_workgroup: str = field(
        default="primary",
        metadata=declare("Athena workgroup", ATHENA_WORKGROUP, backend="aws"),
    )
    strict_snapshot: bool = field(
        default=True, metadata=declare("a missing snapshot marker is an alert", BOOLEAN)
    )
    freshness_window_days: int = field(
        default=45, metadata=declare("days before a snapshot is stale", int_at_least(0))
    )
    count_check_enabled: bool = field(
        default=True,
        metadata=declare("compare each table's row count with its source", BOOLEAN),
    )
    compare_source_type: str = field(
        default="ext",
        metadata=declare("source tables: ext_X or part_X", choice(SOURCE_TYPES)),
    )
    compare_database: str | None = field(
        default=None,
        metadata=declare("database of the source tables (default: --database)", GLUE_IDENTIFIER),
    )
    count_tolerance_pct: float = field(
        default=0.0,
        metadata=declare("allowed row-count difference in percent", NON_NEGATIVE_NUMBER),
    )
    pk_column: str = field(
        default="customer_user_id", metadata=declare("primary key column", COLUMN)
    )
    file_size_check: bool = field(
        default=False,
        metadata=declare("check data file sizes in a sample of partitions", BOOLEAN),
    )
    file_size_min_mb: float = field(
        default=64.0, metadata=declare("smallest good file, MB", NON_NEGATIVE_NUMBER)
    )
    file_size_max_mb: float = field(
        default=1024.0, metadata=declare("largest good file, MB", NON_NEGATIVE_NUMBER)
    )
    athena_price_per_tb: float = field(
        default=5.0,
        metadata=declare(
            "USD per TB scanned, for the run's Athena cost estimate (10 MB minimum per query)",
            NON_NEGATIVE_NUMBER,
            backend="aws",
        ),
    )
    clean_rooms_membership: str | None = field(
        default=None,
        metadata=declare(
            "AWS Clean Rooms membership whose configured tables must still match their Glue "
            "tables (allowed columns present, types supported)",
            CLEAN_ROOMS_ID,
            backend="aws",
        ),
    )
    raw_input_lag_days: int = field(
        default=1,
        metadata=declare(
            "days the processed snapshot may be behind the newest raw input of its source",
            int_at_least(0),
        ),
    )
    clean_rooms_engine: str = field(
        default="both",
        metadata=declare(
            "AWS Clean Rooms analysis engine whose formats and column types the tables must "
            "suit (both: the rules of the two)",
            choice(CLEAN_ROOMS_ENGINES),
        ),
    )
    max_tables: int = field(
        default=0,
        metadata=declare(
            "check at most this many tables (0: all); the rest are named in a [NOT_CHECKED] alert",
            int_at_least(0),
        ),
    )
    tables: tuple[str, ...] = field(
        default=(),
        metadata=declare(
            "check only these tables (default: every table with the prefix)", TABLE_LIST
        ),
    )
    data_buckets: tuple[str, ...] = field(
        default=(),
        metadata=declare(
            "buckets the tables' data must be in; a table elsewhere is refused (default: any)",
            BUCKET_LIST,
        ),
    )
    backend: str = field(
        default="local",
        metadata=declare(
            "local (warehouse folder + DuckDB) or aws (S3, Glue, Athena, SNS)", choice(BACKENDS)
        ),
    )
    warehouse: Path = field(
        default=Path("warehouse"),
        metadata=declare("the warehouse folder standing in for S3 + Glue", PATH, backend="local"),
    )
    as_of: dt.date = field(
        default_factory=lambda: dt.datetime.now(dt.timezone.utc).date(),
        metadata=declare("date for freshness and the report name (default: today, UTC)", DATE),
    )
    snapshot_marker: str = field(
        default=DEFAULT_SNAPSHOT_MARKER,
        metadata=declare("where a table's snapshot_dt.txt is", MARKER_TEMPLATE),
    )
    max_workers: int = field(  # 0: the backend's default (see workers)
        default=0,
        metadata=declare("tables checked at once (0: 8 on aws, 2 on local)", int_at_least(0)),
    )
    data_docs: bool = field(
        default=True, metadata=declare("build the Data Docs site for the run", BOOLEAN)
    )
    docs_bucket: str | None = field(
        default=None,
        metadata=declare(
            "bucket of the Data Docs site (default: --report_bucket)", S3_BUCKET, backend="aws"
        ),
    )
    docs_prefix: str | None = field(
        default=None,
        metadata=declare(
            "prefix of the Data Docs site (default: <report_prefix>data-docs/)",
            S3_KEY_PREFIX,
            backend="aws",
        ),
    )
    query_timeout_seconds: int = field(
        default=900,
        metadata=declare(
            "a query still running after this is stopped and reported", int_at_least(1)
        ),
    )
    report_sse: str = field(
        default="bucket-default",
        metadata=declare(
            "server-side encryption of reports and Data Docs (default: bucket-default, which "
            "sends no SSE header, so the bucket's own encryption applies; AES256 or aws:kms "
            "overrides it)",
            # "none" was the old name of bucket-default: S3 encrypts every new object regardless
            choice(REPORT_SSE_MODES, aliases={"none": "bucket-default"}),
            backend="aws",
        ),
    )
    report_kms_key: str | None = field(
        default=None,
        metadata=declare("KMS key for --report_sse aws:kms", KMS_KEY, backend="aws"),
    )
    expected_bucket_owner: str | None = field(
        default=None,
        metadata=declare(
            "refuse to write reports to a bucket another account owns",
            AWS_ACCOUNT_ID,
            backend="aws",
        ),
    )
    fail_on: str = field(
        default="alerts",
        metadata=declare(
            "what makes the exit code non-zero: alerts (1 issues found, 3 a check could not run "
            "or delivery failed), errors (3 only), never (0 once the run completed)",
            choice(FAIL_ON_MODES),
        ),
    )
    notify: str = field(
        default="all",
        metadata=declare(
            "what the alert holds: all alerts (the original job's message) or changed (only "
            "those new or resolved since the last run; nothing changed: no message)",
            choice(NOTIFY_MODES),
        ),
    )
    cloudwatch_namespace: str | None = field(
        default=None,
        metadata=declare(
            "CloudWatch namespace of the run's metrics (local: <warehouse>/cloudwatch/)",
            CLOUDWATCH_NAMESPACE,
        ),
    )
    event_bus: str | None = field(
        default=None,
        metadata=declare(
            "EventBridge bus of the run's completion event (local: <warehouse>/events/)",
            EVENT_BUS,
        ),
    )
    history_days: int = field(
        default=30,
        metadata=declare(
            "days of past runs the volume and freshness-trend checks compare with",
            int_at_least(0),
        ),
    )
    fallback_dir: Path | None = field(
        default=None,
        metadata=declare(
            "where a report that could not be written is kept "
            "(default: <temp>/data-monitor-fallback)",
            PATH,
        ),
    )
    docs_keep_runs: int = field(
        default=30,
        metadata=declare(
            "runs the Data Docs site keeps (older ones are dropped with their stored results)",
            int_at_least(1),
        ),
    )
    docs_dir: Path | None = field(
        default=None,
        metadata=declare(
            "Data Docs folder (default: <warehouse>/data-docs)", PATH, backend="local"
        ),
    )
    gx_dir: Path | None = field(
        default=None,
        metadata=declare(
            "the GX project folder holding expectations/ (default: bundled gx/)", PATH
        ),
    )

    @property
    def source_database(self) -> str:
        return self.compare_database or self.database

    @property
    def source_prefix(self) -> str:
        """The prefix that replaces ``table_prefix`` to name a table's count source."""
        return "ext_" if self.compare_source_type == "ext" else self.table_prefix

    def source_table_for(self, table: str) -> str:
        """``part_ibe_01`` -> ``ext_ibe_01`` (``ext``) or ``part_ibe_01`` (``part``)."""
        return self.source_prefix + table[len(self.table_prefix) :]

    @property
    def workers(self) -> int:
        """Tables checked at once: on Athena, queries wait on the service, so 8 at a time
        (one query per table at a time, well inside Athena's ~20-25 active-query quota, shared
        with other users); DuckDB is CPU-bound and already uses every core, so 2."""
        if self.max_workers:
            return self.max_workers
        return 8 if self.backend == "aws" else 2

    @property
    def docs_uri(self) -> str:
        """Where the AWS backend publishes the Data Docs site (default: next to the reports)."""
        bucket = self.docs_bucket or self.report_bucket
        prefix = (
            self.docs_prefix
            if self.docs_prefix is not None
            else (f"{self.report_prefix}data-docs/")
        )
        return f"s3://{bucket}/{prefix}"

    @property
    def report_write_options(self) -> dict[str, str]:
        """S3 PutObject options for reports and Data Docs: encryption and the owner check."""
        options: dict[str, str] = {}
        if self.report_sse != "bucket-default":  # no header: the bucket's own default applies
            options["ServerSideEncryption"] = self.report_sse
        if self.report_kms_key:
            options["SSEKMSKeyId"] = self.report_kms_key
        if self.expected_bucket_owner:
            options["ExpectedBucketOwner"] = self.expected_bucket_owner
        return options

    @property
    def local_fallback_dir(self) -> Path:
        """Where a report that could not be written is kept instead."""
        return self.fallback_dir or Path(tempfile.gettempdir()) / "data-monitor-fallback"

    def replace(self, **changes: object) -> Settings:
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]

    def public_dict(self) -> dict[str, object]:
        """The settings as plain JSON values (nothing here is secret)."""
        out: dict[str, object] = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if isinstance(value, (Path, dt.date)):
                value = str(value)
            out[f.name] = list(value) if isinstance(value, tuple) else value
        return out


def declared_settings() -> tuple[Declared, ...]:
    """Every setting with its name, default and whether it is required, in declaration order."""
    return declarations_of(Settings)
