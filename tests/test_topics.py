"""Topic models over paragraphs: units, fits, NPMI by hand, k, stability, prevalence, on tiny units and the corpus."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import math
import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.exceptions import ConvergenceWarning

from corpus import CorpusError, clean_docs, load_docs, split_paragraphs, topics
from corpus.segment import segment_docs
from corpus.topics import (
    TOPIC_WORD_COLUMNS,
    UNIT_COLUMNS,
    TopicModel,
    TopicResult,
    TopicState,
    auto_topics,
    choose_k,
    fit_topics,
    is_stable,
    npmi_coherence,
    read_topic_state,
    topic_changes,
    topic_docs,
    topic_prevalence,
    topic_stability,
    topic_units,
    write_topic_state,
)

THEMES = {
    "union": ["工会", "职工", "服务", "维权", "劳模"],
    "economy": ["改革", "发展", "创新", "质量", "产业"],
    "party": ["党建", "学习", "思想", "政治", "理论"],
}


def make_units(bags, eras, years=None, doc_ids=None) -> pd.DataFrame:
    """A units frame from token lists; one speech per era unless doc_ids are given."""
    years = years or [int(e) for e in eras]
    doc_ids = doc_ids or [f"d{e}" for e in eras]
    return pd.DataFrame({
        "doc_id": doc_ids,
        "para": range(len(bags)),
        "era": eras,
        "year": years,
        "n_tokens": [len(b) for b in bags],
        "tokens": [list(b) for b in bags],
    })


@pytest.fixture(scope="module")
def themed() -> pd.DataFrame:
    """18 paragraphs, each mostly one theme (7 of its words + 1 from another); themes drift by era."""
    rng = np.random.default_rng(0)
    plan = ["union"] * 4 + ["economy"] * 2 + ["union", "economy", "party"] * 2 + ["party"] * 4 + ["economy"] * 2
    eras = ["2006"] * 6 + ["2011"] * 6 + ["2023"] * 6
    names = list(THEMES)
    bags = []
    for theme in plan:
        other = names[(names.index(theme) + 1) % 3]
        bags.append(list(rng.choice(THEMES[theme], 7)) + [str(rng.choice(THEMES[other]))])
    return make_units(bags, eras)


def frames_of(units: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The tokens, paragraphs and docs frames whose topic units are ``units`` (every token a content word)."""
    tokens = pd.DataFrame(
        [(doc_id, para, pos, token, False)
         for doc_id, para, bag in zip(units["doc_id"], units["para"], units["tokens"], strict=True)
         for pos, token in enumerate(bag)],
        columns=["doc_id", "para", "pos", "token", "is_stop"])
    paragraphs = units[["doc_id", "para"]].assign(kind="body")
    docs = (units[["doc_id", "year", "era"]].drop_duplicates("doc_id").rename(columns={"doc_id": "id"})
            .iloc[::-1].reset_index(drop=True))  # out of year order: the result must not depend on it
    return tokens, paragraphs, docs


@pytest.fixture(scope="module")
def themed_frames(themed):
    return frames_of(themed)


# --------------------------------------------------------------------------- units


def test_topic_units_from_counts_are_the_same_bags(tmp_path):
    # From counts a paragraph's words come in vocabulary order: the same multiset, the same unit hash.
    from corpus.segment import count_docs

    docs = clean_docs(load_docs())
    paragraphs = split_paragraphs(docs)
    from_frame = topic_units(segment_docs(docs), paragraphs, docs)
    from_counts = topic_units(count_docs(docs), paragraphs, docs)
    assert len(from_counts) == len(from_frame) == 63
    pd.testing.assert_frame_equal(from_counts.drop(columns="tokens"), from_frame.drop(columns="tokens"))
    assert from_counts["tokens"].tolist() == [sorted(bag) for bag in from_frame["tokens"]]
    assert topics._units_sha256(from_counts) == topics._units_sha256(from_frame)


def test_topic_units_by_hand():
    docs = pd.DataFrame({"id": ["b", "a"], "year": [2011, 2006], "era": ["2011", "2006"]})
    paragraphs = pd.DataFrame({
        "doc_id": ["a", "a", "a", "b", "b"],
        "para": [0, 1, 2, 0, 1],
        "kind": ["title", "body", "body", "salutation", "body"],
    })
    rows = [  # (doc_id, para, pos, token, is_stop)
        ("a", 0, 0, "工会", False), ("a", 0, 1, "讲话", False),           # title: not a unit
        ("a", 1, 2, "职工", False), ("a", 1, 3, "的", True), ("a", 1, 4, "服务", False),
        ("a", 1, 5, "职工", False),
        ("a", 2, 6, "改革", False),                                        # 1 content token
        ("b", 0, 0, "同志们", True),
        ("b", 1, 1, "党建", False), ("b", 1, 2, "，", True), ("b", 1, 3, "工建", False),
        ("b", 1, 4, "党建", False),
    ]
    tokens = pd.DataFrame(rows, columns=["doc_id", "para", "pos", "token", "is_stop"])
    units = topic_units(tokens, paragraphs, docs, min_tokens=2)
    assert list(units.columns) == list(UNIT_COLUMNS)
    assert units[["doc_id", "para", "era", "year", "n_tokens"]].values.tolist() == [
        ["a", 1, "2006", 2006, 3], ["b", 1, "2011", 2011, 3]]
    assert units["tokens"].tolist() == [["职工", "服务", "职工"], ["党建", "工建", "党建"]]
    assert len(topic_units(tokens, paragraphs, docs, min_tokens=1)) == 3
    with pytest.raises(CorpusError, match="min_tokens"):
        topic_units(tokens, paragraphs, docs, min_tokens=4)


# --------------------------------------------------------------------------- NPMI


NPMI_UNITS = make_units([["a", "b", "c"], ["a", "b"], ["a", "d"], ["c", "d"]], ["2006"] * 4)


def words(*topics_terms) -> pd.DataFrame:
    return pd.DataFrame([(t, r, w) for t, terms in enumerate(topics_terms) for r, w in enumerate(terms, start=1)],
                        columns=["topic", "rank", "term"])


def test_npmi_by_hand():
    eps = 1e-12
    table = npmi_coherence(words(["a", "b"], ["c", "d"], ["a", "b", "c"]), NPMI_UNITS, eps=eps)
    assert list(table.columns) == ["topic", "coherence"]
    # 4 units. P(a) = 3/4, P(b) = 2/4, P(c) = 2/4, P(d) = 2/4
    # P(a,b) = 2/4 (units 0, 1); P(c,d) = 1/4 (unit 3); P(a,c) = 1/4 (unit 0); P(b,c) = 1/4 (unit 0)
    # topic 0: log((2/4 + eps) / (3/4 * 2/4)) / -log(2/4 + eps) = log(4/3) / log(2) ≈ 0.415
    ab = math.log((2 / 4 + eps) / (3 / 4 * 2 / 4)) / -math.log(2 / 4 + eps)
    # topic 1: log((1/4 + eps) / (2/4 * 2/4)) / -log(1/4 + eps) ≈ 0 (independent)
    cd = math.log((1 / 4 + eps) / (2 / 4 * 2 / 4)) / -math.log(1 / 4 + eps)
    # topic 2: mean of the pairs ab, ac, bc
    ac = math.log((1 / 4 + eps) / (3 / 4 * 2 / 4)) / -math.log(1 / 4 + eps)
    bc = math.log((1 / 4 + eps) / (2 / 4 * 2 / 4)) / -math.log(1 / 4 + eps)
    expected = [ab, cd, (ab + ac + bc) / 3]
    assert table["coherence"].tolist() == pytest.approx(expected, abs=1e-12)
    assert ab == pytest.approx(math.log(4 / 3) / math.log(2), abs=1e-9)
    assert cd == pytest.approx(0, abs=1e-9)


def test_npmi_limits_and_top_n():
    units = make_units([["a", "b"], ["a", "b", "c"]], ["2006", "2006"])
    # a and b are in every unit (0/0 in the formula): 1; z never occurs: -1
    table = npmi_coherence(words(["a", "b"], ["a", "z"], ["c"]), units)
    assert table["coherence"].tolist()[:2] == [1.0, -1.0]
    assert np.isnan(table["coherence"].iloc[2])  # one word, no pair
    # top_n=2 of ["a", "b", "c", "d"] is the pair a-b only
    again = npmi_coherence(words(["a", "b", "c", "d"]), NPMI_UNITS, top_n=2)
    assert again["coherence"].iloc[0] == pytest.approx(math.log(4 / 3) / math.log(2), abs=1e-9)


# --------------------------------------------------------------------------- fitting


@pytest.mark.parametrize("model", ["nmf", "lda"])
def test_fit_shapes_and_labels(themed, model):
    fitted = fit_topics(themed, k=3, model=model, top_n=4)
    n_terms = len(fitted.vocabulary)
    assert (fitted.k, fitted.model) == (3, model)
    assert fitted.components.shape == (3, n_terms) and fitted.unit_topics.shape == (len(themed), 3)
    np.testing.assert_allclose(fitted.components.sum(axis=1), 1)
    np.testing.assert_allclose(fitted.unit_topics.sum(axis=1), 1)
    assert list(fitted.topic_words.columns) == list(TOPIC_WORD_COLUMNS)
    assert fitted.topic_words.groupby("topic")["rank"].apply(list).tolist() == [[1, 2, 3, 4]] * 3
    first = fitted.topic_words[fitted.topic_words["topic"] == 0]
    assert fitted.labels[0] == "·".join(first["term"].iloc[:3])
    assert (first["weight"].diff().dropna() <= 0).all()
    # topics are numbered largest first
    size = themed["n_tokens"].to_numpy() @ fitted.unit_topics
    assert (np.diff(size) <= 1e-12).all()


def test_nmf_finds_the_themes(themed):
    fitted = fit_topics(themed, k=3)
    top = [set(g["term"].iloc[:5]) for _, g in fitted.topic_words.groupby("topic")]
    assert sorted(map(sorted, top)) == sorted(sorted(v) for v in THEMES.values())


def test_one_character_words_are_kept():
    units = make_units([["党", "国", "工会"], ["党", "国"], ["工会", "职工"], ["职工", "工会"]], ["2006"] * 4)
    assert "党" in fit_topics(units, k=2).vocabulary


@pytest.mark.parametrize("model", ["nmf", "lda"])
def test_deterministic(themed, model):
    one = fit_topics(themed, k=3, model=model, random_state=7)
    two = fit_topics(themed, k=3, model=model, random_state=7)
    pd.testing.assert_frame_equal(one.topic_words, two.topic_words)
    assert np.array_equal(one.unit_topics, two.unit_topics)
    assert np.array_equal(one.components, two.components)
    assert one.labels == two.labels


def test_model_pickles_and_transforms(themed):
    fitted = fit_topics(themed, k=3)
    again = pickle.loads(pickle.dumps(fitted))
    assert again.labels == fitted.labels
    subset = themed.iloc[[2, 5, 11]]
    shares = again.shares(subset)  # not the fitted units: transformed
    np.testing.assert_allclose(shares, fitted.unit_topics[[2, 5, 11]], atol=1e-3)
    np.testing.assert_allclose(shares.sum(axis=1), 1)


def test_fit_errors(themed):
    with pytest.raises(CorpusError, match="at least 2"):
        fit_topics(themed, k=1)
    with pytest.raises(CorpusError, match="lower k"):
        fit_topics(themed, k=len(themed))
    with pytest.raises(CorpusError, match="unknown topic model 'lsa'"):
        fit_topics(themed, k=3, model="lsa")
    lonely = make_units([["a"], ["b"], ["c"]], ["2006"] * 3)
    with pytest.raises(CorpusError, match="two or more paragraphs"):
        fit_topics(lonely, k=2)


def test_all_zero_nmf_row_is_uniform():
    # unit 3's only word is in one unit, so it is out of the vocabulary
    units = make_units([["a", "b"], ["a", "b"], ["c", "d"], ["c", "d"], ["e"]], ["2006"] * 5)
    fitted = fit_topics(units, k=2)
    assert fitted.unit_topics[4].tolist() == [0.5, 0.5]


# --------------------------------------------------------------------------- k and stability


def test_choose_k_argmax_and_skips(themed):
    table = choose_k(themed, ks=[2, 3, 4, 5, 40])
    assert list(table.columns) == ["k", "coherence", "chosen"]
    assert table["k"].tolist() == [2, 3, 4, 5]  # 40 >= 18 units: skipped
    assert table["chosen"].sum() == 1
    assert table.loc[table["chosen"], "k"].item() == table.loc[table["coherence"].idxmax(), "k"]
    assert table.attrs["n_units"] == len(themed)
    with pytest.raises(CorpusError, match="no candidate k"):
        choose_k(themed, ks=[1, 30])


def test_choose_k_ties_and_sample(themed, monkeypatch):
    monkeypatch.setattr(topics, "npmi_coherence",
                        lambda tw, units, top_n: pd.DataFrame({"topic": [0], "coherence": [0.5]}))
    table = choose_k(themed, ks=[5, 3, 4], max_units=10)
    assert table.loc[table["chosen"], "k"].item() == 3  # all tied: the smallest k
    assert table.attrs["n_units"] == 10


@pytest.mark.parametrize("model", ["nmf", "lda"])
def test_stability(themed, model):
    table = topic_stability(themed, k=3, model=model, seeds=(3, 1, 2))
    assert list(table.columns) == ["seed", "similarity"]
    assert table["seed"].tolist() == [3, 1, 2]
    assert table["similarity"].iloc[0] == 1.0
    assert table["similarity"].between(0, 1).all()
    resampled = topic_stability(themed, k=3, model=model, seeds=(1, 2), subsample=0.8)
    assert resampled["similarity"].iloc[0] == 1.0 and resampled["similarity"].between(0, 1).all()


def test_is_stable():
    table = pd.DataFrame({"seed": [1, 2, 3], "similarity": [1.0, 0.9, 0.79]})
    assert not is_stable(table)
    assert is_stable(table, threshold=0.75)


# --------------------------------------------------------------------------- prevalence


def hand_model(unit_topics, labels=("甲", "乙")) -> TopicModel:
    return TopicModel(k=len(labels), model="nmf", vocabulary=np.array([]), components=np.zeros((len(labels), 0)),
                      unit_topics=np.array(unit_topics, dtype=float), topic_words=pd.DataFrame(),
                      labels=list(labels))


def test_prevalence_weighted_by_hand():
    # listed out of time order: the 2011 unit first
    units = make_units([["x"] * 4, ["x"] * 2, ["x"] * 6], ["2011", "2006", "2006"], doc_ids=["c", "a", "b"])
    model = hand_model([[0.25, 0.75], [1.0, 0.0], [0.5, 0.5]])
    table = topic_prevalence(model, units)
    assert list(table.columns) == ["era", "甲", "乙"]
    assert table["era"].tolist() == ["2006", "2011"]
    # 2006: units a (2 tokens, 甲 1.0) and b (6 tokens, 甲 0.5): (2*1.0 + 6*0.5) / 8 = 5/8 (unweighted: 0.75)
    assert table.iloc[0, 1:].tolist() == pytest.approx([5 / 8, 3 / 8], abs=1e-15)
    assert table.iloc[1, 1:].tolist() == pytest.approx([0.25, 0.75], abs=1e-15)
    np.testing.assert_allclose(table.iloc[:, 1:].sum(axis=1), 1)
    by_doc = topic_prevalence(model, units, by="doc_id")
    assert by_doc["doc_id"].tolist() == ["a", "b", "c"]
    assert by_doc["甲"].tolist() == pytest.approx([1.0, 0.5, 0.25])
    changes = topic_changes(table)
    assert list(changes.columns) == ["topic", "label", "first", "last", "change"]
    assert changes[["topic", "label"]].values.tolist() == [[1, "乙"], [0, "甲"]]
    assert changes["change"].tolist() == pytest.approx([0.375, -0.375])


def test_prevalence_errors(themed):
    model = fit_topics(themed, k=3)
    with pytest.raises(CorpusError, match="era '2099' has no paragraphs to model"):
        topic_prevalence(model, themed, eras=["2006", "2011", "2099"])
    with pytest.raises(CorpusError, match="group topics by"):
        topic_prevalence(model, themed, by="speaker")
    only = topic_prevalence(model, themed, eras=["2011"])
    assert only["era"].tolist() == ["2011"]
    with pytest.raises(CorpusError, match="at least two"):
        topic_changes(only)


# --------------------------------------------------------------------------- the pipeline


def test_frames_of_gives_back_the_units(themed, themed_frames):
    pd.testing.assert_frame_equal(topic_units(*themed_frames), themed)


def test_auto_topics_is_choose_k_then_fit(themed, themed_frames):
    ks = range(2, 6)
    result = auto_topics(*themed_frames, ks=ks)
    assert isinstance(result, TopicResult)
    curve = choose_k(themed, ks=ks)
    k = int(curve.loc[curve["chosen"], "k"].item())
    model = fit_topics(themed, k=k)
    pd.testing.assert_frame_equal(result.coherence, curve)
    assert result.k == result.model.k == k
    pd.testing.assert_frame_equal(result.model.topic_words, model.topic_words)
    assert np.array_equal(result.model.unit_topics, model.unit_topics)
    assert result.model.labels == model.labels
    pd.testing.assert_frame_equal(result.units, themed)
    pd.testing.assert_frame_equal(result.stability, topic_stability(themed, k=k, subsample=0.8))
    assert result.stable == is_stable(result.stability)
    prevalence = topic_prevalence(model, themed, eras=["2006", "2011", "2023"])
    pd.testing.assert_frame_equal(result.prevalence, prevalence)
    assert result.prevalence["era"].tolist() == ["2006", "2011", "2023"]  # docs were given newest first
    pd.testing.assert_frame_equal(result.changes, topic_changes(prevalence))
    assert result.topic_words["label"].tolist() == [model.labels[t] for t in model.topic_words["topic"]]


def test_auto_topics_fits_a_sample_and_measures_all(themed, themed_frames):
    result = auto_topics(*themed_frames, k=3, max_units=12, stability=False)
    sample = themed.sample(n=12, random_state=1).sort_index()
    model = fit_topics(sample, k=3)
    assert result.model.unit_keys == model.unit_keys
    pd.testing.assert_frame_equal(result.model.topic_words, model.topic_words)
    pd.testing.assert_frame_equal(result.units, themed)  # 18 speeches-worth is under the speech budget
    pd.testing.assert_frame_equal(result.prevalence, topic_prevalence(model, themed))


def test_auto_topics_given_k_and_no_stability(themed_frames):
    result = auto_topics(*themed_frames, k=3, stability=False)
    assert (result.k, result.coherence, result.stability, result.stable) == (3, None, None, None)
    assert result.describe() == "topics: NMF over 18 paragraphs, k=3 (given)"
    lda = auto_topics(*themed_frames, k=np.int64(3), model="lda", stability=False)
    assert lda.describe() == "topics: LDA over 18 paragraphs, k=3 (given)"


def test_auto_topics_describe(themed_frames):
    result = auto_topics(*themed_frames, ks=range(2, 6))
    best = result.coherence["coherence"].max()
    worst = result.stability["similarity"].min()
    verdict = "stable" if result.stable else "UNSTABLE across 80% subsamples: read the topics as exploratory"
    assert result.describe() == (f"topics: NMF over 18 paragraphs, k={result.k} by NPMI coherence ({best:.3f}); "
                                 f"stability {worst:.2f} ({verdict})")
    assert result.stability["seed"].tolist() == [1, 2, 3, 4, 5]
    seeded = auto_topics(*themed_frames, k=3, random_state=7)
    assert seeded.stability["seed"].tolist() == [7, 8, 9, 10, 11]
    assert seeded.model.random_state == 7


def test_auto_topics_deterministic(themed_frames):
    one, two = (auto_topics(*themed_frames, ks=range(2, 6)) for _ in range(2))
    for name in ("coherence", "stability", "prevalence", "changes", "units"):
        pd.testing.assert_frame_equal(getattr(one, name), getattr(two, name))
    pd.testing.assert_frame_equal(one.model.topic_words, two.model.topic_words)
    assert np.array_equal(one.model.unit_topics, two.model.unit_topics)
    assert (one.k, one.stable, one.describe()) == (two.k, two.stable, two.describe())


def test_auto_topics_one_era_has_no_changes(themed):
    one_era = themed.assign(era="2006", year=2006, doc_id="d")
    result = auto_topics(*frames_of(one_era), k=3, stability=False)
    assert result.prevalence["era"].tolist() == ["2006"] and result.changes is None


def test_auto_topics_errors(themed_frames):
    few = make_units([["工会", "职工", "服务", "维权", "劳模"], ["改革", "发展", "创新", "质量", "产业"]],
                     ["2006", "2011"])
    with pytest.raises(CorpusError, match="no candidate k fits 2 paragraphs"):
        auto_topics(*frames_of(few))
    with pytest.raises(CorpusError, match="lower k"):
        auto_topics(*frames_of(few), k=3)
    tokens, paragraphs, docs = frames_of(few)
    with pytest.raises(CorpusError, match="min_tokens"):
        auto_topics(tokens, paragraphs, docs, min_tokens=6)
    with pytest.raises(CorpusError, match="whole number or 'auto'"):
        auto_topics(*themed_frames, k="5")
    with pytest.raises(CorpusError, match="unknown topic model"):
        auto_topics(*themed_frames, model="lsa")
    with pytest.raises(CorpusError, match="era '2099' has no paragraphs"):
        auto_topics(*themed_frames, k=3, stability=False, eras=["2006", "2099"])


def test_topic_docs_samples_each_era():
    docs = pd.DataFrame({"id": [f"s{i}" for i in range(70)], "era": ["2006"] * 60 + ["2011"] * 10})
    assert topic_docs(docs, max_units=None) == docs["id"].tolist()
    assert topic_docs(docs) == docs["id"].tolist()  # 3000 // (20 * 2) = 75 speeches per era: all of them
    kept = topic_docs(docs, max_units=0)  # the floor: 50 speeches per era
    assert len(kept) == 60 and kept == [d for d in docs["id"] if d in set(kept)]
    assert sum(d in set(docs["id"][:60]) for d in kept) == 50
    assert topic_docs(docs, max_units=0) == kept
    assert topic_docs(docs, max_units=0, random_state=2) != kept


# --------------------------------------------------------------------------- the shipped corpus


def test_shipped_corpus():
    docs = clean_docs(load_docs())
    tokens = segment_docs(docs)
    paragraphs = split_paragraphs(docs)
    units = topic_units(tokens, paragraphs, docs)
    # 65 body paragraphs, 63 with at least 5 content tokens
    assert len(units) == 63
    assert units.groupby("era").size().to_dict() == {"2006": 13, "2011": 14, "2022": 8, "2023": 28}
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        table = choose_k(units)
        k = int(table.loc[table["chosen"], "k"].item())
        model = fit_topics(units, k=k)
    assert 3 <= k <= 10 and len(model.labels) == k == len(set(model.labels))
    prevalence = topic_prevalence(model, units, eras=docs["era"].unique())
    assert prevalence["era"].tolist() == ["2006", "2011", "2022", "2023"]  # three eras of a single speech
    np.testing.assert_allclose(prevalence.iloc[:, 1:].sum(axis=1), 1)
    assert len(topic_changes(prevalence)) == k

    plan_docs = clean_docs(load_docs(by="plan"))
    plan_units = topic_units(tokens, paragraphs, plan_docs)
    by_plan = topic_prevalence(model, plan_units, eras=plan_docs["era"].unique())
    assert by_plan["era"].tolist() == ["十一五", "十二五", "十四五"]
    np.testing.assert_allclose(by_plan.iloc[:, 1:].sum(axis=1), 1)
    # 十一五 and 十二五 are one speech each: the same shares as 2006 and 2011
    np.testing.assert_allclose(by_plan.iloc[:2, 1:].to_numpy(float), prevalence.iloc[:2, 1:].to_numpy(float))
    by_doc = topic_prevalence(model, units, by="doc_id")
    assert by_doc["doc_id"].tolist() == docs["id"].tolist()


# --------------------------------------------------------------------------- topics that stay put


def grow(units: pd.DataFrame, bags, era: str = "2023") -> pd.DataFrame:
    """``units`` with one more speech (of one paragraph) per bag, in ``era``."""
    n = len(units)
    more = make_units(bags, [era] * len(bags), doc_ids=[f"s{n + i:02d}" for i in range(len(bags))])
    return pd.concat([units, more.assign(para=range(n, n + len(bags)))], ignore_index=True)


UNION_BAG = ["工会", "职工", "服务", "创新", "职工", "维权", "劳模", "服务"]
MORE_BAGS = [["改革", "发展", "创新", "质量", "产业", "发展", "党建", "改革"],
             ["党建", "学习", "思想", "政治", "理论", "学习", "工会", "党建"],
             ["工会", "劳模", "维权", "服务", "职工", "劳模", "发展", "工会"]]
KS = range(2, 6)
FIRST_LABELS = ["质量·改革·创新", "政治·党建·理论", "劳模·维权·服务"]


@pytest.fixture(scope="module")
def speeches(themed) -> pd.DataFrame:
    """The themed units, each paragraph its own speech (18 speeches), so that growth can be counted."""
    return themed.assign(doc_id=[f"s{i:02d}" for i in range(len(themed))])


@pytest.fixture(scope="module")
def first(speeches) -> TopicResult:
    """A first run: no state, k chosen by coherence."""
    return auto_topics(*frames_of(speeches), ks=KS)


@pytest.fixture(scope="module")
def state(first, tmp_path_factory) -> TopicState:
    """The first run's state, written and read back."""
    folder = tmp_path_factory.mktemp("out")
    write_topic_state(first.state, folder, today="2024-05-01")
    return read_topic_state(folder)


def test_first_run_is_as_without_state(first, speeches):
    assert (first.fresh, first.how, first.k, first.model.labels) == (True, None, 3, FIRST_LABELS)
    assert first.describe() == "topics: NMF over 18 paragraphs, k=3 by NPMI coherence (0.020); stability 0.90 (stable)"
    cold = fit_topics(speeches, k=3)
    assert np.array_equal(first.state.components, cold._estimator.components_[cold._order])
    assert first.state.doc_ids == tuple(f"s{i:02d}" for i in range(18))
    assert (first.state.how, first.state.k, first.state.date) == ("coherence", 3, "")


def test_state_written_and_read_back(first, tmp_path):
    assert read_topic_state(tmp_path) is None  # no state: a first run
    paths = write_topic_state(first.state, tmp_path, today="2024-05-01")
    assert sorted(p.name for p in tmp_path.iterdir()) == [".topics.json", ".topics.npz"] == sorted(
        p.name for p in paths)
    meta = json.loads((tmp_path / ".topics.json").read_text(encoding="utf-8"))
    assert {key: meta[key] for key in ("format", "version", "k", "model", "how", "date", "n_docs")} == {
        "format": "corpus topic state", "version": 1, "k": 3, "model": "nmf", "how": "coherence",
        "date": "2024-05-01", "n_docs": 18}
    assert meta["settings"] == {"ks": [2, 3, 4, 5], "max_units": 3000, "random_state": 1, "min_tokens": 5,
                                "max_iter": None}
    with np.load(tmp_path / ".topics.npz", allow_pickle=False) as arrays:  # no pickle anywhere
        assert sorted(arrays.files) == ["components", "doc_ids", "vocabulary"]
    back = read_topic_state(tmp_path)
    assert (back.k, back.model, back.how, back.date, back.settings, back.doc_ids, back.units_sha256) == (
        3, "nmf", "coherence", "2024-05-01", meta["settings"], first.state.doc_ids, first.state.units_sha256)
    assert np.array_equal(back.components, first.state.components)  # bit for bit
    assert back.vocabulary.tolist() == first.model.vocabulary.tolist()
    pd.testing.assert_frame_equal(back.coherence, first.coherence)
    assert back.coherence.attrs == first.coherence.attrs == {"n_units": 18}
    pd.testing.assert_frame_equal(back.stability, first.stability)  # a rerun that keeps k reports it


def test_same_units_give_the_same_topics(first, speeches, state):
    again = auto_topics(*frames_of(speeches), ks=KS, previous=state)
    assert (again.fresh, again.state) == (False, state)
    assert again.describe() == ("topics: NMF over 18 paragraphs, k=3 kept from the run of 2024-05-01 (18 speeches); "
                                "same paragraphs, same topics; stability 0.90 (stable, as measured in the run of "
                                "2024-05-01)")
    pd.testing.assert_frame_equal(again.stability, first.stability)  # kept from the state, not refitted
    pd.testing.assert_frame_equal(again.model.topic_words, first.model.topic_words)
    pd.testing.assert_frame_equal(again.prevalence, first.prevalence)
    pd.testing.assert_frame_equal(again.coherence, first.coherence)  # the curve that chose k, redrawn as it was


def test_adding_one_speech_keeps_k_and_the_order(first, speeches, state):
    grown = grow(speeches, [UNION_BAG])
    # From scratch the union theme, now the largest, would become topic 0:
    assert auto_topics(*frames_of(grown), ks=KS, stability=False).model.labels == [
        "劳模·维权·服务", "质量·改革·创新", "政治·党建·理论"]
    kept = auto_topics(*frames_of(grown), ks=KS, previous=state)
    assert (kept.fresh, kept.k, kept.state) == (False, 3, state)
    assert kept.describe() == ("topics: NMF over 19 paragraphs, k=3 kept from the run of 2024-05-01 (18 speeches); "
                               "refitted from the previous topics; stability 0.90 (stable, as measured in the run "
                               "of 2024-05-01)")
    assert kept.model.labels == FIRST_LABELS
    top = kept.model.topic_words.groupby("topic")["term"].apply(list)
    assert top[0] == ["质量", "改革", "创新", "产业", "发展", "理论", "学习", "思想", "政治"]
    assert top[0] == first.model.topic_words.groupby("topic")["term"].apply(list)[0]
    assert list(kept.prevalence.columns[1:]) == FIRST_LABELS
    again = auto_topics(*frames_of(grown), ks=KS, previous=state)
    pd.testing.assert_frame_equal(again.model.topic_words, kept.model.topic_words)  # deterministic


def test_growth_beyond_the_share_chooses_k_again(speeches, state):
    grown = grow(speeches, [UNION_BAG, *MORE_BAGS])  # 4 speeches added to 18: 22 %
    result = auto_topics(*frames_of(grown), ks=KS, previous=state)
    assert (result.fresh, result.k) == (True, 2)
    assert result.describe() == ("topics: NMF over 22 paragraphs, k=2 by NPMI coherence (0.014), chosen again "
                                 "(corpus grew 22 %: 18 speeches then, 22 now); stability 0.88 (stable)")
    cold = auto_topics(*frames_of(grown), ks=KS)  # as a first run on that corpus
    pd.testing.assert_frame_equal(result.model.topic_words, cold.model.topic_words)
    assert (result.state.k, result.state.doc_ids) == (2, cold.state.doc_ids)
    lenient = auto_topics(*frames_of(grown), ks=KS, previous=state, regrow=0.25, stability=False)
    assert (lenient.fresh, lenient.k) == (False, 3)


def test_retopic_chooses_k_again(speeches, state):
    grown = grow(speeches, [UNION_BAG])
    result = auto_topics(*frames_of(grown), ks=KS, previous=state, retopic=True, stability=False)
    cold = auto_topics(*frames_of(grown), ks=KS, stability=False)
    assert result.fresh and result.describe() == (
        f"topics: NMF over 19 paragraphs, k={cold.k} by NPMI coherence (0.014), chosen again (--retopic)")
    pd.testing.assert_frame_equal(result.model.topic_words, cold.model.topic_words)


def test_given_k_refits_from_the_state(speeches, state):
    grown = grow(speeches, [UNION_BAG])
    result = auto_topics(*frames_of(grown), k=3, previous=state, stability=False)
    # the state's k was chosen by coherence; a given k=3 is the same k, so the topics still stay put
    assert not result.fresh and result.model.labels == FIRST_LABELS
    assert result.describe() == ("topics: NMF over 19 paragraphs, k=3 (given); refitted from the previous topics "
                                 "of the run of 2024-05-01 (18 speeches)")
    other = auto_topics(*frames_of(grown), k=2, previous=state, stability=False)
    assert other.fresh and other.describe() == (
        "topics: NMF over 19 paragraphs, k=2 (given), fitted afresh (k was 3 before)")


def state_like(state: TopicState, **changes) -> TopicState:
    return dataclasses.replace(state, **changes)


@pytest.mark.parametrize(("changes", "options", "why"), [
    ({}, {}, None),
    ({}, {"retopic": True}, "--retopic"),
    ({"model": "lda"}, {}, "the model changed from lda to nmf"),
    ({"settings": {"max_iter": 5}}, {}, "the topic settings changed"),
    ({"settings": "with other ks"}, {}, "the candidate ks changed"),
    ({"settings": "with other ks"}, {"auto": False, "k": 3}, None),  # a given k has no candidates
    ({"how": "given"}, {}, "k=3 was given before"),
    ({}, {"auto": False, "k": 4}, "k was 3 before"),
    ({"doc_ids": tuple("abcde")}, {"doc_ids": tuple("abcdef")}, None),  # one in five: 20 %, not more
    ({"doc_ids": tuple("abcd")}, {"doc_ids": tuple("abcdef")}, "corpus grew 50 %: 4 speeches then, 6 now"),
    ({"doc_ids": tuple("abcdef")}, {"doc_ids": tuple("abcd")}, "corpus shrank 33 %: 6 speeches then, 4 now"),
    ({"doc_ids": tuple("abcdef")}, {"doc_ids": tuple("abcdxy")}, "corpus changed 67 %: 2 speeches added, 2 removed"),
    ({"k": 18}, {}, "k=18 no longer fits 18 paragraphs"),
])
def test_why_the_state_is_set_aside(state, changes, options, why):
    if changes.get("settings") == "with other ks":
        changes["settings"] = state.settings | {"ks": [3, 4]}
    elif "settings" in changes:
        changes["settings"] = state.settings | changes["settings"]
    previous = state_like(state, **changes)
    settings = state.settings
    kwargs = {"auto": True, "k": "auto", "model": "nmf", "settings": settings, "doc_ids": previous.doc_ids,
              "n_units": 18, "retopic": False, "regrow": topics.REGROW_SHARE} | options
    assert topics._why_afresh(previous, **kwargs) == why


def test_fit_from_a_start_keeps_its_order(themed):
    fresh = fit_topics(themed, k=3)
    backwards = dataclasses.replace(fresh, components=fresh.components[::-1])
    for model in ("nmf", "lda"):  # NMF starts from it; LDA is matched to it afterwards
        plain = fit_topics(themed, k=3, model=model)
        started = fit_topics(themed, k=3, model=model, start=backwards)
        assert sorted(started.labels) == sorted(plain.labels)
        np.testing.assert_allclose(started.components.sum(axis=1), 1)
    nmf = fit_topics(themed, k=3, start=backwards)
    assert nmf.labels == fresh.labels[::-1]
    assert np.allclose(nmf.shares(themed).sum(axis=1), 1)
    with pytest.raises(CorpusError, match="cannot start 2 topics from 3 earlier topics; give k=3"):
        fit_topics(themed, k=2, start=fresh)


def themes_of(labels) -> list[str]:
    """The theme of each topic label, by its first word."""
    return [next(name for name, words in THEMES.items() if label.split("·")[0] in words) for label in labels]


def test_lda_refit_is_matched_to_the_previous_topics(speeches):
    first = auto_topics(*frames_of(speeches), k=3, model="lda", stability=False)
    assert themes_of(first.model.labels) == ["union", "party", "economy"]
    grown = grow(speeches, [UNION_BAG])
    assert themes_of(fit_topics(grown, k=3, model="lda").labels) == ["union", "economy", "party"]  # from scratch
    kept = auto_topics(*frames_of(grown), k=3, model="lda", previous=first.state, stability=False)
    assert not kept.fresh and themes_of(kept.model.labels) == ["union", "party", "economy"]
    assert kept.describe() == ("topics: LDA over 19 paragraphs, k=3 (given); refitted, matched to the previous "
                               "topics of an earlier run (18 speeches)")
    shuffled = dataclasses.replace(first.state, components=first.state.components[[2, 0, 1]])
    again = auto_topics(*frames_of(grown), k=3, model="lda", previous=shuffled, stability=False)
    assert themes_of(again.model.labels) == ["economy", "union", "party"]


def corrupt(folder, what: str) -> None:
    """Damage the state in ``folder`` in one way."""
    json_path, npz_path = folder / ".topics.json", folder / ".topics.npz"
    meta = json.loads(json_path.read_text(encoding="utf-8"))
    if what == "not json":
        json_path.write_bytes(b"\xff{ half a file")
    elif what == "foreign":
        json_path.write_text('{"name": "another program", "version": 3}', encoding="utf-8")
    elif what == "newer":
        json_path.write_text(json.dumps(meta | {"version": 2}), encoding="utf-8")
    elif what == "flipped bytes":
        data = bytearray(npz_path.read_bytes())
        data[200:204] = b"\x00\xff\x00\xff"
        npz_path.write_bytes(bytes(data))
    elif what == "no arrays":
        npz_path.unlink()
    elif what in ("pickled", "wrong shape", "negative"):
        with np.load(npz_path, allow_pickle=False) as arrays:
            parts = dict(arrays)
        if what == "pickled":
            parts["vocabulary"] = parts["vocabulary"].astype(object)
        elif what == "wrong shape":
            parts["components"] = parts["components"][:, :-1]
        else:
            parts["components"] = -parts["components"]
        buffer = io.BytesIO()
        np.savez(buffer, **parts)
        npz_path.write_bytes(buffer.getvalue())  # and a matching checksum: only the content is wrong
        json_path.write_text(json.dumps(meta | {"arrays_sha256": hashlib.sha256(buffer.getvalue()).hexdigest()}),
                             encoding="utf-8")
    elif what == "missing key":
        json_path.write_text(json.dumps({k: v for k, v in meta.items() if k != "settings"}), encoding="utf-8")


@pytest.mark.parametrize(("what", "why"), [
    ("not json", "'utf-8' codec can't decode byte 0xff in position 0: invalid start byte"),
    ("foreign", "not a topic state of corpus"),
    ("newer", "state version 2, but this corpus reads version 1"),
    ("flipped bytes", ".topics.npz does not match it (damaged, or from another run)"),
    ("no arrays", ".topics.npz is missing"),
    ("pickled", "Object arrays cannot be loaded when allow_pickle=False"),
    ("wrong shape", "its topic-word matrix is (3, 14), not 3 topics × 15 terms"),
    ("negative", "its topic-word matrix has negative, missing or all-zero weights"),
    ("missing key", "it lacks settings"),
])
def test_a_corrupt_or_foreign_state_is_ignored(first, speeches, tmp_path, what, why):
    write_topic_state(first.state, tmp_path, today="2024-05-01")
    corrupt(tmp_path, what)
    with pytest.raises(CorpusError) as caught:
        read_topic_state(tmp_path)
    assert str(caught.value) == f"ignoring {tmp_path / '.topics.json'}: {why}; the topics are chosen afresh"


def test_report_flag_retopic(monkeypatch, tmp_path):
    from corpus import cli, report

    calls = []
    monkeypatch.setattr(report, "build_report", lambda data, **kwargs: calls.append(kwargs) or [])
    for argv in (["report", "--data", str(tmp_path)], ["report", "--data", str(tmp_path), "--retopic"]):
        assert cli.main(argv) == 0
    # --retopic redoes an up-to-date report too
    assert [(c["retopic"], c["force"]) for c in calls] == [(False, False), (True, True)]


@pytest.mark.slow
def test_report_keeps_its_topics_and_survives_a_damaged_state(tmp_path):
    from corpus.report import build_report

    out, lines = tmp_path / "out", []
    build_report(out_dir=out, figure_worker=False, log=lines.append)
    first = (out / "topic_words.csv").read_bytes()
    assert read_topic_state(out).k == int(json.loads((out / ".topics.json").read_text(encoding="utf-8"))["k"])
    (out / ".topics.json").write_text("{}", encoding="utf-8")
    lines.clear()
    build_report(out_dir=out, figure_worker=False, log=lines.append, force=True)
    assert f"ignoring {out / '.topics.json'}: not a topic state of corpus; the topics are chosen afresh" in lines
    assert (out / "topic_words.csv").read_bytes() == first and read_topic_state(out) is not None
    lines.clear()
    build_report(out_dir=out, figure_worker=False, log=lines.append, force=True)
    assert any("kept from the run of" in line and "same paragraphs, same topics" in line for line in lines)
    assert (out / "topic_words.csv").read_bytes() == first
