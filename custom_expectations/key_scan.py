"""The base of the expectations that read the one key scan per table (``table.key_profile``)."""

from __future__ import annotations

from typing import ClassVar

from great_expectations.core.suite_parameters import SuiteParameterDict

from custom_expectations.base import SentenceExpectation
from custom_expectations.metrics.key_profile import METRIC_NAME


class KeyScanExpectation(SentenceExpectation):
    """An expectation computed from the shared key scan.

    Every one of them names the same ``pk_column`` and ``bucket_column`` (the partition column
    the scan also groups by, "" for none), so GX resolves one metric, one query, for all.
    """

    pk_column: str | SuiteParameterDict
    bucket_column: str | SuiteParameterDict | None = None

    metric_dependencies: ClassVar[tuple[str, ...]] = (METRIC_NAME,)
