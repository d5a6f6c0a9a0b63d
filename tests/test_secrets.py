"""Nothing secret leaves the run: credentials never appear in output, reports, docs or alerts."""

from __future__ import annotations

from typing import Any

import boto3
import pytest

from tests import lake_fixture
from tests.conftest import RunCli
from tests.test_aws_run import REGION, aws_args

SESSION_TOKEN = "FQoGZXIvYXdzEXAMPLEsessionTOKENzQ3N2Y5"
SECRET_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY"


def test_credentials_stay_out_of_everything_the_run_writes(
    run_cli: RunCli,
    aws_lake: dict[str, str],
    local_athena: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
    monkeypatch.setenv("AWS_SESSION_TOKEN", SESSION_TOKEN)
    # an error path too: the statement and the key scan sent alone both fail
    local_athena.fail_next(r"part_pk", "Access denied", times=2)
    code, out, err = run_cli(*aws_args(aws_lake["topic"], "--tables", "part_pk,part_unreg"))
    assert code == 3
    s3 = boto3.client("s3", region_name=REGION)
    written = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=lake_fixture.REPORT_BUCKET):
        for obj in page.get("Contents", []):
            body = s3.get_object(Bucket=lake_fixture.REPORT_BUCKET, Key=obj["Key"])["Body"]
            written.append(body.read().decode("utf-8", errors="replace"))
    sqs = boto3.client("sqs", region_name=REGION)
    messages = sqs.receive_message(QueueUrl=aws_lake["queue_url"], WaitTimeSeconds=1)
    written += [m["Body"] for m in messages.get("Messages", [])]
    assert len(written) > 10  # reports, summary, Data Docs pages, the alert
    for text in [out, err, *written]:
        assert SESSION_TOKEN not in text
        assert SECRET_KEY not in text
        assert "X-Amz-Security-Token" not in text
