"""Glue behaviour moto 5 leaves out and the monitor relies on, added to moto's responses.

``GetPartitions`` with ``ExcludeColumnSchema`` true returns each partition without its column
schema ("When true, specifies not returning the partition column schema":
https://docs.aws.amazon.com/glue/latest/webapi/API_GetPartitions.html); moto ignores the flag
and always sends the columns. The monitor asks for that (it reads only each partition's values
and location), so without this the tests and benchmarks would parse responses AWS never sends.
``install`` patches moto's Glue handler in this process, once; the moto server must run here.
"""

from __future__ import annotations

from typing import Any

from moto.core.responses import ActionResult
from moto.glue.responses import GlueResponse

_PATCHED = "_data_monitor_exclude_column_schema"


def install() -> None:
    if getattr(GlueResponse, _PATCHED, False):
        return
    original = GlueResponse.get_partitions

    def get_partitions(self: GlueResponse) -> Any:
        result = original(self)
        if self.parameters.get("ExcludeColumnSchema") is not True:
            return result
        partitions = [dict(p) for p in result.result["Partitions"]]  # copies: moto's own stay
        for partition in partitions:
            descriptor = dict(partition.get("StorageDescriptor") or {})
            descriptor.pop("Columns", None)
            partition["StorageDescriptor"] = descriptor
        return ActionResult({**result.result, "Partitions": partitions})

    GlueResponse.get_partitions = get_partitions  # type: ignore[method-assign]
    setattr(GlueResponse, _PATCHED, True)
