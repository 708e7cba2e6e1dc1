"""The segmentation cache: chunks merged, unknown keys absent."""

from __future__ import annotations

import pandas as pd

from corpus import tokencache
from corpus.segment import segment_docs
from corpus.tokencache import TokenCache


def test_cache_merges_chunks(tmp_path, monkeypatch):
    monkeypatch.setattr(tokencache, "MAX_CHUNKS", 3)
    docs = pd.DataFrame({"id": [f"d{i}" for i in range(5)], "text_clean": [f"工会第{i}段。" for i in range(5)]})
    for i in range(5):
        segment_docs(docs.iloc[[i]], cache_dir=tmp_path)
    assert len(list((tmp_path / "tokens").glob("chunk-*.arrow"))) <= 3
    whole = segment_docs(docs, cache_dir=tmp_path)
    assert whole.attrs == {"segmented": 0, "cached": 5}
    assert TokenCache(tmp_path).get(["nope"]).num_rows == 0
