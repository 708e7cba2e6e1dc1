"""Growing and checking the lexicon on tiny hand-made texts."""

import pandas as pd

from corpus.lexicon import audit_lexicon, suggest_terms
from corpus.segment import make_segmenter, read_stopwords


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
    assert head[["term", "source", "count", "docs"]].values.tolist() == [["两个同心", "quoted", 1, 1], ["四敢", "quoted", 1, 1]]
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
