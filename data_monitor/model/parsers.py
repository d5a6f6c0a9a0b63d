"""How a setting is declared and read from text (a flag's value or an environment variable's).

A setting is a dataclass field whose metadata is ``declare(help, parser)``; ``declarations_of``
reads them back for the command line and the environment. A parser says what it accepts, so a
refused value gets the same words wherever it came from: ``'abc' is not an integer >= 1``. Only
the caller knows what to name (``argument --bucket_count`` or ``DATA_MONITOR_BUCKET_COUNT``), so
it puts that in front.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import string
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

from data_monitor.model.names import BUCKET_NAME, COLUMN_NAME, GLUE_NAME

MARKER_FIELDS = {"location", "table", "database"}
TRUE_WORDS = {"true": True, "false": False}
# --bucket_count is DATA_MONITOR_BUCKET_COUNT in the environment
ENV_PREFIX = "DATA_MONITOR_"
_DECLARED = "declared"  # the key of a field's declaration in its metadata


class RejectedValue(ValueError):
    """A value a parser does not accept; the message is ``'<text>' is not <what it accepts>``."""


@dataclass(frozen=True)
class Parser:
    accepts: str  # completes "'<text>' is not ..."
    convert: Callable[[str], object]  # raises ValueError or TypeError for a value it refuses

    def read(self, text: str) -> object:
        try:
            return self.convert(text)
        except (ValueError, TypeError):
            raise RejectedValue(f"{text!r} is not {self.accepts}") from None


@dataclass(frozen=True)
class Declared:
    """One setting as the command line and the environment offer it."""

    help: str
    parser: Parser
    backend: str | None = None  # "aws" or "local": the only backend that reads the setting
    # filled in from the dataclass field by declarations_of()
    name: str = ""
    default: object = None
    required: bool = False

    @property
    def flag(self) -> str:
        return f"--{self.name}"

    @property
    def env_var(self) -> str:
        return ENV_PREFIX + self.name.upper()


def declare(help: str, parser: Parser, backend: str | None = None) -> Mapping[str, Declared]:
    """A field's metadata: its help, its parser and the backend it applies to (if only one)."""
    return {_DECLARED: Declared(help, parser, backend)}


def declarations_of(cls: type) -> tuple[Declared, ...]:
    """The declared fields of dataclass ``cls`` with name, default and required filled in."""
    return tuple(_declared_field(f) for f in dataclasses.fields(cls))


def _declared_field(f: dataclasses.Field[object]) -> Declared:
    if _DECLARED not in f.metadata:
        raise TypeError(f"{f.name} has no declare(...) in its metadata")
    declared = dataclasses.replace(f.metadata[_DECLARED], name=f.name)
    if f.default is not dataclasses.MISSING:
        return dataclasses.replace(declared, default=f.default)
    if f.default_factory is not dataclasses.MISSING:
        return dataclasses.replace(declared, default=f.default_factory())
    return dataclasses.replace(declared, required=True)


def _refuse() -> NoReturn:
    raise ValueError


def _boolean(text: str) -> bool:
    word = text.strip().lower()
    return TRUE_WORDS[word] if word in TRUE_WORDS else _refuse()


def int_at_least(low: int) -> Parser:
    def convert(text: str) -> int:
        value = int(text)
        return value if value >= low else _refuse()

    return Parser(f"an integer >= {low}", convert)


def _non_negative_float(text: str) -> float:
    value = float(text)
    # value == value refuses nan, which compares false with everything and would pass ">= 0"
    return value if value >= 0 and value == value and value != float("inf") else _refuse()


def matching(pattern: re.Pattern[str], accepts: str) -> Parser:
    return Parser(accepts, lambda text: text if pattern.match(text) else _refuse())


def choice(choices: Sequence[str], aliases: dict[str, str] | None = None) -> Parser:
    """One of ``choices`` in any case, returned as spelled there (``aes256`` -> ``AES256``);
    ``aliases`` are older spellings still accepted, not offered in the error message."""
    spelled = {c.lower(): c for c in choices} | {a.lower(): c for a, c in (aliases or {}).items()}

    def convert(text: str) -> str:
        key = text.strip().lower()
        return spelled[key] if key in spelled else _refuse()

    return Parser("one of " + "|".join(choices), convert)


def _s3_uri(text: str) -> str:
    return text if text.startswith("s3://") and len(text) > len("s3://") else _refuse()


def _marker_template(text: str) -> str:
    fields = {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
    return text if fields <= MARKER_FIELDS and "{" in text else _refuse()


def _date(text: str) -> dt.date:
    return dt.date.fromisoformat(text) if re.match(r"^\d{4}-\d{2}-\d{2}$", text) else _refuse()


def _names_list(pattern: re.Pattern[str]) -> Callable[[str], tuple[str, ...]]:
    def convert(text: str) -> tuple[str, ...]:
        names = tuple(n.strip() for n in text.split(",") if n.strip())
        return names if names and all(pattern.match(n) for n in names) else _refuse()

    return convert


BOOLEAN = Parser("true or false", _boolean)
NON_NEGATIVE_NUMBER = Parser("a number >= 0", _non_negative_float)
PATH = Parser("a path", Path)
DATE = Parser("a date YYYY-MM-DD", _date)
S3_URI = Parser("an s3:// URI", _s3_uri)
MARKER_TEMPLATE = Parser("a template using only {location}, {table}, {database}", _marker_template)
GLUE_IDENTIFIER = matching(GLUE_NAME, "a Glue name of lowercase letters, digits and _")
COLUMN = matching(COLUMN_NAME, "a column name ([A-Za-z_][A-Za-z0-9_]*)")
S3_BUCKET = matching(BUCKET_NAME, "an S3 bucket name")
S3_KEY_PREFIX = matching(
    re.compile(r"^([A-Za-z0-9._-]+/)*$"), "an S3 key prefix ending in / (or empty)"
)
TABLE_LIST = Parser("a comma-separated list of table names", _names_list(GLUE_NAME))
BUCKET_LIST = Parser("a comma-separated list of S3 bucket names", _names_list(BUCKET_NAME))
TABLE_PREFIX = matching(re.compile(r"^[a-z0-9_]+$"), "lowercase letters, digits and _")
AWS_REGION = matching(re.compile(r"^[a-z]{2}(-[a-z]+)+-\d$"), "an AWS region such as us-east-1")
SNS_TOPIC_ARN = matching(
    re.compile(r"^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[\w-]+$"), "an SNS topic ARN"
)
ATHENA_WORKGROUP = matching(re.compile(r"^[A-Za-z0-9._-]{1,128}$"), "a workgroup name")
KMS_KEY = matching(
    re.compile(
        r"^(arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(key|alias)/[\w/-]+|alias/[\w/-]+|[\w-]+)$"
    ),
    "a KMS key id or ARN",
)
# membershipIdentifier: "Fixed length of 36", that pattern
# (https://docs.aws.amazon.com/clean-rooms/latest/apireference/API_ListConfiguredTableAssociations.html)
CLEAN_ROOMS_ID = matching(
    re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"),
    "a Clean Rooms membership id (36 characters, lowercase hex and -)",
)
AWS_ACCOUNT_ID = matching(re.compile(r"^\d{12}$"), "a 12-digit AWS account id")
# Namespace: 1-255 characters, "Pattern: [^:].*"; ASCII without control characters, and
# "AWS/" is reserved for AWS services
# (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricData.html,
# https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch_concepts.html#Namespace)
CLOUDWATCH_NAMESPACE = matching(
    re.compile(r"^(?!AWS/)[ -9;-~][ -~]{0,254}$"),
    "a CloudWatch namespace (1-255 printable ASCII characters, not starting with : or AWS/)",
)
# EventBusName of a PutEvents entry: a name or an event bus ARN
# (https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEventsRequestEntry.html)
EVENT_BUS = matching(
    re.compile(
        r"^(arn:aws[\w-]*:events:[a-z]{2}-[a-z]+-[\w-]+:[0-9]{12}:event-bus/)?[/.\-_A-Za-z0-9]{1,256}$"
    ),
    "an EventBridge event bus name or ARN",
)
