"""The warehouse's ``sns/messages.jsonl`` as the local backend's alert sink."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path


class LocalAlertSink:
    """What SNS would carry, appended to ``<warehouse>/sns/messages.jsonl`` and to stderr."""

    def __init__(self, warehouse: Path, topic_arn: str | None) -> None:
        self.path = warehouse / "sns" / "messages.jsonl"
        self.topic_arn = topic_arn

    def send(self, subject: str, message: str) -> str:
        record = {
            "topic_arn": self.topic_arn,
            "subject": subject,
            "message": message,
            "sent_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        }
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
        print(f"Subject: {subject}\n\n{message}", file=sys.stderr)
        return str(self.path)
