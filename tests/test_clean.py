"""Cleaning steps, each with a table of (input, expected); paragraphs and sections of the seeds."""

from __future__ import annotations

import re

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corpus import clean_docs, clean_text, inspect_corpus, load_docs, split_paragraphs, split_sections
from corpus.clean import (
    SCRIPT_MIXED_MIN_SHARE,
    SCRIPT_TRADITIONAL_MIN_SHARE,
    STEPS,
    clean_batches,
    clean_keys,
    clean_keys_of,
    count_han,
    drop_zero_width,
    fold_punctuation,
    guard_numerals,
    han_per_paragraph,
    is_residue,
    join_broken_lines,
    mask_placeholders,
    normalize_width,
    paragraphs_of,
    remove_residue_lines,
    script_neutral_pattern,
    script_of,
    term_pattern,
    to_simplified,
    unify_whitespace,
    unify_zeros,
)
from corpus.load import read_text_file
from corpus.speechcache import SpeechCache

from .conftest import DATA_DIR

TRADITIONAL = "我們國家爲人民服務，於一九五四年召開會議。"
SIMPLIFIED = "我们国家为人民服务，于一九五四年召开会议。"


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


# --------------------------------------------------------------------------- script


def test_to_simplified_converts_characters_and_phrases():
    assert to_simplified(TRADITIONAL) == SIMPLIFIED
    assert to_simplified("頭髮乾淨，乾隆年間") == "头发干净，乾隆年间"  # a phrase keeps 乾
    assert clean_text(TRADITIONAL) == clean_text(SIMPLIFIED) == SIMPLIFIED


@pytest.mark.parametrize(("text", "script"), [
    (TRADITIONAL, "traditional"),                       # 8 of 19 Han characters change
    (SIMPLIFIED, "simplified"),
    ("我们国家为人民服务。" * 20 + "會議", "mixed"),      # 1 of 182: between 0.1 % and 20 %
    ("我们国家为人民服务。" * 200 + "會", "simplified"),  # 1 of 1,801: a stray character
    ("工人階級", "traditional"),                         # 1 of 4
    ("2023 ABC", "simplified"),                         # no Han character
    ("", "simplified"),
])
def test_script_of(text, script):
    assert script_of(text) == script


def test_script_thresholds_are_ordered():
    assert 0 < SCRIPT_MIXED_MIN_SHARE < SCRIPT_TRADITIONAL_MIN_SHARE < 0.35  # traditional speeches: 35-40 %


def test_simplified_text_is_left_byte_identical():
    text = "于是乾坤朗朗，著名的后来者。" + "我们国家为人民服务。" * 1000 + "開"  # one stray 開 in 10,012
    assert to_simplified(text) is text
    for path in sorted(DATA_DIR.glob("*.txt")):
        raw = read_text_file(path).text
        assert to_simplified(raw) == raw and script_of(raw) == "simplified"


def test_the_step_runs_before_the_placeholders():
    assert STEPS.index(to_simplified) < STEPS.index(mask_placeholders)
    assert clean_text("做X射線檢查") == "做X射线检查"  # not □射线


def test_clean_docs_records_the_script_and_keeps_text():
    docs = pd.DataFrame({"id": ["t", "s", "m"], "text": [TRADITIONAL, SIMPLIFIED, SIMPLIFIED * 10 + "會"]})
    cleaned = clean_docs(docs)
    assert cleaned["script"].tolist() == ["traditional", "simplified", "mixed"]
    assert cleaned["text"].tolist() == docs["text"].tolist()
    assert cleaned["text_clean"].tolist()[:2] == [SIMPLIFIED, SIMPLIFIED]
    assert cleaned["text_clean"].iloc[2].endswith("会") and cleaned["n_han"].tolist()[:2] == [19, 19]


@pytest.mark.parametrize(("pattern", "expected"), [
    ("我們", "我[們们]"),
    ("兩個維護|國(?:家|務)", "[兩两][個个][維维][護护]|[國国](?:家|[務务])"),
    ("[於在]", "[於于在]"),
    ("[^們]", "[^們们]"),
    ("[一-龥]", "[一-龥]"),                                # range ends are left alone
    ("(?P<們>我們)(?P=們)", "(?P<們>我[們们])(?P=們)"),     # group names too
    ("(?<![國])家", "(?<![國国])家"),                       # width kept: lookbehinds stay fixed
    ("\\d+們?", "\\d+[們们]?"),
    ("高质量(?:追赶)?发展", "高质量(?:追赶)?发展"),          # simplified: as it is
])
def test_script_neutral_pattern(pattern, expected):
    converted = script_neutral_pattern(pattern)
    assert converted == expected
    re.compile(converted)


def test_a_pattern_in_either_script_finds_the_simplified_text():
    for pattern in ("我們國家", "我们国家", "我們国家"):
        assert re.findall(term_pattern(pattern), clean_text(TRADITIONAL)) == ["我们国家"]
    # a traditional pattern also finds a stray traditional spelling left in a simplified text
    assert len(re.findall(term_pattern("我們國家"), SIMPLIFIED + TRADITIONAL)) == 2


# --------------------------------------------------------------------------- numerals


@pytest.mark.parametrize(("pattern", "text", "count"), [
    ("九五", "一九五八年", 0),
    ("九五", "“九五”计划", 1),
    ("九五", "九五计划", 1),
    ("十五大", "二〇一五", 0),
    ("十五大", "二〇一五年十五大召开", 1),               # 年 is not a numeral
    ("十五", "二十五年", 0),                             # 十 is a numeral
    ("十五", "十五亿", 0),
    ("十五", "一百一十五", 0),
    ("十五", "十五年", 1),                               # units are not numerals: write 十五(?!年)
    ("十五", "第十五届", 1),                             # 第 is not a numeral
    ("十二五", "第十二五", 1),
    ("十二五", "二十二五", 0),
    ("二十大", "一百二十大", 0),
    ("两个维护", "十两个维护", 0),                       # 两 is a numeral
    ("千万", "3千万", 0),                                # an Arabic digit next to a numeral
    ("千万", "千万不能忘记", 1),
    ("〇", "二〇二三", 0),                               # never a part of a run
    ("二〇二三", "二〇二三年", 1),
    ("3341", "13341", 1),                                # Arabic digits alone: not guarded
    ("高质量发展", "二高质量发展三", 1),                 # no numeral at either end: as it was
    ("十五|九五", "一九五八，十五", 1),
    ("(?:九五|十五)计划", "一九五计划，十五计划", 1),
    ("十[一二]五", "二十一五，十二五", 1),
    ("(?i)十五", "二十五，十五", 1),
    ("(?x) 十五 # the plan", "二十五，十五", 1),
    ("十五[|]大", "二十五|大，十五|大", 1),
    ("十五\\|", "二十五|，十五|", 1),
    ("十五(?:计划|规划)|九五", "二十五计划，一九五，十五规划", 1),
    ("十二五", "十二五", 1),                               # at the start of the text
    ("(十)二五", "二十二五，十二五", 1),
])
def test_guard_numerals(pattern, text, count):
    assert len(re.findall(guard_numerals(pattern), text)) == count


def test_a_literal_numeral_first_is_guarded_after_it():
    assert guard_numerals("十二五").startswith("十(?<!")  # a search can skip to 十
    assert guard_numerals("十五|九五").startswith("(?!")  # alternatives: the general form


@pytest.mark.parametrize("pattern", ["高质量发展", "3341项目工程", "\\d+年", "第十五届", "“九五”"])
def test_guard_numerals_leaves_patterns_without_numeral_ends_alone(pattern):
    assert guard_numerals(pattern) == pattern


@pytest.mark.parametrize(("text", "expected"), [
    ("一九八○年", "一九八〇年"),
    ("二○○○年", "二〇〇〇年"),
    ("二0一0年", "二〇一〇年"),
    ("二O二O年", "二〇二〇年"),
    ("○○县", "○○县"),            # a placeholder, masked later
    ("第○次", "第○次"),
    ("一OK，10一，2020年", "一OK，10一，2020年"),  # a Latin word, an Arabic number
])
def test_unify_zeros(text, expected):
    assert unify_zeros(text) == expected


def test_cleaning_keeps_zero_in_dates():
    assert clean_text("到二○二○年，○○县") == "到二〇二〇年，□县"
    assert clean_text("到二０一０年") == "到二〇一〇年"  # full width: ０ -> 0 -> 〇


@pytest.fixture(scope="module")
def docs():
    return clean_docs(load_docs())


def test_clean_docs_adds_columns_and_keeps_text(docs):
    raw = load_docs()
    assert list(docs["text"]) == list(raw["text"])
    assert list(docs["n_han"]) == [2672, 3287, 3807, 2785, 3460]
    assert set(docs["script"]) == {"simplified"}
    assert sum(map(count_han, docs["text_clean"])) == 16011


def test_docs_loaded_without_texts_clean_the_same_and_share_the_cache_entries(tmp_path):
    with_texts, (without, _) = load_docs(), inspect_corpus(DATA_DIR, text=False)
    assert clean_keys_of(without) == clean_keys_of(with_texts) == clean_keys(with_texts["text"])
    cache = SpeechCache(tmp_path / "cache", "clean")
    read_back = clean_docs(without, cache=cache, data_dir=DATA_DIR)  # cleaned from the files, stored
    assert read_back.attrs["clean_cached"] == 0
    again = clean_docs(with_texts, cache=cache)
    assert again.attrs["clean_cached"] == 5
    for frame in (read_back, clean_docs(without, data_dir=DATA_DIR)):
        assert frame.columns[-3:].tolist() == ["text_clean", "n_han", "script"]
        assert frame["text_clean"].tolist() == again["text_clean"].tolist()
        assert frame["n_han"].tolist() == [2672, 3287, 3807, 2785, 3460]
    with pytest.raises(ValueError, match="need data_dir"):
        clean_docs(without)
    # a few speeches at a time, read back from the cache: the same texts in the same order
    batches = list(clean_batches(without, cache=cache, data_dir=DATA_DIR, size=2))
    assert [len(batch) for batch in batches] == [2, 2, 1]
    assert pd.concat(batches)["text_clean"].tolist() == again["text_clean"].tolist()
    assert [len(batch) for batch in clean_batches(again, size=3)] == [3, 2]  # cleaned docs are sliced as they are


def test_han_per_paragraph_counts_each_paragraph_as_count_han_does(docs):
    split = split_paragraphs(docs)
    assert split["n_han"].sum() == 16011  # every paragraph's Han characters: the speeches' total above
    for text in docs["text_clean"]:
        assert han_per_paragraph(text) == [count_han(p) for p in paragraphs_of(text)]
    assert han_per_paragraph("\n甲\n\n乙乙x\n\n") == [1, 2] and han_per_paragraph("") == []
    pd.testing.assert_frame_equal(split_paragraphs(docs, text=False), split.drop(columns="text"))


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


_MIXED_TEXTS = st.lists(
    st.sampled_from(list("我們们國国家會会議议後后乾隆淨薴苧發展工会一二〇○0Oo十五，。、\n X□K")
                    + ["\n\n", "一九五八年", "乾淨", "頭髮", "XXX"]),
    max_size=80,
).map("".join)


@settings(max_examples=300, deadline=None)
@given(_MIXED_TEXTS)
def test_cleaning_either_script_is_idempotent_and_simplified(text):
    cleaned = clean_text(text)
    assert clean_text(cleaned) == cleaned
    assert script_of(cleaned) == "simplified"
