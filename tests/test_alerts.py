"""Alert lines, the SNS subject and message limits, and the count difference definition."""

from __future__ import annotations

import math

from custom_expectations.expect_row_count_to_match_source import count_diff_pct
from data_monitor.delivery.alerts import (
    MESSAGE_LIMIT,
    Alert,
    exception_reason,
    format_pct,
    message_for,
    subject_for,
)


def test_count_diff_pct_follows_the_seed_and_defines_an_empty_source() -> None:
    assert count_diff_pct(999_950, 1_000_000) == 0.005
    assert format_pct(count_diff_pct(999_950, 1_000_000)) == "0.005000"
    assert count_diff_pct(0, 0) == 0.0
    assert math.isinf(count_diff_pct(5, 0))
    assert format_pct("inf") == "inf"


def test_subject_is_the_seeds_in_ascii_and_fits_sns() -> None:
    # the seed's em dash is " - ": SNS subjects must be ASCII
    assert subject_for("omc_flywheel_prod", "part_", 3) == (
        "[DATA MONITOR] omc_flywheel_prod part_* - 3 issue(s)"
    )
    long = subject_for("d" * 200, "part_", 12345)
    assert len(long) < 100
    assert long.endswith("ddd... part_* - 12345 issue(s)")
    assert "\n" not in long


def test_a_message_with_multibyte_text_is_cut_by_bytes() -> None:
    # "Δ" is 2 bytes in UTF-8: counted in characters the message would be twice the limit
    alerts = [Alert("COUNT_MISMATCH", "High", f"part_{i:05d}", "Δ" * 300) for i in range(1000)]
    message = message_for("db", "part_", alerts, footer="Report: s3://b/r.json")
    assert len(message) < MESSAGE_LIMIT < len("".join(a.line for a in alerts).encode())
    assert len(message.encode()) <= MESSAGE_LIMIT
    assert "more issue(s) not shown" in message
    assert message.endswith("Report: s3://b/r.json")


def test_message_is_the_seeds() -> None:
    alerts = [Alert("PK_NULL", "High", "part_ibe_02", "customer_user_id NULL rows=5")]
    assert message_for("omc_flywheel_prod", "part_", alerts) == (
        "[DATA MONITOR] 1 issue(s) in omc_flywheel_prod (part_*)\n\n"
        "[PK_NULL] part_ibe_02: customer_user_id NULL rows=5"
    )


def test_a_huge_message_is_cut_to_sns_size_with_a_count_of_what_was_cut() -> None:
    alerts = [Alert("ERROR", "High", f"part_{i:05d}", "x" * 300) for i in range(2000)]
    message = message_for("db", "part_", alerts, footer="Report: s3://b/r.json")
    assert len(message.encode()) <= MESSAGE_LIMIT
    shown = message.count("[ERROR] part_")
    assert 0 < shown < 2000
    assert f"... {2000 - shown} more issue(s) not shown" in message
    assert message.endswith("Report: s3://b/r.json")


def test_exception_reasons_of_both_gx_shapes_are_one_line() -> None:
    metric_failure = {
        "exception_info": {
            "MetricConfigurationID(...)": {
                "exception_message": "Binder Error: column x not found\n[SQL: SELECT x FROM t]",
                "raised_exception": True,
            }
        }
    }
    expectation_failure = {
        "exception_info": {"raised_exception": True, "exception_message": "bad\nthing"}
    }
    assert exception_reason(metric_failure) == "Binder Error: column x not found"
    assert exception_reason(expectation_failure) == "bad thing"
    assert exception_reason({"exception_info": {"raised_exception": False}}) is None
