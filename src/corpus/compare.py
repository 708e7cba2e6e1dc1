"""What one speech says that earlier speeches did not: new, missing and distinctive terms, with their evidence.

A journalist's question about a new speech: what does it say that the
reference speeches (by default: every speech of earlier years) did not?
:func:`compare_speech` answers for one **target** (a speech of the corpus,
or any text: :func:`text_target`) against a **reference** set of speeches,
and every answer comes with the lines it rests on.

Terms are of three kinds: ``marker``, an era marker of the dating table
(:mod:`corpus.dating`, matched by its pattern on the cleaned text, so
三年疫情 is found though it is two tokens); ``lexicon``, a 提法 of the domain
lexicon (:func:`corpus.lexicon.read_lexicon`); ``word``, any other content
token of at least two characters (not a stopword, punctuation or number, as
:func:`corpus.features.count_terms` counts; a single character is mostly a
piece cut from a longer word, as in :func:`corpus.markers.propose_markers`).
Where a marker and a token have the same name, the marker is kept.

Counts in ``new`` and ``missing`` are matches of ``pattern`` on the cleaned
text (``corpus kwic PATTERN`` finds exactly these lines: a word inside a
longer word counts too); rates are per 10,000 Han characters.

**New** (what the reference never or rarely says): the target uses the term
at least ``min_count`` times (a marker or a lexicon 提法: once is enough,
since each is a phrase someone chose), at most ``max(1, 10 %)`` of the
reference speeches use it (:data:`RARE_SHARE`: one speech may anticipate a
term, a tenth of them is a habit), and the target's rate is at least twice
the reference's (:data:`RATE_RATIO`). ``status`` is ``never`` (no match in
the reference) or ``rare``.

**Missing** (what the reference said steadily and the target drops): at
least half of the reference speeches use it (:data:`STEADY_SHARE`: a word
one speech repeats is not a habit of the genre), at the reference's rate the
target's length would hold at least ``min_expected`` (3) of it (a Poisson
count of mean 3 is 0 only 5 % of the time, so its absence is a choice, not
chance), and the target has no match at all. Lexicon terms are checked as
tokens and markers; a term that is never a token is only checked as a marker.

**Distinctive**: :func:`corpus.keyness.keyness` of the target's content
tokens against the reference's (two eras, ``target`` and ``reference``),
terms more frequent in the target (signed G² > 0).

Frames of a :class:`Comparison`:

``new``: ``term, kind, pattern, count, per10k, ref_count, ref_docs,
ref_per10k, g2, status, since``, kinds in the order marker, lexicon, word;
markers by ``since`` (the first year of their window: the newest 提法 first,
as a reader of a new speech wants), then by G² (signed, target against
reference), descending.

``missing``: ``term, kind, pattern, count (0), ref_count, ref_docs,
ref_per10k, expected, g2``, by kind, then ``expected`` descending.

``distinctive``: ``term, kind, pattern, n_target, n_reference, docs_reference,
g2, p, log_ratio``, by G² descending (token counts, as keyness counts them).

``markers``: ``marker, kind, first, last, count, generic, ref_count,
ref_docs, effect, pattern``: every era marker in the target, most mentioned
first, with what it does to the dating estimate (:func:`corpus.dating.date_text`).

``evidence``: ``table, term, source, doc_id, year, left, match, right``: up
to ``lines`` KWIC lines (:func:`corpus.kwic.kwic`) for each of the first
``top_n`` rows of every table: from the target for new, distinctive and
marker rows; from the reference for missing rows (one line per speech,
latest first, before a second from any) and for ``rare`` new rows (where
the reference did use it).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .clean import clean_text, count_han
from .dating import DateEstimate, date_text, find_markers, read_era_markers
from .errors import CorpusError
from .features import content_tokens, parse_terms
from .keyness import keyness, signed_g2
from .kwic import kwic
from .lexicon import read_lexicon
from .segment import Segmenter, segment_docs

BEFORE = "before"
REST = "rest"
KINDS = ("marker", "lexicon", "word")
RARE_SHARE = 0.1
RATE_RATIO = 2.0
STEADY_SHARE = 0.5
MIN_EXPECTED = 3.0

NEW_COLUMNS = ("term", "kind", "pattern", "count", "per10k", "ref_count", "ref_docs", "ref_per10k", "g2", "status",
               "since")
MISSING_COLUMNS = ("term", "kind", "pattern", "count", "ref_count", "ref_docs", "ref_per10k", "expected", "g2")
DISTINCTIVE_COLUMNS = ("term", "kind", "pattern", "n_target", "n_reference", "docs_reference", "g2", "p",
                       "log_ratio")
MARKER_COLUMNS = ("marker", "kind", "first", "last", "count", "generic", "ref_count", "ref_docs", "effect", "pattern")
EVIDENCE_COLUMNS = ("table", "term", "source", "doc_id", "year", "left", "match", "right")
TABLES = ("new", "missing", "distinctive", "markers")


@dataclass(frozen=True)
class Target:
    """The speech to compare: a one-row cleaned docs frame (``id, year, era, text_clean, n_han``) and its tokens.

    ``year_basis`` says where ``year`` comes from: ``"metadata"``, ``"given"``,
    ``"dated"`` (the most probable year of :func:`corpus.dating.date_text`)
    or ``"unknown"`` (``year`` is None).
    """

    doc: pd.DataFrame
    tokens: pd.DataFrame
    year_basis: str = "metadata"
    estimate: DateEstimate | None = None

    @property
    def name(self) -> str:
        return str(self.doc["id"].iloc[0])

    @property
    def year(self) -> int | None:
        year = self.doc["year"].iloc[0]
        return None if year is None or pd.isna(year) else int(year)


@dataclass(frozen=True)
class Comparison:
    """The answer of :func:`compare_speech`: the frames of the module docstring and what was compared.

    Attributes
    ----------
    target : str
        The target's id or name.
    year, year_basis : int or None, str
        The target's year and where it comes from (see :class:`Target`).
    against : str
        ``"before"``, ``"rest"`` or an era label.
    reference : str
        The reference in words, e.g. ``"speeches before 2023"``.
    reference_ids : tuple of str
        The reference speeches, in year order.
    n_han, ref_n_han : int
        Han characters of the target and of the reference.
    estimate : DateEstimate
        The target dated from its era markers.
    """

    target: str
    year: int | None
    year_basis: str
    against: str
    reference: str
    reference_ids: tuple[str, ...]
    n_han: int
    ref_n_han: int
    estimate: DateEstimate
    new: pd.DataFrame = field(repr=False)
    missing: pd.DataFrame = field(repr=False)
    distinctive: pd.DataFrame = field(repr=False)
    markers: pd.DataFrame = field(repr=False)
    evidence: pd.DataFrame = field(repr=False)

    def lines(self, table: str, term: str) -> pd.DataFrame:
        """The evidence lines of one row of one table (``"new"``, ``"missing"``, ``"distinctive"``, ``"markers"``)."""
        rows = self.evidence[(self.evidence["table"] == table) & (self.evidence["term"] == term)]
        return rows.reset_index(drop=True)


def text_target(text: str, *, name: str = "text", year: int | None = None, segmenter: Segmenter | None = None,
                stopwords: frozenset[str] | None = None, markers: pd.DataFrame | None = None) -> Target:
    """A text that need not be in the corpus, cleaned and segmented as the corpus is; nothing is written.

    Parameters
    ----------
    text : str
        The raw text (e.g. ``corpus.extract.read_text_file(path).text``).
    name : str
        How the text is called in the output (its ``id``).
    year : int, optional
        Its year; by default the most probable year of its era markers
        (``year_basis="dated"``), or None when it has none (``"unknown"``).
    segmenter, stopwords, markers
        As the corpus uses them (the data folder's lexicon, stopwords and era markers).

    Raises
    ------
    CorpusError
        When the text has no Han characters.
    """
    cleaned = clean_text(text)
    n_han = count_han(cleaned)
    if not n_han:
        raise CorpusError(f"{name}: no Chinese text to compare; give a transcript of a speech")
    estimate = date_text(cleaned, markers=markers, clean=False)
    basis = "given"
    if year is None:
        year, basis = estimate.best, "dated" if estimate.best is not None else "unknown"
    doc = pd.DataFrame({"id": [name], "year": [year], "era": ["" if year is None else str(year)],
                        "text_clean": [cleaned], "n_han": [n_han]})
    tokens = segment_docs(doc, segmenter=segmenter, stopwords=stopwords, cache_dir=False, progress=False, n_jobs=1)
    return Target(doc, tokens, basis, estimate)


def corpus_target(docs: pd.DataFrame, tokens: pd.DataFrame, doc_id: str) -> Target:
    """The speech ``doc_id`` of a cleaned docs frame and its tokens.

    Raises
    ------
    CorpusError
        When no speech has that id.
    """
    doc = docs[docs["id"] == doc_id]
    if doc.empty:
        raise CorpusError(f"no speech with id {doc_id!r}; `corpus validate` lists the ids")
    return Target(doc.reset_index(drop=True), tokens[tokens["doc_id"] == doc_id], "metadata")


def reference_docs(docs: pd.DataFrame, target: Target, *, against: str = BEFORE) -> tuple[pd.DataFrame, str]:
    """The reference speeches (never the target itself) and how to say what they are.

    ``"before"``: speeches of years before the target's; ``"rest"``: every
    other speech; else an era label of ``docs["era"]``.

    Raises
    ------
    CorpusError
        For an unknown era, an era or a corpus with no speech but the
        target, no speeches before the target's year, or ``"before"`` for a
        text whose year is unknown.
    """
    others = docs[docs["id"] != target.name]
    if against == BEFORE:
        if target.year is None:
            raise CorpusError(f"{target.name}: no era markers tell its year; give --year YEAR, or --against rest")
        chosen, words = others[others["year"] < target.year], f"speeches before {target.year}"
        if chosen.empty:
            first = int(docs["year"].min()) if len(docs) else target.year
            raise CorpusError(f"no speeches before {target.year} to compare {target.name} with (the corpus begins "
                              f"in {first}); use --against rest or --against ERA")
    elif against == REST:
        chosen, words = others, "every other speech"
        if chosen.empty:
            raise CorpusError(f"the corpus has no speech besides {target.name}; add speeches to compare with")
    else:
        eras = [str(e) for e in dict.fromkeys(docs["era"])]
        if str(against) not in eras:
            raise CorpusError(f"no era {against!r}; eras are: {', '.join(eras)} (or before, rest; --by chooses "
                              "the grouping)")
        chosen, words = others[others["era"].astype(str) == str(against)], f"the speeches of {against}"
        if chosen.empty:
            raise CorpusError(f"era {against} has no speech besides {target.name}; choose another era, or rest")
    return chosen.sort_values(["year", "id"], kind="stable"), words


def compare_speech(
    docs: pd.DataFrame,
    tokens: pd.DataFrame,
    target: str | Target,
    *,
    against: str = BEFORE,
    lexicon: pd.DataFrame | None = None,
    markers: pd.DataFrame | None = None,
    min_count: int = 2,
    min_expected: float = MIN_EXPECTED,
    top_n: int | None = 15,
    lines: int = 3,
    width: int = 20,
) -> Comparison:
    """What ``target`` says that the reference speeches did not, and the reverse; every row with its lines.

    Parameters
    ----------
    docs : pandas.DataFrame
        The cleaned docs frame of the corpus (``id, year, era, text_clean, n_han``).
    tokens : pandas.DataFrame
        Its tokens frame (:func:`corpus.segment.segment_docs`).
    target : str or Target
        A speech id of ``docs``, or a text from :func:`text_target`.
    against : str
        ``"before"`` (speeches of earlier years), ``"rest"`` (every other
        speech) or an era label (the speeches of that era).
    lexicon : pandas.DataFrame, optional
        ``term, category`` (:func:`corpus.lexicon.read_lexicon`); the shipped lexicon by default.
    markers : pandas.DataFrame, optional
        The era markers (:func:`corpus.dating.read_era_markers`); the shipped table by default.
    min_count : int
        Least matches in the target for a word to be new (a marker or a lexicon 提法 needs one).
    min_expected : float
        Least count the target's length leads to expect at the reference's rate, for a term to be missing.
    top_n : int or None
        Rows of each table that get evidence lines (None: every row).
    lines : int
        Evidence lines per row and source.
    width : int
        Characters of context on each side of an evidence line.

    Returns
    -------
    Comparison
        The frames of the module docstring.

    Raises
    ------
    CorpusError
        For an unknown id and as :func:`reference_docs` says.

    Examples
    --------
    >>> result = compare_speech(docs, tokens, "001")           # doctest: +SKIP
    >>> result.new[["term", "count", "ref_count", "status"]].head(2)  # doctest: +SKIP
       term  count  ref_count status
    0    四敢      1          0  never
    1  三年疫情      1          0  never
    """
    if min_count < 1 or min_expected <= 0 or lines < 0 or width < 0:
        raise CorpusError("min_count must be at least 1, min_expected above 0, lines and width at least 0")
    target = corpus_target(docs, tokens, target) if isinstance(target, str) else target
    ref, words = reference_docs(docs, target, against=against)
    markers = read_era_markers() if markers is None else markers
    lexicon_terms = frozenset((read_lexicon() if lexicon is None else lexicon)["term"])
    text = target.doc["text_clean"].iloc[0]
    n_han, ref_n_han = int(target.doc["n_han"].iloc[0]), int(ref["n_han"].sum())
    estimate = target.estimate or date_text(text, markers=markers, clean=False)

    ref_ids = set(ref["id"].astype(str))
    ref_tokens = content_tokens(tokens[tokens["doc_id"].isin(ref_ids)])  # categorical: no string per token
    own = Counter(content_tokens(target.tokens)["token"].astype(str))
    ref_count = ref_tokens.groupby("token", observed=True).size()
    ref_count.index = ref_count.index.astype(str)
    ref_docs = ref_tokens.groupby("token", observed=True)["doc_id"].nunique()
    ref_docs.index = ref_docs.index.astype(str)
    found = find_markers(text, markers)
    ref_found = pd.concat([find_markers(t, markers).assign(doc_id=i)
                           for i, t in zip(ref["id"], ref["text_clean"], strict=True)])
    marker_names = set(markers["marker"])
    first_year = dict(zip(markers["marker"], markers["first"], strict=True))
    patterns = {m: marker_pattern(m, p) for m, p in zip(markers["marker"], markers["pattern"], strict=True)}
    sizes = _Sizes(n_han, ref_n_han, len(ref))

    def kind(term: str) -> str:
        return "lexicon" if term in lexicon_terms else "word"

    own = Counter({t: n for t, n in own.items() if len(t) >= 2 or t in lexicon_terms})
    ref_count = ref_count[[len(t) >= 2 or t in lexicon_terms for t in ref_count.index]]

    # New: tokens and lexicon terms of the target the reference's tokens rarely hold, then counted on the texts.
    rare = sizes.rare_docs
    in_text = [t for t in lexicon_terms if t not in own and t in text]
    candidates = [t for t in list(own) + in_text if t not in marker_names and ref_docs.get(t, 0) <= rare]
    new = _text_rows(candidates, text, ref, kind=kind)
    own_markers = dict(zip(found["marker"], found["count"], strict=True))
    new = pd.concat([new, _marker_rows(list(own_markers), own_markers, ref_found, patterns)], ignore_index=True)
    new = _new(new.assign(since=new["term"].map(first_year).where(new["kind"] == "marker").astype("Int64")), sizes,
               min_count=min_count)

    # Missing: steady tokens of the reference (and markers) with no match at all in the target.
    steady = sizes.steady_docs
    expected = ref_count * n_han / max(ref_n_han, 1)
    candidates = [t for t in ref_count.index if ref_docs[t] >= steady and expected[t] >= min_expected
                  and own.get(t, 0) == 0 and t not in marker_names]
    missing = _text_rows(candidates, text, ref, kind=kind)
    absent = [m for m in dict.fromkeys(ref_found["marker"]) if m not in own_markers]
    missing = pd.concat([missing, _marker_rows(absent, {}, ref_found, patterns)], ignore_index=True)
    missing = _missing(missing, sizes, min_expected=min_expected)

    distinctive = _distinctive(own, ref_count, ref_docs, kind=kind)
    marker_table = _markers(found, ref_found, estimate, patterns)
    target_docs = target.doc[["id", "year", "era", "text_clean"]]
    ref_latest = ref.sort_values(["year", "id"], ascending=[False, True], kind="stable")
    evidence = pd.concat([
        _evidence("new", new, target_docs, ref_latest, top_n=top_n, lines=lines, width=width),
        _evidence("missing", missing, target_docs, ref_latest, top_n=top_n, lines=lines, width=width),
        _evidence("distinctive", distinctive, target_docs, None, top_n=top_n, lines=lines, width=width),
        _evidence("markers", marker_table.rename(columns={"marker": "term"}), target_docs, None, top_n=top_n,
                  lines=lines, width=width),
    ], ignore_index=True)
    return Comparison(target.name, target.year, target.year_basis, against, words,
                      tuple(ref["id"].astype(str)), n_han, ref_n_han, estimate, new, missing, distinctive,
                      marker_table, evidence)


@dataclass(frozen=True)
class _Sizes:
    n_han: int
    ref_n_han: int
    n_ref: int

    @property
    def rare_docs(self) -> int:
        return max(1, math.floor(RARE_SHARE * self.n_ref))

    @property
    def steady_docs(self) -> int:
        return max(1, math.ceil(STEADY_SHARE * self.n_ref))


def marker_pattern(marker: str, pattern: str) -> str:
    """What ``corpus kwic`` takes to find an era marker: its name, or ``NAME=PATTERN`` when it has a pattern.

    The name in front keeps an ``=`` inside the pattern (a lookahead ``(?=``) from being read as the separator.

    >>> marker_pattern("四敢", "(?<![一二三四五六七八九十])四敢")
    '四敢=(?<![一二三四五六七八九十])四敢'
    >>> marker_pattern("两个确立", "")
    '两个确立'
    """
    return f"{marker}={pattern}" if pattern else re.escape(marker)


def _text_rows(terms: list[str], text: str, ref: pd.DataFrame, *, kind) -> pd.DataFrame:
    """``term, kind, pattern, count, ref_count, ref_docs`` of literal terms, counted as ``corpus kwic`` finds them."""
    rows = []
    compiled = parse_terms({t: re.escape(t) for t in terms}) if terms else {}
    ref_texts = ref["text_clean"].tolist()
    for term, regex in compiled.items():
        per_doc = [len(regex.findall(t)) if term in t else 0 for t in ref_texts]  # `in`: cheap, and exact here
        rows.append((term, kind(term), re.escape(term), len(regex.findall(text)), sum(per_doc),
                     sum(1 for n in per_doc if n)))
    return pd.DataFrame(rows, columns=["term", "kind", "pattern", "count", "ref_count", "ref_docs"])


def _marker_rows(names: list[str], own: dict[str, int], ref_found: pd.DataFrame,
                 patterns: dict[str, str]) -> pd.DataFrame:
    """The same columns for markers: ``own`` counts in the target, ``ref_found`` (with ``doc_id``) in the reference."""
    ref = ref_found.groupby("marker").agg(ref_count=("count", "sum"), ref_docs=("doc_id", "nunique"))
    return pd.DataFrame({"term": names, "kind": "marker", "pattern": [patterns[m] for m in names],
                         "count": [int(own.get(m, 0)) for m in names],
                         "ref_count": [int(ref["ref_count"].get(m, 0)) for m in names],
                         "ref_docs": [int(ref["ref_docs"].get(m, 0)) for m in names]},
                        columns=["term", "kind", "pattern", "count", "ref_count", "ref_docs"])


def _rates(rows: pd.DataFrame, sizes: _Sizes) -> pd.DataFrame:
    rows = rows.astype({"count": int, "ref_count": int, "ref_docs": int})
    return rows.assign(
        per10k=rows["count"] * 10_000 / max(sizes.n_han, 1),
        ref_per10k=rows["ref_count"] * 10_000 / max(sizes.ref_n_han, 1),
        expected=rows["ref_count"] * sizes.n_han / max(sizes.ref_n_han, 1),
        g2=np.round(signed_g2(rows["count"], rows["ref_count"], max(sizes.n_han, 1), max(sizes.ref_n_han, 1)), 9),
        _kind=rows["kind"].map({k: i for i, k in enumerate(KINDS)}),
    )


def _new(rows: pd.DataFrame, sizes: _Sizes, *, min_count: int) -> pd.DataFrame:
    rows = _rates(rows, sizes)
    enough = rows["count"] >= np.where(rows["kind"] == "word", min_count, 1)
    rare = (rows["ref_docs"] <= sizes.rare_docs) & (rows["per10k"] >= RATE_RATIO * rows["ref_per10k"])
    rows = rows[enough & rare].assign(status=np.where(rows["ref_count"] == 0, "never", "rare")[enough & rare])
    rows = rows.assign(_since=rows["since"].fillna(0).astype(int))
    rows = rows.sort_values(["_kind", "_since", "g2", "count", "term"], ascending=[True, False, False, False, True],
                            kind="stable")
    return rows.loc[:, list(NEW_COLUMNS)].reset_index(drop=True)


def _missing(rows: pd.DataFrame, sizes: _Sizes, *, min_expected: float) -> pd.DataFrame:
    rows = _rates(rows, sizes)
    kept = (rows["count"] == 0) & (rows["ref_docs"] >= sizes.steady_docs) & (rows["expected"] >= min_expected)
    rows = rows[kept].sort_values(["_kind", "expected", "term"], ascending=[True, False, True], kind="stable")
    return rows.loc[:, list(MISSING_COLUMNS)].reset_index(drop=True)


def _distinctive(own: Counter, ref_count: pd.Series, ref_docs: pd.Series, *, kind) -> pd.DataFrame:
    counts = pd.DataFrame(
        [("target", t, n, 1) for t, n in own.items()]
        + [("reference", t, int(n), int(ref_docs[t])) for t, n in ref_count.items()],
        columns=["era", "term", "count", "docs"])
    if not own or ref_count.empty:
        return pd.DataFrame(columns=list(DISTINCTIVE_COLUMNS))
    table = keyness(counts, target="target", reference="reference")
    table = table[table["g2"] > 0]
    table = table.assign(kind=table["term"].map(kind), pattern=table["term"].map(re.escape),
                         docs_reference=table["term"].map(lambda t: int(ref_docs.get(t, 0))))
    return table.loc[:, list(DISTINCTIVE_COLUMNS)].reset_index(drop=True)


def _markers(found: pd.DataFrame, ref_found: pd.DataFrame, estimate: DateEstimate,
             patterns: dict[str, str]) -> pd.DataFrame:
    own = dict(zip(found["marker"], found["count"], strict=True))
    rows = _marker_rows(list(own), own, ref_found, patterns).set_index("term")
    effect = {e["marker"]: e["effect"] for e in estimate.evidence}
    table = found.assign(ref_count=found["marker"].map(rows["ref_count"]).fillna(0).astype(int),
                         ref_docs=found["marker"].map(rows["ref_docs"]).fillna(0).astype(int),
                         effect=found["marker"].map(effect).fillna(""),
                         pattern=found["marker"].map(patterns))
    return table.loc[:, list(MARKER_COLUMNS)].reset_index(drop=True)


def spread_lines(table: pd.DataFrame, n: int) -> pd.DataFrame:
    """``n`` KWIC rows, one per speech in the order given before a second from any speech.

    >>> table = pd.DataFrame({"doc_id": ["b", "b", "a"], "start": [1, 9, 4]})
    >>> spread_lines(table, 2)["start"].tolist()
    [1, 4]
    """
    rank = table.groupby("doc_id", sort=False).cumcount()
    return table.assign(_rank=rank).sort_values("_rank", kind="stable").head(n).drop(columns="_rank")


def _evidence(name: str, rows: pd.DataFrame, target_docs: pd.DataFrame, ref_docs: pd.DataFrame | None, *,
              top_n: int | None, lines: int, width: int) -> pd.DataFrame:
    """KWIC lines for the first ``top_n`` rows: the target's, and the reference's where the table wants them."""
    shown = rows if top_n is None else rows.head(top_n)
    found = []
    for row in shown.itertuples(index=False):
        sources = []
        if name != "missing":
            sources.append(("target", target_docs))
        if ref_docs is not None and (name == "missing" or getattr(row, "status", "") == "rare"):
            sources.append(("reference", ref_docs))
        for source, docs in sources:
            table = spread_lines(kwic(docs, row.pattern, width=width), lines)
            found.append(table.assign(table=name, term=row.term, source=source))
    if not found:
        return pd.DataFrame(columns=list(EVIDENCE_COLUMNS))
    return pd.concat(found, ignore_index=True).loc[:, list(EVIDENCE_COLUMNS)]


def comparison_table(result: Comparison) -> pd.DataFrame:
    """Every row of the four tables as one tidy frame, ``table`` first (what ``corpus compare --csv`` prints).

    Columns: ``table, term, kind, pattern, count, ref_count, ref_docs, per10k,
    ref_per10k, expected, g2, status, first, last, effect``; a column a table
    lacks is empty. For ``distinctive`` rows, ``count`` and ``ref_count`` are
    token counts (``n_target``, ``n_reference``).
    """
    columns = ["table", "term", "kind", "pattern", "count", "ref_count", "ref_docs", "per10k", "ref_per10k",
               "expected", "g2", "status", "first", "last", "effect"]
    parts = [
        result.new.assign(table="new"),
        result.missing.assign(table="missing"),
        result.distinctive.rename(columns={"n_target": "count", "n_reference": "ref_count",
                                           "docs_reference": "ref_docs"}).assign(table="distinctive"),
        result.markers.rename(columns={"marker": "term"}).assign(table="markers"),
    ]
    frames = [p.reindex(columns=columns) for p in parts if len(p)]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)


def figure_table(result: Comparison, *, top_n: int = 15) -> pd.DataFrame:
    """The data of the new-versus-missing figure: ``side, term, kind, value``.

    ``side`` is ``"new"`` (``value``: matches in the target) or ``"missing"``
    (``value``: the count expected at the reference's rate, the target having
    none); at most ``top_n`` rows a side, in the tables' order.
    """
    new = result.new.head(top_n)
    missing = result.missing.head(top_n)
    return pd.DataFrame({
        "side": ["new"] * len(new) + ["missing"] * len(missing),
        "term": list(new["term"]) + list(missing["term"]),
        "kind": list(new["kind"]) + list(missing["kind"]),
        "value": [float(v) for v in new["count"]] + [round(float(v), 1) for v in missing["expected"]],
    })


def report_lines(result: Comparison, *, top_n: int = 15, lines: int = 2) -> list[str]:
    """The comparison as text: a header, then each table's first ``top_n`` rows, each with ``lines`` KWIC lines."""
    year = "year unknown" if result.year is None else f"{result.year}, {result.year_basis}"
    if result.year_basis == "dated":
        year += f" from its words: {result.estimate.describe()}"
    out = [f"{result.target} ({year}) against {result.reference}: {len(result.reference_ids)} speech"
           f"{'es' * (len(result.reference_ids) != 1)} ({', '.join(result.reference_ids)}), "
           f"{result.ref_n_han:,} Han characters; the target {result.n_han:,}",
           f"dated from its era markers: {result.estimate.describe()}"]
    sections = [
        ("new", "NEW: the reference never or rarely says it", result.new,
         lambda r: f"×{r.count} ({r.per10k:.1f}/10k); reference ×{r.ref_count} in {r.ref_docs} ({r.status})"),
        ("missing", "MISSING: the reference said it steadily, the target never", result.missing,
         lambda r: f"×0, expected {r.expected:.1f}; reference ×{r.ref_count} in {r.ref_docs} speeches"),
        ("distinctive", "DISTINCTIVE: keyness against the reference (tokens)", result.distinctive,
         lambda r: f"×{r.n_target} vs ×{r.n_reference} in {r.docs_reference}; G² {r.g2:.1f}, log2 ratio "
                   f"{r.log_ratio:.1f}"),
        ("markers", "ERA MARKERS that date it", result.markers.rename(columns={"marker": "term"}),
         lambda r: f"×{r.count}, window {r.first}–{r.last}; reference ×{r.ref_count} in {r.ref_docs}; {r.effect}"),
    ]
    for table, title, rows, describe in sections:
        out.append("")
        out.append(f"{title} ({len(rows)})")
        if rows.empty:
            out.append("  (none)")
        for row in rows.head(top_n).itertuples(index=False):
            out.append(f"  {row.term} [{row.kind}]  {describe(row)}")
            shown = result.lines(table, row.term).groupby("source", sort=False).head(lines)
            for line in shown.itertuples(index=False):
                where = "" if line.source == "target" else f" {line.year}"
                out.append(f"      {line.doc_id}{where}  …{line.left}【{line.match}】{line.right}…")
        if len(rows) > top_n:
            out.append(f"  … {len(rows) - top_n} more (--top N, or --csv for all)")
    return out
