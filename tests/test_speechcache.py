"""Per-speech results: written once under their key, checksummed, recomputed when damaged."""

from __future__ import annotations

import hashlib

import pandas as pd
import pyarrow as pa
import pytest

from corpus.clean import clean_docs
from corpus.dating import date_docs, read_era_markers
from corpus.speechcache import SpeechCache, digest_key, entry_key

DOCS = pd.DataFrame({"id": ["a", "b"], "year": [2011, 2023], "year_basis": ["", ""],
                     "text": ["今年是“十二五”开局之年。\n\n推动科学发展、促进社会和谐。", "全面贯彻党的二十大精神。"]})


def test_an_entry_is_read_back_and_a_damaged_one_is_recomputed(tmp_path):
    cache = SpeechCache(tmp_path, "demo")
    cache.put({"k1": pa.table({"x": [1, 2]})})
    [path] = list((tmp_path / "demo" / "k1").glob("k1.*.arrow"))
    assert cache.get(["k1", "k2"])["k1"].to_pydict() == {"x": [1, 2]}
    data = bytearray(path.read_bytes())
    data[-20:-16] = b"\xff\xff\xff\xff"  # four flipped bytes
    path.write_bytes(bytes(data))
    assert cache.get(["k1"]) == {} and cache.damaged == 1 and not path.exists()
    path.write_bytes(b"not arrow at all")  # a foreign file under a plausible name
    assert SpeechCache(tmp_path, "demo").get(["k1"]) == {}


def test_entry_keys_hash_each_part_apart():
    assert entry_key("ab", "c") != entry_key("a", "bc")
    assert entry_key("ab", "c") == entry_key(b"ab", b"c")


@pytest.mark.parametrize("read_at_once", [1, 500])  # the cache read one speech at a time, or all at once
def test_clean_and_dating_read_back_the_same_results(tmp_path, monkeypatch, read_at_once):
    import corpus.clean

    monkeypatch.setattr(corpus.clean, "_READ_ENTRIES", read_at_once)
    markers = read_era_markers()
    cold_clean = clean_docs(DOCS, cache=SpeechCache(tmp_path, "clean"))
    warm_clean = clean_docs(DOCS, cache=SpeechCache(tmp_path, "clean"))
    assert (cold_clean.attrs["clean_cached"], warm_clean.attrs["clean_cached"]) == (0, 2)
    pd.testing.assert_frame_equal(warm_clean, clean_docs(DOCS))
    uncached = date_docs(cold_clean, markers=markers)
    cold = date_docs(cold_clean, markers=markers, cache=SpeechCache(tmp_path, "markers"))
    warm = date_docs(warm_clean, markers=markers, cache=SpeechCache(tmp_path, "markers"))
    pd.testing.assert_frame_equal(cold, uncached)
    pd.testing.assert_frame_equal(warm, uncached)
    assert len(list((tmp_path / "markers").rglob("*.arrow"))) == 2
    # one speech read back, one cleaned now: the column is assembled in docs order all the same
    clean_docs(DOCS.iloc[1:], cache=SpeechCache(tmp_path / "half", "clean"))
    mixed = clean_docs(DOCS, cache=SpeechCache(tmp_path / "half", "clean"))
    assert mixed.attrs["clean_cached"] == 1
    pd.testing.assert_frame_equal(mixed, clean_docs(DOCS))
    selection = DOCS.iloc[1:]  # index labels that are not positions
    pd.testing.assert_frame_equal(clean_docs(selection, cache=SpeechCache(tmp_path / "half", "clean")),
                                  clean_docs(DOCS).iloc[1:])


def test_a_changed_marker_table_misses_the_cache(tmp_path):
    docs = clean_docs(DOCS)
    table = tmp_path / "m.csv"
    table.write_text("marker,pattern,first,last,kind,note\n十二五,,2011,2015,plan,\n", encoding="utf-8")
    cache = SpeechCache(tmp_path / "c", "markers")
    assert date_docs(docs, markers=read_era_markers(table), cache=cache)["n_markers"].tolist() == [1, 0]
    table.write_text("marker,pattern,first,last,kind,note\n十二五,,2011,2015,plan,\n二十大,,2022,2026,congress,\n",
                     encoding="utf-8")
    assert date_docs(docs, markers=read_era_markers(table), cache=cache)["n_markers"].tolist() == [1, 1]


def test_an_entry_put_is_found_by_the_same_cache_object(tmp_path):
    cache = SpeechCache(tmp_path, "clean")
    assert cache.get(["ab12"]) == {}  # lists the subfolder "ab" (empty) once
    cache.put({"ab12": pa.table({"n": [3]})})
    assert cache.get(["ab12"])["ab12"].to_pydict() == {"n": [3]}


def test_a_rerun_estimates_only_the_speeches_whose_inputs_changed(tmp_path, monkeypatch):
    from dataclasses import replace

    import corpus.dating as dating

    docs = clean_docs(DOCS)
    markers = read_era_markers()
    uncached = date_docs(docs, markers=markers)
    assert date_docs(docs, markers=markers, cache=SpeechCache(tmp_path, "markers")).equals(uncached)
    assert len(list((tmp_path / "dates").rglob("*.arrow"))) == 2  # one estimate per speech, beside the markers
    estimate = dating._estimate
    calls = []
    monkeypatch.setattr(dating, "_estimate", lambda found, **options: calls.append(found) or estimate(found, **options))
    warm = date_docs(docs, markers=markers, cache=SpeechCache(tmp_path, "markers"))
    pd.testing.assert_frame_equal(warm, uncached)
    assert calls == []  # every estimate read back, evidence included
    moved = docs.assign(year=[docs["year"].iloc[0], docs["year"].iloc[1] + 1])  # one speech's metadata year
    date_docs(moved, markers=markers, cache=SpeechCache(tmp_path, "markers"))
    assert len(calls) == 1
    wider = replace(dating.MODEL, review=0.2)
    date_docs(docs, markers=markers, model=wider, cache=SpeechCache(tmp_path, "markers"))
    assert len(calls) == 3  # another model: both again


def test_a_key_from_digests_is_the_key_of_the_parts():
    # the report keys a speech's cleaning by its text's digest, without holding the text
    assert digest_key(hashlib.sha256("工会".encode()).digest(), hashlib.sha256(b"rules").digest()) == \
        entry_key("工会", b"rules") == "a006851fec219677829e6090362dcf4c9901d864eb2f3ce0e343a2fab2fc6c2d"
