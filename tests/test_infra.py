"""infra/monitoring.yaml: it lints clean, its Glue job runs with the seed's production arguments
(and the CLI accepts every one), it runs daily, and its IAM role grants exactly the actions of
infra/iam_actions.json, each one called by the code or a documented allowance, on the named
resources only."""

from __future__ import annotations

import datetime as dt
import fnmatch
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import botocore.session
import pyathena
import pytest
from botocore import xform_name
from cfnlint.api import ManualArgs, lint, lint_file
from cfnlint.decode import decode

from data_monitor.cli import build_parser
from data_monitor.flags import settings_from
from data_monitor.outputs import report_uris
from data_monitor.settings import DEFAULT_SNAPSHOT_MARKER, Settings

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "infra" / "monitoring.yaml"
ACTIONS_FILE = ROOT / "infra" / "iam_actions.json"
PACKAGE = ROOT / "data_monitor"
LINT_REGIONS = ["us-east-1", "us-west-2", "eu-west-1"]
ACCOUNT, REGION = "123456789012", "us-east-1"

# The seed job's "Current Production Configuration" (--sns_topic_arn: the stack's own topic).
SEED_ARGUMENTS = {
    "--database": "omc_flywheel_prod",
    "--table_prefix": "part_",
    "--bucket_count": "256",
    "--report_bucket": "omc-flywheel-prod-analysis-data",
    "--report_prefix": "data-monitor/",
    "--auto_repair": "athena",
    "--athena_workgroup": "primary",
    "--athena_results": "s3://omc-flywheel-prod-analysis-data/query-results/monitor/",
    "--strict_snapshot": "true",
    "--freshness_window_days": "45",
    "--count_check_enabled": "true",
    "--compare_source_type": "ext",
    "--compare_database": "omc_flywheel_prod",
    "--count_tolerance_pct": "0",
    "--pk_column": "customer_user_id",
    "--file_size_check": "false",
}
# Glue's own job parameters in DefaultArguments; Glue passes them to the script too, and the
# monitor logs and ignores them. Anything else the CLI does not know would be a typo.
GLUE_JOB_PARAMETERS = {
    "--additional-python-modules",
    "--job-bookmark-option",
    "--enable-continuous-cloudwatch-log",
}
# What Glue itself adds to a run's arguments.
GLUE_RUN_ARGUMENTS = ["--JOB_ID", "j_0", "--JOB_RUN_ID", "jr_0", "--TempDir", "s3://tmp/t/"]
# The parameters without a default, as a deployment passes them.
DEPLOY_PARAMETERS = {"DataBucket": "omc-flywheel-lake-prod", "ArtifactsBucket": "omc-artifacts"}

# Actions granted although data_monitor/backends/*.py does not call them, by documented reason
# (the "bases" of infra/iam_actions.json; infra/README.md explains each action).
ALLOWANCES = {
    # Athena runs the monitor's SELECTs and ALTER TABLE ADD PARTITION with the caller's
    # permissions: Glue catalog reads/partition writes, S3 data reads, query-result writes.
    "athena": {
        "s3:ListBucket",
        "s3:GetBucketLocation",
        "s3:GetObject",
        "s3:PutObject",
        "s3:AbortMultipartUpload",
        "s3:ListMultipartUploadParts",
        "glue:GetDatabase",
        "glue:GetTable",
        "glue:GetPartitions",
        "glue:GetPartition",
        "glue:BatchCreatePartition",
        "glue:CreatePartition",
    },
    # GX queries Athena through pyathena's REST cursor (awsathena+rest).
    "pyathena": {
        "athena:StartQueryExecution",
        "athena:GetQueryExecution",
        "athena:GetQueryResults",
        "athena:StopQueryExecution",
    },
    # The Glue service, with the job role: fetch runner.py and the wheel, write the job's logs.
    "glue-job": {
        "s3:GetObject",
        "logs:CreateLogGroup",
        "logs:CreateLogStream",
        "logs:PutLogEvents",
    },
    # In AWS's example policy for running queries in one workgroup; read-only, not called.
    "aws-example": {"athena:GetWorkGroup"},
}
# Operations whose IAM action is not "<service>:<Operation>".
IAM_ACTION_OF = {("s3", "ListObjectsV2"): "s3:ListBucket", ("s3", "HeadObject"): "s3:GetObject"}
NO_VALUE = object()


# --- the template, resolved for one deployment -------------------------------------------------


class Stack:
    """The template with intrinsic functions resolved for given parameter values (defaults plus
    ``overrides``): Ref, Fn::Sub, Fn::GetAtt, Fn::If and the conditions this template uses."""

    def __init__(self, template: dict[str, Any], overrides: dict[str, str]) -> None:
        self.template = template
        params = {name: spec.get("Default") for name, spec in template["Parameters"].items()}
        params.update(overrides)
        missing = sorted(name for name, value in params.items() if value is None)
        assert not missing, f"no value for parameters {missing}"
        self.values = {name: str(value) for name, value in params.items()}
        self.values.update(
            {"AWS::Region": REGION, "AWS::AccountId": ACCOUNT, "AWS::Partition": "aws"}
        )

    def resource(self, name: str) -> dict[str, Any]:
        return dict(self.template["Resources"][name])

    def ref(self, name: str) -> str:
        if name in self.values:
            return self.values[name]
        resource = self.resource(name)
        props = resource.get("Properties", {})
        if resource["Type"] == "AWS::SNS::Topic":
            return f"arn:aws:sns:{REGION}:{ACCOUNT}:{self.resolve(props['TopicName'])}"
        if resource["Type"] in ("AWS::Glue::Job", "AWS::Glue::Trigger"):
            return str(self.resolve(props["Name"]))
        raise AssertionError(f"Ref to {resource['Type']} is not modelled")

    def get_att(self, name: str, attribute: str) -> str:
        assert (self.resource(name)["Type"], attribute) == ("AWS::IAM::Role", "Arn")
        return f"arn:aws:iam::{ACCOUNT}:role/{name}"

    def condition(self, name: str) -> bool:
        return bool(self.evaluate(self.template["Conditions"][name]))

    def evaluate(self, node: Any) -> Any:
        if isinstance(node, dict) and "Fn::Not" in node:
            return not self.evaluate(node["Fn::Not"][0])
        if isinstance(node, dict) and "Fn::Equals" in node:
            left, right = node["Fn::Equals"]
            return self.resolve(left) == self.resolve(right)
        if isinstance(node, dict) and "Condition" in node:
            return self.condition(node["Condition"])
        raise AssertionError(f"condition {node!r} is not modelled")

    def sub(self, argument: Any) -> str:
        text, extra = (argument, {}) if isinstance(argument, str) else argument

        def value(match: re.Match[str]) -> str:
            name = match.group(1)
            if name in extra:
                return str(self.resolve(extra[name]))
            if "." in name and not name.startswith("AWS::"):
                return self.get_att(*name.split(".", 1))
            return self.ref(name)

        return re.sub(r"\$\{([\w:.]+)\}", value, str(text))

    def resolve(self, node: Any) -> Any:
        if isinstance(node, dict) and len(node) == 1:
            ((key, argument),) = node.items()
            if key == "Ref":
                return NO_VALUE if argument == "AWS::NoValue" else self.ref(argument)
            if key == "Fn::Sub":
                return self.sub(argument)
            if key == "Fn::GetAtt":
                name, attribute = argument if isinstance(argument, list) else argument.split(".")
                return self.get_att(name, attribute)
            if key == "Fn::If":
                name, if_true, if_false = argument
                return self.resolve(if_true if self.condition(name) else if_false)
        if isinstance(node, dict):
            resolved = {k: self.resolve(v) for k, v in node.items()}
            return {k: v for k, v in resolved.items() if v is not NO_VALUE}
        if isinstance(node, list):
            return [v for v in (self.resolve(item) for item in node) if v is not NO_VALUE]
        return node

    def statements(self) -> list[dict[str, Any]]:
        role = self.resource("JobRole")["Properties"]
        return [
            statement
            for policy in self.resolve(role["Policies"])
            for statement in policy["PolicyDocument"]["Statement"]
        ]

    def allows(self, action: str, arn: str) -> bool:
        return any(
            statement["Effect"] == "Allow"
            and action in as_list(statement["Action"])
            and any(fnmatch.fnmatchcase(arn, pattern) for pattern in as_list(statement["Resource"]))
            for statement in self.statements()
        )

    def job_arguments(self) -> dict[str, str]:
        return dict(self.resolve(self.resource("MonitorJob")["Properties"]["DefaultArguments"]))


def as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list) else [value]


def s3_arn(uri: str) -> str:
    assert uri.startswith("s3://")
    return "arn:aws:s3:::" + uri[len("s3://") :]


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    decoded, errors = decode(str(TEMPLATE))
    assert not errors and decoded is not None, errors
    return dict(decoded)


@pytest.fixture(scope="module")
def stack(template: dict[str, Any]) -> Stack:
    return Stack(template, DEPLOY_PARAMETERS)


@pytest.fixture(scope="module")
def declared() -> list[dict[str, Any]]:
    return list(json.loads(ACTIONS_FILE.read_text(encoding="utf-8"))["actions"])


# --- lint --------------------------------------------------------------------------------------


def test_template_lints_without_errors_or_warnings() -> None:
    matches = lint_file(TEMPLATE, ManualArgs(regions=LINT_REGIONS))
    problems = [f"{m.rule.id} line {m.linenumber}: {m.message}" for m in matches]
    # informational rules (I...) are off by default; errors (E) and warnings (W) must be none
    assert problems == []


def test_the_linter_does_catch_a_broken_template() -> None:
    broken = TEMPLATE.read_text(encoding="utf-8").replace("WorkerType: G.1X", "WorkerType: G.9Z")
    assert "E3030" in {m.rule.id for m in lint(broken, regions=[REGION])}


# --- the job -----------------------------------------------------------------------------------


def test_job_runs_with_the_seed_production_arguments(stack: Stack) -> None:
    args = stack.job_arguments()
    assert {k: args.get(k) for k in SEED_ARGUMENTS} == SEED_ARGUMENTS
    raw = stack.resource("MonitorJob")["Properties"]["DefaultArguments"]
    assert raw["--sns_topic_arn"] == {"Ref": "AlertTopic"}
    assert args["--backend"] == "aws"
    assert args["--region"] == REGION
    assert args["--additional-python-modules"] == (
        "s3://omc-artifacts/data-monitor/data_monitor-0.1.0-py3-none-any.whl"
    )


def test_every_job_argument_is_accepted_by_the_cli(stack: Stack) -> None:
    argv = ["run", *GLUE_RUN_ARGUMENTS]
    for key, value in stack.job_arguments().items():
        argv += [key, value]
    parsed, unknown = build_parser().parse_known_args(argv)
    settings = settings_from(parsed)
    ignored = {a for a in unknown if a.startswith("--")}
    assert ignored == GLUE_JOB_PARAMETERS | set(GLUE_RUN_ARGUMENTS[::2])
    assert settings.backend == "aws"
    assert settings.sns_topic_arn == stack.ref("AlertTopic")
    assert settings.source_database == "omc_flywheel_prod"
    assert (settings.count_tolerance_pct, settings.bucket_count) == (0.0, 256)


def test_job_is_a_small_glueetl_python_job(template: dict[str, Any], stack: Stack) -> None:
    props = stack.resolve(stack.resource("MonitorJob")["Properties"])
    assert props["Command"] == {
        "Name": "glueetl",
        "PythonVersion": "3",
        "ScriptLocation": "s3://omc-artifacts/data-monitor/runner.py",
    }
    version = template["Parameters"]["GlueVersion"]
    assert stack.resource("MonitorJob")["Properties"]["GlueVersion"] == {"Ref": "GlueVersion"}
    assert (version["Default"], sorted(version["AllowedValues"])) == ("5.0", ["4.0", "5.0"])
    assert (props["WorkerType"], props["NumberOfWorkers"], props["MaxRetries"]) == ("G.1X", 2, 0)
    assert 0 < int(props["Timeout"]) <= 24 * 60
    assert props["Role"] == stack.get_att("JobRole", "Arn")


def is_daily(expression: str) -> bool:
    """A Glue/EventBridge cron that fires once a day: fixed minute and hour, every day."""
    match = re.fullmatch(r"cron\((.+)\)", expression)
    fields = match.group(1).split() if match else []
    if len(fields) != 6:
        return False
    minute, hour, day, month, weekday, year = fields
    return (
        minute.isdigit()
        and hour.isdigit()
        and {day, weekday} <= {"*", "?"}
        and "?" in (day, weekday)
        and month == year == "*"
    )


@pytest.mark.parametrize(
    ("expression", "daily"),
    [
        ("cron(0 6 * * ? *)", True),
        ("cron(30 23 ? * * *)", True),
        ("cron(0 6 ? * MON *)", False),
        ("cron(0 */6 * * ? *)", False),
        ("rate(1 day)", False),
    ],
)
def test_is_daily(expression: str, daily: bool) -> None:
    assert is_daily(expression) is daily


def test_schedule_runs_the_job_daily(stack: Stack) -> None:
    trigger = stack.resource("DailySchedule")
    props = stack.resolve(trigger["Properties"])
    assert trigger["Type"] == "AWS::Glue::Trigger"
    assert (props["Type"], props["StartOnCreation"]) == ("SCHEDULED", True)
    assert is_daily(props["Schedule"]), props["Schedule"]
    assert props["Schedule"] == "cron(0 6 * * ? *)"
    assert trigger["Properties"]["Actions"] == [{"JobName": {"Ref": "MonitorJob"}}]


def test_topic_email_subscription_is_optional_and_outputs_are_there(
    template: dict[str, Any],
) -> None:
    assert Stack(template, DEPLOY_PARAMETERS).condition("HasAlertEmail") is False
    with_email = {**DEPLOY_PARAMETERS, "AlertEmail": "data-team@example.com"}
    assert Stack(template, with_email).condition("HasAlertEmail") is True
    subscription = template["Resources"]["AlertEmailSubscription"]
    assert subscription["Condition"] == "HasAlertEmail"
    assert subscription["Properties"]["TopicArn"] == {"Ref": "AlertTopic"}
    assert set(template["Outputs"]) == {"JobName", "TopicArn", "RoleArn"}


# --- the IAM policy ----------------------------------------------------------------------------


def test_role_has_no_managed_policy_and_no_wildcard(stack: Stack) -> None:
    role = stack.resource("JobRole")["Properties"]
    assert "ManagedPolicyArns" not in role and "PermissionsBoundary" not in role
    assert stack.resolve(role["AssumeRolePolicyDocument"])["Statement"] == [
        {
            "Effect": "Allow",
            "Principal": {"Service": "glue.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ]
    for statement in stack.statements():
        assert statement["Effect"] == "Allow" and not {"NotAction", "NotResource"} & set(statement)
        for action in as_list(statement["Action"]):
            assert re.fullmatch(r"[a-z0-9]+:[A-Za-z]+", action), action
        for arn in as_list(statement["Resource"]):
            # no Resource "*": every resource is an ARN of this account's named bucket, database,
            # workgroup, topic or log group; a "*" only ends an object key/table/log-group prefix
            assert arn != "*" and arn.startswith("arn:aws:"), arn
            assert "*" not in arn.rstrip("*") and not arn.endswith("::*"), arn
            assert "::/" not in arn and ":::*" not in arn and ":::/" not in arn, arn


def test_policy_grants_exactly_the_actions_of_iam_actions_json(
    stack: Stack, declared: list[dict[str, Any]]
) -> None:
    names = [entry["action"] for entry in declared]
    assert len(names) == len(set(names)), "iam_actions.json lists an action twice"
    granted = {a for statement in stack.statements() for a in as_list(statement["Action"])}
    assert granted == set(names)


@pytest.fixture(scope="module")
def client_methods() -> dict[str, set[str]]:
    """{service: {snake_case client method or paginator name}} called in data_monitor/backends."""
    found: dict[str, set[str]] = {}
    for path in sorted((PACKAGE / "backends").glob("*.py")):
        source = path.read_text(encoding="utf-8")
        clients = dict(re.findall(r'self\.(\w+) = clients\.client\("(\w+)"\)', source))
        assert source.count("clients.client(") == len(clients), f"{path}: unscanned client"
        for attribute, method, paginated in re.findall(
            r'self\.(\w+)\.(\w+)(?:\("(\w+)"\))?', source
        ):
            if attribute in clients:
                name = paginated if method == "get_paginator" else method
                found.setdefault(clients[attribute], set()).add(name)
    return found


def iam_actions_of(methods: dict[str, set[str]]) -> set[str]:
    session = botocore.session.get_session()
    actions = set()
    for service, names in methods.items():
        model = session.get_service_model(service)
        operations = {xform_name(op): op for op in model.operation_names}
        for name in names:
            assert name in operations, f"{service}.{name} is not a {service} API call"
            operation = operations[name]
            actions.add(IAM_ACTION_OF.get((service, operation), f"{service}:{operation}"))
    return actions


def test_only_the_backends_make_aws_calls() -> None:
    for path in sorted(PACKAGE.rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        relative = path.relative_to(PACKAGE).as_posix()
        if relative != "backends/aws_calls.py":
            assert not re.search(r"^\s*(import|from) (boto3|botocore)\b", source, re.M), path
        if "clients.client(" in source:
            assert relative.startswith("backends/"), path


def test_the_scan_finds_the_calls_the_code_makes(client_methods: dict[str, set[str]]) -> None:
    assert client_methods == {
        "s3": {"list_objects_v2", "get_object", "put_object"},
        "glue": {
            "get_database",
            "get_tables",
            "get_table",
            "get_partitions",
            "batch_create_partition",
        },
        "sns": {"publish"},
        "athena": {"start_query_execution", "get_query_execution", "stop_query_execution"},
    }


def test_every_granted_action_is_called_by_the_code_or_an_allowance(
    client_methods: dict[str, set[str]], declared: list[dict[str, Any]]
) -> None:
    called = iam_actions_of(client_methods)
    claimed = {entry["action"] for entry in declared if "code" in entry["basis"]}
    # every call is granted (or the job fails with AccessDenied), and every "code" claim is true
    assert claimed == called
    for entry in declared:
        assert entry["basis"], entry
        assert bool(entry["calls"]) == ("code" in entry["basis"]), entry
        for basis in entry["basis"]:
            if basis != "code":
                assert entry["action"] in ALLOWANCES[basis], (entry["action"], basis)


def test_pyathena_makes_the_calls_allowed_for_it() -> None:
    source = "\n".join(
        p.read_text(encoding="utf-8") for p in Path(pyathena.__file__).parent.rglob("*.py")
    )
    used = set(re.findall(r"\bclient\.(\w+)", source))
    for action in ALLOWANCES["pyathena"]:
        assert xform_name(action.split(":")[1]) in used, action


# --- what the job touches, evaluated against the policy -----------------------------------------


def job_settings(stack: Stack) -> Settings:
    argv = ["run"]
    for key, value in stack.job_arguments().items():
        argv += [key, value]
    return settings_from(build_parser().parse_known_args(argv)[0])


def lake_objects(bucket: str) -> Iterator[str]:
    location = f"s3://{bucket}/tables/part_ibe_01/"
    yield DEFAULT_SNAPSHOT_MARKER.format(location=location, table="part_ibe_01", database="db")
    yield f"{location}id_bucket=7/part-00000.parquet"


def test_policy_allows_every_object_the_job_reads_and_writes(stack: Stack) -> None:
    settings = job_settings(stack)
    started = dt.datetime(2025, 1, 15, 6, 0, tzinfo=dt.timezone.utc)
    written = [
        *report_uris(settings, started, "abc123").values(),
        settings.docs_uri + "index.html",
        settings.docs_uri + "validations/part_ibe_01.json",
    ]
    assert settings.docs_uri == "s3://omc-flywheel-prod-analysis-data/data-monitor/data-docs/"
    for uri in written:
        assert stack.allows("s3:PutObject", s3_arn(uri)), uri
        assert not stack.allows("s3:GetObject", s3_arn(uri)), uri  # reports are write-only
    assert settings.athena_results is not None
    result = s3_arn(settings.athena_results + "3f2a-query.csv")
    for action in (
        "s3:PutObject",
        "s3:GetObject",
        "s3:AbortMultipartUpload",
        "s3:ListMultipartUploadParts",
    ):
        assert stack.allows(action, result), action
    lake = DEPLOY_PARAMETERS["DataBucket"]
    for uri in lake_objects(lake):
        assert stack.allows("s3:GetObject", s3_arn(uri)), uri
        assert not stack.allows("s3:PutObject", s3_arn(uri)), uri  # never writes to the lake
    for bucket in (lake, settings.report_bucket):
        assert stack.allows("s3:ListBucket", f"arn:aws:s3:::{bucket}"), bucket
        assert stack.allows("s3:GetBucketLocation", f"arn:aws:s3:::{bucket}"), bucket
    args = stack.job_arguments()
    for uri in (args["--additional-python-modules"], "s3://omc-artifacts/data-monitor/runner.py"):
        assert stack.allows("s3:GetObject", s3_arn(uri)), uri
    assert not stack.allows("s3:GetObject", "arn:aws:s3:::omc-artifacts/other.whl")
    assert not stack.allows("s3:PutObject", "arn:aws:s3:::omc-artifacts/data-monitor/runner.py")


def test_policy_scopes_catalog_athena_sns_and_logs(stack: Stack) -> None:
    settings = job_settings(stack)
    glue = f"arn:aws:glue:{REGION}:{ACCOUNT}"
    db = settings.database
    for action in (
        "glue:GetDatabase",
        "glue:GetTables",
        "glue:GetTable",
        "glue:GetPartitions",
        "glue:GetPartition",
        "glue:BatchCreatePartition",
        "glue:CreatePartition",
    ):
        for arn in (f"{glue}:catalog", f"{glue}:database/{db}", f"{glue}:table/{db}/part_ibe_01"):
            assert stack.allows(action, arn), (action, arn)
        assert not stack.allows(action, f"{glue}:table/other_db/part_ibe_01"), action
        assert not stack.allows(action, f"{glue}:database/other_db"), action
    workgroup = f"arn:aws:athena:{REGION}:{ACCOUNT}:workgroup/"
    for action in ALLOWANCES["pyathena"]:
        assert stack.allows(action, workgroup + settings.athena_workgroup), action
        assert not stack.allows(action, workgroup + "other"), action
    assert settings.sns_topic_arn is not None
    assert stack.allows("sns:Publish", settings.sns_topic_arn)
    assert not stack.allows("sns:Publish", f"arn:aws:sns:{REGION}:{ACCOUNT}:other-topic")
    stream = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/aws-glue/jobs/output:log-stream:jr_0"
    assert stack.allows("logs:PutLogEvents", stream)
    assert not stack.allows("logs:PutLogEvents", f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/x")


def test_optional_source_bucket_is_readable_only_when_given(template: dict[str, Any]) -> None:
    resources = {
        r for s in Stack(template, DEPLOY_PARAMETERS).statements() for r in as_list(s["Resource"])
    }
    assert "arn:aws:s3:::" not in resources and "arn:aws:s3:::/*" not in resources
    with_source = Stack(template, {**DEPLOY_PARAMETERS, "SourceDataBucket": "omc-raw-input"})
    assert with_source.allows("s3:GetObject", "arn:aws:s3:::omc-raw-input/ext_ibe_01/x.csv")
    assert with_source.allows("s3:ListBucket", "arn:aws:s3:::omc-raw-input")
    assert not with_source.allows("s3:PutObject", "arn:aws:s3:::omc-raw-input/ext_ibe_01/x.csv")
