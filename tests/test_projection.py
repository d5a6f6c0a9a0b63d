"""Partition projection read the way Athena's documentation defines it.

The examples are the documentation's own, with its column names replaced by id_bucket:
- integer type, range, interval, digits:
  https://docs.aws.amazon.com/athena/latest/ug/partition-projection-supported-types.html
- storage.location.template:
  https://docs.aws.amazon.com/athena/latest/ug/partition-projection-setting-up.html
- a template per ID, and integer bucket IDs (range "1,1000000"):
  https://docs.aws.amazon.com/athena/latest/ug/partition-projection-dynamic-id-partitioning.html
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from custom_expectations.expect_id_bucket_partitions_registered import projection_problems
from data_monitor.model.catalog import Projection, TableMeta, split_template

LOCATION = "s3://lake/t/"


def collect(*args: Any, **kwargs: Any) -> Any:
    """A table's whole inventory, both steps of ``begin`` one after the other."""
    from data_monitor.lake.inventory import begin

    inventory, finish = begin(*args, **kwargs)
    finish()
    return inventory


def integer(rng: str = "0,255", **settings: str) -> Projection:
    return Projection(True, "integer", rng, **settings)


# ----------------------------------------------------------------- the documented settings


@pytest.mark.parametrize(
    ("rng", "bounds"),
    [("0,10", (0, 10)), ("-1,8675309", (-1, 8675309)), ("0001,9999", (1, 9999))],
)
def test_range_examples_of_the_docs(rng: str, bounds: tuple[int, int]) -> None:
    assert integer(rng).bounds() == bounds
    assert integer(rng).problems() == []


@pytest.mark.parametrize("rng", [" 0,255 ", "0, 255", " 000 , 255 ", "000,255"])
def test_range_allows_white_space_and_leading_zeroes(rng: str) -> None:
    assert integer(rng).bounds() == (0, 255)


@pytest.mark.parametrize("key_type", ["integer", " Integer ", "INTEGER", "\tinteger\n"])
def test_type_is_case_insensitive_with_white_space_around(key_type: str) -> None:
    assert Projection(True, key_type, "0,255").problems() == []


def test_interval_examples_of_the_docs() -> None:
    # "a range value of "1,3" with an interval value of "1" produces the values 1, 2, and 3.
    # The same range value with an interval value of "2" produces the values 1 and 3"
    assert integer("1,3", interval="1").values() == [1, 2, 3]
    assert integer("1,3", interval="2").values() == [1, 3]
    assert integer("1,3").values() == [1, 2, 3]  # "The default is 1."
    assert integer("1,3", interval=" 2 ").values() == [1, 3]


def test_digits_examples_of_the_docs() -> None:
    # "a range value of "1,3" that has a digits value of "1" produces the values 1, 2, and 3.
    # The same range value with a digits value of "2" produces the values 01, 02, and 03."
    one, two = integer("1,3", digits="1"), integer("1,3", digits=" 2 ")
    assert [one.value_text(v) for v in one.values()] == ["1", "2", "3"]
    assert [two.value_text(v) for v in two.values()] == ["01", "02", "03"]
    assert integer("1,3").value_text(3) == "3"  # "no static number of digits"
    assert integer("0,255", digits="3").value_text(7) == "007"
    assert integer("0,255", digits="2").value_text(100) == "100"  # never cut


def test_digits_decide_the_location_athena_reads() -> None:
    projection = integer("0,255", digits="3")
    assert projection.location_for(LOCATION, 7) == "s3://lake/t/id_bucket=007/"
    assert integer().location_for(LOCATION, 7) == "s3://lake/t/id_bucket=7/"


@pytest.mark.parametrize(
    ("settings", "problem"),
    [
        (
            {"key_type": "enum"},
            "projection.id_bucket.type is enum, expected integer",
        ),
        (
            {"key_type": None},
            "projection.id_bucket.type is not set, expected integer",
        ),
        (
            # the values "must be separated by a comma, not a hyphen"
            {"range": "0-255"},
            "projection.id_bucket.range is 0-255, expected two comma-separated integers low,high",
        ),
        (
            {"range": "0,255,511"},
            "projection.id_bucket.range is 0,255,511, expected two comma-separated integers "
            "low,high",
        ),
        ({"interval": "0"}, "projection.id_bucket.interval is 0, expected a positive integer"),
        ({"interval": "-1"}, "projection.id_bucket.interval is -1, expected a positive integer"),
        ({"interval": "one"}, "projection.id_bucket.interval is one, expected a positive integer"),
        ({"digits": "0"}, "projection.id_bucket.digits is 0, expected a positive integer"),
        ({"digits": ""}, "projection.id_bucket.digits is '', expected a positive integer"),
        (
            # the documentation's invalid template: no placeholder for the partition column
            {"location_template": "s3://bucket/table_root/some_static_subdirectory/"},
            "storage.location.template s3://bucket/table_root/some_static_subdirectory/ has "
            "no ${id_bucket} placeholder",
        ),
        (
            {"location_template": "s3://bucket/t/${a}/${id_bucket}/"},
            "storage.location.template s3://bucket/t/${a}/${id_bucket}/ has ${a}, expected "
            "only ${id_bucket}",
        ),
    ],
)
def test_settings_athena_cannot_project_from(settings: dict[str, Any], problem: str) -> None:
    fields: dict[str, Any] = {"key_type": "integer", "range": "0,255", **settings}
    projection = Projection(True, **fields)
    assert projection.problems() == [problem]
    assert projection.usable() is False
    assert projection.values() == []  # Athena reads nothing from settings it cannot use


def test_template_examples_of_the_docs() -> None:
    # the dynamic ID page's template has no trailing slash; a partition is still a folder
    per_id = integer(location_template="s3://bucket/prefix/${id_bucket}")
    assert per_id.problems() == []
    assert per_id.location_for(LOCATION, 7) == "s3://bucket/prefix/7/"
    # a column may appear more than once ("c=${c}/${b}/some_static_subdirectory/${a}/${b}/...")
    template = (
        "s3://bucket/table_root/id_bucket=${id_bucket}/some_static_subdirectory/${id_bucket}/"
    )
    repeated = integer(digits="2", location_template=template)
    assert repeated.location_for(LOCATION, 7) == (
        "s3://bucket/table_root/id_bucket=07/some_static_subdirectory/07/"
    )
    assert split_template(repeated.template_for(LOCATION)) == (
        "s3://bucket/table_root/",
        "id_bucket=${id_bucket}",
        "some_static_subdirectory/${id_bucket}/",
    )


def test_default_template_is_the_hive_layout_under_the_table() -> None:
    assert integer().template_for(LOCATION) == "s3://lake/t/id_bucket=${id_bucket}/"
    assert split_template(integer().template_for(LOCATION)) == (
        LOCATION,
        "id_bucket=${id_bucket}",
        "",
    )


@pytest.mark.parametrize(
    ("digits", "name", "bucket"),
    [
        (None, "id_bucket=7/", 7),
        (None, "id_bucket=007/", None),  # Athena reads id_bucket=7/ for 7 without digits
        ("3", "id_bucket=007/", 7),
        ("3", "id_bucket=7/", None),  # ... and id_bucket=007/ with digits 3
        ("3", "id_bucket=1000/", 1000),
        ("3", "id_bucket=x/", None),
        ("3", "_metadata/", None),
    ],
)
def test_folder_names_athena_reads(digits: str | None, name: str, bucket: int | None) -> None:
    projection = integer(digits=digits) if digits else integer()
    assert projection.bucket_of_folder("id_bucket=${id_bucket}", name) == bucket


def test_table_parameters_are_read_from_glue() -> None:
    table = TableMeta.from_glue(
        "db",
        {
            "Name": "part_x",
            "StorageDescriptor": {"Location": "s3://lake/t"},
            "PartitionKeys": [{"Name": "id_bucket", "Type": "int"}],
            "Parameters": {
                "projection.enabled": "TRUE",
                "projection.id_bucket.type": " Integer ",
                "projection.id_bucket.range": "000,255",
                "projection.id_bucket.interval": "1",
                "projection.id_bucket.digits": "3",
                "storage.location.template": "s3://lake/t/b=${id_bucket}/",
            },
        },
    )
    assert table.projection == Projection(
        True, " Integer ", "000,255", "1", "3", "s3://lake/t/b=${id_bucket}/"
    )
    assert table.projection.location_for(table.location, 7) == "s3://lake/t/b=007/"


# ------------------------------------------------- judged against --bucket_count and storage


def record(projection: Projection, **facts: Any) -> dict[str, Any]:
    return {**projection.record(), **facts}


ALL = list(range(256))


def test_accepted_projection_has_no_problem() -> None:
    accepted = Projection(True, " Integer ", "000,255", digits="3")
    assert projection_problems(record(accepted), 256, ALL) == []


def test_range_not_covering_the_buckets() -> None:
    assert projection_problems(record(integer("0,127")), 256, ALL) == [
        "projection.id_bucket.range is 0,127, expected 0,255"
    ]
    assert projection_problems(record(integer("255,0")), 256, ALL) == [
        "projection.id_bucket.range is 255,0, expected 0,255"
    ]


def test_bucketing_example_range_is_accepted_by_athena_but_not_the_buckets() -> None:
    bucketing = integer("1,1000000")
    assert bucketing.problems() == []
    assert projection_problems(record(bucketing), 256, ALL) == [
        "projection.id_bucket.range is 1,1000000, expected 0,255"
    ]


def test_interval_skipping_buckets() -> None:
    assert projection_problems(record(integer(interval="2")), 256, ALL) == [
        "projection.id_bucket.interval is 2, expected 1: Athena skips 128 of the 256 "
        "id_buckets (1, 3, 5, ...)"
    ]
    assert projection_problems(record(integer("0,0", interval="5")), 1, [0]) == []


def test_settings_problems_are_not_judged_against_storage() -> None:
    broken = Projection(True, "enum", "0,255")
    assert projection_problems(record(broken), 256, []) == [
        "projection.id_bucket.type is enum, expected integer"
    ]


def test_data_the_projection_does_not_read() -> None:
    unread = [
        {
            "bucket": b,
            "location": f"{LOCATION}id_bucket={b:03d}/",
            "stored": f"{LOCATION}id_bucket={b}/",
        }
        for b in range(4)
    ]
    facts = record(integer(digits="3"), unread=unread, unread_count=256)
    assert projection_problems(facts, 256, []) == [
        "256 id_bucket partition(s) hold data Athena does not read: id_bucket=0 is read from "
        "s3://lake/t/id_bucket=000/ but stored in s3://lake/t/id_bucket=0/ (255 more like it)"
    ]
    one = record(integer(), unread=unread[3:], unread_count=1)
    assert projection_problems(one, 256, []) == [
        "1 id_bucket partition(s) hold data Athena does not read: id_bucket=3 is read from "
        "s3://lake/t/id_bucket=003/ but stored in s3://lake/t/id_bucket=3/"
    ]


def test_template_pointing_at_no_data() -> None:
    template = "s3://lake/staging/t/${id_bucket}/"
    facts = record(integer(location_template=template))
    assert projection_problems(facts, 256, []) == [
        "storage.location.template s3://lake/staging/t/${id_bucket}/ points at no data: none "
        "of the 256 locations it gives for id_bucket 0..255 holds any"
    ]
    assert projection_problems(facts, 256, [3]) == []  # missing buckets are [S3_PARTITIONS]'s
    assert projection_problems(facts, 256, None) == []  # storage unreadable: settings only


# ------------------------------------------------------------ the inventory of a projected table


def _local_backend(warehouse: Any) -> Any:
    from data_monitor.backends.base import Backend
    from data_monitor.backends.local.catalog import LocalCatalog
    from data_monitor.backends.local.store import LocalStore

    return Backend("local", LocalStore(warehouse), LocalCatalog(warehouse), None, None)  # type: ignore[arg-type]


def _put(warehouse: Any, key: str, size: int = 10) -> None:
    path = warehouse / "s3" / "lake" / key
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"x" * size)


def _table(**parameters: str) -> TableMeta:
    return TableMeta.from_glue(
        "db",
        {
            "Name": "part_t",
            "StorageDescriptor": {"Location": LOCATION},
            "PartitionKeys": [{"Name": "id_bucket", "Type": "int"}],
            "Parameters": {
                "projection.enabled": "true",
                "projection.id_bucket.type": "integer",
                "projection.id_bucket.range": "0,3",
                **parameters,
            },
        },
    )


def test_inventory_reads_a_template_deeper_than_the_bucket_folder(tmp_path: Any) -> None:
    from data_monitor.model.settings import Settings

    for b in (0, 1, 3):
        _put(tmp_path, f"t/b={b}/data/part-0.parquet")
    _put(tmp_path, "t/b=2/other/part-0.parquet")  # not where the template says
    # a stale registration at a staging prefix: Athena ignores it while projection is enabled
    stale = [{"Values": ["0"], "StorageDescriptor": {"Location": "s3://lake/staging/b=0/"}}]
    partitions = tmp_path / "glue" / "db" / "part_t.partitions.json"
    partitions.parent.mkdir(parents=True)
    partitions.write_text(json.dumps(stale))
    table = _table(**{"storage.location.template": "s3://lake/t/b=${id_bucket}/data/"})
    settings = Settings(database="db", report_bucket="r", bucket_count=4, file_size_check=True)
    inv = collect(_local_backend(tmp_path), settings, table)
    assert inv.errors == {}
    assert inv.storage_buckets == [0, 1, 3]
    assert inv.misplaced_partitions == []
    assert inv.registered_buckets_before == []  # not listed: Athena does not read them
    assert [f["uri"] for f in inv.file_sample] == [
        f"s3://lake/t/b={b}/data/part-0.parquet" for b in (0, 1, 3)
    ]
    assert projection_problems(inv.projection, 4, inv.storage_buckets) == []


def test_inventory_records_the_folders_athena_does_not_read(tmp_path: Any) -> None:
    from data_monitor.model.settings import Settings

    for name in ("id_bucket=000", "id_bucket=1", "id_bucket=002", "id_bucket=3"):
        _put(tmp_path, f"t/{name}/part-0.parquet")
    settings = Settings(database="db", report_bucket="r", bucket_count=4)
    inv = collect(
        _local_backend(tmp_path), settings, _table(**{"projection.id_bucket.digits": "3"})
    )
    assert inv.storage_buckets == [0, 2]
    assert inv.projection["unread_count"] == 2
    assert inv.projection["unread"] == [
        {"bucket": 1, "location": f"{LOCATION}id_bucket=001/", "stored": f"{LOCATION}id_bucket=1/"},
        {"bucket": 3, "location": f"{LOCATION}id_bucket=003/", "stored": f"{LOCATION}id_bucket=3/"},
    ]
    assert projection_problems(inv.projection, 4, inv.storage_buckets) == [
        "2 id_bucket partition(s) hold data Athena does not read: id_bucket=1 is read from "
        "s3://lake/t/id_bucket=001/ but stored in s3://lake/t/id_bucket=1/ (1 more like it)"
    ]


def test_inventory_of_settings_athena_cannot_use_lists_the_hive_layout(tmp_path: Any) -> None:
    from data_monitor.model.settings import Settings

    for b in range(4):
        _put(tmp_path, f"t/id_bucket={b}/part-0.parquet")
    settings = Settings(database="db", report_bucket="r", bucket_count=4)
    table = _table(**{"projection.id_bucket.type": "enum"})
    inv = collect(_local_backend(tmp_path), settings, table)
    assert inv.storage_buckets == [0, 1, 2, 3]
    assert inv.projection["problems"] == ["projection.id_bucket.type is enum, expected integer"]
    assert projection_problems(inv.projection, 4, inv.storage_buckets) == [
        "projection.id_bucket.type is enum, expected integer"
    ]
