"""Proposed periods (corpus.breaks): exact segmentation, the choice of k, bootstrap support, key terms, the figure.

The fixture FOUR_YEARS holds two eras of two years each with disjoint vocabularies; every year's profile,
cost and G² below is worked out by hand in the comments.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest

import corpus.cli
from corpus import config
from corpus.breaks import (
    Periods,
    choose_k,
    period_label,
    propose_periods,
    segment_years,
    year_profiles,
)
from corpus.clean import clean_docs
from corpus.errors import CorpusError
from corpus.load import load_docs
from corpus.segment import segment_docs
from corpus.study import read_study, write_ranges

from .conftest import write_corpus

# Two paragraphs a speech. Content counts: 2001 改革 3 开放 3; 2002 改革 4 开放 2; 2003 复兴 3 强国 3;
# 2004 复兴 4 强国 2 (punctuation is never content).
FOUR_YEARS = {
    "a.txt": "改革，开放，改革。\n开放，改革，开放。\n",
    "b.txt": "改革，开放，改革。\n改革，开放，改革。\n",
    "c.txt": "复兴，强国，复兴。\n强国，复兴，强国。\n",
    "d.txt": "复兴，强国，复兴。\n复兴，强国，复兴。\n",
}
FOUR_METADATA = "id,file,year,title\na,a.txt,2001,甲\nb,b.txt,2002,乙\nc,c.txt,2003,丙\nd,d.txt,2004,丁\n"

A, B, C = math.sqrt(2 / 3), math.sqrt(1 / 3), math.sqrt(1 / 2)  # sqrt(4/6), sqrt(2/6), sqrt(3/6)
PAIR = (A - C) ** 2 + (B - C) ** 2  # squared Hellinger distance 2001-2002 (and 2003-2004): 0.028803


@pytest.fixture
def four_dir(tmp_path):
    return write_corpus(tmp_path / "four", FOUR_YEARS, FOUR_METADATA)


@pytest.fixture
def four(four_dir):
    docs = clean_docs(load_docs(four_dir))
    return segment_docs(docs), docs


@pytest.mark.parametrize(("first", "last", "label"), [(1969, 1977, "1969-1977"), (2022, 2022, "2022")])
def test_period_label(first, last, label):
    assert period_label(first, last) == label


def test_year_profiles_are_square_roots_of_shares(four):
    profiles = year_profiles(*four)
    # Vocabulary by count, ties by term: 复兴 7, 改革 7, 开放 5, 强国 5.
    assert list(profiles.columns) == ["复兴", "改革", "开放", "强国"]
    assert list(profiles.index) == [2001, 2002, 2003, 2004]
    assert profiles.loc[2001].tolist() == pytest.approx([0, C, C, 0])
    assert profiles.loc[2002].tolist() == pytest.approx([0, A, B, 0])
    assert profiles.loc[2004].tolist() == pytest.approx([A, 0, 0, B])
    assert year_profiles(*four, vocabulary=1).columns.tolist() == ["复兴"]


def test_segment_years_by_hand():
    assert segment_years(np.array([[0.0], [0.0], [1.0], [1.0], [3.0]]), max_k=3) == {
        1: (6.0, ()), 2: (1.0, (4,)), 3: (0.0, (2, 4))}
    assert segment_years(np.array([[0.0], [5.0]]), max_k=9) == {1: (12.5, ()), 2: (0.0, (1,))}


def test_segment_years_is_the_exact_optimum():
    rng = np.random.default_rng(3)
    x = rng.random((7, 3))

    def sse(rows):
        return float(((rows - rows.mean(axis=0)) ** 2).sum())

    found = segment_years(x, max_k=4)
    for k in range(1, 5):
        best = min(sum(sse(x[a:b]) for a, b in zip((0, *cuts), (*cuts, 7), strict=True))
                   for cuts in itertools.combinations(range(1, 7), k - 1))
        assert found[k][0] == pytest.approx(best)


def test_choose_k_by_calinski_harabasz():
    curve = choose_k({1: 10.0, 2: 4.0, 3: 1.0, 4: 0.0}, 4)
    # ch(2) = (10 - 4) / 1 / (4 / 2) = 3; ch(3) = (10 - 1) / 2 / (1 / 1) = 4.5
    assert curve["ch"].tolist()[1:3] == [3.0, 4.5]
    assert curve["chosen"].tolist() == [False, False, True, False]
    assert choose_k({1: 10.0, 2: 4.0, 3: 1.0}, 3, max_k=2)["k"].tolist() == [1, 2]
    assert choose_k({1: 10.0, 2: 0.0, 3: 0.0}, 3)["chosen"].tolist() == [False, True, False]  # perfect: smallest
    assert choose_k({1: 3.0, 2: 0.0}, 2)["chosen"].tolist() == [False, True]  # two years: one break


def test_propose_periods_on_four_years(four):
    result = propose_periods(*four, n_boot=20)
    assert isinstance(result, Periods) and result.k == 2
    assert result.ranges == {"2001-2002": (2001, 2002), "2003-2004": (2003, 2004)}
    # cost(k) by hand: each period is two years at squared distance PAIR, so it costs PAIR / 2.
    curve = result.curve.set_index("k")
    assert curve.loc[2, "cost"] == pytest.approx(PAIR)
    assert curve.loc[3, "cost"] == pytest.approx(PAIR / 2)
    assert curve.loc[4, "cost"] == 0
    # total = within + between; between = 4 * |period mean|^2 / 2, |mean|^2 = ((A+C)/2)^2 + ((B+C)/2)^2
    total = PAIR + 2 * (((A + C) / 2) ** 2 + ((B + C) / 2) ** 2)
    assert curve.loc[1, "cost"] == pytest.approx(total)
    assert curve.loc[2, "ch"] == pytest.approx((total - PAIR) / (PAIR / 2))
    assert result.how == ("k = 2: the largest Caliński-Harabasz index for k = 2..3; support from 20 bootstrap "
                          "replicates resampling paragraphs within each year's single speech")
    # Resampled paragraphs never carry a word across the break: every replicate breaks between 2002 and 2003.
    assert result.boundaries.to_dict("records") == [{"after": 2002, "before": 2003, "support": 1.0,
                                                     "support_near": 1.0}]
    periods = result.periods
    assert periods[["period", "first", "last", "n_years", "n_speeches", "n_tokens"]].values.tolist() == [
        ["2001-2002", 2001, 2002, 2, 2, 12], ["2003-2004", 2003, 2004, 2, 2, 12]]
    assert periods["terms"].tolist() == ["改革、开放", "复兴、强国"]
    assert np.isnan(periods.loc[0, "support"]) and periods.loc[1, "support"] == 1.0
    # G² of a term seen n times in 12 tokens here and never in the 12 elsewhere: the 2x2 table (n, 12 - n | 0, 12)
    # with expected (n/2, 12 - n/2) on both sides.
    terms = result.terms
    assert terms[["period", "term", "n_target", "n_reference"]].values.tolist() == [
        ["2001-2002", "改革", 7, 0], ["2001-2002", "开放", 5, 0], ["2003-2004", "复兴", 7, 0],
        ["2003-2004", "强国", 5, 0]]
    def g2(n):
        return 2 * (n * math.log(2) + (12 - n) * math.log((12 - n) / (12 - n / 2)) + 12 * math.log(12 / (12 - n / 2)))

    assert terms["g2"].tolist() == pytest.approx([g2(7), g2(5)] * 2)  # 12.674, 8.263
    assert result.years.to_dict("list") == {"year": [2001, 2002, 2003, 2004], "n_speeches": [1, 1, 1, 1],
                                            "n_tokens": [6, 6, 6, 6],
                                            "period": ["2001-2002", "2001-2002", "2003-2004", "2003-2004"]}


def test_fixed_k_and_no_bootstrap(four):
    result = propose_periods(*four, k=3, n_boot=0)
    # k = 3 merges one of the two equally close pairs: ties go to the earliest start, so 2001 | 2002 | 2003-2004
    # or 2001-2002 | 2003 | 2004 cost the same (PAIR / 2); the DP keeps the first found.
    assert result.k == 3 and result.how == "k = 3, as given; no bootstrap"
    assert list(result.ranges.values()) == [(2001, 2001), (2002, 2002), (2003, 2004)]
    assert result.boundaries["support"].isna().all()
    assert result.curve["chosen"].tolist() == [False, False, True, False]


def test_speeches_are_resampled_where_a_year_has_several(tmp_path):
    texts = {**FOUR_YEARS, "e.txt": "改革，开放。\n"}
    folder = write_corpus(tmp_path / "five", texts, FOUR_METADATA + "e,e.txt,2002,戊\n")
    docs = clean_docs(load_docs(folder))
    result = propose_periods(segment_docs(docs), docs, n_boot=5)
    assert result.how.endswith("resampling speeches within each year (paragraphs in the 3 years with one speech)")
    assert result.years["n_speeches"].tolist() == [1, 2, 1, 1]


def test_same_seed_same_support(four):
    first = propose_periods(*four, k=3, n_boot=30, random_state=7)
    again = propose_periods(*four, k=3, n_boot=30, random_state=7)
    pd.testing.assert_frame_equal(first.boundaries, again.boundaries)


@pytest.mark.parametrize(("options", "message"), [
    ({"k": 1}, "--k must be a whole number of at least 2, not 1"),
    ({"k": 5}, "--k 5 is more periods than years with speeches (4); give --k 4 or fewer"),
    ({"max_k": 1}, "--max must be a whole number of at least 2, not 1"),
    ({"n_boot": -1}, "--boot must be a whole number of at least 0, not -1"),
    ({"n_boot": 10_001}, "--boot must be at most 10,000 replicates, not 10,001"),
])
def test_bad_options_are_one_line(four, options, message):
    with pytest.raises(CorpusError) as caught:
        propose_periods(*four, **options)
    assert str(caught.value) == message


def test_one_year_is_refused(tiny_dir):
    docs = clean_docs(load_docs(tiny_dir))
    one = docs[docs["year"] == 2006]
    with pytest.raises(CorpusError) as caught:
        propose_periods(segment_docs(one), one)
    assert str(caught.value) == "periods need speeches from at least two years, found 1; add speeches of other years"


def test_saved_periods_become_the_eras(four_dir, four):
    result = propose_periods(*four, n_boot=0)
    write_ranges(four_dir, result.ranges)
    study = read_study(four_dir)
    assert study.by == {"2001-2002": (2001, 2002), "2003-2004": (2003, 2004)}
    assert load_docs(four_dir, by=study.by)["era"].tolist() == ["2001-2002", "2001-2002", "2003-2004", "2003-2004"]
    # A speech added later outside every range is refused by the loader, naming the year and the fix.
    (four_dir / "f.txt").write_text("复兴，强国。\n", encoding="utf-8")
    with (four_dir / config.METADATA_FILE).open("a", encoding="utf-8") as file:
        file.write("f,f.txt,2006,己\n")
    with pytest.raises(CorpusError) as caught:
        load_docs(four_dir, by=study.by)
    assert str(caught.value) == (f"{four_dir / config.METADATA_FILE} line 6 (id f): year 2006 is in none of the era "
                                 'ranges ("2001-2002" = [2001, 2002], "2003-2004" = [2003, 2004]); add'
                                 " a range that covers 2006 "
                                 "under [eras.ranges] in corpus.toml")


# ── the figure ───────────────────────────────────────────────────────────────────────────────────────────────


def _synthetic(first: int, last: int, starts: list[int], support: float = 0.5) -> Periods:
    """A Periods of one speech a year from first to last, breaking before each year of ``starts``."""
    years = list(range(first, last + 1))
    edges = [first, *starts, last + 1]
    labels = [period_label(a, b - 1) for a, b in zip(edges, edges[1:], strict=False)]
    period = [labels[sum(y >= s for s in starts)] for y in years]
    periods = pd.DataFrame({"period": labels, "first": edges[:-1], "last": [b - 1 for b in edges[1:]],
                            "range_first": edges[:-1], "range_last": [b - 1 for b in edges[1:]],
                            "n_years": np.diff(edges), "n_speeches": np.diff(edges), "n_tokens": np.diff(edges) * 100,
                            "support": [np.nan] + [support] * len(starts),
                            "support_near": [np.nan] + [support] * len(starts),
                            "terms": ["社会主义现代化、高质量发展、全面从严治党"] * len(labels)})
    return Periods(k=len(labels), how="", n_boot=10, periods=periods, terms=pd.DataFrame(),
                   years=pd.DataFrame({"year": years, "n_speeches": 1, "n_tokens": 100, "period": period}),
                   boundaries=pd.DataFrame({"after": [s - 1 for s in starts], "before": starts,
                                            "support": support, "support_near": support}),
                   curve=pd.DataFrame())


def _overlaps(boxes) -> list:
    return [(a, b) for a, b in itertools.combinations(boxes, 2) if a.overlaps(b)]


@pytest.mark.parametrize(("first", "last", "starts"), [
    (1969, 2022, [1982, 2002]),  # the development corpus's span, three periods
    (1968, 2023, [1970, 1971, 1972, 1990, 1991]),  # 56 years, neighbouring one-year periods
])
def test_plot_periods_fits_and_nothing_overlaps(first, last, starts):
    from corpus.plots import plot_periods

    display = plot_periods(_synthetic(first, last, starts), lang="en")
    (ax,) = display.axes_
    fig = display.figure_
    fig.draw_without_rendering()
    assert fig.get_figwidth() == config.FIGURE_WIDTH_IN
    assert len(ax.patches) == last - first + 1 + len(starts) + 1  # a bar per year, a shade per period
    dashed = [line for line in ax.lines if line.get_linestyle() == "--"]
    assert sorted(line.get_xdata()[0] for line in dashed) == [s - 0.5 for s in starts]
    texts = [t for t in ax.texts]
    assert sum(t.get_text() == "50%\n(50%)" for t in texts) == len(starts)
    assert [t.get_text().split("\n")[0] for t in texts[:len(starts) + 1]] == list(display.data["period"].unique())
    assert _overlaps([t.get_window_extent() for t in texts]) == []
    labels = [t for t in ax.get_xticklabels() if t.get_text()]
    assert _overlaps([t.get_window_extent() for t in labels]) == []
    assert display.name == "periods" and len(display.data) == last - first + 1
    import matplotlib.pyplot as plt

    plt.close(fig)


def test_plot_periods_breaks_where_the_saved_eras_break():
    """Congress reports are years apart: the break was drawn mid-gap (1979.5), while the ranges that
    `corpus periods --save` makes the eras run to the year before the next period's first speech (1981)."""
    from corpus.plots import plot_periods

    periods = pd.DataFrame({"period": ["1969-1977", "1982-1987"], "first": [1969, 1982], "last": [1977, 1987],
                            "range_first": [1969, 1982], "range_last": [1981, 1987], "n_years": [3, 2],
                            "n_speeches": [3, 2], "n_tokens": [300, 200], "support": [np.nan, 0.9],
                            "support_near": [np.nan, 1.0], "terms": ["革命", "改革"]})
    result = Periods(k=2, how="", n_boot=10, periods=periods, terms=pd.DataFrame(), curve=pd.DataFrame(),
                     years=pd.DataFrame({"year": [1969, 1973, 1977, 1982, 1987], "n_speeches": 1, "n_tokens": 100,
                                         "period": ["1969-1977"] * 3 + ["1982-1987"] * 2}),
                     boundaries=pd.DataFrame({"after": [1977], "before": [1982], "support": [0.9],
                                              "support_near": [1.0]}))
    display = plot_periods(result, lang="en")
    (ax,) = display.axes_
    assert [line.get_xdata()[0] for line in ax.lines if line.get_linestyle() == "--"] == [1981.5]
    shades = ax.patches[5:]  # after the five bars: one per period, over the years of its range
    assert [(shade.get_x(), shade.get_x() + shade.get_width()) for shade in shades] == [(1968.5, 1981.5),
                                                                                       (1981.5, 1987.5)]
    assert [t.get_text() for t in ax.texts][-1] == "90%\n(100%)"
    import matplotlib.pyplot as plt

    plt.close(display.figure_)


def test_plot_periods_titles_in_chinese(four):
    from corpus.plots import plot_periods

    display = plot_periods(propose_periods(*four, n_boot=10), lang="zh")
    (ax,) = display.axes_
    assert ax.get_title().startswith("由用词划分的时期：2 个")
    assert ax.get_ylabel() == "实词数（千）"
    assert [t.get_text() for t in ax.texts] == ["2001-2002\n改革、开放", "2003-2004\n复兴、强国", "100%\n(100%)"]
    import matplotlib.pyplot as plt

    plt.close(display.figure_)


# ── the command line (cmd_periods is pasted into corpus.cli later) ──────────────────────────────────────────

needs_cli = pytest.mark.skipif(not hasattr(corpus.cli, "cmd_periods"), reason="CLI pasted later")


@needs_cli
def test_cli_periods(four_dir, capsys):
    assert corpus.cli.main(["periods", "--data", str(four_dir), "--boot", "20"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("4 speeches from 4 years (2001–2004); 2 periods\n")
    assert "  2001-2002   2001–2002    2 years     2 speeches        12 tokens   改革、开放\n" in out
    assert "  between 2002 and 2003   100.0%   ±1: 100.0%\n" in out
    assert "then trace a term: corpus kwic 改革 --era 2001-2002" in out
    assert not (four_dir / "corpus.toml").exists()


@needs_cli
def test_cli_periods_csv(four_dir, capsys):
    assert corpus.cli.main(["periods", "--data", str(four_dir), "--k", "2", "--boot", "0", "--csv"]) == 0
    periods, terms = capsys.readouterr().out.split("\n\n")
    assert periods.splitlines()[0] == ("period,first,last,range_first,range_last,n_years,n_speeches,n_tokens,"
                                       "support,support_near,terms")
    assert periods.splitlines()[2] == "2003-2004,2003,2004,2003,2004,2,2,12,,,复兴、强国"
    assert terms.splitlines()[1].startswith("2001-2002,改革,7,0,12,12,12.6739,")  # G² as in test_propose_periods


@needs_cli
def test_cli_periods_save_then_kwic_by_period(four_dir, capsys):
    assert corpus.cli.main(["periods", "--data", str(four_dir), "--boot", "0", "--save"]) == 0
    assert read_study(four_dir).by == {"2001-2002": (2001, 2002), "2003-2004": (2003, 2004)}
    capsys.readouterr()
    assert corpus.cli.main(["kwic", "复兴", "--data", str(four_dir), "--era", "2003-2004", "--csv"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 1 + 7


@needs_cli
def test_cli_periods_errors_are_one_line(tiny_dir, capsys):
    (tiny_dir / "b.txt").unlink()
    (tiny_dir / config.METADATA_FILE).write_text("id,file,year,title\na,a.txt,2006,甲\n", encoding="utf-8")
    assert corpus.cli.main(["periods", "--data", str(tiny_dir)]) == 1
    assert capsys.readouterr().err == ("error: periods need speeches from at least two years, found 1; "
                                       "add speeches of other years\n")


@needs_cli
def test_cli_periods_help(capsys):
    with pytest.raises(SystemExit):
        corpus.cli.main(["periods", "--help"])
    out = capsys.readouterr().out
    assert "--save" in out and "--k N" in out and "--csv" in out
