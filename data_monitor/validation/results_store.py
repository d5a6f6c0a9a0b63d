"""GX's validation results store, made to store every result an expectation returns.

Some built-in expectations return numpy values in their results
(``expect_column_quantile_values_to_be_between`` gives ``success = np.all(...)``, a numpy
bool). GX's store writes a result with ``json.dumps``, which refuses numpy scalars, so one such
expectation made the whole table's validation fail before any alert was worded. This store
writes numpy scalars as the Python values they hold, and is otherwise GX's.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
from great_expectations.data_context.store.validation_results_store import (
    ValidationResultsStore,
)


def plain(value: Any) -> Any:
    """A numpy scalar or array as plain JSON values (json.dumps ``default``)."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


class PlainValidationResultsStore(ValidationResultsStore):
    def serialize(self, value: Any) -> Any:
        if self.cloud_mode:
            return super().serialize(value)
        dumped = self._expectationSuiteValidationResultSchema.dump(value.to_json_dict())
        return json.dumps(dumped, indent=2, sort_keys=True, default=plain)


STORE_CONFIG = {
    "module_name": __name__,
    "class_name": PlainValidationResultsStore.__name__,
}
