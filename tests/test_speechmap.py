"""The map step: one function per speech (clean, find markers, segment), locally or on a dask cluster."""

from __future__ import annotations

import pandas as pd
import pytest

from corpus import clean_docs, inspect_corpus, load_docs
from corpus.dating import date_docs, markers_table, read_era_markers
from corpus.segment import count_docs, make_segmenter
from corpus.speechcache import SpeechCache
from corpus.speechmap import MapSettings, map_new_speeches, map_speech

from .conftest import TINY_METADATA, TINY_TEXTS, write_corpus


@pytest.fixture(scope="module")
def markers():
    return read_era_markers()


def test_one_speech_by_hand(markers):
    result = map_speech(TINY_TEXTS["a.txt"], MapSettings(make_segmenter(), markers_table(markers)))
    assert result.text_clean == "同志们：\n\n今年是“十一五”开局之年，工会要建功“十一五”。"
    assert (result.script, result.n_han) == ("simplified", 21)  # 同志们 今年是 十一五 开局之年 工会要建功 十一五
    assert [(found.marker, found.count) for found in result.markers] == [("十一五", 2)]
    assert result.tokens["para"].to_pylist() == [0, 1]
    assert result.tokens["tokens"].to_pylist()[1] == ["今年", "是", "“", "十一五", "”", "开局", "之", "年", "，",
                                                      "工会", "要", "建功", "“", "十一五", "”", "。"]


def _analysed(docs, cache, markers):
    """What the report's stages make of ``docs`` with the cache ``cache`` (False: none)."""
    clean = clean_docs(docs, cache=SpeechCache(cache, "clean") if cache else None)
    dated = date_docs(clean, markers=markers, cache=SpeechCache(cache, "markers") if cache else None)
    counts = count_docs(clean, segmenter=make_segmenter(), cache_dir=cache)
    return clean, dated, counts


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_mapped_speeches_are_read_back_by_every_stage(tmp_path, markers, n_jobs):
    # n_jobs=2: the settings and results cross to loky worker processes and back.
    folder = write_corpus(tmp_path / "data", TINY_TEXTS, TINY_METADATA)
    docs, cache = load_docs(folder), tmp_path / "cache"
    assert map_new_speeches(docs, cache_dir=cache, segmenter=make_segmenter(), markers=markers, n_jobs=n_jobs) == 2
    assert map_new_speeches(docs, cache_dir=cache, segmenter=make_segmenter(), markers=markers) == 0
    for kind in ("clean", "markers", "tokens"):  # one entry per speech and kind
        assert len(list((cache / kind).rglob("*.arrow"))) == 2
    clean, dated, counts = _analysed(docs, cache, markers)
    assert clean.attrs["clean_cached"] == 2 and counts.attrs == {"segmented": 0, "cached": 2}
    reference = _analysed(docs, False, markers)
    pd.testing.assert_frame_equal(clean, reference[0], check_like=True)
    pd.testing.assert_frame_equal(dated, reference[1])
    assert counts.matrix.toarray().tolist() == reference[2].matrix.toarray().tolist()
    # one more speech: only it is mapped
    bigger = write_corpus(tmp_path / "bigger", {**TINY_TEXTS, "c.txt": "同志们：\n要推动高质量发展。\n"},
                          TINY_METADATA + "c,c.txt,2023,丙\n")
    assert map_new_speeches(load_docs(bigger), cache_dir=cache, segmenter=make_segmenter(), markers=markers) == 1


def test_docs_without_texts_are_mapped_from_their_files_into_the_same_entries(tmp_path, markers):
    folder = write_corpus(tmp_path / "data", TINY_TEXTS, TINY_METADATA)
    docs, cache = inspect_corpus(folder, text=False)[0], tmp_path / "cache"
    assert map_new_speeches(docs, cache_dir=cache, segmenter=make_segmenter(), markers=markers,
                            data_dir=folder) == 2
    assert map_new_speeches(load_docs(folder), cache_dir=cache, segmenter=make_segmenter(), markers=markers) == 0
    clean, _, counts = _analysed(load_docs(folder), cache, markers)
    assert clean.attrs["clean_cached"] == 2 and counts.attrs == {"segmented": 0, "cached": 2}


def test_without_a_cache_nothing_is_mapped(tmp_path, markers):
    docs = load_docs(write_corpus(tmp_path / "data", TINY_TEXTS, TINY_METADATA))
    assert map_new_speeches(docs, cache_dir=False, segmenter=make_segmenter(), markers=markers) == 0


@pytest.mark.slow
def test_the_map_step_on_a_dask_local_cluster(tmp_path, markers):
    """`corpus report --backend dask`: the map runs on the workers of a LocalCluster; the same cache entries."""
    distributed = pytest.importorskip("dask.distributed")
    docs = load_docs()
    local = map_new_speeches(docs, cache_dir=tmp_path / "local", segmenter=make_segmenter(), markers=markers)
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None)
    with cluster, distributed.Client(cluster):
        remote = map_new_speeches(docs, cache_dir=tmp_path / "dask", segmenter=make_segmenter(), markers=markers,
                                  backend="dask")
    assert local == remote == 5
    for kind in ("clean", "markers", "tokens"):
        names = {p.relative_to(tmp_path / "local") for p in (tmp_path / "local" / kind).rglob("*.arrow")}
        assert names == {p.relative_to(tmp_path / "dask") for p in (tmp_path / "dask" / kind).rglob("*.arrow")}
        assert len(names) == 5
