"""Glue's table and partition structures, parsed once for both backends.

The local warehouse stores exactly what Glue's GetTable / GetPartitions return, so the same
parsing serves the local catalog files and the AWS API.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field

from data_monitor.model.json_data import Raw, items, obj, text

PARTITION_KEY = "id_bucket"
PARTITION_DIR = re.compile(rf"^{PARTITION_KEY}=(\d+)/?$")


@dataclass(frozen=True)
class Column:
    name: str
    type: str


# Partition projection as Athena defines it. Integer type, range, interval and digits:
# https://docs.aws.amazon.com/athena/latest/ug/partition-projection-supported-types.html
# storage.location.template:
# https://docs.aws.amazon.com/athena/latest/ug/partition-projection-setting-up.html
PLACEHOLDER = "${" + PARTITION_KEY + "}"
_SETTING = f"projection.{PARTITION_KEY}"
# "Leading and trailing white space is allowed" in type, range, interval and digits; range
# bounds may be negative and have leading zeroes ("0001,9999"). White space around the comma
# is accepted too ("0, 255"): Athena's engine trims each element of the list.
_INTEGER = re.compile(r"\s*([+-]?[0-9]+)\s*")
_RANGE = re.compile(r"\s*([+-]?[0-9]+)\s*,\s*([+-]?[0-9]+)\s*")
_ANY_PLACEHOLDER = re.compile(r"\$\{[^}]*\}")


def _integer(text: str | None) -> int | None:
    match = _INTEGER.fullmatch(text or "")
    return int(match.group(1)) if match else None


def _shown(text: str | None) -> str:
    """A setting as an error names it: trimmed, quoted only when nothing else would show."""
    if text is None:
        return "not set"
    return text.strip() or repr(text)


@dataclass(frozen=True)
class Projection:
    """Partition projection settings of a table, as Glue holds them.

    While projection is enabled Athena ignores the partitions registered in Glue and reads the
    projected locations only:
    https://docs.aws.amazon.com/athena/latest/ug/partition-projection.html
    """

    enabled: bool
    key_type: str | None = None
    range: str | None = None
    interval: str | None = None
    digits: str | None = None
    location_template: str | None = None

    def bounds(self) -> tuple[int, int] | None:
        """``range`` as (low, high), or None when it is not two comma-separated integers."""
        match = _RANGE.fullmatch(self.range or "")
        return (int(match.group(1)), int(match.group(2))) if match else None

    def step(self) -> int | None:
        """``interval`` (1 when unset), or None when it is not a positive integer."""
        if self.interval is None:
            return 1
        step = _integer(self.interval)
        return step if step is not None and step > 0 else None

    def width(self) -> int | None:
        """``digits`` (0 = no padding when unset), or None when it is not a positive integer."""
        if self.digits is None:
            return 0
        width = _integer(self.digits)
        return width if width is not None and width > 0 else None

    def problems(self) -> list[str]:
        """Why Athena cannot project id_bucket from these settings (empty when it can)."""
        problems = []
        if (self.key_type or "").strip().lower() != "integer":
            problems.append(f"{_SETTING}.type is {_shown(self.key_type)}, expected integer")
        if self.bounds() is None:
            problems.append(
                f"{_SETTING}.range is {_shown(self.range)}, "
                "expected two comma-separated integers low,high"
            )
        for name, parsed in (("interval", self.step()), ("digits", self.width())):
            if parsed is None:
                raw = getattr(self, name)
                problems.append(f"{_SETTING}.{name} is {_shown(raw)}, expected a positive integer")
        return problems + self._template_problems()

    def _template_problems(self) -> list[str]:
        # "the template must contain a placeholder for each partition column"
        template = self.location_template
        if template is None:
            return []
        if PLACEHOLDER not in template:
            shown = template or repr(template)
            return [f"storage.location.template {shown} has no {PLACEHOLDER} placeholder"]
        others = sorted(set(_ANY_PLACEHOLDER.findall(template)) - {PLACEHOLDER})
        if others:
            return [
                f"storage.location.template {template} has {', '.join(others)}, "
                f"expected only {PLACEHOLDER}"
            ]
        return []

    def usable(self) -> bool:
        return self.enabled and not self.problems()

    def values(self) -> list[int]:
        """The id_bucket values Athena projects: low, low+interval, ... <= high (none when it
        cannot project)."""
        bounds, step = self.bounds(), self.step()
        if not self.usable() or bounds is None or step is None:
            return []
        return list(range(bounds[0], bounds[1] + 1, step))

    def value_text(self, bucket: int) -> str:
        """The value as Athena writes it into the location: ``digits`` 3 makes 7 ``007``."""
        width = self.width()
        return f"{bucket:0{width}d}" if width else str(bucket)

    def template_for(self, table_location: str) -> str:
        """Where Athena reads ``${id_bucket}``: the custom template, else ``id_bucket=`` folders
        under the table location; ending in "/" (each partition is a folder)."""
        template = self.location_template
        if template is None:
            template = f"{table_location}{PARTITION_KEY}={PLACEHOLDER}/"
        return template if template.endswith("/") else template + "/"

    def location_for(self, table_location: str, bucket: int) -> str:
        return self.template_for(table_location).replace(PLACEHOLDER, self.value_text(bucket))

    def bucket_of_folder(self, folder: str, name: str) -> int | None:
        """The bucket whose projected folder is ``name`` (``id_bucket=007/``), given the
        template's folder part (``id_bucket=${id_bucket}``); None for any other name: Athena
        reads ``007`` for 7 only with digits 3, and ``7`` only without."""
        pattern = re.escape(folder).replace(re.escape(PLACEHOLDER), r"([+-]?[0-9]+)")
        match = re.fullmatch(pattern, name.rstrip("/"))
        if not match:
            return None
        bucket = int(match.group(1))
        return bucket if folder.replace(PLACEHOLDER, self.value_text(bucket)) == match[0] else None

    def record(self) -> dict[str, object]:
        """The settings and what Athena makes of them, for the table's inventory."""
        bounds = self.bounds()
        return {
            **asdict(self),
            "problems": self.problems() if self.enabled else [],
            "first": bounds[0] if bounds else None,
            "last": bounds[1] if bounds else None,
            "step": self.step(),
            "unread": [],
            "unread_count": 0,
        }


def split_template(template: str) -> tuple[str, str, str]:
    """``s3://b/t/id_bucket=${id_bucket}/x/`` -> (``s3://b/t/``, ``id_bucket=${id_bucket}``,
    ``x/``): the folder to list, the name of a bucket's folder in it, and the rest."""
    at = template.index(PLACEHOLDER)
    start = template.rfind("/", 0, at) + 1
    end = template.index("/", at)
    return template[:start], template[start:end], template[end + 1 :]


@dataclass(frozen=True)
class TableMeta:
    """What the monitor needs of a Glue table."""

    database: str
    name: str
    table_type: str
    location: str
    input_format: str
    serde: str
    columns: tuple[Column, ...]
    partition_keys: tuple[Column, ...]
    parameters: dict[str, str] = field(default_factory=dict)
    raw: Raw = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_glue(cls, database: str, table: Raw) -> TableMeta:
        sd = obj(table.get("StorageDescriptor"))
        return cls(
            database=database,
            name=text(table.get("Name")),
            table_type=text(table.get("TableType")),
            location=_folder(text(sd.get("Location"))),
            input_format=text(sd.get("InputFormat")),
            serde=text(obj(sd.get("SerdeInfo")).get("SerializationLibrary")),
            columns=_columns(sd.get("Columns")),
            partition_keys=_columns(table.get("PartitionKeys")),
            parameters={str(k): text(v) for k, v in obj(table.get("Parameters")).items()},
            raw=table,
        )

    @property
    def is_partitioned(self) -> bool:
        return bool(self.partition_keys)

    @property
    def projection(self) -> Projection:
        p = self.parameters
        return Projection(
            enabled=p.get("projection.enabled", "").lower() == "true",
            key_type=p.get(f"projection.{PARTITION_KEY}.type"),
            range=p.get(f"projection.{PARTITION_KEY}.range"),
            interval=p.get(f"projection.{PARTITION_KEY}.interval"),
            digits=p.get(f"projection.{PARTITION_KEY}.digits"),
            location_template=p.get("storage.location.template"),
        )

    def partition_location(self, bucket: int) -> str:
        return f"{self.location}{PARTITION_KEY}={bucket}/"

    def partition_structure(self, bucket: int) -> dict[str, object]:
        """A Glue PartitionInput for ``bucket``: the table's storage descriptor, new location."""
        sd = dict(obj(self.raw.get("StorageDescriptor")))
        sd["Location"] = self.partition_location(bucket)
        return {"Values": [str(bucket)], "StorageDescriptor": sd}


@dataclass(frozen=True)
class Partition:
    values: tuple[str, ...]
    location: str

    @classmethod
    def from_glue(cls, partition: Raw) -> Partition:
        location = _folder(text(obj(partition.get("StorageDescriptor")).get("Location")))
        return cls(values=tuple(text(v) for v in items(partition.get("Values"))), location=location)

    def bucket(self) -> int | None:
        """The id_bucket value, or None when it is not a non-negative integer."""
        if len(self.values) != 1 or not self.values[0].isdigit():
            return None
        return int(self.values[0])


def bucket_of_prefix(name: str) -> int | None:
    """``id_bucket=17/`` -> 17; anything else (``_metadata/``, ``id_bucket=x/``) -> None."""
    match = PARTITION_DIR.match(name)
    return int(match.group(1)) if match else None


def _columns(value: object) -> tuple[Column, ...]:
    columns = (obj(c) for c in items(value))
    return tuple(Column(text(c.get("Name")), text(c.get("Type"))) for c in columns)


def _folder(location: str) -> str:
    """A location as a folder (ending in "/"); Glue stores it with or without."""
    return location if not location or location.endswith("/") else location + "/"
