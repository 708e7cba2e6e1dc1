"""Term counts, trajectories, TF-IDF and speech similarity: what each era says.

Frames in: the tokens frame of :func:`corpus.segment.segment_docs`, or (what the report
uses, memory growing with distinct words per paragraph rather than with tokens) its
counts, :class:`corpus.segment.DocTermCounts` of :func:`corpus.segment.count_docs`: every
function that takes ``tokens`` takes either and gives the same result.

Frames out:

- :func:`count_terms` -> **counts frame**, one row per (era, term): ``era,
  term, count, docs`` (raw counts of non-stopword tokens; ``docs`` = speeches
  of the era that use the term). The input of :mod:`corpus.keyness`.
- :func:`term_counts` -> one row per (speech, term): ``doc_id, year, era,
  term, pattern, count, n_han, per10k``, counted on the cleaned, unsegmented
  text so that segmentation cannot hide a term. A term matches in either
  script and never inside a longer run of numerals (九五 is not in 一九五八年):
  see :func:`corpus.clean.term_pattern`.
- :func:`term_trajectories` -> one row per (era, term): ``era, term, count,
  per10k, docs, n_docs, n_chars, ci_low, ci_high, year``.
- :func:`era_tfidf` -> one row per (era, term): ``era, term, tfidf, count, rank``.
- :func:`documents_table` -> one row per speech, without its texts: metadata,
  sizes, ``n_paragraphs, n_sections, n_tokens, n_content, n_lexicon``.
- :func:`doc_similarity` -> a square frame of cosine similarities, speeches in year order;
  :func:`era_similarity` -> the same between eras (mean over pairs of speeches), linear in size.

Patterns. Terms are the user's regular expressions, and some of them never
finish: ``(a|aa)+b`` backtracks exponentially. They are run by the ``regex``
module (the syntax of ``re``; it answers many nested repeats such as
``(\\S+)+x`` at once, and is about as fast as ``re`` on the shipped terms and
faster on the era markers) with a time bound: a :class:`BoundedPattern` may spend
:func:`pattern_budget` seconds over all the texts of one command, then raises
a one-line :class:`~corpus.errors.CorpusError` naming the pattern. KWIC and
the era markers (:mod:`corpus.kwic`, :mod:`corpus.dating`) use the same.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import regex

from . import config
from .arrays import encode_strings
from .clean import paragraph_counts, term_pattern
from .errors import CorpusError
from .periods import era_span, ordered_eras
from .segment import DocTermCounts

# scipy and scikit-learn are imported where TF-IDF and similarity need them: `corpus kwic` and `corpus terms`
# import this module, and those two libraries would double their start-up time (0.7 s of 1.5 s).
if TYPE_CHECKING:
    from scipy import sparse

# Variants that should be counted together. Keys are display names.
FAMILIES: dict[str, str] = {
    "高质量发展": "高质量(?:追赶)?发展",
    "小康社会": "全面(?:建设|建成)小康社会",
    "习近平新时代中国特色社会主义思想": "习近平新时代中国特色社会主义思想",
    "疫情": "(?:新冠肺炎)?疫情",
}
BOOTSTRAP_MIN_DOCS = 3
BOOTSTRAP_CHUNK = 2 ** 20  # picks drawn at once (8 MB): memory flat however many speeches an era has


def _named_terms(terms: str | Iterable[str] | Mapping[str, str]) -> dict[str, str]:
    """``{name: pattern}`` as given (see :func:`parse_terms`)."""
    if isinstance(terms, str):
        terms = [terms]
    if not isinstance(terms, Mapping):
        terms = dict(t.split("=", 1) if "=" in t else (t, t) for t in terms)
    return dict(terms)


def parse_terms(terms: str | Iterable[str] | Mapping[str, str]) -> dict[str, regex.Pattern]:
    """Turn terms into ``{name: compiled pattern}``, as they are matched on ``text_clean``.

    A mapping gives names to patterns (a family of variants); a string is
    its own name and is read as a regular expression, which for plain
    Chinese is the literal text; ``"NAME=PATTERN"`` names a pattern.
    Patterns may be written in either script (們 finds 们), and never match
    inside a longer run of numerals (九五 is not in 一九五八年; see
    :func:`corpus.clean.term_pattern`). They are compiled by the ``regex``
    module, whose matches can be bounded in time (:class:`BoundedPattern`).

    Raises
    ------
    CorpusError
        For an invalid regular expression or a pattern that matches the empty string.
    """
    compiled = {}
    for name, pattern in _named_terms(terms).items():
        try:
            re.compile(pattern)  # the syntax of record, and its error messages
            compiled[name] = regex.compile(term_pattern(pattern))
        except (re.error, regex.error) as err:
            raise CorpusError(f"term {pattern!r} is not a valid regular expression ({err})") from None
        if compiled[name].search(""):
            raise CorpusError(f"term {pattern!r} matches the empty string; give at least one character")
    if not compiled:
        raise CorpusError("no terms given")
    return compiled


def pattern_budget(n_chars: int) -> float:
    """Seconds one pattern may spend matching over ``n_chars`` characters of text, in one command.

    :data:`corpus.config.PATTERN_TIMEOUT_S` plus one second per
    :data:`corpus.config.PATTERN_CHARS_PER_S` characters, so that a slow but
    linear pattern still finishes on a large corpus. Seconds of processor
    time, which the ``regex`` module's timeout counts: on an idle machine the
    wall time, on a busy one less.

    Examples
    --------
    >>> pattern_budget(342_000)
    2.342
    """
    return config.PATTERN_TIMEOUT_S + n_chars / config.PATTERN_CHARS_PER_S


class BoundedPattern:
    """A compiled pattern and what is left of its time budget across the texts of one command.

    Parameters
    ----------
    compiled : regex.Pattern
        From :func:`parse_terms` (or ``regex.compile``).
    shown : str
        The pattern as the user wrote it, for the error message.
    seconds : float
        The budget over all texts, e.g. :func:`pattern_budget` of their total length.
    what : str
        What the pattern is, for the error message ("term", "pattern", "era marker '十二五': pattern").

    Examples
    --------
    >>> bounded = BoundedPattern(regex.compile("十二五"), "十二五", seconds=2.0)
    >>> [m.start() for m in bounded.matches("十二五，十二五", where="speech a")]
    [0, 4]
    """

    def __init__(self, compiled: regex.Pattern, shown: str, *, seconds: float, what: str = "pattern") -> None:
        self.compiled, self.shown, self.seconds, self.what = compiled, shown, seconds, what
        self.spent = 0.0

    def matches(self, text: str, pos: int = 0, endpos: int | None = None, *, where: str) -> list:
        """Every non-overlapping match in ``text[pos:endpos]``, within the time left.

        Raises
        ------
        CorpusError
            When the budget runs out, naming the pattern and ``where`` (e.g. "speech 003").
        """
        started = time.process_time()  # the clock of the regex module's timeout
        try:
            # The regex module's timeout runs from the call over the whole iteration, so consume it here.
            return list(self.compiled.finditer(text, pos, endpos, timeout=max(self.seconds - self.spent, 0.0)))
        except TimeoutError:
            raise CorpusError(f"{self.what} {self.shown!r} took more than {self.seconds:.3g} s (stopped on {where}): "
                              "simplify it (avoid nested repeats such as (a+)+ or (a|aa)+)") from None
        finally:
            self.spent += time.process_time() - started


def term_counts(docs: pd.DataFrame, terms) -> pd.DataFrame:
    """Occurrences of each term in each speech's ``text_clean`` (non-overlapping matches).

    ``pattern`` is the pattern as given; it matches in either script and
    never inside a run of numerals (:func:`parse_terms`). ``per10k`` is the
    rate per 10,000 Han characters of the speech.

    Raises
    ------
    CorpusError
        For a bad term (:func:`parse_terms`), or one that takes longer than
        :func:`pattern_budget` of the texts' length over all of them.
    """
    given = _named_terms(terms)
    seconds = pattern_budget(int(docs["text_clean"].str.len().sum()))
    patterns = {name: BoundedPattern(compiled, given[name], seconds=seconds, what="term")
                for name, compiled in parse_terms(given).items()}
    rows = []
    for doc in docs[["id", "year", "era", "text_clean", "n_han"]].itertuples(index=False):
        for name, pattern in patterns.items():
            count = len(pattern.matches(doc.text_clean, where=f"speech {doc.id}"))
            rows.append((doc.id, doc.year, doc.era, name, given[name], count, doc.n_han))
    frame = pd.DataFrame(rows, columns=["doc_id", "year", "era", "term", "pattern", "count", "n_han"])
    return frame.assign(per10k=(frame["count"] / frame["n_han"].where(frame["n_han"] > 0)).fillna(0.0) * 10_000)


def _era_year(era: str, by) -> float:
    """Where an era sits on a time axis: its year, or the middle of its span."""
    first, last = era_span(era, by=by)
    return (first + last) / 2


def term_trajectories(
    docs: pd.DataFrame,
    terms,
    *,
    by="year",
    n_boot: int = 2000,
    random_state: int = config.SEED,
    counts: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Rate of each term per era, with uncertainty where the data allow it.

    Parameters
    ----------
    docs : pandas.DataFrame
        A cleaned docs frame whose ``era`` matches ``by``.
    terms : str, list of str or mapping
        Literals, regular expressions or named families (see :func:`parse_terms`).
    by : {"year", "plan", "congress"} or mapping
        The era grouping used in ``docs`` (for the ``year`` column).
    n_boot : int
        Bootstrap resamples of speeches, for eras with at least
        :data:`BOOTSTRAP_MIN_DOCS` speeches; other eras get no interval
        (plot their speeches as points instead).
    random_state : int
        Seed of the bootstrap.
    counts : pandas.DataFrame, optional
        :func:`term_counts` of ``docs`` and ``terms`` when the caller has them already (the report charts
        them too): the texts are then not searched again.

    Returns
    -------
    pandas.DataFrame
        ``era, term, count, per10k, docs, n_docs, n_chars, ci_low, ci_high, year``:
        ``per10k`` is the era's count per 10,000 Han characters (``n_chars``),
        ``docs`` the speeches using the term, ``n_docs`` the era's speeches,
        ``year`` the era's position on a time axis. Eras in time order.

    Raises
    ------
    CorpusError
        As :func:`term_counts`: a bad term, or one that takes too long (:func:`pattern_budget`).
    """
    counts = term_counts(docs, terms) if counts is None else counts
    rng = np.random.default_rng(random_state)
    rows = []
    for (era, term), group in counts.groupby(["era", "term"], sort=False):
        count, n_chars = int(group["count"].sum()), int(group["n_han"].sum())
        low = high = np.nan
        if len(group) >= BOOTSTRAP_MIN_DOCS:
            low, high = _bootstrap_interval(group["count"].to_numpy(), group["n_han"].to_numpy(), n_boot=n_boot,
                                            rng=rng)
        rows.append((era, term, count, count / n_chars * 10_000 if n_chars else 0.0,
                     int((group["count"] > 0).sum()), len(group),
                     n_chars, low, high, _era_year(era, by)))
    columns = ["era", "term", "count", "per10k", "docs", "n_docs", "n_chars", "ci_low", "ci_high", "year"]
    frame = pd.DataFrame(rows, columns=columns)
    order = list(dict.fromkeys(counts["term"]))
    frame["_term"] = frame["term"].map(order.index)
    return frame.sort_values(["_term", "year"], kind="stable").drop(columns="_term").reset_index(drop=True)


def _bootstrap_interval(counts: np.ndarray, chars: np.ndarray, *, n_boot: int, rng) -> tuple[float, float]:
    """95 % interval of the rate per 10,000 characters over ``n_boot`` resamples of the speeches.

    Drawn :data:`BOOTSTRAP_CHUNK` picks at a time: one era of 30,000 speeches took 2,000 x 30,000 picks at once
    (~1.4 GB with their two gathers). The draws are those of one call, in the same order (numpy's stream).
    """
    n = len(counts)
    step = max(1, BOOTSTRAP_CHUNK // n)
    sums, totals = np.empty(n_boot, dtype=np.int64), np.empty(n_boot, dtype=np.int64)
    for first in range(0, n_boot, step):
        picks = rng.integers(0, n, size=(min(step, n_boot - first), n))
        totals[first:first + len(picks)] = chars[picks].sum(1)
        sums[first:first + len(picks)] = counts[picks].sum(1)
    drawn = totals > 0  # a draw of speeches without Han characters has no rate (not a division by zero)
    rates = sums[drawn] / totals[drawn] * 10_000
    return tuple(np.percentile(rates, [2.5, 97.5])) if len(rates) else (np.nan, np.nan)


def content_tokens(tokens: pd.DataFrame) -> pd.DataFrame:
    """Tokens that are not stopwords, punctuation, numbers or □."""
    return tokens[~tokens["is_stop"]]


def count_terms(tokens: pd.DataFrame, docs: pd.DataFrame) -> pd.DataFrame:
    """The counts frame: raw counts of content tokens per (era, term), with dispersion.

    Eras come from ``docs["era"]``, in time order; terms within an era by
    count, descending.
    """
    grouped = _grouped_counts(tokens, docs, by="era").rename(columns={"token": "term"})
    grouped["_era"] = grouped["era"].map({e: i for i, e in enumerate(ordered_eras(docs))})
    grouped = grouped.sort_values(["_era", "count", "term"], ascending=[True, False, True], kind="stable")
    return grouped[["era", "term", "count", "docs"]].reset_index(drop=True)


def changing_terms(counts: pd.DataFrame, *, candidates: Iterable[str], n: int = 6, min_count: int = 5,
                   min_docs: int = 2) -> list[str]:
    """The candidate terms whose use changes most across eras, for a corpus no one has chosen terms for.

    Each candidate seen at least ``min_count`` times in at least ``min_docs``
    speeches is scored by the G² of its counts across eras against its
    overall share of each era's content tokens (a test of homogeneity: high
    when the term rises or fads, low when it is used evenly). The ``n``
    highest are returned in order of the era where their rate peaks, so that
    a chart of them reads from the oldest slogan to the newest.

    Parameters
    ----------
    counts : pandas.DataFrame
        The counts frame (:func:`count_terms`): ``era, term, count, docs``, eras in time order.
    candidates : iterable of str
        Terms to choose from, e.g. the lexicon's 提法.
    n, min_count, min_docs : int
        How many to return, and the least use of a candidate.

    Returns
    -------
    list of str
        At most ``n`` terms (fewer when fewer qualify).

    Examples
    --------
    >>> counts = pd.DataFrame({"era": ["2006", "2006", "2006", "2023", "2023", "2023"],
    ...                        "term": ["十一五", "工会", "职工", "工会", "职工", "新时代"],
    ...                        "count": [6, 50, 44, 50, 44, 6], "docs": [2, 2, 2, 2, 2, 2]})
    >>> changing_terms(counts, candidates=["十一五", "新时代", "工会"], n=2)
    ['十一五', '新时代']
    """
    eras = list(dict.fromkeys(counts["era"]))
    era_totals = counts.groupby("era", sort=False)["count"].sum().reindex(eras).to_numpy(dtype=float)
    # Only the candidates' rows are pivoted: every term by every era took +270 MB at 30,000 speeches.
    rows = counts[counts["term"].isin(set(candidates))]
    table = rows.pivot_table(index="term", columns="era", values="count", aggfunc="sum", fill_value=0)
    table = table.reindex(columns=eras, fill_value=0)
    docs = rows.groupby("term")["docs"].sum()
    wanted = [t for t in dict.fromkeys(candidates) if t in table.index]
    observed = table.loc[wanted].to_numpy(dtype=float)
    totals = observed.sum(axis=1)
    keep = (totals >= min_count) & (docs.reindex(wanted).fillna(0).to_numpy() >= min_docs)
    observed, totals = observed[keep], totals[keep]
    names = [t for t, k in zip(wanted, keep, strict=True) if k]
    if not names:
        return []
    expected = totals[:, None] * era_totals[None, :] / era_totals.sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        g2 = 2 * np.where(observed > 0, observed * np.log(observed / expected), 0.0).sum(axis=1)
    order = sorted(range(len(names)), key=lambda i: (-round(g2[i], 9), names[i]))[:n]
    peak = (observed / era_totals[None, :]).argmax(axis=1)
    return [names[i] for i in sorted(order, key=lambda i: (peak[i], names[i]))]


def terms_to_chart(terms: Mapping[str, str], counts: pd.DataFrame, *, candidates: Iterable[str],
                   n: int = 6) -> dict[str, str]:
    """The terms a report charts: those the study names, else the :func:`changing_terms` of the data.

    Parameters
    ----------
    terms : mapping of str to str
        ``{name: pattern}`` from the study file (empty: choose from the data).
    counts : pandas.DataFrame
        The counts frame (:func:`count_terms`).
    candidates : iterable of str
        Terms to choose from when none are named (the lexicon's 提法).
    n : int
        How many to choose.

    Returns
    -------
    dict of str to str
        ``{name: pattern}``; a chosen lexicon term is its own, escaped, pattern.
    """
    if terms:
        return dict(terms)
    return {term: re.escape(term) for term in changing_terms(counts, candidates=candidates, n=n)}


def _pair_counts(tokens: pd.DataFrame) -> tuple[list[str], pa.Array, np.ndarray, np.ndarray, np.ndarray]:
    """How often each speech uses each content term, as integer codes.

    Returns ``ids, vocabulary, doc, term, count``: one entry per distinct
    (speech, term) pair, ``doc`` indexing ``ids`` and ``term`` the sorted
    ``vocabulary``. Tokens are dictionary-encoded once, then counted in slices
    of whole speeches, so the work is linear and memory stays flat: at 10,000
    speeches a group-by on strings held ~1 GB more.
    """
    if isinstance(tokens, DocTermCounts):
        return tokens.pairs()
    doc_ids = tokens["doc_id"]
    if isinstance(doc_ids.dtype, pd.CategoricalDtype):
        ids, codes = list(doc_ids.cat.categories), doc_ids.cat.codes.to_numpy()
    else:
        ids = list(dict.fromkeys(doc_ids))
        codes = doc_ids.map({d: i for i, d in enumerate(ids)}).to_numpy()
    keep = ~tokens["is_stop"].to_numpy()
    token = tokens["token"]
    if isinstance(token.dtype, pd.CategoricalDtype):  # the tokens frame's own codes: nothing to encode
        vocabulary, indices = pa.array(token.cat.categories.astype(str), pa.string()), token.cat.codes.to_numpy()
    else:
        vocabulary, indices = encode_strings(pa.array(token.array, pa.string()))
    order = pc.sort_indices(vocabulary).to_numpy()
    rank = np.empty(len(vocabulary), dtype=np.int32)  # codes in sorted order: ties break alphabetically
    rank[order] = np.arange(len(vocabulary), dtype=np.int32)
    term = rank[indices[keep]]
    del indices
    doc = codes[keep]
    if len(doc) > 1 and not np.all(doc[1:] >= doc[:-1]):  # the report's tokens come in speech order already
        by_doc = np.argsort(doc, kind="stable")
        doc, term = doc[by_doc], term[by_doc]
    cuts = [0, *np.searchsorted(doc, doc[config.SLICE_TOKENS::config.SLICE_TOKENS], side="left"), len(doc)]
    parts = []
    for lo, hi in zip(cuts[:-1], cuts[1:], strict=True):  # cut where a speech begins: a pair never spans two slices
        if hi > lo:
            pairs, count = np.unique(doc[lo:hi].astype(np.int64) * len(vocabulary) + term[lo:hi], return_counts=True)
            parts.append((pairs, count))
    pairs = np.concatenate([p for p, _ in parts]) if parts else np.zeros(0, np.int64)
    count = np.concatenate([c for _, c in parts]) if parts else np.zeros(0, np.int64)
    size = max(len(vocabulary), 1)
    return (ids, vocabulary.take(pa.array(order)), (pairs // size).astype(np.int32), (pairs % size).astype(np.int32),
            count)


def _pair_batches(tokens) -> tuple[list[str], pa.Array, Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]]:
    """:func:`_pair_counts` as ``ids, vocabulary`` and ``(doc, term, count)`` slices of whole speeches, in speech
    order: counts (:class:`corpus.segment.DocTermCounts`) give a few thousand speeches at a time, so no caller
    holds every pair (at 100,000 speeches ~1.5 GB); a tokens frame gives them all at once."""
    if isinstance(tokens, DocTermCounts):
        return tokens.ids, tokens.vocabulary, tokens.pair_batches()
    ids, vocabulary, doc, term, count = _pair_counts(tokens)
    return ids, vocabulary, iter([(doc, term, count)])


def _grouped_counts(tokens: pd.DataFrame, docs: pd.DataFrame, *, by: str) -> pd.DataFrame:
    """Counts of content tokens per (``by``, token), with the number of speeches: ``by, token, count, docs``.

    ``by`` is "era" or "doc_id".
    """
    if by == "era":
        from scipy import sparse

        ids, vocabulary, batches = _pair_batches(tokens)
        era_of = dict(zip(docs["id"], docs["era"], strict=True))
        names = list(dict.fromkeys(era_of[d] for d in ids))
        position = {name: i for i, name in enumerate(names)}
        era_code = np.array([position[era_of[d]] for d in ids], dtype=np.int64)
        shape = (len(names), max(len(vocabulary), 1))
        sums, users = sparse.csr_matrix(shape, dtype=np.int64), sparse.csr_matrix(shape, dtype=np.int64)
        for doc, term, count in batches:
            # Eras × speeches times speeches × terms: the sums by era (a sort of every (speech, term) pair took 6 s
            # of a rerun at 10,000 speeches; this 0.4 s). The pairs come sorted by speech: the matrices are their
            # arrays as they are; the products are in int64, whatever the counts' own type.
            if not len(doc):
                continue
            lo, hi = int(doc[0]), int(doc[-1]) + 1
            to_era = sparse.csr_matrix((np.ones(hi - lo, dtype=np.int64), (era_code[lo:hi], np.arange(hi - lo))),
                                       shape=(len(names), hi - lo))
            indptr = np.concatenate([[0], np.cumsum(np.bincount(doc - lo, minlength=hi - lo))])
            sums = sums + to_era @ sparse.csr_matrix((count, term, indptr), shape=(hi - lo, shape[1]), copy=False)
            used = np.ones(len(doc), dtype=np.int8)
            users = users + to_era @ sparse.csr_matrix((used, term, indptr), shape=(hi - lo, shape[1]), copy=False)
        sums, users = sums.tocsr(), users.tocsr()
        sums.sort_indices()
        users.sort_indices()
        group = np.repeat(np.arange(len(names)), np.diff(sums.indptr))
        term, count, n_docs = sums.indices, sums.data, users.data
    else:
        ids, vocabulary, doc, term, count = _pair_counts(tokens)
        names, group, n_docs = ids, doc, np.ones(len(doc), dtype=np.int64)
    token = vocabulary.take(pa.array(term)).to_pandas(types_mapper={pa.string(): pd.StringDtype(na_value=np.nan)}.get)
    return pd.DataFrame({by: np.asarray(names, dtype=object)[group], "token": token,
                         "count": np.asarray(count).astype(np.int64), "docs": n_docs.astype(np.int64)})


def _matrix(keys: pd.Series, terms: pd.Series, counts: pd.Series, rows: list[str]):
    """A sparse rows × vocabulary count matrix from (row key, term, count) triples, and the vocabulary."""
    from scipy import sparse

    term_index, vocabulary = pd.factorize(terms, sort=True)  # not np.unique: it would copy to fixed-width text
    vocabulary = np.asarray(vocabulary, dtype=object)
    row_index = keys.map({key: i for i, key in enumerate(rows)}).to_numpy()
    matrix = sparse.csr_matrix((counts.to_numpy(dtype=float), (row_index, term_index)),
                               shape=(len(rows), len(vocabulary)))
    return matrix, vocabulary


def era_tfidf(tokens: pd.DataFrame, docs: pd.DataFrame, *, top_n: int = 15,
              counts: pd.DataFrame | None = None) -> pd.DataFrame:
    """Distinctive terms per era: TF-IDF with each era as one document.

    Built from the segmented tokens as they are, so one-character words such
    as 党 are kept, which scikit-learn's default token pattern would drop.
    ``counts``: :func:`count_terms` of ``tokens`` and ``docs`` when the caller has them already (the report
    does, for keyness: counting again took 1.3 s and ~140 MB more at 10,000 speeches).

    Returns
    -------
    pandas.DataFrame
        ``era, term, tfidf, count, rank``; the ``top_n`` terms of each era.
    """
    from sklearn.feature_extraction.text import TfidfTransformer

    counts = count_terms(tokens, docs) if counts is None else counts
    present = set(counts["era"])
    eras = [era for era in ordered_eras(docs) if era in present]
    matrix, vocabulary = _matrix(counts["era"], counts["term"], counts["count"], eras)
    weights = TfidfTransformer(sublinear_tf=True).fit_transform(matrix)
    rows = []
    for i, era in enumerate(eras):
        row, tally = weights[i].toarray().ravel(), matrix[i].toarray().ravel()
        used = np.flatnonzero(row)  # columns in alphabetical order (_matrix), so ties break alphabetically
        best = used[np.lexsort((used, -row[used]))][:top_n]
        rows += [(era, vocabulary[j], float(row[j]), int(tally[j]), rank) for rank, j in enumerate(best, start=1)]
    return pd.DataFrame(rows, columns=["era", "term", "tfidf", "count", "rank"])


def _doc_vectors(tokens: pd.DataFrame) -> tuple[list[str], sparse.csr_matrix]:
    """TF-IDF rows of the speeches, in the order of the returned ids, built from integer codes.

    The pairs come sorted by speech, so the sparse matrix is assembled in
    place (no coordinate copy): at 10,000 speeches they are ~10 M.
    """
    from scipy import sparse
    from sklearn.feature_extraction.text import TfidfTransformer

    ids, vocabulary, doc, term, count = _pair_counts(tokens)
    used = np.bincount(term, minlength=len(vocabulary)) > 0  # terms that occur as content
    column = np.cumsum(used, dtype=np.int32) - 1
    indptr = np.concatenate([[0], np.cumsum(np.bincount(doc, minlength=len(ids)))])
    matrix = sparse.csr_matrix((count.astype(float), column[term], indptr), shape=(len(ids), int(used.sum())))
    del doc, term, count
    return ids, TfidfTransformer(sublinear_tf=True).fit_transform(matrix)


def doc_similarity(tokens: pd.DataFrame, docs: pd.DataFrame) -> pd.DataFrame:
    """Cosine similarity of the speeches' TF-IDF vectors (content tokens).

    Quadratic in the number of speeches: for large corpora use :func:`era_similarity`.

    Returns
    -------
    pandas.DataFrame
        Square, indexed and labelled by ``id`` in year order.
    """
    from scipy import sparse
    from sklearn.metrics.pairwise import cosine_similarity

    ordered = docs.sort_values(["year", "id"], kind="stable")["id"].tolist()
    ids, weights = _doc_vectors(tokens)
    if ids != ordered:  # year order; a speech without content tokens gets a zero row (the appended one)
        row = {d: i for i, d in enumerate(ids)}
        weights = sparse.vstack([weights, sparse.csr_matrix((1, weights.shape[1]))]).tocsr()
        weights = weights[[row.get(d, len(ids)) for d in ordered]]
    return pd.DataFrame(cosine_similarity(weights), index=ordered, columns=ordered)


def era_similarity(tokens: pd.DataFrame, docs: pd.DataFrame) -> pd.DataFrame:
    """Mean cosine similarity between the speeches of two eras (within an era: other speeches only).

    Linear in the number of speeches: the mean of the cosines of unit vectors
    is the dot product of their means, so no speech-by-speech matrix is built.
    The speeches' TF-IDF vectors (as :func:`doc_similarity` weighs them) are made
    a few thousand speeches at a time and summed by era
    (:meth:`corpus.segment.DocTermCounts.pair_batches`): at 30,000 speeches all
    of them at once took ~1 GB.

    Returns
    -------
    pandas.DataFrame
        Square, indexed and labelled by era in time order.
    """
    from scipy import sparse

    ids, vocabulary, batches = _pair_batches(tokens)
    if not isinstance(tokens, DocTermCounts):  # a tokens frame's pairs are counted once, for both passes
        batches = list(batches)
    eras = ordered_eras(docs)
    position = {era: i for i, era in enumerate(eras)}
    era_by_id = dict(zip(docs["id"], docs["era"], strict=True))
    era_of = np.array([position.get(era_by_id.get(d), -1) for d in ids], dtype=np.int64)
    n_terms = max(len(vocabulary), 1)
    used = np.zeros(len(vocabulary), dtype=np.int64)
    in_era = np.zeros((len(eras), n_terms), dtype=bool)
    for doc, term, _ in batches:  # first pass: in how many speeches each term occurs, and in which eras
        used += np.bincount(term, minlength=len(vocabulary))
        era = era_of[doc]
        kept = era >= 0
        in_era[era[kept], term[kept]] = True
    # TfidfTransformer(sublinear_tf=True)'s weights: smoothed idf, 1 + log(tf), rows of unit length
    idf = np.log((len(ids) + 1) / (used.astype(np.float64) + 1)) + 1
    # The sums by era go into the (era, term) cells the first pass found: adding each slice as a sparse matrix
    # copied the growing sums each time (+320 MB at 30,000 speeches).
    cells = np.flatnonzero(in_era)  # era * n_terms + term, sorted
    del in_era
    sums = np.zeros(len(cells), dtype=np.float64)
    second = batches if isinstance(batches, list) else tokens.pair_batches()
    for doc, term, count in second:  # second pass: the unit vectors summed by era
        if not len(doc):
            continue
        weight = (np.log(count.astype(np.float64)) + 1) * idf[term]
        lo = int(doc[0])
        row = doc - lo
        weight /= np.sqrt(np.bincount(row, weights=weight * weight))[row]
        era = era_of[doc]
        kept = era >= 0
        np.add.at(sums, np.searchsorted(cells, era[kept] * n_terms + term[kept]), weight[kept])
    # The cells in order are the rows of a CSR matrix as they are (no coordinate copy).
    indptr = np.searchsorted(cells, np.arange(len(eras) + 1, dtype=np.int64) * n_terms)
    sizes = np.bincount(era_of[era_of >= 0], minlength=len(eras))
    with np.errstate(invalid="ignore", divide="ignore"):  # an era without speeches with counts: no mean
        sums *= np.repeat(1.0 / sizes, np.diff(indptr))  # the means, in place
        means = sparse.csr_matrix((sums, (cells % n_terms).astype(np.int32), indptr), shape=(len(eras), n_terms))
        del cells
        table = (means @ means.T).toarray()
        table[sizes == 0, :] = np.nan
        table[:, sizes == 0] = np.nan
    for i, n in enumerate(sizes):  # drop the n self-pairs (cosine 1) from the within-era mean
        table[i, i] = (table[i, i] * n * n - n) / (n * (n - 1)) if n > 1 else np.nan
    return pd.DataFrame(table, index=eras, columns=eras)


def documents_table(docs: pd.DataFrame, paragraphs: pd.DataFrame, tokens: pd.DataFrame, *, terms=()) -> pd.DataFrame:
    """One row per speech without the texts: metadata, sizes, encoding, checksum.

    ``n_sections`` counts the numbered headings (一、二、...); ``n_tokens``
    all tokens, ``n_content`` those that are not stopwords, ``n_lexicon``
    those that are lexicon terms.

    Parameters
    ----------
    docs : pandas.DataFrame
        The docs frame (texts, if present, are left out of the result).
    paragraphs : pandas.DataFrame
        Its paragraphs frame (:func:`corpus.clean.split_paragraphs`), or the per-speech counts of it
        (:func:`corpus.clean.paragraph_counts`: the report keeps these, not the paragraphs).
    tokens : pandas.DataFrame or corpus.segment.DocTermCounts
        Its tokens frame (:func:`corpus.segment.segment_docs`) or counts (:func:`corpus.segment.count_docs`).
    terms : iterable of str
        The lexicon's terms, for ``n_lexicon``.
    """
    per_doc = paragraphs if "n_paragraphs" in paragraphs else paragraph_counts(paragraphs)
    if isinstance(tokens, DocTermCounts):
        in_lexicon = pc.is_in(tokens.vocabulary, value_set=pa.array(sorted(set(terms)), pa.string()))
        weights = np.column_stack([np.ones(len(tokens.vocabulary), dtype=np.int64), (~tokens.is_stop).astype(np.int64),
                                   in_lexicon.to_numpy(zero_copy_only=False).astype(np.int64)])
        parts = [(matrix @ weights, np.diff(matrix.indptr) > 0) for _, matrix in tokens.doc_batches()]
        totals = np.vstack([total for total, _ in parts]) if parts else np.zeros((0, 3), dtype=np.int64)
        sizes = pd.DataFrame(np.asarray(totals, dtype=np.int64), columns=["n_tokens", "n_content", "n_lexicon"],
                             index=tokens.ids)
        has_tokens = np.concatenate([used for _, used in parts]) if parts else np.zeros(0, dtype=bool)
        sizes = sizes[has_tokens]  # as from a tokens frame: a speech without tokens has no sizes
    else:
        by_doc = tokens["doc_id"]
        sizes = pd.DataFrame({
            "n_tokens": by_doc.groupby(by_doc).size(),
            "n_content": (~tokens["is_stop"]).groupby(by_doc).sum(),
            "n_lexicon": tokens["token"].isin(set(terms)).groupby(by_doc).sum(),
        })
    per_doc = per_doc.join(sizes)
    return docs.drop(columns=["text", "text_sha256", "text_clean"], errors="ignore").merge(
        per_doc, left_on="id", right_index=True, how="left"
    )
