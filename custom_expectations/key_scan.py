"""The base of the expectations that read the one key scan per table (``table.key_profile``)."""

from __future__ import annotations

from typing import ClassVar

from great_expectations.core.suite_parameters import SuiteParameterDict

from custom_expectations.base import SentenceExpectation
from custom_expectations.metrics.key_profile import METRIC_NAME

# the kwargs that make up the scan's metric configuration: each key-scan expectation's
# success_keys start with them (GX takes a metric's value kwargs from the success kwargs)
SCAN_KEYS = ("pk_column", "bucket_column", "source_schema", "source_table")


class KeyScanExpectation(SentenceExpectation):
    """An expectation computed from the shared key scan.

    Every one of them names the same ``pk_column``, ``bucket_column`` (the partition column
    the scan also groups by, "" for none) and ``source_schema``/``source_table`` (the table
    whose COUNT(*) rides in the scan for the count check; "" or absent for none), so GX
    resolves one metric, one query, for all. An expectation naming other values gets a scan
    of its own: correct, one more query.
    """

    pk_column: str | SuiteParameterDict
    bucket_column: str | SuiteParameterDict | None = None
    source_schema: str | SuiteParameterDict | None = None
    source_table: str | SuiteParameterDict | None = None

    metric_dependencies: ClassVar[tuple[str, ...]] = (METRIC_NAME,)
