"""infra/monitoring.yaml: it lints clean, its Glue job runs with the seed's production arguments
(and the CLI accepts every one), it runs daily, and its IAM role grants exactly the actions of
infra/iam_actions.json, each one called by the code or a documented allowance, on the named
resources only (PutMetricData, which takes no resource, only in the stack's namespace). The
optional parts: the run's metrics and event, the example alarm, the Data Docs distribution."""

from __future__ import annotations

import datetime as dt
import fnmatch
import json
import re
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import botocore.session
import pyathena
import pytest
from botocore import xform_name
from cfnlint.api import ManualArgs, lint, lint_file

from data_monitor.cli import build_parser
from data_monitor.cli.flags import settings_from
from data_monitor.delivery.outputs import report_uris
from data_monitor.model.settings import DEFAULT_SNAPSHOT_MARKER, Settings
from tests.cfn_stack import (
    ACCOUNT,
    DISTRIBUTION_DOMAIN,
    DISTRIBUTION_ID,
    OAC_ID,
    REGION,
    TEMPLATE,
    Stack,
    as_list,
    load_template,
    s3_arn,
)

ROOT = Path(__file__).resolve().parents[1]
ACTIONS_FILE = ROOT / "infra" / "iam_actions.json"
PACKAGE = ROOT / "data_monitor"
LINT_REGIONS = ["us-east-1", "us-west-2", "eu-west-1"]

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
    "--python-modules-installer-option",
    "--job-bookmark-option",
    "--no-index",  # the value of --python-modules-installer-option: it reads as one more flag
}
# What Glue itself adds to a run's arguments.
GLUE_RUN_ARGUMENTS = ["--JOB_ID", "j_0", "--JOB_RUN_ID", "jr_0", "--TempDir", "s3://tmp/t/"]
# The parameters without a default, as a deployment passes them.
DEPLOY_PARAMETERS = {"DataBucket": "omc-flywheel-lake-prod", "ArtifactsBucket": "omc-artifacts"}

# Every optional parameter set: the policy then holds every action it can grant.
FULL_PARAMETERS = {
    **DEPLOY_PARAMETERS,
    "CompareDatabaseName": "omc_sources",
    "SourceDataBucket": "omc-raw-input",
    "DocsBucket": "omc-docs",
    "AthenaResultsBucket": "omc-athena-results",
    "ReportKmsKeyArn": f"arn:aws:kms:us-east-1:123456789012:key/{'1' * 8}-2222-3333-4444-{'5' * 12}",
    "DataKmsKeyArn": f"arn:aws:kms:us-east-1:123456789012:key/{'6' * 8}-7777-8888-9999-{'0' * 12}",
    "CleanRoomsMembershipId": f"{'a' * 8}-bbbb-cccc-dddd-{'e' * 12}",
    "EventBusName": "default",
}
# The one statement allowed Resource "*": PutMetricData takes no resource-level permission, so
# the namespace condition confines it (AWS: "Using condition keys to limit access to CloudWatch
# namespaces", iam-cw-condition-keys-namespace.html).
METRICS_STATEMENT = "PublishRunMetrics"
# What each basis of infra/iam_actions.json means is in its "bases"; whether the granted actions
# are the ones a run needs is observed, with IAM enforced, in tests/test_aws_iam.py. Only the
# Glue service's own use of the role (fetch runner.py and the bundle, write the job's logs) is
# beyond any run of the monitor, so it is listed here.
BASES = {"code", "pyathena", "athena", "s3-kms", "glue-job"}
GLUE_SERVICE_ONLY = {
    "s3:GetObject",
    "logs:CreateLogGroup",
    "logs:CreateLogStream",
    "logs:PutLogEvents",
}
# Operations whose IAM action is not "<service>:<Operation>".
IAM_ACTION_OF = {("s3", "ListObjectsV2"): "s3:ListBucket", ("s3", "HeadObject"): "s3:GetObject"}


# --- the template, resolved for one deployment -------------------------------------------------


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return load_template()


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
    assert args["--fail_on"] == "errors"  # FAILED only when a check could not run


def test_job_installs_the_locked_bundle_offline(stack: Stack) -> None:
    """The zip of wheels `make glue-bundle` builds, in the form Glue 5.0 documents for it:
    a .gluewheels.zip in --additional-python-modules and --no-index for pip."""
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    args = stack.job_arguments()
    assert args["--additional-python-modules"] == (
        f"s3://omc-artifacts/data-monitor/data_monitor-{version}.gluewheels.zip"
    )
    assert args["--python-modules-installer-option"] == "--no-index"


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
    assert settings.fail_on == "errors"


def test_job_is_a_small_glueetl_python_job(template: dict[str, Any], stack: Stack) -> None:
    props = stack.resolve(stack.resource("MonitorJob")["Properties"])
    assert props["Command"] == {
        "Name": "glueetl",
        "PythonVersion": "3",
        "ScriptLocation": "s3://omc-artifacts/data-monitor/runner.py",
    }
    version = template["Parameters"]["GlueVersion"]
    assert stack.resource("MonitorJob")["Properties"]["GlueVersion"] == {"Ref": "GlueVersion"}
    # Glue 5.0 only: it runs Python 3.11, what the lock needs and requires-python says.
    assert (version["Default"], version["AllowedValues"]) == ("5.0", ["5.0"])
    requires = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    assert requires == ">=3.11"
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
    always = {"JobName", "TopicArn", "RoleArn"}
    assert set(Stack(template, DEPLOY_PARAMETERS).outputs()) == always | {"HighSeverityAlarmName"}
    bare = {**DEPLOY_PARAMETERS, "CloudWatchNamespace": ""}
    assert set(Stack(template, bare).outputs()) == always


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
        if statement.get("Sid") == METRICS_STATEMENT:
            continue  # Resource "*" with the namespace condition: test_metrics_grant_...
        assert "Condition" not in statement, statement
        for arn in as_list(statement["Resource"]):
            # no Resource "*": every resource is an ARN of this account's named bucket, database,
            # workgroup, topic, bus or log group; a "*" only ends an object key/table/log-group
            # prefix
            assert arn != "*" and arn.startswith("arn:aws:"), arn
            assert "*" not in arn.rstrip("*") and not arn.endswith("::*"), arn
            assert "::/" not in arn and ":::*" not in arn and ":::/" not in arn, arn


def test_policy_grants_exactly_the_actions_of_iam_actions_json(
    template: dict[str, Any], stack: Stack, declared: list[dict[str, Any]]
) -> None:
    names = [entry["action"] for entry in declared]
    assert len(names) == len(set(names)), "iam_actions.json lists an action twice"
    full = Stack(template, FULL_PARAMETERS)
    granted = {a for statement in full.statements() for a in as_list(statement["Action"])}
    assert granted == set(names)
    # without a key the role holds no KMS permission at all
    assert not any(a.startswith("kms:") for s in stack.statements() for a in as_list(s["Action"]))


def scan_client_calls(source: str) -> dict[str, set[str]]:
    """{service: {method or paginator name}} of one module's boto3 clients, got from
    ``clients.client("<service>")`` and kept in an attribute or a local name
    (``self.sns = clients.client("sns")``, ``cw = clients.client("cloudwatch")``) or called at once
    (``clients.client("events").put_events(...)``). Any other use of a client is refused, so no
    call goes unseen."""
    found: dict[str, set[str]] = {}

    def add(service: str, method: str, paginated: str) -> None:
        found.setdefault(service, set()).add(paginated if method == "get_paginator" else method)

    client = r'clients\.client\("(\w+)"\)'
    call = r'\.(\w+)(?:\("(\w+)"\))?'
    held = dict(
        (name, service)
        for name, service in re.findall(rf"(?<![\w.])((?:self\.)?\w+) = {client}", source)
    )
    chained = re.findall(client + call, source)
    assert source.count("clients.client(") == len(held) + len(chained), "unscanned client"
    for service, method, paginated in chained:
        add(service, method, paginated)
    for name, method, paginated in re.findall(rf"(?<![\w.])((?:self\.)?\w+){call}", source):
        if name in held:
            add(held[name], method, paginated)
    return found


def test_the_scan_reads_every_form_of_client_use() -> None:
    source = """
        self.sns = clients.client("sns") if topic_arn else None
        self.sns.publish(TopicArn=arn)
        pages = self.s3.get_paginator("list_objects_v2")
        self.s3 = clients.client("s3")
        cw = clients.client("cloudwatch")
        aws_call("publish metrics", cw.put_metric_data, Namespace=ns)
        clients.client("events").put_events(Entries=entries)
        other.publish(x)
    """
    assert scan_client_calls(source) == {
        "sns": {"publish"},
        "s3": {"list_objects_v2"},
        "cloudwatch": {"put_metric_data"},
        "events": {"put_events"},
    }
    with pytest.raises(AssertionError, match="unscanned client"):
        scan_client_calls('self.clients = [clients.client("sqs")]')


@pytest.fixture(scope="module")
def client_methods() -> dict[str, set[str]]:
    """{service: {snake_case client method or paginator name}} called in data_monitor/backends."""
    found: dict[str, set[str]] = {}
    for path in sorted((PACKAGE / "backends").rglob("*.py")):
        for service, names in scan_client_calls(path.read_text(encoding="utf-8")).items():
            found.setdefault(service, set()).update(names)
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
        if relative != "backends/aws/calls.py":
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
            "get_table_versions",
            "batch_create_partition",
        },
        "sns": {"publish"},
        "cleanrooms": {
            "list_configured_table_associations",
            "get_configured_table",
            "get_configured_table_analysis_rule",
        },
        "athena": {
            "get_work_group",
            "start_query_execution",
            "get_query_execution",
            "stop_query_execution",
        },
        "cloudwatch": {"put_metric_data"},
        "events": {"put_events"},
    }


def test_every_declared_action_is_granted_and_explained(declared: list[dict[str, Any]]) -> None:
    """What iam_actions.json says of each action, independent of the code scan."""
    for entry in declared:
        assert entry["basis"], entry
        assert bool(entry["calls"]) == ("code" in entry["basis"]), entry
        assert set(entry["basis"]) <= BASES, entry
        assert entry["why"] and entry["resources"], entry
        if entry["basis"] == ["glue-job"]:
            assert entry["action"] in GLUE_SERVICE_ONLY, entry
    by_action = {entry["action"]: entry for entry in declared}
    for action, call in (
        ("cloudwatch:PutMetricData", "cloudwatch.put_metric_data"),
        ("events:PutEvents", "events.put_events"),
    ):
        assert (by_action[action]["basis"], by_action[action]["calls"]) == (["code"], [call])
    # the calls iam_actions.json names are the scan's IAM actions for them
    assert iam_actions_of({"cloudwatch": {"put_metric_data"}, "events": {"put_events"}}) == {
        "cloudwatch:PutMetricData",
        "events:PutEvents",
    }


def test_every_granted_action_is_called_by_the_code_or_an_allowance(
    client_methods: dict[str, set[str]], declared: list[dict[str, Any]]
) -> None:
    called = iam_actions_of(client_methods)
    claimed = {entry["action"] for entry in declared if "code" in entry["basis"]}
    # every call is granted (or the job fails with AccessDenied), and every "code" claim is true
    assert claimed == called  # what each entry says: test_every_declared_action_is_granted_...


def test_pyathena_makes_the_calls_allowed_for_it() -> None:
    source = "\n".join(
        p.read_text(encoding="utf-8") for p in Path(pyathena.__file__).parent.rglob("*.py")
    )
    used = set(re.findall(r"\bclient\.(\w+)", source))
    declared = json.loads(ACTIONS_FILE.read_text(encoding="utf-8"))["actions"]
    for action in (e["action"] for e in declared if "pyathena" in e["basis"]):
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
        # read back: only the kept runs (history); the day's reports and the site are write-only
        readable = "/data-monitor/runs/" in uri
        assert stack.allows("s3:GetObject", s3_arn(uri)) == readable, uri
    assert settings.athena_results is not None
    result = s3_arn(settings.athena_results + "3f2a-query.csv")
    for action in ("s3:PutObject", "s3:GetObject"):
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
        "glue:GetTableVersions",
        "glue:BatchCreatePartition",
        "glue:CreatePartition",
    ):
        for arn in (f"{glue}:catalog", f"{glue}:database/{db}", f"{glue}:table/{db}/part_ibe_01"):
            assert stack.allows(action, arn), (action, arn)
        assert not stack.allows(action, f"{glue}:table/other_db/part_ibe_01"), action
        assert not stack.allows(action, f"{glue}:database/other_db"), action
    workgroup = f"arn:aws:athena:{REGION}:{ACCOUNT}:workgroup/"
    for action in (
        "athena:StartQueryExecution",
        "athena:GetQueryExecution",
        "athena:GetQueryResults",
        "athena:StopQueryExecution",
        "athena:GetWorkGroup",
    ):
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


def test_optional_parameters_grant_only_what_they_name(template: dict[str, Any]) -> None:
    full = Stack(template, FULL_PARAMETERS)
    glue = f"arn:aws:glue:{REGION}:{ACCOUNT}"
    sources = ("database/omc_sources", "table/omc_sources/ext_ibe_01")
    for arn in sources:  # the count sources' database: read, never written
        assert full.allows("glue:GetTable", f"{glue}:{arn}"), arn
        assert not full.allows("glue:BatchCreatePartition", f"{glue}:{arn}"), arn
        assert not full.allows("glue:CreatePartition", f"{glue}:{arn}"), arn
    assert full.allows("s3:PutObject", "arn:aws:s3:::omc-docs/data-monitor/data-docs/index.html")
    assert not full.allows("s3:PutObject", "arn:aws:s3:::omc-docs/other/x.html")
    assert full.allows(
        "s3:PutObject", "arn:aws:s3:::omc-athena-results/query-results/monitor/q.csv"
    )
    report_key, data_key = FULL_PARAMETERS["ReportKmsKeyArn"], FULL_PARAMETERS["DataKmsKeyArn"]
    assert full.allows("kms:GenerateDataKey", report_key) and full.allows("kms:Decrypt", report_key)
    assert full.allows("kms:Decrypt", data_key)
    assert not full.allows("kms:GenerateDataKey", data_key)  # the lake is read-only
    args = full.job_arguments()
    assert args["--compare_database"] == "omc_sources"
    assert args["--docs_bucket"] == "omc-docs"
    assert args["--athena_results"] == "s3://omc-athena-results/query-results/monitor/"
    assert (args["--report_sse"], args["--report_kms_key"]) == ("aws:kms", report_key)
    plain = Stack(template, DEPLOY_PARAMETERS).job_arguments()
    assert {"--docs_bucket", "--report_sse", "--report_kms_key"}.isdisjoint(plain)
    assert plain["--compare_database"] == plain["--database"]


def test_clean_rooms_reads_only_with_a_membership(template: dict[str, Any], stack: Stack) -> None:
    membership = FULL_PARAMETERS["CleanRoomsMembershipId"]
    base = f"arn:aws:cleanrooms:{REGION}:{ACCOUNT}"
    actions = (
        "cleanrooms:ListConfiguredTableAssociations",
        "cleanrooms:GetConfiguredTable",
        "cleanrooms:GetConfiguredTableAnalysisRule",
    )
    for action in actions:  # the default deployment has no membership: no Clean Rooms at all
        assert not stack.allows(action, f"{base}:membership/{membership}"), action
    full = Stack(template, FULL_PARAMETERS)
    assert full.allows(actions[0], f"{base}:membership/{membership}")
    assert not full.allows(actions[0], f"{base}:membership/{'0' * 8}-0000-0000-0000-{'0' * 12}")
    for action in actions[1:]:
        assert full.allows(action, f"{base}:configuredtable/{'1' * 8}-2222-3333-4444-{'5' * 12}")
    assert full.job_arguments()["--clean_rooms_membership"] == membership
    assert "--clean_rooms_membership" not in stack.job_arguments()


# --- the run's metrics and event ----------------------------------------------------------------


def metric_statements(stack: Stack) -> list[dict[str, Any]]:
    return [s for s in stack.statements() if "cloudwatch:PutMetricData" in as_list(s["Action"])]


def test_metrics_and_event_parameters(template: dict[str, Any]) -> None:
    params = template["Parameters"]
    assert (params["CloudWatchNamespace"]["Type"], params["CloudWatchNamespace"]["Default"]) == (
        "String",
        "DataMonitor",
    )
    assert (params["EventBusName"]["Type"], params["EventBusName"]["Default"]) == ("String", "")
    namespace = re.compile(params["CloudWatchNamespace"]["AllowedPattern"])
    for ok in ("DataMonitor", "", "Data Monitor/prod", "omc.flywheel-prod"):
        assert namespace.fullmatch(ok), ok
    for bad in ("AWS/Glue", ":x", "x" * 256, "tab\there"):
        assert not namespace.fullmatch(bad), bad
    bus = re.compile(params["EventBusName"]["AllowedPattern"])
    for ok in ("default", "", "data-team.events", "aws.partner/example.com/123/source"):
        assert bus.fullmatch(ok), ok
    # a name, not an ARN: the role's grant builds the ARN of a bus in this account and region
    assert not bus.fullmatch("arn:aws:events:us-east-1:123456789012:event-bus/default")


def test_metrics_grant_is_the_one_star_and_confined_to_the_namespace(
    template: dict[str, Any], stack: Stack
) -> None:
    """PutMetricData takes no resource: Resource "*" with the cloudwatch:namespace condition
    (iam-cw-condition-keys-namespace.html), naming the parameter's value."""
    (statement,) = metric_statements(stack)
    assert statement == {
        "Sid": METRICS_STATEMENT,
        "Effect": "Allow",
        "Action": "cloudwatch:PutMetricData",
        "Resource": "*",
        "Condition": {"StringEquals": {"cloudwatch:namespace": "DataMonitor"}},
    }
    raw = [
        s
        for s in template["Resources"]["JobRole"]["Properties"]["Policies"][0]["PolicyDocument"][
            "Statement"
        ]
        if "Fn::If" in s and s["Fn::If"][1].get("Sid") == METRICS_STATEMENT
    ]
    assert raw[0]["Fn::If"][0] == "HasCloudWatchNamespace"
    assert raw[0]["Fn::If"][1]["Condition"] == {
        "StringEquals": {"cloudwatch:namespace": {"Ref": "CloudWatchNamespace"}}
    }
    assert stack.allows("cloudwatch:PutMetricData", "*", {"cloudwatch:namespace": "DataMonitor"})
    assert not stack.allows("cloudwatch:PutMetricData", "*", {"cloudwatch:namespace": "AWS/Glue"})
    assert not stack.allows("cloudwatch:PutMetricData", "*")
    other = Stack(template, {**DEPLOY_PARAMETERS, "CloudWatchNamespace": "Omc/Quality"})
    assert other.allows("cloudwatch:PutMetricData", "*", {"cloudwatch:namespace": "Omc/Quality"})
    assert not other.allows(
        "cloudwatch:PutMetricData", "*", {"cloudwatch:namespace": "DataMonitor"}
    )
    # every other statement names its resources (test_role_has_no_managed_policy_and_no_wildcard)
    stars = [s for s in Stack(template, FULL_PARAMETERS).statements() if s["Resource"] == "*"]
    assert [s["Sid"] for s in stars] == [METRICS_STATEMENT]


def test_no_namespace_no_metrics_grant_no_flag_no_alarm(template: dict[str, Any]) -> None:
    bare = Stack(template, {**DEPLOY_PARAMETERS, "CloudWatchNamespace": ""})
    assert metric_statements(bare) == []
    assert not any(s["Resource"] == "*" for s in bare.statements())
    assert "--cloudwatch_namespace" not in bare.job_arguments()
    assert not bare.has("HighSeverityAlertsAlarm")


def test_event_grant_names_the_one_bus_only_when_set(
    template: dict[str, Any], stack: Stack
) -> None:
    bus = f"arn:aws:events:{REGION}:{ACCOUNT}:event-bus/"
    assert not any("events:PutEvents" in as_list(s["Action"]) for s in stack.statements())
    assert not stack.allows("events:PutEvents", bus + "default")
    assert "--event_bus" not in stack.job_arguments()
    with_bus = Stack(template, {**DEPLOY_PARAMETERS, "EventBusName": "data-team"})
    (statement,) = [s for s in with_bus.statements() if "events:PutEvents" in as_list(s["Action"])]
    assert statement == {
        "Sid": "SendRunCompletedEvent",
        "Effect": "Allow",
        "Action": "events:PutEvents",
        "Resource": bus + "data-team",
    }
    assert with_bus.allows("events:PutEvents", bus + "data-team")
    assert not with_bus.allows("events:PutEvents", bus + "default")
    assert with_bus.job_arguments()["--event_bus"] == "data-team"


def test_job_gets_the_metrics_and_event_flags_only_when_set(template: dict[str, Any]) -> None:
    default = Stack(template, DEPLOY_PARAMETERS).job_arguments()
    assert default["--cloudwatch_namespace"] == "DataMonitor"
    assert "--event_bus" not in default
    both = Stack(
        template,
        {**DEPLOY_PARAMETERS, "CloudWatchNamespace": "Omc/Quality", "EventBusName": "default"},
    )
    settings = job_settings(both)
    assert (settings.cloudwatch_namespace, settings.event_bus) == ("Omc/Quality", "default")
    neither = Stack(template, {**DEPLOY_PARAMETERS, "CloudWatchNamespace": ""})
    assert (job_settings(neither).cloudwatch_namespace, job_settings(neither).event_bus) == (
        None,
        None,
    )
    raw = template["Resources"]["MonitorJob"]["Properties"]["DefaultArguments"]
    assert raw["--cloudwatch_namespace"] == {
        "Fn::If": [
            "HasCloudWatchNamespace",
            {"Ref": "CloudWatchNamespace"},
            {"Ref": "AWS::NoValue"},
        ]
    }
    assert raw["--event_bus"] == {
        "Fn::If": ["HasEventBus", {"Ref": "EventBusName"}, {"Ref": "AWS::NoValue"}]
    }


def test_example_alarm_on_high_alerts(template: dict[str, Any], stack: Stack) -> None:
    assert template["Resources"]["HighSeverityAlertsAlarm"]["Condition"] == "HasCloudWatchNamespace"
    props = stack.properties("HighSeverityAlertsAlarm")
    assert props.pop("AlarmDescription")
    assert props == {
        "AlarmName": "omc-flywheel-prod-data-monitor-high-alerts",
        "Namespace": "DataMonitor",
        "MetricName": "Alerts",
        "Dimensions": [
            {"Name": "Database", "Value": "omc_flywheel_prod"},
            {"Name": "Severity", "Value": "High"},
        ],
        "Statistic": "Maximum",
        "Period": 86400,
        "EvaluationPeriods": 1,
        "Threshold": 0,
        "ComparisonOperator": "GreaterThanThreshold",
        "TreatMissingData": "notBreaching",
        "AlarmActions": [stack.ref("AlertTopic")],
    }
    other = Stack(template, {**DEPLOY_PARAMETERS, "DatabaseName": "omc_flywheel_dev"})
    dimensions = other.properties("HighSeverityAlertsAlarm")["Dimensions"]
    assert dimensions[0] == {"Name": "Database", "Value": "omc_flywheel_dev"}
    assert stack.outputs()["HighSeverityAlarmName"] == props["AlarmName"]


# --- sharing the Data Docs site ------------------------------------------------------------------

DOCS_RESOURCES = {"DocsOriginAccessControl", "DocsSiteDistribution"}
WAF_RESOURCES = {"DocsAllowedNetworks", "DocsWebAcl"}
SHARED = {**DEPLOY_PARAMETERS, "DocsDistribution": "true"}


def created(stack: Stack) -> set[str]:
    return {name for name in stack.template["Resources"] if stack.has(name)}


def test_no_distribution_by_default(template: dict[str, Any], stack: Stack) -> None:
    params = template["Parameters"]
    assert (params["DocsDistribution"]["Default"], params["DocsAllowedCidrs"]["Default"]) == (
        "false",
        "",
    )
    assert params["DocsAllowedCidrs"]["Type"] == "CommaDelimitedList"
    assert not (DOCS_RESOURCES | WAF_RESOURCES) & created(stack)
    assert not {"DocsUrl", "DocsDistributionDomainName", "DocsBucketPolicy"} & set(stack.outputs())
    # the stack never owns a bucket policy: the bucket is not the stack's
    kinds = {r["Type"] for r in template["Resources"].values()}
    assert "AWS::S3::BucketPolicy" not in kinds and "AWS::S3::Bucket" not in kinds


def test_distribution_reads_the_private_site_through_oac(template: dict[str, Any]) -> None:
    shared = Stack(template, SHARED)
    assert created(shared) >= DOCS_RESOURCES and not WAF_RESOURCES & created(shared)
    oac = shared.properties("DocsOriginAccessControl")["OriginAccessControlConfig"]
    assert (
        oac["OriginAccessControlOriginType"],
        oac["SigningBehavior"],
        oac["SigningProtocol"],
    ) == ("s3", "always", "sigv4")
    config = shared.properties("DocsSiteDistribution")["DistributionConfig"]
    (origin,) = config["Origins"]
    assert origin == {
        "Id": "data-docs",
        "DomainName": f"omc-flywheel-prod-analysis-data.s3.{REGION}.amazonaws.com",
        "OriginPath": "/data-monitor/data-docs",
        "OriginAccessControlId": OAC_ID,
        "S3OriginConfig": {"OriginAccessIdentity": ""},
    }
    raw = template["Resources"]["DocsSiteDistribution"]["Properties"]["DistributionConfig"]
    assert raw["Origins"][0]["OriginAccessControlId"] == {
        "Fn::GetAtt": ["DocsOriginAccessControl", "Id"]
    }
    behavior = config["DefaultCacheBehavior"]
    assert behavior["TargetOriginId"] == origin["Id"]
    assert behavior["ViewerProtocolPolicy"] == "redirect-to-https"
    # the managed CachingOptimized policy (using-managed-cache-policies.html)
    assert behavior["CachePolicyId"] == "658327ea-f89d-4fab-a63d-7e88639e58f6"
    assert set(behavior["AllowedMethods"]) == {"GET", "HEAD"}
    assert (config["Enabled"], config["DefaultRootObject"]) == (True, "index.html")
    assert "WebACLId" not in config  # no allow list: anyone with the URL
    outputs = shared.outputs()
    assert outputs["DocsUrl"] == f"https://{DISTRIBUTION_DOMAIN}/"
    assert outputs["DocsDistributionDomainName"] == DISTRIBUTION_DOMAIN


@pytest.mark.parametrize(
    ("prefix", "path"),
    [("data-monitor/", "/data-monitor/data-docs"), ("a/b.c/", "/a/b.c/data-docs")],
)
def test_origin_path_is_the_site_prefix_without_a_trailing_slash(
    template: dict[str, Any], prefix: str, path: str
) -> None:
    shared = Stack(template, {**SHARED, "ReportPrefix": prefix})
    settings = job_settings(shared)
    (origin,) = shared.properties("DocsSiteDistribution")["DistributionConfig"]["Origins"]
    # OriginPath starts with "/" and does not end with one (DownloadDistValuesOrigin.html)
    assert origin["OriginPath"] == path and not path.endswith("/")
    # ... and is where the job publishes the site
    assert settings.docs_uri == f"s3://{settings.report_bucket}{path}/"


def test_bucket_policy_output_lets_only_this_distribution_read_the_site(
    template: dict[str, Any],
) -> None:
    for params, bucket in (
        (SHARED, "omc-flywheel-prod-analysis-data"),
        ({**SHARED, "DocsBucket": "omc-docs"}, "omc-docs"),
    ):
        shared = Stack(template, params)
        (origin,) = shared.properties("DocsSiteDistribution")["DistributionConfig"]["Origins"]
        assert origin["DomainName"] == f"{bucket}.s3.{REGION}.amazonaws.com"
        policy = json.loads(shared.outputs()["DocsBucketPolicy"])
        assert policy["Version"] == "2012-10-17"
        (statement,) = policy["Statement"]
        assert statement == {
            "Sid": "DataMonitorDocsViaCloudFront",
            "Effect": "Allow",
            "Principal": {"Service": "cloudfront.amazonaws.com"},
            "Action": "s3:GetObject",
            "Resource": f"arn:aws:s3:::{bucket}/data-monitor/data-docs/*",
            "Condition": {
                "StringEquals": {
                    "AWS:SourceArn": f"arn:aws:cloudfront::{ACCOUNT}:distribution/{DISTRIBUTION_ID}"
                }
            },
        }
        # what the job publishes is under that prefix; the reports next to it are not
        docs = job_settings(shared).docs_uri
        assert fnmatch.fnmatchcase(s3_arn(docs + "index.html"), statement["Resource"])
        report = s3_arn(f"s3://{bucket}/data-monitor/runs/x.json")
        assert not fnmatch.fnmatchcase(report, statement["Resource"])


def test_allow_list_puts_a_web_acl_in_front(template: dict[str, Any]) -> None:
    cidrs = "203.0.113.0/24, 198.51.100.7/32"
    listed = Stack(template, {**SHARED, "DocsAllowedCidrs": cidrs})
    assert created(listed) >= DOCS_RESOURCES | WAF_RESOURCES
    ipset = listed.properties("DocsAllowedNetworks")
    assert (ipset["Scope"], ipset["IPAddressVersion"]) == ("CLOUDFRONT", "IPV4")
    assert ipset["Addresses"] == ["203.0.113.0/24", "198.51.100.7/32"]
    acl = listed.properties("DocsWebAcl")
    assert (acl["Scope"], acl["DefaultAction"]) == ("CLOUDFRONT", {"Block": {}})
    (rule,) = acl["Rules"]
    assert rule["Action"] == {"Allow": {}}
    assert rule["Statement"] == {
        "IPSetReferenceStatement": {"Arn": listed.get_att("DocsAllowedNetworks", "Arn")}
    }
    config = listed.properties("DocsSiteDistribution")["DistributionConfig"]
    assert config["WebACLId"] == listed.get_att("DocsWebAcl", "Arn")
    # CIDRs without the distribution create nothing (and the template's rule refuses them)
    assert not WAF_RESOURCES & created(
        Stack(template, {**DEPLOY_PARAMETERS, "DocsAllowedCidrs": cidrs})
    )


def test_template_rules_refuse_an_allow_list_outside_us_east_1(template: dict[str, Any]) -> None:
    """CLOUDFRONT-scoped web ACLs exist only in us-east-1 (how-aws-waf-works-resources.html):
    the stack's rule stops a deployment elsewhere rather than publish the site unrestricted."""
    rule = template["Rules"]["DocsAllowListNeedsUsEast1"]
    assert rule["RuleCondition"] == {
        "Fn::Not": [{"Fn::EachMemberEquals": [{"Ref": "DocsAllowedCidrs"}, ""]}]
    }
    asserted = [a["Assert"] for a in rule["Assertions"]]
    assert {"Fn::Equals": [{"Ref": "AWS::Region"}, "us-east-1"]} in asserted
    assert {"Fn::Equals": [{"Ref": "DocsDistribution"}, "true"]} in asserted
