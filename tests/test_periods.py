"""Eras: years grouped by five-year plan and party congress."""

import pandas as pd
import pytest

from corpus.periods import (
    CONGRESS_ERAS,
    CONGRESSES,
    ERA_SCHEMES,
    FEW_YEAR_ERAS,
    MAX_YEAR_ERAS,
    OTHER,
    PLAN_ERAS,
    PLANS,
    SINGLE_SPEECH_SHARE,
    check_ranges,
    choose_era_scheme,
    era_of,
    era_span,
    ordered_eras,
)


@pytest.mark.parametrize(("year", "by", "era"), [
    (2006, "year", "2006"),
    (2005, "plan", "十五"),
    (2006, "plan", "十一五"),
    (2010, "plan", "十一五"),
    (2011, "plan", "十二五"),
    (2023, "plan", "十四五"),
    (2026, "plan", "十五五"),
    (1964, "plan", "调整时期"),
    (2017, "congress", "十八大"),   # the 十九大 sat in October 2017
    (2018, "congress", "十九大"),
    (2022, "congress", "十九大"),
    (2023, "congress", "二十大"),
    (2006, {"早期": (2000, 2010)}, "早期"),
    (2020, {"早期": (2000, 2010)}, "其他"),
])
def test_era_of(year, by, era):
    assert era_of(year, by=by) == era


def test_plans_and_congresses_tile_the_years():
    for periods in (PLANS, CONGRESSES):
        spans = list(periods.values())
        assert all(b[0] == a[1] + 1 for a, b in zip(spans, spans[1:], strict=False))
    assert era_span("十一五", by="plan") == (2006, 2010)
    assert era_span("二十大", by="congress") == (2023, 2027)
    assert era_span("2011") == (2011, 2011)


def test_unknown_scheme():
    with pytest.raises(ValueError, match="by must be one of year, plan, congress"):
        era_of(2011, by="decade")


def test_ordered_eras():
    docs = pd.DataFrame({
        "id": ["a", "b", "c", "d", "e"],
        "year": [2023, 2006, 2011, 2006, 2022],
        "era": ["十四五", "十一五", "十二五", "十一五", "十四五"],
    })
    # by each era's earliest speech: 十一五 2006, 十二五 2011, 十四五 2022
    assert ordered_eras(docs) == ["十一五", "十二五", "十四五"]
    assert ordered_eras(docs) == list(dict.fromkeys(docs.sort_values("year", kind="stable")["era"]))
    # same year, different eras (custom labels): the order of docs decides
    assert ordered_eras({"year": [2011, 2006, 2011], "era": ["乙", "甲", "丙"]}) == ["甲", "乙", "丙"]
    assert ordered_eras(docs.iloc[:0]) == []


# ── every year has a named era ───────────────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize(("year", "by", "era", "span"), [
    (1949, "plan", "国民经济恢复时期", (1949, 1952)),
    (1952, "plan", "国民经济恢复时期", (1949, 1952)),
    (1953, "plan", "一五", (1953, 1957)),
    (2035, "plan", "十六五", (2031, 2035)),
    (2036, "plan", "十六五以后", (2036, 9999)),
    (1949, "congress", "八大以前", (1949, 1956)),
    (1954, "congress", "八大以前", (1949, 1956)),   # `corpus terms 十二五 --by congress` crashed on a 1954 speech
    (1956, "congress", "八大以前", (1949, 1956)),
    (1957, "congress", "八大", (1957, 1969)),
    (2032, "congress", "二十一大", (2028, 2032)),
    (2033, "congress", "二十一大以后", (2033, 9999)),
])
def test_before_and_after_the_calendars(year, by, era, span):
    assert era_of(year, by=by) == era
    assert era_span(era, by=by) == span


@pytest.mark.parametrize("by", ["year", "plan", "congress"])
def test_every_year_is_named_and_inside_its_span(by):
    for year in range(1949, 2036):
        era = era_of(year, by=by)
        assert era != OTHER
        first, last = era_span(era, by=by)
        assert first <= year <= last, (year, era)


def test_calendars_with_their_ends_tile_every_year():
    for eras in (PLAN_ERAS, CONGRESS_ERAS):
        spans = list(eras.values())
        assert spans[0][0] == 1949 and spans[-1][1] == 9999
        assert all(b[0] == a[1] + 1 for a, b in zip(spans, spans[1:], strict=False))
    assert list(PLAN_ERAS)[1:-1] == list(PLANS) and list(CONGRESS_ERAS)[1:-1] == list(CONGRESSES)


def test_years_before_1949_and_auto_are_refused():
    with pytest.raises(ValueError, match="year 1948 is before 1949, outside the plan calendar"):
        era_of(1948, by="plan")
    with pytest.raises(ValueError, match=r"by='auto' depends on the whole corpus; resolve it with choose_era_scheme"):
        era_of(2011, by="auto")
    assert era_of(1948) == "1948"


def test_era_span_under_auto_reads_the_label():
    assert era_span("2011", by="auto") == (2011, 2011)
    assert era_span("十二五", by="auto") == (2011, 2015)
    assert era_span("国民经济恢复时期", by="auto") == (1949, 1952)


def test_era_span_of_an_unknown_label():
    with pytest.raises(ValueError, match="era '十九大' is not an era of by='plan'"):
        era_span("十九大", by="plan")
    with pytest.raises(ValueError, match="era '十二五' is not a four-digit year"):
        era_span("十二五", by="year")


# ── custom ranges ────────────────────────────────────────────────────────────────────────────────────────────

RANGES = {"新时代": (2013, 2025), "改革开放初期": (1978, 1991), "九十年代": [1992, 2002]}


def test_custom_ranges():
    assert check_ranges(RANGES) == {"改革开放初期": (1978, 1991), "九十年代": (1992, 2002), "新时代": (2013, 2025)}
    assert [era_of(y, by=RANGES) for y in (1978, 1991, 1992, 2002, 2013, 2025)] == [
        "改革开放初期", "改革开放初期", "九十年代", "九十年代", "新时代", "新时代"]
    assert era_span("九十年代", by=RANGES) == (1992, 2002)
    assert era_span("甲", by={"甲": (2011, 2011)}) == (2011, 2011)   # a range of one year


def test_a_year_outside_every_range_is_other_without_a_span():
    # before, between and after the ranges; corpus.load refuses such a speech, naming its year
    assert [era_of(y, by=RANGES) for y in (1977, 2005, 2026)] == [OTHER, OTHER, OTHER]
    with pytest.raises(ValueError, match="'其他' is the years outside every range, not one span"):
        era_span(OTHER, by=RANGES)


@pytest.mark.parametrize(("ranges", "message"), [
    ({"甲": (1991, 1978)}, "'甲' = [1991, 1978]: the first year is after the last; write [1978, 1991]"),
    ({"甲": (1978, 1991), "乙": (1985, 1995)},
     "'甲' = [1978, 1991] and '乙' = [1985, 1995] overlap; a year belongs to one era, start '乙' after 1991"),
    ({"乙": (1991, 1995), "甲": (1978, 1991)},   # touching at one year is an overlap too; found in time order
     "'甲' = [1978, 1991] and '乙' = [1991, 1995] overlap; a year belongs to one era, start '乙' after 1991"),
    ({"甲": (78, 91)}, "'甲' = [78, 91]: years must have four digits, e.g. [1978, 1991]"),
    ({"甲": (1978, 10000)}, "'甲' = [1978, 10000]: years must have four digits, e.g. [1978, 1991]"),
    ({"甲": (1978,)}, "'甲' = [1978]: give two years, e.g. [1978, 1991]"),
    ({"甲": (1978.0, 1991)}, "'甲' = [1978.0, 1991]: give two years, e.g. [1978, 1991]"),
    ({"甲": (True, 1991)}, "'甲' = [True, 1991]: give two years, e.g. [1978, 1991]"),
    ({" ": (1978, 1991)}, "range label ' ' is empty; name each range, e.g. \"改革开放初期\""),
    ({}, "no ranges given; give at least one, e.g. \"改革开放初期\" = [1978, 1991]"),
])
def test_bad_ranges(ranges, message):
    with pytest.raises(ValueError) as caught:
        check_ranges(ranges)
    assert str(caught.value) == message
    if ranges:
        with pytest.raises(ValueError) as caught:
            era_of(2000, by=ranges)
        assert str(caught.value) == message


# ── by="auto": single years or five-year plans ───────────────────────────────────────────────────────────────

SHIPPED = [2006, 2011, 2022, 2023, 2023]
CONGRESS_HELD = [1969, 1973, 1977, 1982, 1987, 1992, 1997, 2002, 2007, 2012, 2017, 2022]
# government work reports: 1954-1960, 1975, 1978-2025, one a year (56)
WORK_REPORTS = [*range(1954, 1961), 1975, *range(1978, 2026)]
DAILY_NEWS = [2021] * 667 + [2022] * 667 + [2023] * 666
COUNTY = [year for year in range(2001, 2021) for _ in range(4 + year % 3)]   # 4-6 speeches a year, 20 years


def test_thresholds():
    assert (MAX_YEAR_ERAS, FEW_YEAR_ERAS, SINGLE_SPEECH_SHARE) == (12, 6, 0.5)


@pytest.mark.parametrize(("years", "scheme", "reason"), [
    (SHIPPED, "year", "4 distinct years, at most 6: single years"),
    (CONGRESS_HELD, "plan", "12 of 12 years hold a single speech: grouped by five-year plan"),
    (WORK_REPORTS, "plan", "56 distinct years, more than 12: grouped by five-year plan"),
    (DAILY_NEWS, "year", "3 distinct years, at most 6: single years"),
    (COUNTY, "plan", "20 distinct years, more than 12: grouped by five-year plan"),
    # at the thresholds
    ([], "year", "no speeches: single years"),
    ([2011], "year", "1 distinct year, at most 6: single years"),
    (list(range(2000, 2006)), "year", "6 distinct years, at most 6: single years"),        # 6 singletons
    (list(range(2000, 2007)), "plan", "7 of 7 years hold a single speech: grouped by five-year plan"),
    ([*range(2000, 2004), *[2004, 2005, 2006, 2007] * 2], "year",                          # 8 years, 4 single: half
     "8 distinct years, 4 of them with a single speech: single years"),
    ([*range(2000, 2005), *[2005, 2006, 2007] * 2], "plan",                                # 8 years, 5 single
     "5 of 8 years hold a single speech: grouped by five-year plan"),
    (list(range(2000, 2012)) * 2, "year", "12 distinct years, 0 of them with a single speech: single years"),
    (list(range(2000, 2013)) * 2, "plan", "13 distinct years, more than 12: grouped by five-year plan"),
])
def test_choose_era_scheme(years, scheme, reason):
    assert choose_era_scheme(years) == (scheme, reason)


def test_choose_era_scheme_takes_a_column():
    assert choose_era_scheme(pd.Series(SHIPPED))[0] == "year"
    assert choose_era_scheme(iter(CONGRESS_HELD))[0] == "plan"
    assert "auto" in ERA_SCHEMES
