"""The monitor's AWS runs in the tests are made as the deployed job role: the role policy of
infra/monitoring.yaml, rendered for the test account, with IAM enforced (tests/harness/iam.py)."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from tests import lake_fixture
from tests.cfn_stack import Stack, load_template
from tests.harness.iam import Enforcement

RESULTS_BUCKET = "test-athena"
ENVIRONMENT = "test"
TOPIC_NAME = f"omc-flywheel-{ENVIRONMENT}-data-monitor-alerts"  # the stack's AlertTopic


def deployment(**overrides: str) -> dict[str, str]:
    """The stack's parameters for the test account's lake, reports and results buckets."""
    return {
        "Environment": ENVIRONMENT,
        "DatabaseName": lake_fixture.DATABASE,
        "DataBucket": lake_fixture.BUCKET,
        "ReportBucket": lake_fixture.REPORT_BUCKET,
        "ReportPrefix": "data-monitor/",
        "ArtifactsBucket": "test-artifacts",
        "AthenaWorkgroup": "primary",
        "AthenaResultsBucket": RESULTS_BUCKET,
        "AthenaResultsPrefix": "results/",
        **overrides,
    }


def role_policy(parameters: dict[str, str]) -> dict[str, Any]:
    """The job role's inline policy, rendered from the template for ``parameters``."""
    return {"Version": "2012-10-17", "Statement": Stack(load_template(), parameters).statements()}


class JobRole:
    """A principal holding exactly the role policy; ``acting()`` runs a block as it."""

    def __init__(
        self, iam: Enforcement, policy: dict[str, Any], name: str = "data-monitor"
    ) -> None:
        self.iam, self.policy, self.name = iam, policy, name
        self.keys = iam.role_keys(name, policy).env()

    def replace_policy(self, policy: dict[str, Any]) -> None:
        """Give the role another inline policy (the assumed session sees it at once)."""
        boto3.client("iam").put_role_policy(
            RoleName=self.name, PolicyName=self.name, PolicyDocument=json.dumps(policy)
        )
        self.policy = policy

    @contextlib.contextmanager
    def acting(self) -> Iterator[None]:
        with pytest.MonkeyPatch.context() as env, self.iam.enforced():
            for name, value in self.keys.items():
                env.setenv(name, value)
            yield
