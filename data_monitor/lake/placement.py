"""Where a table's data lives: the expected data buckets, and partitions registered elsewhere.

A table whose location (or projection template) is outside ``--data_buckets`` is refused before
anything is listed, repaired or queried: the monitor's role should not read, and must never
register partitions for, a bucket nobody said the lake lives in. A registered partition whose
location is not ``<table location>id_bucket=N/`` is read by Athena all the same, so queries
count rows from somewhere else; the inventory records those for the metadata suite. A table
with partition projection is read from its projected locations instead (Athena ignores its
registered partitions), so those are the ones that must lie under the table location.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from data_monitor.model.catalog import Partition, TableMeta

# Spark and older Hadoop clients write the same S3 objects under these schemes.
S3_SCHEMES = ("s3://", "s3a://", "s3n://")
LIST_LIMIT = 20


def normalized(uri: str) -> str:
    """``s3a://b/k`` -> ``s3://b/k/``: the form two locations are compared in."""
    for scheme in S3_SCHEMES:
        if uri.startswith(scheme):
            uri = "s3://" + uri[len(scheme) :]
            break
    return uri if uri.endswith("/") else uri + "/"


def bucket_of(uri: str) -> str | None:
    """The bucket of an S3 location, or None when ``uri`` is not one."""
    uri = normalized(uri)
    if not uri.startswith("s3://"):
        return None
    return uri[len("s3://") :].partition("/")[0] or None


def location_refusal(table: TableMeta, data_buckets: Iterable[str]) -> str | None:
    """Why the table is refused (its data is outside the expected buckets), or None."""
    allowed = sorted(set(data_buckets))
    if not allowed:
        return None
    places = [("location", table.location)]
    template = table.projection.location_template
    if table.projection.enabled and template:
        places.append(("projection template", template))
    for what, uri in places:
        if uri and bucket_of(uri) not in allowed:
            return (
                f"{what} {uri} is outside the expected data bucket(s) {', '.join(allowed)} "
                "(--data_buckets); refused: not listed, repaired or queried"
            )
    return None


def misplaced_partitions(table: TableMeta, partitions: Iterable[Partition]) -> list[dict[str, Any]]:
    """Registered partitions whose location is not where the table keeps that bucket."""
    misplaced = []
    for partition in partitions:
        bucket = partition.bucket()
        if bucket is None:
            continue
        expected = normalized(table.partition_location(bucket))
        if normalized(partition.location) != expected:
            misplaced.append(
                {"bucket": bucket, "location": partition.location, "expected": expected}
            )
    return sorted(misplaced, key=lambda m: int(m["bucket"]))


def misplaced_projected(table: TableMeta, buckets: Iterable[int]) -> list[dict[str, Any]]:
    """Projected partitions (of ``buckets``) that Athena reads from outside the table location:
    a storage.location.template at another table or a staging prefix counts those rows. Inside
    the location any layout the projection describes is the table's own (``id_bucket=007/``)."""
    if not table.projection.usable():
        return []  # Athena cannot project: it reads no location at all
    home = normalized(table.location)
    misplaced = []
    for bucket in sorted(buckets):
        location = normalized(table.projection.location_for(table.location, bucket))
        if not location.startswith(home):
            misplaced.append({"bucket": bucket, "location": location, "expected": home})
    return misplaced
