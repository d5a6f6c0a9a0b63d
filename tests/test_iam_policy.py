"""The IAM policy grants exactly what the code calls: the AWS calls the monitor makes in an
end-to-end run on the local endpoints are recorded and compared with infra/iam_actions.json."""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import botocore.client
import pytest

from tests import lake_fixture
from tests.conftest import RunCli
from tests.test_aws_run import REGION, aws_args

ROOT = Path(__file__).resolve().parents[1]
# IAM names of the S3 operations the monitor uses; the other services' match their API names.
S3_ACTIONS = {
    "ListObjectsV2": "s3:ListBucket",
    "GetObject": "s3:GetObject",
    "PutObject": "s3:PutObject",
}
SERVICE_PREFIX = {"s3": "s3", "glue": "glue", "athena": "athena", "sns": "sns"}
# Threads of the test harness (the local Athena endpoint and its HTTP server), not the monitor
HARNESS_THREADS = ("local-athena", "athena-")


def iam_action(service: str, operation: str) -> str:
    if service == "s3":
        return S3_ACTIONS.get(operation, f"s3:{operation}")
    return f"{SERVICE_PREFIX.get(service, service)}:{operation}"


class Recorder:
    """IAM actions of the AWS calls made by the monitor's threads inside ``recording()``."""

    def __init__(self) -> None:
        self.actions: set[str] = set()
        self._on = threading.Event()

    @contextlib.contextmanager
    def recording(self) -> Iterator[None]:
        self._on.set()
        try:
            yield
        finally:
            self._on.clear()

    def note(self, service: str, operation: str) -> None:
        name = threading.current_thread().name
        harness = name.startswith(HARNESS_THREADS) or "process_request_thread" in name
        if self._on.is_set() and not harness:
            self.actions.add(iam_action(service, operation))


@pytest.fixture
def recorder(monkeypatch: pytest.MonkeyPatch) -> Recorder:
    recorder = Recorder()
    original = botocore.client.BaseClient._make_api_call

    def record(self: Any, operation: str, params: Any) -> Any:
        recorder.note(self.meta.service_model.service_name, operation)
        return original(self, operation, params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", record)
    return recorder


def test_the_policy_grants_exactly_the_calls_the_code_makes(
    run_cli: RunCli, aws_lake: dict[str, str], local_athena: Any, recorder: Recorder
) -> None:
    with recorder.recording():  # repair through Athena DDL, reports, docs, SNS
        run_cli(*aws_args(aws_lake["topic"], "--tables", "part_unreg,part_pk,part_tiny"))
    glue = boto3.client("glue", region_name=REGION)  # make part_unreg need a repair again
    glue.batch_delete_partition(
        DatabaseName=lake_fixture.DATABASE,
        TableName="part_unreg",
        PartitionsToDelete=[{"Values": [v]} for v in ("2", "5", "11")],
    )
    local_athena.hang(r"part_pk")
    flags = [
        "--tables",
        "part_unreg,part_pk",
        "--auto_repair",
        "glue",
        "--query_timeout_seconds",
        "2",
        "--data_docs",
        "false",
    ]
    with recorder.recording():  # repair through the Glue API; a query stopped at its limit
        run_cli(*aws_args(aws_lake["topic"], *flags))
    policy = json.loads((ROOT / "infra" / "iam_actions.json").read_text())
    granted = {a["action"] for a in policy["actions"]}
    from_code = {
        a["action"] for a in policy["actions"] if "code" in a["basis"] or "pyathena" in a["basis"]
    }
    recorded = recorder.actions
    assert recorded <= granted, sorted(recorded - granted)  # nothing the code does is denied
    # every action granted because the code calls it was really called
    assert from_code - recorded == set(), sorted(from_code - recorded)
