"""What each of the monitor's own checks observed, as typed fields.

A custom expectation's result is ``{"observed_value": ..., "details": {...}}``. Each class here
declares that shape for one expectation type: ``observed`` is the observed value, the other
fields are the details' keys. ``read_findings`` is the one reader of those keys, and it refuses
a result of another shape (a key renamed, dropped or added on the writing side only) with the
key named, so a renamed key cannot quietly turn an alert into generic text or blank a report
column. The expectations themselves (custom_expectations/) write these results; the alert text
and the report read them through these classes.
"""

from __future__ import annotations

import dataclasses
import functools
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar, TypeVar

from data_monitor.model.schema_drift import SchemaChange

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

T = TypeVar("T")


class ResultShapeError(ValueError):
    """A result is not the shape its expectation's findings declare (the message says how)."""


@dataclass(frozen=True)
class Findings:
    """The base of the per-check shapes; a subclass names its expectation type."""

    expectation_type: ClassVar[str] = ""

    def __init_subclass__(cls, expectation: str = "", **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        if expectation:
            cls.expectation_type = expectation


def _by_type(expectation_type: str) -> type[Findings] | None:
    """The findings class declared for ``expectation_type`` (the classes below), if any."""
    kinds = (k for k in _all_kinds(Findings) if k.expectation_type == expectation_type)
    return next(kinds, None)


def _all_kinds(kind: type[Findings]) -> list[type[Findings]]:
    """Every subclass of ``kind``, at any depth."""
    return [k for sub in kind.__subclasses__() for k in (sub, *_all_kinds(sub))]


def required(value: T | None, name: str) -> T:
    """A field that only some states carry (None in the others), where the caller needs it."""
    if value is None:
        raise ResultShapeError(f"details has no {name!r} in this state")
    return value


def findings_type(expectation_type: str) -> type[Findings] | None:
    """The findings class of one of our expectation types, None for any other type."""
    return _by_type(expectation_type)


def read_findings(expectation_type: str, result: Mapping[str, object]) -> Findings | None:
    """The typed findings of a result (``{"observed_value", "details"}``), None for a type that
    has none (GX's own and users' expectations); raises ResultShapeError on another shape."""
    kind = _by_type(expectation_type)
    if kind is None:
        return None
    if "observed_value" not in result:
        raise ResultShapeError("the result has no 'observed_value'")
    details = result.get("details")
    if not isinstance(details, Mapping):
        raise ResultShapeError("the result has no 'details' object")
    if "observed" in details:  # would be shadowed by the observed value below
        raise ResultShapeError("details has unexpected key(s): observed")
    findings = _build(kind, {**details, "observed": result["observed_value"]}, "details")
    if not isinstance(findings, Findings):
        raise ResultShapeError(f"{kind.__name__} is not a findings class")
    return findings


def _build(kind: type[DataclassInstance], data: object, where: str) -> object:
    """An instance of the dataclass ``kind`` from the object ``data`` (at ``where``)."""
    if not isinstance(data, Mapping):
        raise ResultShapeError(f"{where} is {type(data).__name__}, expected an object")
    fields = dataclasses.fields(kind)
    unknown = sorted(str(key) for key in set(data) - {f.name for f in fields})
    if unknown:
        raise ResultShapeError(f"{where} has unexpected key(s): {', '.join(unknown)}")
    hints = _hints(kind)
    values: dict[str, object] = {}
    for f in fields:
        if f.name in data:
            values[f.name] = _value(hints[f.name], data[f.name], f"{where}.{f.name}")
        elif f.default is dataclasses.MISSING:
            raise ResultShapeError(f"{where} has no {f.name!r}")
    return kind(**values)


@functools.cache
def _hints(kind: type[DataclassInstance]) -> dict[str, object]:
    return typing.get_type_hints(kind)


def _value(hint: object, value: object, where: str) -> object:
    """``value`` as its field declares it: an object as its dataclass, a list as a tuple (the
    findings are read-only)."""
    if isinstance(value, list):
        item = _nested(typing.get_args(hint)[0]) if typing.get_origin(hint) is tuple else None
        return tuple(_build(item, v, f"{where}[{i}]") if item else v for i, v in enumerate(value))
    nested = _nested(hint)
    return _build(nested, value, where) if nested is not None and value is not None else value


def _nested(hint: object) -> type[DataclassInstance] | None:
    """The dataclass ``hint`` names, alone or in a union with None."""
    for candidate in (hint, *typing.get_args(hint)):
        if isinstance(candidate, type) and dataclasses.is_dataclass(candidate):
            return candidate
    return None


# The key scan's checks (table.key_profile).


@dataclass(frozen=True)
class NullKeyFindings(Findings, expectation="expect_primary_key_values_to_not_be_null"):
    observed: int  # rows with a NULL or blank key
    row_count: int
    column: str


@dataclass(frozen=True)
class DuplicateKeyFindings(Findings, expectation="expect_primary_key_values_to_be_unique"):
    observed: int  # rows of keys seen more than once
    duplicate_keys: int
    row_count: int
    column: str


@dataclass(frozen=True)
class RowCounts:
    part: int
    source: int
    diff_pct: float | str  # "inf" for rows against an empty source


@dataclass(frozen=True)
class SourceCountFindings(Findings, expectation="expect_row_count_to_match_source"):
    observed: RowCounts
    source: str  # schema.table
    tolerance_pct: float


@dataclass(frozen=True)
class VolumeFindings(Findings, expectation="expect_row_count_to_follow_history"):
    """``state`` "insufficient history" carries ``min_history``; "normal"/"anomaly" the rest."""

    observed: int  # today's row count
    state: str
    points: int  # past days compared with
    min_history: int | None = None
    mean: float | None = None
    change_pct: float | str | None = None  # "inf" against a mean of 0
    z_score: float | str | None = None


@dataclass(frozen=True)
class BucketLoad:
    bucket: int
    rows: int
    ratio: float  # of the mean bucket


@dataclass(frozen=True)
class BalanceFindings(Findings, expectation="expect_id_bucket_rows_to_be_balanced"):
    """``state`` "not judged" (no bucketed rows) carries ``buckets`` only."""

    observed: float | None  # the fullest bucket's ratio
    state: str
    buckets: int
    mean: float | None = None
    fullest: BucketLoad | None = None
    emptiest: BucketLoad | None = None
    skewed_buckets: tuple[int, ...] = ()

    def extremes(self) -> tuple[BucketLoad, BucketLoad]:
        """(fullest, emptiest) of a judged table."""
        return required(self.fullest, "fullest"), required(self.emptiest, "emptiest")


# The inventory's checks (table.inventory).


@dataclass(frozen=True)
class StorageFindings(Findings, expectation="expect_id_bucket_partitions_in_storage"):
    observed: int  # expected buckets present
    bucket_count: int
    missing: tuple[int, ...]  # the first ones
    missing_count: int
    unexpected: tuple[int, ...]


@dataclass(frozen=True)
class RegistrationFindings(Findings, expectation="expect_id_bucket_partitions_registered"):
    observed: int  # registered buckets
    projection: bool
    problems: tuple[str, ...]  # of the projection
    registered_count: int
    missing_before: tuple[int, ...]  # the first ones
    missing_before_count: int
    repaired: int
    still_missing: tuple[int, ...]  # the first ones
    still_missing_count: int
    repair_mode: str
    repair_error: str | None
    repair_skipped: tuple[int, ...] = ()  # in storage without a data file: never registered


@dataclass(frozen=True)
class MisplacedPartition:
    bucket: int
    location: str
    expected: str


@dataclass(frozen=True)
class PlacementFindings(Findings, expectation="expect_id_bucket_partitions_at_table_location"):
    observed: int  # partitions registered elsewhere
    misplaced: tuple[MisplacedPartition, ...]  # the first ones
    misplaced_count: int


@dataclass(frozen=True)
class CatalogFormat:
    table_type: str
    input_format: str
    serde: str


@dataclass(frozen=True)
class TableFormatFindings(Findings, expectation="expect_table_to_be_external_parquet"):
    observed: CatalogFormat
    problems: tuple[str, ...]


@dataclass(frozen=True)
class ContractFindings(Findings, expectation="expect_table_schema_contract"):
    observed: tuple[str, ...]  # the problems
    problems: tuple[str, ...]


@dataclass(frozen=True)
class FreshnessFindings(Findings, expectation="expect_snapshot_to_be_fresh"):
    """``state``: fresh, stale, future, unparseable or missing."""

    observed: str | None  # the marker's date
    state: str
    age_days: int | None
    window_days: int
    uri: str | None
    strict: bool
    text_sample: str | None  # of an unparseable marker


@dataclass(frozen=True)
class StallFindings(Findings, expectation="expect_snapshot_to_advance"):
    """``state`` "not judged" has no ``unchanged_runs``; "stalled"/"advancing" have."""

    observed: str | None  # the marker's date
    state: str
    points: int
    limit: int
    unchanged_runs: int | None = None


@dataclass(frozen=True)
class FileSizeFindings(Findings, expectation="expect_file_sizes_in_range"):
    observed: int  # files out of range
    files_checked: int
    partitions_sampled: int
    issues: tuple[str, ...]


# The Clean Rooms readiness checks (gx/expectations/clean_rooms_readiness.json).


@dataclass(frozen=True)
class ProblemFindings(Findings):
    """A check's list of problems (custom_expectations.base.ProblemListExpectation)."""

    observed: int  # how many problems
    problems: tuple[str, ...]


@dataclass(frozen=True)
class ColumnNamesFindings(ProblemFindings, expectation="expect_column_names_to_suit_clean_rooms"):
    """``problems``: the names Clean Rooms refuses, and why."""


@dataclass(frozen=True)
class EmptyPartitionsFindings(Findings, expectation="expect_registered_partitions_to_have_data"):
    observed: int  # registered partitions without a data file
    empty: tuple[int, ...]  # the first ones
    projection: bool


@dataclass(frozen=True)
class JoinKeyFindings(Findings, expectation="expect_join_key_to_suit_clean_rooms"):
    observed: int  # the longest key, in characters
    column: str
    max_key_length: int
    allow_duplicates: bool
    duplicate_keys: int
    problems: tuple[str, ...]


@dataclass(frozen=True)
class TableLocationFindings(Findings, expectation="expect_table_location_to_hold_the_data"):
    observed: str  # the location as Glue has it
    problems: tuple[str, ...]


@dataclass(frozen=True)
class ColumnCountFindings(Findings, expectation="expect_column_count_to_suit_clean_rooms"):
    observed: int  # data and partition columns
    max_columns: int


@dataclass(frozen=True)
class RawInputFindings(Findings, expectation="expect_snapshot_to_keep_up_with_raw_input"):
    observed: str | None  # the raw input's date (no later than as_of)
    processed: str | None  # the processed snapshot's date
    lag_days: int | None
    max_lag_days: int
    source: str | None  # database.table of the source
    read_from: str  # what the raw input's date was read from


@dataclass(frozen=True)
class ColumnTypesFindings(ProblemFindings, expectation="expect_column_types_to_suit_clean_rooms"):
    """``problems``: the columns the engine cannot use, and why."""


@dataclass(frozen=True)
class StorageFormat:
    format: str  # "" when the SerDe names no known format
    codecs: tuple[str, ...]  # the sampled Parquet files' codecs


@dataclass(frozen=True)
class StorageFormatFindings(Findings, expectation="expect_storage_format_to_suit_clean_rooms"):
    observed: StorageFormat
    problems: tuple[str, ...]
    sampled_files: int


@dataclass(frozen=True)
class ConfiguredTablesFindings(Findings, expectation="expect_configured_tables_to_match_the_table"):
    observed: int  # problems found
    membership: str | None  # None: no --clean_rooms_membership
    configured_tables: tuple[str, ...]  # the configured tables reading this table
    problems: tuple[str, ...]


# Schema drift (custom_expectations/expect_table_schema_to_be_unchanged.py).


@dataclass(frozen=True)
class SchemaChangeItem:
    kind: str  # added | removed | retyped | renamed
    column: str
    type: str
    was: str


@dataclass(frozen=True)
class SchemaChangeFindings(Findings, expectation="expect_table_schema_to_be_unchanged"):
    observed: int  # columns changed
    since: str | None  # what the schema was compared with; None: nothing to compare with
    changes: tuple[SchemaChangeItem, ...]
    breaking: bool  # a column removed, renamed or retyped

    @staticmethod
    def change_text(change: SchemaChangeItem | Mapping[str, object]) -> str:
        if isinstance(change, SchemaChangeItem):
            return SchemaChange(change.kind, change.column, change.type, change.was).text()
        fields = {k: str(change.get(k) or "") for k in ("kind", "column", "type", "was")}
        return SchemaChange(**fields).text()
