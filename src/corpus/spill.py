"""Word counts kept on disk rather than in memory, read back a range at a time.

At 100,000 speeches the (paragraph, word) counts are ~105 M pairs, 0.84 GB
held for the whole run while each analysis reads them a few thousand speeches
at a time. :class:`PairStore` keeps them in memory while they are few, and
past :data:`SPILL_AFTER_PAIRS` in an unnamed temporary file (``TMPDIR``),
which the system removes when the process ends, however it ends. A temporary
folder without room falls back to memory, and says so once.
"""

from __future__ import annotations

import os
import tempfile

import numpy as np

# Below this many pairs (32 MB) the counts stay in memory: a corpus of 1,000 speeches has ~1 M.
SPILL_AFTER_PAIRS = 2**22
_PAIR = np.dtype([("column", np.int32), ("count", np.int32)])


class PairStore:
    """(column, count) pairs of int32, appended in order and read back by range.

    Attributes
    ----------
    fallback : str or None
        Why the pairs went back to memory (the temporary folder could not take them), for the caller to say.

    Examples
    --------
    >>> store = PairStore()
    >>> store.append(np.array([3, 7], np.int32), np.array([1, 2], np.int32))
    >>> store.read(1, 2)
    (array([7], dtype=int32), array([2], dtype=int32))
    """

    def __init__(self, *, spill_after: int | None = None):
        self._spill_after = SPILL_AFTER_PAIRS if spill_after is None else spill_after
        self._blocks: list[np.ndarray] = []  # in memory: pairs not in the file, in order
        self._held = 0  # pairs in _blocks
        self._joined: np.ndarray | None = None  # _blocks as one array, once reading starts (in memory only)
        self._file = None
        self._in_file = 0  # pairs in the file, before those in _blocks
        self.fallback: str | None = None

    def __len__(self) -> int:
        return self._in_file + self._held

    @property
    def spilled(self) -> bool:
        """Whether the pairs are in a temporary file."""
        return self._file is not None

    def append(self, columns: np.ndarray, counts: np.ndarray) -> None:
        """Add pairs at the end (two equal-length integer arrays, converted to int32)."""
        block = np.empty(len(columns), dtype=_PAIR)
        block["column"], block["count"] = columns, counts
        if self._joined is not None:  # appending after reading: rare (tests), back to blocks
            self._blocks, self._joined = [self._joined], None
        self._blocks.append(block)
        self._held += len(block)
        if self._held >= self._spill_after and self.fallback is None:
            self._flush()

    def _flush(self) -> None:
        """Move the pairs held in memory to the end of the temporary file (created on first use)."""
        try:
            if self._file is None:
                self._file = tempfile.TemporaryFile(buffering=0)  # unnamed on Linux: gone with the process
            for block in self._blocks:
                _write_all(self._file, memoryview(block.view(np.uint8)), offset=self._in_file * _PAIR.itemsize)
                self._in_file += len(block)
                self._held -= len(block)
            self._blocks = []
        except OSError as err:  # no room, or no temporary folder: the pairs written so far come back to memory
            self.fallback = f"{tempfile.gettempdir()}: {err.strerror or err}"
            self._back_to_memory()

    def _back_to_memory(self) -> None:
        if self._file is not None:
            written = np.empty(self._in_file, dtype=_PAIR)
            self._read_into(written, 0)
            self._file.close()
            self._file, self._in_file = None, 0
            self._blocks.insert(0, written)
            self._held += len(written)

    def read(self, lo: int, hi: int) -> tuple[np.ndarray, np.ndarray]:
        """The columns and counts of pairs ``lo`` to ``hi`` (new arrays)."""
        hi = min(hi, len(self))
        if hi <= lo:
            return np.zeros(0, np.int32), np.zeros(0, np.int32)
        if self._file is not None and self._blocks:
            self._flush()
        if self._file is None:
            if self._joined is None:
                self._joined = self._blocks[0] if len(self._blocks) == 1 else np.concatenate(self._blocks)
                self._blocks = [self._joined]
            part = self._joined[lo:hi]
        else:
            part = np.empty(hi - lo, dtype=_PAIR)
            self._read_into(part, lo)
        return part["column"].copy(), part["count"].copy()

    def _read_into(self, part: np.ndarray, lo: int) -> None:
        view, offset = memoryview(part.view(np.uint8)), lo * _PAIR.itemsize
        while len(view):
            got = os.preadv(self._file.fileno(), [view], offset) if hasattr(os, "preadv") else _pread(
                self._file, view, offset)
            if got <= 0:
                raise OSError(f"temporary counts file ended early at byte {offset}")
            view, offset = view[got:], offset + got

    def close(self) -> None:
        """Give back the temporary file (also done when the store is collected, or the process ends)."""
        if self._file is not None:
            self._file.close()
            self._file = None
        self._blocks, self._joined, self._held, self._in_file = [], None, 0, 0

    def __del__(self):
        if self._file is not None:
            self._file.close()


def _write_all(file, view: memoryview, *, offset: int) -> None:
    while len(view):
        written = os.pwrite(file.fileno(), view, offset)
        view, offset = view[written:], offset + written


def _pread(file, view: memoryview, offset: int) -> int:
    data = os.pread(file.fileno(), len(view), offset)
    view[:len(data)] = data
    return len(data)
