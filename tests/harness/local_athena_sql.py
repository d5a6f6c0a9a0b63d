"""SQL side of the local Athena endpoint: Glue/S3-backed DuckDB views, DDL and transpiling.

A query's tables are exposed to DuckDB as views ``"db"."table"`` whose rows are what Athena
would read: the Parquet objects of the partitions registered in Glue (or projected), or every
visible object under an unpartitioned table's location. Objects are downloaded from S3 into a
local cache and read with ``read_parquet`` over explicit file lists (no httpfs). With
``SqlEngine(..., static_lake=True)`` (opt-in, for a lake that does not change: benchmarks) each
table is read once into one DuckDB database and later queries run on that copy; they are priced
from the same files, so DataScannedInBytes does not change.

DataScannedInBytes is what Athena would read: the footer of every file of every table the query
reads, plus the Parquet column chunks of the columns it references from that table (found with
sqlglot's scope analysis, ``columns_read``). Partition, row-group and nested-field pruning, and
the pruning of a subquery's unused outputs, are not modelled.
"""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import itertools
import math
import os
import re
import tempfile
import threading
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

import duckdb
import pyarrow.parquet as pq
import sqlglot
from sqlglot import exp
from sqlglot.optimizer.pushdown_projections import pushdown_projections
from sqlglot.optimizer.qualify import qualify
from sqlglot.optimizer.scope import traverse_scope
from sqlglot.schema import MappingSchema
from sqlglot.tokens import TokenType

TableRef = tuple[str, str]  # (database, table), lower case

# fmt: off
_SIMPLE_TYPES = {  # Glue/Hive type -> DuckDB type
    "string": "VARCHAR", "int": "INTEGER", "integer": "INTEGER", "bigint": "BIGINT",
    "double": "DOUBLE", "float": "REAL", "real": "REAL", "boolean": "BOOLEAN", "date": "DATE",
    "timestamp": "TIMESTAMP", "tinyint": "TINYINT", "smallint": "SMALLINT", "binary": "BLOB",
}
_ATHENA_TYPES = {  # DuckDB type id -> Athena result type name
    "boolean": "boolean", "tinyint": "tinyint", "smallint": "smallint", "integer": "integer",
    "bigint": "bigint", "hugeint": "bigint", "utinyint": "smallint", "usmallint": "integer",
    "uinteger": "bigint", "ubigint": "bigint", "float": "float", "double": "double",
    "varchar": "varchar", "blob": "varbinary", "date": "date", "time": "time",
    "timestamp": "timestamp", "timestamp_s": "timestamp", "timestamp_ms": "timestamp",
    "timestamp_ns": "timestamp", "timestamp with time zone": "timestamp with time zone",
    "interval": "interval day to second", "list": "array", "array": "array", "struct": "row",
    "map": "map", "uuid": "varchar", "null": "unknown", "json": "json", "enum": "varchar",
}
_PRECISION = {"varchar": 2147483647, "integer": 10, "bigint": 19, "tinyint": 3, "smallint": 5,
              "double": 17, "float": 17, "timestamp": 3}
# fmt: on
_HIVE_NULL = "__HIVE_DEFAULT_PARTITION__"
_NAME = r"[\w`\".]+"
_MSCK = re.compile(rf"^\s*MSCK\s+REPAIR\s+TABLE\s+({_NAME})\s*;?\s*$", re.I | re.S)
_ALTER_ADD = re.compile(
    rf"^\s*ALTER\s+TABLE\s+({_NAME})\s+ADD\s+(IF\s+NOT\s+EXISTS\s+)?(PARTITION\b.*?);?\s*$",
    re.I | re.S,
)
_PART_SPEC = re.compile(r"PARTITION\s*\(([^)]*)\)(?:\s*LOCATION\s*'((?:[^']|'')*)')?", re.I)
_KV = re.compile(r"[`\"]?(\w+)[`\"]?\s*=\s*('(?:[^']|'')*'|\"[^\"]*\"|[^,\s]+)")
_LEADING = re.compile(r"^(?:\s+|--[^\n]*\n?|/\*.*?\*/)*(\(|\w+)", re.S)
# fmt: off
_STATEMENT_TYPES = {  # first keyword -> (StatementType, SubstatementType)
    "select": ("DML", "SELECT"), "with": ("DML", "SELECT"), "values": ("DML", "SELECT"),
    "(": ("DML", "SELECT"), "insert": ("DML", "INSERT"), "msck": ("DDL", "MSCK_REPAIR_TABLE"),
    "alter": ("DDL", "ALTER_TABLE"), "create": ("DDL", "CREATE_TABLE"),
    "drop": ("DDL", "DROP_TABLE"), "show": ("UTILITY", "SHOW"),
    "describe": ("UTILITY", "DESCRIBE"), "explain": ("UTILITY", "EXPLAIN"),
}
# fmt: on


class QueryError(Exception):
    """A query failure reported as the execution's StateChangeReason (not an HTTP error)."""


def duckdb_type(glue_type: str) -> str | None:
    """DuckDB type of a simple Glue/Hive type; None for complex or unknown types."""
    t = glue_type.strip().lower()
    if t in _SIMPLE_TYPES:
        return _SIMPLE_TYPES[t]
    if m := re.fullmatch(r"decimal\s*\(\s*(\d+)\s*,\s*(\d+)\s*\)", t):
        return f"DECIMAL({m[1]},{m[2]})"
    if t == "decimal":
        return "DECIMAL(10,0)"
    return "VARCHAR" if re.fullmatch(r"(var)?char\s*\(\s*\d+\s*\)", t) else None


def classify(sql: str) -> tuple[str, str]:
    """Athena (StatementType, SubstatementType) of a statement, from its first keyword."""
    m = _LEADING.match(sql)
    word = m[1].lower() if m else ""
    if word == "alter" and _ALTER_ADD.match(sql):
        return "DDL", "ALTER_TABLE_ADD_PARTITION"
    return _STATEMENT_TYPES.get(word, ("DML", word.upper() or "UNKNOWN"))


def bind_parameters(sql: str, params: list[str]) -> str:
    """Replace ``?`` placeholders with Athena ExecutionParameters (SQL literals)."""
    tokens = [
        t
        for t in sqlglot.Dialect.get_or_raise("athena").tokenize(sql)
        if t.token_type == TokenType.PLACEHOLDER and t.text == "?"
    ]
    if len(tokens) != len(params):
        raise QueryError(
            f"INVALID_PARAMETERS: expected {len(tokens)} execution parameters, got {len(params)}"
        )
    for token, value in zip(reversed(tokens), reversed(params), strict=True):
        sql = sql[: token.start] + value + sql[token.end + 1 :]
    return sql


def split_s3(uri: str) -> tuple[str, str]:
    m = re.fullmatch(r"s3a?n?://([^/]+)/?(.*)", uri)
    if not m:
        raise QueryError(f"HIVE_INVALID_LOCATION: {uri!r} is not an S3 location")
    return m[1], m[2]


def _dir(uri: str) -> str:
    return uri if uri.endswith("/") else uri + "/"


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _lit(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _split_name(name: str, default_db: str) -> tuple[str, str]:
    parts = [p.strip('`"').lower() for p in name.split(".")]
    return (parts[-2], parts[-1]) if len(parts) > 1 else (default_db.lower(), parts[0])


def glue_schema(table: dict[str, Any]) -> dict[str, str]:
    """Column name -> Glue type of a table as its view exposes it: columns, then partition keys."""
    sd = table.get("StorageDescriptor") or {}
    columns = list(sd.get("Columns") or []) + list(table.get("PartitionKeys") or [])
    return {c["Name"].lower(): c["Type"] for c in columns}


def columns_read(
    sql: str, schemas: dict[TableRef, dict[str, str]], database: str = "default"
) -> dict[TableRef, set[str]]:
    """The columns a statement reads from each table of ``schemas`` (``glue_schema`` of every
    table it references): a column counts where its scope's source is the table itself, so a
    column used through a subquery or CTE alias is counted at its base table, and a subquery's
    outputs that nothing above it uses are pruned first, as Trino's planner prunes them (so
    ``SELECT k FROM (SELECT * FROM t)`` reads ``k`` only). A table read for its rows only
    (``count(*)``) maps to an empty set. When
    the analysis fails, every column of every table: the most Athena would read."""
    try:
        return _columns_read(sql, schemas, database.lower())
    except Exception:  # noqa: BLE001 - a cost estimate must not fail the query it prices
        return {ref: set(schema) for ref, schema in schemas.items()}


def _columns_read(
    sql: str, schemas: dict[TableRef, dict[str, str]], database: str
) -> dict[TableRef, set[str]]:
    tree = sqlglot.parse_one(sql, read="athena")
    for t in tree.find_all(exp.Table):
        if (t.catalog or "").lower() == "awsdatacatalog":
            t.set("catalog", None)  # the schema below has no catalog level
    nested: dict[str, Any] = {}  # db -> table -> column -> type
    for (db, name), schema in schemas.items():
        nested.setdefault(db, {})[name] = schema
    # qualify expands stars and gives every column the alias of its source; identifiers are
    # case-insensitive, as the "athena" dialect normalizes them.
    catalog = MappingSchema(nested, dialect="athena")
    tree = qualify(tree, schema=catalog, db=database, dialect="athena")
    # Trino plans only the columns a query uses: a subquery's outputs that nothing above it
    # reads are pruned (GX wraps every table as ``(SELECT * FROM t WHERE true)``), so they are
    # not read from the files either.
    tree = pushdown_projections(tree)
    read: dict[TableRef, set[str]] = {}
    for scope in traverse_scope(tree):
        tables = {  # alias -> table, for the sources that are tables of the catalog
            alias: _ref(source, database)
            for alias, source in scope.sources.items()
            if isinstance(source, exp.Table) and _ref(source, database) in schemas
        }
        for ref in tables.values():
            read.setdefault(ref, set())
        for column in scope.columns:
            if column.table in tables:
                read[tables[column.table]].add(column.name)
    return read


def _ref(table: exp.Table, database: str) -> TableRef:
    return ((table.db or database).lower(), table.name.lower())


@dataclass(frozen=True)
class FileCost:
    """What reading one Parquet file costs: the footer (Athena reads it whatever the query) and
    the compressed bytes of each top-level column's chunks, summed over the row groups."""

    footer: int
    columns: dict[str, int]

    def of(self, columns: set[str]) -> int:
        return self.footer + sum(self.columns.get(c, 0) for c in columns)


def parquet_cost(path: str) -> FileCost:
    """The FileCost of a local Parquet file, from its footer (column names in lower case, as
    the views match them)."""
    meta = pq.ParquetFile(path).metadata
    # A leaf's path is dotted (struct fields, list elements); its top-level column is the
    # longest column name it starts with, so that a name with a dot in it is still matched.
    tops = sorted({f.lower() for f in meta.schema.to_arrow_schema().names}, key=len, reverse=True)
    columns: dict[str, int] = {}
    for i in range(meta.num_row_groups):
        group = meta.row_group(i)
        for j in range(group.num_columns):
            chunk = group.column(j)
            leaf = chunk.path_in_schema.lower()
            top = next((t for t in tops if leaf == t or leaf.startswith(t + ".")), leaf)
            columns[top] = columns.get(top, 0) + chunk.total_compressed_size
    with open(path, "rb") as fh:
        fh.seek(-8, os.SEEK_END)
        tail = fh.read(8)  # 4-byte little-endian footer length, then b"PAR1"
    return FileCost(int.from_bytes(tail[:4], "little") + 8, columns)


@dataclass
class Prepared:
    """A statement ready to run: DDL action or transpiled DuckDB SQL plus referenced tables."""

    sql: str
    database: str
    transpiled: str | None = None
    tables: list[tuple[str, str]] = field(default_factory=list)
    ddl: str | None = None  # "msck" or "alter_add"


@dataclass
class Result:
    columns: list[dict[str, Any]]
    rows: list[list[str | None]]
    scanned_bytes: int = 0


class SqlEngine:
    """Runs Athena SQL against Glue (catalog) and S3 (data) through DuckDB."""

    def __init__(
        self, glue: Any, s3: Any, cache_dir: str | None = None, *, static_lake: bool = False
    ) -> None:
        self.glue, self.s3 = glue, s3
        self.cache_dir = cache_dir or tempfile.mkdtemp(prefix="local-athena-cache-")
        os.makedirs(self.cache_dir, exist_ok=True)
        members = glue.meta.service_model.shape_for("StorageDescriptor").members
        self._sd_keys = set(members)
        # local cache path (one per object version) -> its FileCost: a repeated query does
        # not read the footers again
        self._costs: dict[str, FileCost] = {}
        # static_lake: the catalog and the objects do not change behind the engine's back, so
        # each table's GetTable answer, partition and object listings, files and rows are read
        # once into one DuckDB database and every later query runs on them (milliseconds
        # instead of a Glue and S3 round and a view over every file). Off by default: a lake
        # that changes outside the engine (a test adding objects or partitions) must be read
        # again by every query. The engine's own DDL (MSCK REPAIR, ADD PARTITION) drops the
        # table it changed, which is then read again.
        self.static_lake = static_lake
        self._static: dict[TableRef, _Loaded] = {}
        self._static_locks: dict[TableRef, threading.Lock] = {}
        self._static_guard = threading.Lock()
        self._static_con = duckdb.connect() if static_lake else None
        self._reads: dict[tuple[str, str], dict[TableRef, set[str]]] = {}

    # ---- Glue / S3 helpers -------------------------------------------------------------
    def get_table(self, db: str, name: str) -> dict[str, Any]:
        try:
            return dict(self.glue.get_table(DatabaseName=db, Name=name)["Table"])
        except self.glue.exceptions.EntityNotFoundException as e:
            msg = str(e.response["Error"].get("Message", ""))
            if "database" in msg.lower():
                raise QueryError(f"SCHEMA_NOT_FOUND: Schema '{db}' does not exist") from e
            raise QueryError(
                f"TABLE_NOT_FOUND: Table 'awsdatacatalog.{db}.{name}' does not exist"
            ) from e

    def get_partitions(self, db: str, name: str) -> list[dict[str, Any]]:
        pages = self.glue.get_paginator("get_partitions").paginate(DatabaseName=db, TableName=name)
        return [p for page in pages for p in page["Partitions"]]

    def list_objects(self, uri: str) -> list[dict[str, Any]]:
        bucket, prefix = split_s3(_dir(uri))
        pages = self.s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
        return [
            {**o, "Bucket": bucket, "Rel": o["Key"][len(prefix) :]}
            for page in pages
            for o in page.get("Contents", [])
        ]

    @staticmethod
    def _visible(objs: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [
            o
            for o in objs
            if o["Size"] > 0
            and not o["Rel"].endswith("/")
            and not any(c.startswith(("_", ".")) for c in o["Rel"].split("/"))
        ]

    def _download(self, obj: dict[str, Any]) -> str:
        ident = f"{obj['Bucket']}/{obj['Key']}/{obj.get('ETag', '')}".encode()
        path = os.path.join(self.cache_dir, hashlib.sha256(ident).hexdigest() + ".parquet")
        if not os.path.exists(path):
            body = self.s3.get_object(Bucket=obj["Bucket"], Key=obj["Key"])["Body"].read()
            tmp = f"{path}.{os.getpid()}.{id(body)}.tmp"
            with open(tmp, "wb") as fh:
                fh.write(body)
            os.replace(tmp, path)
        return path

    # ---- partitions ---------------------------------------------------------------------
    def _projected(self, table: dict[str, Any]) -> list[tuple[list[str], str]]:
        params, keys = table.get("Parameters") or {}, table.get("PartitionKeys") or []
        location = _dir(table["StorageDescriptor"]["Location"])
        domains = []
        # https://docs.aws.amazon.com/athena/latest/ug/partition-projection-supported-types.html
        # type is case-insensitive; white space around type, range bounds, interval and digits
        # is allowed; every white space is part of an enum value.
        for key in (k["Name"] for k in keys):
            kind = params.get(f"projection.{key}.type", "").strip().lower()
            if kind == "integer":
                try:
                    lo, hi = (int(x) for x in params[f"projection.{key}.range"].split(","))
                    step = int(params.get(f"projection.{key}.interval", "1") or 1)
                    width = int(params.get(f"projection.{key}.digits", "0") or 0)
                    if step < 1:
                        raise ValueError(f"interval {step} is not positive")
                    numbers = range(lo, hi + 1, step)
                except (KeyError, ValueError) as e:
                    raise QueryError(
                        f"INVALID_TABLE_PROPERTY: projection of {key!r} is invalid ({e})"
                    ) from e
                domains.append([str(i).zfill(width) for i in numbers])
            elif kind == "enum":
                domains.append(params[f"projection.{key}.values"].split(","))
            else:
                raise QueryError(
                    f"HIVE_UNSUPPORTED_FORMAT: projection type {kind!r} of "
                    f"{key!r} is not supported by the local Athena"
                )
        template = params.get("storage.location.template")
        out = []
        for values in itertools.product(*domains):
            if template:
                loc = template
                for k, v in zip(keys, values, strict=True):
                    loc = loc.replace("${" + k["Name"] + "}", v)
            else:
                loc = location + "".join(
                    f"{k['Name']}={v}/" for k, v in zip(keys, values, strict=True)
                )
            out.append((list(values), _dir(loc)))
        return out

    def _partition_files(self, table: dict[str, Any]) -> list[tuple[list[str], list[dict]]]:
        """(partition values, visible objects) of each partition Athena would read."""
        location = _dir(table["StorageDescriptor"]["Location"])
        keys = table.get("PartitionKeys") or []
        params = table.get("Parameters") or {}
        if not keys:
            visible = self._visible(self.list_objects(location))
            return [([], visible)] if visible else []
        if str(params.get("projection.enabled", "")).lower() == "true":
            parts = self._projected(table)
        else:
            parts = [
                (
                    list(p["Values"]),
                    _dir(
                        (p.get("StorageDescriptor") or {}).get("Location")
                        or location
                        + "".join(
                            f"{k['Name']}={v}/" for k, v in zip(keys, p["Values"], strict=True)
                        )
                    ),
                )
                for p in self.get_partitions(table["DatabaseName"], table["Name"])
            ]
        table_objs: list[dict[str, Any]] | None = None
        out = []
        for values, loc in sorted(parts):
            if loc.startswith(location):
                if table_objs is None:
                    table_objs = self.list_objects(location)
                rel = loc[len(location) :]
                objs = [
                    {**o, "Rel": o["Rel"][len(rel) :]}
                    for o in table_objs
                    if o["Rel"].startswith(rel)
                ]
            else:
                objs = self.list_objects(loc)
            visible = self._visible(objs)
            if visible:
                out.append((values, visible))
        return out

    def _cost(self, path: str) -> FileCost:
        cost = self._costs.get(path)
        if cost is None:
            cost = self._costs[path] = parquet_cost(path)
        return cost

    # ---- views --------------------------------------------------------------------------
    def create_view(
        self,
        con: duckdb.DuckDBPyConnection,
        db: str,
        name: str,
        read: set[str] | None = None,
        table: dict[str, Any] | None = None,
    ) -> int:
        """Create view ``"db"."name"`` for a Glue table (``table``: its GetTable answer, if
        already fetched); returns the bytes a query reading columns ``read`` of it (None: all)
        scans: each file's footer and the chunks of those of the columns stored in the files."""
        table = table if table is not None else self.get_table(db, name)
        source, paths = self._table_source(con, db, name, table)
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {_q(db)}")
        con.execute(f"CREATE OR REPLACE VIEW {_q(db)}.{_q(name)} AS {source}")
        return self._scanned(table, paths, read)

    def _table_source(
        self, con: duckdb.DuckDBPyConnection, db: str, name: str, table: dict[str, Any]
    ) -> tuple[str, list[str]]:
        """The SELECT that yields a Glue table's rows, and the local files it reads."""
        sd = table.get("StorageDescriptor") or {}
        serde = str((sd.get("SerdeInfo") or {}).get("SerializationLibrary", "")).lower()
        if serde and "parquet" not in serde:
            raise QueryError(
                f"HIVE_UNSUPPORTED_FORMAT: only Parquet tables are supported by the "
                f"local Athena ({db}.{name} uses {serde})"
            )
        columns = [(c["Name"].lower(), c["Type"]) for c in sd.get("Columns") or []]
        keys = [(k["Name"].lower(), k["Type"]) for k in table.get("PartitionKeys") or []]
        parts = self._partition_files(table)
        paths = [[self._download(o) for o in objs] for _, objs in parts]
        present: set[str] = set()
        if parts:
            everything = ", ".join(_lit(p) for ps in paths for p in ps)
            described = con.execute(
                f"DESCRIBE SELECT * FROM read_parquet([{everything}], "
                "union_by_name=true, hive_partitioning=false)"
            ).fetchall()
            present = {str(r[0]).lower() for r in described}

        def col(name_: str, type_: str) -> str:
            target = duckdb_type(type_)
            if name_ not in present:
                return f"CAST(NULL AS {target or 'VARCHAR'}) AS {_q(name_)}"
            return f"CAST({_q(name_)} AS {target}) AS {_q(name_)}" if target else _q(name_)

        selects = []
        for (values, _), files in zip(parts, paths, strict=True):
            cols = [col(n, t) for n, t in columns]
            cols += [
                f"CAST({'NULL' if v == _HIVE_NULL else _lit(unquote(v))} AS "
                f"{duckdb_type(t) or 'VARCHAR'}) AS {_q(k)}"
                for (k, t), v in zip(keys, values, strict=True)
            ]
            file_list = ", ".join(_lit(f) for f in files)
            selects.append(
                f"SELECT {', '.join(cols)} FROM read_parquet([{file_list}], "
                "union_by_name=true, hive_partitioning=false)"
            )
        if not selects:
            empty = [
                f"CAST(NULL AS {duckdb_type(t) or 'VARCHAR'}) AS {_q(n)}" for n, t in columns + keys
            ]
            selects = [f"SELECT {', '.join(empty) or 'NULL AS _empty'} WHERE false"]
        return " UNION ALL ".join(selects), [p for ps in paths for p in ps]

    def _scanned(self, table: dict[str, Any], paths: list[str], read: set[str] | None) -> int:
        """Bytes a query reading columns ``read`` (None: all) of the table scans in ``paths``:
        each file's footer and the chunks of those of the columns stored in the files.
        Partition values come from the partition's location, never from the files."""
        sd = table.get("StorageDescriptor") or {}
        columns = {c["Name"].lower() for c in sd.get("Columns") or []}
        keys = {k["Name"].lower() for k in table.get("PartitionKeys") or []}
        stored = (columns if read is None else set(read)) - keys
        return sum(self._cost(p).of(stored) for p in paths)

    def load(self, db: str, name: str) -> None:
        """Read a table into the static lake now (``static_lake`` only), so that its first
        query costs what every later one does."""
        if self.static_lake:
            self._loaded((db.lower(), name.lower()))

    def _loaded(self, ref: TableRef) -> _Loaded:
        """The table of the static lake, read on first use (once, whatever the threads)."""
        with self._static_guard:
            lock = self._static_locks.setdefault(ref, threading.Lock())
        with lock:
            loaded = self._static.get(ref)
            if loaded is None:
                assert self._static_con is not None
                table = self.get_table(*ref)
                cur = self._static_con.cursor()
                try:
                    source, paths = self._table_source(cur, *ref, table)
                    cur.execute(f"CREATE SCHEMA IF NOT EXISTS {_q(ref[0])}")
                    cur.execute(f"CREATE OR REPLACE TABLE {_q(ref[0])}.{_q(ref[1])} AS {source}")
                finally:
                    cur.close()
                loaded = self._static[ref] = _Loaded(table, paths)
            return loaded

    def _changed(self, db: str, name: str) -> None:
        """The engine's own DDL changed a table: the static lake reads it again when next used."""
        with self._static_guard:
            self._static.pop((db.lower(), name.lower()), None)

    # ---- statements ---------------------------------------------------------------------
    def prepare(self, sql: str, database: str, params: list[str] | None = None) -> Prepared:
        if params:
            sql = bind_parameters(sql, params)
        if _MSCK.match(sql):
            return Prepared(sql, database, ddl="msck")
        if _ALTER_ADD.match(sql):
            return Prepared(sql, database, ddl="alter_add")
        kind = classify(sql)
        if kind[1] != "SELECT":
            raise QueryError(
                f"NOT_SUPPORTED: {kind[1]} statements are not supported by the local Athena"
            )
        try:
            trees = [t for t in sqlglot.parse(sql, read="athena") if t is not None]
        except sqlglot.errors.SqlglotError as e:
            raise QueryError(f"SYNTAX_ERROR: {e}") from e
        if len(trees) != 1:
            raise QueryError("INVALID_SESSION_PROPERTY: Only one sql statement is allowed.")
        tree = trees[0]
        ctes = {c.alias_or_name.lower() for c in tree.find_all(exp.CTE)}
        tables: list[tuple[str, str]] = []
        for t in tree.find_all(exp.Table):
            if not t.name or (not t.db and t.name.lower() in ctes):
                continue
            if t.catalog:
                if t.catalog.lower() != "awsdatacatalog":
                    raise QueryError(f"CATALOG_NOT_FOUND: Catalog '{t.catalog}' does not exist")
                t.set("catalog", None)
            if (t.db or "").lower() == "information_schema":
                continue
            ref = ((t.db or database).lower(), t.name.lower())
            if ref not in tables:
                tables.append(ref)
        _name_like_athena(tree)
        # Equivalent to sqlglot.transpile(sql, read="athena", write="duckdb") after the
        # AwsDataCatalog qualifier is dropped and unnamed output columns are named _colN.
        return Prepared(sql, database, tree.sql(dialect="duckdb"), tables)

    def run(self, prepared: Prepared) -> Result:
        if prepared.ddl == "msck":
            self.msck_repair(*_split_name(_MSCK.match(prepared.sql)[1], prepared.database))  # type: ignore[index]
            return Result([], [])
        if prepared.ddl == "alter_add":
            self.alter_add(prepared.sql, prepared.database)
            return Result([], [])
        if self.static_lake:
            return self._run_static(prepared)
        con = duckdb.connect()
        try:
            tables = {ref: self.get_table(*ref) for ref in prepared.tables}
            schemas = {ref: glue_schema(table) for ref, table in tables.items()}
            read = columns_read(prepared.sql, schemas, prepared.database)
            scanned = 0
            for (db, name), table in tables.items():
                # a table the analysis did not see is priced at all its columns
                scanned += self.create_view(con, db, name, read.get((db, name)), table)
            rows, description = _execute(con, prepared)
        finally:
            con.close()
        return _result(rows, description, scanned)

    def _run_static(self, prepared: Prepared) -> Result:
        """``run`` on the static lake: the tables were read once; the bytes are priced as
        ``run`` prices them, from the same files and the same column analysis."""
        loaded = {ref: self._loaded(ref) for ref in prepared.tables}
        key = (prepared.sql, prepared.database)
        read = self._reads.get(key)
        if read is None:
            schemas = {ref: glue_schema(t.table) for ref, t in loaded.items()}
            read = self._reads[key] = columns_read(prepared.sql, schemas, prepared.database)
        scanned = sum(self._scanned(t.table, t.paths, read.get(ref)) for ref, t in loaded.items())
        assert self._static_con is not None
        con = self._static_con.cursor()  # a connection of its own: the schema set is its own
        try:
            rows, description = _execute(con, prepared)
        finally:
            con.close()
        return _result(rows, description, scanned)

    # ---- DDL ----------------------------------------------------------------------------
    def _create_partitions(self, table: dict[str, Any], new: list[tuple[list[str], str]]) -> None:
        sd = {k: v for k, v in (table.get("StorageDescriptor") or {}).items() if k in self._sd_keys}
        inputs = [
            {"Values": values, "StorageDescriptor": {**sd, "Location": loc}} for values, loc in new
        ]
        for i in range(0, len(inputs), 100):
            resp = self.glue.batch_create_partition(
                DatabaseName=table["DatabaseName"],
                TableName=table["Name"],
                PartitionInputList=inputs[i : i + 100],
            )
            errors = [
                e
                for e in resp.get("Errors") or []
                if e["ErrorDetail"].get("ErrorCode") != "AlreadyExistsException"
            ]
            if errors:
                raise QueryError(f"HIVE_METASTORE_ERROR: {errors[0]['ErrorDetail']}")

    def msck_repair(self, db: str, name: str) -> None:
        table = self.get_table(db, name)
        keys = [k["Name"] for k in table.get("PartitionKeys") or []]
        if not keys:
            return
        location = _dir(table["StorageDescriptor"]["Location"])
        registered = {tuple(p["Values"]) for p in self.get_partitions(db, name)}
        found: dict[tuple[str, ...], str] = {}
        for obj in self.list_objects(location):
            comps = obj["Rel"].split("/")[: len(keys)]
            pairs = [c.split("=", 1) for c in comps if "=" in c]
            if (
                len(comps) == len(keys)
                and len(pairs) == len(keys)
                and all(p[0].lower() == k.lower() for p, k in zip(pairs, keys, strict=True))
            ):
                values = tuple(unquote(p[1]) for p in pairs)
                found.setdefault(values, location + "/".join(comps) + "/")
        new = [(list(v), loc) for v, loc in sorted(found.items()) if v not in registered]
        self._create_partitions(table, new)
        self._changed(db, name)

    def alter_add(self, sql: str, database: str) -> None:
        m = _ALTER_ADD.match(sql)
        assert m is not None
        db, name = _split_name(m[1], database)
        table = self.get_table(db, name)
        keys = [k["Name"].lower() for k in table.get("PartitionKeys") or []]
        location = _dir(table["StorageDescriptor"]["Location"])
        registered = {tuple(p["Values"]) for p in self.get_partitions(db, name)}
        new: list[tuple[list[str], str]] = []
        for spec in _PART_SPEC.finditer(m[3]):
            kv = {k.lower(): v.strip("'\"").replace("''", "'") for k, v in _KV.findall(spec[1])}
            if sorted(kv) != sorted(keys):
                raise QueryError(
                    f"HIVE_METASTORE_ERROR: partition spec {sorted(kv)} does not "
                    f"match the partition keys {keys} of {db}.{name}"
                )
            values = [kv[k] for k in keys]
            if tuple(values) in registered or any(values == v for v, _ in new):
                if not m[2]:
                    raise QueryError(
                        "AlreadyExistsException: Partition already exists. "
                        f"(Table {db}.{name}, values {values})"
                    )
                continue
            loc = (
                spec[2].replace("''", "'")
                if spec[2]
                else location + "".join(f"{k}={v}/" for k, v in zip(keys, values, strict=True))
            )
            new.append((values, _dir(loc)))
        self._add_partitions(table, new)
        self._changed(db, name)

    def _add_partitions(self, table: dict[str, Any], new: list[tuple[list[str], str]]) -> None:
        """ALTER TABLE ADD PARTITION registers each partition with glue:CreatePartition, the
        permission Athena's documentation names for it (a partition that exists already is
        skipped, as IF NOT EXISTS asks; the statement was checked against the listing above).
        https://docs.aws.amazon.com/athena/latest/ug/alter-table-add-partition.html"""
        sd = {k: v for k, v in (table.get("StorageDescriptor") or {}).items() if k in self._sd_keys}
        for values, loc in new:
            try:
                self.glue.create_partition(
                    DatabaseName=table["DatabaseName"],
                    TableName=table["Name"],
                    PartitionInput={"Values": values, "StorageDescriptor": {**sd, "Location": loc}},
                )
            except self.glue.exceptions.AlreadyExistsException:
                continue


@dataclass(frozen=True)
class _Loaded:
    """A table of the static lake: its GetTable answer and the local files its rows came from."""

    table: dict[str, Any]
    paths: list[str]


def _execute(con: duckdb.DuckDBPyConnection, prepared: Prepared) -> tuple[list[Any], list[Any]]:
    """Run a prepared SELECT on ``con`` (its tables are there); DuckDB's errors as Athena's."""
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {_q(prepared.database.lower())}")
    con.execute(f"SET schema = {_lit(prepared.database.lower())}")
    try:
        cur = con.execute(prepared.transpiled or "")
        return cur.fetchall(), list(cur.description or [])
    except duckdb.Error as e:
        kind = type(e).__name__
        code = (
            "SYNTAX_ERROR"
            if kind == "ParserException"
            else "SEMANTIC_ERROR"
            if kind in ("BinderException", "CatalogException")
            else "GENERIC_INTERNAL_ERROR"
        )
        raise QueryError(f"{code}: {e}") from e


def _result(rows: list[Any], description: list[Any], scanned: int) -> Result:
    # Athena (Trino) reports output column names in lower case.
    columns = [column_info(str(d[0]).lower(), d[1]) for d in description]
    return Result(columns, [[athena_value(v) for v in r] for r in rows], scanned)


def _name_like_athena(tree: Any) -> None:
    """Name unaliased output expressions ``_col<N>`` as Athena does (DuckDB would use the
    expression text, e.g. ``count_star()``)."""
    select: Any = tree
    while isinstance(select, exp.SetOperation):
        select = select.left
    if isinstance(select, exp.Select):
        select.set(
            "expressions",
            [
                e if isinstance(e, (exp.Alias, exp.Column, exp.Star)) else exp.alias_(e, f"_col{i}")
                for i, e in enumerate(select.expressions)
            ],
        )


def column_info(name: str, dtype: Any) -> dict[str, Any]:
    """Athena ColumnInfo for a DuckDB result column."""
    type_id = str(getattr(dtype, "id", dtype)).lower()
    athena = _ATHENA_TYPES.get(type_id, "varchar")
    precision, scale = _PRECISION.get(athena, 0), 0
    if type_id == "decimal":
        athena = "decimal"
        info = dict(getattr(dtype, "children", []) or [])
        precision, scale = int(info.get("precision", 38)), int(info.get("scale", 0))
    return {
        "CatalogName": "hive",
        "SchemaName": "",
        "TableName": "",
        "Name": name,
        "Label": name,
        "Type": athena,
        "Precision": precision,
        "Scale": scale,
        "Nullable": "UNKNOWN",
        "CaseSensitive": athena == "varchar",
    }


def athena_value(value: Any, nested: bool = False) -> str | None:
    """Render a DuckDB value the way Athena's GetQueryResults/CSV output does."""
    if value is None:
        return "null" if nested else None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        return ("Infinity" if value > 0 else "-Infinity") if math.isinf(value) else repr(value)
    if isinstance(value, decimal.Decimal):
        return format(value, "f")
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            utc = value.astimezone(dt.timezone.utc).replace(tzinfo=None)
            return utc.isoformat(sep=" ", timespec="milliseconds") + " UTC"
        return value.isoformat(sep=" ", timespec="milliseconds")
    if isinstance(value, dt.time):
        return value.isoformat(timespec="milliseconds")
    if isinstance(value, (bytes, bytearray, memoryview)):
        return " ".join(f"{b:02x}" for b in bytes(value))
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(str(athena_value(v, True)) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}={athena_value(v, True)}" for k, v in value.items()) + "}"
    return str(value)
