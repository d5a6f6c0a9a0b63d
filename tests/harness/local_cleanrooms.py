"""A local AWS Clean Rooms endpoint (REST JSON) for the few operations the monitor calls, which
moto does not have: ListConfiguredTableAssociations, GetConfiguredTable and
GetConfiguredTableAnalysisRule (request and response shapes as the API reference gives them:
https://docs.aws.amazon.com/clean-rooms/latest/apireference/Welcome.html). Tests set the state
up through the Python methods (``configure``, ``associate``).

Point boto3 at it with ``AWS_ENDPOINT_URL_CLEANROOMS=<LocalCleanRooms.endpoint_url>``. With IAM
enforced (``iam``), each call is checked against the caller's policies on the resource AWS
names for it: the membership for ListConfiguredTableAssociations, the configured table for the
two reads (https://docs.aws.amazon.com/service-authorization/latest/reference/list_awscleanrooms.html).
"""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

from .iam import ACCOUNT, Enforcement

PAGE = 2  # small pages, so that the monitor's paging is exercised
ROUTES = (
    (re.compile(r"^/memberships/([^/]+)/configuredTableAssociations$"), "associations"),
    (re.compile(r"^/configuredTables/([^/]+)/analysisRule/([A-Z_]+)$"), "rule"),
    (re.compile(r"^/configuredTables/([^/]+)$"), "table"),
)


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code = status, code


class LocalCleanRooms:
    def __init__(self, region: str = "us-east-1") -> None:
        self.region = region
        self.iam: Enforcement | None = None
        self.tables: dict[str, dict[str, Any]] = {}
        self.rules: dict[tuple[str, str], dict[str, Any]] = {}
        self.associations: dict[str, list[str]] = {}
        self.operations: Counter[str] = Counter()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True
        self._server.block_on_close = False
        self._server.cleanrooms = self  # type: ignore[attr-defined]
        self._thread: threading.Thread | None = None

    @property
    def endpoint_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> LocalCleanRooms:
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,))
        self._thread.daemon = True
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    # ---- set-up (the test's, not the monitor's) -------------------------------------------
    def new_membership(self) -> str:
        membership = str(uuid.uuid4())
        self.associations[membership] = []
        return membership

    def configure(
        self,
        name: str,
        database: str,
        table: str,
        allowed_columns: list[str],
        rules: dict[str, dict[str, Any]],
    ) -> str:
        """A configured table of ``database.table`` with ``rules`` ({type: policy.v1 body})."""
        identifier = str(uuid.uuid4())
        now = time.time()
        self.tables[identifier] = {
            "id": identifier,
            "arn": self._table_arn(identifier),
            "name": name,
            "tableReference": {"glue": {"databaseName": database, "tableName": table}},
            "allowedColumns": allowed_columns,
            "analysisMethod": "DIRECT_QUERY",
            "analysisRuleTypes": sorted(rules),
            "createTime": now,
            "updateTime": now,
        }
        for kind, body in rules.items():
            self.rules[(identifier, kind)] = {
                "configuredTableId": identifier,
                "configuredTableArn": self._table_arn(identifier),
                "policy": {"v1": {kind.lower(): body}},
                "type": kind,
                "createTime": now,
                "updateTime": now,
            }
        return identifier

    def associate(self, membership: str, configured_table: str) -> None:
        self.associations[membership].append(configured_table)

    # ---- the API ----------------------------------------------------------------------------
    def handle(self, path: str, query: dict[str, list[str]], headers: Any) -> dict[str, Any]:
        for pattern, route in ROUTES:
            match = pattern.match(path)
            if match:
                return getattr(self, f"_{route}")(headers, query, *match.groups())
        raise ApiError(404, "ResourceNotFoundException", f"no route for {path}")

    def _associations(
        self, headers: Any, query: dict[str, list[str]], membership: str
    ) -> dict[str, Any]:
        arn = f"arn:aws:cleanrooms:{self.region}:{ACCOUNT}:membership/{membership}"
        self._authorize(headers, "ListConfiguredTableAssociations", arn)
        if membership not in self.associations:
            raise ApiError(404, "ResourceNotFoundException", f"membership {membership} not found")
        start = int((query.get("nextToken") or ["0"])[0])
        ids = self.associations[membership]
        page = [
            {
                "configuredTableId": t,
                "membershipId": membership,
                "membershipArn": arn,
                "name": self.tables[t]["name"],
                "id": str(uuid.uuid5(uuid.NAMESPACE_URL, membership + t)),
                "arn": f"arn:aws:cleanrooms:{self.region}:{ACCOUNT}:configuredtableassociation/"
                f"{membership}/{t}",
                "createTime": self.tables[t]["createTime"],
                "updateTime": self.tables[t]["updateTime"],
            }
            for t in ids[start : start + PAGE]
        ]
        out: dict[str, Any] = {"configuredTableAssociationSummaries": page}
        if start + PAGE < len(ids):
            out["nextToken"] = str(start + PAGE)
        return out

    def _table(self, headers: Any, query: dict[str, list[str]], identifier: str) -> dict[str, Any]:
        self._authorize(headers, "GetConfiguredTable", self._table_arn(identifier))
        if identifier not in self.tables:
            raise ApiError(404, "ResourceNotFoundException", f"configured table {identifier}")
        return {"configuredTable": self.tables[identifier]}

    def _rule(
        self, headers: Any, query: dict[str, list[str]], identifier: str, kind: str
    ) -> dict[str, Any]:
        self._authorize(headers, "GetConfiguredTableAnalysisRule", self._table_arn(identifier))
        if (identifier, kind) not in self.rules:
            raise ApiError(404, "ResourceNotFoundException", f"no {kind} rule on {identifier}")
        return {"analysisRule": self.rules[(identifier, kind)]}

    def _table_arn(self, identifier: str) -> str:
        return f"arn:aws:cleanrooms:{self.region}:{ACCOUNT}:configuredtable/{identifier}"

    def _authorize(self, headers: Any, operation: str, resource: str) -> None:
        self.operations[operation] += 1
        if self.iam is None or not self.iam.on:
            return
        action = f"cleanrooms:{operation}"
        if not self.iam.check(headers, action, resource):
            raise ApiError(
                403, "AccessDeniedException", f"not authorized to perform {action} on {resource}"
            )


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:  # noqa: N802 - http.server API
        service: LocalCleanRooms = self.server.cleanrooms  # type: ignore[attr-defined]
        url = urlparse(self.path)
        try:
            status, payload = 200, service.handle(url.path, parse_qs(url.query), self.headers)
            error = ""
        except ApiError as exc:
            status, payload, error = exc.status, {"message": str(exc)}, exc.code
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        if error:
            self.send_header("x-amzn-ErrorType", error)
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - silence access log
        pass
