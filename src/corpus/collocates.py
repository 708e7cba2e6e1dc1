"""Collocates by era: the words that keep company with a term, how strongly, and the lines behind each count.

Input: the **tokens frame** of :func:`corpus.segment.segment_docs` (``doc_id, para, pos, token, is_stop``,
in docs order) and the cleaned **docs frame** (``id, year, era``).

The node is every token that a term fully matches: a literal (工会), a regular expression (``职工.*``)
or a named family ``NAME=PATTERN``, read as :func:`corpus.features.parse_terms` reads terms (either
script, never inside a run of numerals). Only content tokens (``is_stop`` false) are nodes or collocates.

The window, decided here:

- ``window=N``: the N content tokens on each side of the node, within its paragraph. Stopwords,
  punctuation and numbers are skipped and do not count toward N (AntConc counts every token; in
  Chinese political prose 的, 和 and punctuation would fill half the window). Another occurrence of
  the term takes its place in the window but is never a collocate of itself.
- ``window="sentence"``: the content tokens of the node's sentence (which ends at 。！？；!?;), within
  its paragraph.

Counts per era (the node's era). A collocate token is counted once even when it lies in the windows
of two nodes (so ``f_xy <= f_y`` and the 2x2 table below never has a negative cell):

=======  ===================================================================================
f_xy     occurrences of the collocate inside the window of some occurrence of the term
f_x      occurrences of the term
f_y      occurrences of the collocate (content tokens of the era)
n        content tokens of the era
span     content tokens inside the windows (each once; occurrences of the term left out)
=======  ===================================================================================

Measures (Evert 2008, surface co-occurrence; the 2x2 table compares the window with the rest of the
era's content tokens, the term's own occurrences left out: ``f_xy, span - f_xy; f_y - f_xy,
n - f_x - span - (f_y - f_xy)``):

- ``logdice = 14 + log2(2 f_xy / (f_x + f_y))`` (Rychlý 2008): at most 14, independent of corpus size,
  so eras of different size compare.
- ``mi = log2(f_xy / E)`` with ``E = span * f_y / (n - f_x)``, the co-occurrences expected inside the
  window: MI *with* the span, the window's real size (fewer at paragraph ends and where windows overlap).
- ``g2``: log-likelihood G² of the 2x2 table, negative when the collocate is rarer inside the window
  than outside (the helper of :mod:`corpus.keyness`).

:func:`collocates` returns the **collocates frame**, one row per (era, collocate), eras in time order,
then the measure descending, ties by collocate:

===========  =====  ===========================================================================
era          str    the era
term         str    the term's name (as given, or NAME of NAME=PATTERN)
collocate    str    the collocate token
f_xy, f_x,   int    counts, as above
f_y, n, span
logdice      float  NaN where ``f_xy == 0``
mi           float  NaN where ``f_xy == 0``
g2           float  signed G²
docs         int    speeches of the era in which the pair co-occurs
kept         bool   ``f_xy >= min_count`` in this era
example_doc  str    the speech of the first co-occurrence in the era ("" if none)
example      str    its tokens, the term and the collocate in 【】 ("" if none)
===========  =====  ===========================================================================

A collocate kept in any era has a row in every era where the term occurs (``kept`` false, ``f_xy``
perhaps 0), so that eras compare; :func:`top_collocates` shows the kept rows.
:func:`collocate_shift` compares two eras, :func:`gained_and_lost` keeps the collocates that gained and lost most;
:func:`collocate_lines` the lines behind one row, exactly ``f_xy`` of them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import config
from .errors import CorpusError
from .features import parse_terms
from .keyness import signed_g2
from .periods import ordered_eras

MEASURES = ("logdice", "g2", "mi")
SENTENCE = "sentence"
SENTENCE_ENDS = frozenset("。！？；!?;")
EXAMPLE_CONTEXT = 4  # tokens of context either side of an example line
# Added to f_xy and f_y when a shift compares logDice or MI, so that an absent pair has a finite, lowest value.
SMOOTHING = 0.5
COLUMNS = ("era", "term", "collocate", "f_xy", "f_x", "f_y", "n", "span", "logdice", "mi", "g2", "docs", "kept",
           "example_doc", "example")


def check_window(window) -> int | str:
    """``window`` as a positive int or ``"sentence"``; a string of digits is read as a number.

    >>> check_window("5"), check_window("sentence")
    (5, 'sentence')
    """
    if isinstance(window, str) and window.strip().lstrip("-").isdigit():
        window = int(window)
    if window == SENTENCE:
        return SENTENCE
    if isinstance(window, (int, np.integer)) and not isinstance(window, bool) and window >= 1:
        return int(window)
    raise CorpusError(f"window must be a positive number of tokens or 'sentence', not {window!r}; e.g. --window 5")


def node_vocabulary(vocabulary, term: str) -> tuple[str, np.ndarray]:
    """The term's name, and which words of ``vocabulary`` it fully matches (a bool array).

    >>> node_vocabulary(["工会", "总工会", "职工"], "工会")
    ('工会', array([ True, False, False]))
    >>> node_vocabulary(["工会", "总工会", "职工"], "会=.*工会")[1]
    array([ True,  True, False])
    """
    ((name, pattern),) = parse_terms([term]).items()
    try:  # each word bounded: a nested repeat on one long non-Han token must not hang the command
        return name, np.fromiter((pattern.fullmatch(str(word), timeout=config.PATTERN_TIMEOUT_S) is not None
                                  for word in vocabulary), dtype=bool, count=len(vocabulary))
    except TimeoutError:
        raise CorpusError(f"term {term!r} took more than {config.PATTERN_TIMEOUT_S:g} s on one word: "
                          "simplify it (avoid nested repeats such as (a+)+ or (a|aa)+)") from None


def collocates(tokens: pd.DataFrame, docs: pd.DataFrame, term: str, *, window: int | str = 5, min_count: int = 3,
               measure: str = "logdice") -> pd.DataFrame:
    """The collocates of ``term`` in each era, with their counts and association measures.

    Parameters
    ----------
    tokens : pandas.DataFrame
        The tokens frame of ``docs`` (``doc_id, para, pos, token, is_stop``).
    docs : pandas.DataFrame
        The docs frame (``id, year, era``).
    term : str
        A literal, a regular expression or ``NAME=PATTERN``, fully matching a token.
    window : int or "sentence"
        Content tokens on each side, within the paragraph; or the node's sentence.
    min_count : int
        A collocate is kept in an era where it co-occurs at least this often (``f_xy``).
    measure : {"logdice", "g2", "mi"}
        The order of the rows within an era.

    Returns
    -------
    pandas.DataFrame
        The collocates frame (see the module docstring). ``attrs["eras"]`` is
        ``{era: {"f_x", "n", "span"}}`` for every era of ``docs``, the term absent or not;
        ``attrs["window"]`` and ``attrs["min_count"]`` are the options.

    Raises
    ------
    CorpusError
        For a bad window, min_count or measure, or a term that no content token matches.

    Examples
    --------
    >>> table = collocates(tokens, docs, "工会", window=2)          # doctest: +SKIP
    """
    window = check_window(window)
    _check_measure(measure)
    if isinstance(min_count, bool) or not isinstance(min_count, (int, np.integer)) or min_count < 1:
        raise CorpusError(f"min_count must be a positive integer, not {min_count!r}")
    arrays = _arrays(tokens, docs, term, sentences=window == SENTENCE)
    eras, name, node = arrays["eras"], arrays["name"], arrays["node"]
    inside = _window_positions(arrays, window)
    era, word = arrays["era"], arrays["word"]
    n_words = len(arrays["vocabulary"])
    n = np.bincount(era, minlength=len(eras))
    f_x = np.bincount(era[node], minlength=len(eras))
    span = np.bincount(era[inside], minlength=len(eras))
    summary = {e: {"f_x": int(f_x[i]), "n": int(n[i]), "span": int(span[i])} for i, e in enumerate(eras)}
    pair_keys, f_xy = np.unique(era[inside].astype(np.int64) * n_words + word[inside], return_counts=True)
    kept_words = np.unique(pair_keys[f_xy >= min_count] % n_words)
    present = np.flatnonzero(f_x > 0)
    grid = (present[:, None].astype(np.int64) * n_words + kept_words[None, :]).ravel()
    table = pd.DataFrame({
        "era": np.array(eras, dtype=object)[grid // n_words] if len(grid) else np.array([], dtype=object),
        "term": name,
        "collocate": arrays["vocabulary"][grid % n_words] if len(grid) else np.array([], dtype=object),
        "f_xy": _lookup(pair_keys, f_xy, grid),
        "f_x": f_x[grid // n_words], "f_y": _era_word_counts(era, word, n_words, grid),
        "n": n[grid // n_words], "span": span[grid // n_words],
    })
    table = _add_measures(table)
    table["docs"] = _pair_docs(arrays, inside, n_words, grid)
    table["kept"] = table["f_xy"] >= min_count
    table[["example_doc", "example"]] = _examples(arrays, inside, grid, n_words, window)
    table = sort_collocates(table, measure=measure, eras=eras)
    table.attrs.update(eras=summary, window=window, min_count=int(min_count), term=name)
    return table


def sort_collocates(table: pd.DataFrame, *, measure: str = "logdice", eras=None) -> pd.DataFrame:
    """Rows by era (``eras`` order, else as they come), then ``measure`` descending (NaN last), then collocate."""
    _check_measure(measure)
    order = list(dict.fromkeys(table["era"])) if eras is None else list(eras)
    keyed = table.assign(_era=table["era"].map({e: i for i, e in enumerate(order)}),
                         _value=-table[measure].fillna(-np.inf))
    keyed = keyed.sort_values(["_era", "_value", "collocate"], kind="stable")
    return keyed.drop(columns=["_era", "_value"]).reset_index(drop=True)


def top_collocates(table: pd.DataFrame, *, measure: str = "logdice", top_n: int = 10) -> pd.DataFrame:
    """The ``top_n`` kept collocates of each era by ``measure`` (ties by collocate), eras in the table's order.

    >>> t = pd.DataFrame({"era": ["a", "a", "a"], "collocate": ["y", "x", "z"], "logdice": [9.0, 9.0, 12.0],
    ...                   "kept": [True, True, False]})
    >>> top_collocates(t, top_n=1)["collocate"].tolist()
    ['x']
    """
    _check_measure(measure)
    if isinstance(top_n, bool) or not isinstance(top_n, (int, np.integer)) or top_n < 1:
        raise CorpusError(f"top_n must be a positive integer, not {top_n!r}")
    kept = sort_collocates(table[table["kept"]], measure=measure, eras=list(dict.fromkeys(table["era"])))
    return kept[kept.groupby("era", sort=False).cumcount() < top_n].reset_index(drop=True)


def collocate_shift(table: pd.DataFrame, *, first: str, second: str, measure: str = "logdice") -> pd.DataFrame:
    """The collocates that gained and lost most between two eras, by ``measure``.

    Every collocate kept in either era is compared. ``change`` is the difference of the measure
    computed with half a count added to ``f_xy`` and to ``f_y`` (:data:`SMOOTHING`; logDice's
    denominator gets one more), so that a pair absent from an era has a finite value below a present
    one; G² needs no smoothing. ``value_first`` and ``value_second`` are the table's own values
    (NaN where the pair never co-occurs).

    Parameters
    ----------
    table : pandas.DataFrame
        The collocates frame of :func:`collocates`.
    first, second : str
        The earlier and the later era.
    measure : {"logdice", "g2", "mi"}
        What the change is measured in.

    Returns
    -------
    pandas.DataFrame
        ``collocate, f_xy_first, f_xy_second, f_y_first, f_y_second, value_first, value_second, change``,
        the largest gain first and the largest loss last (ties by collocate). ``attrs`` record the eras
        and the measure.

    Raises
    ------
    CorpusError
        For an era that is not in ``docs``, or where the term does not occur, or two equal eras.
    """
    _check_measure(measure)
    first, second = str(first), str(second)
    summary = {str(e): s for e, s in (table.attrs.get("eras") or
                                      {e: {"f_x": 1} for e in dict.fromkeys(table["era"])}).items()}
    for era in (first, second):
        if era not in summary:
            raise CorpusError(f"no era {era!r}; eras are: {', '.join(summary)}")
        if not summary[era]["f_x"]:
            with_term = [e for e, s in summary.items() if s["f_x"]]
            raise CorpusError(f"the term does not occur in era {era}; choose among: {', '.join(with_term)}")
    if first == second:
        raise CorpusError(f"first and second are both {first!r}; choose two different eras")
    sides = {}
    for label, era in (("first", first), ("second", second)):
        rows = table[table["era"].astype(str) == era].set_index("collocate")
        smoothed = rows if measure == "g2" else _add_measures(
            rows.assign(f_xy=rows["f_xy"] + SMOOTHING, f_y=rows["f_y"] + SMOOTHING), dice_extra=SMOOTHING)
        sides[label] = rows[["f_xy", "f_y", "kept", measure]].rename(columns={measure: "value"}).assign(
            _smoothed=smoothed[measure])
    both = sides["first"].merge(sides["second"], left_index=True, right_index=True, suffixes=("_first", "_second"))
    both = both[both["kept_first"] | both["kept_second"]]
    both = both.assign(change=both["_smoothed_second"] - both["_smoothed_first"]).rename_axis("collocate")
    both = both.reset_index().sort_values(["change", "collocate"], ascending=[False, True], kind="stable")
    columns = ["collocate", "f_xy_first", "f_xy_second", "f_y_first", "f_y_second", "value_first", "value_second",
               "change"]
    shift = both[columns].reset_index(drop=True)
    shift.attrs.update(first=first, second=second, measure=measure)
    return shift


def gained_and_lost(shift: pd.DataFrame, *, top_n: int = 5) -> pd.DataFrame:
    """The ``top_n`` collocates that gained most and the ``top_n`` that lost most, from :func:`collocate_shift`.

    Parameters
    ----------
    shift : pandas.DataFrame
        The frame of :func:`collocate_shift` (its ``attrs`` name the eras).
    top_n : int
        Rows on each side; 0 gives none.

    Returns
    -------
    pandas.DataFrame
        ``direction`` (``"gained"`` or ``"lost"``), ``first``, ``second`` (the eras), then the columns of
        ``shift``: the gains largest first, then the losses largest first. A collocate whose measure did
        not change is neither.

    Raises
    ------
    CorpusError
        For a negative ``top_n``.

    Examples
    --------
    >>> s = pd.DataFrame({"collocate": ["x", "y", "z"], "change": [1.5, 0.0, -2.0]})
    >>> gained_and_lost(s, top_n=1)[["direction", "collocate", "change"]].values.tolist()
    [['gained', 'x', 1.5], ['lost', 'z', -2.0]]
    """
    if isinstance(top_n, bool) or not isinstance(top_n, (int, np.integer)) or top_n < 0:
        raise CorpusError(f"top_n must be 0 or more, not {top_n!r}")
    gained = shift[shift["change"] > 0].head(top_n).assign(direction="gained")
    lost = shift[shift["change"] < 0].tail(top_n).iloc[::-1].assign(direction="lost")
    both = pd.concat([gained, lost], ignore_index=True).assign(first=shift.attrs.get("first", ""),
                                                               second=shift.attrs.get("second", ""))
    return both[["direction", "first", "second", *shift.columns]]


def collocate_lines(tokens: pd.DataFrame, docs: pd.DataFrame, term: str, collocate: str, *,
                    window: int | str = 5, era: str | None = None, context: int = EXAMPLE_CONTEXT) -> pd.DataFrame:
    """The lines behind a row of the collocates frame: one per co-occurrence counted in ``f_xy``.

    Each line shows the counted collocate token and the nearest occurrence of the term in whose
    window it lies, with ``context`` tokens (of every kind) either side, within the paragraph.
    ``start`` is that occurrence's character offset in the speech's ``text_clean``, as
    :func:`corpus.kwic.kwic` gives it: for a literal term, every line is the match of
    ``corpus kwic TERM --era ERA`` in speech ``doc_id`` at ``start``.

    Parameters
    ----------
    tokens, window
        As for :func:`collocates`.
    docs : pandas.DataFrame
        The cleaned docs frame (``id, year, era, text_clean``) that ``tokens`` was segmented from.
    term : str
        As for :func:`collocates`.
    collocate : str
        The collocate token (exactly).
    era : str, optional
        Only this era.
    context : int
        Tokens of context either side.

    Returns
    -------
    pandas.DataFrame
        ``doc_id, year, era, para, pos, collocate_pos, start, line`` (``pos`` is the term's token position in
        the speech, ``start`` its character offset), in docs order then position; ``line`` has the term and
        the collocate in 【】.

    Raises
    ------
    CorpusError
        For an unknown era, docs without ``text_clean`` or whose text ``tokens`` does not spell, or the
        arguments :func:`collocates` rejects.
    """
    window = check_window(window)
    if "text_clean" not in docs.columns:
        raise CorpusError("docs has no text_clean column; pass the cleaned docs frame (clean_docs)")
    arrays = _arrays(tokens, docs, term, sentences=window == SENTENCE)
    eras = arrays["eras"]
    inside = _window_positions(arrays, window)
    hits = inside[arrays["vocabulary"][arrays["word"][inside]] == collocate]
    if era is not None:
        if str(era) not in map(str, eras):
            raise CorpusError(f"no era {era!r}; eras are: {', '.join(map(str, eras))}")
        hits = hits[np.array(eras, dtype=object)[arrays["era"][hits]].astype(str) == str(era)]
    nodes = _nearest_node(arrays, hits, window)
    year = dict(zip(docs["id"].astype(str), docs["year"], strict=True))
    doc_ids = arrays["doc_names"][arrays["doc"][hits]]
    full = arrays["full_index"]
    return pd.DataFrame({
        "doc_id": doc_ids, "year": [year[d] for d in doc_ids],
        "era": np.array(eras, dtype=object)[arrays["era"][hits]], "para": arrays["para"][full[hits]],
        "pos": arrays["pos"][full[nodes]], "collocate_pos": arrays["pos"][full[hits]],
        "start": _offsets(arrays, docs, nodes),
        "line": [_line(arrays, a, b, context) for a, b in zip(nodes, hits, strict=True)],
    }, columns=["doc_id", "year", "era", "para", "pos", "collocate_pos", "start", "line"])


# --------------------------------------------------------------------------- internals

def _check_measure(measure: str) -> None:
    if measure not in MEASURES:
        raise CorpusError(f"measure must be one of {', '.join(MEASURES)}, not {measure!r}")


def _arrays(tokens: pd.DataFrame, docs: pd.DataFrame, term: str, *, sentences: bool = False) -> dict:
    """Integer arrays over the content tokens (codes of the categoricals: no Python loop over tokens).

    Tokens must come in the order of :func:`corpus.segment.segment_docs` (speech, then position).
    """
    missing = [c for c in ("doc_id", "para", "pos", "token", "is_stop") if c not in tokens.columns]
    if missing:
        raise CorpusError(f"tokens is missing column(s) {', '.join(missing)}; pass the frame of segment_docs")
    doc_cat = tokens["doc_id"].astype("category").cat
    token_cat = tokens["token"].astype("category").cat
    vocabulary = np.asarray(token_cat.categories.astype(str), dtype=object)
    doc_names = np.asarray(doc_cat.categories.astype(str), dtype=object)
    eras = ordered_eras(docs)
    era_of_id = dict(zip(docs["id"].astype(str), docs["era"], strict=True))
    unknown = [d for d in doc_names if d not in era_of_id]
    if unknown:
        raise CorpusError(f"tokens has speech {unknown[0]!r}, which docs lacks; segment the same docs frame")
    era_code = {e: i for i, e in enumerate(eras)}
    doc_era = np.array([era_code[era_of_id[d]] for d in doc_names], dtype=np.int32)
    doc, para = doc_cat.codes.to_numpy(), tokens["para"].to_numpy()
    word = token_cat.codes.to_numpy()
    new_para = np.ones(len(tokens), dtype=bool)
    new_para[1:] = (doc[1:] != doc[:-1]) | (para[1:] != para[:-1])
    full_paragraph = np.cumsum(new_para, dtype=np.int32)
    content = ~tokens["is_stop"].to_numpy(bool)
    name, node_words = node_vocabulary(vocabulary, term)
    node = node_words[word[content]]
    if not node.any():
        stop = node_words[word].any()
        raise CorpusError(f"term {term!r} is " + ("only ever a stopword here; choose a content word" if stop else
                          "not a token of the corpus; check it with `corpus kwic`, and add a word that "
                          "segmentation splits to the lexicon"))
    full_index = np.flatnonzero(content)
    arrays = {
        "eras": eras, "name": name, "vocabulary": vocabulary, "doc_names": doc_names, "node": node,
        "word": word[full_index], "doc": doc[full_index], "era": doc_era[doc[full_index]],
        "paragraph": full_paragraph[full_index], "full_index": full_index, "full_word": word,
        "full_paragraph": full_paragraph, "para": para, "pos": tokens["pos"].to_numpy(),
    }
    if sentences:
        ends = np.fromiter((w in SENTENCE_ENDS for w in vocabulary), dtype=bool, count=len(vocabulary))
        new_sentence = new_para  # reused in place: full_paragraph is already counted
        new_sentence[1:] |= ends[word[:-1]]
        arrays["sentence"] = np.cumsum(new_sentence, dtype=np.int32)[full_index]
    return arrays


def _window_positions(arrays: dict, window: int | str) -> np.ndarray:
    """Sorted content positions inside some node's window, each once, the nodes themselves left out."""
    node = arrays["node"]
    if window == SENTENCE:
        sentence = arrays["sentence"]
        inside = np.isin(sentence, sentence[node]) & ~node
        return np.flatnonzero(inside)
    paragraph, at = arrays["paragraph"], np.flatnonzero(node)
    if not len(at):
        return at
    # A position is inside when the nearest node on either side is within the window and in its paragraph
    # (paragraphs are runs of positions, so a farther node of the paragraph never helps): one pass, whatever
    # the window (a step per token of the window made --window 10**12 run for ever).
    position = np.arange(len(node))
    right = np.searchsorted(at, position)
    before, after = at[np.maximum(right - 1, 0)], at[np.minimum(right, len(at) - 1)]
    near_before = (right > 0) & (position - before <= window) & (paragraph[before] == paragraph)
    near_after = (right < len(at)) & (after - position <= window) & (paragraph[after] == paragraph)
    return np.flatnonzero((near_before | near_after) & ~node)


def _lookup(keys: np.ndarray, values: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """``values`` at ``wanted`` keys (sorted ``keys``), 0 where a key is absent."""
    at = np.minimum(np.searchsorted(keys, wanted), max(len(keys) - 1, 0))
    found = (keys[at] == wanted) if len(keys) else np.zeros(len(wanted), dtype=bool)
    return np.where(found, values[at] if len(keys) else 0, 0).astype(np.int64)


def _era_word_counts(era: np.ndarray, word: np.ndarray, n_words: int, wanted: np.ndarray) -> np.ndarray:
    """Occurrences of each wanted (era, word) key among the content tokens; only the wanted words are counted."""
    if not len(wanted):
        return np.zeros(0, dtype=np.int64)
    keep = np.zeros(n_words, dtype=bool)
    keep[wanted % n_words] = True
    chosen = keep[word]
    keys, counts = np.unique(era[chosen].astype(np.int64) * n_words + word[chosen], return_counts=True)
    return _lookup(keys, counts, wanted)


def _add_measures(table: pd.DataFrame, *, dice_extra: float = 0.0) -> pd.DataFrame:
    f_xy, f_x, f_y = (table[c].to_numpy(float) for c in ("f_xy", "f_x", "f_y"))
    span, rest = table["span"].to_numpy(float), (table["n"] - table["f_x"]).to_numpy(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        logdice = 14 + np.log2(2 * f_xy / (f_x + f_y + dice_extra))
        mi = np.log2(f_xy * rest / (span * f_y))
    absent = f_xy <= 0
    a = np.minimum(f_xy, f_y)  # smoothed counts may exceed f_y by half a count
    return table.assign(logdice=np.where(absent, np.nan, logdice), mi=np.where(absent, np.nan, mi),
                        g2=signed_g2(a, f_y - a, span, rest - span) if len(table) else np.zeros(0))


def _pair_docs(arrays: dict, inside: np.ndarray, n_words: int, grid: np.ndarray) -> np.ndarray:
    """Speeches in which each (era, word) of ``grid`` co-occurs with the node."""
    era, word, doc = arrays["era"][inside], arrays["word"][inside], arrays["doc"][inside]
    n_docs = len(arrays["doc_names"])
    pairs = np.unique((era.astype(np.int64) * n_words + word) * n_docs + doc) // n_docs
    keys, counts = np.unique(pairs, return_counts=True)
    return _lookup(keys, counts, grid)


def _nearest_node(arrays: dict, hits: np.ndarray, window: int | str) -> np.ndarray:
    """For each content position inside a window, the nearest node in whose window it lies (the earlier on a tie).

    That is the nearest node of its paragraph (of its sentence, for the sentence window): a window of N tokens
    holds every position of the paragraph at most N away, so the nearest one holds it whenever any node's does.
    """
    at = np.flatnonzero(arrays["node"])
    unit = arrays["sentence"] if window == SENTENCE else arrays["paragraph"]
    after = np.searchsorted(at, hits)  # a hit is never a node: at[after - 1] < hit < at[after]
    left, right = at[np.maximum(after - 1, 0)], at[np.minimum(after, len(at) - 1)]
    left_ok = (after > 0) & (unit[left] == unit[hits])
    right_ok = (after < len(at)) & (unit[right] == unit[hits])
    take_right = right_ok & (~left_ok | (right - hits < hits - left))
    return np.where(take_right, right, left)


def _examples(arrays: dict, inside: np.ndarray, grid: np.ndarray, n_words: int, window: int | str) -> pd.DataFrame:
    """The first co-occurrence of each (era, word) of ``grid``, as ``example_doc, example``."""
    keys = arrays["era"][inside].astype(np.int64) * n_words + arrays["word"][inside]
    first_keys, first = np.unique(keys, return_index=True)
    at = np.minimum(np.searchsorted(first_keys, grid), max(len(first_keys) - 1, 0))
    found = (first_keys[at] == grid) if len(first_keys) else np.zeros(len(grid), dtype=bool)
    hits = inside[first[at[found]]] if len(first_keys) else np.zeros(0, dtype=np.int64)
    nodes = _nearest_node(arrays, hits, window)
    doc, line = np.full(len(grid), "", dtype=object), np.full(len(grid), "", dtype=object)
    doc[found] = arrays["doc_names"][arrays["doc"][hits]]
    line[found] = [_line(arrays, a, b, EXAMPLE_CONTEXT) for a, b in zip(nodes, hits, strict=True)]
    return pd.DataFrame({"example_doc": doc, "example": line}, index=range(len(grid)))


def _offsets(arrays: dict, docs: pd.DataFrame, positions: np.ndarray) -> np.ndarray:
    """The character offset in ``text_clean`` of the token at each content position.

    Tokens are the paragraph's text cut into pieces, whitespace pieces dropped: each token is found
    where the previous one ended, after whitespace at most.
    """
    texts = dict(zip(docs["id"].astype(str), docs["text_clean"], strict=True))
    full, words, vocabulary = arrays["full_index"], arrays["full_word"], arrays["vocabulary"]
    paragraph, para = arrays["full_paragraph"], arrays["para"]
    line_starts: dict[str, list[int]] = {}
    token_starts: dict[int, tuple[int, list[int]]] = {}  # per paragraph: its first token, each token's offset
    starts = np.zeros(len(positions), dtype=np.int64)
    for k, position in enumerate(positions):
        doc_id, i = arrays["doc_names"][arrays["doc"][position]], full[position]
        if paragraph[i] not in token_starts:  # each paragraph spelt once, however many lines it gives
            text = texts[doc_id]
            if doc_id not in line_starts:  # the paragraphs of corpus.clean.paragraphs_of: the non-empty lines
                lines = text.split("\n")
                offsets = np.cumsum([0] + [len(line) + 1 for line in lines])
                line_starts[doc_id] = [int(o) for o, line in zip(offsets, lines, strict=False) if line]
            cursor, first = line_starts[doc_id][para[i]], int(np.searchsorted(paragraph, paragraph[i]))
            spelt = []
            for j in range(first, int(np.searchsorted(paragraph, paragraph[i], side="right"))):
                word = vocabulary[words[j]]
                found = text.find(word, cursor)
                if found < 0 or (found > cursor and not text[cursor:found].isspace()):
                    raise CorpusError(f"speech {doc_id}'s tokens do not spell its text_clean in paragraph "
                                      f"{para[i]}; segment the same docs frame")
                spelt.append(found)
                cursor = found + len(word)
            token_starts[paragraph[i]] = (first, spelt)
        first, spelt = token_starts[paragraph[i]]
        starts[k] = spelt[i - first]
    return starts


def _line(arrays: dict, node: int, hit: int, context: int) -> str:
    """Tokens of the paragraph from ``context`` before the pair to ``context`` after, the pair in 【】."""
    full, words, vocabulary = arrays["full_index"], arrays["full_word"], arrays["vocabulary"]
    paragraph = arrays["full_paragraph"]
    a, b = sorted((full[node], full[hit]))
    start, stop = max(a - context, 0), min(b + context + 1, len(words))
    marked = {full[node], full[hit]}
    return "".join(f"【{vocabulary[words[i]]}】" if i in marked else vocabulary[words[i]]
                   for i in range(start, stop) if paragraph[i] == paragraph[a])
