"""Mirror a local warehouse into S3 + Glue (moto), so both backends check the same lake."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3

from tests.aws_role import TOPIC_NAME

TABLE_INPUT_KEYS = ("Name", "TableType", "Parameters", "PartitionKeys", "StorageDescriptor")


def mirror_warehouse(warehouse: Path, region: str = "us-east-1") -> None:
    """Upload every object of ``<warehouse>/s3`` and register every table of ``glue/``."""
    s3 = boto3.client("s3", region_name=region)
    for bucket, files in lake_objects(warehouse):
        s3.create_bucket(Bucket=bucket)
        for key, path in files:
            s3.put_object(Bucket=bucket, Key=key, Body=path.read_bytes())
    register_catalog(warehouse, region)


def lake_objects(warehouse: Path) -> Iterator[tuple[str, Iterator[tuple[str, Path]]]]:
    """Each bucket of ``<warehouse>/s3`` with its (key, file) pairs."""
    for bucket_dir in sorted((warehouse / "s3").iterdir()):
        files = sorted(p for p in bucket_dir.rglob("*") if p.is_file())
        yield bucket_dir.name, ((p.relative_to(bucket_dir).as_posix(), p) for p in files)


def register_catalog(warehouse: Path, region: str = "us-east-1") -> None:
    """Create every database, table and partition of ``<warehouse>/glue`` in Glue."""
    glue = boto3.client("glue", region_name=region)
    for db_dir in sorted((warehouse / "glue").iterdir()):
        glue.create_database(DatabaseInput={"Name": db_dir.name})
        for table_file in sorted(db_dir.glob("*.json")):
            if table_file.name.endswith((".partitions.json", ".versions.json")):
                continue
            table = json.loads(table_file.read_text())
            _create_with_versions(glue, db_dir.name, table, table_file)
            parts_file = table_file.with_name(table_file.stem + ".partitions.json")
            if parts_file.exists():
                _register(glue, db_dir.name, table["Name"], json.loads(parts_file.read_text()))


def _create_with_versions(glue: Any, database: str, table: dict[str, Any], path: Path) -> None:
    """Create the table; with a ``<table>.versions.json``, as its versions in order (Glue keeps
    a version for each UpdateTable), the last being the table as it is."""
    versions_file = path.with_name(path.stem + ".versions.json")
    versions = json.loads(versions_file.read_text()) if versions_file.exists() else []
    earlier = [
        v["Table"]
        for v in sorted(versions, key=lambda v: int(v["VersionId"]))
        if v["Table"] != table
    ]
    first, *later = [*earlier, table]
    glue.create_table(DatabaseName=database, TableInput=_table_input(first))
    for version in later:
        glue.update_table(DatabaseName=database, TableInput=_table_input(version))


def _table_input(table: dict[str, Any]) -> dict[str, Any]:
    return {k: table[k] for k in TABLE_INPUT_KEYS if k in table}


def _register(glue: Any, database: str, table: str, partitions: list[dict[str, Any]]) -> None:
    inputs = [
        {"Values": p["Values"], "StorageDescriptor": p["StorageDescriptor"]} for p in partitions
    ]
    for start in range(0, len(inputs), 100):
        glue.batch_create_partition(
            DatabaseName=database, TableName=table, PartitionInputList=inputs[start : start + 100]
        )


def glue_partition_values(database: str, table: str, region: str = "us-east-1") -> list[int]:
    glue = boto3.client("glue", region_name=region)
    pages = glue.get_paginator("get_partitions").paginate(DatabaseName=database, TableName=table)
    return sorted(int(p["Values"][0]) for page in pages for p in page["Partitions"])


def prepare_account(
    warehouse: Path, report_bucket: str, region: str = "us-east-1"
) -> dict[str, str]:
    """The lake in S3 + Glue, the report and query-results buckets, and an SNS topic whose
    messages land in an SQS queue: ``{"topic": arn, "queue_url": url}``."""
    mirror_warehouse(warehouse, region)
    s3 = boto3.client("s3", region_name=region)
    for bucket in (report_bucket, "test-athena"):
        s3.create_bucket(Bucket=bucket)
    sns = boto3.client("sns", region_name=region)
    sqs = boto3.client("sqs", region_name=region)
    topic = sns.create_topic(Name=TOPIC_NAME)["TopicArn"]
    queue_url = sqs.create_queue(QueueName="alerts")["QueueUrl"]
    attributes = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=attributes["Attributes"]["QueueArn"])
    return {"topic": topic, "queue_url": queue_url}


def encrypt_with_new_kms_key(bucket: str, region: str = "us-east-1") -> str:
    """A new KMS key as ``bucket``'s default encryption (SSE-KMS); returns the key's ARN."""
    key_arn = str(boto3.client("kms", region_name=region).create_key()["KeyMetadata"]["Arn"])
    default = {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key_arn}
    boto3.client("s3", region_name=region).put_bucket_encryption(
        Bucket=bucket,
        ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": default}]
        },
    )
    return key_arn
