"""Term trajectories, counts, TF-IDF and similarity, checked by hand on tiny texts and on the corpus."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import regex

from corpus import CorpusError, clean_docs, config, load_docs
from corpus.clean import count_han, term_pattern
from corpus.features import (
    BoundedPattern,
    changing_terms,
    count_terms,
    doc_similarity,
    era_tfidf,
    parse_terms,
    pattern_budget,
    term_counts,
    term_trajectories,
)
from corpus.segment import segment_docs

TEXTS = {  # id: (year, text)
    "a": (2011, "今年是十二五开局之年，实现十二五目标。"),     # 17 Han characters, 十二五 ×2
    "b": (2022, "推动高质量发展，助力高质量追赶发展。"),       # 16 Han characters
    "c": (2023, "推动高质量发展。"),                          # 7
    "d": (2023, "坚持高质量发展，推动高质量发展。"),           # 14
    "e": (2023, "党的领导。"),                                # 4
}


@pytest.fixture
def tiny():
    rows = [(i, y, str(y), t, count_han(t)) for i, (y, t) in TEXTS.items()]
    return pd.DataFrame(rows, columns=["id", "year", "era", "text_clean", "n_han"])


def test_term_counts_by_hand(tiny):
    counts = term_counts(tiny, ["十二五", "高质量发展"])
    assert list(tiny["n_han"]) == [17, 16, 7, 14, 4]
    a = counts[(counts["doc_id"] == "a") & (counts["term"] == "十二五")].iloc[0]
    assert (a["count"], a["per10k"]) == (2, 2 / 17 * 10_000)
    literal = counts[counts["term"] == "高质量发展"].set_index("doc_id")["count"].to_dict()
    assert literal == {"a": 0, "b": 1, "c": 1, "d": 2, "e": 0}


def test_family_of_variants(tiny):
    counts = term_counts(tiny, {"高质量发展": "高质量(?:追赶)?发展"})
    assert counts.set_index("doc_id")["count"].to_dict() == {"a": 0, "b": 2, "c": 1, "d": 2, "e": 0}


def test_trajectories_by_hand(tiny):
    table = term_trajectories(tiny, {"高质量发展": "高质量发展"}, n_boot=500)
    assert list(table.columns) == ["era", "term", "count", "per10k", "docs", "n_docs", "n_chars", "ci_low", "ci_high",
                                   "year"]
    row = table.set_index("era").loc["2023"]
    # 2023: counts 1 + 2 + 0 = 3 over 7 + 14 + 4 = 25 Han characters
    assert (row["count"], row["docs"], row["n_docs"], row["n_chars"]) == (3, 2, 3, 25)
    assert row["per10k"] == pytest.approx(3 / 25 * 10_000)
    # resampling three speeches: the rate lies between 0 (only e) and 1/7 (only c)
    assert 0 <= row["ci_low"] <= row["per10k"] <= row["ci_high"] <= 1 / 7 * 10_000
    assert table.set_index("era").loc[["2011", "2022"], "ci_low"].isna().all()  # one speech: no interval
    again = term_trajectories(tiny, {"高质量发展": "高质量发展"}, n_boot=500)
    pd.testing.assert_frame_equal(table, again)  # seeded bootstrap


def test_trajectory_intervals_drawn_in_chunks_are_the_draws_of_one_call(monkeypatch):
    """Issue 16: at 100,000 speeches one era's resamples were drawn at once (+1 GB); drawn in chunks, the
    interval is the same to the last bit: the same numbers from the same seeded stream."""
    import corpus.features

    counts = pd.DataFrame({"era": "2020", "term": "改革", "count": [0, 3, 1, 7, 2, 0, 5, 1, 1, 4],
                           "n_han": [90, 120, 80, 300, 150, 60, 200, 100, 95, 160]})
    picks = np.random.default_rng(7).integers(0, 10, size=(40, 10))  # the one call, by hand
    rates = counts["count"].to_numpy()[picks].sum(1) / counts["n_han"].to_numpy()[picks].sum(1) * 10_000
    docs = pd.DataFrame({"era": ["2020"], "year": [2020]})
    monkeypatch.setattr(corpus.features, "BOOTSTRAP_CHUNK", 25)  # two resamples a chunk
    row = term_trajectories(docs, ["改革"], counts=counts, n_boot=40, random_state=7).iloc[0]
    assert (row["ci_low"], row["ci_high"]) == tuple(np.percentile(rates, [2.5, 97.5]))
    assert row["count"] == 24 and row["n_chars"] == 1355


@pytest.mark.parametrize(("terms", "message"), [
    (["高质量("],
     "term '高质量(' is not a valid regular expression (missing ), unterminated subpattern at position 3)"),
    (["a*"], "term 'a*' matches the empty string; give at least one character"),
    ([], "no terms given"),
])
def test_bad_terms(terms, message):
    with pytest.raises(CorpusError) as err:
        parse_terms(terms)
    assert str(err.value) == message


def test_named_pattern():
    assert {k: v.pattern for k, v in parse_terms(["小康=全面建[设成]小康社会", "十二五"]).items()} == {
        "小康": "全面建[设成]小康社会", "十二五": term_pattern("十二五")}
    assert term_counts(clean_docs(TINY_DOCS), ["小康=全面建[设成]小康社会", "十二五"])["pattern"].unique().tolist() == [
        "全面建[设成]小康社会", "十二五"]  # as given


TINY_DOCS = pd.DataFrame({"id": ["t", "s"], "year": [1954, 1954], "era": ["1954", "1954"],
                          "text": ["我們國家爲人民服務，於一九五四年召開會議。",
                                   "我们国家为人民服务，于一九五四年召开会议。"]})


def test_a_traditional_speech_counts_as_its_simplified_twin():
    docs = clean_docs(TINY_DOCS)
    counts = term_counts(docs, ["我们", "國家", "召開会议", "人民服务", "一九五四年"]).pivot(
        index="term", columns="doc_id", values="count")
    assert counts["t"].tolist() == counts["s"].tolist() == [1, 1, 1, 1, 1]


@pytest.mark.parametrize(("terms", "text", "count"), [
    (["九五"], "一九五八年，“九五”计划", 1),
    (["十五大"], "二〇一五年十五大召开", 1),
    (["十五"], "二十五年，“十五”计划", 1),
    (["九五计划=(?:九五|十五)计划"], "一九五计划，九五计划，十五计划", 2),
])
def test_terms_never_match_inside_a_numeral_run(terms, text, count):
    docs = pd.DataFrame({"id": ["a"], "year": [2000], "era": ["2000"], "text_clean": [text], "n_han": [10]})
    assert term_counts(docs, terms)["count"].tolist() == [count]


@pytest.fixture(scope="module")
def corpus_docs():
    return clean_docs(load_docs())


def test_real_corpus_counts(corpus_docs):
    counts = term_counts(corpus_docs, {"十二五": "十二五", "高质量发展": "高质量发展", "family": "高质量(追赶)?发展"})
    table = counts.pivot(index="term", columns="doc_id", values="count")
    assert table.loc["十二五"].to_dict() == {"000": 1, "001": 0, "002": 4, "003": 0, "004": 0}
    assert table.loc["高质量发展"].to_dict() == {"000": 0, "001": 3, "002": 0, "003": 0, "004": 0}
    assert table.loc["family"].to_dict() == {"000": 0, "001": 3, "002": 0, "003": 6, "004": 0}


def test_real_corpus_plan_eras(corpus_docs):
    from corpus import with_eras

    table = term_trajectories(with_eras(corpus_docs, by="plan"), {"十二五": "十二五"}, by="plan")
    assert table[["era", "count", "docs", "n_docs"]].values.tolist() == [
        ["十一五", 0, 0, 1], ["十二五", 4, 1, 1], ["十四五", 1, 1, 3]]
    assert table["year"].tolist() == [2008.0, 2013.0, 2023.0]


@pytest.fixture
def tiny_tokens():
    tokens = pd.DataFrame({
        "doc_id": ["a", "a", "a", "b", "b", "c", "c"],
        "para": 0, "pos": [0, 1, 2, 0, 1, 0, 1],
        "token": ["党", "工会", "的", "工会", "发展", "党", "党"],
        "is_stop": [False, False, True, False, False, False, False],
    })
    docs = pd.DataFrame({"id": ["a", "b", "c"], "year": [2011, 2022, 2022], "era": ["2011", "2022", "2022"]})
    return tokens, docs


def test_count_terms(tiny_tokens):
    counts = count_terms(*tiny_tokens)
    assert counts.values.tolist() == [
        ["2011", "党", 1, 1], ["2011", "工会", 1, 1],
        ["2022", "党", 2, 1], ["2022", "发展", 1, 1], ["2022", "工会", 1, 1],
    ]


def test_era_tfidf_keeps_one_character_words(tiny_tokens):
    table = era_tfidf(*tiny_tokens)
    assert "党" in set(table["term"])
    # 2022 as one document: tf 党 = 1 + ln 2 (sublinear), idf 1 (in both eras); 发展: tf 1, idf ln(3/2) + 1;
    # 工会: tf 1, idf 1. L2-normalised.
    raw = {"党": 1 + np.log(2), "发展": np.log(3 / 2) + 1, "工会": 1.0}
    norm = np.sqrt(sum(v * v for v in raw.values()))
    rows = table[table["era"] == "2022"]
    assert rows["term"].tolist() == ["党", "发展", "工会"]
    assert rows["tfidf"].tolist() == pytest.approx([v / norm for v in raw.values()])
    assert rows["count"].tolist() == [2, 1, 1]
    # Issue 16: the report's counts, not counted again
    pd.testing.assert_frame_equal(era_tfidf(*tiny_tokens, counts=count_terms(*tiny_tokens)), table)


def test_doc_similarity(corpus_docs):
    similarity = doc_similarity(segment_docs(corpus_docs), corpus_docs)
    assert list(similarity.index) == ["004", "002", "003", "000", "001"]
    values = similarity.to_numpy()
    assert np.allclose(np.diag(values), 1) and np.allclose(values, values.T)
    # 000 (titled 2023) is closest to the 2006 speech, not to the other 2023 speech
    assert similarity.loc["000"].drop("000").idxmax() == "004"


def test_era_similarity_is_the_mean_of_pairwise_cosines(corpus_docs):
    from corpus.features import era_similarity

    tokens = segment_docs(corpus_docs)
    pairwise = doc_similarity(tokens, corpus_docs)
    by_era = era_similarity(tokens, corpus_docs)
    assert list(by_era.index) == ["2006", "2011", "2022", "2023"]
    # 2023 has 000 and 001: within-era mean = their one pair; across eras = mean over pairs
    assert by_era.loc["2023", "2023"] == pytest.approx(pairwise.loc["000", "001"])
    assert by_era.loc["2006", "2023"] == pytest.approx((pairwise.loc["004", "000"] + pairwise.loc["004", "001"]) / 2)
    assert np.isnan(by_era.loc["2011", "2011"])  # one speech: no pair within the era


def test_counts_do_not_depend_on_token_order_or_slicing(tiny_tokens, monkeypatch):
    from corpus import config

    tokens, docs = tiny_tokens
    expected = count_terms(tokens, docs)
    # rows not grouped by speech (a filtered or concatenated frame), and slices of 2 tokens
    shuffled = tokens.iloc[::-1].reset_index(drop=True)
    monkeypatch.setattr(config, "SLICE_TOKENS", 2)
    pd.testing.assert_frame_equal(count_terms(shuffled, docs), expected)
    pd.testing.assert_frame_equal(count_terms(tokens, docs), expected)


def test_doc_similarity_with_a_speech_without_content(tiny_tokens):
    tokens, docs = tiny_tokens
    docs = pd.concat([docs, pd.DataFrame({"id": ["z"], "year": [2023], "era": ["2023"]})], ignore_index=True)
    similarity = doc_similarity(tokens.astype({"doc_id": "str"}), docs)
    assert list(similarity.index) == ["a", "b", "c", "z"]
    assert similarity.loc["z"].tolist() == [0.0, 0.0, 0.0, 0.0]
    assert similarity.loc["a", "a"] == pytest.approx(1.0)


def test_changing_terms_ranks_by_g2_across_eras_and_orders_by_peak():
    counts = pd.DataFrame({
        "era": ["2006"] * 4 + ["2011"] * 4 + ["2023"] * 4,
        "term": ["十一五", "工会", "小康", "偶然"] * 3,
        "count": [8, 40, 2, 3, 1, 40, 6, 0, 0, 40, 1, 0],
        "docs": [2, 2, 1, 1, 1, 2, 2, 0, 0, 2, 1, 0],
    })
    # 十一五 (G² ≈ 22) peaks in 2006, 小康 (≈ 7) in 2011; 工会 is even; 偶然 is in one speech only.
    assert changing_terms(counts, candidates=["工会", "小康", "十一五", "偶然"], n=2) == ["十一五", "小康"]
    assert changing_terms(counts, candidates=["工会", "小康", "十一五", "偶然"], n=1) == ["十一五"]
    assert changing_terms(counts, candidates=["偶然", "不在"]) == []
    # Issue 16: only the candidates are pivoted; an era where none occurs still counts in the era totals
    later = pd.concat([counts, pd.DataFrame({"era": ["2030"], "term": ["职工"], "count": [500], "docs": [3]})])
    assert changing_terms(later, candidates=["工会", "小康", "十一五", "偶然"], n=3) == ["十一五", "小康", "工会"]


def test_an_era_without_han_characters_has_rate_zero_not_a_crash():
    """Regression (issue 17): a speech whose only Chinese was page residue made `corpus terms` divide by zero."""
    from corpus.features import term_counts, term_trajectories

    docs = pd.DataFrame({"id": ["a", "b"], "year": [2015, 2016], "era": ["2015", "2016"],
                         "text_clean": ["ABC", "坚持高质量发展"], "n_han": [0, 7]})
    assert term_counts(docs, ["高质量发展"])["per10k"].tolist() == pytest.approx([0.0, 10_000 / 7])
    trajectory = term_trajectories(docs, ["高质量发展"], by="year")
    assert trajectory[["era", "count", "n_chars"]].values.tolist() == [["2015", 0, 0], ["2016", 1, 7]]
    assert trajectory["per10k"].tolist() == pytest.approx([0.0, 10_000 / 7])


# Issue 17: catastrophic user patterns never returned. (\S+)+x took 2**40 steps on the `re` module; the `regex`
# module answers it at once, and stops (a|aa)+b, which it cannot simplify, at the time budget.
HINT = "simplify it (avoid nested repeats such as (a+)+ or (a|aa)+)"


def _one(text: str, doc_id: str = "a") -> pd.DataFrame:
    return pd.DataFrame({"id": [doc_id], "year": [2000], "era": ["2000"], "text_clean": [text], "n_han": [0]})


def test_a_nested_repeat_term_returns():
    assert term_counts(_one("a" * 40 + " bx"), [r"(\S+)+x"])["count"].tolist() == [1]  # "bx"


def test_a_catastrophic_term_stops_at_its_time_budget(monkeypatch):
    monkeypatch.setattr(config, "PATTERN_TIMEOUT_S", 0.2)
    with pytest.raises(CorpusError) as err:
        term_counts(_one("a" * 60 + "c", "003"), ["(a|aa)+b"])
    assert str(err.value) == f"term '(a|aa)+b' took more than 0.2 s (stopped on speech 003): {HINT}"
    with pytest.raises(CorpusError, match=r"^term '\(a\|aa\)\+b' took more than 0.2 s"):
        term_trajectories(_one("a" * 60 + "c"), ["(a|aa)+b"])


def test_the_time_budget_is_shared_by_all_texts():
    assert pattern_budget(0) == 2.0 and pattern_budget(3_000_000) == 5.0  # 2 s + 1 s per million characters
    bounded = BoundedPattern(regex.compile("十二五"), "十二五", seconds=0.2)
    assert len(bounded.matches("十二五，十二五", where="speech a")) == 2
    bounded.spent = 0.2  # as if the texts before had used it all
    with pytest.raises(CorpusError) as err:
        bounded.matches("十二五", where="speech b")
    assert str(err.value) == f"pattern '十二五' took more than 0.2 s (stopped on speech b): {HINT}"


def test_every_analysis_from_counts_equals_it_from_the_tokens_frame(corpus_docs):
    # The report works from counts (no frame of all tokens): each function gives the frame's result exactly.
    from corpus import split_paragraphs
    from corpus.clean import paragraph_counts
    from corpus.features import documents_table, era_similarity
    from corpus.lexicon import read_lexicon
    from corpus.segment import count_docs

    frame, counts = segment_docs(corpus_docs), count_docs(corpus_docs)
    for function in (count_terms, era_tfidf, doc_similarity, era_similarity):
        pd.testing.assert_frame_equal(function(counts, corpus_docs), function(frame, corpus_docs))
    docs, paragraphs, terms = corpus_docs.drop(columns="text_clean"), split_paragraphs(corpus_docs), read_lexicon()
    table = documents_table(docs, paragraphs, counts, terms=terms["term"])
    pd.testing.assert_frame_equal(table, documents_table(docs, paragraphs, frame, terms=terms["term"]))
    # The report's form (issue 16): paragraph counts taken slice by slice of whole speeches, no paragraphs kept
    first = paragraphs["doc_id"] == paragraphs["doc_id"].iloc[0]
    per_doc = pd.concat([paragraph_counts(paragraphs[first]), paragraph_counts(paragraphs[~first])])
    pd.testing.assert_frame_equal(documents_table(docs, per_doc, counts, terms=terms["term"]), table)
    assert table.set_index("id")["n_tokens"].sum() == len(frame) == 9258
    assert count_terms(counts, corpus_docs).query("term == '工会'")["count"].sum() == \
        int(((frame["token"] == "工会") & ~frame["is_stop"]).sum())
