"""Topic models over paragraphs: which themes each era speaks about, and how they shift.

A topic model over a handful of whole speeches is meaningless, so the units
are **body paragraphs**, each tagged with its speech and era. Pure functions;
no printing, no plotting, and no I/O but the two that keep a report's topics
between runs (:func:`read_topic_state`, :func:`write_topic_state`). Every fit
is seeded (``random_state``).

Frames in:

- the **tokens frame** of :func:`corpus.segment.segment_docs`: ``doc_id, para,
  pos, token, is_stop`` (content tokens are ``~is_stop``), or its counts per paragraph
  (:class:`corpus.segment.DocTermCounts`, what the report uses);
- the **paragraphs frame** of :func:`corpus.clean.split_paragraphs`: ``doc_id,
  section, heading, para, kind, text, n_han`` (only ``kind == "body"`` is used);
- the **docs frame** of :func:`corpus.load.load_docs`: ``id, year, era, ...``.

Frames out:

- :func:`topic_units` -> **units frame**, one row per body paragraph with
  enough content tokens: ``doc_id, para, era, year, n_tokens, tokens``
  (``tokens`` a list of content tokens in text order). Speeches in year
  order, paragraphs in text order.
- :func:`fit_topics` -> a :class:`TopicModel`; its ``topic_words`` frame has
  one row per (topic, rank): ``topic, rank, term, weight``.
- :func:`npmi_coherence` -> one row per topic: ``topic, coherence``.
- :func:`choose_k` -> one row per candidate k: ``k, coherence, chosen``.
- :func:`topic_stability` -> one row per seed: ``seed, similarity``.
- :func:`topic_prevalence` -> one row per era (or speech): the group column
  (``era`` or ``doc_id``), then one column per topic label; rows sum to 1.
- :func:`topic_changes` -> one row per topic: ``topic, label, first, last, change``.
- :func:`auto_topics` -> a :class:`TopicResult`: the whole pipeline (speech
  sample, units, k, fit, stability, prevalence, changes) in one call, the one
  the report, the command line and the notebook share.

Topics that stay put: a :class:`TopicState` (k, how it was set, the fitted
topic-word matrix and vocabulary, the speeches) is what a report keeps in its
output folder (``.topics.json`` beside ``.topics.npz``, no pickle). Given it,
:func:`auto_topics` keeps k and refits from those topics in their order, until
``retopic=True`` or the speeches change by more than :data:`REGROW_SHARE`
(20 %) since k was chosen; then k is chosen again as in a first run.

Topics are numbered from 0, largest first (by their token-weighted share of
all units). Problems a user can fix raise :class:`~corpus.errors.CorpusError`
with a one-line message.
"""

from __future__ import annotations

import datetime
import hashlib
import io
import json
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.optimize import linear_sum_assignment
from sklearn.decomposition import NMF, LatentDirichletAllocation, non_negative_factorization
from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer

from . import config
from .errors import CorpusError
from .files import write_bytes_atomic
from .periods import ordered_eras
from .segment import DocTermCounts

MODELS = config.TOPIC_MODELS
UNIT_COLUMNS = ("doc_id", "para", "era", "year", "n_tokens", "tokens")
TOPIC_WORD_COLUMNS = ("topic", "rank", "term", "weight")
CHANGE_COLUMNS = ("topic", "label", "first", "last", "change")
# Iterations when ``max_iter`` is not given. NMF stops earlier once it meets
# its tolerance (it converges on the shipped corpus in well under 1000);
# batch LDA always runs all of them.
DEFAULT_MAX_ITER = {"nmf": 1000, "lda": 50}
LABEL_WORDS = 3
LABEL_SEPARATOR = "·"
GROUPINGS = ("era", "doc_id")


def _identity(tokens):
    """Analyzer for pre-segmented text: the token list itself (module level, so it pickles)."""
    return tokens


# --------------------------------------------------------------------------- units


def topic_units(
    tokens: pd.DataFrame,
    paragraphs: pd.DataFrame,
    docs: pd.DataFrame,
    *,
    min_tokens: int = 5,
) -> pd.DataFrame:
    """The units of the topic model: body paragraphs as lists of content tokens.

    Parameters
    ----------
    tokens : pandas.DataFrame or corpus.segment.DocTermCounts
        The tokens frame (``doc_id, para, pos, token, is_stop``), or the same counted
        (:func:`corpus.segment.count_docs`: a paragraph's tokens then come in vocabulary order).
    paragraphs : pandas.DataFrame
        The paragraphs frame of the same docs (``doc_id, para, kind``).
    docs : pandas.DataFrame
        The docs frame (``id, year, era``).
    min_tokens : int, default 5
        Keep paragraphs with at least this many content tokens.

    Returns
    -------
    pandas.DataFrame
        The units frame ``doc_id, para, era, year, n_tokens, tokens``, index reset.

    Raises
    ------
    CorpusError
        If no body paragraph has ``min_tokens`` content tokens.
    """
    bags = _bags(tokens)
    body = paragraphs.loc[paragraphs["kind"] == "body", ["doc_id", "para"]]
    meta = docs[["id", "era", "year"]].rename(columns={"id": "doc_id"}).astype({"era": str})
    units = body.merge(bags, on=["doc_id", "para"]).merge(meta, on="doc_id")
    units["n_tokens"] = units["tokens"].map(len).astype(int)
    units = units[units["n_tokens"] >= min_tokens]
    if units.empty:
        raise CorpusError(
            f"no body paragraph has {min_tokens} or more content tokens; lower min_tokens or check the segmentation")
    units = units.sort_values(["year", "doc_id", "para"], kind="stable")
    return units.loc[:, list(UNIT_COLUMNS)].reset_index(drop=True)


def _bags(tokens: pd.DataFrame | DocTermCounts) -> pd.DataFrame:
    """``doc_id, para, tokens``: each paragraph's content tokens, in text order from a tokens frame, in vocabulary
    order from counts (a topic model counts them, so the order never changes a topic)."""
    if not isinstance(tokens, DocTermCounts):
        content = tokens.loc[~tokens["is_stop"], ["doc_id", "para", "pos", "token"]].sort_values(
            ["doc_id", "para", "pos"], kind="stable")
        return content.groupby(["doc_id", "para"], sort=False)["token"].agg(list).rename("tokens").reset_index()
    if np.any(tokens.row_para < 0):
        raise ValueError("counts of speeches counted whole have no paragraphs: count them with paragraphs_of "
                         "holding the speeches topics are estimated from (topic_docs)")
    matrix = tokens.matrix.copy()
    matrix.data[tokens.is_stop[matrix.indices]] = 0
    matrix.eliminate_zeros()
    words = np.asarray(tokens.vocabulary.to_pylist(), dtype=object)
    flat = words[np.repeat(matrix.indices, matrix.data)]
    lengths = np.asarray(matrix.sum(axis=1)).ravel().astype(np.int64)
    rows = np.flatnonzero(lengths)
    bags = [part.tolist() for part in np.split(flat, np.cumsum(lengths[rows])[:-1])] if len(rows) else []
    doc = tokens.row_doc[rows]
    doc_id = (pd.Categorical.from_codes(doc, categories=pd.Index(tokens.ids, dtype="str"))  # as the tokens frame's
              if len(set(tokens.ids)) == len(tokens.ids) else np.asarray(tokens.ids, dtype=object)[doc])
    return pd.DataFrame({"doc_id": doc_id, "para": tokens.row_para[rows], "tokens": bags})


def _unit_keys(units: pd.DataFrame) -> tuple[tuple[str, int], ...]:
    return tuple(zip(units["doc_id"].astype(str), units["para"].astype(int), strict=True))


# --------------------------------------------------------------------------- fitting


@dataclass(frozen=True, eq=False)
class TopicModel:
    """A fitted topic model and what it says about its units.

    Attributes
    ----------
    k : int
        Number of topics.
    model : {"nmf", "lda"}
    vocabulary : numpy.ndarray of str
        The terms (columns of ``components``), in the vectoriser's order.
    components : numpy.ndarray, shape (k, V)
        Topic-word weights; each row sums to 1.
    unit_topics : numpy.ndarray, shape (n_units, k)
        Topic shares of each unit (rows of the units frame it was fitted on);
        each row sums to 1. An NMF unit with no weight at all (none of its
        words in the vocabulary) gets 1/k everywhere.
    topic_words : pandas.DataFrame
        ``topic, rank, term, weight``: the ``top_n`` terms of each topic by
        weight (ties by term), ``rank`` from 1, ``weight`` from ``components``.
    labels : list of str
        One name per topic, its top 3 terms joined by "·" ("职工·工会·服务");
        a label already taken gets " #<topic>" appended.
    unit_keys : tuple of (doc_id, para)
        The units the model was fitted on, in the order of ``unit_topics``;
        empty for a model built by hand (then units are matched by position).
    random_state : int or None
    """

    k: int
    model: str
    vocabulary: np.ndarray
    components: np.ndarray
    unit_topics: np.ndarray
    topic_words: pd.DataFrame
    labels: list[str]
    unit_keys: tuple = ()
    random_state: int | None = None
    _vectorizer: object = field(default=None, repr=False)
    _tfidf: object = field(default=None, repr=False)
    _estimator: object = field(default=None, repr=False)
    _order: np.ndarray | None = field(default=None, repr=False)

    def transform(self, units: pd.DataFrame) -> np.ndarray:
        """Topic shares (rows sum to 1) of any units frame, fitted or new.

        Raises
        ------
        CorpusError
            For a model built by hand, which has no fitted estimator.
        """
        if self._estimator is None:
            raise CorpusError("this topic model was not fitted by fit_topics, so it cannot transform new units")
        counts = self._vectorizer.transform(units["tokens"].tolist())
        matrix = self._tfidf.transform(counts) if self._tfidf is not None else counts
        return _normalise_rows(self._estimator.transform(matrix)[:, self._order])

    def shares(self, units: pd.DataFrame) -> np.ndarray:
        """``unit_topics`` when ``units`` are the fitted units, else :meth:`transform`."""
        if self.unit_keys and _unit_keys(units) == self.unit_keys:
            return self.unit_topics
        if not self.unit_keys and len(units) == len(self.unit_topics):
            return self.unit_topics
        return self.transform(units)


def _normalise_rows(matrix: np.ndarray) -> np.ndarray:
    """Rows scaled to sum to 1; an all-zero row becomes uniform."""
    matrix = np.asarray(matrix, dtype=float)
    totals = matrix.sum(axis=1, keepdims=True)
    uniform = np.full_like(matrix, 1 / matrix.shape[1])
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(totals > 0, matrix / np.where(totals > 0, totals, 1), uniform)


def _check_model(model: str) -> str:
    if model not in MODELS:
        raise CorpusError(f"unknown topic model {model!r}; use one of {', '.join(MODELS)}")
    return model


def _check_k(k, n_units: int) -> int:
    if not isinstance(k, (int, np.integer)) or isinstance(k, bool) or k < 2:
        raise CorpusError(f"k must be an integer of at least 2 topics, not {k!r}")
    if k >= n_units:
        raise CorpusError(f"k={k} topics needs more than {k} paragraphs, but there are {n_units}; lower k")
    return int(k)


def _top_terms(row: np.ndarray, vocabulary: np.ndarray, top_n: int) -> list[int]:
    """Indices of the ``top_n`` largest positive weights, ties broken by term."""
    positive = np.flatnonzero(row > 0)
    return sorted(positive, key=lambda j: (-row[j], vocabulary[j]))[:top_n]


def _labels(top: list[list[str]]) -> list[str]:
    labels: list[str] = []
    for topic, terms in enumerate(top):
        label = LABEL_SEPARATOR.join(terms[:LABEL_WORDS]) or f"topic {topic}"
        labels.append(f"{label} #{topic}" if label in labels else label)
    return labels


# A zero of a starting topic-word matrix starts at this share of the matrix's mean weight: small, but not
# zero, so that a word new to the corpus can join a topic.
START_FLOOR = 1e-3


def _start_matrix(start, vocabulary: np.ndarray) -> np.ndarray:
    """``start``'s topic-word matrix on ``vocabulary`` (float64), every zero raised to the floor."""
    old = np.asarray(start.components, dtype=float)
    where = pd.Index(np.asarray(start.vocabulary).astype(str)).get_indexer(vocabulary.astype(str))
    matrix = np.zeros((len(old), len(vocabulary)))
    matrix[:, where >= 0] = old[:, where[where >= 0]]
    positive = matrix[matrix > 0]
    floor = START_FLOOR * (positive.mean() if positive.size else 1.0)
    return np.maximum(matrix, floor)


def _unit_rows(matrix: np.ndarray) -> np.ndarray:
    """Rows scaled to length 1 (an all-zero row stays zero)."""
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.where(norms > 0, norms, 1)


def _partners(components: np.ndarray, vocabulary: np.ndarray, start) -> np.ndarray:
    """For each of ``start``'s topics in order, the new topic paired with it (Hungarian on cosine)."""
    union = np.union1d(vocabulary.astype(str), np.asarray(start.vocabulary).astype(str))
    new = np.zeros((len(components), len(union)))
    new[:, np.searchsorted(union, vocabulary.astype(str))] = components
    old = np.zeros_like(new)
    old[:, np.searchsorted(union, np.asarray(start.vocabulary).astype(str))] = start.components
    cosine = _unit_rows(old) @ _unit_rows(new).T
    rows, cols = linear_sum_assignment(cosine, maximize=True)
    return cols[np.argsort(rows)]


# The last units vectorised: choosing k, the fit and its stability fit ~20 models to one sample, and vectorising it
# each time took 1.1 s of 7.6 s (1,000 speeches). Keyed by the bags' content, so other units never match.
_VECTORIZED: dict[bytes, tuple[CountVectorizer, sparse.csr_matrix]] = {}


def _vectorized(units: pd.DataFrame) -> tuple[CountVectorizer, sparse.csr_matrix]:
    """The units' term counts (``CountVectorizer(analyzer=identity, min_df=2)``) and the fitted vectorizer."""
    bags = units["tokens"].tolist()
    digest = hashlib.sha256(repr(bags).encode()).digest()
    if digest not in _VECTORIZED:
        vectorizer = CountVectorizer(analyzer=_identity, min_df=2)
        counts = vectorizer.fit_transform(bags)
        _VECTORIZED.clear()
        _VECTORIZED[digest] = vectorizer, counts
    return _VECTORIZED[digest]


def fit_topics(
    units: pd.DataFrame,
    *,
    k: int,
    model: str = "nmf",
    random_state: int = config.SEED,
    top_n: int = 10,
    max_iter: int | None = None,
    start: TopicState | TopicModel | None = None,
) -> TopicModel:
    """Fit NMF or LDA over the units' content tokens.

    The vocabulary is every term in at least two units
    (``CountVectorizer(analyzer=identity, min_df=2)``: tokens are taken as
    segmented, so one-character words such as 党 are kept). NMF
    (``init="nndsvda"``, coordinate descent) factorises the TF-IDF matrix;
    LDA (``learning_method="batch"``) models the raw counts.

    With ``start``, the topics keep the identity and the order of an earlier
    fit. NMF starts from it (``init="custom"``): H is ``start``'s topic-word
    matrix on the new vocabulary, with every zero (a new word, or one the
    topic did not use) at :data:`START_FLOOR` of its mean weight so that it
    can still grow, and W solves the units for that H. LDA has no such start
    in scikit-learn, so it is fitted as without ``start``. Either way the new
    topics are then paired one-to-one with ``start``'s (Hungarian matching
    on topic-word cosine) and numbered as their partners, not by size.

    Parameters
    ----------
    units : pandas.DataFrame
        A units frame (:func:`topic_units`).
    k : int
        Number of topics, at least 2 and fewer than the units.
    model : {"nmf", "lda"}
    random_state : int
        Seed of the NMF initialisation (randomised SVD) or of LDA.
    top_n : int, default 10
        Terms per topic in ``topic_words``.
    max_iter : int, optional
        Iteration cap; default :data:`DEFAULT_MAX_ITER` (NMF 1000, LDA 50).
        If NMF stops at the cap before its tolerance, scikit-learn's
        ``ConvergenceWarning`` is passed on unchanged: raise ``max_iter``.
    start : TopicState or TopicModel, optional
        Earlier topics (``k`` of them, with ``vocabulary`` and ``components``) to start from.

    Returns
    -------
    TopicModel
        Topics renumbered largest first (token-weighted share of the units),
        or, with ``start``, in the order of their partners in ``start``.

    Raises
    ------
    CorpusError
        For an unknown model, ``k < 2`` or ``k`` not below the number of
        units, no term in two units, or a ``start`` with another k.
    """
    model = _check_model(model)
    k = _check_k(k, len(units))
    if start is not None and start.k != k:
        raise CorpusError(f"cannot start {k} topics from {start.k} earlier topics; give k={start.k}")
    try:
        vectorizer, counts = _vectorized(units)
    except ValueError:  # "After pruning, no terms remain"
        raise CorpusError("no term occurs in two or more paragraphs; a topic model needs more text") from None
    vocabulary = vectorizer.get_feature_names_out()
    iterations = DEFAULT_MAX_ITER[model] if max_iter is None else int(max_iter)
    tfidf = None
    if model == "nmf" and start is not None:
        tfidf = TfidfTransformer().fit(counts)
        matrix = tfidf.transform(counts)
        h = _start_matrix(start, vocabulary)
        w, _, _ = non_negative_factorization(matrix, H=h, n_components=k, init="custom", update_H=False,
                                             max_iter=iterations, random_state=random_state)
        if not w.max() > 0:  # NMF refuses an all-zero start
            w = np.full_like(w, START_FLOOR)
        estimator = NMF(n_components=k, init="custom", max_iter=iterations, random_state=random_state)
        weights = estimator.fit_transform(matrix, W=w, H=h)
    elif model == "nmf":
        tfidf = TfidfTransformer().fit(counts)
        estimator = NMF(n_components=k, init="nndsvda", max_iter=iterations, random_state=random_state)
        weights = estimator.fit_transform(tfidf.transform(counts))
    else:
        estimator = LatentDirichletAllocation(
            n_components=k, learning_method="batch", max_iter=iterations, random_state=random_state)
        weights = estimator.fit_transform(counts)
    shares = _normalise_rows(weights)
    if start is None:
        size = units["n_tokens"].to_numpy(float) @ shares
        order = np.argsort(-size, kind="stable")
    else:
        order = _partners(estimator.components_, vocabulary, start)
    shares = shares[:, order]
    components = _normalise_rows(estimator.components_[order])
    top = [_top_terms(row, vocabulary, top_n) for row in components]
    topic_words = pd.DataFrame(
        [(t, rank, str(vocabulary[j]), float(components[t, j]))
         for t, best in enumerate(top) for rank, j in enumerate(best, start=1)],
        columns=list(TOPIC_WORD_COLUMNS),
    )
    labels = _labels([[str(vocabulary[j]) for j in best] for best in top])
    return TopicModel(
        k=k, model=model, vocabulary=vocabulary, components=components, unit_topics=shares,
        topic_words=topic_words, labels=labels, unit_keys=_unit_keys(units), random_state=random_state,
        _vectorizer=vectorizer, _tfidf=tfidf, _estimator=estimator, _order=order,
    )


# --------------------------------------------------------------------------- coherence and k


def _occurrence(units: pd.DataFrame, words: Sequence[str]) -> sparse.csr_matrix:
    """Boolean units × words matrix: does the unit contain the word."""
    index = pd.Series(np.arange(len(words)), index=pd.Index(words, dtype=object))
    exploded = units["tokens"].reset_index(drop=True).explode()
    cols = exploded.map(index)
    hit = cols.notna().to_numpy()
    pairs = np.unique(np.column_stack([exploded.index.to_numpy()[hit], cols.to_numpy()[hit].astype(int)]), axis=0)
    data = np.ones(len(pairs), dtype=float)
    return sparse.csr_matrix((data, (pairs[:, 0], pairs[:, 1])) if len(pairs) else data,
                             shape=(len(units), len(words)))


def npmi_coherence(
    topic_words: pd.DataFrame,
    units: pd.DataFrame,
    *,
    top_n: int = 10,
    eps: float = 1e-12,
) -> pd.DataFrame:
    """C_NPMI coherence of each topic (Röder, Both & Hinneburg 2015), paragraphs as windows.

    For each pair of the topic's ``top_n`` terms, with P(w) the share of
    units containing w and P(wi, wj) the share containing both::

        NPMI = log((P(wi, wj) + eps) / (P(wi) P(wj))) / -log(P(wi, wj) + eps)

    and the topic's coherence is the mean over all unordered pairs. Two
    limits are set explicitly: a pair whose words are in every unit scores 1
    (the formula gives 0/0 there), and a pair with a word absent from the
    units scores -1 (it never co-occurs).

    Parameters
    ----------
    topic_words : pandas.DataFrame
        ``topic, rank, term`` (as in :attr:`TopicModel.topic_words`).
    units : pandas.DataFrame
        The units whose co-occurrences are counted (a ``tokens`` column).
    top_n : int, default 10
        Terms per topic, by ``rank``.
    eps : float
        Smoothing of the joint probability.

    Returns
    -------
    pandas.DataFrame
        ``topic, coherence`` in topic order; NaN for a topic with fewer than two terms.
    """
    if units.empty:
        raise CorpusError("no paragraphs to measure coherence on")
    ranked = topic_words.sort_values(["topic", "rank"], kind="stable")
    top = {t: list(g["term"])[:top_n] for t, g in ranked.groupby("topic", sort=True)}
    words = list(dict.fromkeys(w for terms in top.values() for w in terms))
    occurs = _occurrence(units, words)
    n = occurs.shape[0]
    p = np.asarray(occurs.sum(axis=0)).ravel() / n
    joint = (occurs.T @ occurs).toarray() / n
    with np.errstate(divide="ignore", invalid="ignore"):
        npmi = np.log((joint + eps) / np.outer(p, p)) / -np.log(joint + eps)
    npmi[np.outer(p, p) == 0] = -1.0
    npmi[joint >= 1] = 1.0
    position = {w: i for i, w in enumerate(words)}
    rows = []
    for topic, terms in top.items():
        idx = [position[w] for w in terms]
        i, j = np.triu_indices(len(idx), k=1)
        values = npmi[np.asarray(idx)[i], np.asarray(idx)[j]] if len(i) else np.array([])
        rows.append((topic, float(values.mean()) if len(values) else np.nan))
    return pd.DataFrame(rows, columns=["topic", "coherence"])


def _sample(units: pd.DataFrame, max_units: int, random_state: int) -> pd.DataFrame:
    if len(units) <= max_units:
        return units
    return units.sample(n=max_units, random_state=random_state).sort_index()


def choose_k(
    units: pd.DataFrame,
    *,
    ks: Iterable[int] = range(3, 11),
    model: str = "nmf",
    random_state: int = config.SEED,
    max_units: int = config.TOPIC_SAMPLE,
    top_n: int = 10,
    max_iter: int | None = None,
) -> pd.DataFrame:
    """Mean NPMI coherence for each number of topics; the most coherent k is chosen.

    Parameters
    ----------
    units : pandas.DataFrame
        A units frame.
    ks : iterable of int
        Candidates; those that :func:`fit_topics` would refuse (below 2, or
        not below the number of units) are skipped.
    model : {"nmf", "lda"}
    random_state : int
        Seed of the fits and of the sample.
    max_units : int, default :data:`corpus.config.TOPIC_SAMPLE`
        Fit and measure on a seeded random sample of at most this many units
        (in their original order), so that the search stays quick on large corpora.
    top_n : int, default 10
        Terms per topic whose coherence is measured.
    max_iter : int, optional
        Passed to :func:`fit_topics`.

    Returns
    -------
    pandas.DataFrame
        ``k, coherence, chosen`` in increasing k; ``chosen`` is True for the
        highest coherence (ties: the smaller k). ``attrs["n_units"]`` is the
        sample size.

    Raises
    ------
    CorpusError
        For an unknown model, or when no candidate k fits the number of units.
    """
    _check_model(model)
    sample = _sample(units, max_units, random_state)
    candidates = sorted({int(k) for k in ks if 2 <= k < len(sample)})
    if not candidates:
        raise CorpusError(f"no candidate k fits {len(sample)} paragraphs; give ks between 2 and {len(sample) - 1}")
    rows = []
    for k in candidates:
        fitted = fit_topics(sample, k=k, model=model, random_state=random_state, top_n=top_n, max_iter=max_iter)
        coherence = npmi_coherence(fitted.topic_words, sample, top_n=top_n)["coherence"].mean()
        rows.append((k, float(coherence)))
    table = pd.DataFrame(rows, columns=["k", "coherence"])
    table["chosen"] = False
    table.loc[int(np.argmax(table["coherence"].to_numpy())), "chosen"] = True
    table.attrs["n_units"] = len(sample)
    return table


# --------------------------------------------------------------------------- stability


def _on_vocabulary(fitted: TopicModel, vocabulary: np.ndarray) -> np.ndarray:
    """The model's components re-indexed on a (larger) vocabulary, zeros elsewhere."""
    matrix = np.zeros((fitted.k, len(vocabulary)))
    matrix[:, np.searchsorted(vocabulary, fitted.vocabulary.astype(str))] = fitted.components
    return matrix


def _matched_similarity(a: np.ndarray, b: np.ndarray) -> float:
    """Mean cosine of topics of ``a`` and ``b`` paired one-to-one to maximise the total."""
    a = a / np.linalg.norm(a, axis=1, keepdims=True)
    b = b / np.linalg.norm(b, axis=1, keepdims=True)
    cosine = a @ b.T
    rows, cols = linear_sum_assignment(cosine, maximize=True)
    return float(np.clip(cosine[rows, cols].mean(), 0.0, 1.0))


def topic_stability(
    units: pd.DataFrame,
    *,
    k: int,
    model: str = "nmf",
    seeds: Sequence[int] = (1, 2, 3, 4, 5),
    subsample: float | None = None,
    max_iter: int | None = None,
) -> pd.DataFrame:
    """How much the topics change with the seed: best-match cosine against the first seed.

    Each seed's topic-word vectors are paired one-to-one with the first
    seed's (Hungarian matching, ``scipy.optimize.linear_sum_assignment``)
    and the matched cosines averaged.

    With NMF the seed only enters the randomised SVD of the nndsvda
    initialisation, which is close to exact, so NMF is nearly always stable
    in this sense. ``subsample`` makes the check harder: each seed (the first
    too) fits a seeded random share of the units, so that the test is
    whether the topics survive a change of data.

    Parameters
    ----------
    units : pandas.DataFrame
        A units frame.
    k : int
    model : {"nmf", "lda"}
    seeds : sequence of int
        At least one; the first is the reference.
    subsample : float, optional
        Share of the units (0 < subsample <= 1) each fit sees.
    max_iter : int, optional
        Passed to :func:`fit_topics`.

    Returns
    -------
    pandas.DataFrame
        ``seed, similarity`` in the order of ``seeds``; in [0, 1], the first row 1.0.
    """
    _check_model(model)
    seeds = [int(s) for s in seeds]
    if not seeds:
        raise CorpusError("give at least one seed")
    if subsample is not None and not 0 < subsample <= 1:
        raise CorpusError(f"subsample must be a share in (0, 1], not {subsample!r}")
    fits = []
    for seed in seeds:
        data = units if subsample is None else units.sample(frac=subsample, random_state=seed).sort_index()
        fits.append(fit_topics(data, k=k, model=model, random_state=seed, max_iter=max_iter))
    vocabulary = np.unique(np.concatenate([f.vocabulary for f in fits]).astype(str))
    reference = _on_vocabulary(fits[0], vocabulary)
    similarity = [1.0] + [_matched_similarity(reference, _on_vocabulary(f, vocabulary)) for f in fits[1:]]
    return pd.DataFrame({"seed": seeds, "similarity": similarity})


def is_stable(stability: pd.DataFrame, *, threshold: float = 0.8) -> bool:
    """True when every seed's similarity (the worst one) reaches ``threshold``."""
    return bool(stability["similarity"].min() >= threshold)


# --------------------------------------------------------------------------- prevalence


def topic_prevalence(
    model: TopicModel,
    units: pd.DataFrame,
    *,
    by: str = "era",
    eras: Iterable[str] | None = None,
) -> pd.DataFrame:
    """Share of each topic in each era (or speech), weighted by paragraph length.

    A group's share of topic t is ``sum(n_tokens * theta_t) / sum(n_tokens)``
    over its units, so a long paragraph counts for more than a short one.

    Parameters
    ----------
    model : TopicModel
        A fitted model; units it was not fitted on are transformed.
    units : pandas.DataFrame
        A units frame.
    by : {"era", "doc_id"}
        One row per era, or per speech.
    eras : iterable of str, optional
        The eras expected (for example ``docs["era"].unique()``): only their
        units are used and each must have some. Default: the eras present.

    Returns
    -------
    pandas.DataFrame
        The group column, then one column per topic label (topic order);
        rows sum to 1 and are ordered by year (an era by its first year).

    Raises
    ------
    CorpusError
        For an unknown ``by``, or an expected era without units.
    """
    if by not in GROUPINGS:
        raise CorpusError(f"cannot group topics by {by!r}; use one of {', '.join(GROUPINGS)}")
    shares = model.shares(units)
    frame = pd.DataFrame(shares * units["n_tokens"].to_numpy(float)[:, None], columns=list(model.labels))
    frame.insert(0, "_weight", units["n_tokens"].to_numpy(float))
    frame.insert(0, "_year", units["year"].to_numpy())
    frame.insert(0, "_era", units["era"].astype(str).to_numpy())
    frame.insert(0, "_doc", units["doc_id"].astype(str).to_numpy())
    if eras is not None:
        eras = [str(e) for e in eras]
        present = set(frame["_era"])
        for era in eras:
            if era not in present:
                raise CorpusError(
                    f"era {era!r} has no paragraphs to model; lower min_tokens or add speeches with body text")
        frame = frame[frame["_era"].isin(eras)]
    key = "_era" if by == "era" else "_doc"
    grouped = frame.groupby(key, sort=False)
    sums = grouped[list(model.labels)].sum()
    table = sums.div(grouped["_weight"].sum(), axis=0)
    order = grouped["_year"].min().reset_index().sort_values(["_year", key], kind="stable")[key]
    table = table.loc[order.to_numpy()]
    table.index.name = by
    return table.reset_index()


def topic_changes(prevalence: pd.DataFrame) -> pd.DataFrame:
    """Which topics rose and which fell between the first and the last group.

    Parameters
    ----------
    prevalence : pandas.DataFrame
        A frame of :func:`topic_prevalence` (group column first, in time order).

    Returns
    -------
    pandas.DataFrame
        ``topic, label, first, last, change`` (``change = last - first``),
        sorted by change descending (ties by topic), index reset.

    Raises
    ------
    CorpusError
        With fewer than two groups.
    """
    if len(prevalence) < 2:
        raise CorpusError("topic changes need at least two eras (or speeches) to compare")
    labels = list(prevalence.columns[1:])
    first = prevalence.iloc[0][labels].to_numpy(float)
    last = prevalence.iloc[-1][labels].to_numpy(float)
    table = pd.DataFrame({"topic": range(len(labels)), "label": labels, "first": first, "last": last,
                          "change": last - first})
    return table.sort_values(["change", "topic"], ascending=[False, True], kind="stable").reset_index(drop=True)


# --------------------------------------------------------------------------- the pipeline

STABILITY_SEEDS = 5
STABILITY_SUBSAMPLE = 0.8
# Body paragraphs per speech, roughly: sets how many speeches per era a paragraph budget buys.
PARAGRAPHS_PER_SPEECH = 20
MIN_SPEECHES_PER_ERA = 50


def topic_docs(
    docs: pd.DataFrame,
    *,
    max_units: int | None = config.TOPIC_SAMPLE,
    random_state: int = config.SEED,
) -> list:
    """The speeches topics are estimated from: all of them, or a seeded sample per era in large corpora.

    Each era keeps at most ``max(max_units // (20 * n_eras), 50)`` speeches
    (about ``max_units`` paragraphs in all, at some 20 body paragraphs a
    speech). Prevalence is a mean share per era, which a few hundred speeches
    per era estimate well; the sample keeps memory and time flat as the
    corpus grows.

    Parameters
    ----------
    docs : pandas.DataFrame
        The docs frame (``id, era``).
    max_units : int or None, default :data:`corpus.config.TOPIC_SAMPLE`
        The paragraph budget; None keeps every speech.
    random_state : int
        Seed of each era's sample.

    Returns
    -------
    list
        The ids kept, in the order of ``docs``.
    """
    if max_units is None:
        return list(docs["id"])
    per_era = max(max_units // (PARAGRAPHS_PER_SPEECH * max(docs["era"].nunique(), 1)), MIN_SPEECHES_PER_ERA)
    sample = docs.groupby("era", group_keys=False).apply(
        lambda group: group.sample(n=min(len(group), per_era), random_state=random_state), include_groups=False)
    kept = set(docs.loc[sample.index, "id"])
    return [doc_id for doc_id in docs["id"] if doc_id in kept]


# --------------------------------------------------------------------------- state between runs

STATE_FILE = ".topics.json"
STATE_ARRAYS = ".topics.npz"
STATE_FORMAT = "corpus topic state"
STATE_VERSION = 1
# k is chosen again once more than this share of the speeches has been added or removed since it was
# chosen: one speech added to five (20 %) keeps it, two (40 %) choose it again.
REGROW_SHARE = 0.2
HOWS = ("coherence", "given")


@dataclass(frozen=True, eq=False)
class TopicState:
    """What a report keeps between runs so that its topics stay put.

    Made by :func:`auto_topics` whenever it fits topics from scratch (first
    run, k chosen again, k given anew), written to the output folder by
    :func:`write_topic_state` and read back by :func:`read_topic_state`.

    Attributes
    ----------
    k : int
        Number of topics.
    model : {"nmf", "lda"}
    how : {"coherence", "given"}
        Whether k was chosen by :func:`choose_k` or given.
    settings : dict
        The options it was fitted under (``ks, max_units, random_state,
        min_tokens, max_iter``); other options start from scratch (other
        ``ks`` only when k is to be chosen).
    doc_ids : tuple of str
        Every speech of the corpus then, sorted: what growth is measured against.
    units_sha256 : str
        Hash of the units it was fitted on (ids and tokens): the same units refit to the same topics.
    vocabulary : numpy.ndarray of str
        The columns of ``components``.
    components : numpy.ndarray, shape (k, V)
        The estimator's topic-word matrix (NMF's H, unnormalised), in topic order.
    coherence : pandas.DataFrame or None
        :func:`choose_k`'s curve when k was chosen by coherence.
    stability : pandas.DataFrame or None
        :func:`topic_stability` of that fit (``seed, similarity``): a run that keeps k reports it rather than
        refitting five subsamples, since a corpus that grew by less than the regrow share has the same k.
    date : str
        ISO date of the run that made it; empty until written.
    """

    k: int
    model: str
    how: str
    settings: dict
    doc_ids: tuple
    units_sha256: str
    vocabulary: np.ndarray
    components: np.ndarray
    coherence: pd.DataFrame | None = None
    stability: pd.DataFrame | None = None
    date: str = ""


def _units_sha256(units: pd.DataFrame) -> str:
    digest = hashlib.sha256()
    for doc_id, para, bag in zip(units["doc_id"], units["para"], units["tokens"], strict=True):
        # The bag sorted: units from counts list a paragraph's words in vocabulary order, from tokens in text order.
        digest.update(f"{doc_id}\x1f{para}\x1f{chr(0x1f).join(sorted(bag))}\n".encode())
    return digest.hexdigest()


def _settings(*, ks, max_units, random_state, min_tokens, max_iter) -> dict:
    return {"ks": sorted({int(k) for k in ks}), "max_units": max_units, "random_state": int(random_state),
            "min_tokens": int(min_tokens), "max_iter": max_iter}


def _without_ks(settings: dict) -> dict:
    """The settings that matter to a given k: all but the candidates."""
    return {key: value for key, value in settings.items() if key != "ks"}


def _percent(share: float) -> str:
    return f"{round(100 * share)} %"


def _why_afresh(previous: TopicState, *, auto: bool, k, model: str, settings: dict, doc_ids: tuple,
                n_units: int, retopic: bool, regrow: float) -> str | None:
    """Why ``previous`` cannot be kept, as a phrase for :meth:`TopicResult.describe`; None to keep it."""
    if retopic:
        return "--retopic"
    if previous.model != model:
        return f"the model changed from {previous.model} to {model}"
    if _without_ks(previous.settings) != _without_ks(settings):
        return "the topic settings changed"
    if auto and previous.settings.get("ks") != settings["ks"]:
        return "the candidate ks changed"
    if auto and previous.how != "coherence":
        return f"k={previous.k} was given before"
    if not auto and k != previous.k:
        return f"k was {previous.k} before"
    old, new = set(previous.doc_ids), set(doc_ids)
    added, removed = len(new - old), len(old - new)
    share = (added + removed) / max(len(old), 1)
    if share > regrow:
        counts = f"{len(old):,} speeches then, {len(new):,} now"
        if not removed:
            return f"corpus grew {_percent(share)}: {counts}"
        if not added:
            return f"corpus shrank {_percent(share)}: {counts}"
        return f"corpus changed {_percent(share)}: {added:,} speeches added, {removed:,} removed"
    if previous.k >= n_units:
        return f"k={previous.k} no longer fits {n_units} paragraphs"
    return None


def _curve_json(curve: pd.DataFrame | None) -> dict | None:
    if curve is None:
        return None
    return {"k": [int(k) for k in curve["k"]], "coherence": [float(c) for c in curve["coherence"]],
            "chosen": [bool(c) for c in curve["chosen"]], "n_units": int(curve.attrs.get("n_units", 0))}


def _curve_from_json(data) -> pd.DataFrame | None:
    if data is None:
        return None
    curve = pd.DataFrame({"k": np.asarray(data["k"], dtype=np.int64),
                          "coherence": np.asarray(data["coherence"], dtype=float),
                          "chosen": np.asarray(data["chosen"], dtype=bool)})
    if curve["chosen"].sum() != 1:
        raise ValueError("its coherence curve has no single chosen k")
    curve.attrs["n_units"] = int(data["n_units"])
    return curve


def _stability_json(table: pd.DataFrame | None) -> dict | None:
    if table is None:
        return None
    return {"seed": [int(s) for s in table["seed"]], "similarity": [float(v) for v in table["similarity"]]}


def _stability_from_json(data) -> pd.DataFrame | None:
    if data is None:
        return None
    table = pd.DataFrame({"seed": np.asarray(data["seed"], dtype=np.int64),
                          "similarity": np.asarray(data["similarity"], dtype=float)})
    if table.empty or not table["similarity"].between(0, 1).all():
        raise ValueError("its stability table is empty or out of [0, 1]")
    return table


def write_topic_state(state: TopicState, folder: str | Path, *, today: str | None = None) -> list[Path]:
    """Write ``state`` into ``folder``: ``.topics.npz`` (arrays, no pickle), then ``.topics.json``.

    Each file is replaced atomically, and the JSON holds the SHA-256 of the
    arrays it goes with, so that a crash between the two writes leaves a
    state :func:`read_topic_state` ignores, never a mismatched one.

    Parameters
    ----------
    state : TopicState
    folder : path
        The report's output folder (created if missing).
    today : str, optional
        The date recorded when ``state`` has none; default today's (ISO).

    Returns
    -------
    list of pathlib.Path
        The two files.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    np.savez(buffer, vocabulary=np.asarray(state.vocabulary).astype(str),
             components=np.asarray(state.components, dtype=float),
             doc_ids=np.asarray(state.doc_ids, dtype=str).reshape(-1))
    arrays = buffer.getvalue()
    meta = {
        "format": STATE_FORMAT, "version": STATE_VERSION, "k": int(state.k), "model": state.model,
        "how": state.how, "date": state.date or today or datetime.date.today().isoformat(),
        "n_docs": len(state.doc_ids), "settings": state.settings, "units_sha256": state.units_sha256,
        "coherence": _curve_json(state.coherence), "stability": _stability_json(state.stability),
        "arrays": STATE_ARRAYS,
        "arrays_sha256": hashlib.sha256(arrays).hexdigest(),
    }
    write_bytes_atomic(folder / STATE_ARRAYS, arrays)
    write_bytes_atomic(folder / STATE_FILE, json.dumps(meta, ensure_ascii=False, indent=1).encode())
    return [folder / STATE_ARRAYS, folder / STATE_FILE]


def _state_from(meta, arrays: bytes) -> TopicState:
    """A :class:`TopicState` from the JSON and the arrays' bytes; ValueError saying what is wrong."""
    if not isinstance(meta, dict) or meta.get("format") != STATE_FORMAT:
        raise ValueError("not a topic state of corpus")
    if meta.get("version") != STATE_VERSION:
        raise ValueError(f"state version {meta.get('version')!r}, but this corpus reads version {STATE_VERSION}")
    if hashlib.sha256(arrays).hexdigest() != meta.get("arrays_sha256"):
        raise ValueError(f"{STATE_ARRAYS} does not match it (damaged, or from another run)")
    with np.load(io.BytesIO(arrays)) as data:  # refuses pickled arrays (numpy's default)
        vocabulary, components, doc_ids = data["vocabulary"], data["components"], data["doc_ids"]
    k, model, how, settings = meta["k"], meta["model"], meta["how"], meta["settings"]
    if not isinstance(k, int) or isinstance(k, bool) or k < 2 or model not in MODELS or how not in HOWS:
        raise ValueError(f"k={k!r}, model={model!r}, how={how!r} is not a topic model")
    if not isinstance(settings, dict) or not isinstance(meta["date"], str):
        raise ValueError("its settings or date are not readable")
    if vocabulary.dtype.kind != "U" or doc_ids.dtype.kind != "U" or vocabulary.ndim != 1 or doc_ids.ndim != 1:
        raise ValueError("its vocabulary or speeches are not lists of text")
    if components.dtype.kind != "f" or components.shape != (k, len(vocabulary)):
        raise ValueError(f"its topic-word matrix is {components.shape}, not {k} topics × {len(vocabulary)} terms")
    if not np.isfinite(components).all() or (components < 0).any() or not (components.sum(axis=1) > 0).all():
        raise ValueError("its topic-word matrix has negative, missing or all-zero weights")
    return TopicState(k=k, model=model, how=how, settings=settings, doc_ids=tuple(doc_ids.tolist()),
                      units_sha256=str(meta["units_sha256"]), vocabulary=vocabulary, components=components,
                      coherence=_curve_from_json(meta["coherence"]),
                      stability=_stability_from_json(meta.get("stability")), date=meta["date"])


def read_topic_state(folder: str | Path) -> TopicState | None:
    """The topic state a report left in ``folder``, or None if there is none.

    Parameters
    ----------
    folder : path
        The report's output folder.

    Returns
    -------
    TopicState or None

    Raises
    ------
    CorpusError
        When ``.topics.json`` is there but damaged, foreign (another program's,
        another version), or does not match ``.topics.npz``: one line saying
        it is ignored, for the caller to print before choosing afresh.
    """
    path = Path(folder) / STATE_FILE
    if not path.exists():
        return None
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
        return _state_from(meta, (Path(folder) / STATE_ARRAYS).read_bytes())
    # Whatever is wrong with it, a state that does not read back whole is not trusted: the topics are
    # chosen afresh, as in a first run.
    except FileNotFoundError:
        why = f"{STATE_ARRAYS} is missing"
    except KeyError as err:
        why = f"it lacks {err.args[0]}"
    except (OSError, ValueError, TypeError, AttributeError, EOFError, zipfile.BadZipFile) as err:
        why = str(err) or type(err).__name__
    raise CorpusError(f"ignoring {path}: {why}; the topics are chosen afresh")


@dataclass(frozen=True, eq=False)
class TopicResult:
    """Everything :func:`auto_topics` found: the model, the choice of k, stability and prevalence.

    Attributes
    ----------
    model : TopicModel
        The model, fitted on at most ``max_units`` of the units (a seeded sample).
    units : pandas.DataFrame
        The units frame of the sampled speeches; prevalence is over all of them.
    k : int
        Number of topics.
    coherence : pandas.DataFrame or None
        :func:`choose_k`'s curve ``k, coherence, chosen``; None when k was given.
    stability : pandas.DataFrame or None
        :func:`topic_stability`'s ``seed, similarity``; None when not checked.
    stable : bool or None
        :func:`is_stable` of ``stability``; None when not checked.
    prevalence : pandas.DataFrame
        :func:`topic_prevalence` by era: ``era``, then one column per topic
        label; eras in time order.
    changes : pandas.DataFrame or None
        :func:`topic_changes` of ``prevalence``; None with fewer than two eras.
    state : TopicState or None
        The state the topics stay put by: new when ``fresh``, else the
        previous one they were kept from.
    fresh : bool
        True when k was chosen (or given) and the topics fitted from scratch
        in this call: write ``state`` for the next run.
    how : str or None
        How k came about, for :meth:`describe`, when there was a previous state.
    """

    model: TopicModel
    units: pd.DataFrame
    k: int
    coherence: pd.DataFrame | None
    stability: pd.DataFrame | None
    stable: bool | None
    prevalence: pd.DataFrame
    changes: pd.DataFrame | None
    state: TopicState | None = None
    fresh: bool = True
    how: str | None = None

    @property
    def topic_words(self) -> pd.DataFrame:
        """The model's ``topic_words`` with each topic's label: ``topic, rank, term, weight, label``."""
        words = self.model.topic_words
        return words.assign(label=[self.model.labels[t] for t in words["topic"]])

    def describe(self) -> str:
        """One line: model, units, k and how it was chosen (or kept), stability.

        Examples
        --------
        ``topics: NMF over 63 paragraphs, k=9 by NPMI coherence (0.316); stability 0.73 (UNSTABLE ...)``,
        or ``k=5 (given)`` for a k chosen by the caller. With a previous state:
        ``k=9 kept from the run of 2025-06-01 (5 speeches); refitted from the previous topics``,
        ``k=9 by NPMI coherence (0.316), chosen again (corpus grew 25 %: 8 speeches then, 10 now)``
        or ``..., chosen again (--retopic)``.
        """
        how = self.how
        if how is None:
            how = f"k={self.k} " + ("(given)" if self.coherence is None else
                                    f"by NPMI coherence ({self.coherence['coherence'].max():.3f})")
        text = f"topics: {self.model.model.upper()} over {len(self.units):,} paragraphs, {how}"
        if self.stability is not None:
            verdict = ("stable" if self.stable else
                       f"UNSTABLE across {STABILITY_SUBSAMPLE:.0%} subsamples: read the topics as exploratory")
            measured = self.stability.attrs.get("measured")
            text += f"; stability {self.stability['similarity'].min():.2f} ({verdict}" + (
                f", as measured in {measured})" if measured else ")")
        return text


def auto_topics(
    tokens: pd.DataFrame,
    paragraphs: pd.DataFrame,
    docs: pd.DataFrame,
    *,
    k: int | str = "auto",
    model: str = "nmf",
    ks: Iterable[int] = range(3, 11),
    max_units: int | None = config.TOPIC_SAMPLE,
    random_state: int = config.SEED,
    stability: bool = True,
    eras: Iterable[str] | None = None,
    min_tokens: int = 5,
    max_iter: int | None = None,
    previous: TopicState | None = None,
    retopic: bool = False,
    regrow: float = REGROW_SHARE,
) -> TopicResult:
    """Topics of a corpus in one call: choose k, fit, check stability, measure prevalence by era.

    1. Speeches: all, or in a large corpus a seeded sample per era (:func:`topic_docs`).
    2. Units: their body paragraphs (:func:`topic_units`).
    3. k: the most coherent of ``ks`` (:func:`choose_k`), unless given.
    4. Fit (:func:`fit_topics`) on a seeded sample of at most ``max_units``
       units, kept in their original order; the same sample :func:`choose_k` measures.
    5. Stability (:func:`topic_stability`) on that sample: seeds
       ``random_state, random_state + 1, ...`` (5 of them), each on an 80 % subsample.
    6. Prevalence by era over all the units (:func:`topic_prevalence`), and
       its :func:`topic_changes` from the first era to the last.

    The cost stays flat however many speeches there are, and the same
    arguments give the same result every run.

    With the ``previous`` state of an earlier run, k and the topics stay
    put: k is kept (step 3 is skipped, ``coherence`` is the curve that chose
    it then) and the fit starts from the previous topics, keeping their
    order (:func:`fit_topics` with ``start``); on the very units it was
    made from, the fit is the one made then. ``previous`` is set aside, and
    everything done as without it, when ``retopic`` is True, when the model
    or the other options differ, when a given ``k`` differs from its k (or
    ``k="auto"`` follows a given k), when more than ``regrow`` of the
    speeches have been added or removed since, or when its k no longer fits.
    The result's ``how`` says which; its ``state`` is what to keep for the
    next run.

    Parameters
    ----------
    tokens : pandas.DataFrame or corpus.segment.DocTermCounts
        The tokens frame (``doc_id, para, pos, token, is_stop``), or the same counted
        (:func:`corpus.segment.count_docs`: a paragraph's tokens then come in vocabulary order).
    paragraphs : pandas.DataFrame
        The paragraphs frame of the same docs (``doc_id, para, kind``).
    docs : pandas.DataFrame
        The docs frame (``id, year, era``).
    k : int or "auto", default "auto"
        Number of topics, or "auto" to choose it by coherence.
    model : {"nmf", "lda"}
    ks : iterable of int, default 3..10
        The candidates for ``k="auto"``.
    max_units : int or None, default :data:`corpus.config.TOPIC_SAMPLE`
        Paragraph budget of the speech sample, of :func:`choose_k` and of
        the fits; None uses everything.
    random_state : int
        Seed of every sample and fit.
    stability : bool, default True
        Whether to refit on subsamples (five more fits).
    eras : iterable of str, optional
        The eras expected, each of which must have units; default every era
        of ``docs`` (:func:`corpus.periods.ordered_eras`).
    min_tokens : int, default 5
        Passed to :func:`topic_units`.
    max_iter : int, optional
        Passed to every fit.
    previous : TopicState, optional
        The state an earlier run kept (:func:`read_topic_state`).
    retopic : bool, default False
        Choose k and fit afresh even with a ``previous`` state.
    regrow : float, default :data:`REGROW_SHARE` (0.2)
        Share of the speeches (added plus removed, over those of
        ``previous``) beyond which k is chosen again.

    Returns
    -------
    TopicResult

    Raises
    ------
    CorpusError
        For a ``k`` neither "auto" nor a whole number, an unknown model, too
        few paragraphs for any candidate (or the given) k, or an expected era
        without paragraphs.
    """
    _check_model(model)
    auto = isinstance(k, str) and k == "auto"
    if not auto and (not isinstance(k, (int, np.integer)) or isinstance(k, bool)):
        raise CorpusError(f"k must be a whole number or 'auto', not {k!r}")
    kept = topic_docs(docs, max_units=max_units, random_state=random_state)
    kept_tokens = tokens.restrict(kept) if isinstance(tokens, DocTermCounts) else tokens[tokens["doc_id"].isin(kept)]
    units = topic_units(kept_tokens, paragraphs, docs, min_tokens=min_tokens)
    budget = len(units) if max_units is None else max_units
    sample = _sample(units, budget, random_state).sort_index()
    ks = sorted({int(c) for c in ks})
    settings = _settings(ks=ks, max_units=max_units, random_state=random_state, min_tokens=min_tokens,
                         max_iter=max_iter)
    doc_ids = tuple(sorted(docs["id"].astype(str)))
    why = None if previous is None else _why_afresh(
        previous, auto=auto, k=k, model=model, settings=settings, doc_ids=doc_ids, n_units=len(sample),
        retopic=retopic, regrow=regrow)
    if previous is not None and why is None:
        same = previous.units_sha256 == _units_sha256(sample)
        fitted = fit_topics(sample, k=previous.k, model=model, random_state=random_state, max_iter=max_iter,
                            start=None if same else previous)
        curve, state, fresh = previous.coherence, previous, False
        then = (f"the run of {previous.date}" if previous.date else "an earlier run") + \
            f" ({len(previous.doc_ids):,} speeches)"
        refit = ("same paragraphs, same topics" if same else "refitted from the previous topics" if model == "nmf"
                 else "refitted, matched to the previous topics")
        how = f"k={fitted.k} kept from {then}; {refit}" if auto else f"k={fitted.k} (given); {refit} of {then}"
    else:
        curve = None
        if auto:
            curve = choose_k(units, ks=ks, model=model, random_state=random_state, max_units=budget,
                             max_iter=max_iter)
            k = int(curve.loc[curve["chosen"], "k"].iloc[0])
        fitted = fit_topics(sample, k=int(k), model=model, random_state=random_state, max_iter=max_iter)
        state = TopicState(
            k=fitted.k, model=model, how="coherence" if auto else "given", settings=settings, doc_ids=doc_ids,
            units_sha256=_units_sha256(sample), vocabulary=fitted.vocabulary.astype(str),
            components=fitted._estimator.components_[fitted._order], coherence=curve)
        fresh, how = True, None
        if why is not None:
            how = (f"k={fitted.k} by NPMI coherence ({curve['coherence'].max():.3f}), chosen again ({why})"
                   if auto else f"k={fitted.k} (given), fitted afresh ({why})")
    table = stable = None
    if stability and not fresh and previous.stability is not None:
        table = previous.stability.copy()
        table.attrs["measured"] = f"the run of {previous.date}" if previous.date else "an earlier run"
        stable = is_stable(table)
    elif stability:
        seeds = [random_state + i for i in range(STABILITY_SEEDS)]
        table = topic_stability(sample, k=fitted.k, model=model, seeds=seeds, subsample=STABILITY_SUBSAMPLE,
                                max_iter=max_iter)
        stable = is_stable(table)
        if fresh:
            state = replace(state, stability=table)
    eras = ordered_eras(docs) if eras is None else list(eras)
    prevalence = topic_prevalence(fitted, units, by="era", eras=eras)
    changes = topic_changes(prevalence) if len(prevalence) >= 2 else None
    return TopicResult(model=fitted, units=units, k=fitted.k, coherence=curve, stability=table, stable=stable,
                       prevalence=prevalence, changes=changes, state=state, fresh=fresh, how=how)
