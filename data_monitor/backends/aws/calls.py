"""Every AWS call goes through here: one retry policy, one way to fail.

Clients come from boto3's default credential chain (``AWS_PROFILE``, the Glue job role) and
honour boto3's own ``AWS_ENDPOINT_URL``/``AWS_ENDPOINT_URL_<SERVICE>`` settings. Throttling is
retried by botocore's ``standard`` mode with backoff; any other failure becomes a
``BackendError`` naming what the monitor was doing, never a traceback or a credential.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any, TypeVar

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

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


class AwsClients:
    """Lazily created, shared boto3 clients of one region (boto3 clients are thread-safe)."""

    def __init__(self, region: str) -> None:
        self.region = region
        self._session = boto3.session.Session(region_name=region)
        self._clients: dict[str, Any] = {}
        self._lock = threading.Lock()

    def client(self, service: str) -> Any:
        with self._lock:
            if service not in self._clients:
                self._clients[service] = self._session.client(service, config=RETRIES)
            return self._clients[service]


class ThreadSessions:
    """One boto3 session per thread, for one run's pyathena connections. pyathena builds a new
    Session for each connection it is not given one, and every new Session parses botocore's
    service models again (about a fifth of a table's CPU on the AWS path, one connection per
    table); a Session is not thread-safe, so each thread gets its own, with the same default
    credential chain and region pyathena would use."""

    def __init__(self, region: str) -> None:
        self.region = region
        self._local = threading.local()

    def get(self) -> Any:
        session = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = boto3.session.Session(region_name=self.region)
        return session


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
