"""Atomic writes and content digests."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from corpus.files import csv_bytes, frame_digest


def test_frame_digest_changes_with_any_value_name_or_type():
    frame = pd.DataFrame({"era": ["2006", "2011"], "term": ["工会", "十二五"], "count": [3, 4], "rate": [0.5, 1.25]})
    same = pd.DataFrame({"era": ["2006", "2011"], "term": ["工会", "十二五"], "count": [3, 4], "rate": [0.5, 1.25]})
    assert frame_digest(frame) == frame_digest(same)
    changed = [
        frame.assign(count=[3, 5]),
        frame.assign(term=["工会", "十一五"]),
        frame.assign(rate=[0.5, 1.2500000001]),
        frame.rename(columns={"rate": "share"}),
        frame.astype({"count": "float64"}),
        frame.iloc[::-1],
        frame.iloc[:1],
    ]
    digests = {frame_digest(other) for other in changed}
    assert len(digests) == len(changed) and frame_digest(frame) not in digests


def test_frame_digest_of_values_it_cannot_hash_uses_their_csv():
    frame = pd.DataFrame({"terms": [["工会", "职工"], ["十二五"]]})
    assert frame_digest(frame) != frame_digest(pd.DataFrame({"terms": [["工会"], ["十二五"]]}))
    assert len(frame_digest(frame)) == 32 and csv_bytes(frame).startswith(b"\xef\xbb\xbfterms")


def test_entry_files_are_found_by_key_among_many_in_a_subfolder(tmp_path):
    """Issue 16: one listing per subfolder, indexed by key (a scan per lookup was quadratic at 30,000 speeches);
    temporary files and other names are never entries."""
    from corpus.files import EntryFiles, entry_name

    keys = [f"ab{i:062x}" for i in range(3)]  # one subfolder, "ab"
    writer = EntryFiles(tmp_path)
    for key in keys:
        writer.store(key, key.encode())
    (tmp_path / "ab" / f".{keys[0]}.arrow.123.tmp").write_bytes(b"half written")
    (tmp_path / "ab" / "notes.txt").write_text("not an entry")
    reader = EntryFiles(tmp_path)  # lists the folder as it is now
    assert [path.name for path in reader.of(keys[1])] == [entry_name(keys[1], keys[1].encode())]
    assert [len(reader.of(key)) for key in keys] == [1, 1, 1]
    assert reader.of("ab" + "f" * 62) == [] and reader.of("cd" + "0" * 62) == []
    reader.store(keys[0], b"a second version")  # both versions, in name order
    assert sorted(path.name for path in reader.of(keys[0])) == [path.name for path in reader.of(keys[0])]
    assert len(reader.of(keys[0])) == 2


def test_a_write_that_fails_names_the_file_it_was_writing(tmp_path, monkeypatch):
    """A full disk raised an OSError naming no file, so `corpus report` said only "No space left on device"."""
    import errno

    from corpus.files import write_bytes_atomic

    def full(self, data):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(Path, "write_bytes", full)
    with pytest.raises(OSError) as caught:
        write_bytes_atomic(tmp_path / "report.html", b"page")
    assert (caught.value.errno, caught.value.filename) == (errno.ENOSPC, str(tmp_path / "report.html"))
    assert list(tmp_path.iterdir()) == []
