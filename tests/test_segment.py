"""Segmentation: lexicon kept whole, stopwords flagged, placeholders never words, cache, engines."""

from __future__ import annotations

import jieba
import numpy as np
import pandas as pd
import pytest

from corpus import CorpusError, clean_docs, clean_text, load_docs
from corpus.files import read_entry
from corpus.lexicon import audit_lexicon, mark_stopwords, read_lexicon, read_stopwords
from corpus.segment import TOKEN_COLUMNS, count_docs, make_segmenter, run_in_batches, segment_docs

from .conftest import TINY_METADATA, TINY_TEXTS, write_corpus


@pytest.fixture(scope="module")
def segmenter():
    return make_segmenter(engine="jieba")


@pytest.fixture(scope="module")
def docs():
    return clean_docs(load_docs())


@pytest.mark.parametrize(("text", "tokens"), [
    ("推动高质量发展", ["推动", "高质量发展"]),
    ("坚决做到“两个维护”", ["坚决", "做到", "“", "两个维护", "”"]),
    ("建设职工之家", ["建设", "职工之家"]),
    ("坚持党建带工建、工建促党建", ["坚持", "党建带工建", "、", "工建促党建"]),
    ("深入学习贯彻习近平新时代中国特色社会主义思想和党的二十大精神",
     ["深入", "学习", "贯彻", "习近平新时代中国特色社会主义思想", "和", "党的二十大", "精神"]),
    ("推行厂务公开和工资集体协商制度", ["推行", "厂务公开", "和", "工资集体协商", "制度"]),
    ("实现“十二五”规划目标", ["实现", "“", "十二五", "”", "规划", "目标"]),
    ("同志们：一是始终践行，二要加强", ["同志们", "：", "一是", "始终", "践行", "，", "二要", "加强"]),
    ("提高自主创新能力，完善民主管理制度", ["提高", "自主创新", "能力", "，", "完善", "民主管理", "制度"]),
    ("□县工会第□次代表大会", ["□", "县", "工会", "第", "□", "次", "代表大会"]),
    ("弘扬劳模精神、劳动精神、工匠精神", ["弘扬", "劳模精神", "、", "劳动精神", "、", "工匠精神"]),
])
def test_sentences(segmenter, text, tokens):
    assert segmenter.cut(text) == tokens


def test_a_traditional_paragraph_segments_as_its_simplified_twin(segmenter):
    traditional = "我們國家爲人民服務，於一九五四年召開會議，堅決做到“兩個維護”，推動高質量發展。"
    simplified = "我们国家为人民服务，于一九五四年召开会议，坚决做到“两个维护”，推动高质量发展。"
    assert clean_text(traditional) == clean_text(simplified) == simplified
    assert segmenter.cut(clean_text(traditional)) == segmenter.cut(simplified)
    assert "两个维护" in segmenter.cut(simplified)


@pytest.mark.parametrize(("text", "numbers"), [
    # what jieba emits for dates and quantities in Chinese numerals; each of them is flagged
    ("一九五八年", ["一九五八年"]),
    ("二〇二三年", ["二", "〇", "二三年"]),
    ("人口三千万。", ["三千万"]),
    ("十二亿人民", ["十二亿"]),
    ("一九七〇年八月", ["一九七", "〇", "八月"]),   # and 年 alone, not a numeral
    ("增长十四年", ["十四年"]),
])
def test_numbers_jieba_emits_are_flagged(segmenter, text, numbers):
    tokens = segmenter.cut(text)
    flagged = mark_stopwords(tokens, read_stopwords()).tolist()
    assert [t for t, stop in zip(tokens, flagged, strict=True) if stop and t not in ("年", "。")] == numbers
    assert set(numbers) <= set(tokens)


def test_plans_and_congresses_stay_words(segmenter):
    tokens = segmenter.cut("实现“十二五”规划，“九五”计划，“十五”计划，十九大，二〇一五年十五大召开")
    words = [t for t, stop in zip(tokens, mark_stopwords(tokens, read_stopwords()).tolist(), strict=True) if not stop]
    assert {"十二五", "九五", "十五", "十九大", "十五大"} <= set(words)


def test_global_jieba_is_untouched(segmenter):
    segmenter.cut("高质量发展")
    assert jieba.lcut("推动高质量发展") == ["推动", "高质量", "发展"]


def test_every_lexicon_term_in_the_speeches_comes_out_whole(docs, segmenter):
    audit = audit_lexicon(docs, segmenter=segmenter)
    # Only two false matches are split, correctly: 工会/法制化 and 广大职工/文化生活.
    assert audit.loc[audit["split"] > 0, "term"].tolist() == ["工会法", "职工文化"]
    # Everything else not whole is inside a longer lexicon term (二五 in 十二五), or jieba's 县政协.
    inside = audit[audit["inside"] > 0]["reason"]
    assert all("inside lexicon term" in r or r == "inside jieba word 县政协 ×1" for r in inside)


def test_tokens_frame_of_a_tiny_corpus(tiny_dir, tmp_path):
    tokens = segment_docs(clean_docs(load_docs(tiny_dir)), cache_dir=tmp_path / "cache")
    assert list(tokens.columns) == list(TOKEN_COLUMNS)
    first = tokens[tokens["doc_id"] == "a"]
    assert first["token"].tolist() == ["同志们", "：", "今年", "是", "“", "十一五", "”", "开局", "之", "年", "，",
                                       "工会", "要", "建功", "“", "十一五", "”", "。"]
    assert first["para"].tolist() == [0, 0] + [1] * 16
    assert first["pos"].tolist() == list(range(18))
    assert first[~first["is_stop"]]["token"].tolist() == ["今年", "十一五", "开局", "工会", "建功", "十一五"]
    second = tokens[tokens["doc_id"] == "b"]
    assert "党建带工建" in second["token"].tolist()
    assert second["pos"].iloc[0] == 0


def test_counts_of_a_tiny_corpus(tiny_dir, tmp_path):
    # The tokens above, counted per paragraph: speech a's body has 十一五, “ and ” twice, every other word once.
    counts = count_docs(clean_docs(load_docs(tiny_dir)), cache_dir=tmp_path / "cache")
    words = counts.vocabulary.to_pylist()
    assert words == sorted(words) and len(words) == 18
    assert counts.ids == ["a", "b"]
    assert counts.row_doc.tolist() == [0, 0, 1, 1] and counts.row_para.tolist() == [0, 1, 0, 1]
    body_a = dict(zip(words, counts.matrix[1].toarray().ravel().tolist(), strict=True))
    assert {w: n for w, n in body_a.items() if n} == {
        "“": 2, "”": 2, "。": 1, "之": 1, "今年": 1, "十一五": 2, "工会": 1, "年": 1, "建功": 1, "开局": 1, "是": 1,
        "要": 1, "，": 1}
    assert counts.matrix.sum() == 34 and counts.by_doc().sum(axis=1).ravel().tolist() == [[18, 16]]
    ids, vocabulary, doc, term, count = counts.pairs()  # content words only
    assert [(ids[d], words[t], c) for d, t, c in zip(doc, term, count, strict=True)] == [
        ("a", "今年", 1), ("a", "十一五", 2), ("a", "工会", 1), ("a", "建功", 1), ("a", "开局", 1),
        ("b", "今年", 1), ("b", "党建带工建", 1), ("b", "十二五", 1), ("b", "坚持", 1), ("b", "工会", 1),
        ("b", "开局", 1)]
    assert counts.attrs == {"segmented": 2, "cached": 0}
    assert count_docs(clean_docs(load_docs(tiny_dir)), cache_dir=tmp_path / "cache").attrs == {"segmented": 0,
                                                                                              "cached": 2}
    # a speech at a time, as the analyses take them: the same pairs and per-speech counts
    assert [lo for lo, _ in counts.doc_batches(size=1)] == [0, 1]
    by_doc = np.vstack([matrix.toarray() for _, matrix in counts.doc_batches(size=1)])
    assert by_doc.tolist() == counts.by_doc().toarray().tolist()
    assert [len(doc) for doc, _, _ in counts.pair_batches(size=1)] == [5, 6]
    only_b = counts.restrict(["b"])
    assert only_b.row_doc.tolist() == [1, 1] and only_b.matrix.sum() == 16


def test_counts_of_docs_without_their_texts_read_the_texts_the_token_cache_lacks(tiny_dir, tmp_path):
    """Issue 16: the report counts from the speeches' keys; only a speech whose tokens are not cached (a new
    lexicon) has its cleaned text read back, through ``clean``."""
    from corpus.clean import clean_batches
    from corpus.segment import segment_keys
    from corpus.speechcache import SpeechCache

    cleaned = clean_docs(load_docs(tiny_dir), cache=SpeechCache(tmp_path / "cache", "clean"))
    count_docs(cleaned.iloc[:1], cache_dir=tmp_path / "cache")  # speech a's tokens cached, b's not
    read_back = []

    def clean(selection):
        read_back.extend(selection["id"])
        return clean_batches(selection, cache=SpeechCache(tmp_path / "cache", "clean"))

    keys = segment_keys(cleaned, make_segmenter())
    counts = count_docs(cleaned.drop(columns="text_clean"), keys=keys, clean=clean, cache_dir=tmp_path / "cache")
    assert read_back == ["b"] and counts.attrs == {"segmented": 1, "cached": 1}
    assert counts.matrix.sum() == 34 and counts.ids == ["a", "b"]
    with pytest.raises(ValueError, match="need clean="):
        count_docs(cleaned.drop(columns="text_clean"), keys=keys, cache_dir=False)


def test_counts_equal_the_tokens_frame_counted(docs, tmp_path, monkeypatch):
    # Through the cache (read in slices of _READ_KEYS), or segmented now: the same pairs as the frame's.
    from corpus import segment
    from corpus.features import _pair_counts

    frame = segment_docs(docs, cache_dir=tmp_path)
    reference = _pair_counts(frame)
    monkeypatch.setattr(segment, "_READ_KEYS", 2)
    for counts in (count_docs(docs, cache_dir=False), count_docs(docs, cache_dir=tmp_path)):
        mine = counts.pairs()
        assert mine[0] == reference[0] and mine[1].equals(reference[1])
        for a, b in zip(mine[2:], reference[2:], strict=True):
            assert a.tolist() == b.tolist()
        assert counts.matrix.sum() == len(frame) == 9258


def _same_counts(mine, reference) -> None:
    assert mine.ids == reference.ids
    assert mine.vocabulary.to_pylist() == reference.vocabulary.to_pylist()
    assert mine.is_stop.tolist() == reference.is_stop.tolist()
    assert mine.row_doc.tolist() == reference.row_doc.tolist() and mine.row_para.tolist() == reference.row_para.tolist()
    for part in ("indptr", "indices", "data"):
        assert getattr(mine.matrix, part).tolist() == getattr(reference.matrix, part).tolist()


def test_counts_snapshot_gives_the_full_build_after_adding_removing_and_editing(docs, tmp_path, monkeypatch):
    """Issue 16: the next run starts from the last run's counts (one file) and reads only the speeches it lacks;
    whatever changed, the result is the one a build over every speech gives."""
    from corpus import segment

    reads = []
    real = segment._speech_tables
    monkeypatch.setattr(segment, "_speech_tables", lambda docs, **kw: reads.append(len(docs)) or real(docs, **kw))
    cache = tmp_path / "cache"
    first = count_docs(docs[docs["id"] != "004"], cache_dir=cache, snapshot="here")
    assert first.attrs == {"segmented": 4, "cached": 0} and reads == [4]
    assert len(list((cache / "counts").rglob("*.arrow"))) == 1
    # 004 added, 001 removed, 003 edited, and 002 twice under two ids: only 004 and the new 003 are read
    edited = docs.copy()
    edited.loc[edited["id"] == "003", "text_clean"] += "\n\n新的一段：推动高质量发展。"
    twin = edited[edited["id"] == "002"].assign(id="002b")
    changed = pd.concat([edited[edited["id"] != "001"], twin], ignore_index=True)
    counts = count_docs(changed, cache_dir=cache, snapshot="here")
    assert reads == [4, 2] and counts.attrs == {"segmented": 2, "cached": 2}
    _same_counts(counts, count_docs(changed, cache_dir=False))
    assert (counts.row_doc == 2).sum() == (first.row_doc == first.ids.index("003")).sum() + 1  # the new paragraph
    assert len(list((cache / "counts").rglob("*.arrow"))) == 1  # the last one replaces the one before
    # nothing changed: nothing read, nothing written
    snapshot_file = next((cache / "counts").rglob("*.arrow"))
    again = count_docs(changed, cache_dir=cache, snapshot="here")
    assert reads[-1] == 0 and again.attrs == {"segmented": 0, "cached": 4}
    assert next((cache / "counts").rglob("*.arrow")) == snapshot_file
    _same_counts(again, counts)
    # a smaller corpus: the words only the others used are gone from the vocabulary
    one = docs.iloc[:1]
    _same_counts(count_docs(one, cache_dir=cache, snapshot="here"), count_docs(one, cache_dir=False))


def _spill_everything(monkeypatch) -> None:
    """Counts in temporary files from the first pair, written and read a few pairs at a time."""
    from corpus import segment, spill

    monkeypatch.setattr(spill, "SPILL_AFTER_PAIRS", 5)
    monkeypatch.setattr(segment, "_WRITE_PAIRS", 7)
    monkeypatch.setattr(segment, "_SNAPSHOT_BATCH_PAIRS", 11)


def test_counts_kept_in_temporary_files_are_the_counts_held_in_memory(docs, tmp_path, monkeypatch):
    """Issue 16: at 100,000 speeches the counts (~105 M pairs, 0.84 GB) live in a temporary file and the snapshot
    is written and read a batch at a time; whatever the slices, the counts are those built in memory."""
    edited = docs.copy()
    edited.loc[edited["id"] == "003", "text_clean"] += "\n\n新的一段：推动高质量发展。"
    twin = edited[edited["id"] == "002"].assign(id="002b")
    changed = pd.concat([edited[edited["id"] != "001"], twin], ignore_index=True)
    held = [count_docs(frame, cache_dir=False, paragraphs_of={"000", "003"}) for frame in (docs, changed)]
    assert not held[0].store.spilled
    _spill_everything(monkeypatch)
    cache = tmp_path / "cache"
    for frame, reference in zip((docs, changed), held, strict=True):  # cold, then from the snapshot
        counts = count_docs(frame, cache_dir=cache, snapshot="here", paragraphs_of={"000", "003"})
        assert counts.store.spilled
        _same_counts(counts, reference)
        assert [lo for lo, _ in counts.doc_batches(size=2)] == list(range(0, len(frame), 2))
        assert np.vstack([m.toarray() for _, m in counts.doc_batches(size=2)]).tolist() == \
            reference.by_doc().toarray().tolist()
        only = [part.restrict(["003"]).matrix.toarray().tolist() for part in (counts, reference)]
        assert only[0] == only[1]
    # the snapshot holds each text once (not 002b, the last speech), 11 pairs a batch
    stored = int(held[1].indptr[np.searchsorted(held[1].row_doc, 4)])
    snapshot = read_entry(next((cache / "counts").rglob("*.arrow")))
    assert snapshot.num_rows == -(-stored // 11) and snapshot.num_rows > 100
    sizes = [len(row) for row in snapshot["indices"].to_pylist()]
    assert sizes == [11] * (stored // 11) + [stored % 11] * (stored % 11 > 0)


def test_counts_without_room_for_a_temporary_file_stay_in_memory_and_say_so(docs, tmp_path, monkeypatch):
    import errno

    from corpus import spill

    reference = count_docs(docs, cache_dir=False)
    _spill_everything(monkeypatch)

    def full(*args):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(spill.os, "pwrite", full)
    lines = []
    counts = count_docs(docs, cache_dir=tmp_path / "cache", log=lines.append)
    _same_counts(counts, reference)
    assert not counts.store.spilled
    assert lines == [f"counts kept in memory: no room for them in a temporary file ({spill.tempfile.gettempdir()}: "
                     "No space left on device); set TMPDIR to a folder with room"]


def test_speeches_outside_paragraphs_of_are_one_row_with_the_same_totals(tiny_dir, tmp_path):
    """Issue 16: the report keeps paragraphs only for the speeches topics read; the others are one row each."""
    from corpus.topics import _bags

    docs = clean_docs(load_docs(tiny_dir))
    full = count_docs(docs, cache_dir=tmp_path / "cache")
    part = count_docs(docs, cache_dir=tmp_path / "cache", paragraphs_of={"a"})
    assert part.row_doc.tolist() == [0, 0, 1] and part.row_para.tolist() == [0, 1, -1]
    assert part.matrix.sum() == 34 and part.matrix[2].sum() == 16  # b's two paragraphs (2 + 14 tokens) summed
    assert part.by_doc().toarray().tolist() == full.by_doc().toarray().tolist()
    assert [array.tolist() for array in part.pairs()[2:]] == [array.tolist() for array in full.pairs()[2:]]
    assert _bags(part.restrict(["a"])).equals(_bags(full.restrict(["a"])))
    with pytest.raises(ValueError, match="counted whole have no paragraphs"):
        _bags(part)


def test_a_snapshot_in_the_other_form_is_counted_again(docs, tmp_path, monkeypatch):
    from corpus import segment

    reads = []
    real = segment._speech_tables
    monkeypatch.setattr(segment, "_speech_tables", lambda docs, **kw: reads.append(len(docs)) or real(docs, **kw))
    cache = tmp_path / "cache"
    count_docs(docs, cache_dir=cache, snapshot="here", paragraphs_of={"000", "001"})
    again = count_docs(docs, cache_dir=cache, snapshot="here", paragraphs_of={"001", "002"})
    # 000 now whole and 002 now by paragraph: read again; the other three kept
    assert reads == [5, 2] and again.attrs == {"segmented": 0, "cached": 5}
    _same_counts(again, count_docs(docs, cache_dir=False, paragraphs_of={"001", "002"}))


def test_a_damaged_counts_snapshot_is_rebuilt_never_trusted(docs, tmp_path):
    cache = tmp_path / "cache"
    count_docs(docs, cache_dir=cache, snapshot="here")
    path = next((cache / "counts").rglob("*.arrow"))
    data = bytearray(path.read_bytes())
    data[len(data) // 2:len(data) // 2 + 4] = b"\xff\xff\xff\xff"
    path.write_bytes(bytes(data))
    lines = []
    counts = count_docs(docs, cache_dir=cache, snapshot="here", log=lines.append)
    assert counts.attrs == {"segmented": 0, "cached": 5}  # every speech from its own entry
    assert lines == [f"cache: 1 damaged counts entry deleted and recomputed ({cache / 'counts'})"]
    _same_counts(counts, count_docs(docs, cache_dir=False))
    assert list((cache / "counts").rglob("*.arrow")) == [path]  # written again, whole: the same bytes, the same name
    assert read_entry(path).num_rows == 1


def test_a_snapshot_that_does_not_hold_together_is_rebuilt(docs, tmp_path, monkeypatch):
    """A snapshot whose checksum passes but whose batches disagree (a second batch repeating the keys, or a word
    number past the vocabulary) is never used: every speech is read from its own entry."""
    import pyarrow as pa

    from corpus import segment
    from corpus.speechcache import SpeechCache

    cache = tmp_path / "cache"
    reference = count_docs(docs, cache_dir=cache, snapshot="here")
    path = next((cache / "counts").rglob("*.arrow"))
    good = read_entry(path).to_batches()[0]
    key = path.name.split(".")[0]
    bad_word = good.set_column(5, "indices", pa.array([[len(reference.vocabulary)] * len(good["indices"][0])],
                                                      pa.list_(pa.int32())))
    for batches in ([good, good], [bad_word]):
        SpeechCache(cache, "counts").replace(key, segment._SNAPSHOT_SCHEMA, batches)
        reads = []
        real = segment._speech_tables
        monkeypatch.setattr(segment, "_speech_tables", lambda docs, **kw: reads.append(len(docs)) or real(docs, **kw))
        counts = count_docs(docs, cache_dir=cache, snapshot="here")
        monkeypatch.setattr(segment, "_speech_tables", real)
        assert reads == [5] and counts.attrs == {"segmented": 0, "cached": 5}
        _same_counts(counts, reference)


def test_placeholders_are_never_words(docs, segmenter, tmp_path):
    tokens = segment_docs(docs, segmenter=segmenter, cache_dir=tmp_path)
    sentinel = tokens[tokens["token"].str.contains("□")]
    # 004: 7 (20x, x, “x” ...), 003: 6 (*), 001: 31 (XXX, XX, X): one □ token each
    assert sentinel.groupby("doc_id").size().to_dict() == {"001": 31, "003": 6, "004": 7}
    assert sentinel["is_stop"].all()
    assert not tokens["token"].str.fullmatch(r"[Xx*]+|20x").any()
    assert set(sentinel["token"]) == {"□"}


def test_cache_reuses_and_invalidates(tiny_dir, tmp_path):
    cache = tmp_path / "cache"
    docs = clean_docs(load_docs(tiny_dir))
    first = segment_docs(docs, cache_dir=cache)
    assert (first.attrs["segmented"], first.attrs["cached"]) == (2, 0)
    again = segment_docs(docs, cache_dir=cache)
    assert (again.attrs["segmented"], again.attrs["cached"]) == (0, 2)
    pd.testing.assert_frame_equal(first, again)
    # add a speech: only it is segmented
    bigger = write_corpus(tmp_path / "bigger", {**TINY_TEXTS, "c.txt": "同志们：\n要推动高质量发展。\n"},
                          TINY_METADATA + "c,c.txt,2023,丙\n")
    added = segment_docs(clean_docs(load_docs(bigger)), cache_dir=cache)
    assert (added.attrs["segmented"], added.attrs["cached"]) == (1, 2)
    # change the lexicon: everything is segmented again
    lexicon = read_lexicon().iloc[:-1]
    changed = segment_docs(docs, segmenter=make_segmenter(lexicon=lexicon), cache_dir=cache)
    assert (changed.attrs["segmented"], changed.attrs["cached"]) == (2, 0)
    # one checksummed entry per speech and segmenter: 2 + 1 + 2
    files = sorted((cache / "tokens").rglob("*.arrow"))
    assert len(files) == 5 and all(f.read_bytes()[:6] == b"ARROW1" and len(f.name.split(".")) == 3 for f in files)


def test_same_clean_text_under_two_ids(tmp_path):
    docs = pd.DataFrame({"id": ["a", "b"], "text_clean": ["工会工作。", "工会工作。"]})
    tokens = segment_docs(docs, cache_dir=tmp_path)
    assert tokens.groupby("doc_id")["token"].apply(list).to_dict() == {"a": ["工会工作", "。"], "b": ["工会工作", "。"]}


def test_parallel_output_equals_serial(docs):
    segmenter = make_segmenter(engine="jieba")
    serial = segment_docs(docs, segmenter=segmenter, cache_dir=False, n_jobs=1)
    parallel = segment_docs(docs, segmenter=segmenter, cache_dir=False, n_jobs=2, progress=True)
    pd.testing.assert_frame_equal(serial, parallel)


def test_frames_built_through_the_cache_equal_the_frame_built_in_memory(docs, tmp_path):
    # cold: batches streamed into the cache, one entry per speech; warm: read from it; none: in memory
    segmenter = make_segmenter(engine="jieba")
    reference = segment_docs(docs, segmenter=segmenter, cache_dir=False, n_jobs=1)
    cold = segment_docs(docs, segmenter=segmenter, cache_dir=tmp_path, n_jobs=2, progress=False)
    warm = segment_docs(docs.iloc[::-1], segmenter=segmenter, cache_dir=tmp_path)
    assert len(list((tmp_path / "tokens").rglob("*.arrow"))) == 5
    # each distinct word stored once: 9,258 tokens, 1,973 distinct
    assert isinstance(cold["token"].dtype, pd.CategoricalDtype)
    assert len(cold["token"].cat.categories) == len(set(reference["token"].tolist())) == 1973
    pd.testing.assert_frame_equal(cold, reference)
    assert warm.attrs == {"segmented": 0, "cached": 5}
    assert warm["doc_id"].iloc[0] == docs["id"].iloc[-1] and len(warm) == len(reference) == 9258
    for doc_id in docs["id"]:
        mine = warm[warm["doc_id"] == doc_id].reset_index(drop=True)
        theirs = reference[reference["doc_id"] == doc_id].reset_index(drop=True)
        assert mine["token"].tolist() == theirs["token"].tolist() and mine["pos"].tolist() == theirs["pos"].tolist()


def test_rjieba_is_token_identical_to_jieba_on_the_whole_corpus(docs):
    pytest.importorskip("rjieba")
    reference = segment_docs(docs, segmenter=make_segmenter(engine="jieba"), cache_dir=False)
    fast = segment_docs(docs, segmenter=make_segmenter(engine="rjieba"), cache_dir=False)
    assert len(reference) == 9258
    pd.testing.assert_frame_equal(reference, fast)
    for hmm in (True, False):  # also on the raw, uncleaned texts
        jb, rj = make_segmenter(engine="jieba", hmm=hmm), make_segmenter(engine="rjieba", hmm=hmm)
        assert all(jb.cut(text) == rj.cut(text) for text in docs["text"])


def test_unknown_engine():
    with pytest.raises(CorpusError, match="engine 'fast' is not one of auto, jieba, rjieba"):
        make_segmenter(engine="fast")


@pytest.mark.slow
def test_dask_backend_on_a_local_cluster(docs):
    """`corpus report --backend dask`: the same tokens from the workers of a dask LocalCluster."""
    distributed = pytest.importorskip("dask.distributed")
    segmenter = make_segmenter(engine="jieba")
    serial = segment_docs(docs, segmenter=segmenter, cache_dir=False, n_jobs=1)
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None)
    with cluster, distributed.Client(cluster):
        on_cluster = segment_docs(docs, segmenter=segmenter, cache_dir=False, backend="dask")
    pd.testing.assert_frame_equal(serial, on_cluster)


def test_batches_are_prepared_one_at_a_time_as_they_are_run():
    events = []

    def prepare(batch):
        events.append(("read", [position for _, position in batch]))
        return [(key, "工会" * position) for key, position in batch]

    def run(setting, batch):
        events.append(("run", [len(text) for _, text in batch]))
        return setting

    work = [("a", 1), ("b", 2), ("c", 3)]
    outputs = list(run_in_batches(run, "done", work, n_jobs=1, progress=False, backend=None, chars_per_second=1,
                                  parallel_min_chars=10**9, desc="", sizes=[2, 4, 6], prepare=prepare))
    assert outputs == ["done"]  # 12 characters: one batch on one process
    assert events == [("read", [1, 2, 3]), ("run", [2, 4, 6])]
    events.clear()
    outputs = list(run_in_batches(run, "done", work, n_jobs=1, progress=True, backend=None, chars_per_second=1,
                                  parallel_min_chars=10**9, desc="", sizes=[2, 4, 6], prepare=prepare))
    # with a progress bar, batches of about a third of the characters (4), each read just before it runs
    assert events == [("read", [1, 2]), ("run", [2, 4]), ("read", [3]), ("run", [6])]
