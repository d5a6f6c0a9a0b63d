"""Shared fixtures: a moto server (S3 + Glue) and a LocalAthena endpoint in front of it.

``moto_server`` yields the moto endpoint URL with a clean moto state and fake credentials in the
environment (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY=testing, AWS_DEFAULT_REGION=us-east-1), and
points boto3's S3 and Glue clients at moto (AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL_GLUE).
``local_athena`` yields a started ``LocalAthena`` and sets AWS_ENDPOINT_URL_ATHENA to it, so
``pyathena.connect(...)`` and ``boto3.client("athena")`` reach it without extra arguments.
"""

from __future__ import annotations

import logging
import urllib.request
from collections.abc import Iterator

import pytest
from moto.server import ThreadedMotoServer

from . import moto_glue
from .iam import Enforcement
from .local_athena import LocalAthena
from .local_cleanrooms import LocalCleanRooms

REGION = "us-east-1"


@pytest.fixture(scope="session")
def _moto_process() -> Iterator[str]:
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # moto's per-request access log
    moto_glue.install()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture
def moto_server(
    _moto_process: str, monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> str:
    """Endpoint URL of a (session-wide) moto server whose state is reset for this test."""
    missing = str(tmp_path_factory.getbasetemp() / "no-aws-config")
    for name in (
        "AWS_PROFILE",
        "AWS_SESSION_TOKEN",
        "AWS_SECURITY_TOKEN",
        "AWS_ENDPOINT_URL",
        "AWS_ROLE_ARN",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_CONFIG_FILE", missing)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", missing)
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", _moto_process)
    monkeypatch.setenv("AWS_ENDPOINT_URL_GLUE", _moto_process)
    monkeypatch.setenv("AWS_ENDPOINT_URL_SNS", _moto_process)
    monkeypatch.setenv("AWS_ENDPOINT_URL_SQS", _moto_process)
    monkeypatch.setenv("AWS_ENDPOINT_URL_CLOUDWATCH", _moto_process)
    monkeypatch.setenv("AWS_ENDPOINT_URL_EVENTBRIDGE", _moto_process)
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", _moto_process)
    monkeypatch.setenv("AWS_ENDPOINT_URL_IAM", _moto_process)
    monkeypatch.setenv("AWS_ENDPOINT_URL_KMS", _moto_process)
    request = urllib.request.Request(f"{_moto_process}/moto-api/reset", method="POST")
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback only
        response.read()
    return _moto_process


@pytest.fixture
def local_athena(moto_server: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[LocalAthena]:
    """A started LocalAthena on 127.0.0.1; AWS_ENDPOINT_URL_ATHENA points at it."""
    with LocalAthena(moto_server, REGION) as athena:
        monkeypatch.setenv("AWS_ENDPOINT_URL_ATHENA", athena.endpoint_url)
        yield athena


@pytest.fixture
def iam(local_athena: LocalAthena) -> Iterator[Enforcement]:
    """IAM enforcement for the local endpoints (off until ``with iam.enforced():``); the local
    Athena checks its actions and makes its reads and writes with the caller's keys."""
    enforcement = Enforcement(REGION)
    local_athena.iam = enforcement
    try:
        yield enforcement
    finally:
        local_athena.iam = None


@pytest.fixture
def local_cleanrooms(
    moto_server: str, iam: Enforcement, monkeypatch: pytest.MonkeyPatch
) -> Iterator[LocalCleanRooms]:
    """A started local Clean Rooms endpoint (the operations moto lacks), under the test's IAM
    enforcement; AWS_ENDPOINT_URL_CLEANROOMS points at it."""
    with LocalCleanRooms(REGION) as cleanrooms:
        cleanrooms.iam = iam
        monkeypatch.setenv("AWS_ENDPOINT_URL_CLEANROOMS", cleanrooms.endpoint_url)
        yield cleanrooms
