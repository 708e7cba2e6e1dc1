"""Eras: years grouped by five-year plan and party congress."""

import pandas as pd
import pytest

from corpus.periods import CONGRESSES, PLANS, era_of, era_span, ordered_eras


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
