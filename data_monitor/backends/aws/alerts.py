"""SNS as the AWS backend's alert sink."""

from __future__ import annotations

import logging

from data_monitor.backends.aws.calls import (
    AWS_ERRORS,
    AwsClients,
    aws_call,
    backend_error,
    error_code,
)

LOG = logging.getLogger("data_monitor")


class SnsAlertSink:
    PLAIN_SUBJECT = "[DATA MONITOR] alert"  # short printable ASCII: a subject SNS cannot refuse

    def __init__(self, clients: AwsClients, topic_arn: str | None) -> None:
        self.sns = clients.client("sns") if topic_arn else None
        self.topic_arn = topic_arn

    def send(self, subject: str, message: str) -> str:
        if self.sns is None or not self.topic_arn:
            LOG.info("no --sns_topic_arn: the alert is in the report only")
            return "not published (no --sns_topic_arn)"
        what = f"publish to {self.topic_arn}"
        try:
            response = self.sns.publish(TopicArn=self.topic_arn, Subject=subject, Message=message)
        except AWS_ERRORS as exc:
            if error_code(exc) != "InvalidParameter":
                raise backend_error(what, exc) from exc
            # the subject is the parameter SNS judges most strictly (and differently from its
            # documentation over the years): one retry with a plain one beats losing the alert
            LOG.warning(
                "SNS refused the alert (%s); publishing it again with the subject %r",
                exc,
                self.PLAIN_SUBJECT,
            )
            response = aws_call(
                what,
                self.sns.publish,
                TopicArn=self.topic_arn,
                Subject=self.PLAIN_SUBJECT,
                Message=message,
            )
        return f"{self.topic_arn} (message {response.get('MessageId', '?')})"
