"""Dating from era markers: hand-written sentences with exact ranges, the 000 warning, the JSON shape."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from corpus import CorpusError, clean_docs, load_docs
from corpus.cli import main
from corpus.dating import check_years, date_docs, date_text, read_era_markers


@pytest.fixture(scope="module")
def markers():
    return read_era_markers()


def test_one_plan(markers):
    # 十二五 [2011-2015], plan, ×1: 2010 announced (-0.25); 2011-2016 free (2016: the review year);
    # 2017: -1.0 (still within 1.0 of the best); 2018: -2.0. Best: middle of 2011..2016 -> 2013.
    estimate = date_text("今年是“十二五”开局之年。", markers=markers, year_max=2026)
    assert (estimate.low, estimate.high, estimate.best) == (2010, 2017, 2013)
    assert estimate.evidence == [{"marker": "十二五", "kind": "plan", "count": 1, "first": 2011, "last": 2015,
                                  "effect": "sets the lower bound 2010 (newest marker)"}]


def test_campaign_and_slogan(markers):
    # 保持共产党员先进性教育 [2005-2006] campaign; 社会主义荣辱观 [2006-2012] slogan.
    # Newest first year: 2006. 2007 is the campaign's grace year (0); 2008: -0.5; 2009: -1.0; 2010: -1.5.
    estimate = date_text("扎实开展保持共产党员先进性教育活动，树立社会主义荣辱观。", markers=markers, year_max=2026)
    assert (estimate.low, estimate.high, estimate.best) == (2006, 2009, 2006)
    assert {e["marker"] for e in estimate.evidence} == {"保持共产党员先进性教育", "社会主义荣辱观"}


def test_review_of_the_previous_plan_does_not_cap(markers):
    # A 2011 speech reviews 十一五 [2006-2010] and opens 十二五 ×2: the range must contain 2011.
    estimate = date_text("“十一五”末，全县经济跨上新台阶。今年是“十二五”开局之年，要实现“十二五”目标。",
                         markers=markers, year_max=2026)
    assert 2011 in estimate
    assert (estimate.low, estimate.high, estimate.best) == (2010, 2012, 2011)


def test_several_past_markers_together_cap(markers):
    text = "建功“十二五”，以加快转变经济发展方式为主线，推动科学发展、促进社会和谐，为全面建成小康社会而奋斗。"
    estimate = date_text(text, markers=markers, year_max=2026)
    assert estimate.high <= 2016 and 2023 not in estimate


def test_no_marker_no_estimate(markers):
    estimate = date_text("同志们，工会工作很重要。", markers=markers)
    assert (estimate.low, estimate.high, estimate.best, estimate.evidence) == (None, None, None, [])
    assert estimate.describe() == "no era markers"


def test_a_traditional_speech_dates_as_its_simplified_twin(markers):
    simplified = "今年是“十二五”开局之年，要深入贯彻落实科学发展观，推动科学发展、促进社会和谐。"
    traditional = "今年是“十二五”開局之年，要深入貫徹落實科學發展觀，推動科學發展、促進社會和諧。"
    assert date_text(traditional, markers=markers, year_max=2026) == date_text(simplified, markers=markers,
                                                                               year_max=2026)
    assert len(date_text(traditional, markers=markers, year_max=2026).evidence) >= 2


def test_a_marker_written_in_traditional_script_matches(tmp_path):
    path = tmp_path / "markers.csv"
    path.write_text("marker,pattern,first,last,kind,note\n兩個維護,,2018,2026,slogan,\n", encoding="utf-8")
    found = date_text("坚决做到“两个维护”。", markers=read_era_markers(path), year_max=2026).evidence
    assert [e["marker"] for e in found] == ["兩個維護"]


def test_markers_never_match_inside_a_numeral_run(tmp_path):
    path = tmp_path / "markers.csv"
    path.write_text("marker,pattern,first,last,kind,note\n九五,,1996,2000,plan,\n十五大,,1997,2002,congress,\n",
                    encoding="utf-8")
    markers = read_era_markers(path)
    assert date_text("一九五八年，二〇一五年", markers=markers).low is None
    assert date_text("二〇一五年十五大召开", markers=markers).evidence[0]["marker"] == "十五大"
    assert markers["triggers"].tolist() == [("九五",), ("十五大",)]


def test_placeholders_are_not_markers(markers):
    assert date_text("今年是实施“x”规划的第一年，以“x”重要思想为指导。", markers=markers).low is None


def test_the_shipped_corpus(markers):
    dated = date_docs(clean_docs(load_docs()), markers=markers)
    ranges = {row.id: (row.low, row.high, row.best) for row in dated.itertuples()}
    assert ranges["000"][:2] == (2012, 2016)
    assert all(dated.set_index("id").loc[["001", "002", "003", "004"], "inside"])
    warnings = check_years(dated)
    assert len(warnings) == 1
    assert warnings[0].startswith("000: year 2023 (from the title) is outside 2012–2016, "
                                  "the years its own words point to: ")
    assert "十二五 ×1 (2011–2015)" in warnings[0]


def test_validate_warns_for_000_only(capsys):
    assert main(["validate"]) == 0
    lines = [line for line in capsys.readouterr().out.splitlines() if line.startswith("warning:")]
    assert len(lines) == 1 and lines[0].startswith("warning: 000: year 2023 (from the title) is outside 2012–2016")


def test_date_json_shape(tmp_path, capsys):
    path = tmp_path / "speech.txt"
    path.write_bytes("今年是“十四五”开局之年，深入开展党史学习教育。".encode("gbk"))  # no metadata needed
    assert main(["date", "000", str(path), "--json"]) == 0
    results = json.loads(capsys.readouterr().out)
    assert [r["input"] for r in results] == ["000", str(path)]
    assert all(set(r) == {"input", "low", "high", "best", "evidence"} for r in results)
    assert all(set(e) == {"marker", "kind", "count", "first", "last", "effect"} for r in results for e in r["evidence"])
    # 十四五 [2021-2025] and 党史学习教育 [2021-2022, campaign]: 2023 is the grace year, 2024 -0.5, 2025 -1.0
    assert (results[1]["low"], results[1]["high"]) == (2021, 2025)


def test_date_text_output(capsys):
    assert main(["date", "002"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "002: 2010–2012 (best 2011); metadata year 2011 is inside"
    assert out[1].split() == ["十二五", "×4", "2011–2015", "plan", "sets", "the", "lower", "bound", "2010",
                              "(newest", "marker)"]


def test_date_unknown_input(capsys):
    assert main(["date", "nope"]) == 1
    assert "nope: neither a file nor a speech id in " in capsys.readouterr().err


@pytest.mark.parametrize(("row", "message"), [
    ("十二五,,2015,2011,plan,x", "line 2: first/last must be four-digit years with first <= last (got 2015, 2011)"),
    ("十二五,,2011,2015,plans,x", "line 2: kind 'plans' is not one of plan, congress, theory, campaign, event, slogan"),
    ("十二五,十二(五,2011,2015,plan,x", "line 2: pattern is not a valid regular expression"),
])
def test_bad_marker_rows(tmp_path, row, message):
    path = tmp_path / "m.csv"
    path.write_text("marker,pattern,first,last,kind,note\n" + row + "\n", encoding="utf-8")
    with pytest.raises(CorpusError) as err:
        read_era_markers(path)
    assert message in str(err.value)


def test_marker_table_covers_plans_and_congresses(markers):
    names = set(markers["marker"])
    assert {"六五", "七五", "八五", "九五", "十五", "十一五", "十二五", "十三五", "十四五", "十五五"} <= names
    assert {"十二大", "十三大", "十四大", "十五大", "十六大", "十七大", "十八大", "十九大", "二十大"} <= names
    assert {"保持共产党员先进性教育", "社会主义荣辱观", "科学发展观", "全面建成小康社会",
            "习近平新时代中国特色社会主义思想", "两个维护", "两个确立", "三年疫情"} <= names


def test_years_stay_whole_when_a_speech_has_no_markers(markers):
    """Regression: a speech without markers made every range a float (`outside 1985.0–1986.0`)."""
    docs = pd.DataFrame({"id": ["a", "b"], "year": [2023, 2011], "year_basis": ["", ""],
                         "text_clean": ["今年是“十二五”开局之年。", "同志们好。"]})
    dated = date_docs(docs, markers=markers)
    assert dated["low"].tolist()[1] is pd.NA
    warning = check_years(dated)[0]
    assert warning == "a: year 2023 is outside 2010–2017, the years its own words point to: 十二五 ×1 (2011–2015)"
