"""infra/monitoring.yaml resolved for one deployment: parameter values in, the resources'
properties (the role policy, the job's arguments, the optional alarm and docs distribution) and
the outputs out, as CloudFormation would render them."""

from __future__ import annotations

import fnmatch
import re
from pathlib import Path
from typing import Any

from cfnlint.decode import decode

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "infra" / "monitoring.yaml"
ACCOUNT, REGION = "123456789012", "us-east-1"
# What CloudFormation returns for the resources whose names AWS picks: stand-ins of the same form.
DISTRIBUTION_ID, DISTRIBUTION_DOMAIN = "E2DOCS0EXAMPLE", "d111111abcdef8.cloudfront.net"
OAC_ID = "E3OAC0EXAMPLE"
NO_VALUE = object()


def load_template() -> dict[str, Any]:
    decoded, errors = decode(str(TEMPLATE))
    assert not errors and decoded is not None, errors
    return dict(decoded)


class Stack:
    """The template with intrinsic functions resolved for given parameter values (defaults plus
    ``overrides``): Ref, Fn::Sub, Fn::GetAtt, Fn::If, Fn::Join and the conditions this template
    uses. A CommaDelimitedList parameter is given as one comma-separated string, as on the CLI."""

    def __init__(
        self, template: dict[str, Any], overrides: dict[str, str], region: str = REGION
    ) -> None:
        self.template = template
        params = {name: spec.get("Default") for name, spec in template["Parameters"].items()}
        params.update(overrides)
        missing = sorted(name for name, value in params.items() if value is None)
        assert not missing, f"no value for parameters {missing}"
        self.values: dict[str, Any] = {name: str(value) for name, value in params.items()}
        for name, spec in template["Parameters"].items():
            if spec["Type"] == "CommaDelimitedList":
                self.values[name] = [item.strip() for item in self.values[name].split(",")]
        self.region = region
        self.values.update(
            {
                "AWS::Region": region,
                "AWS::AccountId": ACCOUNT,
                "AWS::Partition": "aws",
                "AWS::URLSuffix": "amazonaws.com",
            }
        )

    def resource(self, name: str) -> dict[str, Any]:
        return dict(self.template["Resources"][name])

    def has(self, name: str) -> bool:
        """Whether the resource is created for these parameters (its Condition holds)."""
        condition = self.template["Resources"][name].get("Condition")
        return condition is None or self.condition(condition)

    def ref(self, name: str) -> Any:
        if name in self.values:
            return self.values[name]
        assert self.has(name), f"Ref to {name}, which these parameters do not create"
        resource = self.resource(name)
        props = resource.get("Properties", {})
        kind = resource["Type"]
        if kind == "AWS::SNS::Topic":
            return f"arn:aws:sns:{self.region}:{ACCOUNT}:{self.resolve(props['TopicName'])}"
        if kind in ("AWS::Glue::Job", "AWS::Glue::Trigger"):
            return str(self.resolve(props["Name"]))
        if kind == "AWS::CloudWatch::Alarm":
            return str(self.resolve(props["AlarmName"]))
        if kind == "AWS::CloudFront::Distribution":  # Ref: the distribution ID
            return DISTRIBUTION_ID
        raise AssertionError(f"Ref to {kind} is not modelled")

    def get_att(self, name: str, attribute: str) -> str:
        assert self.has(name), f"GetAtt of {name}, which these parameters do not create"
        resource = self.resource(name)
        kind = resource["Type"]
        if (kind, attribute) == ("AWS::IAM::Role", "Arn"):
            return f"arn:aws:iam::{ACCOUNT}:role/{name}"
        if (kind, attribute) == ("AWS::CloudFront::Distribution", "DomainName"):
            return DISTRIBUTION_DOMAIN
        if (kind, attribute) == ("AWS::CloudFront::OriginAccessControl", "Id"):
            return OAC_ID
        if kind in ("AWS::WAFv2::WebACL", "AWS::WAFv2::IPSet") and attribute == "Arn":
            props = resource["Properties"]
            assert props["Scope"] == "CLOUDFRONT"
            what = "webacl" if kind == "AWS::WAFv2::WebACL" else "ipset"
            # CLOUDFRONT-scoped WAF resources live in us-east-1, "global"
            return (
                f"arn:aws:wafv2:us-east-1:{ACCOUNT}:global/{what}/{self.resolve(props['Name'])}/1"
            )
        raise AssertionError(f"GetAtt {kind}.{attribute} is not modelled")

    def condition(self, name: str) -> bool:
        return bool(self.evaluate(self.template["Conditions"][name]))

    def evaluate(self, node: Any) -> Any:
        if isinstance(node, dict) and "Fn::Not" in node:
            return not self.evaluate(node["Fn::Not"][0])
        if isinstance(node, dict) and "Fn::And" in node:
            return all(self.evaluate(item) for item in node["Fn::And"])
        if isinstance(node, dict) and "Fn::Or" in node:
            return any(self.evaluate(item) for item in node["Fn::Or"])
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
            if key == "Fn::Join":
                separator, items = argument
                resolved = self.resolve(items)
                return separator.join(resolved if isinstance(resolved, list) else [resolved])
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

    def allows(self, action: str, arn: str, context: dict[str, str] | None = None) -> bool:
        """Whether an Allow statement grants ``action`` on ``arn``; a statement with a Condition
        (only StringEquals is modelled) grants it only if ``context`` has every key's value."""
        return any(
            statement["Effect"] == "Allow"
            and action in as_list(statement["Action"])
            and any(fnmatch.fnmatchcase(arn, pattern) for pattern in as_list(statement["Resource"]))
            and conditions_hold(statement.get("Condition", {}), context or {})
            for statement in self.statements()
        )

    def job_arguments(self) -> dict[str, str]:
        return dict(self.resolve(self.resource("MonitorJob")["Properties"]["DefaultArguments"]))

    def properties(self, name: str) -> dict[str, Any]:
        """A resource's properties as created; the resource must exist for these parameters."""
        assert self.has(name), f"{name} is not created for these parameters"
        return dict(self.resolve(self.resource(name)["Properties"]))

    def outputs(self) -> dict[str, Any]:
        """{name: value} of the outputs these parameters produce."""
        return {
            name: self.resolve(spec["Value"])
            for name, spec in self.template["Outputs"].items()
            if "Condition" not in spec or self.condition(spec["Condition"])
        }


def conditions_hold(condition: dict[str, Any], context: dict[str, str]) -> bool:
    assert set(condition) <= {"StringEquals"}, f"condition {condition} is not modelled"
    expected = condition.get("StringEquals", {})
    return all(context.get(key) in as_list(value) for key, value in expected.items())


def as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list) else [value]


def s3_arn(uri: str) -> str:
    assert uri.startswith("s3://")
    return "arn:aws:s3:::" + uri[len("s3://") :]
