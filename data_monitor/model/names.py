"""The names the monitor accepts for catalog objects and buckets.

Table and database names end up inside SQL text (Athena and DuckDB cannot bind identifiers as
parameters), so a name is used only if it matches one of these patterns; the flags, the suite
files and the run all check against the same ones.
"""

from __future__ import annotations

import re

# Glue stores database and table names in lower case: letters, digits and _, up to 255.
GLUE_NAME = re.compile(r"^[a-z0-9_]{1,255}$")
COLUMN_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,254}$")
BUCKET_NAME = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")

__all__ = ["BUCKET_NAME", "COLUMN_NAME", "GLUE_NAME"]
