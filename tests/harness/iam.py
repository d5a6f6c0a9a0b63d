"""IAM enforced on the local endpoints as AWS enforces it, for the AWS-path tests.

moto (in this process, behind ``ThreadedMotoServer``) checks IAM once enforcement is on
(``settings.INITIAL_NO_AUTH_ACTION_COUNT``, the knob behind its ``reset-auth`` API). It checks S3
against the bucket and object ARNs, but Glue and SNS only against ``Resource: "*"``, so a
least-privilege policy would be denied there. ``Enforcement`` closes those gaps, in this process:

- Glue: every call is checked against the ARNs AWS documents for the Data Catalog: the catalog,
  the database and the table ("you need permissions ... on the resource and all ancestors of the
  resource in the Data Catalog"; a listing of tables is checked against ``table/<db>/*``).
  https://docs.aws.amazon.com/glue/latest/dg/glue-specifying-resource-arns.html
  https://docs.aws.amazon.com/athena/latest/ug/fine-grained-access-to-glue-resources.html
- SNS: ``Publish`` is checked against the topic ARN.
  https://docs.aws.amazon.com/sns/latest/dg/sns-using-identity-based-policies.html
- CloudWatch: ``PutMetricData`` has no resource ("*"), and a policy scopes it with the
  ``cloudwatch:namespace`` condition key; moto passes a request no condition values (so any
  condition holds), so the request's namespace is given to the check.
  https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/iam-cw-condition-keys-namespace.html
- EventBridge: ``PutEvents`` is checked against the event bus ARN of each entry.
  https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoneventbridge.html
- S3 with SSE-KMS: writing an object that S3 encrypts with a KMS key (by the request's header or
  the bucket's default) needs ``kms:GenerateDataKey`` on the key, reading one back
  ``kms:Decrypt``; moto checks neither.
  https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html#require-sse-kms
- Athena runs on the local endpoint (``LocalAthena``), which asks ``Enforcement.check`` for every
  Athena action and makes its own Glue/S3 reads and writes with the caller's keys.

Every decision (allowed or denied) is recorded, so a test can compare what the shipped policy
grants with what the runs needed.
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import boto3
from moto import settings as moto_settings
from moto.cloudwatch.responses import CloudWatchResponse
from moto.core import DEFAULT_ACCOUNT_ID
from moto.core.authorization import ActionAuthenticatorMixin
from moto.core.responses import BaseResponse
from moto.events.responses import EventsHandler
from moto.glue.responses import GlueResponse
from moto.iam.access_control import (
    IAMPolicy,
    IAMRequestBase,
    PermissionResult,
    create_access_key,
)
from moto.s3.exceptions import S3AccessDeniedError
from moto.s3.models import s3_backends
from moto.s3.responses import S3Response
from moto.sns.responses import SNSResponse

ACCOUNT = DEFAULT_ACCOUNT_ID
# Requests made by the local Athena endpoint on the caller's behalf carry this in User-Agent.
ATHENA_AGENT = "local-athena-on-behalf"
TRUST_ANY_IN_ACCOUNT = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
            "Action": "sts:AssumeRole",
        }
    ],
}


@dataclass(frozen=True)
class Decision:
    action: str
    resource: str
    allowed: bool
    by_athena: bool  # made by Athena with the caller's permissions, not by the monitor itself


@dataclass(frozen=True)
class Keys:
    access_key_id: str
    secret_access_key: str
    session_token: str

    def env(self) -> dict[str, str]:
        return {
            "AWS_ACCESS_KEY_ID": self.access_key_id,
            "AWS_SECRET_ACCESS_KEY": self.secret_access_key,
            "AWS_SESSION_TOKEN": self.session_token,
        }


def glue_arns(region: str, action: str, body: dict[str, Any]) -> list[str]:
    """The Data Catalog ARNs a Glue call touches: catalog, database, table (or all tables)."""
    base = f"arn:aws:glue:{region}:{ACCOUNT}:"
    database = body.get("Name") if action == "GetDatabase" else body.get("DatabaseName")
    table = body.get("Name") if action == "GetTable" else body.get("TableName")
    arns = [base + "catalog"]
    if database:
        arns.append(f"{base}database/{database}")
        if table:
            arns.append(f"{base}table/{database}/{table}")
        elif action == "GetTables":
            arns.append(f"{base}table/{database}/*")
    return arns


def s3_kms_need(response: Any, bucket: str, key: str) -> tuple[str, str] | None:
    """(kms action, key ARN) that S3 needs of the caller for this PutObject/GetObject."""
    action = response.data.get("Action")
    backend = s3_backends[ACCOUNT]["aws"]
    if action == "PutObject":
        algorithm = response.headers.get("x-amz-server-side-encryption")
        key_id = response.headers.get("x-amz-server-side-encryption-aws-kms-key-id")
        if algorithm is None:
            rule = (backend.get_bucket(bucket).encryption or {}).get("Rule", {})
            default = rule.get("ApplyServerSideEncryptionByDefault", {})
            algorithm, key_id = default.get("SSEAlgorithm"), default.get("KMSMasterKeyID")
        return (
            ("kms:GenerateDataKey", _key_arn(response.region, key_id))
            if algorithm == ("aws:kms")
            else None
        )
    if action == "GetObject":
        with contextlib.suppress(Exception):
            stored = backend.get_object(bucket, key)
            if stored is not None and stored.encryption == "aws:kms":
                return "kms:Decrypt", _key_arn(response.region, stored.kms_key_id)
    return None


def _key_arn(region: str, key_id: str | None) -> str:
    if key_id and key_id.startswith("arn:"):
        return key_id
    return f"arn:aws:kms:{region}:{ACCOUNT}:key/{key_id or 'aws/s3'}"


class Enforcement:
    """Switch moto's IAM enforcement on, with the resource checks AWS makes; record decisions."""

    def __init__(self, region: str) -> None:
        self.region = region
        self.decisions: list[Decision] = []
        self._lock = threading.Lock()
        self._on = False
        # the condition values of the request being checked (moto's servers are threaded)
        self._condition_context = threading.local()

    # ---- principals -----------------------------------------------------------------------
    def role_keys(self, name: str, policy: dict[str, Any]) -> Keys:
        """Create role ``name`` holding exactly ``policy`` (inline) and assume it. Call while
        enforcement is off (the test's own set-up is not the monitor's business)."""
        iam = boto3.client("iam", region_name=self.region)
        iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(TRUST_ANY_IN_ACCOUNT))
        iam.put_role_policy(RoleName=name, PolicyName=name, PolicyDocument=json.dumps(policy))
        sts = boto3.client("sts", region_name=self.region)
        creds = sts.assume_role(RoleArn=f"arn:aws:iam::{ACCOUNT}:role/{name}", RoleSessionName=name)
        c = creds["Credentials"]
        return Keys(c["AccessKeyId"], c["SecretAccessKey"], c["SessionToken"])

    # ---- decisions ------------------------------------------------------------------------
    def record(self, action: str, resource: str, allowed: bool, by_athena: bool) -> None:
        with self._lock:
            self.decisions.append(Decision(action, resource, allowed, by_athena))

    def allows(self, headers: Any, action: str, resource: str) -> bool:
        """Does the caller of a request (its SigV4 headers) hold ``action`` on ``resource``?"""
        auth = headers.get("Authorization") or ""
        access_key_id = auth.partition("Credential=")[2].partition("/")[0]
        key = create_access_key(ACCOUNT, "aws", access_key_id, dict(headers))
        results = [
            IAMPolicy(p).is_action_permitted(action, resource) for p in key.collect_policies()
        ]
        return PermissionResult.DENIED not in results and PermissionResult.PERMITTED in results

    def check(self, headers: Any, action: str, resource: str, by_athena: bool = False) -> bool:
        allowed = self.allows(headers, action, resource)
        self.record(action, resource, allowed, by_athena)
        return allowed

    def denied(self) -> list[Decision]:
        return [d for d in self.decisions if not d.allowed]

    def allowed_actions(self) -> set[str]:
        return {d.action for d in self.decisions if d.allowed}

    @staticmethod
    def keys_of(headers: Any) -> Keys:
        """The caller's own keys (secret included, from moto's IAM/STS state), so Athena's
        reads and writes on the caller's behalf are checked as the caller's."""
        auth = headers.get("Authorization") or ""
        access_key_id = auth.partition("Credential=")[2].partition("/")[0]
        creds = create_access_key(ACCOUNT, "aws", access_key_id, dict(headers)).create_credentials()
        return Keys(creds.access_key, creds.secret_key, creds.token or "")

    # ---- switching on and off ----------------------------------------------------------------
    @property
    def on(self) -> bool:
        return self._on

    @contextlib.contextmanager
    def enforced(self) -> Iterator[Enforcement]:
        """IAM enforcement on (for every service moto enforces) for the block."""
        patches = self._patches()
        saved = [(owner, name, owner.__dict__.get(name)) for owner, name, _ in patches]
        for owner, name, replacement in patches:
            setattr(owner, name, replacement)
        count = moto_settings.INITIAL_NO_AUTH_ACTION_COUNT
        moto_settings.INITIAL_NO_AUTH_ACTION_COUNT = 0
        ActionAuthenticatorMixin.request_count = 0
        self._on = True
        try:
            yield self
        finally:
            self._on = False
            moto_settings.INITIAL_NO_AUTH_ACTION_COUNT = count
            for owner, name, original in saved:
                if original is None:
                    delattr(owner, name)
                else:
                    setattr(owner, name, original)

    def _patches(self) -> list[tuple[type, str, Callable[..., Any]]]:
        enforcement = self
        base_check = IAMRequestBase.check_action_permitted
        base_s3 = S3Response._authenticate_and_authorize_s3_action

        def check_action_permitted(request: IAMRequestBase, resource: str) -> None:
            by_athena = ATHENA_AGENT in (request._headers.get("User-Agent") or "")
            # moto names CloudWatch's actions by its endpoint prefix ("monitoring:"); IAM's
            # service prefix is "cloudwatch" (the service authorization reference,
            # list_amazoncloudwatch.html), and that is what a policy grants
            if request._action.startswith("monitoring:"):
                request._action = "cloudwatch:" + request._action.partition(":")[2]
            context = getattr(enforcement._condition_context, "values", None)
            try:
                if context:
                    check_with_conditions(request, resource, context)
                else:
                    base_check(request, resource)
            except Exception:
                enforcement.record(request._action, resource, False, by_athena)
                raise
            enforcement.record(request._action, resource, True, by_athena)

        def check_with_conditions(
            request: IAMRequestBase, resource: str, context: dict[str, str]
        ) -> None:
            """As moto's check, with the request's condition values (moto's own evaluation
            of a statement's Condition, given the values)."""
            results = [
                IAMPolicy(p).is_action_permitted(request._action, resource, None, context)
                for p in request._access_key.collect_policies()
            ]
            if PermissionResult.DENIED in results or PermissionResult.PERMITTED not in results:
                request._raise_access_denied()

        def cloudwatch_authorize(response: Any, resource: str = "*") -> None:
            namespace = response._get_param("Namespace")
            enforcement._condition_context.values = (
                {"cloudwatch:namespace": str(namespace)}
                if response._get_action() == "PutMetricData"
                else None
            )
            try:
                BaseResponse._authenticate_and_authorize_normal_action(response, resource)
            finally:
                enforcement._condition_context.values = None

        def events_authorize(response: Any, resource: str = "*") -> None:
            if response._get_action() != "PutEvents":
                BaseResponse._authenticate_and_authorize_normal_action(response, resource)
                return
            for entry in response._get_param("Entries") or [{}]:
                bus = str(entry.get("EventBusName") or "default")
                arn = (
                    bus
                    if bus.startswith("arn:")
                    else (f"arn:aws:events:{response.region}:{ACCOUNT}:event-bus/{bus}")
                )
                BaseResponse._authenticate_and_authorize_normal_action(response, arn)

        def glue_authorize(response: Any, resource: str = "*") -> None:
            body = json.loads(response.body or "{}")
            for arn in glue_arns(response.region, response._get_action(), body):
                BaseResponse._authenticate_and_authorize_normal_action(response, arn)

        def sns_authorize(response: Any, resource: str = "*") -> None:
            topic = response._get_param("TopicArn") or resource
            BaseResponse._authenticate_and_authorize_normal_action(response, topic)

        def s3_authorize(
            response: Any, bucket_name: str | None = None, key_name: str | None = None
        ) -> None:
            base_s3(response, bucket_name=bucket_name, key_name=key_name)
            need = (
                s3_kms_need(response, bucket_name, key_name) if bucket_name and key_name else None
            )
            if need is not None:
                by_athena = ATHENA_AGENT in (response.headers.get("User-Agent") or "")
                if not enforcement.check(response.headers, *need, by_athena=by_athena):
                    raise S3AccessDeniedError()

        return [
            (IAMRequestBase, "check_action_permitted", check_action_permitted),
            (GlueResponse, "_authenticate_and_authorize_normal_action", glue_authorize),
            (SNSResponse, "_authenticate_and_authorize_normal_action", sns_authorize),
            (CloudWatchResponse, "_authenticate_and_authorize_normal_action", cloudwatch_authorize),
            (EventsHandler, "_authenticate_and_authorize_normal_action", events_authorize),
            (S3Response, "_authenticate_and_authorize_s3_action", s3_authorize),
        ]
