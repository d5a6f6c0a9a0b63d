"""Athena workgroups as they are configured: the run reads the workgroup once (GetWorkGroup)
and sends a result location only when the workgroup does not decide it itself (enforced
settings, managed query results). Without a location from the flag or the workgroup, the run
stops with one line before any query.

The runs are made as the job role (tests/conftest.py), deployed here for the workgroup used."""

from __future__ import annotations

from typing import Any

import boto3

from tests import lake_fixture
from tests.aws_lake import glue_partition_values
from tests.aws_role import JobRole, deployment, role_policy
from tests.conftest import RunCli
from tests.test_aws_run import REGION, RESULTS, aws_args, read_s3_json

TABLES = ["--tables", "part_clean_01,part_pk,part_unreg", "--data_docs", "false"]
EXPECTED = [
    "[PK_NULL] part_pk: customer_user_id NULL rows=7",
    "[PK_DUPES] part_pk: customer_user_id duplicate rows=10",
    "[ALERT] part_unreg: Glue missing 3 partitions (auto-repaired 3 via athena)",
]
REPORT_KEY = f"data-monitor/omc_monitor_report_{lake_fixture.AS_OF}.json"


def deploy_for(job_role: JobRole, workgroup: str, results_prefix: str = "results/") -> None:
    """The role as the stack deploys it for this workgroup and result prefix."""
    parameters = deployment(AthenaWorkgroup=workgroup, AthenaResultsPrefix=results_prefix)
    job_role.replace_policy(role_policy(parameters))


def without_action(policy: dict[str, Any], action: str) -> dict[str, Any]:
    statements = []
    for statement in policy["Statement"]:
        actions = statement["Action"] if isinstance(statement["Action"], list) else []
        kept = [a for a in actions if a != action] if actions else statement["Action"]
        if kept:
            statements.append({**statement, "Action": kept})
    return {**policy, "Statement": statements}


def without_results_flag(args: list[str]) -> list[str]:
    at = args.index("--athena_results")
    return args[:at] + args[at + 2 :]


def error_lines(err: str) -> list[str]:
    return [line for line in err.splitlines() if "error" in line.lower()]


def assert_checked_as_expected(code: int, err: str, local_athena: Any, workgroup: str) -> None:
    assert code == 1, err[-3000:]
    assert read_s3_json(lake_fixture.REPORT_BUCKET, REPORT_KEY)["alerts"] == EXPECTED
    assert glue_partition_values(lake_fixture.DATABASE, "part_unreg") == list(range(16))
    assert local_athena.operations["GetWorkGroup"] == 1  # once per run, not per query
    kinds = sorted(q.kind for q in local_athena.queries)
    assert kinds == ["DDL"] + ["SELECT"] * 3  # the repair, then 1 per table
    assert {(q.workgroup, q.state) for q in local_athena.queries} == {(workgroup, "SUCCEEDED")}


def test_an_enforced_workgroup_keeps_results_in_its_own_location(
    run_cli: RunCli, aws_lake: dict[str, str], local_athena: Any, job_role: JobRole
) -> None:
    own = "s3://test-athena/enforced/"
    local_athena.set_workgroup("etl", enforce=True, output_location=own)
    deploy_for(job_role, "etl", results_prefix="enforced/")
    code, _, err = run_cli(*aws_args(aws_lake["topic"], "--athena_workgroup", "etl", *TABLES))
    assert_checked_as_expected(code, err, local_athena, "etl")
    # the flag is not sent (Athena would ignore it): every result is at the workgroup's location
    assert [q.result_configuration for q in local_athena.queries] == [None] * 4
    assert all(q.output_location.startswith(own) for q in local_athena.queries)
    assert (
        f"--athena_results {RESULTS} is not used: Athena workgroup etl overrides client-side "
        f"settings ({own})" in err
    )


def test_a_managed_results_workgroup_gets_no_result_configuration(
    run_cli: RunCli, aws_lake: dict[str, str], local_athena: Any, job_role: JobRole
) -> None:
    local_athena.set_workgroup("managed", managed=True)
    deploy_for(job_role, "managed")
    args = without_results_flag(aws_args(aws_lake["topic"], "--athena_workgroup", "managed"))
    code, _, err = run_cli(*args, *TABLES)
    assert_checked_as_expected(code, err, local_athena, "managed")
    # Athena refuses a ResultConfiguration here: none was sent, by the repair or by pyathena
    assert [q.result_configuration for q in local_athena.queries] == [None] * 4
    assert [(q.output_location, q.managed) for q in local_athena.queries] == [(None, True)] * 4
    listed = boto3.client("s3", region_name=REGION).list_objects_v2(Bucket="test-athena")
    assert listed["KeyCount"] == 0  # nothing written where results used to go


def test_no_result_location_anywhere_stops_before_any_query(
    run_cli: RunCli, aws_lake: dict[str, str], local_athena: Any
) -> None:
    code, out, err = run_cli(*without_results_flag(aws_args(aws_lake["topic"])), *TABLES)
    assert code == 2
    assert error_lines(err) == [
        "data-monitor run: error: --athena_results s3://... is required with --backend aws: "
        "Athena workgroup primary has no query result location and no managed query results"
    ]
    assert out == ""
    assert local_athena.queries == []
    assert dict(local_athena.operations) == {"GetWorkGroup": 1}
    listed = boto3.client("s3", region_name=REGION).list_objects_v2(
        Bucket=lake_fixture.REPORT_BUCKET
    )
    assert listed["KeyCount"] == 0  # no report either


def test_an_enforced_workgroup_without_a_location_stops_the_run(
    run_cli: RunCli, aws_lake: dict[str, str], local_athena: Any, job_role: JobRole
) -> None:
    local_athena.set_workgroup("strict", enforce=True)
    deploy_for(job_role, "strict")
    code, _, err = run_cli(*aws_args(aws_lake["topic"], "--athena_workgroup", "strict", *TABLES))
    assert code == 2
    assert error_lines(err) == [
        "data-monitor run: error: Athena workgroup strict overrides client-side settings but "
        "has no query result location; expected a result location or managed query results "
        "in the workgroup"
    ]
    assert local_athena.queries == []


def test_an_unknown_workgroup_stops_the_run(
    run_cli: RunCli, aws_lake: dict[str, str], local_athena: Any, job_role: JobRole
) -> None:
    deploy_for(job_role, "nope")  # allowed to ask: Athena then says it does not exist
    code, _, err = run_cli(*aws_args(aws_lake["topic"], "--athena_workgroup", "nope", *TABLES))
    assert code == 2
    assert error_lines(err) == [
        "data-monitor run: error: --athena_workgroup nope: no such Athena workgroup in "
        f"{REGION} (InvalidRequestException: WorkGroup nope is not found.); expected the name "
        "of an existing workgroup"
    ]
    assert local_athena.queries == []


def test_a_role_without_get_work_group_falls_back_to_the_flag(
    run_cli: RunCli, aws_lake: dict[str, str], local_athena: Any, job_role: JobRole
) -> None:
    job_role.replace_policy(without_action(job_role.policy, "athena:GetWorkGroup"))
    denied = (
        "Athena workgroup primary could not be read (AccessDeniedException: User: "
        f"{job_role.keys['AWS_ACCESS_KEY_ID']} is not authorized to perform: "
        "athena:GetWorkGroup on resource: arn:aws:athena:us-east-1:123456789012:workgroup/"
        "primary because no identity-based policy allows the athena:GetWorkGroup action)"
    )
    code, _, err = run_cli(*aws_args(aws_lake["topic"], *TABLES))
    assert_checked_as_expected(code, err, local_athena, "primary")
    assert [q.result_configuration for q in local_athena.queries] == [
        {"OutputLocation": RESULTS}
    ] * 4
    (warning,) = [line for line in err.splitlines() if "could not be read" in line]
    assert warning.endswith(f"{denied}; query results go to --athena_results {RESULTS}")
    # without the flag there is nowhere to put results: one line, no query
    local_athena.reset()
    code, _, err = run_cli(*without_results_flag(aws_args(aws_lake["topic"])), *TABLES)
    assert code == 2
    assert error_lines(err) == [
        "data-monitor run: error: --athena_results s3://... is required with --backend aws: "
        + denied
    ]
    assert local_athena.queries == []


def test_a_get_work_group_failure_is_said_in_one_line(
    run_cli: RunCli, aws_lake: dict[str, str], local_athena: Any
) -> None:
    """Any other refusal (here one botocore does not retry) is handled the same way."""
    local_athena.throttle_next(1, op="GetWorkGroup", code="InternalServerException")
    code, _, err = run_cli(*without_results_flag(aws_args(aws_lake["topic"])), *TABLES)
    assert code == 2
    assert error_lines(err) == [
        "data-monitor run: error: --athena_results s3://... is required with --backend aws: "
        "Athena workgroup primary could not be read (InternalServerException: Rate exceeded)"
    ]
    assert local_athena.queries == []
