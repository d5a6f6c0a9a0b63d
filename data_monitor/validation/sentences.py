"""Any expectation as the sentence Data Docs shows, and its observed value as short text.

Used for alert lines of expectations the monitor has no dedicated format for (the ones users add
to the suites): ``[EXPECTATION] <table>: <sentence> — observed <value>``. Sample values from the
data are never put in an alert, only counts.
"""

from __future__ import annotations

import re
from typing import Any

from great_expectations.expectations.expectation_configuration import ExpectationConfiguration
from great_expectations.expectations.registry import get_renderer_impl
from great_expectations.render import LegacyRendererType

PLACEHOLDER = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")


def sentence_of(expectation_type: str, kwargs: dict[str, Any]) -> str:
    """The expectation's prescriptive sentence with its parameters filled in."""
    try:
        renderer = get_renderer_impl(expectation_type, LegacyRendererType.PRESCRIPTIVE)
        config = ExpectationConfiguration(type=expectation_type, kwargs=kwargs)
        blocks: Any = renderer[1](configuration=config) if renderer else []
        blocks = blocks if isinstance(blocks, list) else [blocks]
        texts = [_fill(block.to_json_dict().get("string_template") or {}) for block in blocks]
        text = " ".join(t for t in texts if t)
    except Exception:  # a renderer that cannot render: fall back to the raw arguments
        text = ""
    if not text or text.startswith(f"{expectation_type}("):  # GX's own raw fallback
        shown = ", ".join(f"{k}={v}" for k, v in kwargs.items() if k != "batch_id")
        text = f"{expectation_type}({shown})"
    return " ".join(text.split())


def _fill(template: dict[str, Any]) -> str:
    text = str(template.get("template") or "")
    params = template.get("params") or {}

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        return str(params[name]) if name in params and params[name] is not None else match[0]

    return PLACEHOLDER.sub(value, text)
