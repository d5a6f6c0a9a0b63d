"""The compression codecs of a Parquet file, from its footer alone (a ranged read of its end).

A Parquet file ends with its metadata, the metadata's length (4 bytes, little-endian) and
``PAR1`` (https://parquet.apache.org/docs/file-format/). One read of the last ``TAIL_BYTES``
holds the footer of any file the monitor's lakes write; a larger footer costs one more read.
"""

from __future__ import annotations

import io
import struct

import pyarrow.parquet as pq

from data_monitor.backends.base import BackendError, Store

TAIL_BYTES = 64 * 1024
MAGIC = b"PAR1"


def codecs_of(store: Store, uri: str, size_bytes: int) -> list[str]:
    """The codecs of every column chunk of the file (``SNAPPY``, ``ZSTD``...), sorted."""
    tail = store.read_tail(uri, min(TAIL_BYTES, size_bytes))
    if len(tail) < 12 or tail[-4:] != MAGIC:
        raise BackendError(f"{uri} is not a Parquet file (no PAR1 at its end)")
    length = struct.unpack("<I", tail[-8:-4])[0]
    if length + 8 > len(tail):
        if length + 12 > size_bytes:
            raise BackendError(f"{uri}: its footer claims {length} bytes, more than the file")
        tail = store.read_tail(uri, length + 8)
    try:
        metadata = pq.read_metadata(io.BytesIO(MAGIC + tail[-(length + 8) :]))
    except (OSError, ValueError) as exc:
        raise BackendError(f"{uri}: unreadable Parquet footer: {exc}") from exc
    return sorted(
        {
            str(metadata.row_group(g).column(c).compression).upper()
            for g in range(metadata.num_row_groups)
            for c in range(metadata.num_columns)
        }
    )
