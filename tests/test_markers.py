"""Learning era markers from a dated corpus: observed windows, proposed terms, the command."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from corpus.cli import main
from corpus.dating import read_era_markers
from corpus.errors import CorpusError
from corpus.markers import LEARNED_COLUMNS, PROPOSAL_COLUMNS, learn_markers, marker_usage, propose_markers

from .conftest import write_corpus

# Nine speeches; the run 2014–2016 holds three of them.
YEARS = [2006, 2008, 2010, 2012, 2014, 2015, 2016, 2018, 2020]
STOP = {"的", "，", "。", "二〇一四年", "十五", "第十次"}  # as segment_docs flags them (stopword, punctuation, number)
MARKERS_CSV = ("marker,pattern,first,last,kind,note,generic\n"
               "十二五,,2011,2015,plan,,\n"
               "十三五,,2016,2020,plan,,yes\n"  # generic: not true of 十三五, but it shows the column kept
               "精准扶贫,,2013,2020,campaign,,\n")


def frames(speeches: list[tuple[int, str]]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A docs frame and its tokens frame from (year, "space separated tokens") pairs."""
    ids = [f"d{i:02d}" for i in range(len(speeches))]
    docs = pd.DataFrame({"id": ids, "year": [y for y, _ in speeches],
                         "text_clean": ["".join(text.split()) for _, text in speeches]})
    rows = [(doc, 0, pos, token, token in STOP)
            for doc, (_, text) in zip(ids, speeches, strict=True) for pos, token in enumerate(text.split())]
    tokens = pd.DataFrame(rows, columns=["doc_id", "para", "pos", "token", "is_stop"])
    return docs, tokens


def with_term(term: str, years: set[int], *, base: str = "改革 的 发展") -> list[tuple[int, str]]:
    return [(y, f"{base} {term}" if y in years else base) for y in YEARS]


def markers_table(tmp_path) -> pd.DataFrame:
    path = tmp_path / "era_markers.csv"
    path.write_text(MARKERS_CSV, encoding="utf-8")
    return read_era_markers(path)


def g2(a: int, b: int, c: int, d: int) -> float:
    """G² of [[a, b], [c, d]], written out as in a textbook."""
    n = a + b + c + d
    cells = [(a, (a + b) * (a + c) / n), (b, (a + b) * (b + d) / n), (c, (c + d) * (a + c) / n),
             (d, (c + d) * (b + d) / n)]
    return 2 * sum(o * math.log(o / e) for o, e in cells if o)


# --------------------------------------------------------------------------- proposals


def test_a_term_used_only_in_the_three_speeches_of_2014_to_2016_is_proposed():
    docs, tokens = frames(with_term("职工之家", {2014, 2015, 2016}))
    table = propose_markers(docs, tokens)
    assert list(table.columns) == list(PROPOSAL_COLUMNS)
    assert len(table) == 1
    row = table.iloc[0]
    assert (row.term, row.first, row.last) == ("职工之家", 2014, 2016)
    assert (row.docs, row.docs_in, row.speeches_in, row.docs_out, row.speeches_out) == (3, 3, 3, 0, 6)
    assert row.ratio == pytest.approx((3.5 / 4) / (0.5 / 7))  # 12.25
    assert row.g2 == pytest.approx(g2(3, 0, 0, 6))  # 2 (3 ln 3 + 6 ln 1.5) = 11.457
    assert row.note == "learned: 3 of 3 speeches 2014–2016 use it (3 times); 0 of 6 outside"


def test_a_use_outside_the_run_is_counted():
    years = list(range(1990, 2009, 2)) + [2013, 2014, 2014, 2015, 2016]  # ten before, five in 2013–2016
    uses = {1994, 2013, 2015, 2016}
    speeches = [(y, "改革 新词" if y in uses or (y == 2014 and i == 11) else "改革") for i, y in enumerate(years)]
    table = propose_markers(*frames(speeches))
    counts = ["term", "first", "last", "docs", "docs_in", "speeches_in", "docs_out", "speeches_out"]
    assert table[counts].values.tolist() == [["新词", 2013, 2016, 5, 4, 5, 1, 10]]
    assert table["ratio"].iloc[0] == pytest.approx((4.5 / 6) / (1.5 / 11))  # 5.5: just above 5
    assert table["g2"].iloc[0] == pytest.approx(g2(4, 1, 1, 9))  # 7.590
    assert table["note"].iloc[0] == "learned: 4 of 5 speeches 2013–2016 use it (4 times); 1 of 10 outside"


@pytest.mark.parametrize(("years", "why"), [
    (set(YEARS), "used every year"),
    ({2006, 2012, 2020}, "spread over 15 years"),
    ({2014, 2015}, "fewer than min_docs speeches"),
    ({2010, 2014, 2015, 2016}, "3 of 4 in the run: below 80 %"),
])
def test_terms_not_concentrated_in_a_run_are_not_proposed(years, why):
    docs, tokens = frames(with_term("新词", years))
    assert "新词" not in set(propose_markers(docs, tokens)["term"]), why


def test_the_run_may_span_at_most_max_span_years():
    docs, tokens = frames(with_term("新词", {2012, 2014, 2016}))  # 2012–2016: five years
    assert propose_markers(docs, tokens, max_span=4).empty
    assert propose_markers(docs, tokens, max_span=5)[["first", "last"]].values.tolist() == [[2012, 2016]]


def test_nothing_is_learned_without_speeches_outside_the_run():
    speeches = [(y, "改革 新词") for y in (2014, 2015, 2016)]
    assert propose_markers(*frames(speeches)).empty


def test_a_run_crowded_with_other_speeches_fails_the_ratio():
    # 2014 holds six speeches, two use the term: 2.5/7 in the run against 0.5/5 outside is 3.6 < 5
    speeches = [(y, "改革") for y in (2006, 2008, 2010, 2020)] + [(2014, "改革 新词")] * 2 + [(2014, "改革")] * 4
    assert propose_markers(*frames(speeches), min_docs=2).empty
    assert propose_markers(*frames(speeches), min_docs=2, min_ratio=3.5)["term"].tolist() == ["新词"]


@pytest.mark.parametrize("term", ["的", "二〇一四年", "党", "第十次"])
def test_stopwords_numbers_single_characters_and_ordinals_are_not_candidates(term):
    docs, tokens = frames(with_term(term, {2014, 2015, 2016}))
    assert propose_markers(docs, tokens).empty


def test_kept_terms_are_candidates_even_when_flagged():
    docs, tokens = frames(with_term("十五", {2014, 2015, 2016}))  # a plan, flagged as a number here
    assert propose_markers(docs, tokens).empty
    assert propose_markers(docs, tokens, keep=["十五"])["term"].tolist() == ["十五"]


def test_a_piece_of_a_longer_word_is_not_proposed():
    docs, tokens = frames(with_term("勃 列日涅夫", {2014, 2015, 2016}))  # jieba's cut of 勃列日涅夫
    assert propose_markers(docs, tokens).empty
    docs, tokens = frames(with_term("勃列日涅夫", {2014, 2015, 2016}))
    assert propose_markers(docs, tokens)["term"].tolist() == ["勃列日涅夫"]


def test_existing_markers_are_not_proposed_again(tmp_path):
    docs, tokens = frames(with_term("精准扶贫 十二五规划 职工之家", {2014, 2015, 2016}))
    assert propose_markers(docs, tokens, markers=markers_table(tmp_path))["term"].tolist() == ["职工之家"]


def test_ties_are_broken_by_mentions_then_by_term():
    docs, tokens = frames(with_term("乙乙乙 甲甲 丙丙 丙丙", {2014, 2015, 2016}))
    table = propose_markers(docs, tokens)
    assert table["term"].tolist() == ["丙丙", "乙乙乙", "甲甲"]  # same G²; 丙丙 twice a speech; then by term
    assert propose_markers(docs, tokens, limit=2)["term"].tolist() == ["丙丙", "乙乙乙"]


@pytest.mark.parametrize(("years", "message"), [
    ([2014, 2014], "learning era markers needs speeches from at least 2 years; the corpus has 2 speeches, all "
                   "from 2014: add speeches from other years (corpus add)"),
    ([], "learning era markers needs speeches from at least 2 years; the corpus has no speeches: add speeches "
         "from other years (corpus add)"),
])
def test_fewer_than_two_years_is_an_error(years, message):
    docs, tokens = frames([(y, "改革") for y in years])
    with pytest.raises(CorpusError) as err:
        propose_markers(docs, tokens)
    assert str(err.value) == message


# --------------------------------------------------------------------------- observed windows and the table


def marker_speeches() -> list[tuple[int, str]]:
    """十二五 in 2012, 2014 (twice) and 2018; 十三五 in 2015 and 2018; 职工之家 in 2014–2016."""
    extra = {2012: "“ 十二五 ”", 2014: "“ 十二五 ” “ 十二五 ” 职工之家", 2015: "十三五 职工之家", 2016: "职工之家",
             2018: "“ 十二五 ” 、 十三五"}
    return [(y, f"改革 的 发展 {extra.get(y, '')}".strip()) for y in YEARS]


def test_marker_usage_gives_observed_years_and_speeches_outside_the_window(tmp_path):
    docs, _ = frames(marker_speeches())
    usage = marker_usage(docs, markers_table(tmp_path))
    assert usage.to_dict("records") == [
        {"marker": "十二五", "kind": "plan", "first": 2011, "last": 2015, "observed_first": 2012, "observed_last": 2018,
         "docs": 3, "mentions": 4, "before": 0, "after": 1},
        {"marker": "十三五", "kind": "plan", "first": 2016, "last": 2020, "observed_first": 2015, "observed_last": 2018,
         "docs": 2, "mentions": 2, "before": 1, "after": 0},
    ]  # 精准扶贫: no speech uses it, no row


def test_learn_markers_gives_one_era_marker_table(tmp_path):
    docs, tokens = frames(marker_speeches())
    table = learn_markers(docs, tokens, markers_table(tmp_path))
    assert list(table.columns) == list(LEARNED_COLUMNS)
    assert table.drop(columns="note").values.tolist() == [
        ["十二五", "", 2012, 2018, "plan", "", "observed"],
        ["十三五", "", 2015, 2018, "plan", "yes", "observed"],
        ["职工之家", "", 2014, 2016, "slogan", "", "proposed"],
    ]
    assert table["note"].tolist() == [
        "observed 2012–2018 in 3 speeches, 4 mentions; table 2011–2015; 1 after 2015",
        "observed 2015–2018 in 2 speeches, 2 mentions; table 2016–2020; 1 before 2016",
        "learned: 3 of 3 speeches 2014–2016 use it (3 times); 0 of 6 outside",
    ]


# --------------------------------------------------------------------------- the command


CLI_EXTRAS = {2012: "“十二五”。", 2014: "“十二五”。“职工之家”。", 2015: "“十三五”。“职工之家”。", 2016: "“职工之家”。",
              2018: "“十二五”。“十三五”。"}


def speeches_folder(folder, years=YEARS, *, own_markers=True):
    """A data folder of one speech a year; the folder's own era-marker table unless own_markers=False."""
    body = "我们要坚持改革，做好工会工作，团结广大职工群众，为经济社会发展贡献力量。"  # in every speech: not proposed
    texts = {f"{y}.txt": f"同志们：\n{y}年，{body}{CLI_EXTRAS.get(y, '')}\n" for y in years}
    write_corpus(folder, texts, "id,file,year,title\n" + "".join(f"s{y},{y}.txt,{y},讲话\n" for y in years))
    if own_markers:
        (folder / "lexicon").mkdir()
        (folder / "lexicon" / "era_markers.csv").write_text(MARKERS_CSV, encoding="utf-8")
    return folder


def test_cli_writes_the_table_and_says_how_to_merge(tmp_path, capsys):
    folder = speeches_folder(tmp_path / "d")
    assert main(["markers", "learn", "--data", str(folder)]) == 0
    out = capsys.readouterr().out.splitlines()
    path = folder / "lexicon" / "era_markers.learned.csv"
    assert out[0] == "9 speeches from 9 years (2006–2020); 2 of 3 era markers used"
    assert out[1] == "2 table windows contradicted (speeches use the marker before its first or after its last year):"
    assert out[2].split() == "十二五 2012–2018 in 3 speeches, 3 mentions; table 2011–2015; 1 after 2015".split()
    assert out[3].split() == "十三五 2015–2018 in 2 speeches, 2 mentions; table 2016–2020; 1 before 2016".split()
    assert out[4].startswith("1 new marker proposed (used in ≥ 3 speeches, ≥ 80% of them within ≤ 6 consecutive")
    assert out[5].split() == "职工之家 2014–2016 3 of 3 speeches 2014–2016 use it (3 times); 0 of 6 outside".split()
    assert out[6] == f"wrote {path} (3 rows: status observed or proposed)"
    assert out[7] == (f"to use them: review the file, then copy the rows you accept (without the status column) "
                      f"into {folder / 'lexicon' / 'era_markers.csv'}, which overrides the shipped table")
    assert path.read_bytes().startswith("\ufeffmarker,pattern,first,last,kind,note,generic,status\n".encode())
    learned = read_era_markers(path)  # a valid era-marker table as it stands
    assert learned[["marker", "first", "last", "status"]].values.tolist() == [
        ["十二五", 2012, 2018, "observed"], ["十三五", 2015, 2018, "observed"], ["职工之家", 2014, 2016, "proposed"]]


def test_cli_csv_prints_the_table_and_names_the_shipped_table_when_the_folder_has_none(tmp_path, capsys):
    folder = speeches_folder(tmp_path / "d", own_markers=False)
    assert main(["markers", "learn", "--data", str(folder), "--out", str(tmp_path / "x.csv"), "--csv"]) == 0
    captured = capsys.readouterr()
    assert captured.out.startswith("marker,pattern,first,last,kind,note,generic,status\n")  # no BOM on a terminal
    assert "职工之家,,2014,2016,slogan,learned: 3 of 3 speeches 2014–2016 use it (3 times); 0 of 6 outside,,proposed" \
        in captured.out.splitlines()
    assert captured.err == f"wrote {tmp_path / 'x.csv'}\n"
    assert (tmp_path / "x.csv").is_file()
    assert main(["markers", "learn", "--data", str(folder), "--out", str(tmp_path / "y.csv")]) == 0
    assert "it does not exist yet: start from a copy of the shipped table, " in capsys.readouterr().out


def test_cli_says_when_no_run_can_hold_enough_speeches(tmp_path, capsys):
    folder = speeches_folder(tmp_path / "d", years=[2000, 2010, 2020])
    assert main(["markers", "learn", "--data", str(folder)]) == 0
    assert ("  no 6 consecutive years hold 3 speeches of this corpus (at most 1): widen --max-span or lower "
            "--min-docs") in capsys.readouterr().out.splitlines()


def test_cli_one_year_corpus_is_a_one_line_error(tmp_path, capsys):
    folder = speeches_folder(tmp_path / "d", years=[2014], own_markers=False)
    assert main(["markers", "learn", "--data", str(folder)]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == ("error: learning era markers needs speeches from at least 2 years; the corpus has "
                            "1 speech, all from 2014: add speeches from other years (corpus add)\n")
    assert not (folder / "lexicon").exists()
