"""Collocates by era: counts checked by hand on a three-speech fixture, measures, shift, lines, plot, CLI."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import corpus.cli
from corpus import config
from corpus.clean import clean_docs
from corpus.collocates import (
    check_window,
    collocate_lines,
    collocate_shift,
    collocates,
    gained_and_lost,
    top_collocates,
)
from corpus.errors import CorpusError
from corpus.kwic import kwic
from corpus.load import load_docs
from corpus.plots import MAX_HEIGHT_IN, collocate_rows, plot_collocates
from corpus.segment import segment_docs

from .conftest import write_corpus

# Content tokens (is_stop false), as jieba cuts them; 要, 是, 的 and punctuation are stopwords.
# 2006, speech a:  ¶1 工会 服务 职工 | 工会 关心 职工 生活      ¶2 职工 信任 工会 工会 团结 职工
#                  (indices 0-6)                                  (indices 7-12)
#                  n = 13 content tokens, f_x(工会) = 4
# 2011, speech b:  ¶1 工会 维护 职工 权益 | 职工 工会 主人        n = 7, f_x = 2
# 2023, speech c:  ¶1 职工 团结                                   n = 2, f_x = 0 (工会 absent)
TEXTS = {
    "a.txt": "同志们：\n工会要服务职工。工会关心职工生活。\n\n职工信任工会，工会要团结职工。\n",
    "b.txt": "同志们：\n工会要维护职工权益。职工是工会的主人。\n",
    "c.txt": "同志们：\n职工要团结。\n",
}
METADATA = "id,file,year,title\na,a.txt,2006,甲\nb,b.txt,2011,乙\nc,c.txt,2023,丙\n"


def _frames(tmp_path_factory, texts: dict[str, str], metadata: str):
    """Tokens, docs (eras by year) and folder of a small corpus written for one test module."""
    folder = write_corpus(tmp_path_factory.mktemp("colloc") / "d", texts, metadata)
    docs = clean_docs(load_docs(folder, by="year"))
    return segment_docs(docs), docs, folder


@pytest.fixture(scope="module")
def corpus_frames(tmp_path_factory):
    return _frames(tmp_path_factory, TEXTS, METADATA)


def _row(table: pd.DataFrame, era: str, collocate: str) -> pd.Series:
    (index,) = np.flatnonzero((table["era"] == era) & (table["collocate"] == collocate))
    return table.iloc[index]


def test_segmentation_of_the_fixture_is_as_counted_by_hand(corpus_frames):
    tokens, _, _ = corpus_frames
    content = tokens[~tokens["is_stop"]]
    assert content[content["doc_id"] == "a"]["token"].tolist() == [
        "工会", "服务", "职工", "工会", "关心", "职工", "生活", "职工", "信任", "工会", "工会", "团结", "职工"]
    assert content[content["doc_id"] == "b"]["token"].tolist() == [
        "工会", "维护", "职工", "权益", "职工", "工会", "主人"]


def test_window_2_counts_and_measures_match_a_hand_count(corpus_frames):
    tokens, docs, _ = corpus_frames
    table = collocates(tokens, docs, "工会", window=2, min_count=1)
    # 2006 windows (±2 content tokens, within the paragraph): node 0 -> 1,2; node 3 -> 1,2,4,5;
    # node 9 -> 7,8,11 (10 is the term); node 10 -> 8,11,12. Union: {1,2,4,5,7,8,11,12}: span 8.
    # 职工 at 2, 5, 7, 12: all inside, f_xy = 4 = f_y.
    zhigong = _row(table, "2006", "职工")
    assert zhigong[["f_xy", "f_x", "f_y", "n", "span", "docs"]].tolist() == [4, 4, 4, 13, 8, 1]
    assert zhigong["logdice"] == 14.0                              # 14 + log2(2*4 / (4+4))
    assert zhigong["mi"] == pytest.approx(math.log2(1.125))       # log2(4 * (13-4) / (8 * 4))
    # 2x2: window 8 = 4 职工 + 4 other; outside 13-4-8 = 1 = 0 职工 + 1 other; expected 职工 in window 8*4/9.
    g2 = 2 * (4 * math.log(4 / (8 * 4 / 9)) + 4 * math.log(4 / (8 * 5 / 9)) + 1 * math.log(1 / (1 * 5 / 9)))
    assert zhigong["g2"] == pytest.approx(g2) == pytest.approx(1.27495, abs=1e-5)
    fuwu = _row(table, "2006", "服务")
    assert fuwu[["f_xy", "f_y"]].tolist() == [1, 1]
    assert fuwu["logdice"] == pytest.approx(14 + math.log2(2 / 5))  # 12.678
    # 信任 (index 8) lies in the windows of both 工会 at 9 and 10: one token, counted once.
    assert _row(table, "2006", "信任")["f_xy"] == 1
    # 2011: node 0 -> 1,2; node 5 -> 3,4,6. Span 5; 职工 at 2 and 4.
    assert _row(table, "2011", "职工")[["f_xy", "f_x", "f_y", "n", "span"]].tolist() == [2, 2, 2, 7, 5]
    # 生活 (index 6) is 3 tokens from the nearest 工会: outside a ±2 window, so no row at all.
    assert "生活" not in set(table["collocate"])
    assert table.attrs["eras"] == {"2006": {"f_x": 4, "n": 13, "span": 8}, "2011": {"f_x": 2, "n": 7, "span": 5},
                                   "2023": {"f_x": 0, "n": 2, "span": 0}}


def test_window_1_gives_a_repelled_collocate_a_negative_g2(corpus_frames):
    tokens, docs, _ = corpus_frames
    table = collocates(tokens, docs, "工会", window=1, min_count=1)
    # Windows: node 0 -> 1; node 3 -> 2,4; node 9 -> 8; node 10 -> 11. Span 5; 职工 only at 2.
    row = _row(table, "2006", "职工")
    assert row[["f_xy", "f_y", "span"]].tolist() == [1, 4, 5]
    assert row["logdice"] == 12.0                                  # 14 + log2(2*1 / 8)
    assert row["mi"] == pytest.approx(math.log2(0.45))            # log2(1 * 9 / (5 * 4))
    # 2x2: window 1 职工 + 4 other; outside (9-5) 3 职工 + 1 other: fewer inside than expected (20/9).
    cells = [(1, 5 * 4 / 9), (4, 5 * 5 / 9), (3, 4 * 4 / 9), (1, 4 * 5 / 9)]
    assert row["g2"] == pytest.approx(-2 * sum(o * math.log(o / e) for o, e in cells))


def test_sentence_window_ends_at_the_full_stop_not_the_comma(corpus_frames):
    tokens, docs, _ = corpus_frames
    table = collocates(tokens, docs, "工会", window="sentence", min_count=1)
    # Sentences with 工会: 工会 服务 职工 | 工会 关心 职工 生活 | 职工 信任 工会，工会 团结 职工: span 2+3+4 = 9.
    assert table.attrs["eras"]["2006"]["span"] == 9
    assert _row(table, "2006", "生活")["f_xy"] == 1
    assert _row(table, "2006", "职工")["f_xy"] == 4


def test_the_window_never_crosses_a_paragraph(tmp_path):
    folder = write_corpus(tmp_path / "p", {"a.txt": "同志们：\n职工生活。\n\n工会要团结。\n"},
                          "id,file,year,title\na,a.txt,2006,甲\n")
    docs = clean_docs(load_docs(folder, by="year"))
    tokens = segment_docs(docs)
    for window in (5, "sentence"):
        table = collocates(tokens, docs, "工会", window=window, min_count=1)
        assert table["collocate"].tolist() == ["团结"]
        assert table.attrs["eras"]["2006"]["span"] == 1


def test_a_window_longer_than_any_paragraph_is_the_whole_paragraph_and_returns_at_once(corpus_frames):
    """`--window 1000000000000` ran a step per token of the window (> 300 s on the shipped corpus)."""
    tokens, docs, _ = corpus_frames
    paragraph_long = collocates(tokens, docs, "工会", window=10**12, min_count=1)
    assert paragraph_long.drop(columns=["example_doc", "example"]).equals(
        collocates(tokens, docs, "工会", window=200, min_count=1).drop(columns=["example_doc", "example"]))
    assert paragraph_long.attrs["eras"]["2006"]["span"] == 9  # every content token of the paragraphs with 工会


def test_min_count_keeps_a_collocate_of_any_era_in_every_era_with_the_term(corpus_frames):
    tokens, docs, _ = corpus_frames
    table = collocates(tokens, docs, "工会", window=2, min_count=4)
    # Only 职工 reaches 4 (in 2006); it keeps a row in 2011 (f_xy 2, not kept); 2023 has no 工会, no row.
    assert table[["era", "collocate", "f_xy", "kept"]].values.tolist() == [
        ["2006", "职工", 4, True], ["2011", "职工", 2, False]]
    assert top_collocates(table)["era"].tolist() == ["2006"]


def test_rows_are_ordered_by_the_measure_then_by_collocate(corpus_frames):
    tokens, docs, _ = corpus_frames
    table = collocates(tokens, docs, "工会", window=2, min_count=1)
    assert table[table["era"] == "2006"]["collocate"].tolist() == ["职工", "信任", "关心", "团结", "服务",
                                                                   "主人", "权益", "维护"]
    assert top_collocates(table, top_n=2)["collocate"].tolist() == ["职工", "信任", "职工", "主人"]
    assert math.isnan(_row(table, "2006", "主人")["logdice"])  # never co-occurs in 2006
    assert _row(table, "2006", "主人")["example"] == ""


def test_a_term_family_is_one_node(corpus_frames):
    tokens, docs, _ = corpus_frames
    table = collocates(tokens, docs, "劳=工会|职工", window=2, min_count=1)
    # 2011: nodes at 0, 2, 4, 5; the rest of the paragraph (1, 3, 6) is the window.
    rows = table[(table["era"] == "2011") & table["kept"]]
    assert rows[["term", "collocate", "f_xy", "f_x", "span"]].values.tolist() == [
        ["劳", "主人", 1, 4, 3], ["劳", "权益", 1, 4, 3], ["劳", "维护", 1, 4, 3]]


def test_every_row_has_its_lines_exactly_f_xy_of_them(corpus_frames):
    tokens, docs, _ = corpus_frames
    table = collocates(tokens, docs, "工会", window=2, min_count=1)
    for row in table[table["kept"]].itertuples(index=False):
        lines = collocate_lines(tokens, docs, "工会", row.collocate, window=2, era=row.era)
        assert len(lines) == row.f_xy
        assert lines["doc_id"].nunique() == row.docs
        assert row.example == lines["line"].iloc[0]
    lines = collocate_lines(tokens, docs, "工会", "职工", window=2)
    assert lines["line"].tolist() == [
        "工会要服务【职工】。【工会】关心职工生活。",     # 职工 at 2: nearer the 工会 at 3 than at 0
        "要服务职工。【工会】关心【职工】生活。",
        "【职工】信任【工会】，工会要团结",
        "职工信任工会，【工会】要团结【职工】。",
        "【工会】要维护【职工】权益。职工是",
        "维护职工权益。【职工】是【工会】的主人。",
    ]
    assert lines[["doc_id", "year", "era", "para", "pos", "collocate_pos"]].iloc[0].tolist() == [
        "a", 2006, "2006", 1, 7, 5]


def test_a_collocate_after_the_last_occurrence_is_paired_with_that_occurrence(corpus_frames):
    tokens, docs, _ = corpus_frames
    # 主人 (b, token 12) follows the corpus's last 工会 (b, token 10), two tokens away; the 工会 at token 2 is
    # eight tokens before it and outside its ±2 window.
    (line,) = collocate_lines(tokens, docs, "工会", "主人", window=2).to_dict("records")
    assert (line["pos"], line["line"]) == (10, "权益。职工是【工会】的【主人】。")
    assert line == {"doc_id": "b", "year": 2011, "era": "2011", "para": 1, "pos": 10, "collocate_pos": 12,
                    "start": 19, "line": "权益。职工是【工会】的【主人】。"}
    table = collocates(tokens, docs, "工会", window=2, min_count=1)
    assert _row(table, "2011", "主人")[["example_doc", "example"]].tolist() == ["b", "权益。职工是【工会】的【主人】。"]


# Tokens of a second fixture (speech a: 工会 at 2, 10, 16; b: 工会 at 4, 8, 13, the corpus's last):
# a ¶1  工会 服务 职工 ，关心 职工 生活 。| 工会 团结 职工 。   ¶2 职工 信任 工会 。
# b ¶1  职工 是 工会 的 主人 ，工会 维护 职工 权益 。          ¶2 工会 服务 群众 。
NEAR_TEXTS = {
    "a.txt": "同志们：\n工会服务职工，关心职工生活。工会团结职工。\n\n职工信任工会。\n",
    "b.txt": "同志们：\n职工是工会的主人，工会维护职工权益。\n\n工会服务群众。\n",
}
NEAR_METADATA = "id,file,year,title\na,a.txt,2006,甲\nb,b.txt,2011,乙\n"


@pytest.fixture(scope="module")
def near_frames(tmp_path_factory):
    return _frames(tmp_path_factory, NEAR_TEXTS, NEAR_METADATA)[:2]


def test_the_second_fixture_is_segmented_as_counted_by_hand(near_frames):
    tokens, _ = near_frames
    assert [(p, t) for p, t in zip(tokens["pos"], tokens["token"], strict=True) if t == "工会"] == [
        (2, "工会"), (10, "工会"), (16, "工会"), (4, "工会"), (8, "工会"), (13, "工会")]
    assert tokens[tokens["doc_id"] == "b"]["token"].tolist()[12:] == ["。", "工会", "服务", "群众", "。"]


def test_a_sentence_window_line_pairs_the_collocate_with_a_node_of_its_sentence(near_frames):
    tokens, docs = near_frames
    # 生活 (a, 8) is one content token from the 工会 at 10, but that one begins the next sentence.
    (line,) = collocate_lines(tokens, docs, "工会", "生活", window="sentence").to_dict("records")
    assert (line["pos"], line["collocate_pos"]) == (2, 8)
    assert line["line"] == "【工会】服务职工，关心职工【生活】。工会团结职工"
    assert line["start"] == 6


def test_a_collocate_after_the_last_occurrence_never_borrows_another_paragraphs(near_frames):
    tokens, docs = near_frames
    # 群众 (b, 15) follows the last 工会 (b, 13) in paragraph 2; the 工会 before (b, 8) is in paragraph 1.
    lines = collocate_lines(tokens, docs, "工会", "群众", window=5)
    assert lines[["para", "pos", "collocate_pos"]].values.tolist() == [[2, 13, 15]]
    assert lines["line"].tolist() == ["【工会】服务【群众】。"]
    assert lines["start"].tolist() == [26]


def _tokens_between(tokens: pd.DataFrame, doc_id: str, a: int, b: int) -> pd.DataFrame:
    return tokens[(tokens["doc_id"] == doc_id) & tokens["pos"].between(min(a, b), max(a, b))]


@pytest.mark.parametrize("window", [1, 2, 3, "sentence"])
def test_every_line_of_every_row_holds_the_term_and_the_collocate_within_the_window(near_frames, window):
    tokens, docs = near_frames
    table = collocates(tokens, docs, "工会", window=window, min_count=1)
    checked = 0
    for row in table[table["f_xy"] > 0].itertuples(index=False):
        lines = collocate_lines(tokens, docs, "工会", row.collocate, window=window, era=row.era)
        assert len(lines) == row.f_xy
        assert (row.example_doc, row.example) == (lines["doc_id"].iloc[0], lines["line"].iloc[0])
        for line in lines.itertuples(index=False):
            between = _tokens_between(tokens, line.doc_id, line.pos, line.collocate_pos)
            ends = between.set_index("pos")["token"]
            assert (ends[line.pos], ends[line.collocate_pos]) == ("工会", row.collocate)
            assert between["para"].nunique() == 1
            if window == "sentence":
                assert not between["token"].isin(list("。！？；")).any()
            else:
                assert (~between["is_stop"]).sum() - 1 <= window  # content tokens from the term to the collocate
            assert line.line.count("【") == 2
            assert "【工会】" in line.line and f"【{row.collocate}】" in line.line
            checked += 1
    assert checked == table["f_xy"].sum() > 0


def test_collocate_lines_are_among_the_kwic_lines_of_their_era(corpus_frames):
    tokens, docs, _ = corpus_frames
    table = collocates(tokens, docs, "工会", window=2, min_count=1)
    for row in table[table["kept"]].itertuples(index=False):
        lines = collocate_lines(tokens, docs, "工会", row.collocate, window=2, era=row.era)
        matches = kwic(docs[docs["era"] == row.era], "工会")  # what `corpus kwic 工会 --era ERA` prints
        assert set(zip(lines["doc_id"], lines["start"], strict=True)) <= set(
            zip(matches["doc_id"], matches["start"], strict=True))
    lines = collocate_lines(tokens, docs, "工会", "职工", window=2, era="2011")
    assert lines[["doc_id", "pos", "start"]].values.tolist() == [["b", 2, 6], ["b", 10, 19]]
    assert kwic(docs[docs["era"] == "2011"], "工会")[["doc_id", "start"]].values.tolist() == [["b", 6], ["b", 19]]


def test_gained_and_lost_keeps_each_sides_largest_changes(corpus_frames):
    tokens, docs, _ = corpus_frames
    shift = collocate_shift(collocates(tokens, docs, "工会", window=2, min_count=1), first="2006", second="2011")
    both = gained_and_lost(shift, top_n=2)
    assert both[["direction", "first", "second", "collocate", "f_xy_first", "f_xy_second"]].values.tolist() == [
        ["gained", "2006", "2011", "主人", 0, 1], ["gained", "2006", "2011", "权益", 0, 1],
        ["lost", "2006", "2011", "服务", 1, 0], ["lost", "2006", "2011", "团结", 1, 0]]
    assert gained_and_lost(shift, top_n=0).columns.tolist() == ["direction", "first", "second", *shift.columns]
    assert len(gained_and_lost(shift, top_n=0)) == 0
    with pytest.raises(CorpusError, match="^top_n must be 0 or more, not -1$"):
        gained_and_lost(shift, top_n=-1)


def test_shift_ranks_gains_and_losses_with_half_counts_for_absent_pairs(corpus_frames):
    tokens, docs, _ = corpus_frames
    table = collocates(tokens, docs, "工会", window=2, min_count=1)
    shift = collocate_shift(table, first="2006", second="2011")
    assert shift["collocate"].tolist() == ["主人", "权益", "维护", "职工", "信任", "关心", "团结", "服务"]
    top = shift.iloc[0]
    assert top[["f_xy_first", "f_xy_second", "f_y_first", "f_y_second"]].tolist() == [0, 1, 0, 1]
    assert math.isnan(top["value_first"]) and top["value_second"] == pytest.approx(14 + math.log2(2 / 3))
    # Smoothed: 2006 14 + log2(2*0.5 / (4+0+1)), 2011 14 + log2(2*1.5 / (2+1+1)): change log2(0.75 / 0.2).
    assert top["change"] == pytest.approx(math.log2(3.75))
    # 服务 lost: 14 + log2(2*1.5 / (4+1+1)) -> 14 + log2(2*0.5 / (2+0+1)).
    assert shift.iloc[-1]["change"] == pytest.approx(math.log2((1 / 3) / 0.5))
    assert shift.iloc[3]["change"] == 0.0  # 职工: 14 in both (4 of 4, 2 of 2)


@pytest.mark.parametrize(("first", "second", "message"), [
    ("2006", "2019", "no era '2019'; eras are: 2006, 2011, 2023"),
    ("2006", "2023", "the term does not occur in era 2023; choose among: 2006, 2011"),
    ("2011", "2011", "first and second are both '2011'; choose two different eras"),
])
def test_shift_errors(corpus_frames, first, second, message):
    tokens, docs, _ = corpus_frames
    table = collocates(tokens, docs, "工会", window=2, min_count=1)
    with pytest.raises(CorpusError, match=f"^{message}$"):
        collocate_shift(table, first=first, second=second)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"window": 0}, "window must be a positive number of tokens or 'sentence', not 0; e.g. --window 5"),
    ({"window": -3}, "window must be a positive number of tokens or 'sentence', not -3; e.g. --window 5"),
    ({"window": True}, "window must be a positive number of tokens or 'sentence', not True; e.g. --window 5"),
    ({"min_count": 0}, "min_count must be a positive integer, not 0"),
    ({"measure": "t"}, "measure must be one of logdice, g2, mi, not 't'"),
])
def test_bad_options_are_one_line_errors(corpus_frames, kwargs, message):
    tokens, docs, _ = corpus_frames
    with pytest.raises(CorpusError, match=f"^{message.replace('(', '[(]')}$"):
        collocates(tokens, docs, "工会", **kwargs)


def test_a_term_not_in_the_corpus_or_a_stopword_is_an_error(corpus_frames):
    tokens, docs, _ = corpus_frames
    with pytest.raises(CorpusError, match="^term '工人' is not a token of the corpus; check it with `corpus kwic`"):
        collocates(tokens, docs, "工人")
    with pytest.raises(CorpusError, match="^term '要' is only ever a stopword here; choose a content word$"):
        collocates(tokens, docs, "要")
    with pytest.raises(CorpusError, match="^no era '2019'; eras are: 2006, 2011, 2023$"):
        collocate_lines(tokens, docs, "工会", "职工", era="2019")


def test_check_window_reads_the_command_line_spelling():
    assert check_window("3") == 3
    assert check_window("sentence") == "sentence"
    with pytest.raises(CorpusError):
        check_window("0")


# --------------------------------------------------------------------------- the figure

def test_plot_aligns_shared_collocates_in_one_row(corpus_frames):
    tokens, docs, _ = corpus_frames
    table = collocates(tokens, docs, "工会", window=2, min_count=1)
    display = plot_collocates(table)
    (ax,) = display.axes_
    # 职工 is the strongest in both eras (logDice 14): one row, first; then 2006's, then 2011's.
    assert [t.get_text() for t in ax.get_yticklabels()] == [
        "职工", "信任", "关心", "团结", "服务", "主人", "权益", "维护"]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["2006", "2011"]  # 2023 lacks the term
    assert sorted(t.get_text() for t in ax.texts) == ["1"] * 7 + ["2", "4"]  # f_xy of the 9 kept cells
    assert display.name == "collocates"
    assert len(display.data) == 16 and display.data.columns.tolist() == [
        "era", "collocate", "f_xy", "f_x", "f_y", "logdice", "kept"]
    width, height = display.figure_.get_size_inches()
    assert width == config.FIGURE_WIDTH_IN and height <= MAX_HEIGHT_IN


def test_plot_caps_rows_at_many_eras_and_says_so():
    eras = [str(year) for year in range(1990, 2015)]  # 25 eras, 3 collocates of their own each
    rows = [(era, "发展", f"{era}词{i}", 5, 50, 9, 12.0 - i, True) for era in eras for i in range(3)]
    table = pd.DataFrame(rows, columns=["era", "term", "collocate", "f_xy", "f_x", "f_y", "logdice", "kept"])
    display = plot_collocates(table, top_n=3, max_rows=30, lang="en")
    (ax,) = display.axes_
    assert len(ax.get_yticklabels()) == 30  # each era's best (25), then the second best of the 5 first eras
    assert "top 3 per era, 30 of 75 shown" in ax.get_title()
    assert display.figure_.get_size_inches()[1] <= MAX_HEIGHT_IN


def test_collocate_rows_takes_every_eras_best_first():
    table = pd.DataFrame({"era": ["a", "a", "b"], "collocate": ["x", "y", "z"], "logdice": [13.0, 12.0, 9.0],
                          "kept": [True, True, True]})
    assert collocate_rows(table, top_n=2, max_rows=2) == ["x", "z"]


def test_plot_without_kept_collocates_says_so():
    table = pd.DataFrame({"era": ["a"], "term": ["t"], "collocate": ["x"], "f_xy": [1], "f_x": [3], "f_y": [2],
                          "logdice": [12.0], "kept": [False]})
    display = plot_collocates(table)
    assert display.axes_[0].texts[0].get_text() == "没有搭配词达到最低共现次数（min_count）"


# --------------------------------------------------------------------------- the command line

needs_cli = pytest.mark.skipif(not hasattr(corpus.cli, "cmd_collocates"), reason="CLI pasted later")


@needs_cli
def test_cli_prints_hand_checked_counts_and_the_shift(corpus_frames, capsys):
    _, _, folder = corpus_frames
    argv = ["collocates", "工会", "--by", "year", "--window", "2", "--min-count", "2", "--data", str(folder)]
    assert corpus.cli.main(argv) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == ("collocates of 工会: window ±2 content tokens within a paragraph, at least 2 co-occurrences, "
                      "by logdice")
    assert out[2] == "2006: 工会 ×4 in 13 content tokens, 8 in its windows"
    assert out[4].split()[:8] == ["职工", "4", "4", "14.00", "0.17", "1.27", "1", "a:"]
    assert "2023: 工会 does not occur (2 content tokens)" in out
    assert "gained and lost most, 2006 → 2011 (change in logdice; co-occurrences 2006 → 2011)" in out


@needs_cli
def test_cli_csv_and_lines(corpus_frames, capsys):
    _, _, folder = corpus_frames
    base = ["collocates", "工会", "--by", "year", "--window", "2", "--data", str(folder)]
    assert corpus.cli.main([*base, "--min-count", "2", "--csv"]) == 0
    rows = capsys.readouterr().out.splitlines()
    assert rows[0] == "era,term,collocate,f_xy,f_x,f_y,n,span,logdice,mi,g2,docs,example_doc,example"
    assert rows[1].startswith("2006,工会,职工,4,4,4,13,8,14.0000,0.1699,1.2750,1,a,")
    assert rows[2].startswith("2011,工会,职工,2,2,2,7,5,14.0000,")
    assert len(rows) == 3
    assert corpus.cli.main([*base, "--lines", "职工", "--era", "2011"]) == 0
    captured = capsys.readouterr()
    assert captured.out.splitlines() == ["b  2011  2011  【工会】要维护【职工】权益。职工是",
                                         "b  2011  2011  维护职工权益。【职工】是【工会】的主人。"]
    assert captured.err == "2 co-occurrences of 工会 with 职工 in 1 speech\n"
    assert corpus.cli.main([*base, "--lines", "职工", "--era", "2011", "--csv"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "doc_id,year,era,para,pos,collocate_pos,start,line",
        "b,2011,2011,1,2,5,6,【工会】要维护【职工】权益。职工是",     # start: the offset `corpus kwic` finds 工会 at
        "b,2011,2011,1,10,8,19,维护职工权益。【职工】是【工会】的主人。"]


@needs_cli
def test_cli_csv_with_compare_adds_the_gained_and_lost_table(corpus_frames, capsys):
    _, _, folder = corpus_frames
    base = ["collocates", "工会", "--by", "year", "--window", "2", "--min-count", "1", "--csv", "--data", str(folder)]
    assert corpus.cli.main([*base, "--compare", "2006:2011", "--shift", "1"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("era,term,collocate,") and len(out) == 1 + 9 + 1 + 1 + 2  # 9 kept rows
    # 主人: logDice NaN -> 14 + log2(2/3), change log2(3.75); 服务: 14 + log2(2/5) -> NaN, change log2(2/3).
    assert out[10:] == [
        "",
        "direction,first,second,collocate,f_xy_first,f_xy_second,f_y_first,f_y_second,value_first,value_second,"
        "change",
        "gained,2006,2011,主人,0,1,0,1,,13.4150,1.9069",
        "lost,2006,2011,服务,1,0,1,0,12.6781,,-0.5850",
    ]
    assert corpus.cli.main([*base, "--compare", "2006:2011", "--shift", "0"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 1 + 9  # --shift 0: no gained and lost table


@needs_cli
@pytest.mark.parametrize(("extra", "message"), [
    (["工会", "--window", "0"],
     "error: window must be a positive number of tokens or 'sentence', not 0; e.g. --window 5"),
    (["工人"], "error: term '工人' is not a token of the corpus; check it with `corpus kwic`, and add a word that "
               "segmentation splits to the lexicon"),
    (["工会", "--era", "2019"], "error: no era '2019'; eras are: 2006, 2011, 2023 (--by chooses the grouping)"),
    (["工会", "--compare", "2006:2023"], "error: the term does not occur in era 2023; choose among: 2006, 2011"),
    (["工会", "--shift", "-1"], "error: --shift must be 0 (no gained and lost list) or more, not -1; e.g. --shift 5"),
])
def test_cli_errors_are_one_line(corpus_frames, capsys, extra, message):
    _, _, folder = corpus_frames
    assert corpus.cli.main(["collocates", *extra, "--by", "year", "--data", str(folder)]) == 1
    captured = capsys.readouterr()
    assert captured.err == message + "\n"
    assert captured.out == ""


def test_a_catastrophic_term_stops_at_its_time_bound(monkeypatch):
    from corpus import config
    from corpus.collocates import node_vocabulary

    monkeypatch.setattr(config, "PATTERN_TIMEOUT_S", 0.2)
    with pytest.raises(CorpusError, match=r"^term '.*' took more than 0.2 s on one word: simplify it"):
        node_vocabulary(["a" * 40 + "!"], "x=(a|aa)+b")
