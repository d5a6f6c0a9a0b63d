"""The AWS backend's call layer, against moto: one S3 listing serves the folders and the objects
of a table location, Glue partitions come without their column schema, response timestamps
parse as botocore parses them, and pyathena's connections share the run's one boto3 session."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

import boto3
import pytest
from botocore.utils import parse_timestamp as botocore_timestamp

from data_monitor.backends.aws.calls import AwsClients, parse_timestamp
from data_monitor.backends.aws.catalog import GlueCatalog
from data_monitor.backends.aws.dialect import SESSION_ARG, CatalogAthenaDialect, poll_delay
from data_monitor.backends.aws.store import S3Store
from data_monitor.model.catalog import TableMeta

REGION = "us-east-1"
KEYS = {  # awkward keys: markers, hidden names, nesting, a double slash, loose files
    "t/id_bucket=0/part-0.parquet": b"PAR1",
    "t/id_bucket=1/_SUCCESS": b"",
    "t/id_bucket=2/": b"",
    "t/id_bucket=3/deeper/part-0.parquet": b"PAR1data",
    "t/id_bucket=4_$folder$": b"",
    "t/_temporary/0/part-9.parquet": b"x",
    "t/.hidden/part-8.parquet": b"x",
    "t/loose.parquet": b"xyz",
    "t//double.parquet": b"xy",
    "u/id_bucket=0/other.parquet": b"x",
}


def calls_of(client: Any, operation: str) -> Counter[str]:
    seen: Counter[str] = Counter()
    client.meta.events.register(f"before-call.*.{operation}", lambda **_: seen.update([operation]))
    return seen


@pytest.fixture
def store(moto_server: str) -> S3Store:
    s3 = boto3.client("s3", region_name=REGION)
    s3.create_bucket(Bucket="lake")
    for key, body in KEYS.items():
        s3.put_object(Bucket="lake", Key=key, Body=body)
    return S3Store(AwsClients(REGION))


def test_one_listing_gives_what_a_delimiter_listing_and_a_full_listing_give(
    store: S3Store,
) -> None:
    listings = calls_of(store.s3, "ListObjectsV2")
    folders, objects = store.list_folder("s3://lake/t/")
    assert listings["ListObjectsV2"] == 1
    assert folders == [
        ".hidden/", "/", "_temporary/", "id_bucket=0/", "id_bucket=1/", "id_bucket=2/",
        "id_bucket=3/",
    ]  # fmt: skip
    assert [(o.uri, o.size_bytes) for o in objects] == [
        ("s3://lake/t//double.parquet", 2),
        ("s3://lake/t/id_bucket=0/part-0.parquet", 4),
        ("s3://lake/t/id_bucket=3/deeper/part-0.parquet", 8),
        ("s3://lake/t/id_bucket=4_$folder$", 0),
        ("s3://lake/t/loose.parquet", 3),
    ]
    assert all(
        dt.datetime.fromisoformat(o.modified).utcoffset() == dt.timedelta(0) for o in objects
    )
    assert (folders, objects) == (
        store.list_prefixes("s3://lake/t/"),
        store.list_objects("s3://lake/t/"),
    )
    assert listings["ListObjectsV2"] == 3


@pytest.mark.parametrize(
    "value",
    [
        "2026-12-01T22:44:21.000Z",
        "2026-12-01T22:44:21Z",
        "2026-12-01T22:44:21.123456Z",
        "2026-12-01T22:44:21+02:00",
        "Tue, 01 Dec 2026 22:44:21 GMT",
        1764629061.5,
        "1764629061",
    ],
)
def test_timestamps_parse_as_botocore_parses_them(value: object) -> None:
    ours, theirs = parse_timestamp(value), botocore_timestamp(value)
    assert ours == theirs
    assert ours.isoformat() == theirs.isoformat()


def test_a_bad_timestamp_fails_as_in_botocore() -> None:
    with pytest.raises(ValueError, match="Invalid timestamp"):
        parse_timestamp("yesterday-ishZ")


def test_glue_partitions_come_without_their_column_schema(moto_server: str) -> None:
    glue = boto3.client("glue", region_name=REGION)
    glue.create_database(DatabaseInput={"Name": "db"})
    columns = [{"Name": "customer_user_id", "Type": "string"}]
    glue.create_table(
        DatabaseName="db",
        TableInput={
            "Name": "t",
            "StorageDescriptor": {"Columns": columns, "Location": "s3://lake/t/"},
            "PartitionKeys": [{"Name": "id_bucket", "Type": "int"}],
        },
    )
    for bucket in (0, 7):
        glue.create_partition(
            DatabaseName="db",
            TableName="t",
            PartitionInput={
                "Values": [str(bucket)],
                "StorageDescriptor": {
                    "Columns": columns,
                    "Location": f"s3://lake/t/id_bucket={bucket}",
                },
            },
        )
    catalog = GlueCatalog(AwsClients(REGION))
    sent: list[dict[str, Any]] = []
    received: list[dict[str, Any]] = []
    catalog.glue.meta.events.register(
        "provide-client-params.glue.GetPartitions", lambda params, **_: sent.append(dict(params))
    )
    catalog.glue.meta.events.register(
        "after-call.glue.GetPartitions", lambda parsed, **_: received.append(parsed)
    )
    table = TableMeta.from_glue("db", glue.get_table(DatabaseName="db", Name="t")["Table"])
    partitions = catalog.list_partitions(table)
    assert [(p.values, p.location) for p in partitions] == [
        (("0",), "s3://lake/t/id_bucket=0/"),
        (("7",), "s3://lake/t/id_bucket=7/"),
    ]
    assert [s["ExcludeColumnSchema"] for s in sent] == [True]
    assert [sorted(p["StorageDescriptor"]) for p in received[0]["Partitions"]] == [["Location"]] * 2
    # without the flag, Glue (and moto) repeat the columns in every partition
    full = glue.get_partitions(DatabaseName="db", TableName="t")["Partitions"]
    assert [p["StorageDescriptor"]["Columns"] for p in full] == [columns, columns]


def test_pyathena_connections_use_the_run_session(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    clients = AwsClients(REGION)
    built: list[object] = []
    init = boto3.session.Session.__init__
    monkeypatch.setattr(
        boto3.session.Session,
        "__init__",
        lambda self, *a, **k: (built.append(self), init(self, *a, **k))[1],
    )
    dialect = CatalogAthenaDialect(dbapi=CatalogAthenaDialect.import_dbapi())
    args = {"region_name": REGION, "work_group": "primary", SESSION_ARG: clients.session}
    first, second = dialect.connect(**args), dialect.connect(**dict(args))
    assert first._session is clients.session and second._session is clients.session
    assert first._client is not second._client  # each connection closes its own client
    assert first._client.meta.region_name == REGION
    assert built == []  # pyathena built no session of its own


def poll_times(until: float) -> list[float]:
    """When the cursor reads a query's status, from its start, up to ``until`` seconds."""
    times, polls = [0.0], 0
    while times[-1] < until:
        times.append(times[-1] + poll_delay(polls))
        polls += 1
    return times


def test_polling_sees_an_end_soon_and_stays_inside_athenas_rate_quota() -> None:
    times = poll_times(60.0)
    assert [round(t, 2) for t in times[:12]] == [
        0.0, 0.1, 0.23, 0.38, 0.58, 0.82, 1.13, 1.51, 1.98, 2.58, 3.33, 4.26,
    ]  # fmt: skip
    assert all(round(b - a, 9) == 1.0 for a, b in zip(times[12:], times[13:], strict=False))
    # a query ending at any moment is seen within a quarter of its time (+0.1 s), at most 1 s
    for end in (x / 100 for x in range(1, 5000)):
        seen = min(t for t in times if t >= end)
        assert seen - end <= min(0.1 + end / 4, 1.0) + 1e-9, end
    # status calls in any one second of a query's life: 6 at most (its first); at the
    # default 8 queries in flight that is 48 a second, inside Athena's 100 per second
    busiest = max(sum(1 for t in times if s <= t < s + 1) for s in (x / 100 for x in range(5000)))
    assert busiest == 6
    assert 8 * busiest < 100
