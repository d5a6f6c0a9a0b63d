"""The SNS subject: printable ASCII, one line, under 100 characters, whatever the names; and
the one retry with a plain subject when SNS still refuses a publish as InvalidParameter."""

from __future__ import annotations

import json
import random
import sys
from typing import Any

import boto3
import pytest

from data_monitor.backends.aws.alerts import SnsAlertSink
from data_monitor.backends.aws.calls import AwsClients
from data_monitor.backends.base import BackendError
from data_monitor.delivery.alerts import ascii_text, subject_for

REGION = "us-east-1"
AWKWARD = [
    "",
    "omc_flywheel_prod",
    "café_données",
    "数据_仓库",
    "Δ" * 150,
    "d" * 500,
    "line\nbreak",
    "crlf\r\nend\r",
    "tab\there",
    "nul\x00bell\x07del\x7f",
    "c1\x85\x9bcontrols",
    "sep\u2028\u2029arators",
    "zero\u200bwidth\u200d\ufeff",
    "nbsp\u00a0thin\u2009space",
    "ﬁligature ① Ｆｕｌｌ",
    "emoji_🚨_🔥",
    "rtl_\u202eevil",
    "lone\ud800surrogate",
    "\n\n\t ",
    "—" * 99,
]


def random_names(count: int, seed: int = 20261125) -> list[str]:
    """Names drawn from every plane, controls and separators included (a fixed seed)."""
    pick = random.Random(seed)
    pools = [(0, 0x20), (0x20, 0x7F), (0x7F, 0xA0), (0xA0, 0x3000), (0xD800, 0xE000)]
    pools += [(0xE000, 0x10000), (0x10000, sys.maxunicode + 1)]

    def char() -> str:
        low, high = pick.choice(pools)
        return chr(pick.randrange(low, high))

    return ["".join(char() for _ in range(pick.randrange(0, 300))) for _ in range(count)]


def assert_sns_safe(subject: str) -> None:
    assert subject.isascii(), repr(subject)
    assert all(" " <= c <= "~" for c in subject), repr(subject)  # no control character
    assert len(subject) < 100, repr(subject)
    assert subject == subject.strip() and subject[0].isprintable()


@pytest.mark.parametrize("prefix", ["part_", "", "pärt\n_", "p" * 300])
@pytest.mark.parametrize("count", [1, 3, 12345, 10**40])
def test_every_subject_is_ascii_one_line_and_short(prefix: str, count: int) -> None:
    for database in AWKWARD + random_names(200):
        subject = subject_for(database, prefix, count)
        assert_sns_safe(subject)
        assert subject.startswith("[DATA MONITOR] ")
        if count < 10**20:  # a long name or prefix is cut, never the count
            assert subject.endswith(f"* - {count} issue(s)")
    assert_sns_safe(SnsAlertSink.PLAIN_SUBJECT)


def test_names_stay_readable_in_ascii() -> None:
    assert ascii_text("café_données") == "cafe_donnees"
    assert ascii_text("ﬁle ①") == "file 1"
    assert ascii_text("数据") == "??"  # not silently dropped
    assert ascii_text("a\nb\r\n\tc\u2028d") == "a b c d"
    assert ascii_text("zero\u200bwidth") == "zerowidth"
    assert subject_for("line\nbreak", "part_", 2) == "[DATA MONITOR] line break part_* - 2 issue(s)"
    assert subject_for("\n", "part_", 2) == "[DATA MONITOR] part_* - 2 issue(s)"


@pytest.fixture
def topic(moto_server: str) -> dict[str, str]:
    """An SNS topic whose messages land in an SQS queue, on the moto server."""
    sns = boto3.client("sns", region_name=REGION)
    sqs = boto3.client("sqs", region_name=REGION)
    arn = sns.create_topic(Name="alerts")["TopicArn"]
    queue_url = sqs.create_queue(QueueName="alerts")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])
    sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=queue_arn["Attributes"]["QueueArn"])
    return {"arn": arn, "queue_url": queue_url}


def delivered(queue_url: str) -> list[dict[str, Any]]:
    sqs = boto3.client("sqs", region_name=REGION)
    got = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
    return [json.loads(m["Body"]) for m in got.get("Messages", [])]


def sink_recording_subjects(topic_arn: str) -> tuple[SnsAlertSink, list[str]]:
    """A sink on the moto server, and the Subject of every Publish it sends (a botocore hook)."""
    sink = SnsAlertSink(AwsClients(REGION), topic_arn)
    subjects: list[str] = []
    assert sink.sns is not None

    def record(params: dict[str, Any], **_: Any) -> None:
        subjects.append(params["Subject"])

    sink.sns.meta.events.register("provide-client-params.sns.Publish", record)
    return sink, subjects


def test_a_refused_subject_is_retried_once_with_a_plain_one(topic: dict[str, str]) -> None:
    sink, subjects = sink_recording_subjects(topic["arn"])
    # moto refuses a subject of 100 characters or more with InvalidParameter, as SNS does
    refused = "[DATA MONITOR] " + "x" * 120
    where = sink.send(refused, "[DATA MONITOR] 1 issue(s) in db (part_*)\n\n[PK_NULL] t: é—Δ")
    assert subjects == [refused, "[DATA MONITOR] alert"]
    assert where.startswith(f"{topic['arn']} (message ")
    (message,) = delivered(topic["queue_url"])
    assert message["Subject"] == "[DATA MONITOR] alert"
    assert message["Message"].endswith("[PK_NULL] t: é—Δ")  # the body stays UTF-8


def test_an_accepted_subject_is_sent_once(topic: dict[str, str]) -> None:
    sink, subjects = sink_recording_subjects(topic["arn"])
    subject = subject_for("café\nprod", "part_", 2)
    sink.send(subject, "body")
    assert subjects == [subject]
    assert [m["Subject"] for m in delivered(topic["queue_url"])] == [subject]


def test_other_refusals_are_not_retried(topic: dict[str, str]) -> None:
    sink, subjects = sink_recording_subjects(topic["arn"])
    boto3.client("sns", region_name=REGION).delete_topic(TopicArn=topic["arn"])
    with pytest.raises(BackendError, match=f"publish to {topic['arn']}: NotFound: "):
        sink.send("[DATA MONITOR] db part_* - 1 issue(s)", "body")
    assert subjects == ["[DATA MONITOR] db part_* - 1 issue(s)"]


def test_a_second_refusal_gives_up(topic: dict[str, str]) -> None:
    sink, subjects = sink_recording_subjects(topic["arn"])
    assert sink.sns is not None

    def refuse_every_subject(params: dict[str, Any], **_: Any) -> None:
        params["Subject"] = "x" * 150  # what moto then refuses, first call and retry alike

    sink.sns.meta.events.register("provide-client-params.sns.Publish", refuse_every_subject)
    with pytest.raises(BackendError, match="InvalidParameter"):
        sink.send("[DATA MONITOR] db part_* - 1 issue(s)", "body")
    assert subjects == ["[DATA MONITOR] db part_* - 1 issue(s)", "[DATA MONITOR] alert"]
    assert delivered(topic["queue_url"]) == []
