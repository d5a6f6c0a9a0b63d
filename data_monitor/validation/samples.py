"""Sample values only where a suite asks for them.

For a failed row-by-row expectation (column, column-pair or multicolumn map), GX's BASIC result
lists up to 20 of the unexpected values, and fetches them with a query of their own: one more
query per expectation and table, which on Athena is billed (10 MB at least) and queued like any
other. The alert line never shows values (it counts rows, and values may be personal data in
an SNS message), so the monitor asks GX for them only where an expectation's ``meta`` says
``"samples": true``; its Data Docs page then lists them. The counts (unexpected, NULL and total
rows, and the percentages) come from the aggregate query the expectation needs anyway. Only
the BASIC result format (the monitor's) changes: SUMMARY and COMPLETE are made of the values.

GX offers no setting for this: ``partial_unexpected_count: 0`` still sends the query (with
``LIMIT 0``). ``install`` leaves the unexpected-values metric out of the three map expectation
classes' dependencies; an upgrade hazard like validation/dialects.py, covered by
tests/test_builtin_expectations.py (query counts and results on both backends).
"""

from __future__ import annotations

import threading
from typing import Any

from great_expectations.expectations.expectation import (
    ColumnMapExpectation,
    ColumnPairMapExpectation,
    MulticolumnMapExpectation,
)

SAMPLES = "samples"  # the meta key that asks for sample values
UNEXPECTED_VALUES = "unexpected_values"  # GX's suffix of the metric that fetches them
_installed = threading.Lock()


def wants_samples(meta: object) -> bool:
    return isinstance(meta, dict) and meta.get(SAMPLES) is True


def install() -> None:
    """Wrap the map expectations' dependencies (once per process)."""
    if not _installed.acquire(blocking=False):
        return
    for kind in (ColumnMapExpectation, ColumnPairMapExpectation, MulticolumnMapExpectation):
        _without_samples(kind)


def _without_samples(kind: Any) -> None:
    original = kind.get_validation_dependencies

    def get_validation_dependencies(self: Any, *args: Any, **kwargs: Any) -> Any:
        dependencies = original(self, *args, **kwargs)
        # BASIC is the monitor's format; SUMMARY and COMPLETE are built from the values
        basic = dependencies.result_format.get("result_format") == "BASIC"
        if basic and not wants_samples(self.meta):
            name = f"{self.map_metric}.{UNEXPECTED_VALUES}"
            if dependencies.get_metric_configuration(name) is not None:
                dependencies.remove_metric_configuration(name)
        return dependencies

    get_validation_dependencies.__doc__ = original.__doc__
    kind.get_validation_dependencies = get_validation_dependencies
