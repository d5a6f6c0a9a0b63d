"""The Glue Data Catalog as the AWS backend's catalog (tables, partitions, BatchCreatePartition)."""

from __future__ import annotations

from typing import Any

from data_monitor.backends.aws.calls import (
    AWS_ERRORS,
    AwsClients,
    aws_call,
    backend_error,
    error_code,
)
from data_monitor.backends.base import BackendError
from data_monitor.model.catalog import Partition, TableMeta

GLUE_BATCH = 100  # BatchCreatePartition takes at most 100 partitions per call


class GlueCatalog:
    """Glue Data Catalog; it registers partitions itself (BatchCreatePartition)."""

    def __init__(self, clients: AwsClients) -> None:
        self.glue = clients.client("glue")

    def database_exists(self, database: str) -> bool:
        try:
            self.glue.get_database(Name=database)
        except AWS_ERRORS as exc:
            if error_code(exc) == "EntityNotFoundException":
                return False
            raise backend_error(f"read Glue database {database}", exc) from exc
        return True

    def list_tables(self, database: str, prefix: str) -> list[str]:
        paginator = self.glue.get_paginator("get_tables")
        pages = aws_call(
            f"list Glue tables of {database}",
            lambda: list(paginator.paginate(DatabaseName=database, Expression=f"{prefix}*")),
        )
        names = (t["Name"] for page in pages for t in page.get("TableList", []))
        return sorted(n for n in names if n.startswith(prefix))

    def get_table(self, database: str, name: str) -> TableMeta | None:
        try:
            response = self.glue.get_table(DatabaseName=database, Name=name)
        except AWS_ERRORS as exc:
            if error_code(exc) == "EntityNotFoundException":
                return None
            raise backend_error(f"read Glue table {database}.{name}", exc) from exc
        return TableMeta.from_glue(database, response["Table"])

    def list_partitions(self, table: TableMeta) -> list[Partition]:
        # only each partition's values and location are read: ExcludeColumnSchema leaves out
        # the column list every partition repeats, most of a response's size and parsing
        # (https://docs.aws.amazon.com/glue/latest/webapi/API_GetPartitions.html)
        paginator = self.glue.get_paginator("get_partitions")
        pages = aws_call(
            f"list Glue partitions of {table.database}.{table.name}",
            lambda: list(
                paginator.paginate(
                    DatabaseName=table.database, TableName=table.name, ExcludeColumnSchema=True
                )
            ),
        )
        return [Partition.from_glue(p) for page in pages for p in page.get("Partitions", [])]

    def table_versions(self, table: TableMeta) -> list[dict[str, Any]]:
        # GetTableVersions pages hold at most 100 versions and their order is not documented
        # (https://docs.aws.amazon.com/glue/latest/webapi/API_GetTableVersions.html), so every
        # page is read; the monitor asks only when the table changed since the last run.
        paginator = self.glue.get_paginator("get_table_versions")
        pages = aws_call(
            f"read Glue table versions of {table.database}.{table.name}",
            lambda: list(paginator.paginate(DatabaseName=table.database, TableName=table.name)),
        )
        return [dict(v) for page in pages for v in page.get("TableVersions", [])]

    def add_partitions(self, table: TableMeta, buckets: list[int]) -> int:
        return self._batch_create(table, sorted(set(buckets)))

    def _batch_create(self, table: TableMeta, buckets: list[int]) -> int:
        added = 0
        failures: list[str] = []
        for start in range(0, len(buckets), GLUE_BATCH):
            chunk = buckets[start : start + GLUE_BATCH]
            response = aws_call(
                f"register partitions of {table.database}.{table.name}",
                self.glue.batch_create_partition,
                DatabaseName=table.database,
                TableName=table.name,
                PartitionInputList=[table.partition_structure(b) for b in chunk],
            )
            errors = response.get("Errors") or []
            real = [
                e
                for e in errors
                if e.get("ErrorDetail", {}).get("ErrorCode") != "AlreadyExistsException"
            ]
            added += len(chunk) - len(errors)
            failures += [e.get("ErrorDetail", {}).get("ErrorMessage", "") for e in real]
        if failures:
            raise BackendError(
                f"Glue refused {len(failures)} partition(s) of {table.name}: {failures[0]}"
            )
        return added
