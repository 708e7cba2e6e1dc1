"""Reading the lexicon and stopwords (shipped or a data folder's own); growing and checking the lexicon."""

import pandas as pd
import pytest

from corpus import CorpusError, config
from corpus.lexicon import (
    LEXICON_CATEGORIES,
    audit_lexicon,
    is_number_token,
    lexicon_file,
    mark_stopwords,
    read_lexicon,
    read_stopwords,
    stopwords_file,
    suggest_terms,
)
from corpus.segment import make_segmenter


def _lexicon(*terms):
    return pd.DataFrame({"term": list(terms), "category": ["slogan"] * len(terms), "freq": [0] * len(terms)})


def test_suggest_finds_quoted_numbered_and_split_phrases():
    docs = pd.DataFrame({"id": ["a", "b"], "text_clean": [
        "坚持“两个同心”，建设“职工之家”，开展“四敢”活动。\n\n劳动关系和谐企业创建活动。",
        "劳动关系和谐企业创建活动要坚持两个同心。\n\n劳动关系和谐企业",
    ]})
    segmenter = make_segmenter(lexicon=_lexicon("职工之家"), engine="jieba")
    table = suggest_terms(docs, segmenter=segmenter, stopwords=read_stopwords())
    assert list(table.columns) == ["term", "source", "count", "docs", "example"]
    head = table.head(2)
    assert head[["term", "source", "count", "docs"]].values.tolist() == [["两个同心", "quoted", 1, 1],
                                                                         ["四敢", "quoted", 1, 1]]
    assert head["example"].iloc[0] == "坚持“两个同心”，建设“职工之家”，开展“四敢”活动。"
    row = table.set_index("term").loc["劳动关系和谐"]
    assert (row["source"], row["count"], row["docs"]) == ("ngram", 3, 2)
    assert "职工之家" not in set(table["term"])  # already in the lexicon


def test_audit_says_why_a_term_is_not_whole():
    docs = pd.DataFrame({"id": ["a"], "text_clean": ["提高自主创新能力，实现十二五目标，坚持自主创新。"]})
    lexicon = _lexicon("自主创新", "二五", "十二五")
    table = audit_lexicon(docs, segmenter=make_segmenter(lexicon=lexicon, engine="jieba"), lexicon=lexicon)
    assert table.to_dict("records") == [
        {"term": "自主创新", "category": "slogan", "occurrences": 2, "whole": 1, "inside": 0, "split": 1,
         "reason": "自主/创新能力 (jieba prefers 创新能力) ×1"},
        {"term": "二五", "category": "slogan", "occurrences": 1, "whole": 0, "inside": 1, "split": 0,
         "reason": "inside lexicon term 十二五 ×1"},
    ]


def test_lexicon_file_is_well_formed():
    lexicon = read_lexicon()
    assert len(lexicon) >= 600
    assert set(lexicon["category"]) == set(LEXICON_CATEGORIES)
    assert {"高质量发展", "两个维护", "职工之家", "十五五", "二十大", "科学发展观",
            "产业工人队伍建设改革"} <= set(lexicon["term"])
    assert lexicon.set_index("term").loc["民主管理", "freq"] == 100


@pytest.mark.parametrize(("content", "message"), [
    ("高质量发展\n", "line 1: expected 'term<TAB>category[<TAB>freq]', found 1 field(s)"),
    ("两个 维护\tformula\n", "line 1: term '两个 维护' may hold only Han characters, letters and digits"),
    ("中国梦·劳动美\tslogan\n", "may hold only Han characters"),
    ("# c\n\n高质量发展\tslogn\n", "line 3: category 'slogn' is not one of slogan, formula"),
    ("高质量发展\tslogan\n高质量发展\tslogan\n", "line 2: '高质量发展' is already on line 1; keep one"),
    ("高质量发展\tslogan\tmany\n", "line 1: frequency 'many' is not a whole number"),
])
def test_bad_lexicon_lines(tmp_path, content, message):
    path = tmp_path / "lexicon.tsv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(CorpusError) as err:
        read_lexicon(path)
    assert message in str(err.value)


def test_bom_and_crlf_do_not_spoil_terms(tmp_path):
    # jieba issue #236: a BOM or CR silently glued to the term.
    path = tmp_path / "lexicon.tsv"
    path.write_bytes("\ufeff两个维护\tformula\r\n职工之家\tslogan\r\n".encode("utf-8"))
    lexicon = read_lexicon(path)
    assert lexicon["term"].tolist() == ["两个维护", "职工之家"]
    assert make_segmenter(lexicon=lexicon, engine="jieba").cut("做到两个维护") == ["做到", "两个维护"]


def test_stopwords(tmp_path):
    path = tmp_path / "stop.txt"
    path.write_text("# fillers\n同志们\n进一步  # comment\n-我们\n", encoding="utf-8")
    stop = read_stopwords(path)
    assert {"同志们", "进一步", "的", "了"} <= stop
    assert "我们" not in stop
    assert not {"坚持", "加强", "社会主义", "发展"} & read_stopwords()


@pytest.mark.parametrize(("token", "is_stop"), [
    ("的", True), ("同志们", True), ("一是", True), ("进一步", True),
    ("，", True), ("“", True), ("2023", True), ("3341", True), ("□", True),
    ("坚持", False), ("社会主义", False), ("高质量发展", False), ("十二五", False), ("Excel", False),
])
def test_mark_stopwords(token, is_stop):
    assert mark_stopwords([token], read_stopwords()).tolist() == [is_stop]


@pytest.mark.parametrize(("token", "is_stop"), [
    # numbers in Chinese numerals, as jieba cuts 一九五八年, 二〇二三年 (二 / 〇 / 二三年), 三千万, 十二亿
    ("一九五八年", True), ("二三年", True), ("〇", True), ("二", True), ("三千万", True), ("十二亿", True),
    ("一九七", True),  # 一九七 / 〇 / 年
    ("十四年", True), ("二十年", True), ("十多年", True), ("一百多年", True), ("五十年代", True), ("一百周年", True),
    ("二十一", True), ("一千零七", True), ("两千万", True), ("两个", True), ("三倍", True), ("十月", True),
    ("亿", True), ("百分之九十五", True), ("三分之一", True), ("二十世纪", True),
    # lexicon terms and words with numerals stay words
    ("十五", False), ("九五", False), ("十二五", False), ("十四五", False), ("十九大", False), ("二十大", False),
    ("两个维护", False), ("一带一路", False), ("十五大", False), ("三个代表", False),
    ("九二", False), ("五四", False), ("五一六", False),  # 九二共识, 五四运动, 五一六通知
    ("万岁", False), ("千万", False), ("百年", False), ("亿万", False), ("十分", False),
    ("十三届", False), ("八届", False), ("第十九届", False), ("二十三条", False), ("亿元", False),
])
def test_numbers_in_chinese_numerals_are_not_words(token, is_stop):
    assert mark_stopwords([token], read_stopwords()).tolist() == [is_stop]


def test_keep_overrides_the_number_rule_only():
    stop = read_stopwords()
    assert mark_stopwords(["十五", "二十"], stop, keep=()).tolist() == [True, True]
    assert mark_stopwords(["十五", "二十", "的"], stop, keep=["二十", "的"]).tolist() == [True, False, True]
    assert [t for t in read_lexicon()["term"] if is_number_token(t)] == ["十五"]  # kept by default
    assert mark_stopwords([], stop).tolist() == []


def test_every_shipped_resource_reads_through_importlib_resources():
    import importlib.resources

    from corpus.dating import read_era_markers

    shipped = importlib.resources.files("corpus") / "resources"
    assert sorted(p.name for p in shipped.iterdir() if p.name in config.RESOURCES) == sorted(config.RESOURCES)
    lexicon = read_lexicon(shipped / "lexicon.tsv")
    assert lexicon.equals(read_lexicon())
    assert lexicon.set_index("term").loc["高质量发展", "category"] == "slogan"
    assert read_stopwords(shipped / "stopwords.txt") == read_stopwords() and "同志们" in read_stopwords()
    markers = read_era_markers(shipped / "era_markers.csv")
    assert markers.set_index("marker").loc["十二五", ["first", "last"]].tolist() == [2011, 2015]


def test_a_data_folder_overrides_the_shipped_lexicon(tmp_path):
    assert read_lexicon(lexicon_file(tmp_path)).equals(read_lexicon())  # no lexicon/ folder: the shipped one
    (tmp_path / "lexicon").mkdir()
    (tmp_path / "lexicon" / "lexicon.tsv").write_text("两个同心\tformula\n", encoding="utf-8")
    assert lexicon_file(tmp_path) == tmp_path / "lexicon" / "lexicon.tsv"
    assert read_lexicon(lexicon_file(tmp_path))["term"].tolist() == ["两个同心"]
    assert stopwords_file(tmp_path).name == "stopwords.txt"
    assert stopwords_file(tmp_path) != tmp_path / "lexicon" / "stopwords.txt"


def test_a_missing_resource_is_a_one_line_error(tmp_path):
    with pytest.raises(CorpusError, match="lexicon.tsv: not found"):
        read_lexicon(tmp_path / "lexicon.tsv")


# Issue 17: suggest and audit grew with the square of the longest line (each n-gram's example sentence was
# searched from the start of its paragraph; each occurrence scanned every token). On this line of 200,016
# characters without a full stop suggest and audit took 244 s and 247 s before, 3.7 s and 2.0 s now (same busy
# machine).
LONG_UNIT = "提高自主创新能力，坚持“两个同心”，"  # 18 characters
LONG_LINE = pd.DataFrame({"id": ["long"], "text_clean": [LONG_UNIT * 11_112]})


def test_suggest_on_one_long_line():
    segmenter = make_segmenter(lexicon=_lexicon("自主创新"), engine="jieba")
    table = suggest_terms(LONG_LINE, segmenter=segmenter, stopwords=read_stopwords())
    assert table[["term", "source", "count", "docs"]].values.tolist() == [
        ["两个同心", "quoted", 11_112, 1], ["提高自主", "ngram", 11_112, 1],
        ["提高自主创新能力", "ngram", 11_112, 1], ["自主创新能力", "ngram", 11_112, 1]]
    assert table["example"].iloc[0] == (LONG_UNIT * 4)[:16 + 40]  # from the line's start to 40 after 两个同心


def test_audit_on_one_long_line():
    lexicon = _lexicon("自主创新")
    table = audit_lexicon(LONG_LINE, segmenter=make_segmenter(lexicon=lexicon, engine="jieba"), lexicon=lexicon)
    assert table.to_dict("records") == [
        {"term": "自主创新", "category": "slogan", "occurrences": 11_112, "whole": 0, "inside": 0, "split": 11_112,
         "reason": "自主/创新能力 (jieba prefers 创新能力) ×11112"}]


def test_a_frequency_past_the_engines_range_is_refused_naming_the_line(tmp_path):
    path = tmp_path / "lexicon.tsv"
    path.write_text("# a comment\n高质量发展\tslogan\t5\n两个维护\tslogan\t18446744073709551616\n",
                    encoding="utf-8")
    with pytest.raises(CorpusError) as err:
        read_lexicon(path)
    assert str(err.value) == (f"{path} line 3: frequency 18446744073709551616 is out of range; give a whole number "
                              "from 1 to 1_000_000_000_000 (jieba's most frequent word has 318_825), or none for "
                              "the suggested one")
