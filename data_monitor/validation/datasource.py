"""A SQL datasource whose table assets cost no query to add.

GX's ``TableAsset`` probes every new asset with ``SELECT 1 FROM table LIMIT 1``. On Athena that
is a billed query (10 MB minimum) with seconds of latency, per table, per run. The monitor
already knows the table exists (it just read it from the catalog), so its assets skip the probe.
"""

from __future__ import annotations

from typing import ClassVar, List, Literal, Type, Union

from great_expectations.compatibility import pydantic
from great_expectations.datasource.fluent.interfaces import DataAsset
from great_expectations.datasource.fluent.sql_datasource import (
    QueryAsset,
    SQLDatasource,
    TableAsset,
)


class CatalogTableAsset(TableAsset):
    """A table asset whose existence was established in the catalog, not by a query."""

    type: Literal["catalog_table"] = "catalog_table"  # type: ignore[assignment]

    def test_connection(self) -> None:
        return None


class CatalogSQLDatasource(SQLDatasource):
    """SQLDatasource whose ``add_table_asset`` creates ``CatalogTableAsset``s."""

    asset_types: ClassVar[List[Type[DataAsset]]] = [CatalogTableAsset, QueryAsset]
    type: Literal["catalog_sql"] = "catalog_sql"  # type: ignore[assignment]
    assets: List[Union[CatalogTableAsset, QueryAsset]] = []  # type: ignore[assignment]

    _TableAsset: Type[TableAsset] = pydantic.PrivateAttr(CatalogTableAsset)
