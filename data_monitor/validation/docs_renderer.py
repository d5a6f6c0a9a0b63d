"""The validation page of Data Docs, with failed expectations before passed ones.

GX lists a validation's expectations in suite order, so on a table with one problem an analyst
has to scan past every passing check to find it. The site's ``validations`` section uses this
renderer instead (see ``gx_context.build_context``); expectation suite pages and the index are
GX's own.
"""

from __future__ import annotations

import copy
from typing import Any

from great_expectations.render.renderer.page_renderer import ValidationResultsPageRenderer


def needs_attention(evr: Any) -> bool:
    """Failed, or could not run (GX then sets ``exception_info``, flat or keyed per metric)."""
    info = evr.exception_info if isinstance(evr.exception_info, dict) else {}
    raised = info.get("raised_exception") or any(
        isinstance(v, dict) and v.get("raised_exception") for v in info.values()
    )
    return not evr.success or bool(raised)


class FailuresFirstValidationResultsPageRenderer(ValidationResultsPageRenderer):
    """Renders the results failed/errored first, then passed; suite order within each group.

    GX still splits the page into sections (table-level expectations, then one per column), so
    the order holds within each section; all of the monitor's expectations are table-level.
    """

    def render(self, validation_results: Any, suite_parameters: Any = None) -> Any:
        # A shallow copy: the stored result (and its order) stays as GX wrote it. sorted() is
        # stable, so each group keeps the suite's order.
        ordered = copy.copy(validation_results)
        ordered.results = sorted(validation_results.results, key=lambda r: not needs_attention(r))
        return super().render(ordered, suite_parameters)
