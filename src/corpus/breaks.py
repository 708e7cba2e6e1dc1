"""Where the eras break: contiguous periods of years proposed from the vocabulary, with their support.

:func:`propose_periods` groups the years of a corpus into ``k`` contiguous
periods whose vocabularies differ most, says how strongly each boundary is
supported, and names the terms that set each period apart. Its ranges can
become the study's eras (:func:`corpus.study.write_ranges`, ``corpus periods
--save``). Pure computation; no I/O, no printing, no plotting.

The method, and why:

1. **Profiles.** Each year is the Hellinger profile of its content tokens
   (not ``is_stop``): ``sqrt(count / content tokens of the year)`` over the
   ``vocabulary`` most frequent terms of the corpus (:func:`year_profiles`).
   Square roots keep the few very frequent words (发展, 建设) from deciding
   alone, and Euclidean distance between such profiles is the Hellinger
   distance between the years' word distributions. Every year weighs the
   same, however many speeches it holds.
2. **Segmentation.** For each ``k`` the exact optimum, by dynamic
   programming, of the within-period sum of squared distances to the
   period's mean profile (Ward's criterion, constrained to neighbouring
   years) (:func:`segment_years`). Years are few (at most ~100), so the
   exact O(k·n²) search is cheap, and unlike greedy agglomeration it never
   keeps an early bad merge.
3. **Number of periods.** Unless ``k`` is given, the ``k`` in
   ``2..min(max_k, n_years - 1)`` with the largest Caliński-Harabasz index
   ``(between / (k - 1)) / (within / (n - k))`` (:func:`choose_k`): the
   usual criterion for Ward clusterings; it needs no threshold, and it
   does not grow with ``k`` as the cost falls.
4. **Support.** ``n_boot`` bootstrap replicates (``random_state``): within
   each year, its speeches are resampled with replacement; a year with a
   single speech (every year of a corpus of congress reports) has its
   paragraphs resampled instead, so the support then measures how robust a
   boundary is to which passages of each speech carry the vocabulary, not
   to which speeches were given. Each replicate is segmented with the same
   ``k``; a boundary's ``support`` is the share of replicates with a
   boundary in the same gap between two neighbouring years, ``support_near``
   within one gap of it.
5. **Terms.** Keyness of each period against the rest
   (:func:`corpus.keyness.keyness` on the counts frame with periods as
   eras): the ``top_n`` terms with the largest positive G².

Frames out (attributes of :class:`Periods`):

- ``years``: one row per year with speeches: ``year, n_speeches, n_tokens, period``.
- ``periods``: one row per period: ``period, first, last, range_first,
  range_last, n_years, n_speeches, n_tokens, support, support_near, terms``.
  ``first``/``last`` are the years of its speeches; the range runs to the
  year before the next period's first speech, so that the ranges cover every
  year from the first speech to the last. ``support``/``support_near`` are
  those of the boundary that opens the period (NaN for the first);
  ``terms`` its top three terms, joined by "、".
- ``boundaries``: one row per boundary: ``after, before, support, support_near``
  (the last year of the earlier period, the first of the later).
- ``terms``: ``period`` followed by the columns of :func:`corpus.keyness.keyness`, ``top_n`` rows per period.
- ``curve``: one row per k: ``k, cost, ch, chosen``.

A period's label is its first and last speech years joined by an ASCII
hyphen, ``"1969-1977"`` (a single year: ``"2022"``): typed as it is after
``corpus kwic TERM --era``, and accepted as a range label by the study file.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import config
from .errors import CorpusError
from .features import content_tokens, count_terms
from .keyness import keyness

VOCABULARY = 500
MAX_K = 6
N_BOOT = 200
MAX_BOOT = 10_000  # bootstrap replicates at most (each one segments the years again)
TOP_N = 5
# Terms of a period shown beside it (periods table, figure).
SHOWN_TERMS = 3

YEAR_COLUMNS = ("year", "n_speeches", "n_tokens", "period")
PERIOD_COLUMNS = ("period", "first", "last", "range_first", "range_last", "n_years", "n_speeches", "n_tokens",
                  "support", "support_near", "terms")
BOUNDARY_COLUMNS = ("after", "before", "support", "support_near")
CURVE_COLUMNS = ("k", "cost", "ch", "chosen")


@dataclass(frozen=True)
class Periods:
    """Proposed periods of a corpus: see the module docstring for each frame's columns.

    Attributes
    ----------
    k : int
        Number of periods.
    how : str
        One line: how ``k`` was chosen and what was resampled.
    years, periods, boundaries, terms, curve : pandas.DataFrame
        The frames of the module docstring.
    n_boot : int
        Bootstrap replicates behind ``support`` (0: none).
    """

    k: int
    how: str
    years: pd.DataFrame
    periods: pd.DataFrame
    boundaries: pd.DataFrame
    terms: pd.DataFrame
    curve: pd.DataFrame
    n_boot: int

    @property
    def ranges(self) -> dict[str, tuple[int, int]]:
        """``{label: (first, last)}`` in time order, as the study file's ``[eras.ranges]`` takes them."""
        return {row.period: (int(row.range_first), int(row.range_last)) for row in self.periods.itertuples()}


def period_label(first: int, last: int) -> str:
    """A period's label from the years of its first and last speech.

    >>> period_label(1969, 1977)
    '1969-1977'
    >>> period_label(2022, 2022)
    '2022'
    """
    return str(first) if first == last else f"{first}-{last}"


def year_profiles(tokens: pd.DataFrame, docs: pd.DataFrame, *, vocabulary: int = VOCABULARY) -> pd.DataFrame:
    """Hellinger profile of each year over the corpus's most frequent content terms.

    Parameters
    ----------
    tokens : pandas.DataFrame
        The tokens frame (:mod:`corpus.segment`): ``doc_id, para, pos, token, is_stop``.
    docs : pandas.DataFrame
        The docs frame (``id``, ``year``).
    vocabulary : int
        How many terms: the most frequent content terms of the whole corpus (ties by term).

    Returns
    -------
    pandas.DataFrame
        Index ``year`` (ascending), one column per term (most frequent first):
        ``sqrt(count / content tokens of the year)``.

    Examples
    --------
    >>> tokens = pd.DataFrame({"doc_id": ["a", "a", "a", "a", "b"], "para": [0] * 5, "pos": range(5),
    ...                        "token": ["改革", "改革", "工会", "的", "工会"], "is_stop": [0, 0, 0, 1, 0]})
    >>> docs = pd.DataFrame({"id": ["a", "b"], "year": [2006, 2011]})
    >>> year_profiles(tokens.astype({"is_stop": bool}), docs, vocabulary=1).round(3).to_dict()
    {'工会': {2006: 0.577, 2011: 1.0}}
    """
    units = _units(tokens, docs, vocabulary=vocabulary, single_speech_paragraphs=False)
    profile = _profiles(units.counts, units.totals, units.year_index, len(units.years))
    return pd.DataFrame(profile, index=pd.Index(units.years, name="year"), columns=units.terms)


def segment_years(profiles: np.ndarray, *, max_k: int) -> dict[int, tuple[float, tuple[int, ...]]]:
    """Exact best segmentations of the rows into 1..``max_k`` contiguous runs (least within-run squared error).

    Parameters
    ----------
    profiles : array of shape (n_years, n_terms)
        One row per year, in time order.
    max_k : int
        Most runs (at most ``n_years``).

    Returns
    -------
    dict of int to (float, tuple of int)
        For each ``k``: the summed squared distance of every row to its run's
        mean, and the row index where each run after the first starts. Ties
        go to the earliest start.

    Examples
    --------
    >>> segment_years(np.array([[0.0], [0.0], [1.0], [1.0], [3.0]]), max_k=3)
    {1: (6.0, ()), 2: (1.0, (4,)), 3: (0.0, (2, 4))}
    """
    x = np.asarray(profiles, dtype=float)
    n = len(x)
    max_k = min(max_k, n)
    cost = _run_costs(x)
    best = np.full((max_k + 1, n + 1), np.inf)
    start = np.zeros((max_k + 1, n + 1), dtype=int)
    best[0, 0] = 0.0
    for k in range(1, max_k + 1):
        total = best[k - 1][:, None] + cost  # total[i, j]: k-1 runs over rows < i, then one run i..j-1
        start[k] = np.argmin(total, axis=0)
        best[k] = total[start[k], np.arange(n + 1)]
    out = {}
    for k in range(1, max_k + 1):
        starts, end = [], n
        for kk in range(k, 0, -1):
            end = int(start[kk, end])
            starts.append(end)
        out[k] = (round(float(best[k, n]), 12), tuple(sorted(starts))[1:])
    return out


def choose_k(costs: dict[int, float], n_years: int, *, max_k: int = MAX_K) -> pd.DataFrame:
    """The Caliński-Harabasz index of each segmentation, and the ``k`` it chooses.

    Parameters
    ----------
    costs : dict of int to float
        Within-period cost of the best segmentation for each ``k`` (``k = 1`` is the total).
    n_years : int
        Number of years segmented.
    max_k : int
        Largest ``k`` to choose.

    Returns
    -------
    pandas.DataFrame
        ``k, cost, ch, chosen``, one row per ``k`` of ``costs`` up to ``max_k``;
        ``ch`` is NaN where undefined (``k = 1``, ``k = n_years``, all years
        alike) and infinite when the periods have no spread inside. The chosen
        ``k`` has the largest ``ch`` (the smallest ``k`` on ties); with two
        years, ``k = 2``.

    Examples
    --------
    >>> choose_k({1: 10.0, 2: 4.0, 3: 1.0, 4: 0.0}, 4)[["k", "ch", "chosen"]].values.tolist()
    [[1, nan, False], [2, 3.0, False], [3, 4.5, True], [4, nan, False]]
    """
    rows = []
    total = costs[1]
    for k in sorted(costs):
        if k > max_k:
            continue
        within = costs[k]
        if not 1 < k < n_years:
            ch = np.nan
        elif within > 0:
            ch = (total - within) / (k - 1) / (within / (n_years - k))
        else:  # periods without any spread inside: nothing could separate the years better
            ch = np.inf if total > 0 else np.nan
        rows.append((k, within, ch))
    curve = pd.DataFrame(rows, columns=["k", "cost", "ch"])
    scored = curve.dropna(subset=["ch"])
    chosen = int(scored.loc[scored["ch"].idxmax(), "k"]) if len(scored) else min(2, int(curve["k"].max()))
    return curve.assign(chosen=curve["k"] == chosen)


def propose_periods(
    tokens: pd.DataFrame,
    docs: pd.DataFrame,
    *,
    k: int | None = None,
    max_k: int = MAX_K,
    vocabulary: int = VOCABULARY,
    n_boot: int = N_BOOT,
    top_n: int = TOP_N,
    random_state: int = config.SEED,
) -> Periods:
    """Contiguous periods of years whose vocabularies differ, their boundaries' support and their key terms.

    Parameters
    ----------
    tokens : pandas.DataFrame
        The tokens frame (:mod:`corpus.segment`).
    docs : pandas.DataFrame
        The docs frame (``id``, ``year``); its ``era`` column is not used.
    k : int, optional
        Number of periods (at least 2, at most the number of years); default: chosen by :func:`choose_k`.
    max_k : int
        Most periods considered when ``k`` is None.
    vocabulary : int
        Terms of the year profiles (:func:`year_profiles`).
    n_boot : int
        Bootstrap replicates for the support (0: no support, NaN).
    top_n : int
        Key terms per period.
    random_state : int
        Seed of the bootstrap (default :data:`corpus.config.SEED`).

    Returns
    -------
    Periods

    Raises
    ------
    CorpusError
        When the speeches come from fewer than two years, hold no content
        tokens, or an option is out of range.
    """
    _check_options(k=k, max_k=max_k, vocabulary=vocabulary, n_boot=n_boot, top_n=top_n)
    units = _units(tokens, docs, vocabulary=vocabulary, single_speech_paragraphs=True)
    n = len(units.years)
    if n < 2:
        raise CorpusError(f"periods need speeches from at least two years, found {n}; add speeches of other years")
    if k is not None and k > n:
        raise CorpusError(f"--k {k} is more periods than years with speeches ({n}); give --k {n} or fewer")
    x = _profiles(units.counts, units.totals, units.year_index, n)
    best = segment_years(x, max_k=max(k or 0, min(max_k, n)))
    curve = choose_k({kk: cost for kk, (cost, _) in best.items()}, n, max_k=max(k or 0, max_k))
    if k is None:
        k = int(curve.loc[curve["chosen"], "k"].iloc[0])
        how = f"k = {k}: the largest Caliński-Harabasz index for k = 2..{min(max_k, n - 1)}" if n > 2 else \
            "k = 2: two years"
    else:
        curve = curve.assign(chosen=curve["k"] == k)
        how = f"k = {k}, as given"
    starts = best[k][1]
    support = _support(units, starts, k=k, n_boot=n_boot, random_state=random_state)
    how += f"; support from {n_boot} bootstrap replicates resampling {units.resampled}" if n_boot else "; no bootstrap"
    return _result(tokens, docs, units, starts, support, k=k, how=how, curve=curve, top_n=top_n, n_boot=n_boot)


# ── internals ────────────────────────────────────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class _Units:
    """What the bootstrap resamples: units (speeches, or paragraphs of single-speech years) × vocabulary counts."""

    years: list[int]
    terms: list[str]
    counts: object  # scipy.sparse.csr_matrix, units × terms
    totals: np.ndarray  # content tokens per unit
    year_index: np.ndarray  # the year (index into years) of each unit
    n_speeches: np.ndarray  # per year
    resampled: str


def _check_options(*, k, max_k, vocabulary, n_boot, top_n) -> None:
    for name, value, least in (("--k", k, 2), ("--max", max_k, 2), ("--vocabulary", vocabulary, 1),
                               ("--boot", n_boot, 0), ("--top", top_n, 1)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | np.integer)
                                  or value < least):
            raise CorpusError(f"{name} must be a whole number of at least {least}, not {value!r}")
    if n_boot > MAX_BOOT:  # each replicate segments every year again: 10**12 of them never end
        raise CorpusError(f"--boot must be at most {MAX_BOOT:,} replicates, not {n_boot:,}")


def _units(tokens: pd.DataFrame, docs: pd.DataFrame, *, vocabulary: int, single_speech_paragraphs: bool) -> _Units:
    from scipy import sparse

    year_of = {str(i): int(y) for i, y in zip(docs["id"], docs["year"], strict=True)}
    content = content_tokens(tokens)
    doc = content["doc_id"].astype(str).to_numpy()
    if len(content) == 0:
        raise CorpusError("the speeches hold no content tokens (every token is a stopword); check the data folder")
    years = sorted(set(year_of.values()))
    speeches = pd.Series(list(year_of.values())).value_counts()
    term = content["token"].astype(str).to_numpy()
    frequency = pd.Series(term).value_counts()
    frequency = frequency.reset_index().set_axis(["term", "n"], axis=1).sort_values(["n", "term"],
                                                                                     ascending=[False, True])
    terms = frequency["term"].head(vocabulary).tolist()
    year = np.array([year_of[d] for d in doc])
    single = np.array([speeches[y] == 1 for y in year]) if single_speech_paragraphs else np.zeros(len(doc), bool)
    para = content["para"].to_numpy()
    unit_key = pd.Series([f"{d}\x00{p}" if s else d for d, p, s in zip(doc, para, single, strict=True)])
    unit_index, unit_names = pd.factorize(unit_key)
    unit_year = np.zeros(len(unit_names), dtype=int)
    unit_year[unit_index] = np.searchsorted(years, year)
    column = pd.Index(terms).get_indexer(term)
    kept = column >= 0
    counts = sparse.csr_matrix((np.ones(kept.sum()), (unit_index[kept], column[kept])),
                               shape=(len(unit_names), len(terms)))
    totals = np.bincount(unit_index, minlength=len(unit_names)).astype(float)
    n_single = sum(speeches[y] == 1 for y in years)
    resampled = ("paragraphs within each year's single speech" if n_single == len(years) else
                 "speeches within each year" if not single_speech_paragraphs or n_single == 0 else
                 f"speeches within each year (paragraphs in the {n_single} years with one speech)")
    return _Units(years=years, terms=terms, counts=counts, totals=totals, year_index=unit_year,
                  n_speeches=np.array([speeches[y] for y in years]), resampled=resampled)


def _profiles(counts, totals: np.ndarray, year_index: np.ndarray, n_years: int,
              weights: np.ndarray | None = None) -> np.ndarray:
    from scipy import sparse

    w = np.ones(len(totals)) if weights is None else weights
    to_year = sparse.csr_matrix((w, (year_index, np.arange(len(totals)))), shape=(n_years, len(totals)))
    year_counts = np.asarray((to_year @ counts).todense())
    year_totals = to_year @ totals
    return np.sqrt(year_counts / np.maximum(year_totals, 1)[:, None])


def _run_costs(x: np.ndarray) -> np.ndarray:
    """cost[i, j]: squared error of rows i..j-1 about their mean (inf where j <= i)."""
    n = len(x)
    prefix = np.vstack([np.zeros((1, x.shape[1])), np.cumsum(x, axis=0)])
    squares = np.concatenate([[0.0], np.cumsum((x * x).sum(axis=1))])
    gram = prefix @ prefix.T
    i, j = np.meshgrid(np.arange(n + 1), np.arange(n + 1), indexing="ij")
    size = np.where(j > i, j - i, 1)
    sum_sq = np.diag(gram)[j] + np.diag(gram)[i] - 2 * gram
    cost = squares[j] - squares[i] - sum_sq / size
    return np.where(j > i, np.maximum(cost, 0.0), np.inf)


def _support(units: _Units, starts: tuple[int, ...], *, k: int, n_boot: int, random_state: int) -> pd.DataFrame:
    """Per boundary (a start index): the share of replicates with a start there, and within one gap."""
    rng = np.random.default_rng(random_state)
    n = len(units.years)
    members = [np.flatnonzero(units.year_index == y) for y in range(n)]
    hits = np.zeros((len(starts), 2))
    for _ in range(n_boot):
        weights = np.zeros(len(units.totals))
        for unit in members:
            np.add.at(weights, rng.choice(unit, size=len(unit), replace=True), 1.0)
        x = _profiles(units.counts, units.totals, units.year_index, n, weights)
        found = np.array(segment_years(x, max_k=k)[k][1])
        for row, start in enumerate(starts):
            hits[row] += (start in found, bool(len(found)) and np.abs(found - start).min() <= 1)
    share = hits / n_boot if n_boot else np.full((len(starts), 2), np.nan)
    return pd.DataFrame({"support": share[:, 0], "support_near": share[:, 1]})


def _result(tokens, docs, units: _Units, starts, support, *, k, how, curve, top_n, n_boot) -> Periods:
    years = units.years
    bounds = [0, *starts, len(years)]
    labels, spans = [], []
    for a, b in zip(bounds, bounds[1:], strict=False):
        labels.append(period_label(years[a], years[b - 1]))
        spans.append((years[a], years[b] - 1 if b < len(years) else years[-1]))
    period_of_year = {years[i]: labels[p] for p, (a, b) in enumerate(zip(bounds, bounds[1:], strict=False))
                      for i in range(a, b)}
    tokens_per_year = pd.Series(units.totals).groupby(units.year_index).sum().to_numpy().astype(np.int64)
    year_table = pd.DataFrame({"year": years, "n_speeches": units.n_speeches.astype(np.int64),
                               "n_tokens": tokens_per_year, "period": [period_of_year[y] for y in years]})
    eras = docs.assign(era=[period_of_year[int(y)] for y in docs["year"]])
    counts = count_terms(tokens, eras)
    terms = pd.concat([keyness(counts, target=label).head(top_n).pipe(lambda t: t[t["g2"] > 0]).assign(period=label)
                       for label in labels], ignore_index=True)
    terms = terms[["period", *terms.columns[:-1]]]
    grouped = year_table.groupby("period", sort=False)
    boundary_support = pd.concat([pd.DataFrame({"support": [np.nan], "support_near": [np.nan]}), support],
                                 ignore_index=True)
    periods = pd.DataFrame({
        "period": labels,
        "first": [years[a] for a in bounds[:-1]],
        "last": [years[b - 1] for b in bounds[1:]],
        "range_first": [s[0] for s in spans],
        "range_last": [s[1] for s in spans],
        "n_years": grouped.size().reindex(labels).to_numpy(),
        "n_speeches": grouped["n_speeches"].sum().reindex(labels).to_numpy(),
        "n_tokens": grouped["n_tokens"].sum().reindex(labels).to_numpy(),
        "support": boundary_support["support"].to_numpy(),
        "support_near": boundary_support["support_near"].to_numpy(),
        "terms": ["、".join(terms.loc[terms["period"] == label, "term"].head(SHOWN_TERMS)) for label in labels],
    })
    boundaries = pd.DataFrame({"after": [years[s - 1] for s in starts], "before": [years[s] for s in starts],
                               "support": support["support"].to_numpy(),
                               "support_near": support["support_near"].to_numpy()})
    return Periods(k=k, how=how, years=year_table, periods=periods, boundaries=boundaries, terms=terms,
                   curve=curve, n_boot=n_boot)
