"""Dating from era markers: the model by hand on tiny tables, calibration of the level, the shipped corpus."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from corpus import CorpusError, clean_docs, config, load_docs
from corpus.cli import main
from corpus.dating import (
    DatingModel,
    Found,
    check_years,
    date_docs,
    date_text,
    find_markers,
    marker_loglik,
    read_era_markers,
    shortest_range,
    usage_profile,
)

# Round numbers, so that every probability below can be checked by hand.
HAND = DatingModel(before_specific=0.02, before_generic=0.3, announced=0.5, review=0.1,
                   half_life={"plan": 1.0, "congress": 1.0, "theory": 1.0, "campaign": 1.0, "event": 1.0,
                          "slogan": 1.0}, grace=0.0, temperature=1.0, dependence=0.0)


def _table(tmp_path, rows: str):
    path = tmp_path / "markers.csv"
    path.write_text("marker,pattern,first,last,kind,note,generic\n" + rows, encoding="utf-8")
    return read_era_markers(path)


@pytest.fixture(scope="module")
def markers():
    return read_era_markers()


def test_usage_profile_by_hand():
    years = np.arange(1997, 2006)
    # before: 0.02; 1999 announced: 0.5; window 2000-2002: 1; after: 0.1 + 0.9 * 0.5 ** (years after last)
    assert usage_profile(2000, 2002, "plan", False, years, model=HAND).round(4).tolist() == [
        0.02, 0.02, 0.5, 1.0, 1.0, 1.0, 0.55, 0.325, 0.2125]
    # an ordinary phrase: 0.3 before its window, and never below 0.3 after it; a slogan is not announced
    assert usage_profile(2000, 2002, "slogan", True, years, model=HAND).round(4).tolist() == [
        0.3, 0.3, 0.3, 1.0, 1.0, 1.0, 0.65, 0.475, 0.3875]


def test_likelihood_and_range_of_one_marker_by_hand(tmp_path):
    table = _table(tmp_path, "甲乙丙,,2000,2002,plan,,\n")
    estimate = date_text("甲乙丙", markers=table, year_max=2004, model=HAND)
    # Unnormalised: 1949..1998 = 50 × 0.02 = 1.0; 1999: 0.5; 2000..2002: 3 × 1; 2003: 0.55; 2004: 0.325.
    # Total 5.375. The shortest run holding 80 % (4.3): 1999..2004 = 4.375 (no run of five years reaches 4.3).
    assert (estimate.low, estimate.high, estimate.best) == (1999, 2004, 2001)
    assert estimate.mass == pytest.approx(4.375 / 5.375, abs=1e-6)
    assert estimate.posterior[2001] == pytest.approx(1 / 5.375)
    assert estimate.posterior[1960] == pytest.approx(0.02 / 5.375)
    assert estimate.evidence == [{"marker": "甲乙丙", "kind": "plan", "count": 1, "first": 2000, "last": 2002,
                                  "generic": False, "pull": 0, "effect": "the only marker: sets the estimate"}]


def test_counts_saturate_and_temperature_scales():
    found = [Found("甲", "plan", 2000, 2002, 3), Found("乙", "slogan", 1990, 2026, 7, True)]
    years = np.array([1999, 2001, 2004])
    loglik = marker_loglik(found, years, model=HAND.scaled(temperature=0.5))
    # 甲 ×3: weight log2(4) = 2; × temperature 0.5 -> 1 × log(profile). 乙 in its window everywhere: 0.
    assert loglik[0] == pytest.approx(np.log([0.5, 1.0, 0.325]))
    assert loglik[1] == pytest.approx([0, 0, 0])
    # dependence 1: two markers -> every log-likelihood halved
    halved = marker_loglik(found, years, model=HAND.scaled(temperature=0.5, dependence=1.0))
    assert halved[0] == pytest.approx(np.log([0.5, 1.0, 0.325]) / 2)


def test_shortest_range_ties_and_levels():
    probabilities = np.array([0.1, 0.2, 0.5, 0.2])
    assert shortest_range(probabilities, 0.5) == (2, 2)
    assert shortest_range(probabilities, 0.7) == (1, 2)  # (1, 2) and (2, 3) both hold 0.7: the earlier
    assert shortest_range(probabilities, 0.8) == (1, 3)
    assert shortest_range(probabilities, 0.95) == (0, 3)


def test_a_generic_marker_moves_the_range_but_cannot_exclude_supported_years(tmp_path):
    table = _table(tmp_path, "甲乙丙,,2005,2012,theory,,\n丁戊,,2013,2026,slogan,,yes\n己庚,,2013,2026,slogan,,\n")
    alone = date_text("甲乙丙", markers=table, year_max=2026, model=HAND)
    generic = date_text("甲乙丙，丁戊", markers=table, year_max=2026, model=HAND)
    specific = date_text("甲乙丙，己庚", markers=table, year_max=2026, model=HAND)
    # 1949..2004: 56 × 0.02; 2005..2012: 8; after: 0.1 + 0.9 × 0.5 ** n. 80 % of 11.42 needs 2005..2016 (9.24).
    assert (alone.low, alone.high) == (2005, 2016)
    # The ordinary phrase pulls the range later, yet every year its partner supports stays in it, with the same
    # weight relative to each other (the phrase costs 0.3 in each of them alike).
    assert generic.low <= 2005 and generic.high > alone.high
    assert generic.posterior[2005] == pytest.approx(generic.posterior[2012])
    assert generic.posterior[2008] / generic.posterior[2020] == pytest.approx(0.3 / (0.1 + 0.9 * 0.5 ** 8))
    # A coined label (0.02 before its window) is strong evidence: it can exclude them.
    assert specific.low > 2012
    assert {e["marker"]: e["generic"] for e in generic.evidence} == {"甲乙丙": False, "丁戊": True}


def test_the_level_is_honoured_on_a_sample_drawn_from_the_model(tmp_path):
    """Years and marker sets drawn so that, given the markers, the year follows the model exactly.

    Rejection sampling: draw a year from the flat prior and a set of markers at random; keep the pair with
    probability L(year) / max L, the likelihood computed here from the profiles. Among kept pairs, the year given
    the markers follows the model's posterior, so a range stated at 80 % must hold the year about 80 % of the time.
    """
    rows = [("甲一", 1953, 1957, "plan", ""), ("乙二", 1966, 1976, "campaign", ""),
            ("丙三", 1978, 2026, "slogan", "yes"), ("丁四", 1992, 1997, "congress", ""),
            ("戊五", 2003, 2012, "theory", ""), ("己六", 2012, 2026, "slogan", ""),
            ("庚七", 2017, 2026, "slogan", "yes"), ("辛八", 2020, 2023, "event", "")]
    table = _table(tmp_path, "".join(f"{m},,{a},{b},{k},,{g}\n" for m, a, b, k, g in rows))
    model = HAND.scaled(half_life=3.0)
    years = np.arange(1949, 2027)
    profiles = np.array([usage_profile(a, b, k, g == "yes", years, model=model) for _, a, b, k, g in rows])
    rng = np.random.default_rng(7)
    hits, masses, kept = 0, [], 0
    while kept < 3000:
        year_index = rng.integers(len(years))
        chosen = rng.random(len(rows)) < 0.3
        counts = rng.integers(1, 4, size=len(rows))
        if not chosen.any():
            continue
        weights = np.log2(1 + counts[chosen])
        likelihood = np.exp((weights[:, None] * np.log(profiles[chosen])).sum(axis=0))
        if rng.random() >= likelihood[year_index] / likelihood.max():
            continue
        kept += 1
        text = "，".join("，".join([rows[i][0]] * counts[i]) for i in np.flatnonzero(chosen))
        estimate = date_text(text, markers=table, year_max=2026, model=model, level=0.8)
        hits += int(years[year_index]) in estimate
        masses.append(estimate.mass)
    coverage, expected = hits / kept, float(np.mean(masses))
    assert 0.8 <= expected < 0.85
    assert abs(coverage - expected) < 3 * np.sqrt(expected * (1 - expected) / kept)


def test_level_changes_the_range(markers):
    text = "今年是“十二五”开局之年，要深入贯彻落实科学发展观。"
    narrow = date_text(text, markers=markers, year_max=2026, level=0.5)
    wide = date_text(text, markers=markers, year_max=2026, level=0.95)
    assert wide.low <= narrow.low and narrow.high <= wide.high and wide.high - wide.low > narrow.high - narrow.low
    assert narrow.mass >= 0.5 and wide.mass >= 0.95
    with pytest.raises(CorpusError, match="level must be between 0 and 1"):
        date_text(text, markers=markers, level=1.0)


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
    assert markers["generic"].tolist() == [False, False]  # a table without the column: nothing generic


def test_placeholders_are_not_markers(markers):
    assert date_text("今年是实施“x”规划的第一年，以“x”重要思想为指导。", markers=markers).low is None


@pytest.mark.parametrize(("rows", "message"), [
    ("十二五,,2015,2011,plan,x,", "line 2: first/last must be four-digit years with first <= last (got 2015, 2011)"),
    ("十二五,,2011,2015,plans,x,",
     "line 2: kind 'plans' is not one of plan, congress, theory, campaign, event, slogan"),
    ("十二五,十二(五,2011,2015,plan,x,", "line 2: pattern is not a valid regular expression"),
    ("十二五,(十二五)?,2011,2015,plan,x,", "line 2: pattern '(十二五)?' matches the empty string"),
    ("十二五,,2011,2015,plan,x,maybe", "line 2: generic must be yes or empty (got 'maybe')"),
    ("", "no markers (the table has a header but no rows)"),
    (None, "the file is empty; the header is marker,pattern,first,last,kind,note,generic"),
])
def test_bad_marker_tables(tmp_path, rows, message):
    path = tmp_path / "m.csv"
    path.write_text("" if rows is None else "marker,pattern,first,last,kind,note,generic\n" + rows + "\n",
                    encoding="utf-8")
    with pytest.raises(CorpusError) as err:
        read_era_markers(path)
    assert message in str(err.value)
    assert "\n" not in str(err.value)


def test_date_unknown_input(capsys):
    assert main(["date", "nope"]) == 1
    assert "nope: neither a file nor a speech id in " in capsys.readouterr().err


def test_date_level_must_be_a_probability(capsys):
    with pytest.raises(SystemExit):
        main(["date", "000", "--level", "2"])
    assert "'2': give a probability between 0 and 1, such as 0.9 or 90%" in capsys.readouterr().err


def test_the_shipped_corpus(markers):
    dated = date_docs(clean_docs(load_docs()), markers=markers)
    ranges = {row.id: (row.low, row.high, row.best) for row in dated.itertuples()}
    assert ranges["000"] == (2012, 2015, 2013)
    assert all(dated.set_index("id").loc[["001", "002", "003", "004"], "inside"])
    assert dated.set_index("id")["strong"].to_dict() == {"000": True, "001": False, "002": False, "003": False,
                                                         "004": False}
    warnings = check_years(dated)
    assert warnings == ["000: year 2023 (from the title) is outside 2012–2015, the years its own words point to "
                        "(80%); 2013 is about 800,000 times likelier: 推动科学发展、促进社会和谐 ×2 (2006–2015), "
                        "十二五 ×1 (2011–2015), 以加快转变经济发展方式为主线 ×1 (2010–2016)"]


def test_a_year_outside_on_thin_evidence_is_not_a_warning(markers):
    """One past plan in a 2023 speech is a review as often as a mislabel: outside the range, but no warning."""
    docs = pd.DataFrame({"id": ["a", "b", "c"], "year": [2023, 2023, 2011], "year_basis": ["", "", ""],
                         "text_clean": ["回顾“十二五”时期的成就。",
                                        "今年是“十二五”开局之年，深入贯彻落实科学发展观，推动科学发展、促进社会和谐。",
                                        "同志们好。"]})
    dated = date_docs(docs, markers=markers)
    assert dated["inside"].tolist() == [False, False, True]
    assert dated["strong"].tolist() == [False, True, False]
    assert dated["low"].tolist()[2] is pd.NA  # no markers: no range, and the others stay whole years
    assert [w.split(":")[0] for w in check_years(dated)] == ["b"]


def test_validate_warns_for_000_only(capsys):
    assert main(["validate"]) == 0
    lines = [line for line in capsys.readouterr().out.splitlines() if line.startswith("warning:")]
    assert len(lines) == 1 and lines[0].startswith("warning: 000: year 2023 (from the title) is outside 2012–2015")


def test_date_json_shape(tmp_path, capsys):
    path = tmp_path / "speech.txt"
    path.write_bytes("今年是“十四五”开局之年，深入开展党史学习教育。".encode("gbk"))  # no metadata needed
    assert main(["date", "000", str(path), "--json", "--level", "90%"]) == 0
    results = json.loads(capsys.readouterr().out)
    assert [r["input"] for r in results] == ["000", str(path)]
    assert all(set(r) == {"input", "low", "high", "best", "level", "mass", "evidence"} for r in results)
    assert all(set(e) == {"marker", "kind", "count", "first", "last", "generic", "pull", "effect"}
               for r in results for e in r["evidence"])
    assert results[1]["level"] == 0.9 and results[1]["mass"] >= 0.9
    # 十四五 (2021–2025) and 党史学习教育 (2021–2022, a campaign: 2023 reviews it): most probable 2021..2023
    assert results[1]["low"] == 2021 and results[1]["best"] == 2022


def test_date_text_output(capsys):
    assert main(["date", "002"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "002: 2011–2013 (80%; most probable 2011); metadata year 2011 is inside"
    assert out[1].split()[:4] == ["十二五", "×4", "2011–2015", "plan"]


# Issue 17: a catastrophic pattern in the era-marker table never returned. Each text holds the trigger (x, b),
# so the pattern runs in the window around it.
def _speeches(*texts: str) -> pd.DataFrame:
    return pd.DataFrame({"id": [f"00{i}" for i in range(len(texts))], "year": [2000] * len(texts),
                         "text_clean": list(texts)})


def test_a_nested_repeat_marker_returns(tmp_path):
    table = _table(tmp_path, "甲,(\\S+)+x,2000,2002,plan,,\n")
    assert find_markers("a" * 40 + " bx", table)["count"].tolist() == [1]
    assert date_docs(_speeches("a" * 40 + " x", "a" * 40 + " bx"), markers=table)["n_markers"].tolist() == [0, 1]


def test_a_catastrophic_marker_stops_at_its_time_budget(tmp_path, monkeypatch):
    monkeypatch.setattr(config, "PATTERN_TIMEOUT_S", 0.2)
    table = _table(tmp_path, "甲乙丙,,2000,2002,plan,,\n慢,(a|aa)+b,2000,2002,plan,,\n")
    with pytest.raises(CorpusError) as err:
        date_docs(_speeches("甲乙丙", "a" * 60 + "cb"), markers=table)
    assert str(err.value) == ("era marker '慢': pattern '(a|aa)+b' took more than 0.2 s (stopped on speech 001): "
                              "simplify it (avoid nested repeats such as (a+)+ or (a|aa)+)")
    with pytest.raises(CorpusError, match=r"^era marker '慢': .* \(stopped on the text\)"):
        date_text("a" * 60 + "cb", markers=table, clean=False)
