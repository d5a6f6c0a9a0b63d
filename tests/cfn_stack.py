"""infra/monitoring.yaml resolved for one deployment: parameter values in, the resources'
properties (the role policy, the job's arguments) out, as CloudFormation would render them."""

from __future__ import annotations

import fnmatch
import re
from pathlib import Path
from typing import Any

from cfnlint.decode import decode

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "infra" / "monitoring.yaml"
ACCOUNT, REGION = "123456789012", "us-east-1"
NO_VALUE = object()


def load_template() -> dict[str, Any]:
    decoded, errors = decode(str(TEMPLATE))
    assert not errors and decoded is not None, errors
    return dict(decoded)


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
