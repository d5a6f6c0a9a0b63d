"""An HTTP proxy on 127.0.0.1 in front of moto that refuses chosen calls with AWS throttling.

moto has no fault injection. Pointed at by ``AWS_ENDPOINT_URL_S3`` / ``_GLUE`` / ``_SNS``, this
forwards every request to moto unchanged, except the next N calls of an operation, which get
the error the real service sends when it throttles: S3 ``503 SlowDown``, Glue
``ThrottlingException``, SNS ``Throttling``. The client's own retry logic then runs for real.
"""

from __future__ import annotations

import http.client
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

# operation prefix -> (HTTP status, content type, body) of the service's throttling error
ERRORS = {
    "s3": (
        503,
        "application/xml",
        b"<?xml version='1.0' encoding='UTF-8'?><Error><Code>SlowDown</Code>"
        b"<Message>Please reduce your request rate.</Message></Error>",
    ),
    "glue": (
        400,
        "application/x-amz-json-1.1",
        b'{"__type": "ThrottlingException", "message": "Rate exceeded"}',
    ),
    "sns": (
        400,
        "text/xml",
        b"<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code>"
        b"<Message>Rate exceeded</Message></Error></ErrorResponse>",
    ),
}


def operation(method: str, path: str, headers: Any, body: bytes) -> str:
    """``glue:GetPartitions``, ``sns:Publish``, ``s3:ListObjectsV2``, ``s3:GetObject``..."""
    target = headers.get("X-Amz-Target") or ""
    if target.startswith("AWSGlue."):
        return "glue:" + target.removeprefix("AWSGlue.")
    form = parse_qs(body.decode("utf-8", "replace")) if method == "POST" else {}
    if "Action" in form:
        return "sns:" + form["Action"][0]
    query = parse_qs(urlsplit(path).query, keep_blank_values=True)
    if method == "GET":
        return "s3:ListObjectsV2" if "list-type" in query else "s3:GetObject"
    return f"s3:{method}"


class ThrottleProxy:
    def __init__(self, upstream: str) -> None:
        self.upstream = urlsplit(upstream)
        self.calls: Counter[str] = Counter()
        self.refused: Counter[str] = Counter()
        self._pending: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def throttle_next(self, op: str, times: int) -> None:
        with self._lock:
            self._pending[op] += times

    def decide(self, op: str) -> tuple[int, str, bytes] | None:
        with self._lock:
            self.calls[op] += 1
            if self._pending[op] <= 0:
                return None
            self._pending[op] -= 1
            self.refused[op] += 1
        return ERRORS[op.split(":")[0]]

    def forward(self, method: str, path: str, headers: Any, body: bytes) -> tuple[int, Any, bytes]:
        conn = http.client.HTTPConnection(self.upstream.hostname, self.upstream.port, timeout=60)
        try:
            conn.request(method, path, body=body or None, headers=dict(headers.items()))
            response = conn.getresponse()
            return response.status, response.getheaders(), response.read()
        finally:
            conn.close()

    def __enter__(self) -> ThrottleProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


def _handler(proxy: ThrottleProxy) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _any(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            refusal = proxy.decide(operation(self.command, self.path, self.headers, body))
            if refusal is not None:
                status, kind, payload = refusal
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
                return
            status, headers, payload = proxy.forward(self.command, self.path, self.headers, body)
            self.send_response(status)
            for name, value in headers:
                if name.lower() not in ("transfer-encoding", "connection", "content-length"):
                    self.send_header(name, value)
            length = dict((k.lower(), v) for k, v in headers).get("content-length")
            # a HEAD answer has no body but keeps the object's length
            self.send_header(
                "Content-Length", length if self.command == "HEAD" else str(len(payload))
            )
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(payload)

        do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = _any  # noqa: N815 - http.server API

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            pass

    return Handler
