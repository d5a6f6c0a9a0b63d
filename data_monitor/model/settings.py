"""One settings object, built from the seed's ``--flag value`` arguments.

The Glue job, cron and the CLI all pass the seed's flags with the seed's spelling
(``--count_tolerance_pct 0.1``, booleans as ``true``/``false``). Every value is checked here,
once, before anything is read or written; a bad value stops the run with exit code 2 and one
line naming the flag and what it accepts.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_SNAPSHOT_MARKER = "{location}_metadata/snapshot_dt.txt"
AUTO_REPAIR_MODES = ("athena", "glue", "off")
BACKENDS = ("local", "aws")
SOURCE_TYPES = ("ext", "part")
# Which outcomes make the exit code non-zero (see ExitCode): "alerts" fails on issues found (1)
# and on checks that could not run (3); "errors" only on the latter, for schedulers such as
# Glue where a run that found issues and sent its alert did its job; "never" always exits 0
# once the run completed (bad flags still exit 2).
FAIL_ON_MODES = ("alerts", "errors", "never")
# S3 applies a bucket's default encryption only to a PutObject without an SSE header, so
# "bucket-default" sends none: an SSE-KMS bucket stays SSE-KMS. AES256 or aws:kms is sent only
# when asked for (a bucket policy may require the aws:kms header).
REPORT_SSE_MODES = ("bucket-default", "AES256", "aws:kms")


@dataclass(frozen=True)
class Settings:
    """Everything a run needs to know; see ``data_monitor.flags`` for each flag's help."""

    database: str
    report_bucket: str
    athena_results: str | None = None
    region: str = "us-east-1"
    table_prefix: str = "part_"
    bucket_count: int = 256
    report_prefix: str = "data-monitor/"
    sns_topic_arn: str | None = None
    auto_repair: str = "athena"
    athena_workgroup: str = "primary"
    strict_snapshot: bool = True
    freshness_window_days: int = 45
    count_check_enabled: bool = True
    compare_source_type: str = "ext"
    compare_database: str | None = None
    count_tolerance_pct: float = 0.0
    pk_column: str = "customer_user_id"
    file_size_check: bool = False
    file_size_min_mb: float = 64.0
    file_size_max_mb: float = 1024.0
    max_tables: int = 0
    tables: tuple[str, ...] = ()
    data_buckets: tuple[str, ...] = ()
    backend: str = "local"
    warehouse: Path = Path("warehouse")
    as_of: dt.date = field(default_factory=lambda: dt.datetime.now(dt.timezone.utc).date())
    snapshot_marker: str = DEFAULT_SNAPSHOT_MARKER
    max_workers: int = 0  # 0: the backend's default (see workers)
    data_docs: bool = True
    docs_keep_runs: int = 30
    history_days: int = 30
    docs_dir: Path | None = None
    docs_bucket: str | None = None
    docs_prefix: str | None = None
    query_timeout_seconds: int = 900
    report_sse: str = "bucket-default"
    report_kms_key: str | None = None
    expected_bucket_owner: str | None = None
    fail_on: str = "alerts"
    fallback_dir: Path | None = None
    gx_dir: Path | None = None

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
