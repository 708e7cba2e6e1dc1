"""Reading the lexicon and stopwords (shipped or a data folder's own); growing and checking the lexicon."""

import pandas as pd
import pytest

from corpus import CorpusError, config
from corpus.lexicon import (
    LEXICON_CATEGORIES,
    audit_lexicon,
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
