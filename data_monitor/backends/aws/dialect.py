"""pyathena's REST dialect, its columns read from the run's Glue definitions.

pyathena reflects a table with Athena's ``GetTableMetadata``
(https://docs.aws.amazon.com/athena/latest/APIReference/API_GetTableMetadata.html), an action
the job's role does not hold and need not: the run already read each table from Glue. The
dialect keeps pyathena's name (``awsathena``), so GX treats it as the Athena it knows; only the
URL's driver part (``awsathena+monitor://``) selects this class.
"""

from __future__ import annotations

from pyathena.sqlalchemy.rest import AthenaRestDialect
from sqlalchemy.dialects import registry

from data_monitor.backends.table_columns import CatalogReflection

DRIVER = "awsathena+monitor"


class CatalogAthenaDialect(CatalogReflection, AthenaRestDialect):
    supports_statement_cache = True  # as pyathena's own; SQLAlchemy asks each subclass


def register() -> None:
    """Make ``awsathena+monitor://`` URLs resolve to this dialect."""
    registry.register("awsathena.monitor", __name__, "CatalogAthenaDialect")
