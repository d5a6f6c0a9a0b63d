"""Shared fixtures: the test lake in a local warehouse, and running the CLI in-process."""

from __future__ import annotations

import contextlib
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from data_monitor.cli import main
from data_monitor.demo.lakegen import build_lake
from data_monitor.demo.specs import Expected
from tests import lake_fixture
from tests.aws_lake import prepare_account
from tests.aws_role import JobRole, deployment, role_policy
from tests.harness.conftest import (  # noqa: F401
    _moto_process,
    iam,
    local_athena,
    local_cleanrooms,
    moto_server,
)


@pytest.fixture(scope="session")
def built_lake(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Expected]]:
    """The test lake, built once; tests copy it (runs repair, i.e. change, the catalog)."""
    root = tmp_path_factory.mktemp("lake") / "warehouse"
    expected = build_lake(
        root,
        lake_fixture.DATABASE,
        lake_fixture.BUCKET,
        lake_fixture.SPECS,
        as_of=lake_fixture.AS_OF,
    )
    return root, expected


@pytest.fixture
def warehouse(built_lake: tuple[Path, dict[str, Expected]], tmp_path: Path) -> Path:
    """A private copy of the test lake's warehouse."""
    copy = tmp_path / "warehouse"
    shutil.copytree(built_lake[0], copy)
    return copy


@pytest.fixture
def expected(built_lake: tuple[Path, dict[str, Expected]]) -> dict[str, Expected]:
    return built_lake[1]


RunCli = Callable[..., tuple[int, str, str]]


@pytest.fixture
def run_cli(capsys: pytest.CaptureFixture[str], request: pytest.FixtureRequest) -> RunCli:
    """Run ``data-monitor <args>`` in-process; returns (exit code, stdout, stderr).

    In a test on the local AWS endpoints (``aws_lake``), a ``--backend aws`` run is made as the
    job role (``job_role``) with IAM enforced."""
    role = request.getfixturevalue("job_role") if "aws_lake" in request.fixturenames else None

    def run(*args: str) -> tuple[int, str, str]:
        aws = "--backend" in args and args[args.index("--backend") + 1 :][:1] == ("aws",)
        with role.acting() if role is not None and aws else contextlib.nullcontext():
            code = main(list(args))
        out, err = capsys.readouterr()
        return code, out, err

    return run


def flag_args(flags: dict[str, str]) -> list[str]:
    return [item for name, value in flags.items() for item in (f"--{name}", value)]


def read_report(warehouse: Path, suffix: str = "json") -> Any:
    path = (
        warehouse
        / "s3"
        / lake_fixture.REPORT_BUCKET
        / "data-monitor"
        / f"omc_monitor_report_{lake_fixture.AS_OF.isoformat()}.{suffix}"
    )
    return json.loads(path.read_text()) if suffix == "json" else path.read_text()


@pytest.fixture
def aws_lake(built_lake: tuple[Path, Any], moto_server: str, local_athena: Any) -> dict[str, str]:
    """The test lake in moto's S3 + Glue, report/results buckets, and an SNS topic whose
    messages land in an SQS queue (``topic``, ``queue_url``)."""
    return prepare_account(built_lake[0], lake_fixture.REPORT_BUCKET)


@pytest.fixture
def job_role(aws_lake: dict[str, str], iam: Any) -> JobRole:
    """The job role of infra/monitoring.yaml, deployed for the test account's lake."""
    return JobRole(iam, role_policy(deployment()))
