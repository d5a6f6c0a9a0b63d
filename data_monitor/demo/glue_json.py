"""The Glue side of the generated lake: table and partition structures, written as JSON.

``<warehouse>/glue/<database>/<table>.json`` holds what Glue's GetTable returns as ``Table`` and
``<table>.partitions.json`` the list of ``Partition`` structures. A part table's ``contract``
bends its structure into the violation it seeds (missing key column, wrong partition key, not
Parquet, managed table).
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

from data_monitor.demo.specs import PARTITION_KEY, TableSpec

__all__ = [
    "ext_table_json",
    "part_table_json",
    "partitions_json",
    "table_versions_json",
    "write_json",
]

PARQUET_INPUT = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat"
PARQUET_OUTPUT = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat"
PARQUET_SERDE = "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"
TEXT_INPUT = "org.apache.hadoop.mapred.TextInputFormat"
TEXT_OUTPUT = "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat"
TEXT_SERDE = "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe"


def _columns(pk_column: str) -> list[dict[str, str]]:
    return [
        {"Name": pk_column, "Type": "string"},
        {"Name": "email_sha256", "Type": "string"},
        {"Name": "segment", "Type": "string"},
        {"Name": "score", "Type": "double"},
        {"Name": "updated_at", "Type": "timestamp"},
    ]


def _storage_descriptor(
    location: str, columns: list[dict[str, str]], parquet: bool
) -> dict[str, Any]:
    if parquet:
        return {
            "Columns": columns,
            "Location": location,
            "InputFormat": PARQUET_INPUT,
            "OutputFormat": PARQUET_OUTPUT,
            "Compressed": False,
            "NumberOfBuckets": -1,
            "SerdeInfo": {
                "SerializationLibrary": PARQUET_SERDE,
                "Parameters": {"serialization.format": "1"},
            },
            "StoredAsSubDirectories": False,
        }
    return {
        "Columns": columns,
        "Location": location,
        "InputFormat": TEXT_INPUT,
        "OutputFormat": TEXT_OUTPUT,
        "Compressed": False,
        "NumberOfBuckets": -1,
        "SerdeInfo": {
            "SerializationLibrary": TEXT_SERDE,
            "Parameters": {"field.delim": ",", "serialization.format": ","},
        },
        "StoredAsSubDirectories": False,
    }


def part_table_json(
    spec: TableSpec, database: str, location: str, pk_column: str
) -> dict[str, Any]:
    """The Glue table of ``part_<suffix>``, bent by ``spec.contract``."""
    contract = spec.contract
    columns = _columns(pk_column)
    partition_keys = [{"Name": PARTITION_KEY, "Type": "int"}]
    if contract == "no_pk_column":
        columns = [c for c in columns if c["Name"] != pk_column]
    elif contract == "pk_is_partition_key":
        # the key is declared as the (only) partition key instead of a data column
        columns = [c for c in columns if c["Name"] != pk_column]
        partition_keys = [{"Name": pk_column, "Type": "string"}]
    elif contract == "bad_partition_type":
        partition_keys = [{"Name": PARTITION_KEY, "Type": "string"}]
    parquet = contract != "not_parquet"
    params: dict[str, str] = {"classification": "parquet" if parquet else "csv"}
    if contract != "managed":
        params["EXTERNAL"] = "TRUE"
    if spec.projection:
        params["projection.enabled"] = "true"
        params[f"projection.{PARTITION_KEY}.type"] = "integer"
        params[f"projection.{PARTITION_KEY}.range"] = f"0,{spec.bucket_count - 1}"
    return {
        "Name": f"part_{spec.suffix}",
        "DatabaseName": database,
        "TableType": "MANAGED_TABLE" if contract == "managed" else "EXTERNAL_TABLE",
        "Parameters": params,
        "PartitionKeys": partition_keys,
        "StorageDescriptor": _storage_descriptor(location, columns, parquet),
    }


def table_versions_json(table: dict[str, Any], as_of: date) -> list[dict[str, Any]]:
    """GetTableVersions' ``TableVersions`` of a table whose schema changed on ``as_of``:
    version 1 (a week earlier) had ``score`` as float and a ``loyalty_tier`` column, version 2
    is ``table`` as it is now. Stamps ``table`` itself as version 2, updated on ``as_of``."""
    updated = dt.datetime.combine(as_of, dt.time(2), tzinfo=dt.timezone.utc)
    table.update(VersionId="2", UpdateTime=updated.isoformat())
    before = copy.deepcopy(table)
    sd = before["StorageDescriptor"]
    sd["Columns"] = [
        {**c, "Type": "float"} if c["Name"] == "score" else c for c in sd["Columns"]
    ] + [{"Name": "loyalty_tier", "Type": "string"}]
    before.update(VersionId="1", UpdateTime=(updated - dt.timedelta(days=7)).isoformat())
    return [
        {"VersionId": "1", "Table": before},
        {"VersionId": "2", "Table": copy.deepcopy(table)},
    ]


def ext_table_json(spec: TableSpec, database: str, location: str, pk_column: str) -> dict[str, Any]:
    """The Glue table of the unpartitioned source ``ext_<suffix>`` (always clean)."""
    return {
        "Name": f"ext_{spec.suffix}",
        "DatabaseName": database,
        "TableType": "EXTERNAL_TABLE",
        "Parameters": {"classification": "parquet", "EXTERNAL": "TRUE"},
        "PartitionKeys": [],
        "StorageDescriptor": _storage_descriptor(location, _columns(pk_column), True),
    }


def partitions_json(
    table: dict[str, Any], location: str, buckets: Sequence[int]
) -> list[dict[str, Any]]:
    """One Glue partition of ``table`` per bucket, each at its ``id_bucket=N/`` folder."""
    out = []
    for b in buckets:
        # a deep copy, so that setting the partition's location leaves the table's alone
        sd = json.loads(json.dumps(table["StorageDescriptor"]))
        sd["Location"] = f"{location}{PARTITION_KEY}={b}/"
        out.append(
            {
                "DatabaseName": table["DatabaseName"],
                "TableName": table["Name"],
                "Values": [str(b)],
                "StorageDescriptor": sd,
            }
        )
    return out


def write_json(path: Path, obj: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj, indent=2) + "\n")
