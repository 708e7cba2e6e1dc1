"""Learn era markers from a dated corpus: when each marker is really used, and which new terms date a speech.

The era-marker table (:mod:`corpus.dating`) says from general knowledge when
each 提法 was current. A folder of dated speeches can check it and extend it:

- :func:`marker_usage` gives each marker's **observed** years in the corpus
  and how many speeches use it before its table window opens or after it
  closes (a window the corpus contradicts);
- :func:`propose_markers` finds **new** markers: terms whose use is
  concentrated in a few consecutive years (the rule is below);
- :func:`learn_markers` puts both into one table in the era-marker format,
  ready to review and copy into ``DIR/lexicon/era_markers.csv``.

**The rule for a proposal.** A candidate is a token of the tokens frame
(:func:`corpus.segment.segment_docs`) that is not a stopword, punctuation or
a number (``is_stop``), not an ordinal (第十次: :data:`ORDINAL`) and has at
least two characters, or any term of ``keep`` (the lexicon's 提法). It is
proposed when

1. at least ``min_docs`` speeches use it;
2. at least ``min_share`` (80 %) of them fall in one run of at most
   ``max_span`` consecutive years (the run holding the most of them; ties:
   the run holding the fewest speeches of the corpus, then the earliest); the
   run is trimmed to the first and last year of a speech using the term,
   which become the proposal's ``first`` and ``last``;
3. the corpus has speeches outside the run (otherwise it says nothing about
   time);
4. the share of the corpus's speeches in the run that use it is at least
   ``min_ratio`` (5) times the share outside, smoothed by adding 0.5 to each
   count of users and 1 to each count of speeches:
   ``((docs_in + 0.5) / (speeches_in + 1)) / ((docs_out + 0.5) / (speeches_out + 1))``;
5. no existing marker covers it (its name is the term, or its pattern matches
   inside the term);
6. it is not a piece of a longer word: the same one-character word (not a
   stopword) stands right before it, or right after it, in less than
   :data:`FRAGMENT_SHARE` (80 %) of its occurrences (勃 / 列日涅夫 is cut out).

Proposals are ranked by the G² of the 2 × 2 table speeches in / out of the
run × using / not using the term (highest first); ties (common when each year
has one speech) by the G² of its occurrences in / out of the run against all
candidate tokens there (``g2_mentions``: a term said 40 times in its run
before one said 3 times), then by term.

Frames
------
usage (:func:`marker_usage`), one row per marker found in at least one speech, in table order:

==============  =====  =====================================================
column          dtype  meaning
==============  =====  =====================================================
marker          str    the marker's name
kind            str    plan, congress, theory, campaign, event or slogan
first, last     int    the table's window
observed_first  int    year of the earliest speech using it
observed_last   int    year of the latest speech using it
docs            int    speeches using it
mentions        int    matches in all speeches
before          int    speeches using it from a year before ``first``
after           int    speeches using it from a year after ``last``
==============  =====  =====================================================

proposals (:func:`propose_markers`), one row per proposed term, best first:

============  =====  ==========================================================
column        dtype  meaning
============  =====  ==========================================================
term          str    the term
first, last   int    the run: years of the first and last speech using it there
docs          int    speeches using it
docs_in       int    of them, speeches in the run
speeches_in   int    the corpus's speeches in the run
docs_out      int    speeches using it outside the run
speeches_out  int    the corpus's speeches outside the run
mentions      int    occurrences (tokens) in all speeches
mentions_in   int    of them, in the speeches of the run
ratio         float  the smoothed ratio of rule 4
g2            float  G² of speeches in/out of the run × using/not using
g2_mentions   float  G² of its occurrences in/out of the run against all candidate tokens
note          str    ``learned: 3 of 4 speeches 2013–2016 use it (9 times); 1 of 40 outside``
============  =====  ==========================================================

learned (:func:`learn_markers`): the era-marker format
``marker, pattern, first, last, kind, note, generic`` plus ``status``:
``observed`` rows are existing markers with their observed window (the note
gives the table's window and the speeches outside it; ``generic`` ``yes`` or
empty, as in the file), ``proposed`` rows are
new markers of kind ``slogan`` with an empty pattern (the term matches literally).
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable

import numpy as np
import pandas as pd
from scipy.special import xlogy

from . import config
from .dating import find_markers
from .errors import CorpusError

USAGE_COLUMNS = ("marker", "kind", "first", "last", "observed_first", "observed_last", "docs", "mentions",
                 "before", "after")
PROPOSAL_COLUMNS = ("term", "first", "last", "docs", "docs_in", "speeches_in", "docs_out", "speeches_out",
                    "mentions", "mentions_in", "ratio", "g2", "g2_mentions", "note")
LEARNED_COLUMNS = ("marker", "pattern", "first", "last", "kind", "note", "generic", "status")
MIN_YEARS = 2
# Ordinals (第九次, 第十一届, 第2) are numbers, not terms: the speeches name their own meeting.
ORDINAL = r"第[〇零一二三四五六七八九十百千两\d]+[次届个号条项期批年]?"
# A term next to the same one-character word this often is a piece of a longer one (勃 / 列日涅夫).
FRAGMENT_SHARE = 0.8


def _span(first: int, last: int) -> str:
    return str(first) if first == last else f"{first}–{last}"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "es" if word.endswith("ch") else "s")


def marker_usage(docs: pd.DataFrame, markers: pd.DataFrame) -> pd.DataFrame:
    """Each era marker's observed years in a corpus, against its table window.

    Parameters
    ----------
    docs : pandas.DataFrame
        A cleaned docs frame (``id, year, text_clean``).
    markers : pandas.DataFrame
        The era-marker table, from :func:`corpus.dating.read_era_markers`.

    Returns
    -------
    pandas.DataFrame
        The usage frame (module docstring): one row per marker that at least
        one speech uses, in table order. A marker no speech uses has no row.

    Examples
    --------
    >>> usage = marker_usage(docs, read_era_markers())     # doctest: +SKIP
    >>> usage[usage["before"] > 0]                         # doctest: +SKIP
    """
    found = []
    for year, text in zip(docs["year"].astype(int), docs["text_clean"], strict=True):
        hits = find_markers(text, markers)
        found.extend(zip(hits["marker"], hits["count"].astype(int), [year] * len(hits), strict=True))
    hits = pd.DataFrame(found, columns=["marker", "count", "year"])
    table = markers[["marker", "kind", "first", "last"]].astype({"first": int, "last": int})
    table = table[table["marker"].isin(set(hits["marker"]))].reset_index(drop=True)
    hits = hits.merge(table[["marker", "first", "last"]], on="marker")
    per = hits.groupby("marker", sort=False).agg(
        observed_first=("year", "min"), observed_last=("year", "max"), docs=("year", "size"),
        mentions=("count", "sum"),
        before=("year", lambda y: int((y < hits.loc[y.index, "first"]).sum())),
        after=("year", lambda y: int((y > hits.loc[y.index, "last"]).sum())))
    usage = table.join(per, on="marker")
    return usage[list(USAGE_COLUMNS)].astype({c: "int64" for c in USAGE_COLUMNS[2:]})


def _doc_index(tokens: pd.DataFrame, ids: pd.Index) -> np.ndarray:
    """Each token's speech as a position in ``ids`` (-1 for a speech not there)."""
    column = tokens["doc_id"]
    if isinstance(column.dtype, pd.CategoricalDtype):  # one look-up per speech, not per token
        return ids.get_indexer(column.cat.categories.astype(str))[column.cat.codes.to_numpy()]
    return ids.get_indexer(column.astype(str))


def _term_codes(tokens: pd.DataFrame) -> tuple[np.ndarray, pd.Index]:
    column = tokens["token"]
    if isinstance(column.dtype, pd.CategoricalDtype):
        return column.cat.codes.to_numpy().astype(np.int64), pd.Index(column.cat.categories.astype(str))
    codes, words = pd.factorize(column.astype(str))
    return codes.astype(np.int64), pd.Index(words)


def _doc_term_counts(doc: np.ndarray, term: np.ndarray, n_terms: int) -> tuple[np.ndarray, ...]:
    """The distinct (speech, term) pairs and their counts, slice by slice (no temporary the size of the corpus)."""
    step = config.SLICE_TOKENS
    parts = [np.unique(doc[lo:lo + step] * n_terms + term[lo:lo + step], return_counts=True)
             for lo in range(0, len(doc), step)]
    if not parts:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int64)
    keys, inverse = np.unique(np.concatenate([k for k, _ in parts]), return_inverse=True)
    counts = np.bincount(inverse, weights=np.concatenate([c for _, c in parts])).astype(np.int64)
    return keys // n_terms, keys % n_terms, counts


def _candidates(docs: pd.DataFrame, tokens: pd.DataFrame, keep: Iterable[str]) -> tuple[pd.Index, np.ndarray, ...]:
    """The vocabulary, and each candidate token's speech (position in docs) and word (position in the vocabulary)."""
    doc, (term, words) = _doc_index(tokens, pd.Index(docs["id"].astype(str))), _term_codes(tokens)
    flagged = words[np.unique(term[tokens["is_stop"].to_numpy(dtype=bool)])]  # stopwords, punctuation, numbers
    wanted = (words.str.len() >= 2) & ~words.isin(flagged) & ~words.str.fullmatch(ORDINAL)
    wanted = np.asarray(wanted | words.isin(list(keep)))
    rows = wanted[term] & (doc >= 0) if len(term) else np.zeros(0, dtype=bool)
    return words, doc[rows].astype(np.int64), term[rows]


def _fragments(tokens: pd.DataFrame, terms: pd.Series, *, share: float) -> np.ndarray:
    """Is each term mostly a piece of a longer word (勃 / 列日涅夫)?

    A fragment has the same one-character word (not a stopword or punctuation)
    right before it, or right after it, in at least ``share`` of its occurrences.
    """
    codes, words = _term_codes(tokens)
    wanted = words.get_indexer(terms)
    pos, rows = tokens["pos"].to_numpy(), np.flatnonzero(np.isin(codes, wanted))
    single = (~tokens["is_stop"].to_numpy(dtype=bool)) & np.asarray(words.str.len() == 1)[codes]
    occurrences = np.bincount(codes[rows], minlength=len(words))
    fragment = np.zeros(len(words), dtype=bool)
    for side in (-1, 1):
        near = np.clip(rows + side, 0, len(codes) - 1)
        ok = (pos[near] == pos[rows] + side) & single[near]  # the neighbour in the same speech
        pairs, counts = np.unique(codes[rows[ok]] * len(words) + codes[near[ok]], return_counts=True)
        most = np.zeros(len(words), np.int64)
        np.maximum.at(most, pairs // len(words), counts)
        fragment |= most >= share * np.maximum(occurrences, 1)
    return fragment[wanted] & (occurrences[wanted] > 0)


def _by_year(term: np.ndarray, year: np.ndarray, weights: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """A terms × years matrix of summed weights."""
    flat = np.bincount(term * shape[1] + year, weights=weights, minlength=shape[0] * shape[1])
    return flat.astype(np.int64).reshape(shape)


def _cumulative(matrix: np.ndarray) -> np.ndarray:
    """Running sums along the years with a leading 0: the sum over years i..j is ``c[:, j + 1] - c[:, i]``."""
    matrix = np.atleast_2d(matrix)
    return np.concatenate([np.zeros((len(matrix), 1), np.int64), matrix.cumsum(axis=1)], axis=1)


def _best_runs(used: np.ndarray, years: np.ndarray, per_year: np.ndarray, max_span: int) -> tuple[np.ndarray, ...]:
    """Each term's run: the first and last year index, its speeches inside and the corpus's speeches inside.

    A run starts at a year with a speech using the term and reaches at most
    ``max_span - 1`` years further, trimmed to the last year using it. The
    best holds the most of the term's speeches, then the fewest of the
    corpus's, then starts earliest (``argmax`` takes the first maximum).
    """
    starts = np.arange(len(years))
    end = np.searchsorted(years, years + max_span - 1, side="right") - 1
    cum = _cumulative(used)
    k_in = cum[:, end + 1] - cum[:, starts]
    last = np.maximum.accumulate(np.where(used > 0, starts, -1), axis=1)[:, end]
    cum_docs = _cumulative(per_year)[0]
    n_in = cum_docs[np.maximum(last, starts) + 1] - cum_docs[starts]
    total = per_year.sum()
    best = np.where(used > 0, k_in * (total + 1) + (total - n_in), -1).argmax(axis=1)
    rows = np.arange(len(used))
    return best, last[rows, best], k_in[rows, best], n_in[rows, best]


def _g2(a: np.ndarray, b: np.ndarray, c: np.ndarray, d: np.ndarray) -> np.ndarray:
    """G² of the 2 × 2 tables [[a, b], [c, d]] (element-wise)."""
    n = a + b + c + d
    observed = (a, b, c, d)
    expected = ((a + b) * (a + c) / n, (a + b) * (b + d) / n, (c + d) * (a + c) / n, (c + d) * (b + d) / n)
    return 2 * sum(xlogy(o, o) - xlogy(o, e) for o, e in zip(observed, expected, strict=True))


def _covered(terms: pd.Series, markers: pd.DataFrame | None) -> np.ndarray:
    """Is each term already an era marker (its name, or its pattern matches inside the term)?"""
    if markers is None or markers.empty:
        return np.zeros(len(terms), dtype=bool)
    names = set(markers["marker"])
    regexes = list(markers["regex"]) if "regex" in markers else []
    return np.array([term in names or any(r.search(term) for r in regexes) for term in terms], dtype=bool)


def _note(row) -> str:
    return (f"learned: {row.docs_in} of {_plural(row.speeches_in, 'speech')} {_span(row.first, row.last)} use it "
            f"({row.mentions_in} time{'s' * (row.mentions_in != 1)}); {row.docs_out} of {row.speeches_out} outside")


def _check_years(years: np.ndarray) -> None:
    distinct = np.unique(years)
    if len(distinct) < MIN_YEARS:
        has = ("the corpus has no speeches" if not len(years)
               else f"the corpus has {_plural(len(years), 'speech')}, all from {distinct[0]}")
        raise CorpusError(f"learning era markers needs speeches from at least {MIN_YEARS} years; {has}: "
                          "add speeches from other years (corpus add)")


def propose_markers(
    docs: pd.DataFrame,
    tokens: pd.DataFrame,
    *,
    min_docs: int = 3,
    max_span: int = 6,
    limit: int | None = 50,
    min_share: float = 0.8,
    min_ratio: float = 5.0,
    keep: Iterable[str] = (),
    markers: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Terms whose use is concentrated in a few consecutive years: candidate era markers.

    Parameters
    ----------
    docs : pandas.DataFrame
        A docs frame (``id, year``; one row per speech).
    tokens : pandas.DataFrame
        Its tokens frame, from :func:`corpus.segment.segment_docs`.
    min_docs : int
        Speeches that must use a term (rule 1 of the module docstring).
    max_span : int
        Longest run of consecutive years, counting both ends (rule 2).
    limit : int or None
        Most proposals returned, the best first; None for all.
    min_share : float
        Share of a term's speeches that must fall inside the run (rule 2).
    min_ratio : float
        Smoothed ratio of the share of speeches using it in the run to the share outside (rule 4).
    keep : iterable of str
        Terms that are candidates even if flagged as stopwords or one character long (the lexicon's 提法).
    markers : pandas.DataFrame, optional
        The era-marker table (:func:`corpus.dating.read_era_markers`): terms it already covers are not proposed.

    Returns
    -------
    pandas.DataFrame
        The proposals frame (module docstring), ranked by G², then ``g2_mentions``, then term.

    Raises
    ------
    CorpusError
        When the speeches come from fewer than two distinct years (or there are none).

    Examples
    --------
    >>> propose_markers(docs, segment_docs(docs), max_span=5).head(3)   # doctest: +SKIP
    """
    if min_docs < 1 or max_span < 1:
        raise CorpusError(f"min_docs and max_span must be at least 1 (got {min_docs}, {max_span})")
    doc_years = docs["year"].astype(int).to_numpy()
    _check_years(doc_years)
    years, year_of_doc = np.unique(doc_years, return_inverse=True)
    words, doc, term = _candidates(docs, tokens, keep)
    pair_doc, pair_term, count = _doc_term_counts(doc, term, len(words))
    df = np.bincount(pair_term, minlength=len(words))
    frequent = np.flatnonzero(df >= min_docs)
    if not len(frequent):
        return _empty_proposals()
    index = np.full(len(words), -1)
    index[frequent] = np.arange(len(frequent))
    sel = index[pair_term] >= 0
    t, y, shape = index[pair_term[sel]], year_of_doc[pair_doc[sel]], (len(frequent), len(years))
    used, occurs = _by_year(t, y, np.ones(len(t)), shape), _by_year(t, y, count[sel], shape)
    per_year = np.bincount(year_of_doc, minlength=len(years))
    first, last, k_in, n_in = _best_runs(used, years, per_year, max_span)
    rows = np.arange(len(frequent))
    tokens_cum = _cumulative(np.bincount(year_of_doc[doc], minlength=len(years)))[0]
    found = pd.DataFrame({
        "term": words[frequent], "first": years[first], "last": years[last], "docs": df[frequent],
        "docs_in": k_in, "speeches_in": n_in, "docs_out": df[frequent] - k_in, "speeches_out": len(docs) - n_in,
        "mentions": occurs.sum(axis=1), "mentions_in": (c := _cumulative(occurs))[rows, last + 1] - c[rows, first],
        "tokens_in": tokens_cum[last + 1] - tokens_cum[first], "tokens_out": len(doc)})
    found["tokens_out"] -= found["tokens_in"]
    found["ratio"] = (((found["docs_in"] + 0.5) / (found["speeches_in"] + 1))
                      / ((found["docs_out"] + 0.5) / (found["speeches_out"] + 1)))
    ok = ((found["docs_in"] >= min_share * found["docs"] - 1e-9) & (found["speeches_out"] > 0)
          & (found["ratio"] >= min_ratio))
    found = found[ok].reset_index(drop=True)
    found = found[~_covered(found["term"], markers) & ~_fragments(tokens, found["term"], share=FRAGMENT_SHARE)]
    found["g2"] = _g2(*_two_by_two(found["docs_in"], found["speeches_in"], found["docs_out"], found["speeches_out"]))
    found["g2_mentions"] = _g2(*_two_by_two(found["mentions_in"], found["tokens_in"],
                                            found["mentions"] - found["mentions_in"], found["tokens_out"]))
    found = found.sort_values(["g2", "g2_mentions", "term"], ascending=[False, False, True], kind="stable")
    found = found.head(limit) if limit is not None else found
    found["note"] = [_note(row) for row in found.itertuples(index=False)]
    types = {c: "int64" for c in PROPOSAL_COLUMNS if c not in ("term", "ratio", "g2", "g2_mentions", "note")}
    return found[list(PROPOSAL_COLUMNS)].astype(types).reset_index(drop=True)


def _two_by_two(used_in: pd.Series, all_in: pd.Series, used_out: pd.Series,
                all_out: pd.Series) -> tuple[np.ndarray, ...]:
    """The 2 × 2 tables (in the run, outside) × (using, not using) as four columns ``a, b, c, d``."""
    a, c = used_in.to_numpy(float), used_out.to_numpy(float)
    return a, all_in.to_numpy(float) - a, c, all_out.to_numpy(float) - c


def _empty_proposals() -> pd.DataFrame:
    frame = pd.DataFrame({c: pd.Series(dtype="int64") for c in PROPOSAL_COLUMNS})
    return frame.astype({"term": str, "note": str, "ratio": float, "g2": float, "g2_mentions": float})


def learn_markers(docs: pd.DataFrame, tokens: pd.DataFrame, markers: pd.DataFrame, **options) -> pd.DataFrame:
    """The existing markers' observed windows and the proposed new markers, as one era-marker table.

    Parameters
    ----------
    docs : pandas.DataFrame
        A cleaned docs frame (``id, year, text_clean``).
    tokens : pandas.DataFrame
        Its tokens frame, from :func:`corpus.segment.segment_docs`.
    markers : pandas.DataFrame
        The era-marker table, from :func:`corpus.dating.read_era_markers`.
    **options
        ``min_docs, max_span, limit, min_share, min_ratio, keep``: as for :func:`propose_markers`.

    Returns
    -------
    pandas.DataFrame
        ``marker, pattern, first, last, kind, note, generic, status``: first
        the markers some speech uses (``status`` ``observed``; ``first`` and
        ``last`` the observed years; the note gives the table's window and how
        many speeches fall outside it), in table order; then the proposals
        (``status`` ``proposed``, kind ``slogan``, empty pattern), best first.

    Raises
    ------
    CorpusError
        When the speeches come from fewer than two distinct years (or there are none).

    Examples
    --------
    >>> table = learn_markers(docs, segment_docs(docs), read_era_markers())   # doctest: +SKIP
    >>> write_csv_atomic(table, Path("data/lexicon/era_markers.learned.csv"))  # doctest: +SKIP
    """
    proposals = propose_markers(docs, tokens, markers=markers, **options)
    usage = marker_usage(docs, markers)
    table = markers.set_index("marker")
    generic = table["generic"].map(_yes) if "generic" in table else pd.Series("", index=table.index)
    observed = pd.DataFrame({
        "marker": usage["marker"], "pattern": table.loc[usage["marker"], "pattern"].to_numpy(),
        "first": usage["observed_first"], "last": usage["observed_last"], "kind": usage["kind"],
        "note": [_observed_note(row) for row in usage.itertuples(index=False)],
        "generic": generic.loc[usage["marker"]].to_numpy(), "status": "observed"})
    proposed = pd.DataFrame({
        "marker": proposals["term"], "pattern": "", "first": proposals["first"], "last": proposals["last"],
        "kind": "slogan", "note": proposals["note"], "generic": "", "status": "proposed"})
    learned = pd.concat([observed, proposed], ignore_index=True)
    return learned[list(LEARNED_COLUMNS)].astype({"first": "int64", "last": "int64"})


def _yes(flag) -> str:
    """The table's ``generic`` as written in the file: ``yes`` or empty (read as a bool or as text)."""
    return "yes" if (flag.strip().lower() == "yes" if isinstance(flag, str) else bool(flag)) else ""


def _observed_note(row) -> str:
    note = (f"observed {_span(row.observed_first, row.observed_last)} in {_plural(row.docs, 'speech')}, "
            f"{row.mentions} mention{'s' * (row.mentions != 1)}; table {_span(row.first, row.last)}")
    if row.before:
        note += f"; {row.before} before {row.first}"
    if row.after:
        note += f"; {row.after} after {row.last}"
    return note


def contradicted(learned: pd.DataFrame, markers: pd.DataFrame) -> pd.DataFrame:
    """The ``observed`` rows of a :func:`learn_markers` table whose observed years leave the table's window."""
    observed = learned[learned["status"] == "observed"]
    window = markers.set_index("marker").loc[observed["marker"], ["first", "last"]].to_numpy()
    outside = (observed["first"].to_numpy() < window[:, 0]) | (observed["last"].to_numpy() > window[:, 1])
    return observed[outside]


def densest_run(years: Iterable[int], *, span: int) -> int:
    """The most speeches that any ``span`` consecutive years hold.

    >>> densest_run([1969, 1973, 1977, 1982], span=6)
    2
    """
    every = sorted(years)
    return max((bisect.bisect_right(every, year + span - 1) - i for i, year in enumerate(every)), default=0)

