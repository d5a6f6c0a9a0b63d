"""What AWS Clean Rooms' analysis engines read: storage formats, compression codecs, column
types (userguide/data-formats.html, sql-reference/s_Supported_data_types.html and
c_Supported_data_types.html, sql-reference/sql-reference-supported-data-types-dialect.html).

Glue holds Hive type names (``string``, ``int``, ``array<string>``); each engine's supported
types, mapped to those names:

- AWS Clean Rooms SQL: BOOLEAN, SMALLINT, INTEGER, BIGINT, REAL (Glue ``float``), DOUBLE
  PRECISION (``double``), DECIMAL, CHAR, VARCHAR (``varchar``, ``string``), DATE, TIMESTAMP,
  and ARRAY/MAP/STRUCT. No 1-byte integer ("Not supported" in the dialect table), and the
  Glue types the user guide lists as unsupported, ``binary`` and ``interval``.
- Spark SQL: the same plus TINYINT/BYTE and BINARY; ``interval`` is not a Glue column type.
- Both: ARRAY, MAP and STRUCT are "currently only enabled for the custom analysis rule", so a
  nested column is a problem unless the table is used with custom analysis rules only.

Formats: the user guide's list (Parquet, RCFile, TextFile, SequenceFile, RegexSerde, OpenCSV,
Avro, JSON) for the SQL engine; for Spark the list it gives for Spark-based (PySpark)
analyses, Parquet, OpenCSV and JSON. ORC is in neither. Compression: Clean Rooms names GZIP,
Bzip2 and Snappy; inside Parquet files (column chunks) GZIP and Snappy, and it refuses Zstd
(userguide/iceberg-tables.html), so a Parquet file is readable when its codecs are among
UNCOMPRESSED, SNAPPY and GZIP.
"""

from __future__ import annotations

ENGINES = {"both": ("sql", "spark"), "sql": ("sql",), "spark": ("spark",)}
ENGINE_NAMES = {"sql": "AWS Clean Rooms SQL", "spark": "Spark SQL"}
SCALARS = {
    "boolean", "smallint", "int", "integer", "bigint", "float", "double", "decimal", "char",
    "varchar", "string", "date", "timestamp",
}  # fmt: skip
SPARK_ONLY = {"tinyint", "binary"}
NESTED = ("array", "map", "struct")
FORMATS = {
    "sql": ("Parquet", "RCFile", "TextFile", "SequenceFile", "RegexSerde", "OpenCSV", "Avro",
            "JSON"),
    "spark": ("Parquet", "OpenCSV", "JSON"),
}  # fmt: skip
PARQUET_CODECS = ("UNCOMPRESSED", "SNAPPY", "GZIP")

# (what the SerDe or input format class names, lowercase) -> format, most specific first
_FORMAT_MARKERS = (
    ("parquet", "Parquet"),
    ("orc", "ORC"),
    ("avro", "Avro"),
    ("opencsvserde", "OpenCSV"),
    ("jsonserde", "JSON"),
    ("regexserde", "RegexSerde"),
    ("rcfile", "RCFile"),
    ("columnarserde", "RCFile"),
    ("sequencefile", "SequenceFile"),
    ("textinputformat", "TextFile"),
)


def engines_of(setting: str) -> tuple[str, ...]:
    if setting not in ENGINES:
        raise ValueError(f"engine {setting!r}: expected one of {'|'.join(ENGINES)}")
    return ENGINES[setting]


def type_problem(name: str, glue_type: str, engine: str, nested_ok: bool) -> str | None:
    """Why ``engine`` cannot use column ``name`` of ``glue_type``, or None."""
    text = "".join(glue_type.split()).lower()
    base = text.split("(")[0].split("<")[0]
    if base in NESTED:
        if nested_ok:
            return None
        return f"{name} is {glue_type}: only custom analysis rules can use ARRAY, MAP and STRUCT"
    if base in SCALARS or (engine == "spark" and base in SPARK_ONLY):
        return None
    return f"{name} is {glue_type or 'untyped'}, a type {ENGINE_NAMES[engine]} does not support"


def storage_format(input_format: str, serde: str) -> str:
    """The format a Glue table is stored in, from its SerDe (else input format); "" unknown."""
    for class_name in (serde.lower(), input_format.lower()):
        for marker, name in _FORMAT_MARKERS:
            if marker in class_name:
                return name
    return ""


def format_problem(fmt: str, engine: str, shown: str) -> str | None:
    if fmt in FORMATS[engine]:
        return None
    what = f"stored as {fmt}" if fmt else f"stored with {shown or 'no SerDe'}"
    return f"{what}, which {ENGINE_NAMES[engine]} does not read ({', '.join(FORMATS[engine])})"
