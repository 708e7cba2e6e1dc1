"""Date a speech from its own words, and catch mislabelled years.

Chinese political speeches carry their date in their vocabulary: five-year
plans, party congresses, leaders' theories, campaigns, events. The era-marker
table (``era_markers.csv``, shipped in ``corpus/resources/``: ``marker, pattern, first, last,
kind, note``) gives, for each marker, the years in which it is used as a
current term. :func:`date_text` scores every candidate year against the
markers a text contains:

- a marker cannot be used before it exists: a year before ``first`` is
  impossible (except the year before a plan or a congress, when speeches
  announce it, which costs a little per mention);
- a marker used after ``last`` is weak evidence against that year, not a
  contradiction: speeches review the last plan, cite past theories and
  campaigns. Each year past ``last`` (after a grace year for plans,
  campaigns and events) costs a penalty by kind, times the number of
  mentions (at most 3), so one stray mention of a past period caps nothing
  on its own while several markers of a period together do;
- the estimate is every year whose score is within :data:`TOLERANCE` of the
  best score; ``best`` is the middle of the best-scoring years (the earlier
  one of two), a neutral guess inside that plateau.

:func:`date_text` returns a :class:`DateEstimate` with the range, the best
guess and the evidence: each marker found, its count, its window and how it
moved the estimate. :func:`date_docs` dates a docs frame; :func:`check_years`
turns disagreements with the metadata into warnings.
"""

from __future__ import annotations

import io
import re
import re._constants as _constants
import re._parser as _parser
from dataclasses import asdict, dataclass, field
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

from . import config
from .clean import clean_text, script_neutral_pattern, term_pattern
from .errors import CorpusError
from .files import data_resource

MARKER_KINDS = ("plan", "congress", "theory", "campaign", "event", "slogan")
# Per year past a marker's last year, per mention (why: how long each kind lingers in speeches).
PAST_PENALTY = {"plan": 1.0, "campaign": 0.5, "event": 0.5, "slogan": 0.3, "congress": 0.2, "theory": 0.15}
# Years after ``last`` that cost nothing: a plan is reviewed, a campaign consolidated, in the year after.
GRACE = {"plan": 1, "campaign": 1, "event": 1}
# Plans and congresses are announced the year before they start; that costs this much per mention.
ANTICIPATION = {"plan": 0.25, "congress": 0.25}
MAX_WEIGHT = 3
TOLERANCE = 1.0


@dataclass(frozen=True)
class DateEstimate:
    """When a text was most likely given: ``low``..``high`` and ``best``, with the evidence.

    ``low``, ``high`` and ``best`` are None when the text contains no marker.
    ``evidence`` has one dict per marker found: ``marker, kind, count, first,
    last, effect``.
    """

    low: int | None
    high: int | None
    best: int | None
    evidence: list[dict] = field(default_factory=list)

    def to_dict(self) -> dict:
        """A JSON-ready dict."""
        return asdict(self)

    def __contains__(self, year: int) -> bool:
        return self.low is not None and self.low <= year <= self.high

    def describe(self) -> str:
        """``2012–2016 (best 2013)``, or ``no era markers``."""
        if self.low is None:
            return "no era markers"
        span = str(self.low) if self.low == self.high else f"{self.low}–{self.high}"
        return f"{span} (best {self.best})"


def era_markers_file(data_dir: str | Path | None = None) -> Path | Traversable:
    """The era-marker table of a data folder (``DIR/lexicon/era_markers.csv``), else the shipped one."""
    return data_resource(data_dir, config.ERA_MARKERS_FILE)


def read_era_markers(path: str | Path | Traversable | None = None) -> pd.DataFrame:
    """Read and check the era-marker table.

    Returns
    -------
    pandas.DataFrame
        ``marker, pattern, first, last, kind, note, regex, triggers`` (``regex``
        compiled; an empty ``pattern`` matches the marker literally; like a
        term, it matches in either script and never inside a longer run of
        numerals: :func:`corpus.clean.term_pattern`).

    Raises
    ------
    CorpusError
        Naming the line, for a missing column, a bad year, first > last, an
        unknown kind, an invalid pattern or a duplicate marker.
    """
    path = config.resource(config.ERA_MARKERS_FILE) if path is None else Path(path) if isinstance(path, str) else path
    try:
        table = pd.read_csv(io.BytesIO(path.read_bytes()), dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (OSError, pd.errors.ParserError, UnicodeDecodeError) as err:
        raise CorpusError(f"{path}: cannot read ({str(err).splitlines()[0]})") from None
    missing = [c for c in ("marker", "pattern", "first", "last", "kind") if c not in table]
    if missing:
        raise CorpusError(f"{path}: missing column {', '.join(missing)}; "
                          "the header is marker,pattern,first,last,kind,note")
    regexes, triggers = [], []
    for line, row in enumerate(table.itertuples(index=False), start=2):
        where = f"{path} line {line}"
        if not (re.fullmatch(r"\d{4}", row.first) and re.fullmatch(r"\d{4}", row.last)) or row.first > row.last:
            raise CorpusError(f"{where}: first/last must be four-digit years with first <= last "
                              f"(got {row.first}, {row.last})")
        if row.kind not in MARKER_KINDS:
            raise CorpusError(f"{where}: kind {row.kind!r} is not one of {', '.join(MARKER_KINDS)}")
        source = row.pattern or re.escape(row.marker)
        try:
            re.compile(source)
            regexes.append(re.compile(term_pattern(source)))
            triggers.append(_triggers(re.compile(script_neutral_pattern(source))))  # the guard has no literals
        except re.error as err:
            raise CorpusError(f"{where}: pattern is not a valid regular expression ({err})") from None
    duplicated = table["marker"][table["marker"].duplicated()]
    if len(duplicated):
        raise CorpusError(f"{path}: marker {duplicated.iloc[0]!r} appears twice; keep one")
    return table.assign(first=table["first"].astype(int), last=table["last"].astype(int), regex=regexes,
                        triggers=triggers)


def _triggers(regex: re.Pattern) -> tuple[str, ...] | None:
    """Literal strings one of which every match must contain (None if the pattern has no such set).

    The longest run of plain characters in each top-level alternative: a text
    that contains none of them cannot match, and a substring test is far
    cheaper than running 200 regular expressions over every speech.
    """
    try:
        items = list(_parser.parse(regex.pattern))
    except Exception:  # an internal module: if it changes, just skip the shortcut
        return None
    branches = [items]
    if len(items) == 1 and items[0][0] is _constants.SUBPATTERN:
        items = list(items[0][1][3])
    if len(items) == 1 and items[0][0] is _constants.BRANCH:
        branches = [list(branch) for branch in items[0][1][1]]
    found = []
    for branch in branches:
        best = run = ""
        for op, value in branch:
            run = run + chr(value) if op is _constants.LITERAL else ""
            best = max(best, run, key=len)
        if not best:
            return None
        found.append(best)
    return tuple(found)


class Found(NamedTuple):
    """A marker found in a text."""

    marker: str
    kind: str
    first: int
    last: int
    count: int


def _table(markers: pd.DataFrame) -> list[tuple]:
    """The marker table as plain tuples, once per call: iterating a frame per speech is slow."""
    columns = ("marker", "kind", "first", "last", "regex", "triggers")
    return list(zip(*(markers[c].tolist() if c in markers else [None] * len(markers) for c in columns), strict=True))


def _find(text: str, table: list[tuple]) -> list[Found]:
    found = []
    for marker, kind, first, last, regex, triggers in table:
        if triggers and not any(t in text for t in triggers):
            continue
        count = len(regex.findall(text))
        if count:
            found.append(Found(marker, kind, int(first), int(last), count))
    return sorted(found, key=lambda f: (-f.count, -f.first))


def find_markers(text: str, markers: pd.DataFrame) -> pd.DataFrame:
    """Markers found in a cleaned text: ``marker, kind, first, last, count``, most mentioned first."""
    return pd.DataFrame(_find(text, _table(markers)), columns=list(Found._fields))


def marker_scores(found, years: np.ndarray) -> np.ndarray:
    """Each marker's contribution to each candidate year's score (markers × years).

    ``found`` is a list of :class:`Found` (or a frame with their columns).
    0 = consistent; negative = evidence against; -inf = impossible (before the marker existed).
    """
    rows = found.itertuples(index=False) if isinstance(found, pd.DataFrame) else found
    rows = list(rows)
    scores = np.zeros((len(rows), len(years)))
    for i, row in enumerate(rows):
        weight = min(row.count, MAX_WEIGHT)
        early = years < row.first
        announced = early & (years == row.first - 1) & (row.kind in ANTICIPATION)
        scores[i, early & ~announced] = -np.inf
        scores[i, announced] -= ANTICIPATION.get(row.kind, 0) * weight
        late = np.clip(years - row.last - GRACE.get(row.kind, 0), 0, None)
        scores[i] -= PAST_PENALTY[row.kind] * weight * late
    return scores


def year_scores(found: pd.DataFrame, years: np.ndarray) -> np.ndarray:
    """Score of each candidate year (0 = consistent with every marker; lower is worse; -inf impossible)."""
    return marker_scores(found, years).sum(axis=0) if len(found) else np.zeros(len(years))


def _effect(row, contribution: np.ndarray, years: np.ndarray, low: int, high: int) -> str:
    earliest = row.first - (1 if row.kind in ANTICIPATION else 0)
    if earliest == low:
        return f"sets the lower bound {low} (newest marker)"
    after = np.flatnonzero(years == high + 1)
    if len(after) and contribution[after[0]] < 0:
        return f"weighs against {high + 1} and later ({contribution[after[0]]:+.2f})"
    if row.last < low:
        return "a past term: consistent with a review, caps nothing on its own"
    return "consistent with the range"


def date_text(
    text: str,
    *,
    markers: pd.DataFrame | None = None,
    clean: bool = True,
    year_max: int | None = None,
) -> DateEstimate:
    """Estimate when a text was given, from the era markers it contains.

    Parameters
    ----------
    text : str
        The text (raw; it is cleaned first unless ``clean=False``).
    markers : pandas.DataFrame, optional
        From :func:`read_era_markers`; the shipped table by default.
    clean : bool
        Clean the text first (placeholders, punctuation), as the markers expect.
    year_max : int, optional
        Latest possible year; default: the current year.

    Returns
    -------
    DateEstimate

    Examples
    --------
    >>> date_text("今年是“十二五”开局之年，要深入贯彻落实科学发展观。").describe()   # doctest: +SKIP
    '2011–2012 (best 2011)'
    """
    table = _table(read_era_markers() if markers is None else markers) if not isinstance(markers, list) else markers
    found = _find(clean_text(text) if clean else text, table)
    if not found:
        return DateEstimate(None, None, None, [])
    years = np.arange(config.YEAR_MIN, (year_max or config.year_max()) + 1)
    contributions = marker_scores(found, years)
    scores = contributions.sum(axis=0)
    if not np.isfinite(scores).any():  # markers newer than year_max: trust them
        years = np.arange(config.YEAR_MIN, max(f.first for f in found) + 1)
        contributions = marker_scores(found, years)
        scores = contributions.sum(axis=0)
    top = scores.max()
    inside = years[scores >= top - TOLERANCE]
    low, high = int(inside.min()), int(inside.max())
    plateau = years[scores == top]
    best = int(plateau[(len(plateau) - 1) // 2])  # the middle of the best years (the earlier of two)
    evidence = [
        {"marker": r.marker, "kind": r.kind, "count": int(r.count), "first": int(r.first), "last": int(r.last),
         "effect": _effect(r, contribution, years, low, high)}
        for r, contribution in zip(found, contributions, strict=True)
    ]
    return DateEstimate(low, high, best, evidence)


def date_docs(docs: pd.DataFrame, *, markers: pd.DataFrame | None = None) -> pd.DataFrame:
    """Date every speech of a cleaned docs frame.

    Returns
    -------
    pandas.DataFrame
        ``id, year, year_basis, low, high, best, inside, n_markers, evidence``
        (``inside``: the metadata year falls in ``low..high``; ``evidence`` a list of dicts).
    """
    table = _table(read_era_markers() if markers is None else markers)
    rows = []
    for doc in docs.itertuples(index=False):
        estimate = date_text(doc.text_clean, markers=table, clean=False)
        basis = getattr(doc, "year_basis", "") or ""
        rows.append((doc.id, int(doc.year), basis, estimate.low, estimate.high, estimate.best,
                     estimate.low is None or int(doc.year) in estimate, len(estimate.evidence), estimate.evidence))
    frame = pd.DataFrame(rows, columns=["id", "year", "year_basis", "low", "high", "best", "inside", "n_markers",
                                        "evidence"])
    # Nullable integers: a speech without markers has no range, and the others' years stay whole (not 1985.0).
    return frame.astype({"low": "Int64", "high": "Int64", "best": "Int64"})


def check_years(dated: pd.DataFrame, *, shown: int = 3) -> list[str]:
    """One warning per speech whose metadata year lies outside the range its words point to."""
    warnings = []
    for row in dated[~dated["inside"]].itertuples(index=False):
        basis = " (from the title)" if row.year_basis == "title" else ""
        limiting = sorted(row.evidence, key=lambda e: (not e["effect"].startswith(("sets", "weighs")), -e["count"]))
        named = ", ".join(f"{e['marker']} ×{e['count']} ({e['first']}–{e['last']})" for e in limiting[:shown])
        span = f"{row.low}–{row.high}" if row.low != row.high else str(row.low)
        warnings.append(f"{row.id}: year {row.year}{basis} is outside {span}, "
                        f"the years its own words point to: {named}")
    return warnings
