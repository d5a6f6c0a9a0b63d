"""Every AWS call goes through here: one retry policy, one way to fail.

Clients come from boto3's default credential chain (``AWS_PROFILE``, the Glue job role) and
honour boto3's own ``AWS_ENDPOINT_URL``/``AWS_ENDPOINT_URL_<SERVICE>`` settings. Throttling is
retried by botocore's ``standard`` mode with backoff; any other failure becomes a
``BackendError`` naming what the monitor was doing, never a traceback or a credential.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable
from typing import Any, TypeVar

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from botocore.utils import parse_timestamp as botocore_timestamp

from data_monitor.backends.base import BackendError

LOG = logging.getLogger("data_monitor")
T = TypeVar("T")
RETRIES = Config(
    retries={"mode": "standard", "max_attempts": 8},
    connect_timeout=10,
    read_timeout=60,
)
# pyathena's own client: few botocore attempts (transient failures), since botocore's waits
# cannot be stopped; pyathena's retry, which a stop ends, waits out throttling (aws/dialect)
QUERY_CLIENT = Config(
    retries={"mode": "standard", "max_attempts": 3},
    connect_timeout=10,
    read_timeout=60,
)


class SharedSession(boto3.session.Session):
    """One run's boto3 session, for every client the run makes, from any thread.

    Session methods are not thread-safe (it resolves credentials and loads service data
    lazily), while a client, once built, is: boto3's guides
    https://boto3.amazonaws.com/v1/documentation/api/latest/guide/session.html and
    .../guide/clients.html#multithreading-or-multiprocessing-with-clients. They suggest a
    session per thread; instead the one use the run makes of its session, ``client``, holds a
    lock, so no two threads are ever inside it. pyathena's connections take this session too
    (it takes a ``session``, else builds one per connection), so botocore's endpoint and
    service data are parsed once per run: a new session cost about 0.1 s of CPU, as much as a
    table's own work on the AWS path. Timestamps in responses are parsed by
    ``parse_timestamp``.
    """

    def __init__(self, region: str) -> None:
        super().__init__(region_name=region)
        self._client_lock = threading.RLock()
        parsers = self._session.get_component("response_parser_factory")
        parsers.set_parser_defaults(timestamp_parser=parse_timestamp)

    def client(self, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        with self._client_lock:
            return super().client(*args, **kwargs)


def parse_timestamp(value: Any) -> dt.datetime:
    """botocore's timestamp parsing, with a fast path for the ISO 8601 UTC form S3 lists every
    object's ``LastModified`` in (``2026-12-01T22:44:21.000Z``): botocore hands any string to
    dateutil, which took a tenth of a run's CPU for the listings of 256-partition tables.
    Anything else (epoch numbers from JSON APIs, RFC 822 headers) goes to botocore's parser.
    """
    if isinstance(value, str) and value.endswith("Z") and "T" in value:
        try:
            return dt.datetime.fromisoformat(value)
        except ValueError:
            pass
    return botocore_timestamp(value)


class AwsClients:
    """Lazily created, shared boto3 clients of one region (boto3 clients are thread-safe),
    all from one ``SharedSession`` (``session``), which pyathena's connections use too."""

    def __init__(self, region: str) -> None:
        self.region = region
        self.session = SharedSession(region)
        self._clients: dict[str, Any] = {}
        self._lock = threading.Lock()

    def client(self, service: str) -> Any:
        with self._lock:
            if service not in self._clients:
                self._clients[service] = self.session.client(service, config=RETRIES)
            return self._clients[service]


def error_code(exc: BaseException) -> str:
    if isinstance(exc, ClientError):
        return str(exc.response.get("Error", {}).get("Code", ""))
    return ""


AWS_ERRORS = (ClientError, BotoCoreError)


def backend_error(what: str, exc: BaseException) -> BackendError:
    """``<what>: <code>: <message>`` for a failed AWS call (logged once, here)."""
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        message = f"{what}: {error.get('Code', 'error')}: {error.get('Message', '')}".strip()
    else:
        message = f"{what}: {exc}"
    LOG.warning("%s", message)
    return BackendError(message)


def aws_call(what: str, call: Callable[..., T], **kwargs: Any) -> T:
    """``call(**kwargs)``; a failure raises BackendError("<what>: <code>: <message>")."""
    try:
        return call(**kwargs)
    except AWS_ERRORS as exc:
        raise backend_error(what, exc) from exc


def split_s3_uri(uri: str) -> tuple[str, str]:
    """``s3://bucket/key/`` -> (bucket, key/)."""
    if not uri.startswith("s3://") or len(uri) <= len("s3://"):
        raise BackendError(f"not an s3:// location: {uri!r}")
    bucket, _, key = uri[len("s3://") :].partition("/")
    return bucket, key
