"""Row values of the generated tables: key numbers, seeded NULL/duplicate keys, data columns.

Everything is vectorised with numpy/pyarrow so that tens of millions of rows are generated in
seconds. The rows depend only on the spec, ``seed``, ``pk_column`` and ``as_of``: one random
generator per table, seeded from ``seed`` and the suffix, is drawn from in a fixed order (defect
picks, part columns, extra source rows), so a spec yields the same rows in any lake.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import date, datetime

import numpy as np
import pyarrow as pa

from data_monitor.demo.specs import TableSpec, written_buckets

__all__ = ["TableRows", "table_rows"]

SEGMENTS = ("prospect", "active", "lapsed", "loyal", "vip", "churn_risk")

_HEX_PAIRS = np.array(
    [[ord(c) for c in f"{i:02x}"] for i in range(256)], dtype=np.uint8
)  # byte -> its two lowercase hex characters
_M64 = np.uint64(0xFFFFFFFFFFFFFFFF)


@dataclass(frozen=True)
class TableRows:
    """The rows of one spec's tables."""

    part: pa.Table  # part_<suffix>: written buckets in ascending order, each bucket's rows together
    source: pa.Table | None  # ext_<suffix>; None without a source table


def table_rows(spec: TableSpec, *, seed: int, pk_column: str, as_of: date) -> TableRows:
    """Generate the part table's rows and, with ``has_source``, the source table's."""
    rng = np.random.default_rng([seed, zlib.crc32(spec.suffix.encode())])
    salt = zlib.crc32(spec.suffix.encode()) ^ seed
    bc = spec.bucket_count

    # rows ordered bucket by bucket: row i lives in bucket i % bc
    order = np.concatenate(
        [np.empty(0, dtype=np.int64)]
        + [np.arange(b, spec.rows, bc, dtype=np.int64) for b in written_buckets(spec)]
    )
    n = len(order)
    numbers = order.copy()  # key number of each written row (unique so far)
    valid = np.ones(n, dtype=bool)
    n_def = spec.null_keys + spec.dup_rows
    if n_def:
        picks = rng.choice(n, size=n_def, replace=False)
        valid[picks[: spec.null_keys]] = False
        dup = picks[spec.null_keys :]
        half = spec.dup_rows // 2
        numbers[dup[half:]] = numbers[dup[:half]]  # second occurrence reuses the first key
    part = _make_rows(numbers, valid, rng, pk_column, as_of, salt)

    if not spec.has_source:
        return TableRows(part, None)
    if spec.source_delta >= 0:
        # the extra source rows get key numbers no part row has (part keys are < spec.rows)
        extra_n = np.arange(spec.rows, spec.rows + spec.source_delta, dtype=np.int64)
        extra = _make_rows(extra_n, None, rng, pk_column, as_of, salt)
        source = pa.concat_tables([part, extra.cast(part.schema)])
    else:
        source = part.slice(0, n + spec.source_delta)
    return TableRows(part, source)


def _make_rows(
    numbers: np.ndarray,
    valid: np.ndarray | None,
    rng: np.random.Generator,
    pk_column: str,
    as_of: date,
    salt: int,
) -> pa.Table:
    """Build the data columns for rows identified by ``numbers`` (key numbers)."""
    n = len(numbers)
    segments = pa.array(SEGMENTS, type=pa.string())
    seg_idx = rng.integers(0, len(SEGMENTS), size=n, dtype=np.int32)
    score = np.round(rng.random(n) * 1000.0, 3)
    epoch = datetime(1970, 1, 1)
    end_ms = int((datetime(as_of.year, as_of.month, as_of.day) - epoch).total_seconds() * 1000)
    end_ms -= 86_400_000  # not later than the fresh snapshot day
    offsets_ms = rng.integers(0, 30 * 86_400_000, size=n, dtype=np.int64)
    updated = pa.array(end_ms - offsets_ms, type=pa.timestamp("ms"))
    return pa.table(
        {
            pk_column: _key_strings(numbers, valid),
            "email_sha256": _sha_strings(numbers, salt),
            "segment": segments.take(pa.array(seg_idx)),
            "score": pa.array(score, type=pa.float64()),
            "updated_at": updated,
        }
    )


# --------------------------------------------------------------------------- vectorised strings


def _splitmix64(x: np.ndarray) -> np.ndarray:
    z = x + np.uint64(0x9E3779B97F4A7C15)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return (z ^ (z >> np.uint64(31))) & _M64


def _fixed_width_strings(chars: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    """Arrow string array from an (n, width) uint8 matrix of characters."""
    n, width = chars.shape
    large = n * width >= 2**31 - 1
    off_type = np.int64 if large else np.int32
    offsets = np.arange(0, (n + 1) * width, width, dtype=off_type)
    data = np.ascontiguousarray(chars).reshape(-1)
    buffers: list[pa.Buffer | None] = [None, pa.py_buffer(offsets), pa.py_buffer(data)]
    null_count = 0
    if valid is not None and not valid.all():
        buffers[0] = pa.py_buffer(np.packbits(valid, bitorder="little"))
        null_count = int(n - valid.sum())
    typ = pa.large_string() if large else pa.string()
    return pa.Array.from_buffers(typ, n, buffers, null_count=null_count)


def _key_strings(numbers: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    """``u%012d`` strings, vectorised."""
    n = len(numbers)
    chars = np.empty((n, 13), dtype=np.uint8)
    chars[:, 0] = ord("u")
    rest = numbers.astype(np.int64)
    for pos in range(12, 0, -1):
        chars[:, pos] = (rest % 10 + 48).astype(np.uint8)
        rest //= 10
    return _fixed_width_strings(chars, valid)


def _sha_strings(numbers: np.ndarray, salt: int) -> pa.Array:
    """64-char lowercase hex strings derived from ``numbers`` (sha256-like, cheap)."""
    n = len(numbers)
    words = np.empty((n, 4), dtype=np.uint64)
    salt_term = np.uint64((salt * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF)
    base = numbers.astype(np.uint64) * np.uint64(4) + salt_term
    for j in range(4):
        words[:, j] = _splitmix64(base + np.uint64(j))
    raw = words.view(np.uint8).reshape(n, 32)
    return _fixed_width_strings(_HEX_PAIRS[raw].reshape(n, 64))
