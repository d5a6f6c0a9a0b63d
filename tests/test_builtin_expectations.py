"""GX's built-in expectations, added in suite JSON, on both backends exactly as GX means them.

The catalog (tests/builtin_catalog.py) runs as one per-table suite file on the awkward table,
through the local backend (DuckDB) and the AWS backend (the local Athena endpoint, as the job
role with IAM enforced). For every entry the verdict and GX's count or observed value must be
identical on both backends and equal to GX's own pandas result over the same rows, but for the
few entries where GX's SQL and pandas implementations disagree with each other on any SQL
database (``sql_verdict``: GX's SQL result is asserted instead, and the README says why). Results are read from the validation results
each run stores for its Data Docs.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from tests import builtin_catalog as bc
from tests.aws_lake import prepare_account
from tests.aws_role import JobRole, deployment, role_policy
from tests.conftest import RunCli, flag_args
from tests.harness.iam import Enforcement

ROOT = Path(__file__).resolve().parents[1]
REGION = "us-east-1"
RESULTS = "s3://test-athena/results/"
SUITE = "part_table_data"
SHARED_QUERIES = (
    1  # the shared table suite's queries per table: the key scan, with the source count
)


def catalog_suite(gx_dir: Path) -> None:
    suite = {
        "expectations": [{**e.config(), "meta": {"catalog": i}} for i, e in enumerate(bc.CATALOG)]
    }
    (gx_dir / "expectations" / f"{SUITE}.{bc.TABLE}.json").write_text(json.dumps(suite))


@pytest.fixture(scope="module")
def types_lake(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    warehouse = tmp_path_factory.mktemp("types-lake") / "warehouse"
    bc.build(warehouse)
    yield warehouse
    shutil.rmtree(warehouse, ignore_errors=True)


@pytest.fixture(scope="module")
def pandas_verdicts() -> dict[int, dict[str, Any]]:
    data = bc.frame()
    return {
        i: bc.verdict(bc.pandas_result(e, data))
        for i, e in enumerate(bc.CATALOG)
        if e.oracle == "pandas"
    }


@pytest.fixture(scope="module")
def query_counts(types_lake: Path) -> tuple[dict[int, int], int]:
    return bc.count_queries(types_lake)


def flags(gx_dir: Path) -> list[str]:
    return flag_args(
        {
            "database": bc.DATABASE,
            "report_bucket": bc.REPORT_BUCKET,
            "bucket_count": str(bc.BUCKETS),
            "as_of": bc.AS_OF.isoformat(),
            "tables": bc.TABLE,
            "gx_dir": str(gx_dir),
        }
    )


def by_index(documents: list[dict[str, Any]]) -> dict[int, dict[str, Any]]:
    """The catalog's results (one validation result document per suite and table)."""
    found: dict[int, dict[str, Any]] = {}
    for document in documents:
        for result in document["results"]:
            meta = result["expectation_config"].get("meta") or {}
            if "catalog" in meta:
                found[int(meta["catalog"])] = result
    return found


def errors_of(results: dict[int, dict[str, Any]]) -> dict[int, str]:
    """The entries that could not run, and why."""
    failed = {}
    for index, result in results.items():
        info = result.get("exception_info") or {}
        entries = [info] if "raised_exception" in info else list(info.values())
        for entry in entries:
            if isinstance(entry, dict) and entry.get("raised_exception"):
                failed[index] = str(entry.get("exception_message"))[:300]
    return failed


def local_run(run_cli: RunCli, lake: Path, tmp_path: Path) -> tuple[dict[int, Any], Any]:
    warehouse, gx_dir = tmp_path / "warehouse", tmp_path / "gx"
    shutil.copytree(lake, warehouse)
    shutil.copytree(ROOT / "gx", gx_dir)
    catalog_suite(gx_dir)
    code, _, err = run_cli("run", *flags(gx_dir), "--warehouse", str(warehouse))
    assert code == 1, err[-3000:]
    stored = (warehouse / "gx-validations" / SUITE).rglob("*.json")
    report_path = warehouse / "s3" / bc.REPORT_BUCKET / "data-monitor"
    report = json.loads(next(report_path.glob("omc_monitor_report_*.json")).read_text())
    return by_index([json.loads(p.read_text()) for p in stored]), report


def assert_as_gx(results: dict[int, dict[str, Any]], oracle: dict[int, dict[str, Any]]) -> None:
    assert errors_of(results) == {}
    assert sorted(results) == list(range(len(bc.CATALOG)))
    got = {i: bc.verdict(results[i]) for i in oracle}
    want = {i: bc.CATALOG[i].sql_verdict or v for i, v in oracle.items()}
    assert {i: v for i, v in got.items() if v != want[i]} == {}


def test_the_catalog_is_large_enough() -> None:
    kinds = {e.type for e in bc.CATALOG}
    assert len(bc.CATALOG) >= 40 and len(kinds) >= 34
    for family in ("expect_table_", "expect_column_pair_", "expect_compound_", "expect_multi"):
        assert any(k.startswith(family) for k in kinds), family


def test_local_backend_gives_gx_verdicts(
    run_cli: RunCli,
    types_lake: Path,
    tmp_path: Path,
    pandas_verdicts: dict[int, dict[str, Any]],
) -> None:
    results, report = local_run(run_cli, types_lake, tmp_path)
    assert_as_gx(results, pandas_verdicts)
    alerts = report["alerts"]
    assert not [a for a in alerts if a.startswith("[ERROR]")]
    # what GX counted, in words
    assert not [a for a in alerts if "observed None" in a or "(**{" in a or "batch_id" in a]
    table = f"[EXPECTATION] {bc.TABLE}:"
    assert (
        f"{table} active distinct values must belong to this set: True. "
        "— observed 1 unexpected distinct value(s)" in alerts
    )
    assert (
        f"{table} missing_column is a required field. — observed the column is not in the table"
        in alerts
    )
    assert (  # 4 of the 48 rows have no qty: GX's percentage is of the other 44
        f"{table} Values in qty and qty_next must always be equal. "
        "— observed 44 unexpected row(s) of 48 (100.00% of the 44 not NULL)" in alerts
    )
    assert (
        f"{table} name values must be of type BIGINT. — observed string" in alerts
    )  # the Glue type
    assert (
        f"{table} Row count must equal the row count of table part_other. — observed self=48, other=20"
        in alerts
    )


def test_aws_backend_gives_the_same_verdicts_as_the_job_role(
    run_cli: RunCli,
    types_lake: Path,
    tmp_path: Path,
    moto_server: str,
    local_athena: Any,
    iam: Enforcement,
    pandas_verdicts: dict[int, dict[str, Any]],
    query_counts: tuple[dict[int, int], int],
) -> None:
    local, _ = local_run(run_cli, types_lake, tmp_path / "local")
    prepare_account(types_lake, bc.REPORT_BUCKET, REGION)
    gx_dir = tmp_path / "gx"
    shutil.copytree(ROOT / "gx", gx_dir)
    catalog_suite(gx_dir)
    role = JobRole(
        iam,
        role_policy(
            deployment(
                DatabaseName=bc.DATABASE, DataBucket=bc.BUCKET, ReportBucket=bc.REPORT_BUCKET
            )
        ),
    )
    args = ["--backend", "aws", "--athena_results", RESULTS, "--region", REGION]
    with role.acting():
        code, _, err = run_cli("run", *flags(gx_dir), *args)
    assert iam.denied() == [], iam.denied()
    athena_queries = len(local_athena.queries)
    s3 = boto3.client("s3", region_name=REGION)
    report = json.loads(
        s3.get_object(
            Bucket=bc.REPORT_BUCKET, Key=f"data-monitor/omc_monitor_report_{bc.AS_OF}.json"
        )["Body"].read()
    )
    assert [a for a in report["alerts"] if a.startswith("[ERROR]")] == []
    assert report.get("failures", []) == []
    assert code == 1, err[-2000:]
    prefix = "data-monitor/data-docs-results/" + SUITE + "/"
    listed = s3.list_objects_v2(Bucket=bc.REPORT_BUCKET, Prefix=prefix).get("Contents", [])
    documents = [
        json.loads(s3.get_object(Bucket=bc.REPORT_BUCKET, Key=o["Key"])["Body"].read())
        for o in listed
    ]
    results = by_index(documents)
    assert_as_gx(results, pandas_verdicts)
    # identical on both backends, every entry (also those without a pandas oracle)
    assert {i: bc.verdict(r) for i, r in results.items()} == {
        i: bc.verdict(r) for i, r in local.items()
    }
    # no reflection: GX's column metadata came from Glue, not from GetTableMetadata
    assert local_athena.operations["GetTableMetadata"] == 0
    # the catalog costs on Athena what it costs on DuckDB (and what `suites check` says); the
    # shared suite adds its 2 (the key scan and the source count)
    assert athena_queries == query_counts[1] + SHARED_QUERIES


def test_the_readme_table_lists_every_builtin_type(
    query_counts: tuple[dict[int, int], int],
) -> None:
    readme = (ROOT / "README.md").read_text()
    table = re.search(r"<!-- builtin-table -->\n(.*?)<!-- /builtin-table -->", readme, re.S)
    assert table, "the README's table of built-in expectations is missing"
    assert table[1] == bc.readme_table(query_counts[0])
    assert len(bc.builtin_types()) == 59
    assert f"{query_counts[1]} queries for its {len(bc.CATALOG)} expectations" in readme


def test_suites_check_refuses_what_cannot_run_on_sql(run_cli: RunCli, tmp_path: Path) -> None:
    gx_dir = tmp_path / "gx"
    shutil.copytree(ROOT / "gx", gx_dir)
    refused = [e.config() for e in bc.NOT_ON_SQL]
    suite = {"expectations": [bc.CATALOG[0].config(), *refused]}
    path = gx_dir / "expectations" / f"{SUITE}.{bc.TABLE}.json"
    path.write_text(json.dumps(suite))
    code, out, err = run_cli("suites", "check", "--gx_dir", str(gx_dir))
    assert code == 1
    lines = err.strip().splitlines()
    assert lines == [
        f"{path}: expectations[{i + 1}] ({e.type}): cannot run on either backend "
        f"(local DuckDB, aws Athena): GX 1.24 computes {metric} with pandas or Spark only"
        for i, (e, metric) in enumerate(
            zip(
                bc.NOT_ON_SQL,
                [
                    "column_values.dateutil_parseable.unexpected_count",
                    "column_values.increasing.unexpected_count",
                    "column_values.decreasing.unexpected_count",
                    "column_values.json_parseable.unexpected_count",
                    "column_values.match_json_schema.unexpected_count",
                    "column_values.match_strftime_format.unexpected_count",
                ],
                strict=True,
            )
        )
    ]
    # the run refuses it too, before reading anything (exit 2)
    code, _, err = run_cli("run", *flags(gx_dir), "--warehouse", str(tmp_path / "nowhere"))
    assert code == 2
    assert "cannot run on either backend" in err


def test_suites_check_prints_what_the_catalog_costs_per_table(
    run_cli: RunCli, tmp_path: Path, query_counts: tuple[dict[int, int], int]
) -> None:
    gx_dir = tmp_path / "gx"
    shutil.copytree(ROOT / "gx", gx_dir)
    catalog_suite(gx_dir)
    code, out, err = run_cli("suites", "check", "--gx_dir", str(gx_dir))
    assert code == 0, err
    shared = gx_dir / "expectations" / f"{SUITE}.json"
    assert (
        f"{shared}: 6 expectation(s), batch table: ok; {SHARED_QUERIES} SQL query per table" in out
    )
    total = query_counts[1] + SHARED_QUERIES  # what the aws test counts at the Athena endpoint
    assert (
        f"{len(bc.CATALOG)} expectation(s), batch table: ok; {total} SQL queries for "
        f"{bc.TABLE}, with {SUITE}.json" in out
    )
