"""Calendars of Chinese political time: five-year plans and party congresses.

Used to group years into eras (``by="plan"``, ``by="congress"``) and, later,
to date speeches; :func:`ordered_eras` puts a corpus's eras in time order;
:func:`choose_era_scheme` picks single years or five-year plans for a corpus
(``by="auto"``). Pure data and pure functions; no I/O.

Every year has a named era under every calendar: the years before the first
plan (congress) and after the last one get eras of their own
(:data:`PLAN_ERAS`, :data:`CONGRESS_ERAS`), so :func:`era_span` gives the
span of every label :func:`era_of` returns.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Iterable, Mapping

# Five-year plans (五年计划/规划): label -> (first year, last year).
# 1963-1965 was an adjustment period between the 2nd and 3rd plans.
PLANS: dict[str, tuple[int, int]] = {
    "一五": (1953, 1957),
    "二五": (1958, 1962),
    "调整时期": (1963, 1965),
    "三五": (1966, 1970),
    "四五": (1971, 1975),
    "五五": (1976, 1980),
    "六五": (1981, 1985),
    "七五": (1986, 1990),
    "八五": (1991, 1995),
    "九五": (1996, 2000),
    "十五": (2001, 2005),
    "十一五": (2006, 2010),
    "十二五": (2011, 2015),
    "十三五": (2016, 2020),
    "十四五": (2021, 2025),
    "十五五": (2026, 2030),
    "十六五": (2031, 2035),
}

# National party congresses (党的N大): label -> year held.
CONGRESS_YEARS: dict[str, int] = {
    "八大": 1956,
    "九大": 1969,
    "十大": 1973,
    "十一大": 1977,
    "十二大": 1982,
    "十三大": 1987,
    "十四大": 1992,
    "十五大": 1997,
    "十六大": 2002,
    "十七大": 2007,
    "十八大": 2012,
    "十九大": 2017,
    "二十大": 2022,
    "二十一大": 2027,
}


def _congress_periods() -> dict[str, tuple[int, int]]:
    # A congress sits in the autumn, so its year still belongs to the
    # previous congress's line: the 十九大 period is 2018-2022.
    labels = list(CONGRESS_YEARS)
    periods = {}
    for label, next_label in zip(labels, labels[1:] + [None], strict=True):
        start = CONGRESS_YEARS[label] + 1
        end = CONGRESS_YEARS[next_label] if next_label else start + 4
        periods[label] = (start, end)
    return periods


CONGRESSES: dict[str, tuple[int, int]] = _congress_periods()

# The first year of the People's Republic (config.YEAR_MIN) and the last four-digit year:
# the open ends of the calendars.
FIRST_YEAR = 1949
LAST_YEAR = 9999

# The eras before the first and after the last entry of each calendar.
PLAN_BEFORE = "国民经济恢复时期"            # 1949-1952, the recovery before the 1st plan
PLAN_AFTER = f"{list(PLANS)[-1]}以后"      # "十六五以后", 2036-
CONGRESS_BEFORE = f"{list(CONGRESSES)[0]}以前"   # "八大以前", 1949-1956
CONGRESS_AFTER = f"{list(CONGRESSES)[-1]}以后"   # "二十一大以后", 2033-

# The calendars with their open ends: together they tile FIRST_YEAR..LAST_YEAR.
PLAN_ERAS: dict[str, tuple[int, int]] = {
    PLAN_BEFORE: (FIRST_YEAR, PLANS["一五"][0] - 1),
    **PLANS,
    PLAN_AFTER: (list(PLANS.values())[-1][1] + 1, LAST_YEAR),
}
CONGRESS_ERAS: dict[str, tuple[int, int]] = {
    CONGRESS_BEFORE: (FIRST_YEAR, list(CONGRESSES.values())[0][0] - 1),
    **CONGRESSES,
    CONGRESS_AFTER: (list(CONGRESSES.values())[-1][1] + 1, LAST_YEAR),
}

# The era of a year outside every custom range (``by`` a mapping). It has no span: a data folder whose
# years are not all covered is refused when loaded (corpus.load), naming the year and the fix.
OTHER = "其他"

ERA_SCHEMES = ("year", "plan", "congress", "auto")

# choose_era_scheme: more distinct years than this are too many eras to read one by one -> five-year plans.
MAX_YEAR_ERAS = 12
# choose_era_scheme: at most this many distinct years always stay single years, however few speeches each holds.
FEW_YEAR_ERAS = 6
# choose_era_scheme: above FEW_YEAR_ERAS years, plans when more than this share of the years hold one speech.
SINGLE_SPEECH_SHARE = 0.5


def era_of(year: int, *, by: str | Mapping[str, tuple[int, int]] = "year") -> str:
    """Label of the era that contains ``year``.

    Parameters
    ----------
    year : int
        A four-digit year.
    by : {"year", "plan", "congress"} or mapping
        ``"year"`` gives the year itself ("2011"); ``"plan"`` the five-year
        plan ("十二五"); ``"congress"`` the period after a party congress
        ("十九大" = 2018-2022); a mapping ``{label: (first, last)}`` defines
        custom periods (checked with :func:`check_ranges`). ``"auto"`` is
        not accepted here: it depends on the whole corpus, resolve it with
        :func:`choose_era_scheme` first.

    Returns
    -------
    str
        The era label. Every year from 1949 on has a named era under
        ``"plan"`` (``"国民经济恢复时期"`` 1949-1952, ``"十六五以后"`` from
        2036) and ``"congress"`` (``"八大以前"`` 1949-1956, ``"二十一大以后"``
        from 2033). Under a mapping, a year outside every range gets
        :data:`OTHER` (``"其他"``), which has no span.

    Raises
    ------
    ValueError
        For an unknown scheme, ``"auto"``, invalid ranges, or a year before
        1949 under ``"plan"`` or ``"congress"``.

    Examples
    --------
    >>> era_of(2011, by="plan")
    '十二五'
    >>> era_of(2022, by="congress")
    '十九大'
    >>> era_of(1954, by="congress")
    '八大以前'
    """
    periods = _periods(by)
    if periods is None:
        return str(year)
    for label, (first, last) in periods.items():
        if first <= year <= last:
            return label
    if isinstance(by, Mapping):
        return OTHER
    raise ValueError(f"year {year} is before {FIRST_YEAR}, outside the {by} calendar")


def era_span(label: str, *, by: str | Mapping[str, tuple[int, int]] = "year") -> tuple[int, int]:
    """First and last year of an era label (``era_span("十一五", by="plan")`` is ``(2006, 2010)``).

    Gives the span of every label :func:`era_of` returns under ``"year"``,
    ``"plan"`` and ``"congress"`` (the open-ended last eras end in 9999).
    Under ``"auto"`` the label tells the scheme: a four-digit year, else a
    plan label.

    Raises
    ------
    ValueError
        For a label the scheme does not have, and for :data:`OTHER` under a
        mapping (the years outside every range are not one span).
    """
    if by == "auto":
        by = "year" if _is_year_label(label) else "plan"
    periods = _periods(by)
    if periods is None:
        if not _is_year_label(label):
            raise ValueError(f"era {label!r} is not a four-digit year")
        return int(label), int(label)
    if label not in periods:
        if isinstance(by, Mapping) and label == OTHER:
            raise ValueError(f"era {OTHER!r} is the years outside every range, not one span; "
                             "add ranges that cover every year")
        scheme = "the ranges" if isinstance(by, Mapping) else f"by={by!r}"
        raise ValueError(f"era {label!r} is not an era of {scheme}; eras: {', '.join(periods)}")
    return periods[label]


def check_ranges(ranges: Mapping[str, object]) -> dict[str, tuple[int, int]]:
    """Check custom era ranges and return them as ``{label: (first, last)}`` in time order.

    Each range is a pair of four-digit years (ints) with ``first <= last``;
    ranges must not overlap (gaps are allowed: a year in a gap gets
    :data:`OTHER`); labels are non-empty strings.

    Raises
    ------
    ValueError
        With a message that names the range and the fix, e.g.
        ``"'甲' = [1991, 1978]: the first year is after the last; write [1978, 1991]"``.

    Examples
    --------
    >>> check_ranges({"新时代": [2013, 2025], "改革开放初期": (1978, 1991)})
    {'改革开放初期': (1978, 1991), '新时代': (2013, 2025)}
    """
    if not ranges:
        raise ValueError("no ranges given; give at least one, e.g. \"改革开放初期\" = [1978, 1991]")
    checked: dict[str, tuple[int, int]] = {}
    for label, span in ranges.items():
        if not isinstance(label, str) or not label.strip():
            raise ValueError(f"range label {label!r} is empty; name each range, e.g. \"改革开放初期\"")
        if (not isinstance(span, list | tuple) or len(span) != 2
                or not all(isinstance(y, int) and not isinstance(y, bool) for y in span)):
            raise ValueError(f"{label!r} = {_shown_span(span)}: give two years, e.g. [1978, 1991]")
        first, last = span
        if not all(1000 <= y <= LAST_YEAR for y in span):
            raise ValueError(f"{label!r} = [{first}, {last}]: years must have four digits, e.g. [1978, 1991]")
        if first > last:
            raise ValueError(f"{label!r} = [{first}, {last}]: the first year is after the last; "
                             f"write [{last}, {first}]")
        checked[label] = (first, last)
    ordered = sorted(checked.items(), key=lambda item: item[1])
    for (a, (a_first, a_last)), (b, (b_first, b_last)) in zip(ordered, ordered[1:], strict=False):
        if b_first <= a_last:
            raise ValueError(f"{a!r} = [{a_first}, {a_last}] and {b!r} = [{b_first}, {b_last}] overlap; "
                             f"a year belongs to one era, start {b!r} after {a_last}")
    return dict(ordered)


def choose_era_scheme(years: Iterable[int]) -> tuple[str, str]:
    """Single years or five-year plans for a corpus (``by="auto"``), and why.

    The rule, with ``n`` the number of distinct years and ``single`` the
    number of years that hold exactly one speech:

    1. ``n > MAX_YEAR_ERAS`` (12): ``"plan"``, too many eras to read one by one;
    2. ``n > FEW_YEAR_ERAS`` (6) and ``single / n > SINGLE_SPEECH_SHARE``
       (0.5, i.e. most years hold one speech): ``"plan"``, an era of one
       speech says nothing about the era;
    3. otherwise ``"year"`` (no speeches at all also gives ``"year"``).

    So a corpus of a few years stays year by year however few speeches
    each holds; 7 to 12 years go to plans when most of them hold a single
    speech; more than 12 years always go to plans.

    Parameters
    ----------
    years : iterable of int
        The year of each speech (``docs["year"]``), one entry per speech.

    Returns
    -------
    (scheme, reason) : tuple of str
        ``scheme`` is ``"year"`` or ``"plan"``; ``reason`` one line for a
        human, saying which part of the rule decided.

    Examples
    --------
    >>> choose_era_scheme([2006, 2011, 2022, 2023, 2023])[0]
    'year'
    >>> choose_era_scheme(range(1954, 2026))[0]
    'plan'
    """
    per_year = Counter(int(y) for y in years)
    n = len(per_year)
    single = sum(count == 1 for count in per_year.values())
    if n == 0:
        return "year", "no speeches: single years"
    if n > MAX_YEAR_ERAS:
        return "plan", f"{n} distinct years, more than {MAX_YEAR_ERAS}: grouped by five-year plan"
    if n > FEW_YEAR_ERAS and single / n > SINGLE_SPEECH_SHARE:
        return "plan", f"{single} of {n} years hold a single speech: grouped by five-year plan"
    if n <= FEW_YEAR_ERAS:
        return "year", f"{n} distinct year{'s' if n != 1 else ''}, at most {FEW_YEAR_ERAS}: single years"
    return "year", f"{n} distinct years, {single} of them with a single speech: single years"


def ordered_eras(docs) -> list[Hashable]:
    """The eras of a docs frame in time order, each once.

    An era comes where its earliest speech falls; speeches of the same year
    keep their order in ``docs``. The one era order of every analysis.

    Parameters
    ----------
    docs : pandas.DataFrame or mapping
        Anything with ``year`` and ``era`` columns of equal length (a docs
        frame of :func:`corpus.load.load_docs`, or a dict of lists).

    Returns
    -------
    list
        The era labels as they appear in ``docs["era"]``.

    Examples
    --------
    >>> ordered_eras({"year": [2023, 2006, 2022], "era": ["十四五", "十一五", "十四五"]})
    ['十一五', '十四五']
    """
    # A stable sort by year alone, like ``docs.sort_values("year", kind="stable")``.
    by_year = sorted(zip(docs["year"], docs["era"], strict=True), key=lambda pair: pair[0])
    return list(dict.fromkeys(era for _, era in by_year))


def _is_year_label(label) -> bool:
    return isinstance(label, str) and len(label) == 4 and label.isascii() and label.isdigit()


def _shown_span(span) -> str:
    if isinstance(span, list | tuple):
        return "[" + ", ".join(repr(y) if isinstance(y, str) else str(y) for y in span) + "]"
    return repr(span)


def _periods(by):
    if isinstance(by, Mapping):
        return check_ranges(by)
    if by == "year":
        return None
    if by == "plan":
        return PLAN_ERAS
    if by == "congress":
        return CONGRESS_ERAS
    if by == "auto":
        raise ValueError("by='auto' depends on the whole corpus; "
                         "resolve it with choose_era_scheme(years) first (load_docs and with_eras do)")
    raise ValueError(f"by must be one of {', '.join(ERA_SCHEMES)} or a mapping, not {by!r}")
