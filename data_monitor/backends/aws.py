"""The AWS backend's storage, catalog and alert seams: S3, Glue and SNS through boto3."""

from __future__ import annotations

import logging
from typing import Any

from data_monitor.backends.aws_calls import (
    AWS_ERRORS,
    AwsClients,
    aws_call,
    backend_error,
    error_code,
    split_s3_uri,
)
from data_monitor.backends.base import BackendError, StoredObject
from data_monitor.catalog_model import Partition, TableMeta

LOG = logging.getLogger("data_monitor")
GLUE_BATCH = 100  # BatchCreatePartition takes at most 100 partitions per call


def _hidden(relative_key: str) -> bool:
    return any(part.startswith(("_", ".")) for part in relative_key.split("/") if part)


class S3Store:
    def __init__(self, clients: AwsClients, write_options: dict[str, str] | None = None) -> None:
        self.s3 = clients.client("s3")
        self.write_options = write_options or {}

    def list_prefixes(self, uri: str) -> list[str]:
        bucket, key = split_s3_uri(uri)
        pages = self._pages(f"list s3://{bucket}/{key}", Bucket=bucket, Prefix=key, Delimiter="/")
        found = (p["Prefix"][len(key) :] for page in pages for p in page.get("CommonPrefixes", []))
        return sorted(found)

    def list_objects(self, uri: str) -> list[StoredObject]:
        bucket, key = split_s3_uri(uri)
        pages = self._pages(f"list s3://{bucket}/{key}", Bucket=bucket, Prefix=key)
        return [
            StoredObject(f"s3://{bucket}/{o['Key']}", int(o["Size"]))
            for page in pages
            for o in page.get("Contents", [])
            if not o["Key"].endswith("/") and not _hidden(o["Key"][len(key) :])
        ]

    def read_text(self, uri: str, max_bytes: int) -> str | None:
        bucket, key = split_s3_uri(uri)
        try:
            response = self.s3.get_object(Bucket=bucket, Key=key, Range=f"bytes=0-{max_bytes - 1}")
        except AWS_ERRORS as exc:
            code = error_code(exc)
            if code in ("NoSuchKey", "404", "NotFound"):
                return None
            if code == "InvalidRange":  # an empty object has no byte 0
                return ""
            raise backend_error(f"read {uri}", exc) from exc
        return str(response["Body"].read(max_bytes).decode("utf-8", errors="replace"))

    def write_bytes(self, uri: str, data: bytes, content_type: str) -> str:
        bucket, key = split_s3_uri(uri)
        aws_call(
            f"write {uri}",
            self.s3.put_object,
            Bucket=bucket,
            Key=key,
            Body=data,
            ContentType=content_type,
            **self.write_options,
        )
        return uri

    def _pages(self, what: str, **kwargs: Any) -> list[dict[str, Any]]:
        paginator = self.s3.get_paginator("list_objects_v2")
        return aws_call(what, lambda: list(paginator.paginate(**kwargs)))


class GlueCatalog:
    """Glue Data Catalog; ``athena`` repairs go through the engine's DDL runner."""

    def __init__(self, clients: AwsClients, ddl: Any) -> None:
        self.glue = clients.client("glue")
        self.ddl = ddl

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
        paginator = self.glue.get_paginator("get_partitions")
        pages = aws_call(
            f"list Glue partitions of {table.database}.{table.name}",
            lambda: list(paginator.paginate(DatabaseName=table.database, TableName=table.name)),
        )
        return [Partition.from_glue(p) for page in pages for p in page.get("Partitions", [])]

    def add_partitions(self, table: TableMeta, buckets: list[int], mode: str) -> int:
        if mode == "athena":
            return self.ddl.add_partitions(table, buckets)
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


class SnsAlertSink:
    PLAIN_SUBJECT = "[DATA MONITOR] alert"  # short printable ASCII: a subject SNS cannot refuse

    def __init__(self, clients: AwsClients, topic_arn: str | None) -> None:
        self.sns = clients.client("sns") if topic_arn else None
        self.topic_arn = topic_arn

    def send(self, subject: str, message: str) -> str:
        if self.sns is None or not self.topic_arn:
            LOG.info("no --sns_topic_arn: the alert is in the report only")
            return "not published (no --sns_topic_arn)"
        what = f"publish to {self.topic_arn}"
        try:
            response = self.sns.publish(TopicArn=self.topic_arn, Subject=subject, Message=message)
        except AWS_ERRORS as exc:
            if error_code(exc) != "InvalidParameter":
                raise backend_error(what, exc) from exc
            # the subject is the parameter SNS judges most strictly (and differently from its
            # documentation over the years): one retry with a plain one beats losing the alert
            LOG.warning(
                "SNS refused the alert (%s); publishing it again with the subject %r",
                exc,
                self.PLAIN_SUBJECT,
            )
            response = aws_call(
                what,
                self.sns.publish,
                TopicArn=self.topic_arn,
                Subject=self.PLAIN_SUBJECT,
                Message=message,
            )
        return f"{self.topic_arn} (message {response.get('MessageId', '?')})"
