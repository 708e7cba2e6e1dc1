"""Atomic file writes (a temporary file beside the target, then a rename) and checksummed cache entries.

A crash, a Ctrl-C or a second process writing at the same time never leaves a
half-written file under the real name: readers see the old file or the new one.
"""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from importlib.resources.abc import Traversable
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.ipc

from . import config
from .errors import CorpusError

# Ten significant digits: more than any reader needs, and it hides the last-bit differences between CPUs
# (numpy's and OpenBLAS's SIMD kernels differ by ~1e-14 between AVX2 and AVX-512 machines), so the same data
# gives the same CSV bytes on any machine.
CSV_FLOAT_FORMAT = "%.10g"
# UTF-8 with a byte-order mark: Excel, which most of our users open tables with, reads UTF-8 without one as
# the local code page and shows Chinese as mojibake; pandas, R and Python's "utf-8-sig" read it as plain UTF-8.
CSV_ENCODING = "utf-8-sig"


def temp_path(path: Path) -> Path:
    """A hidden temporary name beside ``path``, unique to this process and call."""
    return path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")


@contextmanager
def naming(path: Path) -> Iterator[None]:
    """Name ``path`` in an ``OSError`` raised inside that names no file (a write to a full disk names none)."""
    try:
        yield
    except OSError as err:
        if err.filename is None and err.errno is not None:
            raise OSError(err.errno, err.strerror, str(path)) from err
        raise


def write_bytes_atomic(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` atomically."""
    tmp = temp_path(path)
    try:
        with naming(path):
            tmp.write_bytes(data)
            os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """``frame`` as the bytes :func:`write_csv_atomic` writes (UTF-8 with BOM, LF ends, no index, 10 digits)."""
    return frame.to_csv(index=False, lineterminator="\n", float_format=CSV_FLOAT_FORMAT).encode(CSV_ENCODING)


def frame_digest(frame: pd.DataFrame) -> bytes:
    """A SHA-256 of a frame's columns, dtypes and values, without writing it out (to tell if it changed).

    Hashing the values in bulk (``pandas.util.hash_pandas_object``) rather than the CSV bytes: at 10,000 speeches
    formatting the figures' tables as CSV only to hash them took 4 s of a rerun. Floats are hashed exactly, so
    two machines may give two digests for one CSV: a figure is then drawn again, never skipped wrongly.
    """
    digest = hashlib.sha256(repr([(str(name), str(dtype)) for name, dtype in frame.dtypes.items()]).encode())
    try:
        digest.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    except TypeError:  # values it cannot hash (lists, mixed objects): their CSV instead
        digest.update(csv_bytes(frame))
    return digest.digest()


def write_csv_atomic(frame: pd.DataFrame, path: Path) -> Path:
    """Write ``frame`` as CSV (UTF-8 with BOM, LF ends, no index, floats to 10 digits) atomically; return ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    write_bytes_atomic(path, csv_bytes(frame))
    return path


def data_resource(data_dir: str | Path | None, name: str) -> Path | Traversable:
    """A data folder's own copy of a resource (``DIR/lexicon/<name>``) if it has one, else the shipped one.

    Parameters
    ----------
    data_dir : path or None
        The data folder; None gives the shipped resource.
    name : str
        ``lexicon.tsv``, ``stopwords.txt`` or ``era_markers.csv``.
    """
    if data_dir is not None:
        own = Path(data_dir) / config.RESOURCE_DIR / name
        if own.is_file():
            return own
    return config.resource(name)


def check_out_dir(path: str | Path) -> Path:
    """Make sure ``path`` is a folder this process can write in, creating it if missing; return it.

    Called before any work, so that ``corpus report --out PATH`` with a bad
    ``PATH`` fails at once with one line, not after minutes with a traceback.

    Raises
    ------
    CorpusError
        ``path`` (or a parent) is a file, or the folder cannot be created or written in.

    Examples
    --------
    >>> check_out_dir("README.md")                                     # doctest: +SKIP
    CorpusError: README.md: is a file, not a folder; give --out a folder (it is created if missing)
    """
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise CorpusError(f"{path}: is a file, not a folder; give --out a folder (it is created if missing)")
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = temp_path(path / "write-check")
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as err:
        raise CorpusError(f"{path}: cannot write the report there ({err.strerror or err}); "
                          "give --out a folder you can write in") from None
    return path


# --------------------------------------------------------------------------- checksummed cache entries
# Both caches (corpus.tokencache, corpus.speechcache) store an entry as one Arrow IPC file named
# <key>.<sum>.arrow, where sum is the first SUM_DIGITS hex digits of the SHA-256 of its bytes.

SUM_DIGITS = 16


def table_bytes(table: pa.Table, *, compression: str | None = None) -> bytes:
    """``table`` as the bytes of one Arrow IPC file (one record batch, so equal tables give equal bytes).

    The rows are copied out first: a slice of a larger table would otherwise carry its parent's offsets (and
    list values), so one speech's entry cut from two different batches gave two files under one key.
    """
    sink = pa.BufferOutputStream()
    options = pa.ipc.IpcWriteOptions(compression=compression)
    with pa.ipc.new_file(sink, table.schema, options=options) as writer:
        writer.write_table(table.take(pa.array(range(table.num_rows), pa.int64())).combine_chunks())
    return sink.getvalue().to_pybytes()


def entry_name(key: str, data: bytes) -> str:
    """The file name of an entry: its key, then the first :data:`SUM_DIGITS` hex digits of its bytes' SHA-256."""
    return f"{key}.{hashlib.sha256(data).hexdigest()[:SUM_DIGITS]}.arrow"


class EntryFiles:
    """The entry files of one cache folder (``folder/<key[:2]>/<key>.<sum>.arrow``), listed once per subfolder.

    One ``os.listdir`` per two-character subfolder rather than one glob per key; :meth:`store` writes an entry
    and records it, so a later lookup through the same object finds it.
    """

    def __init__(self, folder: Path):
        self.folder = folder
        # Per subfolder: each key's entry names without the key ("<sum>.arrow"), as a tuple: at 100,000 speeches
        # and three caches a set of whole names per key held ~230 MB.
        self._listed: dict[str, dict[str, tuple[str, ...]]] = {}

    def _index(self, prefix: str) -> dict[str, tuple[str, ...]]:
        """Each key's entry names (after ``<key>.``) in the subfolder ``prefix``."""
        if prefix not in self._listed:
            try:
                names = os.listdir(self.folder / prefix)
            except OSError:
                names = []
            index: dict[str, tuple[str, ...]] = {}
            for name in names:  # indexed by key once: a scan per lookup was quadratic (30,000 speeches: 7 s)
                if name.endswith(".arrow"):
                    key, _, rest = name.partition(".")
                    index[key] = (*index.get(key, ()), rest)
            self._listed[prefix] = index
        return self._listed[prefix]

    def _note(self, key: str, name: str, *, present: bool) -> None:
        """Record that the file ``name`` of ``key`` is there now (or gone)."""
        index, rest = self._index(key[:2]), name.partition(".")[2]
        kept = tuple(other for other in index.get(key, ()) if other != rest)
        index[key] = (*kept, rest) if present else kept

    def of(self, key: str) -> list[Path]:
        """The files stored under ``key`` (normally one), in name order."""
        return [self.folder / key[:2] / f"{key}.{rest}" for rest in sorted(self._index(key[:2]).get(key, ()))]

    def store(self, key: str, data: bytes) -> None:
        """Write the entry ``data`` of ``key`` once, atomically (a file already there has these very bytes).

        Raises
        ------
        OSError
            When it cannot be written (the caller says why, once, and goes on without the cache).
        """
        path = self.folder / key[:2] / entry_name(key, data)
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists():
            write_bytes_atomic(path, data)
        self._note(key, path.name, present=True)  # a later lookup through this object finds it

    def replace(self, key: str, schema: pa.Schema, batches: Iterable[pa.RecordBatch]) -> Path:
        """Write ``batches`` as the one entry of ``key``, streamed to disk, then delete the key's other entries.

        For a large entry that supersedes the last (the counts snapshot, :func:`corpus.segment.count_docs`):
        the bytes are never all in memory (at 100,000 speeches they are ~0.9 GB), and the checksum is taken
        from the file written. A reader that finds an old entry gone reads none and recomputes.

        Raises
        ------
        OSError
            When it cannot be written.
        """
        folder = self.folder / key[:2]
        folder.mkdir(parents=True, exist_ok=True)
        tmp = temp_path(folder / f"{key}.arrow")
        try:
            with pa.OSFile(str(tmp), "wb") as sink, pa.ipc.new_file(sink, schema) as writer:
                for batch in batches:
                    writer.write_batch(batch)
            with open(tmp, "rb") as written:
                path = folder / f"{key}.{_file_sum(written)}.arrow"
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
        self._note(key, path.name, present=True)
        for old in self.of(key):
            if old != path:
                remove_quietly(old)
                self._note(key, old.name, present=False)
        return path


def read_entry(path: Path) -> pa.Table:
    """The table in an entry file, after its checksum is checked.

    Raises
    ------
    FileNotFoundError
        The file is gone (a concurrent run removed it).
    OSError
        It cannot be read (permissions, I/O error): not evidence of damage.
    ValueError
        Damaged or foreign: the checksum in its name fails, or its bytes are not an Arrow table. Nothing is
        parsed before the checksum passes, so damaged bytes never reach the Arrow reader.
    """
    data = path.read_bytes()
    _check_sum(path, hashlib.sha256(data).hexdigest()[:SUM_DIGITS])
    try:
        return pa.ipc.open_file(pa.BufferReader(data)).read_all()
    except pa.ArrowException as err:
        raise ValueError(f"{path.name}: not an Arrow table ({err})") from None


def open_entry(path: Path) -> pa.ipc.RecordBatchFileReader:
    """An entry file opened for reading batch by batch, after its checksum is checked (as :func:`read_entry`,
    without holding its bytes: for an entry too large to read whole).

    The file stays open in the reader, so a concurrent run replacing or deleting the entry does not change
    what is read. Raises as :func:`read_entry`.
    """
    file = open(path, "rb")  # noqa: SIM115 (the reader keeps it open)
    try:
        _check_sum(path, _file_sum(file))
        file.seek(0)
        try:
            return pa.ipc.open_file(file)
        except pa.ArrowException as err:
            raise ValueError(f"{path.name}: not an Arrow table ({err})") from None
    except BaseException:
        file.close()
        raise


def _file_sum(file) -> str:
    """The first :data:`SUM_DIGITS` hex digits of the SHA-256 of an open file's bytes, read 4 MB at a time."""
    digest = hashlib.sha256()
    for block in iter(lambda: file.read(1 << 22), b""):
        digest.update(block)
    return digest.hexdigest()[:SUM_DIGITS]


def _check_sum(path: Path, found: str) -> None:
    """Raise ValueError unless ``found`` is the checksum in the entry's name (``<key>.<sum>.arrow``)."""
    parts = path.name.split(".")
    if len(parts) != 3 or found != parts[1]:
        raise ValueError(f"{path.name}: checksum does not match")


def remove_quietly(path: Path) -> None:
    """Delete ``path`` if possible; a read-only cache keeps it (it is checked again, and never trusted, next time)."""
    try:
        path.unlink(missing_ok=True)
    except OSError:
        pass


def unwritable_reason(folder: Path, err: OSError) -> str:
    """Why ``folder`` cannot take an entry, in a few words: ``'/x/cache: Read-only file system'``."""
    return f"{folder}: {err.strerror or err}"
