"""Tests of the local Athena endpoint through boto3, pyathena DB-API and SQLAlchemy."""

from __future__ import annotations

import datetime as dt
import functools
import io
import threading
import time
from collections.abc import Iterator
from typing import Any

import boto3
import pyarrow as pa
import pyarrow.parquet as pq
import pyathena
import pytest
import sqlalchemy as sa
from botocore.config import Config
from botocore.exceptions import ClientError
from pyathena.error import OperationalError

from . import local_athena_sql
from .local_athena import LocalAthena
from .local_athena_sql import columns_read

REGION = "us-east-1"
BUCKET = "dq-lake"
STAGING = f"s3://{BUCKET}/athena-results/"
WAREHOUSE = f"s3://{BUCKET}/warehouse"
PARQUET_SD = {
    "InputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
    "OutputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
    "SerdeInfo": {
        "SerializationLibrary": "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"
    },
}
EVENT_COLUMNS = [
    {"Name": "id", "Type": "bigint"},
    {"Name": "name", "Type": "string"},
    {"Name": "amount", "Type": "double"},
    {"Name": "event_date", "Type": "date"},
]
# id_bucket -> ids (None = NULL key; duplicates on purpose). Bucket 3 is not registered in Glue.
EVENTS: dict[int, list[int | None]] = {
    0: [1, 2, 2, None, 3],
    1: [10, 11, 11, 11],
    2: [20, None],
    3: [30, 31, 32],
}
REGISTERED_ROWS = 5 + 4 + 2
CUSTOMER_COLUMNS = [
    {"Name": "id", "Type": "int"},
    {"Name": "name", "Type": "string"},
    {"Name": "tier", "Type": "string"},  # in no file
]
CUSTOMER_PARTS: list[tuple[int | None, ...]] = [(1, 2, 3), (4, None)]  # the visible objects


@functools.lru_cache
def _parquet(*ids: int | None, bucket: int = 0) -> bytes:
    table = pa.table(
        {
            "id": pa.array(ids, pa.int64()),
            "name": pa.array([None if i is None else f"n{i}" for i in ids], pa.string()),
            "amount": pa.array([float(i or 0) + 0.5 for i in ids], pa.float64()),
            "event_date": pa.array([dt.date(2024, 1, 1 + bucket)] * len(ids), pa.date32()),
            "extra_col": pa.array([1] * len(ids), pa.int32()),  # not in Glue: must not show up
        }
    )
    buf = io.BytesIO()
    pq.write_table(table, buf)
    return buf.getvalue()


def _table(
    glue: Any,
    name: str,
    columns: list[dict[str, str]],
    *,
    partition_keys: list[dict[str, str]] | None = None,
    parameters: dict[str, str] | None = None,
) -> None:
    glue.create_table(
        DatabaseName="dq",
        TableInput={
            "Name": name,
            "TableType": "EXTERNAL_TABLE",
            "Parameters": {"classification": "parquet", **(parameters or {})},
            "PartitionKeys": partition_keys or [],
            "StorageDescriptor": {
                "Columns": columns,
                "Location": f"{WAREHOUSE}/{name}/",
                **PARQUET_SD,
            },
        },
    )


@pytest.fixture
def lake(local_athena: LocalAthena) -> LocalAthena:
    s3, glue = boto3.client("s3"), boto3.client("glue")  # via AWS_ENDPOINT_URL_S3/_GLUE
    s3.create_bucket(Bucket=BUCKET)

    def put(key: str, body: bytes) -> None:
        s3.put_object(Bucket=BUCKET, Key=f"warehouse/{key}", Body=body)

    glue.create_database(DatabaseInput={"Name": "dq"})
    # Partitioned table: 4 buckets in S3, only 0..2 registered in Glue.
    _table(glue, "events", EVENT_COLUMNS, partition_keys=[{"Name": "id_bucket", "Type": "int"}])
    for b, ids in EVENTS.items():
        put(f"events/id_bucket={b}/part-0.parquet", _parquet(*ids, bucket=b))
    put("events/id_bucket=0/_temporary/part-9.parquet", _parquet(*[99] * 7))  # hidden
    put("events/id_bucket=1/_SUCCESS", b"")
    glue.batch_create_partition(
        DatabaseName="dq",
        TableName="events",
        PartitionInputList=[
            {
                "Values": [str(b)],
                "StorageDescriptor": {
                    "Columns": EVENT_COLUMNS,
                    "Location": f"{WAREHOUSE}/events/id_bucket={b}/",
                    **PARQUET_SD,
                },
            }
            for b in range(3)
        ],
    )
    # Unpartitioned table with hidden files/directories and a Glue column missing from the data.
    _table(glue, "customers", CUSTOMER_COLUMNS)
    for i, part in enumerate(CUSTOMER_PARTS):
        put(f"customers/part-{i}.parquet", _parquet(*part))
    put("customers/_SUCCESS", b"")
    put("customers/.staging/part-2.parquet", _parquet(*[7] * 50))
    put("customers/_tmp/part-3.parquet", _parquet(*[8] * 50))
    # Table with no objects at all.
    _table(
        glue,
        "empty_t",
        [
            {"Name": "a", "Type": "string"},
            {"Name": "b", "Type": "int"},
            {"Name": "c", "Type": "bigint"},
            {"Name": "d", "Type": "double"},
            {"Name": "e", "Type": "boolean"},
            {"Name": "f", "Type": "timestamp"},
            {"Name": "g", "Type": "array<string>"},
        ],
    )
    # Partition projection: no Glue partitions; bucket 300 is outside the projected range.
    _table(
        glue,
        "proj",
        EVENT_COLUMNS,
        partition_keys=[{"Name": "id_bucket", "Type": "int"}],
        parameters={
            "projection.enabled": "true",
            "projection.id_bucket.type": "integer",
            "projection.id_bucket.range": "0,255",
        },
    )
    put("proj/id_bucket=0/a.parquet", _parquet(1, 2))
    put("proj/id_bucket=7/a.parquet", _parquet(3, 4, 5))
    put("proj/id_bucket=300/a.parquet", _parquet(6))
    return local_athena


# Shared so that each connect() does not reload the service models (tests stay fast); the
# endpoint still comes from AWS_ENDPOINT_URL_ATHENA. Create clients from it on one thread only.
_SESSION = boto3.session.Session()


def _connect(**kwargs: Any) -> Any:
    kwargs.setdefault("session", _SESSION)
    return pyathena.connect(
        s3_staging_dir=STAGING, region_name=REGION, schema_name="dq", poll_interval=0.02, **kwargs
    )


def _query(sql: str, conn: Any = None) -> list[tuple[Any, ...]]:
    if conn is not None:
        with conn.cursor() as cur:
            cur.execute(sql)
            return list(cur.fetchall())
    with _connect() as conn, conn.cursor() as cur:
        cur.execute(sql)
        return list(cur.fetchall())


def _event_files() -> list[bytes]:
    """The objects of the events partitions registered in Glue (buckets 0..2)."""
    return [_parquet(*EVENTS[b], bucket=b) for b in range(3)]


def _customer_files() -> list[bytes]:
    return [_parquet(*ids) for ids in CUSTOMER_PARTS]


def _footer(body: bytes) -> int:
    """A Parquet file's footer as Athena reads it: the 4-byte little-endian length before the
    trailing ``PAR1``, plus those 8 bytes."""
    assert body[-4:] == b"PAR1"
    return int.from_bytes(body[-8:-4], "little") + 8


def _chunks(body: bytes, *columns: str) -> int:
    """Compressed bytes of the column chunks of ``columns`` over all the file's row groups."""
    meta = pq.ParquetFile(pa.BufferReader(body)).metadata
    return sum(
        meta.row_group(i).column(j).total_compressed_size
        for i in range(meta.num_row_groups)
        for j in range(meta.num_columns)
        if meta.row_group(i).column(j).path_in_schema in columns
    )


def _scan(files: list[bytes], *columns: str) -> int:
    """What Athena scans reading ``columns`` from these files: every footer and those chunks."""
    return sum(_footer(body) + _chunks(body, *columns) for body in files)


def _scanned(lake: LocalAthena, sql: str) -> int:
    _query(sql)
    assert lake.queries[-1].state == "SUCCEEDED"
    return lake.queries[-1].data_scanned_bytes


def _partition_values() -> list[str]:
    parts = boto3.client("glue").get_partitions(DatabaseName="dq", TableName="events")
    return sorted(p["Values"][0] for p in parts["Partitions"])


@pytest.fixture
def athena_client() -> Iterator[Any]:
    client = boto3.client("athena", config=Config(retries={"total_max_attempts": 1}))
    yield client
    client.close()


def _wait(client: Any, query_id: str, timeout: float = 10.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        execution = client.get_query_execution(QueryExecutionId=query_id)["QueryExecution"]
        if execution["Status"]["State"] in ("SUCCEEDED", "FAILED", "CANCELLED"):
            return dict(execution)
        assert time.monotonic() < deadline, execution
        time.sleep(0.01)


def test_count_sees_registered_partitions_only(lake: LocalAthena) -> None:
    # pyathena, with its own boto3 session, finds the endpoint by AWS_ENDPOINT_URL_ATHENA alone.
    with pyathena.connect(s3_staging_dir=STAGING, schema_name="dq", poll_interval=0.02) as conn:
        assert _query("SELECT COUNT(*) FROM dq.events", conn) == [(REGISTERED_ROWS,)]
        assert _query("SELECT COUNT(*), COUNT(id), COUNT(DISTINCT id) FROM events", conn) == [
            (11, 9, 6)
        ]
    assert set(lake.operations) == {
        "StartQueryExecution",
        "GetQueryExecution",
        "GetQueryResults",
    }
    record = lake.queries[0]
    assert record.transpiled_sql == "SELECT COUNT(*) AS _col0 FROM dq.events"
    assert (record.database, record.workgroup, record.state) == ("dq", "primary", "SUCCEEDED")
    assert record.data_scanned_bytes == _scan(_event_files())  # COUNT(*): the footers only
    assert lake.queries[1].data_scanned_bytes == _scan(_event_files(), "id")


def test_column_names_parameters_and_result_reuse(lake: LocalAthena) -> None:
    with _connect() as conn, conn.cursor() as cur:
        cur.execute("SELECT COUNT(*), MAX(id) AS Top, name FROM dq.customers GROUP BY name LIMIT 1")
        assert [d[0] for d in cur.description] == ["_col0", "top", "name"]
        # qmark paramstyle sends ExecutionParameters, bound by the endpoint.
        cur.execute(
            "SELECT COUNT(*) FROM dq.events WHERE id_bucket = ? AND name <> ?",
            ["1", "'n10'"],
            paramstyle="qmark",
        )
        assert cur.fetchall() == [(3,)]
        assert lake.queries[-1].execution_parameters == ["1", "'n10'"]
        # cache_size makes pyathena look for a previous execution (ListQueryExecutions and
        # BatchGetQueryExecution) and reuse its id instead of starting the query again.
        cur.execute("SELECT MAX(id) FROM dq.customers")
        first = cur.query_id
        cur.execute("SELECT MAX(id) FROM dq.customers", cache_size=10)
        assert cur.query_id == first and cur.fetchall() == [(4,)]
    assert lake.operations["StartQueryExecution"] == 3
    assert {"ListQueryExecutions", "BatchGetQueryExecution"} <= set(lake.operations)


def test_msck_repair_registers_missing_partition(lake: LocalAthena) -> None:
    glue = boto3.client("glue")
    before = {
        p["Values"][0]: p
        for p in glue.get_partitions(DatabaseName="dq", TableName="events")["Partitions"]
    }
    assert _query("MSCK REPAIR TABLE dq.events") == []
    after = {
        p["Values"][0]: p
        for p in glue.get_partitions(DatabaseName="dq", TableName="events")["Partitions"]
    }
    assert sorted(after) == ["0", "1", "2", "3"]
    for value, partition in before.items():
        assert after[value] == partition  # existing partitions unchanged
    assert after["3"]["StorageDescriptor"]["Location"] == f"{WAREHOUSE}/events/id_bucket=3/"
    assert after["3"]["StorageDescriptor"]["SerdeInfo"] == PARQUET_SD["SerdeInfo"]
    assert _query("SELECT COUNT(*) FROM dq.events") == [(REGISTERED_ROWS + 3,)]
    assert _query("MSCK REPAIR TABLE events") == []  # nothing left to add
    assert _partition_values() == ["0", "1", "2", "3"]
    assert lake.queries[0].statement_type == "DDL"


def test_alter_table_add_partition_is_idempotent(lake: LocalAthena) -> None:
    sql = (
        f"ALTER TABLE dq.events ADD IF NOT EXISTS PARTITION (id_bucket=3) "
        f"LOCATION '{WAREHOUSE}/events/id_bucket=3/' PARTITION (id_bucket = 1)"
    )
    for _ in range(2):
        assert _query(sql) == []
        assert _partition_values() == ["0", "1", "2", "3"]
        assert _query("SELECT COUNT(*) FROM dq.events") == [(REGISTERED_ROWS + 3,)]
    with pytest.raises(OperationalError, match="already exists"):
        _query("ALTER TABLE events ADD PARTITION (id_bucket=3)")
    assert _query("ALTER TABLE events ADD PARTITION (id_bucket=9)") == []  # default location
    assert _partition_values() == ["0", "1", "2", "3", "9"]
    assert _query("SELECT COUNT(*) FROM dq.events") == [(REGISTERED_ROWS + 3,)]


def test_group_by_having_exact_numbers(lake: LocalAthena) -> None:
    assert _query(
        "SELECT id, COUNT(*) AS n FROM dq.events WHERE id IS NOT NULL "
        "GROUP BY id HAVING COUNT(*) > 1 ORDER BY id"
    ) == [(2, 2), (11, 3)]
    rows = _query(
        "SELECT id_bucket, COUNT(*), COUNT(id), SUM(amount), MIN(event_date) "
        "FROM dq.events GROUP BY id_bucket HAVING COUNT(*) >= 2 ORDER BY id_bucket"
    )
    assert rows == [
        (0, 5, 4, 10.5, dt.date(2024, 1, 1)),
        (1, 4, 4, 45.0, dt.date(2024, 1, 2)),
        (2, 2, 1, 21.0, dt.date(2024, 1, 3)),
    ]


def test_unpartitioned_empty_and_projected_tables(lake: LocalAthena) -> None:
    assert _query("SELECT COUNT(*), COUNT(tier), COUNT(id), MAX(id) FROM dq.customers") == [
        (5, 0, 4, 4)
    ]
    with _connect() as conn, conn.cursor() as cur:
        cur.execute("SELECT * FROM dq.empty_t")
        assert cur.fetchall() == []
        assert [(d[0], d[1]) for d in cur.description] == [
            ("a", "varchar"),
            ("b", "integer"),
            ("c", "bigint"),
            ("d", "double"),
            ("e", "boolean"),
            ("f", "timestamp"),
            ("g", "varchar"),
        ]
        with pytest.raises(OperationalError, match="extra_col"):
            cur.execute("SELECT extra_col FROM dq.events")
    assert _query("SELECT id_bucket, COUNT(*) FROM dq.proj GROUP BY 1 ORDER BY 1") == [
        (0, 2),
        (7, 3),
    ]


def test_sqlalchemy_select_and_reflection(lake: LocalAthena) -> None:
    engine = sa.create_engine(
        f"awsathena+rest://:@athena.{REGION}.amazonaws.com:443/dq"
        f"?s3_staging_dir={STAGING}&work_group=primary",
        connect_args={"endpoint_url": lake.endpoint_url, "poll_interval": 0.02},
    )
    try:
        with engine.connect() as conn:
            stmt = sa.select(sa.func.count()).select_from(sa.table("events", schema="dq"))
            assert conn.execute(stmt).scalar_one() == REGISTERED_ROWS
        inspector = sa.inspect(engine)
        columns = inspector.get_columns("events", schema="dq")
        assert [c["name"] for c in columns] == ["id", "name", "amount", "event_date", "id_bucket"]
        assert [type(c["type"]) for c in columns] == [
            sa.BIGINT,
            sa.String,
            sa.DOUBLE,
            sa.DATE,
            sa.INTEGER,
        ]
        assert inspector.has_table("events", schema="dq")
        assert not inspector.has_table("nope", schema="dq")
        assert "customers" in inspector.get_table_names(schema="dq")
        assert "dq" in inspector.get_schema_names()
    finally:
        engine.dispose()
    assert {"GetTableMetadata", "ListTableMetadata", "ListDatabases"} <= set(lake.operations)


def test_latency_and_async_polling(lake: LocalAthena) -> None:
    lake.latency_s = 0.3
    states: list[str] = []
    with _connect(on_poll=lambda execution: states.append(execution.state)) as conn:
        started = time.monotonic()
        conn.cursor().execute("SELECT 1")
        elapsed = time.monotonic() - started
    assert elapsed >= 0.3
    record = lake.queries[-1]
    assert record.end_time is not None and record.start_time is not None
    assert record.end_time - record.start_time >= 0.3
    assert "RUNNING" in states and states[-1] == "SUCCEEDED"


def test_fail_next_and_sql_errors(lake: LocalAthena) -> None:
    lake.fail_next(r"from\s+dq\.events", "HIVE_CURSOR_ERROR: injected failure")
    with pytest.raises(OperationalError, match="HIVE_CURSOR_ERROR: injected failure"):
        _query("SELECT COUNT(*) FROM dq.events")
    assert _query("SELECT COUNT(*) FROM dq.events") == [(REGISTERED_ROWS,)]  # times=1 used up
    with pytest.raises(OperationalError, match="no_such_column"):
        _query("SELECT no_such_column FROM dq.events")
    with pytest.raises(OperationalError, match="TABLE_NOT_FOUND"):
        _query("SELECT * FROM dq.no_such_table")
    with pytest.raises(OperationalError, match="SYNTAX_ERROR"):
        _query("SELECT FROM WHERE")
    assert [r.state for r in lake.queries] == ["FAILED", "SUCCEEDED", "FAILED", "FAILED", "FAILED"]


def test_throttle_next_is_a_client_error(lake: LocalAthena, athena_client: Any) -> None:
    lake.throttle_next(2)
    for _ in range(2):
        with pytest.raises(ClientError) as info:
            athena_client.start_query_execution(QueryString="SELECT 1")
        assert info.value.response["Error"]["Code"] == "ThrottlingException"
        assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    query_id = athena_client.start_query_execution(QueryString="SELECT 1")["QueryExecutionId"]
    assert _wait(athena_client, query_id)["Status"]["State"] == "SUCCEEDED"
    lake.throttle_next(1, op="GetQueryResults", code="TooManyRequestsException")
    with pytest.raises(ClientError, match="TooManyRequestsException"):
        athena_client.get_query_results(QueryExecutionId=query_id)
    assert lake.operations["StartQueryExecution"] == 3


def test_hang_then_stop_cancels(lake: LocalAthena, athena_client: Any) -> None:
    lake.hang(r"/\* hang \*/")
    errors: list[BaseException] = []

    def run() -> None:
        try:
            _query("SELECT /* hang */ COUNT(*) FROM dq.events")
        except BaseException as e:  # noqa: BLE001 - collected for the assertion below
            errors.append(e)

    worker = threading.Thread(target=run)
    worker.start()
    deadline = time.monotonic() + 5
    while not (lake.queries and lake.queries[0].state == "RUNNING"):
        assert time.monotonic() < deadline
        time.sleep(0.01)
    time.sleep(0.1)
    assert lake.queries[0].state == "RUNNING" and lake.active_count == 1
    athena_client.stop_query_execution(QueryExecutionId=lake.queries[0].query_id)
    worker.join(5)
    assert lake.queries[0].state == "CANCELLED"
    assert len(errors) == 1 and isinstance(errors[0], OperationalError)
    assert "cancelled" in str(errors[0]).lower()
    assert _query("SELECT 1") == [(1,)]  # non-matching queries unaffected
    assert lake.active_count == 0


def test_query_log_counts_select_vs_ddl(lake: LocalAthena) -> None:
    _query("SELECT COUNT(*) FROM dq.events")
    _query("MSCK REPAIR TABLE dq.events")
    _query("ALTER TABLE dq.events ADD IF NOT EXISTS PARTITION (id_bucket=3)")
    _query("WITH x AS (SELECT id FROM dq.customers) SELECT COUNT(*) FROM x")
    stats = lake.stats()
    assert stats["by_type"] == {"SELECT": 2, "DDL": 2}
    assert stats["by_state"] == {"SUCCEEDED": 4} and stats["total"] == 4
    assert [r.substatement_type for r in lake.queries] == [
        "SELECT",
        "MSCK_REPAIR_TABLE",
        "ALTER_TABLE_ADD_PARTITION",
        "SELECT",
    ]
    lake.reset()
    assert lake.stats()["total"] == 0 and not lake.operations


def test_concurrency_peak_and_quota(lake: LocalAthena, athena_client: Any) -> None:
    lake.latency_s = 0.5
    results: list[Any] = []
    connections = [_connect() for _ in range(3)]  # boto3 clients are thread-safe once created
    threads = [
        threading.Thread(
            target=lambda c=c: results.append(_query("SELECT COUNT(*) FROM dq.customers", c))
        )
        for c in connections
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    for c in connections:
        c.close()
    assert results == [[(5,)]] * 3
    assert lake.max_concurrent_running == 3 and lake.active_count == 0
    lake.latency_s = 0
    lake.hang("hang_me")
    lake.max_active = 2
    ids = [
        athena_client.start_query_execution(QueryString=f"SELECT {i} AS hang_me")[
            "QueryExecutionId"
        ]
        for i in range(2)
    ]
    with pytest.raises(ClientError) as info:
        athena_client.start_query_execution(QueryString="SELECT 3")
    assert info.value.response["Error"]["Code"] == "TooManyRequestsException"
    for query_id in ids:
        athena_client.stop_query_execution(QueryExecutionId=query_id)
        assert _wait(athena_client, query_id)["Status"]["State"] == "CANCELLED"


def test_get_query_results_paging_and_csv_output(lake: LocalAthena, athena_client: Any) -> None:
    query_id = athena_client.start_query_execution(
        QueryString="SELECT id, name, amount, id_bucket = 0 AS first, event_date FROM events "
        "WHERE id_bucket < 2 ORDER BY id NULLS LAST, name",
        QueryExecutionContext={"Database": "dq"},
        ResultConfiguration={"OutputLocation": STAGING},
    )["QueryExecutionId"]
    execution = _wait(athena_client, query_id)
    assert execution["Status"]["State"] == "SUCCEEDED"
    assert execution["StatementType"] == "DML" and execution["WorkGroup"] == "primary"
    assert execution["Statistics"]["DataScannedInBytes"] > 0
    location = execution["ResultConfiguration"]["OutputLocation"]
    assert location == f"{STAGING}{query_id}.csv"
    rows: list[list[str | None]] = []
    token: str | None = None
    pages = 0
    while True:
        kwargs = {"NextToken": token} if token else {}
        page = athena_client.get_query_results(QueryExecutionId=query_id, MaxResults=4, **kwargs)
        pages += 1
        rows += [[d.get("VarCharValue") for d in r["Data"]] for r in page["ResultSet"]["Rows"]]
        token = page.get("NextToken")
        if not token:
            break
    info = page["ResultSet"]["ResultSetMetadata"]["ColumnInfo"]
    assert [(c["Name"], c["Type"]) for c in info] == [
        ("id", "bigint"),
        ("name", "varchar"),
        ("amount", "double"),
        ("first", "boolean"),
        ("event_date", "date"),
    ]
    assert pages == 3 and len(rows) == 10  # header + 9 data rows
    assert rows[0] == ["id", "name", "amount", "first", "event_date"]
    assert rows[1] == ["1", "n1", "1.5", "true", "2024-01-01"]
    assert rows[-1] == [None, None, "0.5", "true", "2024-01-01"]
    body = boto3.client("s3").get_object(Bucket=BUCKET, Key=f"athena-results/{query_id}.csv")
    lines = body["Body"].read().decode().splitlines()
    assert lines[0] == '"id","name","amount","first","event_date"'
    assert (
        lines[1] == '"1","n1","1.5","true","2024-01-01"'
        and lines[-1] == ',,"0.5","true","2024-01-01"'
    )


# ---- workgroups ---------------------------------------------------------------------------------
def _start(client: Any, workgroup: str, **kwargs: Any) -> str:
    return str(
        client.start_query_execution(
            QueryString="SELECT COUNT(*) FROM customers",
            QueryExecutionContext={"Database": "dq"},
            WorkGroup=workgroup,
            **kwargs,
        )["QueryExecutionId"]
    )


def test_an_enforced_workgroup_location_overrides_the_client(
    lake: LocalAthena, athena_client: Any
) -> None:
    own = f"s3://{BUCKET}/wg-results/"
    lake.set_workgroup("etl", enforce=True, output_location=own)
    config = athena_client.get_work_group(WorkGroup="etl")["WorkGroup"]["Configuration"]
    assert config["EnforceWorkGroupConfiguration"] is True
    assert config["ResultConfiguration"] == {"OutputLocation": own}
    assert "ManagedQueryResultsConfiguration" not in config
    query_id = _start(athena_client, "etl", ResultConfiguration={"OutputLocation": STAGING})
    execution = _wait(athena_client, query_id)
    assert execution["Status"]["State"] == "SUCCEEDED" and execution["WorkGroup"] == "etl"
    assert execution["ResultConfiguration"]["OutputLocation"] == f"{own}{query_id}.csv"
    assert lake.queries[0].result_configuration == {"OutputLocation": STAGING}  # as sent
    body = boto3.client("s3").get_object(Bucket=BUCKET, Key=f"wg-results/{query_id}.csv")
    assert body["Body"].read().decode().splitlines() == ['"_col0"', '"5"']


def test_a_managed_results_workgroup_refuses_a_location_and_still_serves_rows(
    lake: LocalAthena, athena_client: Any
) -> None:
    lake.set_workgroup("managed", managed=True)
    config = athena_client.get_work_group(WorkGroup="managed")["WorkGroup"]["Configuration"]
    assert config["ManagedQueryResultsConfiguration"] == {"Enabled": True}
    assert "ResultConfiguration" not in config
    with pytest.raises(ClientError) as refused:
        _start(athena_client, "managed", ResultConfiguration={"OutputLocation": STAGING})
    assert refused.value.response["Error"] == {
        "Code": "InvalidRequestException",
        "Message": "ManagedQueryResultsConfiguration and ResultConfiguration cannot be set "
        "together.",
    }
    assert lake.queries == []  # refused before it ran
    query_id = _start(athena_client, "managed")
    execution = _wait(athena_client, query_id)
    assert execution["Status"]["State"] == "SUCCEEDED"
    assert execution["ResultConfiguration"] == {}  # no S3 location
    assert execution["ManagedQueryResultsConfiguration"] == {"Enabled": True}
    rows = athena_client.get_query_results(QueryExecutionId=query_id)["ResultSet"]["Rows"]
    assert [r["Data"][0]["VarCharValue"] for r in rows] == ["_col0", "5"]
    # pyathena with an empty staging dir sends no ResultConfiguration and reads the rows
    managed = pyathena.connect(
        s3_staging_dir="",
        work_group="managed",
        region_name=REGION,
        schema_name="dq",
        poll_interval=0.02,
        session=_SESSION,
    )
    with managed as conn:
        assert _query("SELECT COUNT(*) FROM customers", conn) == [(5,)]
    assert [q.result_configuration for q in lake.queries] == [None, None]
    assert [q.output_location for q in lake.queries] == [None, None]
    with pytest.raises(ValueError, match="no output location"):
        lake.set_workgroup("both", managed=True, output_location=STAGING)


def test_an_unknown_workgroup_is_not_found(lake: LocalAthena, athena_client: Any) -> None:
    with pytest.raises(ClientError) as missing:
        athena_client.get_work_group(WorkGroup="nope")
    error = missing.value.response["Error"]
    assert (error["Code"], error["Message"]) == (
        "InvalidRequestException",
        "WorkGroup nope is not found.",
    )
    with pytest.raises(ClientError) as refused:
        _start(athena_client, "nope", ResultConfiguration={"OutputLocation": STAGING})
    assert refused.value.response["Error"]["Code"] == "InvalidRequestException"
    assert lake.queries == []
    # primary always exists, with the endpoint's default location (none here)
    primary = athena_client.get_work_group(WorkGroup="primary")["WorkGroup"]
    assert primary["Configuration"]["EnforceWorkGroupConfiguration"] is False
    assert "ResultConfiguration" not in primary["Configuration"]


# ---- DataScannedInBytes: column chunks and footers ----------------------------------------------
def test_a_column_costs_its_chunks_and_every_footer(lake: LocalAthena) -> None:
    files = _customer_files()
    name = _scan(files, "name")
    assert _chunks(files[0], "name") > 0 and name < sum(len(body) for body in files)
    assert _scanned(lake, "SELECT count(name) FROM dq.customers") == name
    # Glue's tier is in no file and extra_col is not in Glue: neither is read
    assert _scanned(lake, "SELECT count(tier) FROM dq.customers") == _scan(files)
    assert _scanned(lake, "SELECT * FROM dq.customers") == _scan(files, "id", "name")


def test_count_star_and_partition_columns_read_the_footers_only(lake: LocalAthena) -> None:
    footers = _scan(_event_files())
    assert footers == sum(_footer(body) for body in _event_files()) > 0
    assert _scanned(lake, "SELECT COUNT(*) FROM dq.events") == footers
    assert _scanned(lake, "SELECT max(id_bucket) FROM dq.events") == footers


def test_a_column_read_through_a_subquery_or_cte_is_its_base_tables(lake: LocalAthena) -> None:
    sql = "SELECT count(x.n) FROM (SELECT name AS n FROM dq.customers) AS x"
    assert _scanned(lake, sql) == _scan(_customer_files(), "name")
    sql = "WITH c AS (SELECT amount AS a FROM dq.events) SELECT max(c.a) AS top FROM c"
    assert _scanned(lake, sql) == _scan(_event_files(), "amount")


def test_a_join_reads_each_tables_own_columns(lake: LocalAthena) -> None:
    sql = (
        "SELECT sum(e.amount), count(c.name) FROM dq.events AS e "
        "JOIN dq.customers AS c ON e.id = c.id"
    )
    assert _scanned(lake, sql) == _scan(_event_files(), "amount", "id") + _scan(
        _customer_files(), "id", "name"
    )


def test_each_files_footer_is_read_once(lake: LocalAthena, monkeypatch: pytest.MonkeyPatch) -> None:
    read: list[str] = []
    cost = local_athena_sql.parquet_cost

    def counted(path: str) -> local_athena_sql.FileCost:
        read.append(path)
        return cost(path)

    monkeypatch.setattr(local_athena_sql, "parquet_cost", counted)
    sql = "SELECT count(name) FROM dq.customers"
    assert _scanned(lake, sql) == _scanned(lake, sql) == _scan(_customer_files(), "name")
    assert len(read) == len(set(read)) == len(CUSTOMER_PARTS)


def test_columns_read_by_scope() -> None:
    events = {c["Name"]: c["Type"] for c in EVENT_COLUMNS} | {"id_bucket": "int"}
    customers = {c["Name"]: c["Type"] for c in CUSTOMER_COLUMNS}
    schemas = {("dq", "events"): events, ("dq", "customers"): customers}
    e, c = ("dq", "events"), ("dq", "customers")

    def read(sql: str) -> dict[tuple[str, str], set[str]]:
        return columns_read(sql, schemas, "dq")

    assert read("SELECT count(*) FROM events") == {e: set()}
    assert read("SELECT * FROM awsdatacatalog.dq.events") == {e: set(events)}
    assert read('SELECT "Name" FROM dq.events WHERE id_bucket = 1') == {e: {"name", "id_bucket"}}
    # what a subquery or CTE selects is read from its table, whatever the outer query uses
    # a subquery's output nothing above reads is pruned, as Trino's planner does
    assert read("SELECT x.n FROM (SELECT name AS n, amount FROM events) AS x") == {e: {"name"}}
    assert read("SELECT count(*) FROM (SELECT * FROM events WHERE true) AS anon_1") == {e: set()}
    assert read("WITH k AS (SELECT id FROM customers) SELECT count(*) FROM k") == {c: set()}
    assert read(
        "SELECT a.id FROM events AS a JOIN customers AS b ON a.id = b.id WHERE b.tier = 'x'"
    ) == {e: {"id"}, c: {"id", "tier"}}
    correlated = "SELECT 1 FROM customers AS k WHERE k.name = events.name"
    assert read(f"SELECT id FROM events WHERE EXISTS ({correlated})") == {
        e: {"id", "name"},
        c: {"name"},
    }
    assert read("SELECT id FROM events UNION ALL SELECT id FROM customers") == {
        e: {"id"},
        c: {"id"},
    }
    # when the analysis fails (a parse error, an unresolvable column): every column
    everything = {e: set(events), c: set(customers)}
    assert read("SELECT (") == everything
    assert read("SELECT table_name, count(id) FROM information_schema.tables, customers") == (
        everything
    )


# ---- latency per MB scanned ----------------------------------------------------------------------
def test_latency_per_mb_delays_a_query_by_its_bytes(lake: LocalAthena, athena_client: Any) -> None:
    scanned = _scan(_customer_files(), "name")
    lake.latency_s = 0.1
    lake.latency_s_per_mb = 0.3 / (scanned / 1e6)  # 0.3 s for this query's bytes
    query_id = athena_client.start_query_execution(
        QueryString="SELECT count(name) FROM customers", QueryExecutionContext={"Database": "dq"}
    )["QueryExecutionId"]
    statistics = _wait(athena_client, query_id)["Statistics"]
    assert statistics["DataScannedInBytes"] == scanned
    record = lake.query(query_id)
    assert record.end_time is not None and record.start_time is not None
    assert record.end_time - record.start_time >= 0.1 + 0.3
    assert statistics["EngineExecutionTimeInMillis"] >= 400
    lake.reset()
    assert (lake.latency_s, lake.latency_s_per_mb) == (0.0, 0.0)


# ---- static lake: each table read once -----------------------------------------------------------
STATIC_QUERIES = [
    "SELECT COUNT(*) FROM dq.events",
    "SELECT id, name, amount, event_date, id_bucket FROM dq.events",
    "SELECT count(name) FROM dq.customers",
    "SELECT * FROM customers",
    "SELECT id, COUNT(*) AS n FROM dq.events GROUP BY id HAVING COUNT(*) > 1",
    "SELECT sum(e.amount), count(c.name) FROM dq.events AS e JOIN dq.customers AS c ON e.id = c.id",
    "SELECT count(*), max(id_bucket) FROM dq.proj",
    "SELECT count(*), max(a), max(g) FROM dq.empty_t",
    "SELECT count(x.n) FROM (SELECT name AS n FROM dq.customers) AS x",
]


def _answers(athena: LocalAthena) -> list[tuple[list[tuple[Any, ...]], int]]:
    """Each STATIC_QUERIES query's rows (sorted: no ORDER BY) and DataScannedInBytes."""
    out = []
    with _connect(endpoint_url=athena.endpoint_url) as conn:
        for sql in STATIC_QUERIES:
            rows = sorted(_query(sql, conn), key=repr)
            assert athena.queries[-1].state == "SUCCEEDED", athena.queries[-1]
            out.append((rows, athena.queries[-1].data_scanned_bytes))
    return out


def test_a_static_lake_answers_and_prices_every_query_as_a_fresh_read(
    lake: LocalAthena, moto_server: str
) -> None:
    fresh = _answers(lake)
    assert [n for _, n in fresh][:4] == [
        _scan(_event_files()),
        _scan(_event_files(), "id", "name", "amount", "event_date"),
        _scan(_customer_files(), "name"),
        _scan(_customer_files(), "id", "name"),
    ]
    with LocalAthena(moto_server, REGION, static_lake=True) as static:
        static.engine.load("dq", "events")  # read ahead, or on the first query that needs it
        first, again = _answers(static), _answers(static)
    assert first == again == fresh


def test_the_static_lake_is_off_by_default_and_sees_only_its_own_ddl(
    lake: LocalAthena, moto_server: str
) -> None:
    assert lake.engine.static_lake is False
    sql = "SELECT COUNT(*) FROM dq.events"
    with (
        LocalAthena(moto_server, REGION, static_lake=True) as static,
        _connect(endpoint_url=static.endpoint_url) as conn,
    ):
        assert _query(sql, conn) == [(REGISTERED_ROWS,)]
        boto3.client("glue").batch_create_partition(
            DatabaseName="dq",
            TableName="events",
            PartitionInputList=[{"Values": ["3"], "StorageDescriptor": {
                "Columns": EVENT_COLUMNS, "Location": f"{WAREHOUSE}/events/id_bucket=3/",
                **PARQUET_SD,
            }}],
        )  # fmt: skip
        # a partition added behind the engine: the default endpoint sees it, the static not
        assert _query(sql) == [(REGISTERED_ROWS + 3,)]
        assert _query(sql, conn) == [(REGISTERED_ROWS,)]
        # its own DDL on the table (here with nothing left to add) reads it again
        alter = "ALTER TABLE dq.events ADD IF NOT EXISTS PARTITION (id_bucket=3)"
        assert _query(alter, conn) == []
        assert _query(sql, conn) == [(REGISTERED_ROWS + 3,)]
