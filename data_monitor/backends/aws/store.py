"""S3 as the AWS backend's object store (listings, ranged reads, whole-object writes)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from data_monitor.backends.aws.calls import (
    AWS_ERRORS,
    AwsClients,
    aws_call,
    backend_error,
    error_code,
    split_s3_uri,
)
from data_monitor.backends.base import StoredObject


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
        return _objects(bucket, key, [o for page in pages for o in page.get("Contents", [])])

    def list_folder(self, uri: str) -> tuple[list[str], list[StoredObject]]:
        # A Delimiter="/" listing's CommonPrefixes are the keys below ``key`` cut after their
        # first "/" past it (https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html,
        # Delimiter), so the recursive listing list_objects needs gives both.
        bucket, key = split_s3_uri(uri)
        pages = self._pages(f"list s3://{bucket}/{key}", Bucket=bucket, Prefix=key)
        contents = [o for page in pages for o in page.get("Contents", [])]
        relative = (str(o["Key"])[len(key) :] for o in contents)
        folders = {name.partition("/")[0] + "/" for name in relative if "/" in name}
        return sorted(folders), _objects(bucket, key, contents)

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

    def read_tail(self, uri: str, size_bytes: int) -> bytes:
        # a suffix range, "the last N bytes" (RFC 9110 14.1.1), which GetObject's Range takes
        # (https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html#API_GetObject_RequestSyntax)
        bucket, key = split_s3_uri(uri)
        response = aws_call(
            f"read the end of {uri}",
            self.s3.get_object,
            Bucket=bucket,
            Key=key,
            Range=f"bytes=-{size_bytes}",
        )
        return bytes(response["Body"].read(size_bytes))

    def write_bytes(
        self, uri: str, data: bytes, content_type: str, cache_control: str | None = None
    ) -> str:
        bucket, key = split_s3_uri(uri)
        aws_call(
            f"write {uri}",
            self.s3.put_object,
            Bucket=bucket,
            Key=key,
            Body=data,
            ContentType=content_type,
            **({"CacheControl": cache_control} if cache_control else {}),
            **self.write_options,
        )
        return uri

    def _pages(self, what: str, **kwargs: Any) -> list[dict[str, Any]]:
        paginator = self.s3.get_paginator("list_objects_v2")
        return aws_call(what, lambda: list(paginator.paginate(**kwargs)))


def _objects(bucket: str, key: str, contents: list[dict[str, Any]]) -> list[StoredObject]:
    """The data objects of a listing of ``key``: no folder markers, no ``_``/``.`` names."""
    return [
        StoredObject(f"s3://{bucket}/{o['Key']}", int(o["Size"]), _iso(o.get("LastModified")))
        for o in contents
        if not o["Key"].endswith("/") and not _hidden(o["Key"][len(key) :])
    ]


def _iso(moment: object) -> str:
    """ListObjectsV2's LastModified (a datetime from boto3) as ISO 8601 UTC."""
    if isinstance(moment, dt.datetime):
        aware = moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)
        return aware.astimezone(dt.timezone.utc).isoformat()
    return ""
