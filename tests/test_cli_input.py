"""Bad input stops the run with exit 2 and one line naming the flag, before anything is touched."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import RunCli

BASE = ["run", "--database", "omc_test", "--report_bucket", "test-reports"]

INVALID = [
    (["--count_tolerance_pct", "-1"], "--count_tolerance_pct: '-1' is not a number >= 0"),
    (["--count_tolerance_pct", "nan"], "--count_tolerance_pct: 'nan' is not a number >= 0"),
    (["--bucket_count", "abc"], "--bucket_count: 'abc' is not an integer >= 1"),
    (["--bucket_count", "0"], "--bucket_count: '0' is not an integer >= 1"),
    (["--auto_repair", "msck"], "--auto_repair: 'msck' is not one of athena|glue|off"),
    (["--strict_snapshot", "yes"], "--strict_snapshot: 'yes' is not true or false"),
    (["--count_check_enabled", "1"], "--count_check_enabled: '1' is not true or false"),
    (["--file_size_check", "maybe"], "--file_size_check: 'maybe' is not true or false"),
    (["--freshness_window_days", "-3"], "--freshness_window_days: '-3' is not an integer >= 0"),
    (["--max_tables", "x"], "--max_tables: 'x' is not an integer >= 0"),
    (
        ["--data_buckets", "lake,Other_Bucket"],
        "--data_buckets: 'lake,Other_Bucket' is not a comma-separated list of S3 bucket names",
    ),
    (
        ["--data_buckets", ","],
        "--data_buckets: ',' is not a comma-separated list of S3 bucket names",
    ),
    (["--compare_source_type", "raw"], "--compare_source_type: 'raw' is not one of ext|part"),
    (["--pk_column", "id;drop"], "--pk_column: 'id;drop' is not a column name"),
    (["--table_prefix", "Part-"], "--table_prefix: 'Part-' is not lowercase letters"),
    (["--compare_database", "Other DB"], "--compare_database: 'Other DB' is not a Glue name"),
    (["--region", "mars"], "--region: 'mars' is not an AWS region"),
    (["--athena_results", "bucket/x"], "--athena_results: 'bucket/x' is not an s3:// URI"),
    (["--sns_topic_arn", "topic"], "--sns_topic_arn: 'topic' is not an SNS topic ARN"),
    (["--report_prefix", "reports"], "--report_prefix: 'reports' is not an S3 key prefix"),
    (["--backend", "gcp"], "--backend: 'gcp' is not one of local|aws"),
    (["--as_of", "25/11/2026"], "--as_of: '25/11/2026' is not a date YYYY-MM-DD"),
    (["--snapshot_marker", "{bucket}/x"], "--snapshot_marker: '{bucket}/x' is not a template"),
    (["--max_workers", "-1"], "--max_workers: '-1' is not an integer >= 0"),
    (["--tables", "a,B"], "--tables: 'a,B' is not a comma-separated list"),
    (
        ["--file_size_min_mb", "10", "--file_size_max_mb", "5"],
        "--file_size_min_mb 10 is larger than --file_size_max_mb 5",
    ),
    (
        ["--compare_source_type", "part"],
        "--compare_source_type part compares each table with itself",
    ),
    (["--report_sse", "des"], "--report_sse: 'des' is not one of bucket-default|AES256|aws:kms"),
    (["--fail_on", "warnings"], "--fail_on: 'warnings' is not one of alerts|errors|never"),
    (["--fail_on", ""], "--fail_on: '' is not one of alerts|errors|never"),
    (["--notify", "some"], "--notify: 'some' is not one of all|changed"),
    (
        ["--cloudwatch_namespace", "AWS/Glue"],
        "--cloudwatch_namespace: 'AWS/Glue' is not a CloudWatch namespace (1-255 printable "
        "ASCII characters, not starting with : or AWS/)",
    ),
    (
        ["--event_bus", "ops:bus"],
        "--event_bus: 'ops:bus' is not an EventBridge event bus name or ARN",
    ),
    (["--expected_bucket_owner", "12"], "--expected_bucket_owner: '12' is not a 12-digit"),
    (["--report_kms_key", "my key"], "--report_kms_key: 'my key' is not a KMS key"),
    (["--report_kms_key", "key-1"], "--report_kms_key needs --report_sse aws:kms"),
    (
        ["--report_sse", "AES256", "--report_kms_key", "key-1"],
        "--report_kms_key needs --report_sse aws:kms (got --report_sse AES256)",
    ),
    (["--docs_keep_runs", "0"], "--docs_keep_runs: '0' is not an integer >= 1"),
    (["--query_timeout_seconds", "0"], "--query_timeout_seconds: '0' is not an integer >= 1"),
]


@pytest.mark.parametrize(("args", "message"), INVALID, ids=[" ".join(a) for a, _ in INVALID])
def test_invalid_flag_exits_2_with_one_line(
    run_cli: RunCli, tmp_path: Path, args: list[str], message: str
) -> None:
    warehouse = tmp_path / "warehouse"
    code, out, err = run_cli(*BASE, "--warehouse", str(warehouse), *args)
    assert code == 2
    lines = [line for line in err.splitlines() if "error" in line]
    assert len(lines) == 1, err
    assert message in lines[0]
    assert not warehouse.exists()  # nothing read or written
    assert out == ""


ACCEPTED = [
    ([], {"fail_on": "alerts", "report_sse": "bucket-default"}),  # the defaults
    (["--fail_on", "ERRORS"], {"fail_on": "errors"}),
    (["--fail_on", "never"], {"fail_on": "never"}),
    (["--notify", "changed"], {"notify": "changed"}),
    (
        ["--cloudwatch_namespace", "Data Monitor/prod", "--event_bus", "default"],
        {"cloudwatch_namespace": "Data Monitor/prod", "event_bus": "default"},
    ),
    (
        ["--event_bus", "arn:aws:events:us-east-1:123456789012:event-bus/data-ops"],
        {"event_bus": "arn:aws:events:us-east-1:123456789012:event-bus/data-ops"},
    ),
    (["--report_sse", "AES256"], {"report_sse": "AES256"}),
    (["--report_sse", "aes256"], {"report_sse": "AES256"}),  # as S3 spells it, in any case
    (["--report_sse", "none"], {"report_sse": "bucket-default"}),  # the old spelling
    (
        ["--report_sse", "aws:kms", "--report_kms_key", "alias/reports"],
        {"report_sse": "aws:kms", "report_kms_key": "alias/reports"},
    ),
]


@pytest.mark.parametrize(("args", "expected"), ACCEPTED, ids=[" ".join(a) for a, _ in ACCEPTED])
def test_accepted_spellings(args: list[str], expected: dict[str, str]) -> None:
    from data_monitor.cli import build_parser
    from data_monitor.cli.flags import settings_from

    parsed, unknown = build_parser().parse_known_args([*BASE, *args])
    settings = settings_from(parsed)
    assert unknown == []
    assert {name: getattr(settings, name) for name in expected} == expected


@pytest.mark.parametrize("missing", ["--database", "--report_bucket"])
def test_missing_required_flag(run_cli: RunCli, missing: str) -> None:
    args = [a for a in BASE[1:]]
    index = args.index(missing)
    del args[index : index + 2]
    code, _, err = run_cli("run", *args)
    assert code == 2
    assert f"{missing} is required" in err


def test_glue_arguments_are_ignored_with_a_log_line(run_cli: RunCli, warehouse: Path) -> None:
    code, out, err = run_cli(
        *BASE,
        "--warehouse",
        str(warehouse),
        "--tables",
        "part_clean_01",
        "--bucket_count",
        "16",
        "--as_of",
        "2026-11-20",
        "--JOB_ID",
        "j_123",
        "--TempDir",
        "s3://tmp/",
        "--job-bookmark-option",
        "job-bookmark-disable",
    )
    assert code == 0, err
    assert (
        "ignoring arguments this job does not use: --JOB_ID --TempDir --job-bookmark-option" in err
    )
    assert "checked 1 table(s): 0 alert(s)" in out


def test_help_lists_every_seed_flag_with_defaults(run_cli: RunCli) -> None:
    with pytest.raises(SystemExit) as exit_info:
        run_cli("run", "--help")
    assert exit_info.value.code == 0


def test_runner_py_takes_the_same_flags(tmp_path: Path) -> None:
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[1]
    done = subprocess.run(
        [
            sys.executable,
            str(root / "runner.py"),
            "--database",
            "omc_test",
            "--report_bucket",
            "test-reports",
            "--bucket_count",
            "abc",
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
    )
    assert done.returncode == 2
    assert done.stderr.strip() == (
        "data-monitor run: error: argument --bucket_count: 'abc' is not an integer >= 1"
    )


def test_an_unexpected_crash_exits_3_not_1(
    run_cli: RunCli, warehouse: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from data_monitor.run import monitor

    def crash(settings: object, stop: object = None) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(monitor, "run", crash)
    code, out, err = run_cli(*BASE, "--warehouse", str(warehouse))
    assert code == 3  # 1 would tell cron "issues found, report written"
    assert "data-monitor stopped on an unexpected error" in err
    assert "RuntimeError: disk on fire" in err
