"""Atomic writes and content digests."""

from __future__ import annotations

import pandas as pd

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
