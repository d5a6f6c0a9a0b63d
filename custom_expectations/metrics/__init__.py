"""Metric providers shared by the custom expectations (registered on import)."""

from custom_expectations.metrics.inventory import TableInventory
from custom_expectations.metrics.key_profile import TableKeyProfile

__all__ = ["TableInventory", "TableKeyProfile"]
