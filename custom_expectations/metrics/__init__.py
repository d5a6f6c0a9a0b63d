"""Metric providers shared by the custom expectations (registered on import)."""

from custom_expectations.metrics.inventory import TableInventory
from custom_expectations.metrics.key_profile import TableKeyProfile
from custom_expectations.metrics.source_row_count import SourceTableRowCount

__all__ = ["SourceTableRowCount", "TableInventory", "TableKeyProfile"]
