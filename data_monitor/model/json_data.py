"""JSON as the monitor receives it (Glue's responses, GX's result dicts, suite and catalog
files): a value is only trusted as an object, a list or a text after it was checked to be one.

Reading through these helpers keeps the rest of the model typed: a missing key, or one of an
unexpected kind, reads as empty (``{}``, ``[]``, ``""``), which is what Glue's optional fields
mean; the model decides what empty means for each field.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TypeAlias

JSONValue: TypeAlias = "None | bool | int | float | str | list[JSONValue] | dict[str, JSONValue]"
JSONObject: TypeAlias = dict[str, JSONValue]
Raw: TypeAlias = Mapping[str, object]  # an object as received, its values not yet checked


def obj(value: object) -> Raw:
    """``value`` if it is an object, else an empty one."""
    return value if isinstance(value, Mapping) else {}


def items(value: object) -> list[object]:
    """``value`` if it is a list, else an empty one."""
    return list(value) if isinstance(value, list | tuple) else []


def text(value: object) -> str:
    """``value`` as text; None (an absent field) is empty."""
    return "" if value is None else str(value)


def moment(value: object) -> dt.datetime | None:
    """A timestamp as AWS hands it over: a datetime from boto3 (Glue's UpdateTime, S3's
    LastModified), epoch seconds, or ISO 8601 text (the local catalog's files); UTC when it
    names no zone, None when it is none of these."""
    if isinstance(value, dt.datetime):
        found = value
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        found = dt.datetime.fromtimestamp(value, dt.timezone.utc)
    else:
        try:
            found = dt.datetime.fromisoformat(text(value).strip().replace("Z", "+00:00"))
        except ValueError:
            return None
    return found if found.tzinfo else found.replace(tzinfo=dt.timezone.utc)
