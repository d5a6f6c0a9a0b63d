"""Load benchmark: a database of 500 tables x 256 partitions, local and AWS (moto + local Athena).

python benchmarks/bench_load.py [--tables 500] [--buckets 256] [--rows 2560] [--max_workers 8]
    [--backend local|aws|both] [--out bench-results/load.json]

Each monitor run is a subprocess (its RSS and VmHWM, the peak so far, sampled every 0.5 s
against tables done); moto and the local Athena endpoint run in this process. The mirror puts
objects straight into moto's in-process S3 backend (the Glue catalog goes through the API).
When a 4-table probe says that mirroring the lake into moto takes over ``--mirror_budget`` s,
the AWS run uses ``--aws_fallback_buckets`` partitions per table (same tables and rows).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import logging
import os
import platform
import re
import resource
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import boto3
from moto.server import ThreadedMotoServer

from data_monitor.demo.lakegen import build_lake
from data_monitor.demo.specs import TableSpec

REPO = Path(__file__).resolve().parents[1]
DB, LAKE, REPORTS, RESULTS = "load_db", "load-lake", "load-reports", "load-athena"
REGION = "us-east-1"
AS_OF = dt.datetime.now(dt.timezone.utc).date().isoformat()
REPORT_KEY = f"data-monitor/omc_monitor_report_{AS_OF}.json"
MARKER = "bench-load-lake.txt"  # a folder holding it is ours to delete
PROGRESS = re.compile(rb"\[(\d+)/(\d+)\] ")


def build(lake: Path, tables: int, rows: int, buckets: int, db: str = DB, bkt: str = LAKE) -> float:
    if lake.exists():
        if not (lake / MARKER).is_file():
            raise SystemExit(f"bench_load: {lake} exists without {MARKER}; not touching it")
        shutil.rmtree(lake)
    lake.mkdir(parents=True)
    (lake / MARKER).write_text(f"{tables} tables x {buckets} buckets x {rows} rows\n")
    t0 = time.perf_counter()
    specs = [TableSpec(f"load_{i:03d}", rows, buckets) for i in range(tables)]
    build_lake(lake, db, bkt, specs, as_of=dt.date.fromisoformat(AS_OF))
    return round(time.perf_counter() - t0, 1)


def tables_done(log: Path) -> int:
    found = PROGRESS.findall(log.read_bytes())
    return int(found[-1][0]) if found else 0


def run_monitor(flags: list[str], log: Path, n_tables: int, timeout: float) -> dict[str, Any]:
    """``python -m data_monitor run <flags>``: wall time, exit code, peak RSS and RSS samples."""
    cmd = [sys.executable, "-m", "data_monitor", "run", *flags]
    samples: list[list[float]] = []  # [seconds, RSS MB, tables done, peak RSS so far MB]
    done = threading.Event()
    with log.open("wb") as out:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=REPO, stdout=out, stderr=subprocess.STDOUT)

        def sample() -> None:
            while not done.wait(0.5):
                with contextlib.suppress(OSError, IndexError):  # gone, or a zombie
                    text = Path(f"/proc/{proc.pid}/status").read_text()
                    rss, hwm = (round(int(re.findall(rf"{f}:\s+(\d+) kB", text)[0]) / 1024, 1)
                                for f in ("VmRSS", "VmHWM"))  # fmt: skip
                    samples.append([round(time.perf_counter() - t0, 1), rss, tables_done(log), hwm])
                if time.perf_counter() - t0 > timeout and not done.is_set():
                    proc.kill()

        (sampler := threading.Thread(target=sample, daemon=True)).start()
        _, status, usage = os.wait4(proc.pid, 0)  # this child's own rusage
        wall = time.perf_counter() - t0
        done.set()
        sampler.join()
    proc.returncode = os.waitstatus_to_exitcode(status)

    first, half, last = (next((s[1] for s in samples if s[2] >= x * n_tables), None)
                         for x in (0.1, 0.5, 1.0))  # fmt: skip
    growth = (last - first) / (0.9 * n_tables) * 100 if first and last else None
    return {"command": f"python -m data_monitor run {' '.join(flags)}",
            "exit_code": proc.returncode, "wall_s": round(wall, 1),
            # VmHWM, the monitor's own high-water mark: wait4's ru_maxrss also counts the
            # forked copy of this process before exec (Linux keeps the old mm's high-water
            # mark), which is moto's 1.6 GB at 500 x 256, not the monitor's
            "peak_rss_mb": max((s[3] for s in samples), default=None),
            "wait4_maxrss_mb": round(usage.ru_maxrss / 1024, 1),  # Linux: KB
            "cpu_s": round(usage.ru_utime + usage.ru_stime, 1),
            "rss_mb_at_10_50_100_pct_tables": [first, half, last],
            "rss_growth_mb_per_100_tables": None if growth is None else round(growth, 1),
            "tables_done": tables_done(log), "log": str(log), "rss_samples": samples}  # fmt: skip


def verify(doc: dict[str, Any], tables: int, rows: int) -> list[str]:
    """What is wrong with a report that should hold ``tables`` clean tables of ``rows`` rows."""
    names = {f"part_load_{i:03d}" for i in range(tables)}
    listed = doc.get("tables", [])
    found = {t["table"]: t for t in listed}
    want = {"count_part": rows, "count_src": rows, "pk_nulls": 0, "pk_dupes": 0}
    wrong = sorted(n for n, t in found.items() if any(t.get(k) != v for k, v in want.items()))
    problems = (
        f"{len(names - set(found))} tables missing, e.g. {sorted(names - set(found))[:3]}",
        f"{len(set(found) - names)} unexpected tables, e.g. {sorted(set(found) - names)[:3]}",
        f"{len(listed) - len(found)} duplicate rows",
        f"{len(wrong)} rows with wrong values, e.g. {[(n, found[n]) for n in wrong[:1]]}",
        f"{len(doc.get('alerts', []))} alerts, e.g. {doc.get('alerts', [])[:2]}",
    )
    return [p for p in problems if not p.startswith("0 ")] + ([] if doc else ["no report"])


def local(args: argparse.Namespace, results: Path) -> dict[str, Any]:
    lake = results / "load-lake"
    print(f"local: building {args.tables} x {args.buckets} x {args.rows} rows", flush=True)
    build_s = build(lake, args.tables, args.rows, args.buckets)
    print(f"  built in {build_s} s; running the monitor", flush=True)
    flags = f"--database {DB} --report_bucket {REPORTS} --warehouse {lake} --bucket_count "
    flags += f"{args.buckets} --data_docs false --as_of {AS_OF}"
    log = results / "load-logs" / f"local-{args.tables}x{args.buckets}.log"
    run = run_monitor(flags.split(), log, args.tables, args.timeout)
    report = lake / "s3" / REPORTS / REPORT_KEY
    doc = json.loads(report.read_text()) if report.is_file() else {}
    if not args.keep_lakes:
        shutil.rmtree(lake)
    scale, problems = f"{args.tables} x {args.buckets}", verify(doc, args.tables, args.rows)
    return {"backend": "local", "scale": scale, "build_s": build_s, **run, "problems": problems}


def mirror_in_process(lake: Path) -> None:
    """The lake's objects straight into moto's S3 (this process runs the server: an HTTP PUT
    per object would take ~11 min for 500 x 256), then its catalog through Glue's API."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.s3.models import s3_backends

    from tests.aws_lake import lake_objects, register_catalog

    backend = s3_backends[DEFAULT_ACCOUNT_ID]["aws"]
    for bucket, files in lake_objects(lake):
        backend.create_bucket(bucket, REGION)
        for key, path in files:
            backend.put_object(bucket, key, path.read_bytes())
    register_catalog(lake, REGION)


def set_env(moto_url: str, missing: str) -> None:
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_ROLE_ARN"):
        os.environ.pop(name, None)
    os.environ["AWS_ACCESS_KEY_ID"] = os.environ["AWS_SECRET_ACCESS_KEY"] = "testing"
    os.environ["AWS_DEFAULT_REGION"] = REGION
    os.environ["AWS_CONFIG_FILE"] = os.environ["AWS_SHARED_CREDENTIALS_FILE"] = missing
    for service in ("S3", "GLUE", "SNS", "SQS", "STS"):
        os.environ[f"AWS_ENDPOINT_URL_{service}"] = moto_url


def aws(args: argparse.Namespace, results: Path) -> dict[str, Any]:
    sys.path.insert(0, str(REPO))
    from tests.harness import moto_glue
    from tests.harness.local_athena import LocalAthena

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    moto_glue.install()
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    moto.start()
    set_env("http://{}:{}".format(*moto.get_host_and_port()), str(results / "no-aws-config"))
    athena: Any = None
    out: dict[str, Any] = {"backend": "aws"}
    try:
        buckets = args.aws_buckets
        if not buckets:  # probe: 4 tables at full size, in their own database and bucket
            probe = results / "load-probe"
            build(probe, 4, args.rows, args.buckets, "load_probe", "load-probe")
            t0 = time.perf_counter()
            mirror_in_process(probe)
            estimate = (time.perf_counter() - t0) / 4 * args.tables
            shutil.rmtree(probe)
            buckets = args.buckets if estimate <= args.mirror_budget else args.aws_fallback_buckets
            out["mirror_estimate_full_scale_s"] = round(estimate)
            print(f"aws: mirroring {args.tables} x {args.buckets} into moto would take ~"
                  f"{estimate:.0f} s (budget {args.mirror_budget} s): running "
                  f"{args.tables} x {buckets}", flush=True)  # fmt: skip
        lake = results / "load-lake-aws"
        out["scale"] = f"{args.tables} x {buckets}"
        out["build_s"] = build(lake, args.tables, args.rows, buckets)
        t0 = time.perf_counter()
        mirror_in_process(lake)
        out["mirror_s"] = round(time.perf_counter() - t0, 1)
        shutil.rmtree(lake)
        print(f"  built in {out['build_s']} s, mirrored in {out['mirror_s']} s", flush=True)
        for bucket in (REPORTS, RESULTS):
            boto3.client("s3", region_name=REGION).create_bucket(Bucket=bucket)
        athena = LocalAthena(os.environ["AWS_ENDPOINT_URL_S3"], REGION).start()
        os.environ["AWS_ENDPOINT_URL_ATHENA"] = athena.endpoint_url
        flags = f"--backend aws --database {DB} --report_bucket {REPORTS} --athena_results "
        flags += f"s3://{RESULTS}/results/ --bucket_count {buckets} --data_docs false --region "
        flags += f"{REGION} --as_of {AS_OF} --max_workers {args.max_workers}"
        log = results / "load-logs" / f"aws-{args.tables}x{buckets}.log"
        out.update(run_monitor(flags.split(), log, args.tables, args.timeout))
        athena.wait_idle()
        stats = athena.stats()
        out["selects"] = stats["by_type"].get("SELECT", 0)
        out["queries_by_type"], out["query_states"] = stats["by_type"], stats["by_state"]
        out["peak_concurrent_queries"] = athena.max_concurrent_running
        s3 = boto3.client("s3", region_name=REGION)
        keys = s3.list_objects_v2(Bucket=REPORTS, Prefix=REPORT_KEY).get("KeyCount", 0)
        body = s3.get_object(Bucket=REPORTS, Key=REPORT_KEY)["Body"].read() if keys else b"{}"
        report = json.loads(body)
        out["problems"] = verify(report, args.tables, args.rows)
        # the run's own bill (its report's "athena") against what the endpoint recorded
        bill = report.get("athena") or {}
        out["athena_bill"] = bill
        out["bytes_scanned"], out["cost_usd"] = (
            bill.get("bytes_scanned"),
            bill.get("estimated_cost_usd"),
        )
        if bill.get("bytes_scanned") != stats["data_scanned_bytes"]:
            out["problems"].append(
                f"the report's bytes {bill.get('bytes_scanned')} != the endpoint's "
                f"{stats['data_scanned_bytes']}"
            )
        if out["peak_concurrent_queries"] > args.max_workers:
            out["problems"].append(f"{out['peak_concurrent_queries']} queries ran at once")
    finally:
        if athena is not None:
            athena.stop()
        moto.stop()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    out["bench_process_peak_rss_mb"] = round(peak / 1024)  # moto + endpoint + lake build
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    for flag, kind, default in (
        ("--tables", int, 500), ("--buckets", int, 256), ("--rows", int, 2560),
        ("--max_workers", int, 8), ("--mirror_budget", float, 300.0),
        ("--aws_buckets", int, 0), ("--aws_fallback_buckets", int, 16),
        ("--timeout", float, 1800.0), ("--out", Path, Path("bench-results/load.json")),
    ):  # fmt: skip
        parser.add_argument(flag, type=kind, default=default)
    parser.add_argument("--backend", choices=("local", "aws", "both"), default="both")
    parser.add_argument("--keep_lakes", action="store_true", help="keep the local lake")
    args = parser.parse_args()
    if min(args.tables, args.max_workers) < 1 or args.rows < args.buckets:
        raise SystemExit("bench_load: need --tables, --max_workers >= 1, --rows >= --buckets")
    out, results = args.out.resolve(), REPO / "bench-results"  # git-ignored
    for folder in (results / "load-logs", out.parent):
        folder.mkdir(parents=True, exist_ok=True)
    machine = {"nproc": os.cpu_count(), "python": platform.python_version(),
               "loadavg_start": [round(x, 2) for x in os.getloadavg()]}  # fmt: skip
    now = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    config = {k: str(v) for k, v in vars(args).items()}
    document: dict[str, Any] = {"measured_at": now, "config": config, "machine": machine}
    runs = [local(args, results)] if args.backend in ("local", "both") else []
    runs += [aws(args, results)] if args.backend in ("aws", "both") else []
    machine["loadavg_end"] = [round(x, 2) for x in os.getloadavg()]
    document["runs"] = runs
    out.write_text(json.dumps(document, indent=2) + "\n")
    cols = {"scale": "tables x parts", "build_s": "build s", "mirror_s": "mirror s",
            "wall_s": "run wall s", "cpu_s": "run CPU s", "peak_rss_mb": "peak RSS MB",
            "rss_growth_mb_per_100_tables": "MB/100 tbl", "exit_code": "exit",
            "selects": "SELECTs", "peak_concurrent_queries": "peak conc",
            "bytes_scanned": "bytes", "cost_usd": "est. $"}  # fmt: skip
    print(f"\n{'backend':<8}" + "".join(f"{h:>13}" for h in cols.values()))
    for r in runs:
        print(f"{r['backend']:<8}" + "".join(f"{str(r.get(c, '-')):>13}" for c in cols))
    for r in runs:
        print(f"{r['backend']}: RSS at 10/50/100 % of tables {r['rss_mb_at_10_50_100_pct_tables']}"
              f" MB; report: {'; '.join(r['problems']) or 'complete and right'}")  # fmt: skip
    print(f"written {out}")
    return 1 if any(r["problems"] or r["exit_code"] != 0 for r in runs) else 0


if __name__ == "__main__":
    sys.exit(main())
