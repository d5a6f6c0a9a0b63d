"""Moto (S3, Glue, SNS) and the local Athena endpoint in a process of their own.

``bench_athena`` measures the monitor and the latency model, so the test endpoint must not
share the monitor's interpreter (one GIL: the endpoint's DuckDB, Glue and S3 work would be
counted as the monitor's waiting). ``Endpoint`` starts this module as a child process, which
serves both and answers control commands over a local socket (``multiprocessing.connection``):
reset, set_latency, wait_idle, stats, queries (plain dicts), load (read a database's tables
into the endpoint's static lake ahead of the runs) and stop. ``stats`` includes the child's
CPU seconds, the cost of the endpoint and moto together.
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import subprocess
import sys
import time
from multiprocessing.connection import Client, Listener
from pathlib import Path
from types import SimpleNamespace
from typing import Any

REPO = Path(__file__).resolve().parents[1]
RECORD_FIELDS = (
    "query_id", "kind", "state", "data_scanned_bytes", "start_time", "end_time", "submitted_at",
    "sql",
)  # fmt: skip


class Endpoint:
    """The child process, seen from the benchmark: ``moto_url``, ``athena_url`` and the
    commands above as methods. Use as a context manager."""

    def __init__(self, region: str, *, static_lake: bool = True) -> None:
        self._key = secrets.token_bytes(16)
        self._listener = Listener(("127.0.0.1", 0), authkey=self._key)
        host, port = self._listener.address
        env = {**os.environ, "BENCH_ENDPOINT_KEY": self._key.hex()}
        args = [sys.executable, str(Path(__file__)), host, str(port), region, str(static_lake)]
        self._proc = subprocess.Popen(args, env=env, cwd=REPO)
        self._conn = self._listener.accept()
        urls = self._conn.recv()
        self.moto_url, self.athena_url = urls["moto"], urls["athena"]

    def call(self, command: str, **kwargs: Any) -> Any:
        self._conn.send((command, kwargs))
        ok, value = self._conn.recv()
        if not ok:
            raise RuntimeError(f"endpoint {command}: {value}")
        return value

    def reset(self) -> None:
        self.call("reset")

    def set_latency(self, latency_s: float, latency_s_per_mb: float) -> None:
        self.call("set_latency", latency_s=latency_s, latency_s_per_mb=latency_s_per_mb)

    def wait_idle(self, timeout: float = 10.0) -> None:
        self.call("wait_idle", timeout=timeout)

    def stats(self) -> dict[str, Any]:
        return dict(self.call("stats"))

    @property
    def queries(self) -> list[Any]:
        """The query log as records with the fields of RECORD_FIELDS."""
        return [SimpleNamespace(**q) for q in self.call("queries")]

    def load(self, database: str) -> float:
        """Read every table of ``database`` into the static lake; the seconds it took."""
        return float(self.call("load", database=database))

    def stop(self) -> None:
        with contextlib.suppress(EOFError, OSError, RuntimeError):  # the child is gone already
            self.call("stop")
        self._conn.close()
        self._listener.close()
        try:
            self._proc.wait(20)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()

    def __enter__(self) -> Endpoint:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def serve(host: str, port: int, region: str, static_lake: bool) -> None:
    sys.path.insert(0, str(REPO))
    from moto.server import ThreadedMotoServer

    from tests.harness import moto_glue
    from tests.harness.local_athena import LocalAthena

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # moto's per-request access log
    conn = Client((host, port), authkey=bytes.fromhex(os.environ["BENCH_ENDPOINT_KEY"]))
    moto_glue.install()  # GetPartitions honours ExcludeColumnSchema, as Glue does
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    moto.start()
    moto_url = "http://{}:{}".format(*moto.get_host_and_port())
    athena = LocalAthena(moto_url, region, static_lake=static_lake).start()

    def load(database: str) -> float:
        t0 = time.perf_counter()
        pages = athena.glue.get_paginator("get_tables").paginate(DatabaseName=database)
        for table in (t for page in pages for t in page["TableList"]):
            athena.engine.load(database, table["Name"])
        return time.perf_counter() - t0

    def set_latency(latency_s: float, latency_s_per_mb: float) -> None:
        athena.latency_s, athena.latency_s_per_mb = latency_s, latency_s_per_mb

    commands = {
        "reset": athena.reset,
        "set_latency": set_latency,
        "wait_idle": athena.wait_idle,
        "stats": lambda: {**athena.stats(), "cpu_s": time.process_time()},
        "queries": lambda: [{f: getattr(q, f) for f in RECORD_FIELDS} for q in athena.queries],
        "load": load,
        "stop": lambda: None,
    }
    conn.send({"moto": moto_url, "athena": athena.endpoint_url})
    try:
        while True:
            try:
                command, kwargs = conn.recv()
            except EOFError:  # the benchmark went away
                break
            try:
                conn.send((True, commands[command](**kwargs)))
            except Exception as e:  # noqa: BLE001 - reported to the benchmark, which raises
                conn.send((False, f"{type(e).__name__}: {e}"))
            if command == "stop":
                break
    finally:
        athena.stop()
        moto.stop()
        conn.close()


if __name__ == "__main__":
    serve(sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4] == "True")
