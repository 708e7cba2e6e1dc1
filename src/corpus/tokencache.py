"""The segmentation cache: each speech's tokens on disk, one checksummed file per speech under its hash.

An entry is the rows ``key, para, tokens`` (one per paragraph) of one speech,
stored like the per-speech cache (:mod:`corpus.speechcache`, helpers in :mod:`corpus.files`) as one Arrow IPC
file, uncompressed, ``cache_dir/tokens/<key[:2]>/<key>.<sum>.arrow``:

- ``key`` hashes the cleaned text and the segmenter (decided by
  :func:`corpus.segment.segment_docs`);
- ``sum`` is the first 16 hex digits of the SHA-256 of the file's bytes,
  checked before the bytes reach the Arrow reader: a damaged, truncated or
  foreign file (or one whose rows are not its key's) is deleted and counted in
  :attr:`TokenCache.damaged`, and the speech is segmented again;
- each entry is written once, to a temporary name then renamed: runs at once
  write the same bytes under the same name, nothing is ever merged or
  appended, and a key is read from one file only, so no row can be counted twice.

The chunk files of earlier versions (``tokens/chunk-*.arrow``, merged by a
read-modify-write that could duplicate rows) are never read; the first write
deletes them. No pickle.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .files import EntryFiles, read_entry, remove_quietly, table_bytes, unwritable_reason

# Uncompressed: LZ4 saves a quarter of the bytes but makes a warm run's reading six times slower (300 speeches:
# 25 ms to decompress, 4 ms to read).
COMPRESSION = None


class TokenCache:
    """Segmentation results on disk, one checksummed file per speech, keyed by a hash.

    :attr:`damaged` counts the entries found damaged (and deleted) since the cache was opened;
    :attr:`unwritable` says why entries could not be stored (the tokens are still returned: they are
    recomputed next time).
    """

    def __init__(self, cache_dir: str | Path):
        self.folder = Path(cache_dir) / "tokens"
        self.damaged = 0
        self.unwritable: str | None = None
        self._entries = EntryFiles(self.folder)

    def _read(self, path: Path) -> pa.Table | None:
        try:
            table = read_entry(path)
            if not table.schema.equals(SCHEMA) or table.num_rows == 0:
                raise ValueError(f"{path.name}: not a tokens entry")
        except OSError:  # removed by a concurrent run that found it damaged, or unreadable: segment again
            return None
        except ValueError:
            self._reject(path)
            return None
        return table

    def _reject(self, path: Path) -> None:
        self.damaged += 1
        remove_quietly(path)

    def get(self, keys: Iterable[str]) -> pa.Table:
        """Rows ``key, para, tokens`` of the cached keys among ``keys``: each key once, in the order given."""
        found: dict[str, tuple[Path, pa.Table]] = {}
        for key in dict.fromkeys(keys):
            for path in self._entries.of(key):
                table = self._read(path)
                if table is not None:
                    found[key] = path, table
                    break
        if not found:
            return empty_chunk()
        # One chunk: the tokens frame is built chunk by chunk, and 300 small ones cost more than one copy.
        rows = pa.concat_tables([table for _, table in found.values()]).combine_chunks()
        expected = np.repeat(np.array(list(found), dtype=object), [table.num_rows for _, table in found.values()])
        if pc.all(pc.equal(rows["key"], pa.array(expected, pa.string()))).as_py():
            return rows
        # A whole file copied under another key's name (its checksum still passes): find it, drop it.
        for key, (path, table) in list(found.items()):
            if table["key"].to_pylist() != [key] * table.num_rows:
                self._reject(path)
                del found[key]
        return pa.concat_tables([table for _, table in found.values()]).combine_chunks() if found else empty_chunk()

    def put_stream(self, tables: Iterable[pa.Table]) -> pa.Table:
        """Store each speech of ``tables`` (rows of one speech together) as its own entry; return all the rows.

        Entries already on disk are left as they are. On the first write that
        fails, writing stops and :attr:`unwritable` says why; the rows are returned all the same.
        """
        return pa.concat_tables([empty_chunk(), *self.put_each(tables)])

    def put_each(self, tables: Iterable[pa.Table]) -> Iterator[pa.Table]:
        """As :meth:`put_stream`, yielding each table once its entries are stored (nothing is kept)."""
        for table in tables:
            if self.unwritable is None:
                for key, entry in _per_key(table):
                    self._put(key, entry)
            yield table
        self._drop_old_chunks()

    def _put(self, key: str, table: pa.Table) -> None:
        try:
            self._entries.store(key, table_bytes(table.cast(SCHEMA), compression=COMPRESSION))
        except OSError as err:
            self.unwritable = unwritable_reason(self.folder.parent, err)

    def _drop_old_chunks(self) -> None:
        if self.unwritable is None and self.folder.is_dir():
            for chunk in self.folder.glob("chunk-*.arrow"):
                remove_quietly(chunk)


def _per_key(table: pa.Table) -> Iterator[tuple[str, pa.Table]]:
    """``(key, rows)`` for each run of equal keys in ``table`` (the rows of one speech are together)."""
    keys = table["key"].to_pylist()
    start = 0
    for i in range(1, len(keys) + 1):
        if i == len(keys) or keys[i] != keys[start]:
            yield keys[start], table.slice(start, i - start)
            start = i


SCHEMA = pa.schema([("key", pa.string()), ("para", pa.int32()), ("tokens", pa.list_(pa.string()))])


def empty_chunk() -> pa.Table:
    """No rows, with the columns of an entry: ``key`` (string), ``para`` (int32), ``tokens`` (list of string)."""
    return SCHEMA.empty_table()
