"""Tests for data_monitor.demo.lakegen: read the generated lake back with duckdb + json."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pyarrow.parquet as pq
import pytest

from data_monitor.demo.lakegen import build_lake
from data_monitor.demo.specs import (
    CONTRACTS,
    Expected,
    TableSpec,
    bench_tables,
    demo_tables,
)

DB = "lake_test"
BUCKET = "test-lake"
AS_OF = date(2026, 11, 21)
PK = "customer_user_id"

SPECS = [
    TableSpec("clean", rows=320, bucket_count=16),
    TableSpec(
        "holes",
        rows=400,
        bucket_count=16,
        missing_s3_buckets=(2, 9),
        unregistered_buckets=(4, 15),
        files_per_bucket=2,
        tiny_files=True,
        source_delta=7,
        snapshot="stale",
    ),
    TableSpec(
        "keys",
        rows=300,
        bucket_count=16,
        missing_s3_buckets=(0,),
        null_keys=5,
        dup_rows=8,
        source_delta=-11,
        snapshot=None,
    ),
    TableSpec(
        "proj", rows=160, bucket_count=16, projection=True, snapshot="garbage", has_source=False
    ),
    *[TableSpec(f"c_{c}", rows=48, bucket_count=16, contract=c) for c in CONTRACTS if c != "ok"],
]
SPEC_BY_TABLE = {f"part_{s.suffix}": s for s in SPECS}


@pytest.fixture(scope="module")
def lake(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Expected]]:
    wh = tmp_path_factory.mktemp("wh")
    expected = build_lake(wh, DB, BUCKET, SPECS, as_of=AS_OF, seed=7)
    return wh, expected


def s3_dir(wh: Path, table: str) -> Path:
    return wh / "s3" / BUCKET / "tables" / table


def glue(wh: Path, name: str) -> Any:
    return json.loads((wh / "glue" / DB / name).read_text())


def sql(query: str) -> Any:
    rel = duckdb.sql(query)
    assert rel is not None
    return rel.fetchall()


def part_glob(wh: Path, table: str) -> str:
    return f"read_parquet('{s3_dir(wh, table)}/*/*.parquet', hive_partitioning=true)"


def test_expected_summary(lake: tuple[Path, dict[str, Expected]]) -> None:
    _, exp = lake
    assert set(exp) == set(SPEC_BY_TABLE)
    h = exp["part_holes"]
    # 400 rows over 16 buckets = 25 per bucket; buckets 2 and 9 not written
    assert h == Expected(
        table="part_holes",
        location=f"s3://{BUCKET}/tables/part_holes/",
        s3_partitions=14,
        glue_partitions_before=12,
        missing_glue=2,
        rows_written=350,
        source_rows=357,
        pk_nulls=0,
        pk_dupes=0,
        snapshot_dt="2026-08-23",
    )
    k = exp["part_keys"]
    # 300 rows / 16 buckets: buckets 0..11 get 19 rows, 12..15 get 18; bucket 0 missing
    assert (k.rows_written, k.source_rows, k.pk_nulls, k.pk_dupes) == (281, 270, 5, 8)
    assert k.snapshot_dt is None
    p = exp["part_proj"]
    assert (p.s3_partitions, p.glue_partitions_before, p.missing_glue) == (16, 0, 0)
    assert p.source_rows is None and p.snapshot_dt == "garbage"
    assert exp["part_clean"].snapshot_dt == "2026-11-20"


def test_files_and_buckets_on_disk(lake: tuple[Path, dict[str, Expected]]) -> None:
    wh, exp = lake
    for table, e in exp.items():
        spec = SPEC_BY_TABLE[table]
        root = s3_dir(wh, table)
        folders = {p.name for p in root.iterdir() if p.name.startswith("id_bucket=")}
        written = set(range(spec.bucket_count)) - set(spec.missing_s3_buckets)
        assert folders == {f"id_bucket={b}" for b in written}
        assert len(folders) == e.s3_partitions
        files = list(root.glob("id_bucket=*/*.parquet"))
        tiny = 3 if spec.tiny_files else 0
        assert len(files) == e.s3_partitions * spec.files_per_bucket + tiny
        for b in spec.missing_s3_buckets:
            assert not (root / f"id_bucket={b}").exists()
        # id_bucket comes from the path only
        assert "id_bucket" not in pq.read_schema(files[0]).names


def test_tiny_files(lake: tuple[Path, dict[str, Expected]]) -> None:
    wh, _ = lake
    root = s3_dir(wh, "part_holes")
    rows = {
        str(p.relative_to(root)): pq.read_metadata(p).num_rows
        for p in root.glob("id_bucket=*/*.parquet")
    }
    tiny = sorted(name for name, n in rows.items() if n == 1)
    # first three written buckets (0, 1, 3) get part-00002 (after the 2 regular files)
    assert tiny == [f"id_bucket={b}/part-00002.parquet" for b in (0, 1, 3)]
    assert min(n for name, n in rows.items() if name not in tiny) >= 10


def test_partitions_json(lake: tuple[Path, dict[str, Expected]]) -> None:
    wh, exp = lake
    for table, e in exp.items():
        spec = SPEC_BY_TABLE[table]
        path = wh / "glue" / DB / f"{table}.partitions.json"
        if spec.projection:
            assert not path.exists()
            continue
        tjson = glue(wh, f"{table}.json")
        parts = json.loads(path.read_text())
        assert len(parts) == e.glue_partitions_before
        values = {int(p["Values"][0]) for p in parts}
        stored = set(range(spec.bucket_count)) - set(spec.missing_s3_buckets)
        assert values == stored - set(spec.unregistered_buckets)
        assert len(stored - values) == e.missing_glue
        for b in spec.unregistered_buckets:
            assert b not in values
            assert any((s3_dir(wh, table) / f"id_bucket={b}").glob("*.parquet"))
        for p in parts:
            assert p["DatabaseName"] == DB and p["TableName"] == table
            sd = dict(p["StorageDescriptor"])
            assert sd.pop("Location") == f"{e.location}id_bucket={p['Values'][0]}/"
            tsd = dict(tjson["StorageDescriptor"])
            tsd.pop("Location")
            assert sd == tsd


def test_rows_nulls_dupes(lake: tuple[Path, dict[str, Expected]]) -> None:
    wh, exp = lake
    for table in ("part_clean", "part_holes", "part_keys", "part_proj"):
        e = exp[table]
        src = part_glob(wh, table)
        [(n, nulls, bad_fmt, buckets)] = sql(
            f"SELECT count(*), count(*) - count({PK}), "
            f"count(*) FILTER (WHERE NOT regexp_full_match({PK}, 'u[0-9]{{12}}')), "
            f"count(DISTINCT id_bucket) FROM {src}"
        )
        assert (n, nulls, bad_fmt, buckets) == (e.rows_written, e.pk_nulls, 0, e.s3_partitions)
        [(dupes, max_c)] = sql(
            f"SELECT coalesce(sum(c), 0), coalesce(max(c), 0) FROM (SELECT {PK}, count(*) c "
            f"FROM {src} WHERE {PK} IS NOT NULL GROUP BY {PK} HAVING count(*) > 1)"
        )
        assert dupes == e.pk_dupes
        assert max_c == (2 if e.pk_dupes else 0)
        [(hexlen, bad_hex)] = sql(
            f"SELECT min(length(email_sha256)), count(*) FILTER "
            f"(WHERE NOT regexp_full_match(email_sha256, '[0-9a-f]{{64}}')) FROM {src}"
        )
        assert (hexlen, bad_hex) == (64, 0)
        [(max_ts,)] = sql(f"SELECT max(updated_at) FROM {src}")
        assert max_ts.date() < AS_OF


def test_source_tables(lake: tuple[Path, dict[str, Expected]]) -> None:
    wh, exp = lake
    for table, e in exp.items():
        spec = SPEC_BY_TABLE[table]
        ext = f"ext_{spec.suffix}"
        if not spec.has_source:
            assert e.source_rows is None
            assert not s3_dir(wh, ext).exists()
            assert not (wh / "glue" / DB / f"{ext}.json").exists()
            continue
        assert e.source_rows == e.rows_written + spec.source_delta
        files = sorted(p.name for p in s3_dir(wh, ext).iterdir())
        assert files and all(f.startswith("part-") and f.endswith(".parquet") for f in files)
        [(n,)] = sql(f"SELECT count(*) FROM read_parquet('{s3_dir(wh, ext)}/*.parquet')")
        assert n == e.source_rows
        tj = glue(wh, f"{ext}.json")
        assert tj["Name"] == ext and tj["TableType"] == "EXTERNAL_TABLE"
        assert tj["PartitionKeys"] == []
        assert tj["StorageDescriptor"]["Location"] == f"s3://{BUCKET}/tables/{ext}/"
        assert not (wh / "glue" / DB / f"{ext}.partitions.json").exists()


def test_snapshot_markers(lake: tuple[Path, dict[str, Expected]]) -> None:
    wh, exp = lake
    for table, e in exp.items():
        marker = s3_dir(wh, table) / "_metadata" / "snapshot_dt.txt"
        if e.snapshot_dt is None:
            assert not marker.exists()
        else:
            assert marker.read_text() == e.snapshot_dt + "\n"
    assert exp["part_clean"].snapshot_dt == "2026-11-20"
    assert exp["part_holes"].snapshot_dt == "2026-08-23"
    assert exp["part_proj"].snapshot_dt == "garbage"


def test_contracts(lake: tuple[Path, dict[str, Expected]]) -> None:
    wh, _ = lake
    ok = glue(wh, "part_clean.json")
    assert ok["TableType"] == "EXTERNAL_TABLE"
    assert ok["Parameters"] == {"classification": "parquet", "EXTERNAL": "TRUE"}
    assert ok["PartitionKeys"] == [{"Name": "id_bucket", "Type": "int"}]
    assert [c["Name"] for c in ok["StorageDescriptor"]["Columns"]] == [
        PK,
        "email_sha256",
        "segment",
        "score",
        "updated_at",
    ]
    assert ok["StorageDescriptor"]["SerdeInfo"]["SerializationLibrary"].endswith("ParquetHiveSerDe")

    t = glue(wh, "part_c_no_pk_column.json")
    assert PK not in [c["Name"] for c in t["StorageDescriptor"]["Columns"]]
    assert t["PartitionKeys"] == ok["PartitionKeys"]

    t = glue(wh, "part_c_pk_is_partition_key.json")
    assert PK in [k["Name"] for k in t["PartitionKeys"]]
    assert PK not in [c["Name"] for c in t["StorageDescriptor"]["Columns"]]

    t = glue(wh, "part_c_bad_partition_type.json")
    assert t["PartitionKeys"] == [{"Name": "id_bucket", "Type": "string"}]

    t = glue(wh, "part_c_not_parquet.json")
    sd = t["StorageDescriptor"]
    assert sd["InputFormat"] == "org.apache.hadoop.mapred.TextInputFormat"
    assert sd["SerdeInfo"]["SerializationLibrary"].endswith("LazySimpleSerDe")
    parts = glue(wh, "part_c_not_parquet.partitions.json")
    assert parts[0]["StorageDescriptor"]["InputFormat"] == sd["InputFormat"]

    t = glue(wh, "part_c_managed.json")
    assert t["TableType"] == "MANAGED_TABLE"
    assert "EXTERNAL" not in t["Parameters"]


def test_projection(lake: tuple[Path, dict[str, Expected]]) -> None:
    wh, _ = lake
    t = glue(wh, "part_proj.json")
    assert t["Parameters"]["projection.enabled"] == "true"
    assert t["Parameters"]["projection.id_bucket.type"] == "integer"
    assert t["Parameters"]["projection.id_bucket.range"] == "0,15"
    assert not (wh / "glue" / DB / "part_proj.partitions.json").exists()


def test_refuses_overwrite_and_overwrites_only_own_paths(tmp_path: Path) -> None:
    specs = [TableSpec("a", rows=40, bucket_count=4)]
    build_lake(tmp_path, DB, BUCKET, specs, as_of=AS_OF)
    with pytest.raises(ValueError, match="overwrite=True"):
        build_lake(tmp_path, DB, BUCKET, specs, as_of=AS_OF)
    # unrelated things that must survive an overwrite
    other_db = tmp_path / "glue" / "other_db"
    other_db.mkdir(parents=True)
    (other_db / "x.json").write_text("{}")
    other_obj = s3_dir(tmp_path, "unrelated") / "keep.txt"
    other_obj.parent.mkdir(parents=True)
    other_obj.write_text("keep")
    stale = s3_dir(tmp_path, "part_a") / "id_bucket=3" / "stale.parquet"
    stale.write_text("junk")
    stale_glue = tmp_path / "glue" / DB / "part_gone.json"
    stale_glue.write_text("{}")

    exp = build_lake(tmp_path, DB, BUCKET, specs, as_of=AS_OF, overwrite=True)
    assert exp["part_a"].rows_written == 40
    assert not stale.exists() and not stale_glue.exists()
    assert (other_db / "x.json").exists() and other_obj.read_text() == "keep"
    assert len(list(s3_dir(tmp_path, "part_a").glob("id_bucket=*/*.parquet"))) == 4


def test_deterministic(tmp_path: Path) -> None:
    specs = [TableSpec("d", rows=200, bucket_count=8, null_keys=3, dup_rows=4)]

    def digest(wh: Path, seed: int) -> Any:
        build_lake(wh, DB, BUCKET, specs, as_of=AS_OF, seed=seed)
        return sql(
            f"SELECT md5(string_agg(concat_ws('|', {PK}, email_sha256, segment, score, "
            f"updated_at, id_bucket), ',' ORDER BY id_bucket, {PK}, email_sha256)) "
            f"FROM {part_glob(wh, 'part_d')}"
        )

    assert digest(tmp_path / "a", 1) == digest(tmp_path / "b", 1)
    assert digest(tmp_path / "a2", 1) != digest(tmp_path / "c", 2)


@pytest.mark.parametrize(
    "spec",
    [
        TableSpec("x", rows=100, bucket_count=4, dup_rows=3),
        TableSpec("x", rows=100, bucket_count=4, contract="nope"),
        TableSpec(
            "x", rows=100, bucket_count=4, missing_s3_buckets=(1,), unregistered_buckets=(1,)
        ),
        TableSpec("x", rows=100, bucket_count=4, missing_s3_buckets=(4,)),
        TableSpec("x", rows=10, bucket_count=4, null_keys=6, dup_rows=6),
        TableSpec("x", rows=10, bucket_count=4, source_delta=-11),
        TableSpec("x", rows=10, bucket_count=4, projection=True, unregistered_buckets=(0,)),
        TableSpec("x", rows=5, bucket_count=4, tiny_files=True),
    ],
)
def test_invalid_specs(tmp_path: Path, spec: TableSpec) -> None:
    with pytest.raises(ValueError):
        build_lake(tmp_path, DB, BUCKET, [spec], as_of=AS_OF)
    assert not (tmp_path / "glue").exists()


def test_demo_and_bench_specs() -> None:
    demo = demo_tables()
    assert 7 <= len(demo) <= 10
    assert 200_000 <= sum(t.rows for t in demo) <= 600_000
    assert any(t.missing_s3_buckets for t in demo)
    assert any(t.unregistered_buckets for t in demo)
    assert any(t.source_delta for t in demo)
    assert any(t.null_keys for t in demo) and any(t.dup_rows for t in demo)
    assert any(t.contract != "ok" for t in demo)
    assert any(t.snapshot == "stale" for t in demo) and any(t.snapshot is None for t in demo)
    assert any(t.tiny_files for t in demo) and sum(t.projection for t in demo) == 1
    assert any(t.hollow_buckets for t in demo)
    clean = [
        t for t in demo if t == TableSpec(t.suffix, t.rows, files_per_bucket=t.files_per_bucket)
    ]
    assert len(clean) >= 2
    assert sum(t.rows for t in demo_tables(3)) == 3 * sum(t.rows for t in demo)
    bench = bench_tables(3, 1000)
    assert [t.rows for t in bench] == [1000] * 3 and all(t.bucket_count == 256 for t in bench)
    assert len({t.suffix for t in bench}) == 3


def test_hollow_buckets_are_registered_folders_without_data(tmp_path: Path) -> None:
    spec = TableSpec("hollow", 64, 4, hollow_buckets=(1,))
    expected = build_lake(tmp_path, "db", "lake", [spec], as_of=AS_OF)["part_hollow"]
    folder = tmp_path / "s3" / "lake" / "tables" / "part_hollow" / "id_bucket=1"
    assert sorted(p.name for p in folder.iterdir()) == ["_SUCCESS"]
    assert (folder / "_SUCCESS").stat().st_size == 0
    parts = json.loads((tmp_path / "glue" / "db" / "part_hollow.partitions.json").read_text())
    assert sorted(p["Values"][0] for p in parts) == ["0", "1", "2", "3"]
    assert (expected.s3_partitions, expected.glue_partitions_before) == (4, 4)
    assert expected.rows_written == 48  # bucket 1's 16 rows were never written
    with pytest.raises(ValueError, match="hollow_buckets are stored and registered"):
        build_lake(
            tmp_path / "x",
            "db",
            "lake",
            [TableSpec("h", 8, 4, hollow_buckets=(1,), missing_s3_buckets=(1,))],
            as_of=AS_OF,
        )
