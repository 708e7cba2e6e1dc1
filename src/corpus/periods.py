"""Calendars of Chinese political time: five-year plans and party congresses.

Used to group years into eras (``by="plan"``, ``by="congress"``) and, later,
to date speeches; :func:`ordered_eras` puts a corpus's eras in time order.
Pure data and pure functions; no I/O.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping

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

ERA_SCHEMES = ("year", "plan", "congress")


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
        custom periods.

    Returns
    -------
    str
        The era label, or ``"其他"`` when a custom mapping does not cover
        the year.

    Examples
    --------
    >>> era_of(2011, by="plan")
    '十二五'
    >>> era_of(2022, by="congress")
    '十九大'
    """
    periods = _periods(by)
    if periods is None:
        return str(year)
    for label, (first, last) in periods.items():
        if first <= year <= last:
            return label
    return "其他"


def era_span(label: str, *, by: str | Mapping[str, tuple[int, int]] = "year") -> tuple[int, int]:
    """First and last year of an era label (``era_span("十一五", by="plan")``)."""
    periods = _periods(by)
    if periods is None:
        return int(label), int(label)
    return periods[label]


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


def _periods(by):
    if isinstance(by, Mapping):
        return dict(by)
    if by == "year":
        return None
    if by == "plan":
        return PLANS
    if by == "congress":
        return CONGRESSES
    raise ValueError(f"by must be one of {', '.join(ERA_SCHEMES)} or a mapping, not {by!r}")
