"""What one speech says that earlier ones did not: new, missing, distinctive terms and markers, each with KWIC lines.

The fixture: three short speeches whose counts can be checked by hand.

- a (2006, 15 Han characters): 建功十一五，工会要维权。工会要维权。
- b (2011, 17): 十一五期间，工会要维权，坚持党建带工建。
- c (2023, 32): 工会要抗击疫情。疫情之后，发扬四敢精神，党建带工建，党建带工建，党建带工建。

Against the speeches before 2023 (a and b: 32 Han characters, as many as c), with era markers 四敢 (2023-),
抗击疫情 (2020-) and 十一五 (2006-2010):

- new: 四敢 and 抗击疫情 (markers, once each, never in a or b), 党建带工建 (a lexicon 提法: 3 in c, 1 in b:
  rate ratio 3 >= 2 and 1 speech <= max(1, 10% of 2): rare), 疫情 (a word, 2 matches in c: the one in 抗击疫情
  counts, as `corpus kwic 疫情` shows it);
- missing: 十一五 (2 in 2 speeches, expected 2 x 32/32 = 2.0) and 维权 (3 in 2, expected 3.0), both 0 in c.
"""

from __future__ import annotations

import math

import matplotlib

matplotlib.use("Agg")
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

import corpus.cli  # noqa: E402
from corpus import CorpusError  # noqa: E402
from corpus.clean import clean_docs  # noqa: E402
from corpus.compare import (  # noqa: E402
    DISTINCTIVE_COLUMNS,
    EVIDENCE_COLUMNS,
    MISSING_COLUMNS,
    NEW_COLUMNS,
    compare_speech,
    comparison_table,
    corpus_target,
    figure_table,
    marker_pattern,
    reference_docs,
    report_lines,
    signed_g2,
    spread_lines,
    text_target,
)
from corpus.dating import read_era_markers  # noqa: E402
from corpus.load import load_docs  # noqa: E402
from corpus.plots import MAX_HEIGHT_IN, PALETTE, plot_compare  # noqa: E402
from corpus.segment import segment_docs  # noqa: E402

from .conftest import write_corpus  # noqa: E402

TEXTS = {
    "a.txt": "建功十一五，工会要维权。工会要维权。\n",
    "b.txt": "十一五期间，工会要维权，坚持党建带工建。\n",
    "c.txt": "工会要抗击疫情。疫情之后，发扬四敢精神，党建带工建，党建带工建，党建带工建。\n",
}
METADATA = "id,file,year,title\na,a.txt,2006,甲\nb,b.txt,2011,乙\nc,c.txt,2023,丙\n"
MARKERS = ("marker,pattern,first,last,kind,note\n四敢,,2023,2026,slogan,\n"
           "抗击疫情,抗击疫情|抗疫,2020,2023,event,\n十一五,,2006,2010,plan,\n")

needs_cli = pytest.mark.skipif(not hasattr(corpus.cli, "cmd_compare"), reason="CLI pasted later")


def _g2(a: int, b: int, c: int, d: int) -> float:
    """Dunning's G² of the 2 x 2 table, written out: a of c against b of d."""
    n, k = c + d, a + b
    cells = [(a, c * k / n), (c - a, c * (n - k) / n), (b, d * k / n), (d - b, d * (n - k) / n)]
    return 2 * sum(o * math.log(o / e) for o, e in cells if o)


@pytest.fixture
def folder(tmp_path):
    folder = write_corpus(tmp_path / "tiny", TEXTS, METADATA)
    (folder / "lexicon").mkdir()
    (folder / "lexicon" / "era_markers.csv").write_text(MARKERS, encoding="utf-8")
    return folder


@pytest.fixture
def corpus_parts(folder):
    docs = clean_docs(load_docs(folder))
    return docs, segment_docs(docs), read_era_markers(folder / "lexicon" / "era_markers.csv")


@pytest.fixture
def result(corpus_parts):
    docs, tokens, markers = corpus_parts
    return compare_speech(docs, tokens, "c", markers=markers, min_expected=2.0, width=4)


def test_fixture_sizes(corpus_parts):
    docs, _, _ = corpus_parts
    assert docs[["id", "n_han"]].values.tolist() == [["a", 15], ["b", 17], ["c", 32]]


def test_new_terms_by_hand(result):
    new = result.new
    assert list(new.columns) == list(NEW_COLUMNS)
    # Markers first, the newest window first; then the lexicon's 提法; then words.
    assert new[["term", "kind", "count", "ref_count", "ref_docs", "status"]].values.tolist() == [
        ["四敢", "marker", 1, 0, 0, "never"],
        ["抗击疫情", "marker", 1, 0, 0, "never"],
        ["党建带工建", "lexicon", 3, 1, 1, "rare"],
        ["疫情", "word", 2, 0, 0, "never"],
    ]
    assert new["since"].tolist()[:2] == [2023, 2020] and new["since"].isna().tolist()[2:] == [True, True]
    assert new["per10k"].tolist() == [312.5, 312.5, 937.5, 625.0]  # count / 32 Han characters x 10,000
    assert new["ref_per10k"].tolist() == [0.0, 0.0, 312.5, 0.0]
    assert new["g2"].round(6).tolist() == [round(_g2(1, 0, 32, 32), 6), round(_g2(1, 0, 32, 32), 6),
                                           round(_g2(3, 1, 32, 32), 6), round(_g2(2, 0, 32, 32), 6)]
    assert new.loc[1, "pattern"] == "抗击疫情=抗击疫情|抗疫"  # what `corpus kwic` takes


def test_missing_terms_by_hand(result):
    missing = result.missing
    assert list(missing.columns) == list(MISSING_COLUMNS)
    assert missing[["term", "kind", "count", "ref_count", "ref_docs", "expected"]].values.tolist() == [
        ["十一五", "marker", 0, 2, 2, 2.0],  # 2 x 32 / 32
        ["维权", "word", 0, 3, 2, 3.0],
    ]
    assert missing["g2"].round(6).tolist() == [-round(_g2(2, 0, 32, 32), 6), -round(_g2(3, 0, 32, 32), 6)]


def test_a_term_is_missing_only_with_enough_expected(corpus_parts):
    docs, tokens, markers = corpus_parts
    # At the default (3 expected), 十一五 (2.0) is no longer missing; 维权 (3.0) still is.
    assert compare_speech(docs, tokens, "c", markers=markers).missing["term"].tolist() == ["维权"]


def test_min_count_applies_to_words_only(corpus_parts):
    docs, tokens, markers = corpus_parts
    new = compare_speech(docs, tokens, "c", markers=markers, min_count=3).new
    assert new["term"].tolist() == ["四敢", "抗击疫情", "党建带工建"]  # 疫情 (2) needs 3 now; the rest are 提法


def test_distinctive_is_keyness_of_tokens(result):
    # Content tokens: c has 10 (工会 抗击疫情 疫情 之后 发扬 四敢 精神 党建带工建 x3), a and b 12 together.
    distinctive = result.distinctive
    assert list(distinctive.columns) == list(DISTINCTIVE_COLUMNS)
    assert distinctive[["term", "kind", "n_target", "n_reference", "docs_reference"]].values.tolist() == [
        ["党建带工建", "lexicon", 3, 1, 1]]
    assert distinctive.loc[0, "g2"] == pytest.approx(_g2(3, 1, 10, 12))
    assert distinctive.loc[0, "log_ratio"] == pytest.approx(math.log2((3 / 10) / (1 / 12)))


def test_markers_of_the_target(result):
    markers = result.markers
    assert markers[["marker", "kind", "first", "last", "count", "ref_count", "ref_docs"]].values.tolist() == [
        ["四敢", "slogan", 2023, 2026, 1, 0, 0], ["抗击疫情", "event", 2020, 2023, 1, 0, 0]]
    assert markers["effect"].tolist() == ["pulls the estimate later by 1 year", "pulls the estimate earlier by 1 year"]
    assert result.estimate.best == 2023


def test_evidence_is_kwic(result):
    evidence = result.evidence
    assert list(evidence.columns) == list(EVIDENCE_COLUMNS)
    assert result.lines("new", "疫情")[["source", "doc_id", "left", "match", "right"]].values.tolist() == [
        ["target", "c", "会要抗击", "疫情", "。疫情之"],
        ["target", "c", "击疫情。", "疫情", "之后，发"],
    ]
    # A rare term shows where the reference did use it.
    assert result.lines("new", "党建带工建")[["source", "doc_id"]].values.tolist() == [
        ["target", "c"], ["target", "c"], ["target", "c"], ["reference", "b"]]
    # A missing term: the reference's lines, one per speech, latest first, then a second from a.
    assert result.lines("missing", "维权")[["source", "doc_id", "year", "left", "right"]].values.tolist() == [
        ["reference", "b", 2011, "，工会要", "，坚持党"],
        ["reference", "a", 2006, "，工会要", "。工会要"],
        ["reference", "a", 2006, "。工会要", "。"],
    ]
    assert result.lines("markers", "四敢")["match"].tolist() == ["四敢"]


def test_evidence_only_for_the_first_rows(corpus_parts):
    docs, tokens, markers = corpus_parts
    evidence = compare_speech(docs, tokens, "c", markers=markers, top_n=1, lines=1).evidence
    assert evidence[["table", "term", "source"]].values.tolist() == [
        ["new", "四敢", "target"], ["missing", "维权", "reference"], ["distinctive", "党建带工建", "target"],
        ["markers", "四敢", "target"]]


def test_reference_choices(corpus_parts):
    docs, tokens, _ = corpus_parts
    target = corpus_target(docs, tokens, "b")
    assert reference_docs(docs, target, against="before")[0]["id"].tolist() == ["a"]
    assert reference_docs(docs, target, against="rest")[0]["id"].tolist() == ["a", "c"]
    (frame, words) = reference_docs(docs, target, against="2023")
    assert frame["id"].tolist() == ["c"] and words == "the speeches of 2023"


@pytest.mark.parametrize(("target", "against", "message"), [
    ("z", "before", "no speech with id 'z'; `corpus validate` lists the ids"),
    ("a", "before", "no speeches before 2006 to compare a with (the corpus begins in 2006); use --against rest or "
                    "--against ERA"),
    ("a", "1999", "no era '1999'; eras are: 2006, 2011, 2023 (or before, rest; --by chooses the grouping)"),
    ("a", "2006", "era 2006 has no speech besides a; choose another era, or rest"),
])
def test_errors_are_one_line(corpus_parts, target, against, message):
    docs, tokens, markers = corpus_parts
    with pytest.raises(CorpusError) as err:
        compare_speech(docs, tokens, target, against=against, markers=markers)
    assert str(err.value) == message


def test_a_text_outside_the_corpus(corpus_parts, folder):
    docs, tokens, markers = corpus_parts
    before = sorted(p.name for p in folder.rglob("*"))
    target = text_target("同志们：\n发扬四敢精神，工会要维权。", name="new.txt", markers=markers)
    assert (target.name, target.year_basis) == ("new.txt", "dated")
    assert target.year == target.estimate.best and 2023 <= target.year <= 2026  # 四敢's window, as `corpus date`
    assert content(target.tokens) == ["发扬", "四敢", "精神", "工会", "维权"]  # 同志们 is a stopword
    result = compare_speech(docs, tokens, target, markers=markers)
    assert result.reference_ids == ("a", "b", "c")  # c (2023) is before the year the markers give
    # 四敢: once in 14 Han characters against once in 64 (c): 4.6 times the rate, in 1 of 3 speeches: rare.
    assert result.new[["term", "count", "ref_count", "ref_docs", "status"]].values.tolist() == [
        ["四敢", 1, 1, 1, "rare"]]
    assert sorted(p.name for p in folder.rglob("*")) == before  # nothing written
    assert report_lines(result)[0].startswith(f"new.txt ({target.year}, dated from its words: 2023–2026 (80%")


def content(tokens: pd.DataFrame) -> list[str]:
    return tokens.loc[~tokens["is_stop"], "token"].astype(str).tolist()


def test_a_text_without_markers_needs_a_year(corpus_parts):
    docs, tokens, markers = corpus_parts
    target = text_target("工会要维权。", markers=markers)
    assert (target.year, target.year_basis) == (None, "unknown")
    with pytest.raises(CorpusError, match=r"^text: no era markers tell its year; give --year YEAR, or --against rest$"):
        compare_speech(docs, tokens, target, markers=markers)
    given = text_target("工会要维权。", year=2011, markers=markers)
    assert (given.year, given.year_basis) == (2011, "given")
    assert compare_speech(docs, tokens, given, markers=markers).reference_ids == ("a",)
    with pytest.raises(CorpusError, match="no Chinese text"):
        text_target("hello", markers=markers)


def test_report_lines(result):
    lines = report_lines(result, top_n=1, lines=1)
    assert lines[:2] == ["c (2023, metadata) against speeches before 2023: 2 speeches (a, b), 32 Han characters; "
                         "the target 32",
                         "dated from its era markers: 2023–2025 (80%; most probable 2023)"]
    assert lines[3:7] == ["NEW: the reference never or rarely says it (4)",
                          "  四敢 [marker]  ×1 (312.5/10k); reference ×0 in 0 (never)",
                          "      c  …后，发扬【四敢】精神，党…",
                          "  … 3 more (--top N, or --csv for all)"]


def test_comparison_table_and_figure_table(result):
    table = comparison_table(result)
    assert table.groupby("table", sort=False).size().to_dict() == {"new": 4, "missing": 2, "distinctive": 1,
                                                                   "markers": 2}
    assert table.loc[table["table"] == "distinctive", ["term", "count", "ref_count"]].values.tolist() == [
        ["党建带工建", 3, 1]]
    data = figure_table(result, top_n=3)
    assert data.values.tolist() == [["new", "四敢", "marker", 1.0], ["new", "抗击疫情", "marker", 1.0],
                                    ["new", "党建带工建", "lexicon", 3.0], ["missing", "十一五", "marker", 2.0],
                                    ["missing", "维权", "word", 3.0]]


def test_signed_g2_and_helpers():
    assert signed_g2([2, 0], [0, 2], 32, 32).round(6).tolist() == [round(_g2(2, 0, 32, 32), 6),
                                                                   -round(_g2(2, 0, 32, 32), 6)]
    assert marker_pattern("二十大", "党的二十大(?=精神)") == "二十大=党的二十大(?=精神)"
    lines = pd.DataFrame({"doc_id": ["b", "b", "a", "a"], "start": [1, 2, 3, 4]})
    assert spread_lines(lines, 3)["start"].tolist() == [1, 3, 2]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_plot_compare(result, lang):
    display = plot_compare(result, lang=lang)
    (ax,) = display.axes_
    bars = ax.patches
    assert [round(b.get_width(), 6) for b in bars] == [1.0, 1.0, 3.0, 2.0, -2.0, -3.0]  # new right, missing left
    assert {bar.get_facecolor()[:3] for bar in bars[:4]} == {matplotlib.colors.to_rgb(PALETTE["accent"])}
    assert [t.get_text() for t in ax.get_yticklabels()] == ["四敢", "抗击疫情", "党建带工建", "疫情", "十一五", "维权"]
    labels = [t.get_text() for t in ax.texts]
    assert labels == (["1次", "1次", "3次", "2次", "预期2.0", "预期3.0"] if lang == "zh"
                      else ["1", "1", "3", "2", "expected 2.0", "expected 3.0"])
    assert ax.get_title().startswith("c：" if lang == "zh" else "c: new terms")
    assert display.figure_.get_size_inches()[1] <= MAX_HEIGHT_IN
    assert display.name == "compare_c" and len(display.data) == 6


def test_plot_compare_empty_and_from_a_frame():
    empty = pd.DataFrame(columns=["side", "term", "kind", "value"])
    display = plot_compare(empty, lang="en")
    assert [t.get_text() for t in display.axes_[0].texts] == ["no new or dropped terms"]
    frame = pd.DataFrame({"side": ["new", "new", "missing"], "term": ["甲", "乙", "丙"], "kind": "word",
                          "value": [2.0, 1.0, 4.5]})
    drawn = plot_compare(frame, top_n=1)
    assert [t.get_text() for t in drawn.axes_[0].get_yticklabels()] == ["甲", "丙"]


def test_shipped_corpus_001_against_earlier_years():
    docs = clean_docs(load_docs())
    result = compare_speech(docs, segment_docs(docs), "001")
    assert result.reference_ids == ("004", "002", "003")  # 000 is of 2023 too: not earlier
    new = result.new.set_index("term")
    assert new.loc[["四敢", "三年疫情", "抗击疫情", "二十大"], ["count", "ref_count", "status"]].values.tolist() == [
        [1, 0, "never"], [1, 0, "never"], [1, 0, "never"], [1, 1, "rare"]]  # 003 (2022) announced 党的二十大
    assert new.loc["疫情", "count"] == 2 and new.loc["疫情", "ref_count"] == 0
    assert result.new["term"].tolist()[:3] == ["四敢", "三年疫情", "二十大"]
    assert result.lines("new", "二十大")[["source", "doc_id", "match"]].values.tolist() == [
        ["target", "001", "党的二十大"], ["reference", "003", "党的二十大"]]
    assert "两个确立" not in set(result.new["term"])  # only 003 says it; 001 has 正确立场, which is not it


@needs_cli
def test_cli_compare(folder, capsys):
    assert corpus.cli.main(["compare", "c", "--data", str(folder), "--top", "1", "--lines", "1", "--width", "4"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == ("c (2023, metadata) against speeches before 2023: 2 speeches (a, b), 32 Han characters; "
                      "the target 32")
    assert "  维权 [word]  ×0, expected 3.0; reference ×3 in 2 speeches" in out
    assert "      b 2011  …，工会要【维权】，坚持党…" in out


@needs_cli
def test_cli_compare_csv_and_figure(folder, tmp_path, capsys):
    assert corpus.cli.main(["compare", "c", "--data", str(folder), "--csv"]) == 0
    terms, evidence = capsys.readouterr().out.split("\n\n")
    assert terms.splitlines()[0] == ("table,term,kind,pattern,count,ref_count,ref_docs,per10k,ref_per10k,expected,g2,"
                                     "status,first,last,effect")
    assert terms.splitlines()[1].startswith("new,四敢,marker,四敢,1,0,0,312.5,0,")
    assert evidence.splitlines()[0] == "table,term,source,doc_id,year,left,match,right"
    assert corpus.cli.main(["compare", "c", "--data", str(folder), "--figure", str(tmp_path / "fig")]) == 0
    assert sorted(p.name for p in (tmp_path / "fig").iterdir()) == [
        "compare_c.csv", "compare_c.pdf", "compare_c.png", "compare_c.svg"]


@needs_cli
def test_every_evidence_line_is_a_line_of_corpus_kwic_with_the_same_term_and_era(folder, capsys):
    """KWIC behind every table: a reader can get each row's lines again with `corpus kwic PATTERN --era ERA`."""
    import io

    assert corpus.cli.main(["compare", "c", "--data", str(folder), "--csv", "--lines", "3", "--width", "4"]) == 0
    terms, evidence = (pd.read_csv(io.StringIO(part), dtype=str, keep_default_na=False)
                       for part in capsys.readouterr().out.split("\n\n"))
    patterns = dict(zip(terms["term"], terms["pattern"], strict=False))
    assert len(evidence) >= 10
    for (term, year), lines in evidence.groupby(["term", "year"]):
        assert corpus.cli.main(["kwic", patterns[term], "--era", year, "--width", "4", "--csv",
                                "--data", str(folder)]) == 0
        kwic_lines = pd.read_csv(io.StringIO(capsys.readouterr().out), dtype=str, keep_default_na=False)
        shown = set(map(tuple, kwic_lines[["doc_id", "left", "match", "right"]].values.tolist()))
        assert set(map(tuple, lines[["doc_id", "left", "match", "right"]].values.tolist())) <= shown, term


@needs_cli
def test_cli_compare_a_file(folder, tmp_path, capsys):
    speech = tmp_path / "讲话.txt"
    speech.write_text("同志们：\n发扬四敢精神，工会要维权。\n", encoding="utf-8")
    assert corpus.cli.main(["compare", str(speech), "--data", str(folder), "--year", "2011"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("讲话.txt (2011, given) against speeches before 2011: 1 speech (a)")


@needs_cli
@pytest.mark.parametrize(("argv", "message"), [
    (["compare", "z"], "error: z: neither a file nor a speech id in {data}; `corpus validate` lists the ids"),
    (["compare", "a"], "error: no speeches before 2006 to compare a with (the corpus begins in 2006); "
                       "use --against rest or --against ERA"),
    (["compare", "c", "--against", "1999"], "error: no era '1999'; eras are: 2006, 2011, 2023 (or before, rest; "
                                            "--by chooses the grouping)"),
    (["compare", "c", "--year", "2020"], "error: --year is for a file; speech c's year is in metadata.csv"),
])
def test_cli_compare_errors(folder, capsys, argv, message):
    assert corpus.cli.main([*argv, "--data", str(folder), "--by", "year"]) == 1
    assert capsys.readouterr().err == message.format(data=folder) + "\n"
