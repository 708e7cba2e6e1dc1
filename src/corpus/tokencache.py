"""The segmentation cache: each speech's tokens on disk, keyed by a hash.

Entries are rows ``key, para, tokens`` (one per paragraph) in Arrow IPC
chunk files (Feather v2, LZ4) under ``cache_dir/tokens``: a plain columnar
format that reads back in milliseconds, written atomically, never pickled.
:func:`corpus.segment.segment_docs` decides the keys and fills the cache.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterable
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.feather as feather
import pyarrow.ipc

from .files import temp_path

# More chunk files than this are merged into one, so that reading stays one pass over few files.
MAX_CHUNKS = 64


class TokenCache:
    """Segmentation results on disk, one entry per speech, keyed by a hash.

    Entries live in Arrow IPC chunk files (``key, para, tokens``) under
    ``cache_dir/tokens``. Each run adds at most one chunk, written to a
    temporary name and renamed, so two runs at once never see a half-written
    file; more than :data:`MAX_CHUNKS` chunks are merged into one.
    """

    def __init__(self, cache_dir: str | Path):
        self.folder = Path(cache_dir) / "tokens"

    def _chunks(self) -> list[Path]:
        return sorted(self.folder.glob("chunk-*.arrow")) if self.folder.is_dir() else []

    def get(self, keys: Iterable[str]) -> pa.Table:
        """Rows ``key, para, tokens`` of the cached keys among ``keys`` (each key once)."""
        wanted = pa.array(sorted(set(keys)), pa.string())
        tables, found = [], set()
        for chunk in self._chunks():
            try:
                table = feather.read_table(chunk, memory_map=False)
                wanted_rows = pc.is_in(table["key"], value_set=wanted)
                if not pc.all(wanted_rows).as_py():  # filtering copies every token: only when needed
                    table = table.filter(wanted_rows)
            except (OSError, pa.ArrowException):
                continue  # deleted by a concurrent merge, or unreadable: segment again
            if found:
                new = pc.invert(pc.is_in(table["key"], value_set=pa.array(sorted(found), pa.string())))
                table = table if pc.all(new).as_py() else table.filter(new)
            found.update(table["key"].unique().to_pylist())
            tables.append(table)
        return pa.concat_tables(tables) if tables else empty_chunk()

    def put_stream(self, tables: Iterable[pa.Table]) -> pa.Table:
        """Write ``tables`` as one new chunk, each as it comes; return the chunk's rows as read back.

        The chunk is read back from its temporary file before it is renamed
        into place, so a concurrent merge cannot take it away; reading
        decompresses into exactly sized buffers, which the tokens frame keeps.
        """
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / f"chunk-{time.time_ns():020d}-{uuid.uuid4().hex[:8]}.arrow"
        tmp = temp_path(path)
        schema = empty_chunk().schema
        try:
            with pa.OSFile(str(tmp), "wb") as sink, pa.ipc.new_file(
                    sink, schema, options=pa.ipc.IpcWriteOptions(compression="lz4")) as writer:
                for table in tables:
                    writer.write_table(table.cast(schema))
            table = feather.read_table(tmp, memory_map=False)
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
        chunks = self._chunks()
        if len(chunks) > MAX_CHUNKS:
            self._merge(chunks)
        return table

    def _merge(self, chunks: list[Path]) -> None:
        tables = []
        for chunk in chunks:
            try:
                tables.append(feather.read_table(chunk))
            except (OSError, pa.ArrowException):
                continue
        merged = pa.concat_tables(tables)
        _write_atomic(merged, self.folder / f"chunk-{time.time_ns():020d}-merged.arrow")
        for chunk in chunks:
            chunk.unlink(missing_ok=True)


def empty_chunk() -> pa.Table:
    return pa.table({"key": pa.array([], pa.string()), "para": pa.array([], pa.int32()),
                     "tokens": pa.array([], pa.list_(pa.string()))})


def _write_atomic(table: pa.Table, path: Path) -> None:
    tmp = temp_path(path)
    try:
        feather.write_feather(table, tmp, compression="lz4")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
