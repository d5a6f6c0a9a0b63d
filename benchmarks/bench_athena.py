"""The AWS backend against the local Athena endpoint (latency added per query): monitor vs seed.

python benchmarks/bench_athena.py [--tables 20] [--rows 2000] [--buckets 256] [--latency 1.0]
    [--latency_per_mb 0.02] [--max_workers 1,4,8] [--price_per_tb 5] [--static_lake 1] [--seed 1]

Moto (S3, Glue, SNS) and the local Athena endpoint run in a child process of their own
(``athena_endpoint.py``), so that their CPU is not the monitor's; this process builds the
lake into that moto, then runs the seed's four queries per table (one table at a time, through
pyathena) and the monitor (``data_monitor.cli.main``). With ``--static_lake 1`` (the default)
the endpoint reads each table from Glue and S3 once, before the runs, and answers every query
from it (same rows, same DataScannedInBytes); 0 re-reads the lake for every query. Each variant
runs first with no added latency (its fixed overhead), then with the latency model:
``--latency`` seconds per query plus ``--latency_per_mb`` seconds per MB the query read (the
endpoint's DataScannedInBytes: the Parquet column chunks and footers it read); the endpoint's
own work runs within that time. "endpoint CPU" is the child's CPU seconds during a run. The
last variant re-runs the largest pool polling as pyathena does by default, every second
(``--diag_fixed_poll``; 0 skips it), to show what the monitor's backoff saves. Bytes and the
estimated cost are Athena's pricing of what the endpoint reported: ``--price_per_tb`` per TB,
rounded up to the MB, 10 MB minimum per query. ``--seed 0`` leaves the seed out (for large
lakes, where it would take an hour: four sequential queries per table).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import io
import json
import os
import shutil
import statistics as st
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import boto3
import pyathena
from athena_endpoint import Endpoint

import data_monitor.backends.aws.dialect as athena_dialect
import data_monitor.run.monitor as monitor
from data_monitor.cli import main as monitor_main
from data_monitor.demo.lakegen import build_lake
from data_monitor.demo.specs import bench_tables
from data_monitor.model.athena_bill import TB, QueryStats

REPO = Path(__file__).resolve().parents[1]
DB, LAKE, REPORTS, RESULTS = "bench_db", "bench-lake", "bench-reports", "bench-athena"
REGION, PK = "us-east-1", "customer_user_id"
AS_OF = dt.datetime.now(dt.timezone.utc).date()
REPORT_KEY = f"data-monitor/omc_monitor_report_{AS_OF.isoformat()}.json"
MONITOR_ARGS = (
    f"run --backend aws --database {DB} --report_bucket {REPORTS} --athena_results "
    f"s3://{RESULTS}/results/ --data_docs false --auto_repair off "
    f"--region {REGION} --as_of {AS_OF.isoformat()} --max_workers"
).split()


def set_env(moto_url: str, missing: str) -> None:
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_ROLE_ARN"):
        os.environ.pop(name, None)
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        os.environ[name] = "testing"
    os.environ["AWS_DEFAULT_REGION"] = REGION
    os.environ["AWS_CONFIG_FILE"] = os.environ["AWS_SHARED_CREDENTIALS_FILE"] = missing
    for service in ("S3", "GLUE", "SNS"):
        os.environ[f"AWS_ENDPOINT_URL_{service}"] = moto_url


def seed(names: list[str], rows: int) -> None:
    """The seed's 4 queries per table, one table at a time; checks the values."""
    conn = pyathena.connect(
        s3_staging_dir=f"s3://{RESULTS}/results/", region_name=REGION, work_group="primary",
        poll_interval=0.05, schema_name=DB,
    )  # fmt: skip
    with contextlib.closing(conn), contextlib.closing(conn.cursor()) as cur:
        for part in names:
            p, e = f'"{DB}"."{part}"', f'"{DB}"."ext_{part[5:]}"'
            got = []
            for sql in (
                f"SELECT COUNT(*) FROM {p}", f"SELECT COUNT(*) FROM {e}",
                f"SELECT COUNT(*) FROM {p} WHERE {PK} IS NULL",
                f"SELECT SUM(c) FROM (SELECT {PK}, COUNT(*) c FROM {p} "
                f"GROUP BY {PK} HAVING COUNT(*) > 1)",
            ):  # fmt: skip
                cur.execute(sql)
                row = cur.fetchone()
                got.append(int(row[0] or 0) if row else -1)
            if got != [rows, rows, 0, 0]:
                raise SystemExit(f"seed: wrong results for {part}: {got}")


def run_monitor(
    workers: int, rows: int, buckets: int, names: list[str], spans: dict[str, list[float]]
) -> None:
    """One monitor run in-process; per table [start, end, worker CPU s] go into ``spans``."""
    s3 = boto3.client("s3", region_name=REGION)
    s3.delete_object(Bucket=REPORTS, Key=REPORT_KEY)
    original = monitor.check_safely

    def timed(*args: Any, **kwargs: Any) -> Any:  # check_safely(backend, settings, runner, name..)
        t0, c0 = time.perf_counter(), time.thread_time()
        try:
            return original(*args, **kwargs)
        finally:
            spans[str(args[3])] = [t0, time.perf_counter(), time.thread_time() - c0]

    log = io.StringIO()
    monitor.check_safely = timed  # type: ignore[assignment]
    try:
        with contextlib.redirect_stdout(log), contextlib.redirect_stderr(log):
            code = monitor_main([*MONITOR_ARGS, str(workers), "--bucket_count", str(buckets)])
    finally:
        monitor.check_safely = original  # type: ignore[assignment]
    listed = s3.list_objects_v2(Bucket=REPORTS, Prefix=REPORT_KEY).get("Contents", [])
    report = s3.get_object(Bucket=REPORTS, Key=REPORT_KEY)["Body"].read() if listed else b"{}"
    found = {t["table"]: t for t in json.loads(report).get("tables", [])}
    want = {"count_part": rows, "count_src": rows, "pk_nulls": 0, "pk_dupes": 0}
    bad = [n for n, t in found.items() if any(t.get(k) != v for k, v in want.items())]
    if code != 0 or sorted(found) != names or bad:
        tail = log.getvalue()[-3000:]
        raise SystemExit(f"monitor w={workers}: exit {code}, wrong rows {bad[:3]}:\n{tail}")


def fixed_delay(seconds: float) -> Callable[[int], float]:
    """A poll schedule without backoff: every ``seconds`` (pyathena's default is 1 s)."""
    return lambda polls: seconds


def measure(
    athena: Endpoint, latency: float, per_mb: float, price: float, job: Any
) -> tuple[dict[str, Any], list[Any]]:
    """One run of ``job`` under the latency model: its figures, and the endpoint's query log."""
    athena.reset()
    athena.set_latency(latency, per_mb)
    e0 = athena.stats()["cpu_s"]
    t0, c0 = time.perf_counter(), time.process_time()
    job()
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    athena.wait_idle()
    stats, queries = athena.stats(), athena.queries
    sel = [q for q in queries if q.kind == "SELECT"]
    # a query's time beyond the fixed latency: its per-MB part and whatever engine work the
    # modelled time did not cover
    engine = [q.end_time - q.start_time - latency for q in sel] or [0.0]
    billed = sum(QueryStats("query", q.state, q.data_scanned_bytes).billed_bytes for q in sel)
    return {
        "wall_s": round(wall, 2), "cpu_s": round(cpu, 1), "selects": len(sel),
        "ddl": stats["by_type"].get("DDL", 0), "peak": stats["max_concurrent_running"],
        "polls": stats["operations"].get("GetQueryExecution", 0),
        "engine_s_per_query": round(st.mean(engine), 3),
        "bytes_scanned": sum(q.data_scanned_bytes for q in sel), "bytes_billed": billed,
        "cost_usd": round(billed / TB * price, 6),
        "endpoint_cpu_s": round(stats["cpu_s"] - e0, 1),
    }, queries  # fmt: skip


def breakdown(queries: list[Any], spans: dict[str, list[float]], wall: float) -> dict[str, float]:
    """Mean per table: check wall = time its queries spent in Athena + the rest (client side)."""
    sel = [q for q in queries if q.kind == "SELECT"]
    took = {n: s[1] - s[0] for n, s in spans.items()}
    inside = {n: sum(q.end_time - q.submitted_at for q in sel if n[5:] in q.sql) for n in spans}
    checks = max(s[1] for s in spans.values()) - min(s[0] for s in spans.values())
    return {
        "table_wall_s": round(st.mean(took.values()), 2), "max_s": round(max(took.values()), 2),
        "in_athena_s": round(st.mean(inside.values()), 2),
        "client_s": round(st.mean(took[n] - inside[n] for n in spans), 2),
        "worker_cpu_s": round(st.mean(s[2] for s in spans.values()), 2),
        "outside_checks_s": round(wall - checks, 2),
    }  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    for flag, kind, default in (
        ("--tables", int, 20), ("--rows", int, 2000), ("--buckets", int, 256),
        ("--latency", float, 1.0),
        ("--latency_per_mb", float, 0.02), ("--price_per_tb", float, 5.0),
        ("--max_workers", str, "1,4,8"), ("--diag_fixed_poll", float, 1.0),
        ("--static_lake", int, 1), ("--seed", int, 1),
        ("--out", Path, Path("bench-results/athena.json")),
    ):  # fmt: skip
        parser.add_argument(flag, type=kind, default=default)
    args = parser.parse_args()
    workers = [int(w) for w in args.max_workers.split(",") if w.strip()]
    sys.path.insert(0, str(REPO))
    from tests.aws_lake import mirror_warehouse

    tmp = Path(tempfile.mkdtemp(prefix="bench-athena-"))
    athena = Endpoint(REGION, static_lake=bool(args.static_lake))
    set_env(athena.moto_url, str(tmp / "no-aws-config"))
    os.environ["AWS_ENDPOINT_URL_ATHENA"] = athena.athena_url
    paced, out = athena_dialect.poll_delay, []
    try:
        t0 = time.perf_counter()
        specs = [
            replace(spec, bucket_count=args.buckets)
            for spec in bench_tables(args.tables, args.rows)
        ]
        build_lake(tmp / "wh", DB, LAKE, specs, as_of=AS_OF)
        mirror_warehouse(tmp / "wh", REGION)
        for bucket in (REPORTS, RESULTS):
            boto3.client("s3", region_name=REGION).create_bucket(Bucket=bucket)
        names = sorted(f"part_{s.suffix}" for s in specs)
        print(f"lake built and mirrored in {time.perf_counter() - t0:.1f} s", flush=True)
        if args.static_lake:
            print(f"endpoint read the lake in {athena.load(DB):.1f} s", flush=True)
        variants = [("seed", 0, 0.0)] if args.seed else []
        variants += [(f"monitor w={w}", w, 0.0) for w in workers]
        if args.diag_fixed_poll:
            w = max(workers)
            fixed_poll = args.diag_fixed_poll
            variants.append((f"monitor w={w} poll={fixed_poll:g}s", w, fixed_poll))
        for label, w, fixed in variants:
            athena_dialect.poll_delay = fixed_delay(fixed) if fixed else paced  # type: ignore[assignment]
            spans: dict[str, list[float]] = {}

            def job(w: int = w, spans: dict[str, list[float]] = spans) -> None:
                if w:
                    return run_monitor(w, args.rows, args.buckets, names, spans)
                seed(names, args.rows)

            zero, _ = measure(athena, 0.0, 0.0, args.price_per_tb, job)
            latency_run, queries = measure(
                athena, args.latency, args.latency_per_mb, args.price_per_tb, job
            )
            row = {"variant": label, **latency_run}
            row["overhead_s"], row["overhead_cpu_s"] = zero["wall_s"], zero["cpu_s"]
            row["overhead_endpoint_cpu_s"] = zero["endpoint_cpu_s"]
            if spans:
                row["per_table"] = breakdown(queries, spans, row["wall_s"])
            out.append(row)
            print(f"  {label}: {row['wall_s']} s (at latency 0: {zero['wall_s']} s)", flush=True)
    finally:
        athena_dialect.poll_delay = paced
        athena.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    print(
        f"\n{args.tables} tables x {args.rows} rows x {args.buckets} partitions, "
        f"+{args.latency:g} s per query "
        f"+{args.latency_per_mb:g} s per MB read"
    )
    cols = {"wall_s": "wall s", "cpu_s": "CPU s", "endpoint_cpu_s": "endpoint CPU",
            "overhead_s": "wall@0lat s", "selects": "SELECTs",
            "per_table_queries": "per table", "peak": "peak conc", "polls": "polls",
            "bytes_scanned": "bytes", "cost_usd": "est. $", "ratio_to_seed": "vs seed"}  # fmt: skip
    print(f"{'variant':<24}" + "".join(f"{h:>12}" for h in cols.values()))
    for r in out:
        r["per_table_queries"] = round(r["selects"] / args.tables, 2)
        r["ratio_to_seed"] = round(r["wall_s"] / out[0]["wall_s"], 3) if args.seed else "-"
        print(f"{r['variant']:<24}" + "".join(f"{r[c]:>12}" for c in cols))
    print("\nmonitor, mean per table (latency run):")
    for r in out[1 if args.seed else 0 :]:
        p = r["per_table"]
        print(
            f"  {r['variant']:<24} check {p['table_wall_s']} s (max {p['max_s']}) = in Athena "
            f"{p['in_athena_s']} + client {p['client_s']} (worker CPU {p['worker_cpu_s']}); "
            f"engine {r['engine_s_per_query']} s/query; outside checks {p['outside_checks_s']} s"
        )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    config = {k: str(v) for k, v in vars(args).items()} | {"nproc": os.cpu_count()}
    args.out.write_text(json.dumps({"config": config, "results": out}, indent=2) + "\n")
    print(f"\nwritten {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
