"""Date a speech from its own words, and catch mislabelled years.

Chinese political speeches carry their date in their vocabulary: five-year
plans, party congresses, leaders' theories, campaigns, events. The era-marker
table (``era_markers.csv``, shipped in ``corpus/resources/``: ``marker, pattern,
first, last, kind, note, generic``) gives, for each marker, the years in which
it is used as a current term. :func:`date_text` turns the markers a text
contains into a probability for every year:

- **A usage profile per marker** (:func:`usage_profile`): inside its window a
  marker is used at its full rate (1). Before ``first`` it is rare, never
  impossible: a coined label (十二五) at :attr:`DatingModel.before_specific`,
  an ordinary phrase that later became a slogan (``generic``: 新时代,
  疫情防控) at :attr:`DatingModel.before_generic`; the year before a plan, a
  congress, a campaign or an event, when speeches announce it, at
  :attr:`DatingModel.announced`. After ``last`` its use decays towards the
  same background rate, with a half-life by kind (a plan is reviewed once, a
  congress and a theory are cited for years).
- **A likelihood over years**: the product of the profiles of the markers
  found, each raised to a weight that grows with the count but saturates
  (``log2(1 + count)``: 1, 2, 3 for 1, 3, 7 mentions), all tempered by
  :attr:`DatingModel.temperature` because markers of one period travel
  together and are not independent evidence.
- **A flat prior** over the years the table covers (1949 to this year), so
  the posterior is the normalised likelihood.

The estimate is the most probable year and the shortest range of years that
holds a stated share of the probability (``level``, 80 % by default). The free
parameters were calibrated on real dated documents (``benchmarks/eval_dating.py``,
results in ``docs/dating.md``). :func:`date_docs` dates a docs frame;
:func:`check_years` warns when a metadata year lies outside the range *and*
the evidence against it is strong.
"""

from __future__ import annotations

import functools
import io
import json
import re
import re._constants as _constants
import re._parser as _parser
from dataclasses import asdict, dataclass, field
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa
import regex

from . import config
from .clean import clean_text, script_neutral_pattern, term_pattern
from .errors import CorpusError
from .features import BoundedPattern, pattern_budget
from .files import data_resource
from .speechcache import SpeechCache, entry_key

MARKER_KINDS = ("plan", "congress", "theory", "campaign", "event", "slogan")
# Kinds announced the year before they start (the next plan, congress, campaign, anniversary).
ANNOUNCED_KINDS = ("plan", "congress", "campaign", "event")
# Kinds reviewed at full strength the year after they end (a plan's last year, a campaign's results, an event).
REVIEWED_KINDS = ("plan", "campaign", "event")
GENERIC_VALUES = {"yes": True, "y": True, "true": True, "1": True, "no": False, "n": False, "false": False,
                  "0": False, "": False}
DEFAULT_LEVEL = 0.8
# log10 of how many times likelier the best year is than the metadata year before `validate` warns (100:1).
STRONG_EVIDENCE = 2.0


@dataclass(frozen=True)
class DatingModel:
    """The free parameters of the estimate (defaults calibrated on real dated documents, ``docs/dating.md``).

    Attributes
    ----------
    before_specific : float
        Rate of a coined label (十二五, 两个确立) before its first year, relative to its rate in its window.
    before_generic : float
        The same for an ordinary phrase that later became a slogan (``generic``: 新时代, 疫情防控).
    announced : float
        Rate the year before a plan, congress, campaign or event starts (speeches announce it).
    review : float
        Rate long after ``last``, when speeches only review or cite the term (never below the rate before
        ``first``).
    grace : float
        Years after ``last`` at full rate for plans, campaigns and events, which the next year's speeches review.
    half_life : dict
        Years after ``last`` (and the grace) for a marker's use to halve (towards ``review``), by kind.
    temperature : float
        Multiplies every log-likelihood.
    dependence : float
        The log-likelihoods of a text's ``n`` markers are divided by ``n ** dependence``: markers of one period
        travel together, so 60 markers are not 60 independent pieces of evidence (0: independent).
    """

    before_specific: float = 0.01
    before_generic: float = 0.1
    announced: float = 0.2
    review: float = 0.1
    grace: float = 1.0
    half_life: dict = field(default_factory=lambda: {"plan": 1.5, "campaign": 1.5, "event": 1.5, "slogan": 3.0,
                                                     "congress": 4.0, "theory": 6.0})
    temperature: float = 1.5
    dependence: float = 0.0

    def scaled(self, *, half_life: float = 1.0, **changes) -> DatingModel:
        """A copy with some parameters changed and every half-life multiplied by ``half_life``."""
        lives = {kind: life * half_life for kind, life in self.half_life.items()}
        return DatingModel(**{**asdict(self), "half_life": lives, **changes})


MODEL = DatingModel()


@dataclass(frozen=True)
class DateEstimate:
    """When a text was most likely given: ``low``..``high`` at probability ``level``, ``best``, and the evidence.

    ``low``, ``high`` and ``best`` are None when the text contains no marker.
    ``mass`` is the probability actually inside ``low..high`` (at least
    ``level``). ``evidence`` has one dict per marker found: ``marker, kind,
    count, first, last, generic, pull, effect`` (``pull``: how many years the
    most probable year moves because of this marker: positive = later).
    ``posterior`` maps each candidate year to its probability.
    """

    low: int | None
    high: int | None
    best: int | None
    level: float = DEFAULT_LEVEL
    mass: float | None = None
    evidence: list[dict] = field(default_factory=list)
    posterior: dict[int, float] = field(default_factory=dict, repr=False, compare=False)

    def to_dict(self) -> dict:
        """A JSON-ready dict (without the posterior)."""
        return {k: v for k, v in asdict(self).items() if k != "posterior"}

    def __contains__(self, year: int) -> bool:
        return self.low is not None and self.low <= year <= self.high

    def describe(self) -> str:
        """``2012–2016 (80%; most probable 2013)``, or ``no era markers``."""
        if self.low is None:
            return "no era markers"
        span = str(self.low) if self.low == self.high else f"{self.low}–{self.high}"
        return f"{span} ({self.level:.0%}; most probable {self.best})"

    def log10_odds(self, year: int) -> float:
        """log10 of how many times likelier the most probable year is than ``year`` (0 if no markers)."""
        if self.low is None:
            return 0.0
        return float(np.log10(self.posterior[self.best]) - np.log10(max(self.posterior.get(year, 0.0), 1e-300)))


def era_markers_file(data_dir: str | Path | None = None) -> Path | Traversable:
    """The era-marker table of a data folder (``DIR/lexicon/era_markers.csv``), else the shipped one."""
    return data_resource(data_dir, config.ERA_MARKERS_FILE)


def read_era_markers(path: str | Path | Traversable | None = None) -> pd.DataFrame:
    """Read and check the era-marker table.

    Returns
    -------
    pandas.DataFrame
        ``marker, pattern, first, last, kind, note, generic, regex, triggers``
        (``generic`` a bool, False when the column is absent; ``regex``
        compiled by the ``regex`` module, whose matches are bounded in time:
        see :func:`_find`; an empty ``pattern`` matches the marker literally; like a
        term, it matches in either script and never inside a longer run of
        numerals: :func:`corpus.clean.term_pattern`).

    Raises
    ------
    CorpusError
        Naming the line, for a missing column, a bad year, first > last, an
        unknown kind, an invalid pattern, a pattern that matches the empty
        string, a bad ``generic`` value, a duplicate marker, or a table without rows.
    """
    path = config.resource(config.ERA_MARKERS_FILE) if path is None else Path(path) if isinstance(path, str) else path
    try:
        table = pd.read_csv(io.BytesIO(path.read_bytes()), dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except pd.errors.EmptyDataError:
        raise CorpusError(f"{path}: the file is empty; the header is marker,pattern,first,last,kind,note,generic") \
            from None
    except (OSError, pd.errors.ParserError, UnicodeDecodeError) as err:
        raise CorpusError(f"{path}: cannot read ({str(err).splitlines()[0]})") from None
    missing = [c for c in ("marker", "pattern", "first", "last", "kind") if c not in table]
    if missing:
        raise CorpusError(f"{path}: missing column {', '.join(missing)}; "
                          "the header is marker,pattern,first,last,kind,note")
    if table.empty:
        raise CorpusError(f"{path}: no markers (the table has a header but no rows)")
    generic = table["generic"] if "generic" in table else pd.Series([""] * len(table))
    regexes, triggers, flags = [], [], []
    for line, row in enumerate(table.itertuples(index=False), start=2):
        where = f"{path} line {line}"
        if not (re.fullmatch(r"\d{4}", row.first) and re.fullmatch(r"\d{4}", row.last)) or row.first > row.last:
            raise CorpusError(f"{where}: first/last must be four-digit years with first <= last "
                              f"(got {row.first}, {row.last})")
        if row.kind not in MARKER_KINDS:
            raise CorpusError(f"{where}: kind {row.kind!r} is not one of {', '.join(MARKER_KINDS)}")
        value = generic.iloc[line - 2].strip().lower()
        if value not in GENERIC_VALUES:
            raise CorpusError(f"{where}: generic must be yes or empty (got {generic.iloc[line - 2]!r})")
        flags.append(GENERIC_VALUES[value])
        source = row.pattern or re.escape(row.marker)
        try:
            if re.compile(source).fullmatch(""):
                raise CorpusError(f"{where}: pattern {source!r} matches the empty string, so it would match "
                                  "every text; make it require at least one character")
            regexes.append(regex.compile(term_pattern(source)))
            triggers.append(_triggers(re.compile(script_neutral_pattern(source))))  # the guard has no literals
        except (re.error, regex.error) as err:
            raise CorpusError(f"{where}: pattern is not a valid regular expression ({err})") from None
    duplicated = table["marker"][table["marker"].duplicated()]
    if len(duplicated):
        raise CorpusError(f"{path}: marker {duplicated.iloc[0]!r} appears twice; keep one")
    return table.assign(first=table["first"].astype(int), last=table["last"].astype(int), generic=flags,
                        regex=regexes, triggers=triggers)


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
    generic: bool = False


def markers_table(markers: pd.DataFrame) -> list[tuple]:
    """The marker table as plain tuples (what :func:`find_markers_in` takes): iterating a frame per speech is slow."""
    columns = ("marker", "kind", "first", "last", "generic", "regex", "triggers", "pattern")
    return list(zip(*(markers[c].tolist() if c in markers else [None] * len(markers) for c in columns), strict=True))


# Characters around each occurrence of a trigger in which its marker's pattern is run: more than any marker
# and its lookarounds span (the longest is under 40).
WINDOW = 80


def _windows(text: str, triggers: tuple[str, ...]) -> list[tuple[int, int]]:
    """Disjoint stretches of ``text`` around every occurrence of the triggers (merged where they overlap)."""
    spans = []
    for trigger in triggers:
        start = text.find(trigger)
        while start != -1:
            spans.append((max(0, start - WINDOW), start + len(trigger) + WINDOW))
            start = text.find(trigger, start + 1)
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _bounded(table: list[tuple], n_chars: int) -> dict[str, BoundedPattern]:
    """Each marker's pattern with a time budget over ``n_chars`` characters (:func:`corpus.features.pattern_budget`)."""
    seconds = pattern_budget(n_chars)
    # Shown as written in the table (the compiled one carries the numeral guards); empty is the marker itself.
    return {row[0]: BoundedPattern(row[5], row[7] or row[0], seconds=seconds, what=f"era marker {row[0]!r}: pattern")
            for row in table}


def find_markers_in(text: str, table: list[tuple], *, bounded: dict[str, BoundedPattern] | None = None,
          where: str = "the text") -> list[Found]:
    """The markers of ``table`` found in ``text``, most mentioned first.

    Each marker's pattern may take :func:`corpus.features.pattern_budget` of
    the text's length, or share ``bounded`` (:func:`_bounded`) with other
    texts; a pattern that runs out raises :class:`CorpusError` naming the
    marker and ``where``.
    """
    bounded = _bounded(table, len(text)) if bounded is None else bounded
    found = []
    for marker, kind, first, last, generic, _, triggers, _ in table:
        pattern = bounded[marker]
        if triggers:  # every match holds a trigger: run the pattern only around them (a speech is long)
            count = sum(len(pattern.matches(text, start, end, where=where)) for start, end in _windows(text, triggers))
        else:
            count = len(pattern.matches(text, where=where))
        if count:
            found.append(Found(marker, kind, int(first), int(last), count, bool(generic)))
    return sorted(found, key=lambda f: (-f.count, -f.first))


def find_markers(text: str, markers: pd.DataFrame) -> pd.DataFrame:
    """Markers found in a cleaned text: ``marker, kind, first, last, count, generic``, most mentioned first."""
    return pd.DataFrame(find_markers_in(text, markers_table(markers)), columns=list(Found._fields))


def usage_profile(first: int, last: int, kind: str, generic: bool, years: np.ndarray, *,
                  model: DatingModel = MODEL) -> np.ndarray:
    """How often a marker is used in each year, relative to its rate inside its window (1).

    Examples
    --------
    十二五 (2011–2015) with the calibrated model: rare before 2010, announced in
    2010, reviewed in full in 2016 (the grace year), then halving towards 0.1 every 1.5 years:

    >>> usage_profile(2011, 2015, "plan", False, np.arange(2008, 2019)).round(3).tolist()
    [0.01, 0.01, 0.2, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.667, 0.457]
    """
    background = model.before_generic if generic else model.before_specific
    profile = np.ones(len(years))
    profile[years < first] = background
    if kind in ANNOUNCED_KINDS:
        profile[years == first - 1] = max(background, model.announced)
    grace = model.grace if kind in REVIEWED_KINDS else 0.0
    after = years > last + grace
    floor = max(background, model.review)
    profile[after] = floor + (1 - floor) * 0.5 ** ((years[after] - last - grace) / model.half_life[kind])
    return profile


def count_weight(count: int) -> float:
    """The weight of a marker mentioned ``count`` times: ``log2(1 + count)``, so repetition saturates.

    >>> [count_weight(c) for c in (1, 3, 7)]
    [1.0, 2.0, 3.0]
    """
    return float(np.log2(1 + count))


def marker_loglik(found, years: np.ndarray, *, model: DatingModel = MODEL) -> np.ndarray:
    """Each marker's log-likelihood of each candidate year (markers × years), weighted by count and tempered.

    ``found`` is a list of :class:`Found` (or a frame with their columns).
    """
    rows = list(found.itertuples(index=False) if isinstance(found, pd.DataFrame) else found)
    loglik = np.zeros((len(rows), len(years)))
    scale = model.temperature / max(len(rows), 1) ** model.dependence
    for i, row in enumerate(rows):
        profile = usage_profile(row.first, row.last, row.kind, bool(row.generic), years, model=model)
        loglik[i] = scale * count_weight(row.count) * np.log(profile)
    return loglik


def posterior(loglik: np.ndarray) -> np.ndarray:
    """Probabilities of the candidate years from their summed log-likelihoods (flat prior)."""
    total = loglik.sum(axis=0) if loglik.ndim == 2 else loglik
    weights = np.exp(total - total.max())
    # Rounded so that ties between ranges break the same way on every CPU.
    return np.round(weights / weights.sum(), 12)


def shortest_range(probabilities: np.ndarray, level: float) -> tuple[int, int]:
    """Indices ``(i, j)`` of the shortest run ``i..j`` holding at least ``level`` of the probability.

    Ties go to the run holding more (compared to 12 digits, so that float noise never decides, on any CPU),
    then to the earlier one.

    >>> shortest_range(np.array([0.1, 0.2, 0.5, 0.2]), 0.8)
    (1, 3)
    """
    starts, ends = shortest_ranges(np.asarray(probabilities)[None, :], level)
    return int(starts[0]), int(ends[0])


def shortest_ranges(probabilities: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    """:func:`shortest_range` of every row of a (rows × years) array, at once: first and last indices."""
    rows, n = probabilities.shape
    cumulative = np.concatenate([np.zeros((rows, 1)), np.cumsum(probabilities, axis=1)], axis=1)
    # reach[r, s, e]: the run from s up to (not including) e holds the level
    reach = cumulative[:, None, :] >= cumulative[:, :-1, None] + level - 1e-9
    possible = reach.any(axis=2)
    ends = reach.argmax(axis=2)  # the first end that reaches it
    starts = np.broadcast_to(np.arange(n), (rows, n))
    held = np.take_along_axis(cumulative, ends, axis=1) - cumulative[:, :-1]
    # One integer per run: shortest first, then holding most (to 12 digits), then earliest.
    held_units = np.round(held * 1e12).astype(np.int64)
    key = ((ends - starts).astype(np.int64) * 10**13 - held_units) * 1000 + starts
    key[~possible] = np.iinfo(np.int64).max
    best = key.argmin(axis=1)
    first = best
    last = np.take_along_axis(ends, best[:, None], axis=1)[:, 0] - 1
    return first, last


def most_probable(probabilities: np.ndarray) -> int:
    """Index of the most probable year (the middle of a plateau of equal ones, the earlier of two)."""
    return int(most_probable_rows(np.asarray(probabilities)[None, :])[0])


def most_probable_rows(probabilities: np.ndarray) -> np.ndarray:
    """:func:`most_probable` of every row of a (rows × years) array."""
    top = probabilities >= probabilities.max(axis=1, keepdims=True) - 1e-12
    middle = (top.sum(axis=1) - 1) // 2 + 1  # the middle top year's rank among the top years, from 1
    return (np.cumsum(top, axis=1) >= middle[:, None]).argmax(axis=1)


def _effect(pull: int, low: int, high: int, without: tuple[int, int] | None) -> str:
    if pull:
        return f"pulls the estimate {'later' if pull > 0 else 'earlier'} by {abs(pull)} year{'s' * (abs(pull) > 1)}"
    if without is None:
        return "the only marker: sets the estimate"
    if without != (low, high):
        return f"narrows the range from {without[0]}–{without[1]}"
    return "consistent with the estimate"


def date_text(
    text: str,
    *,
    markers: pd.DataFrame | list | None = None,
    clean: bool = True,
    level: float = DEFAULT_LEVEL,
    year_max: int | None = None,
    model: DatingModel = MODEL,
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
    level : float
        Share of the probability the stated range holds (0 < level < 1).
    year_max : int, optional
        Latest possible year; default: the current year.
    model : DatingModel
        The free parameters.

    Returns
    -------
    DateEstimate

    Examples
    --------
    >>> date_text("今年是“十二五”开局之年，要深入贯彻落实科学发展观。", year_max=2026).describe()
    '2011–2016 (80%; most probable 2011)'
    """
    if not 0 < level < 1:
        raise CorpusError(f"level must be between 0 and 1 (got {level})")
    table = markers if isinstance(markers, list) else markers_table(read_era_markers() if markers is None else markers)
    return _estimate(find_markers_in(clean_text(text) if clean else text, table), level=level, year_max=year_max,
                     model=model)


def _estimate(found: list[Found], *, level: float, year_max: int | None, model: DatingModel) -> DateEstimate:
    """The estimate from the markers found in a text (see :func:`date_text`)."""
    if not found:
        return DateEstimate(None, None, None, level)
    years = np.arange(config.YEAR_MIN, max([year_max or config.year_max()] + [f.first for f in found]) + 1)
    loglik = marker_loglik(found, years, model=model)
    probabilities = posterior(loglik)
    i, j = shortest_range(probabilities, level)
    low, high, best = int(years[i]), int(years[j]), int(years[most_probable(probabilities)])
    evidence = []
    # Each marker left out in turn (one row each); the others, fewer, count a little more each (``dependence``).
    without_each = (loglik.sum(axis=0) - loglik) * (len(found) / max(len(found) - 1, 1)) ** model.dependence
    weights = np.exp(without_each - without_each.max(axis=1, keepdims=True))
    others = np.round(weights / weights.sum(axis=1, keepdims=True), 12)  # as posterior(), row by row
    best_without = most_probable_rows(others)
    firsts, lasts = shortest_ranges(others, level)
    for k, row in enumerate(found):
        if len(found) > 1:
            pull = best - int(years[best_without[k]])
            without = (int(years[firsts[k]]), int(years[lasts[k]]))
        else:
            pull, without = 0, None
        evidence.append({"marker": row.marker, "kind": row.kind, "count": int(row.count), "first": int(row.first),
                         "last": int(row.last), "generic": bool(row.generic), "pull": pull,
                         "effect": _effect(pull, low, high, without)})
    return DateEstimate(low, high, best, level, round(float(probabilities[i:j + 1].sum()), 6), evidence,
                        dict(zip(years.tolist(), probabilities.tolist(), strict=True)))


def date_docs(docs: pd.DataFrame, *, markers: pd.DataFrame | None = None, level: float = DEFAULT_LEVEL,
              model: DatingModel = MODEL, cache: SpeechCache | None = None) -> pd.DataFrame:
    """Date every speech of a cleaned docs frame.

    With a ``cache`` (:class:`corpus.speechcache.SpeechCache`), the markers
    found in each speech are stored under a hash of its cleaned text and of
    the markers' names and patterns (and this module's source), so a rerun
    searches only new or changed speeches; and each speech's estimate is kept
    beside them (``dates``) under a hash of the markers found with their
    windows and kinds, the year, the level and the model, so a rerun
    estimates only new or changed speeches too.

    Returns
    -------
    pandas.DataFrame
        ``id, year, year_basis, low, high, best, level, inside, log10_odds, strong, n_markers, evidence``:
        ``inside``, the metadata year falls in ``low..high``; ``log10_odds``, log10 of how many times likelier
        the most probable year is than the metadata year; ``strong``, outside the range with odds of at least
        10 ** :data:`STRONG_EVIDENCE`; ``evidence``, a list of dicts.
    """
    table = markers_table(read_era_markers() if markers is None else markers)
    rows = []
    found_all = _find_all(docs["text_clean"].tolist(), table, cache=cache, ids=docs["id"].tolist())
    years = [int(year) for year in docs["year"]]
    estimates = _estimates(found_all, years, level=level, model=model,
                           cache=None if cache is None else cache.sibling("dates"))
    for doc, year, (low, high, best, odds, evidence) in zip(docs.itertuples(index=False), years, estimates,
                                                           strict=True):
        inside = low is None or low <= year <= high
        rows.append((doc.id, year, getattr(doc, "year_basis", "") or "", low, high, best, level, inside, odds,
                     not inside and odds >= STRONG_EVIDENCE, len(evidence), evidence))
    frame = pd.DataFrame(rows, columns=["id", "year", "year_basis", "low", "high", "best", "level", "inside",
                                        "log10_odds", "strong", "n_markers", "evidence"])
    # Nullable integers: a speech without markers has no range, and the others' years stay whole (not 1985.0).
    return frame.astype({"low": "Int64", "high": "Int64", "best": "Int64"})


@functools.cache
def _source() -> bytes:
    """This module's source, part of every cache key (a change of the rules redoes the results); read once."""
    return Path(__file__).read_bytes()


def _estimates(found_all: list[list[Found]], years: list[int], *, level: float, model: DatingModel,
               cache: SpeechCache | None) -> list[tuple]:
    """``(low, high, best, log10_odds, evidence)`` of each speech, read from ``cache`` where it holds them.

    The key is everything an estimate depends on: the markers found (names, kinds, windows, counts), the
    metadata year, the level, the model, the last candidate year (this year) and this module's source; so a
    rerun after adding one speech estimates that one only (at 10,000 speeches the estimates took 11 s).
    """
    rules = entry_key(repr(model), repr(level), str(config.year_max()), _source())
    keys = [entry_key(repr(found), str(year), rules) for found, year in zip(found_all, years, strict=True)]
    stored = cache.get(keys) if cache is not None else {}
    results, new = [], {}
    for found, year, key in zip(found_all, years, keys, strict=True):
        if key in stored:
            row = stored[key].to_pylist()[0]
            results.append((row["low"], row["high"], row["best"], row["log10_odds"], json.loads(row["evidence"])))
            continue
        estimate = _estimate(found, level=level, year_max=None, model=model)
        result = (estimate.low, estimate.high, estimate.best, round(estimate.log10_odds(year), 3), estimate.evidence)
        results.append(result)
        new[key] = pa.table({"low": pa.array([result[0]], pa.int64()), "high": pa.array([result[1]], pa.int64()),
                             "best": pa.array([result[2]], pa.int64()),
                             "log10_odds": pa.array([result[3]], pa.float64()),
                             "evidence": pa.array([json.dumps(result[4], ensure_ascii=False)], pa.string())})
    if cache is not None:
        cache.put(new)
    return results


def _find_all(texts: list[str], table: list[tuple], *, cache: SpeechCache | None,
              ids: list[str] | None = None) -> list[list[Found]]:
    """:func:`_find` for each text, read from ``cache`` where it holds the result and stored there otherwise.

    Each marker's pattern has one time budget over all the texts (:func:`_bounded`); ``ids`` name the
    speeches in the error of a pattern that runs out.
    """
    bounded = _bounded(table, sum(map(len, texts)))
    names = [f"speech {i}" for i in ids] if ids is not None else [f"text {n}" for n in range(1, len(texts) + 1)]
    if cache is None:
        return [find_markers_in(text, table, bounded=bounded, where=where)
                for text, where in zip(texts, names, strict=True)]
    keys = marker_keys(texts, table)
    stored, new, results = cache.get(keys), {}, []
    by_name = {row[0]: row for row in table}
    for text, key, where in zip(texts, keys, names, strict=True):
        if key in stored:
            names, counts = stored[key]["marker"].to_pylist(), stored[key]["count"].to_pylist()
            found = [Found(name, by_name[name][1], int(by_name[name][2]), int(by_name[name][3]), count,
                           bool(by_name[name][4])) for name, count in zip(names, counts, strict=True)]
            results.append(sorted(found, key=lambda f: (-f.count, -f.first)))
        else:
            found = find_markers_in(text, table, bounded=bounded, where=where)
            new[key] = marker_entry(found)
            results.append(found)
    cache.put(new)
    return results


def marker_keys(texts: list[str], table: list[tuple]) -> list[str]:
    """The cache key of the era markers found in each cleaned text: the text, the markers' names and patterns."""
    rules = entry_key(repr([(row[0], row[5].pattern) for row in table]), _source())
    return [entry_key(text, rules) for text in texts]


def marker_entry(found: list[Found]) -> pa.Table:
    """The markers found in a speech as the cache stores them: ``marker, count``."""
    return pa.table({"marker": pa.array([f.marker for f in found], pa.string()),
                     "count": pa.array([f.count for f in found], pa.int64())})


def check_years(dated: pd.DataFrame, *, shown: int = 3, model: DatingModel = MODEL) -> list[str]:
    """One warning per speech whose metadata year is outside its range and strongly contradicted by its words.

    A year outside the range on thin evidence (one or two markers that could
    be a review or an anticipation) is not worth a warning: the warning needs
    the most probable year to be at least 10 ** :data:`STRONG_EVIDENCE` times
    likelier than the metadata year.
    """
    return [_warning(row.id, row.year, row.year_basis, row.low, row.high, row.best, row.level, row.log10_odds,
                     row.evidence, shown=shown, model=model)
            for row in dated[dated["strong"]].itertuples(index=False)]


def year_warning(doc_id: str, year: int, estimate: DateEstimate, *, basis: str = "", shown: int = 3,
                 model: DatingModel = MODEL) -> str | None:
    """The warning :func:`check_years` gives one speech, or None when its year is inside or the evidence thin."""
    odds = estimate.log10_odds(year)
    if estimate.low is None or year in estimate or odds < STRONG_EVIDENCE:
        return None
    return _warning(doc_id, year, basis, estimate.low, estimate.high, estimate.best, estimate.level, odds,
                    estimate.evidence, shown=shown, model=model)


def _warning(doc_id, year, basis, low, high, best, level, log10_odds, evidence, *, shown: int,
             model: DatingModel) -> str:
    source = " (from the title)" if basis == "title" else ""
    against = sorted(evidence, key=lambda e: _against(e, year, model=model))
    named = ", ".join(f"{e['marker']} ×{e['count']} ({e['first']}–{e['last']})" for e in against[:shown])
    span = f"{low}–{high}" if low != high else str(low)
    return (f"{doc_id}: year {year}{source} is outside {span}, the years its own words point to ({level:.0%}); "
            f"{best} is {odds_text(log10_odds)} likelier: {named}")


def _against(evidence: dict, year: int, *, model: DatingModel) -> tuple[float, str]:
    """Sort key: the markers that weigh most against ``year`` first (then by name, for a stable order)."""
    profile = usage_profile(evidence["first"], evidence["last"], evidence["kind"], evidence["generic"],
                            np.array([year]), model=model)
    return float(count_weight(evidence["count"]) * np.log(profile[0])), evidence["marker"]


def odds_text(log10_odds: float) -> str:
    """``about 300 times``, ``over a million times``: a likelihood ratio a reader can take in.

    >>> odds_text(5.9017)
    'about 800,000 times'
    """
    if log10_odds >= 6:
        return "over a million times"
    return f"about {float(f'{10 ** log10_odds:.1g}'):,.0f} times"
