from __future__ import annotations

import errno
import tempfile

import numpy as np
import pytest

from corpus import spill
from corpus.spill import PairStore


def _filled(store: PairStore) -> PairStore:
    for lo in range(0, 10, 3):  # blocks of 3, 3, 3 and 1 pairs: (0, 100) ... (9, 109)
        store.append(np.arange(lo, min(lo + 3, 10)), np.arange(lo, min(lo + 3, 10)) + 100)
    return store


@pytest.mark.parametrize("spill_after", [None, 1, 4])
def test_pairs_read_back_by_range_in_memory_or_spilled(spill_after):
    store = _filled(PairStore(spill_after=spill_after))
    assert len(store) == 10 and store.spilled == (spill_after is not None)
    columns, counts = store.read(2, 7)
    assert columns.tolist() == [2, 3, 4, 5, 6] and counts.tolist() == [102, 103, 104, 105, 106]
    assert columns.dtype == np.int32 and counts.dtype == np.int32
    assert store.read(8, 20)[0].tolist() == [8, 9]  # a range past the end stops at the end
    assert store.read(5, 5)[0].tolist() == []
    store.append(np.array([10]), np.array([110]))  # appending after reading
    assert store.read(9, 11)[1].tolist() == [109, 110]
    store.close()
    assert len(store) == 0


def test_a_temporary_folder_without_room_keeps_the_pairs_in_memory(monkeypatch):
    """No room for the temporary file part way through: what was written comes back, nothing is lost, and the
    store says why (count_docs says it once)."""
    store = PairStore(spill_after=3)
    store.append(np.arange(3), np.arange(3) + 100)  # spilled: 3 pairs in the file
    assert store.spilled

    def full(*args):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(spill.os, "pwrite", full)
    store.append(np.arange(3, 7), np.arange(3, 7) + 100)
    assert not store.spilled and store.fallback == f"{tempfile.gettempdir()}: No space left on device"
    store.append(np.arange(7, 10), np.arange(7, 10) + 100)  # and it stays in memory
    assert store.read(0, 10)[1].tolist() == list(range(100, 110))


def test_no_temporary_folder_at_all(monkeypatch):
    def missing(**kwargs):
        raise FileNotFoundError(errno.ENOENT, "No usable temporary directory found")

    monkeypatch.setattr(spill.tempfile, "TemporaryFile", missing)
    store = _filled(PairStore(spill_after=1))
    assert store.fallback.endswith("No usable temporary directory found")
    assert store.read(0, 10)[0].tolist() == list(range(10))


def test_the_temporary_file_has_no_name_so_a_killed_run_leaves_nothing(tmp_path, monkeypatch):
    monkeypatch.setattr(spill.tempfile, "tempdir", str(tmp_path))
    store = _filled(PairStore(spill_after=1))
    assert store.spilled and store.read(0, 10)[0].tolist() == list(range(10))
    assert list(tmp_path.iterdir()) == []  # unnamed (O_TMPFILE) or unlinked at once: nothing for kill -9 to leave
