"""Athena as the query engine of the AWS backend.

GX validates through pyathena's SQLAlchemy dialect (``awsathena+rest``); the Glue database is
the schema of each table asset. Partition repair runs as Athena DDL through boto3:
``ALTER TABLE ... ADD IF NOT EXISTS PARTITION (...) LOCATION '...'`` for exactly the missing
partitions, rather than the original job's ``MSCK REPAIR TABLE``, which walks the whole table
prefix (and can time out on large tables) to find what the monitor already knows.
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import quote_plus

from data_monitor.backends.aws_calls import RETRIES, AwsClients, aws_call
from data_monitor.backends.base import BackendError
from data_monitor.catalog_model import TableMeta

PARTITIONS_PER_DDL = 100  # keeps each statement far below Athena's 262,144-byte limit
POLL_SECONDS = 0.2  # a query's end is seen within 0.2 s; the status calls are not billed
DONE_STATES = ("SUCCEEDED", "FAILED", "CANCELLED")


def _sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def add_partition_ddl(table: TableMeta, buckets: list[int]) -> str:
    """One ALTER TABLE ADD IF NOT EXISTS for ``buckets`` (names are checked identifiers)."""
    key = table.partition_keys[0] if table.partition_keys else None
    numeric = key is None or key.type.lower() in ("int", "integer", "bigint", "smallint")
    specs = " ".join(
        f"PARTITION (id_bucket={b if numeric else _sql_string(str(b))}) "
        f"LOCATION {_sql_string(table.partition_location(b))}"
        for b in buckets
    )
    return f"ALTER TABLE `{table.database}`.`{table.name}` ADD IF NOT EXISTS {specs}"


class AthenaEngine:
    """Connection string for GX plus a DDL runner for repairs."""

    def __init__(
        self,
        clients: AwsClients,
        database: str,
        results: str,
        workgroup: str,
        query_timeout_s: float,
    ) -> None:
        self.athena = clients.client("athena")
        self.region = clients.region
        self.database = database
        self.results = results
        self.workgroup = workgroup
        self.query_timeout_s = query_timeout_s

    def connection_string(self) -> str:
        return (
            f"awsathena+rest://@athena.{self.region}.amazonaws.com:443/{self.database}"
            f"?s3_staging_dir={quote_plus(self.results)}&work_group={quote_plus(self.workgroup)}"
        )

    def engine_kwargs(self) -> dict[str, Any]:
        # pyathena's own client gets the same throttling retries as every other AWS call
        return {"connect_args": {"poll_interval": POLL_SECONDS, "config": RETRIES}}

    def expose(self, table: TableMeta) -> None:
        return None  # Athena reads the Glue catalog itself

    def close(self) -> None:
        return None

    def add_partitions(self, table: TableMeta, buckets: list[int]) -> int:
        ordered = sorted(set(buckets))
        for start in range(0, len(ordered), PARTITIONS_PER_DDL):
            self.run_ddl(
                add_partition_ddl(table, ordered[start : start + PARTITIONS_PER_DDL]),
                table.database,
            )
        return len(ordered)

    def run_ddl(self, sql: str, database: str) -> None:
        started = aws_call(
            "start Athena DDL",
            self.athena.start_query_execution,
            QueryString=sql,
            QueryExecutionContext={"Database": database},
            WorkGroup=self.workgroup,
            ResultConfiguration={"OutputLocation": self.results},
        )
        query_id = started["QueryExecutionId"]
        deadline = time.monotonic() + self.query_timeout_s
        while True:
            status = aws_call(
                "poll Athena DDL", self.athena.get_query_execution, QueryExecutionId=query_id
            )["QueryExecution"]["Status"]
            if status["State"] in DONE_STATES:
                break
            if time.monotonic() > deadline:
                aws_call(
                    "stop Athena DDL", self.athena.stop_query_execution, QueryExecutionId=query_id
                )
                raise BackendError(
                    f"Athena DDL {query_id} still running after {self.query_timeout_s:g} s; stopped"
                )
            time.sleep(POLL_SECONDS)
        if status["State"] != "SUCCEEDED":
            reason = status.get("StateChangeReason", status["State"])
            raise BackendError(f"Athena DDL {query_id} {status['State']}: {reason}")
