"""Data Docs sentences for the custom expectations.

Data Docs' HTML site renders an expectation through its legacy prescriptive renderer; without
one it shows a raw ``expect_x(**{...})`` badge. Every expectation here declares a sentence
template, and this module turns it into the content block the site expects. It also words
the "Observed Value" column, which otherwise shows a raw number or dict.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from great_expectations.render import RenderedStringTemplateContent


def is_parameter(value: Any) -> bool:
    return isinstance(value, dict) and "$PARAMETER" in value


def sentence(
    template: str,
    kwargs: dict[str, Any],
    runtime_configuration: dict[str, Any] | None = None,
) -> list[RenderedStringTemplateContent]:
    """One sentence, with ``$name`` placeholders filled from the expectation kwargs.

    A kwarg still holding a ``{"$PARAMETER": name}`` reference (a suite viewed before a run)
    is shown by its parameter name, so the sentence reads "... $pk_column ..." rather than
    a dict.
    """
    params = {
        name: (f"${value['$PARAMETER']}" if is_parameter(value) else value)
        for name, value in kwargs.items()
    }
    styling = (runtime_configuration or {}).get("styling")
    return [
        RenderedStringTemplateContent(
            content_block_type="string_template",
            string_template={"template": template, "params": params, "styling": styling},
        )
    ]


def observed_value(result: Any, describe: Callable[[dict[str, Any]], str]) -> str:
    """The Data Docs "Observed Value" cell of a validation result.

    GX calls the observed-value renderer with ``result`` only, and on some paths with none; an
    expectation that raised has an empty ``result``. Those show "--" (the exception itself is
    shown by GX's unexpected-statement renderer). A result ``describe`` cannot read (an older
    shape) falls back to the plain observed value rather than losing the cell.
    """
    result_dict = getattr(result, "result", None) or {}
    if "observed_value" not in result_dict:
        return "--"
    try:
        return describe(result_dict)
    except (KeyError, TypeError, ValueError, AttributeError):
        return default_observed_text(result_dict)


def default_observed_text(result: dict[str, Any]) -> str:
    value = result.get("observed_value")
    if value is None:
        return "--"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return number(value)
    return str(value)


def number(value: float) -> str:
    """1234567 -> "1,234,567" (floats keep their digits)."""
    return f"{value:,}"


def plural(count: int, noun: str) -> str:
    """``plural(1, "row")`` -> "1 row", ``plural(5, "row")`` -> "5 rows"."""
    return f"{number(count)} {noun}{'' if count == 1 else 's'}"


def listing(count: int, label: str, items: Sequence[Any], limit: int = 10) -> str:
    """``listing(3, "missing", [13, 77, 200])`` -> "3 missing: 13, 77, 200".

    At most ``limit`` items are shown; a longer list ends with "…" so the cell stays short.
    """
    shown = ", ".join(str(item) for item in items[:limit])
    more = ", …" if count > min(len(items), limit) else ""
    return f"{number(count)} {label}: {shown}{more}"


def listed(texts: Sequence[str], limit: int, separator: str = "; ") -> str:
    """The first ``limit`` of ``texts``, joined, and how many more there are."""
    more = len(texts) - limit
    return separator.join(texts[:limit]) + (f"{separator}... ({more} more)" if more > 0 else "")
