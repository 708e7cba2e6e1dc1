"""Cleaning steps, each with a table of (input, expected); paragraphs and sections of the seeds."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corpus import clean_docs, clean_text, load_docs, split_paragraphs, split_sections
from corpus.clean import (
    drop_zero_width,
    fold_punctuation,
    is_residue,
    join_broken_lines,
    mask_placeholders,
    normalize_width,
    remove_residue_lines,
    unify_whitespace,
)


@pytest.mark.parametrize(("text", "expected"), [
    ("工\u200b会\u200d", "工会"),
    ("\ufeff同志们", "同志们"),
    ("职工\u00ad之家", "职工之家"),
])
def test_drop_zero_width(text, expected):
    assert drop_zero_width(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("２０２２年", "2022年"),
    ("ＡＢＣ工会ｘｙｚ", "ABC工会xyz"),
    ("１１６．５亿元", "116.5亿元"),
    ("同志们，：！", "同志们，：！"),  # full-width punctuation stays
])
def test_normalize_width(text, expected):
    assert normalize_width(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("一\r\n二\r三", "一\n二\n三"),
    ("工会\u3000\u3000工作  很 好\t!", "工会 工作 很 好 !"),
    ("甲  \n  乙", "甲\n乙"),
    ("甲\n\n\n\n乙\n\n", "甲\n\n乙"),
])
def test_unify_whitespace(text, expected):
    assert unify_whitespace(text) == expected


@pytest.mark.parametrize(("line", "residue"), [
    ("好学生 分享 时间:", True),      # a row of page buttons
    ("47 3432347", True),             # no Han character
    ('");', True),
    ("首页 > 讲话 > 工会", True),
    ('<div class="x">工会</div>', True),
    ("县工会第八次代表大会讲话稿", False),
    ("谢谢大家!", False),
    ("一、提高政治站位，强化政治引领", False),
    ("各位代表 同志们", False),        # two fragments only
    ("XXX县工会", False),              # a placeholder is not residue
])
def test_is_residue(line, residue):
    assert is_residue(line) is residue


def test_remove_residue_lines_leaves_a_paragraph_break():
    text = "标题\n\n好学生 分享 时间:\n\n正文第一段。\n47 3432347\n\");"
    assert remove_residue_lines(text) == "标题\n\n正文第一段。"


@pytest.mark.parametrize(("text", "expected"), [
    # a sentence broken across lines is joined, without a space
    ("要统筹用好XX\nX、红色小院和职工之家等阵地，做到大门常开、活动常办。",
     "要统筹用好XXX、红色小院和职工之家等阵地，做到大门常开、活动常办。"),
    ("各级工会组织要充分发挥自身优势，切实担负起时代赋予的职责，\n教育和引导广大职工。",
     "各级工会组织要充分发挥自身优势，切实担负起时代赋予的职责，教育和引导广大职工。"),
    # real paragraph ends, headings and short title lines are kept
    ("第一段。\n第二段。", "第一段。\n\n第二段。"),
    ("总工会领导讲话\n同志们：", "总工会领导讲话\n\n同志们："),
    ("一、工会组织地位重要，必须充分认识、准确把握\n实践证明，工人阶级是先进生产力的代表。",
     "一、工会组织地位重要，必须充分认识、准确把握\n\n实践证明，工人阶级是先进生产力的代表。"),
    ("全县各级工会要在推动高质量发展中建功立业并作出新贡献\n二、突出维权职责",
     "全县各级工会要在推动高质量发展中建功立业并作出新贡献\n\n二、突出维权职责"),
    ("甲。\n\n乙。", "甲。\n\n乙。"),
])
def test_join_broken_lines(text, expected):
    assert join_broken_lines(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("XXX县工会第X次代表大会", "□县工会第□次代表大会"),
    ("对20x年度工会工作模范单位", "对□年度工会工作模范单位"),
    ("x主任总结了去年的工会工作", "□主任总结了去年的工会工作"),
    ("“x”重要思想", "“□”重要思想"),
    ("开创*高质量追赶发展新局面", "开创□高质量追赶发展新局面"),
    ("×××同志，○○县", "□同志，□县"),
    ("XXX、XXX等一大批先进典型", "□、□等一大批先进典型"),
    ("XX X", "□ □"),
    ("用Excel统计，做X光检查，第3x4页", "用Excel统计，做X光检查，第3x4页"),
    ("2023年", "2023年"),
])
def test_mask_placeholders(text, expected):
    assert mask_placeholders(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("各位代表,同志们:", "各位代表，同志们："),
    ("表示热烈的祝贺!", "表示热烈的祝贺！"),
    ("各乡镇区党(工)委", "各乡镇区党（工）委"),
    ("增长(劳动报酬和劳动生产效率同步增长),使职工", "增长（劳动报酬和劳动生产效率同步增长），使职工"),
    ("取得了新突破;广泛开展", "取得了新突破；广泛开展"),
    ('突出"两个维护"', "突出“两个维护”"),
    ("达到116.5亿元", "达到116.5亿元"),
    ("f(a, b)", "f(a, b)"),
    ("□,□", "□，□"),
])
def test_fold_punctuation(text, expected):
    assert fold_punctuation(text) == expected


@pytest.fixture(scope="module")
def docs():
    return clean_docs(load_docs())


def test_clean_docs_adds_columns_and_keeps_text(docs):
    raw = load_docs()
    assert list(docs["text"]) == list(raw["text"])
    assert list(docs["n_han"]) == [2672, 3287, 3807, 2785, 3460]


def test_tricky_lines_of_the_seeds(docs):
    text = dict(zip(docs["id"], docs["text_clean"], strict=True))
    assert text["001"].startswith("县工会第八次代表大会讲话稿\n\n县工会第八次代表大会讲话\n\n各位代表，同志们：\n\n"
                                  "今天，□县工会第□次代表大会隆重开幕了，")
    assert text["001"].endswith("为全面建设中国式现代化□作出新的更大贡献！\n\n谢谢大家！")
    assert "好学生" not in text["001"] and "3432347" not in text["001"]
    assert "统筹用好□、红色小院和“职工之家”等阵地" in text["001"]
    assert text["004"].startswith("工会讲话致辞最新\n\n同志们：\n\n刚才，大会对□年度工会工作模范单位")
    assert "今年是实施“□”规划的第一年" in text["004"]
    assert "在奋力开创□高质量追赶发展新局面中" in text["003"]
    assert "积极推动“两个同步”增长（劳动报酬和劳动生产效率同步增长、职工工资与企业效益同步增长），使职工" in text["000"]
    assert "各乡镇区党（工）委" in text["002"]
    assert "达到116.5亿元" in text["002"]


def test_cleaning_the_seeds_is_idempotent(docs):
    for cleaned in docs["text_clean"]:
        assert clean_text(cleaned) == cleaned


def test_paragraph_and_section_counts_of_the_seeds(docs):
    paragraphs = split_paragraphs(docs)
    assert list(paragraphs.columns) == ["doc_id", "section", "heading", "para", "kind", "text", "n_han"]
    per_doc = paragraphs.groupby("doc_id", sort=False)
    assert per_doc.size().to_dict() == {"004": 18, "002": 19, "003": 14, "000": 11, "001": 30}
    headings = paragraphs[paragraphs["kind"] == "heading"].groupby("doc_id", sort=False).size()
    assert headings.to_dict() == {"004": 3, "002": 3, "003": 4, "000": 3, "001": 4}
    kinds = paragraphs[paragraphs["doc_id"] == "001"]["kind"].head(4).tolist()
    assert kinds == ["title", "title", "salutation", "body"]
    closing = paragraphs[paragraphs["heading"] == "结束语"].groupby("doc_id", sort=False)["para"].apply(list)
    assert closing.to_dict() == {"004": [17], "002": [18], "003": [12, 13], "000": [10], "001": [27, 28, 29]}


def test_split_sections(docs):
    sections = split_sections(docs)
    s000 = sections[sections["doc_id"] == "000"]
    assert list(s000["section"]) == [0, 1, 2, 3, 4]
    assert list(s000["heading"]) == ["", "一、立足本职岗位，在推动转型跨越发展中争创一流业绩",
                                     "二、突出维权职责，在构建和谐劳动关系中发挥职能作用",
                                     "三、加强组织领导，在强化自身建设中提高履职能力", "结束语"]
    assert list(s000["n_paragraphs"]) == [4, 2, 2, 2, 1]


_TEXTS = st.lists(
    st.sampled_from(list("工会职工同志们发展一二三、，。！：,.:!?();\"“”XxX*20 \n\r\t\u3000\u200b２Ａ□")
                    + ["XXX", "\n\n", "20x", "好学生 分享 时间:", "一、", "工会工作要聚焦聚力县委中心工作"]),
    max_size=80,
).map("".join)


@settings(max_examples=300, deadline=None)
@given(_TEXTS)
def test_clean_text_never_fails_and_is_idempotent(text):
    cleaned = clean_text(text)
    assert clean_text(cleaned) == cleaned


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_clean_text_on_any_unicode(text):
    cleaned = clean_text(text)
    assert clean_text(cleaned) == cleaned
