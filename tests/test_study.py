"""The study file corpus.toml: parsing, defaults, one-line errors, the template, command-line overrides."""

from __future__ import annotations

import re
import tomllib

import pytest

from corpus.errors import CorpusError
from corpus.study import STUDY_FILE, Study, check_compare, read_study, study_template, write_ranges, write_study

FULL = """\
[eras]
by = "ranges"
[eras.ranges]
"新时代" = [2013, 2025]
"改革开放初期" = [1978, 1991]
[terms]
"十二五" = "十二五"
"高质量发展" = "高质量(追赶)?发展"
[compare]
pairs = [["改革开放初期", "新时代"]]
[topics]
k = 8
model = "lda"
[figures]
lang = "en"
"""


def _write(tmp_path, text: str):
    path = tmp_path / STUDY_FILE
    path.write_text(text, encoding="utf-8")
    return path


def _error(tmp_path, text: str) -> str:
    path = _write(tmp_path, text)
    with pytest.raises(CorpusError) as caught:
        read_study(tmp_path)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"{path}")  # names the file (absolute: tmp_path is outside the working directory)
    return message.removeprefix(f"{path}")


def test_full_file(tmp_path):
    path = _write(tmp_path, FULL)
    study = read_study(tmp_path)
    assert study.by == {"改革开放初期": (1978, 1991), "新时代": (2013, 2025)}  # time order
    assert list(study.by) == ["改革开放初期", "新时代"]
    assert study.terms == {"十二五": "十二五", "高质量发展": "高质量(追赶)?发展"}
    assert study.compare == (("改革开放初期", "新时代"),)
    assert (study.topics_k, study.topics_model, study.lang) == (8, "lda", "en")
    assert study.source == path


def test_ranges_without_by_mean_ranges(tmp_path):
    _write(tmp_path, '[eras.ranges]\n"甲" = [2000, 2010]\n')
    assert read_study(tmp_path).by == {"甲": (2000, 2010)}


def test_integer_years_in_pairs_are_labels(tmp_path):
    _write(tmp_path, '[eras]\nby = "year"\n[compare]\npairs = [[2011, 2023], ["2006", "2011"]]\n')
    assert read_study(tmp_path).compare == (("2011", "2023"), ("2006", "2011"))


def test_defaults_without_a_file(tmp_path):
    study = read_study(tmp_path)
    assert study == Study()
    assert (study.by, study.terms, study.compare) == ("auto", {}, ())
    assert (study.topics_k, study.topics_model, study.lang, study.source) == ("auto", "nmf", "zh", None)


def test_empty_file_and_empty_tables_are_the_defaults(tmp_path):
    _write(tmp_path, "")
    assert read_study(tmp_path) == Study()
    _write(tmp_path, "[eras]\n[eras.ranges]\n[terms]\n[compare]\n[topics]\n[figures]\n")
    assert read_study(tmp_path) == Study()


@pytest.mark.parametrize(("text", "message"), [
    # invalid TOML, with the line tomllib gives
    ('[eras]\nby = plan\n',
     ' line 2: not valid TOML (Invalid value); fix that line (text goes in double quotes, e.g. by = "plan")'),
    ('[eras]\nby =',
     ' line 2: not valid TOML (Invalid value at the end of the file); '
     'fix that line (text goes in double quotes, e.g. by = "plan")'),
    # unknown table or key, with the closest allowed one
    ('[era]\nby = "plan"\n',
     ": unknown table [era] (did you mean [eras]?); allowed tables: [eras], [terms], [compare], [topics], [figures]"),
    ('[eras]\nbye = "plan"\n', ": [eras] unknown key 'bye' (did you mean 'by'?); allowed keys: by, ranges"),
    ('[topics]\nmodle = "lda"\n', ": [topics] unknown key 'modle' (did you mean 'model'?); allowed keys: k, model"),
    ('by = "plan"\n', ": key 'by' belongs in a table; put it under [eras]"),
    ('terms = ["十二五"]\n',
     ': terms = ["十二五"] must be a table; write [terms] on a line of its own with its keys below it'),
    # wrong types
    ("[eras]\nby = 3\n",
     ': [eras] by = 3: expected text in double quotes, found a whole number; write e.g. by = "plan"'),
    ('[terms]\n"十二五" = 12\n',
     ': [terms] "十二五" = 12: expected text in double quotes, found a whole number; write e.g. "十二五" = "十二五"'),
    ('[figures]\nlang = ["en"]\n',
     ': [figures] lang = ["en"]: expected text in double quotes, found an array; write e.g. lang = "en"'),
    # by
    ('[eras]\nby = "plans"\n',
     ': [eras] by = "plans" is not an era scheme (did you mean \'plan\'?); '
     'use one of "year", "plan", "congress", "auto", "ranges"'),
    ('[eras]\nby = "ranges"\n',
     ': [eras] by = "ranges" but [eras.ranges] is missing or empty; '
     'add ranges under it, e.g. "改革开放初期" = [1978, 1991]'),
    ('[eras]\nby = "plan"\n[eras.ranges]\n"甲" = [1978, 1991]\n',
     ': [eras.ranges] is given but [eras] by = "plan"; '
     'remove by (or set by = "ranges") to use the ranges, or remove [eras.ranges]'),
    # ranges
    ('[eras.ranges]\n"甲" = [1991, 1978]\n',
     ": [eras.ranges] '甲' = [1991, 1978]: the first year is after the last; write [1978, 1991]"),
    ('[eras.ranges]\n"甲" = [1978, 1991]\n"乙" = [1991, 2000]\n',
     ": [eras.ranges] '甲' = [1978, 1991] and '乙' = [1991, 2000] overlap; "
     "a year belongs to one era, start '乙' after 1991"),
    ('[eras.ranges]\n"甲" = [78, 91]\n',
     ": [eras.ranges] '甲' = [78, 91]: years must have four digits, e.g. [1978, 1991]"),
    ('[eras.ranges]\n"甲" = [1978]\n', ": [eras.ranges] '甲' = [1978]: give two years, e.g. [1978, 1991]"),
    ('[eras.ranges]\n"甲" = ["1978", "1991"]\n',
     ": [eras.ranges] '甲' = ['1978', '1991']: give two years, e.g. [1978, 1991]"),
    # term patterns
    ('[terms]\n"高质量" = "高质量(追赶"\n',
     ': [terms] "高质量" = "高质量(追赶" is not a valid regular expression '
     "(missing ), unterminated subpattern at position 3); "
     "fix the pattern, or put \\ before special characters such as ( ) [ ] ? * +"),
    ('[terms]\n"追赶" = "(追赶)?"\n',
     ': [terms] "追赶" = "(追赶)?" matches the empty string; '
     "give a pattern with at least one character that must appear, e.g. 高质量(追赶)?发展"),
    # compare
    ('[compare]\npairs = [["2011", "2011"]]\n',
     ": [compare] pairs: [\"2011\", \"2011\"]: compares era '2011' with itself; give two different eras"),
    ('[compare]\npairs = [["2011"]]\n',
     ': [compare] pairs: ["2011"] is not a pair of two era labels; write e.g. pairs = [["2011", "2023"]]'),
    ('[compare]\npairs = ["2011", "2023"]\n',
     ': [compare] pairs: "2011" is not a pair of two era labels; write e.g. pairs = [["2011", "2023"]]'),
    ('[compare]\npairs = "2011:2023"\n',
     ': [compare] pairs = "2011:2023": expected an array of pairs, found text; write e.g. pairs = [["2011", "2023"]]'),
    ('[eras]\nby = "year"\n[compare]\npairs = [["十二五", "2023"]]\n',
     ": [compare] pairs: '十二五' is not an era of by = \"year\"; use a four-digit year such as \"2011\""),
    ('[eras]\nby = "plan"\n[compare]\npairs = [["十二五", "2023"]]\n',
     ": [compare] pairs: '2023' is not an era of by = \"plan\"; use a five-year plan such as \"十二五\""),
    ('[eras.ranges]\n"甲" = [2000, 2010]\n"乙" = [2011, 2020]\n[compare]\npairs = [["甲", "丙"]]\n',
     ": [compare] pairs: '丙' is not an era of the ranges; use one of the ranges: 甲, 乙"),
    ('[compare]\npairs = [["十二五", "2023"]]\n',
     ': [compare] pairs: mixes years and five-year plans, but by = "auto" gives one or the other; '
     'compare only years ("2011") or only plans ("十二五")'),
    # topics and figures
    ("[topics]\nk = 1\n", ': [topics] k = 1 must be "auto" or a whole number >= 2; write e.g. k = 8 or k = "auto"'),
    ('[topics]\nk = "8"\n',
     ': [topics] k = "8" must be "auto" or a whole number >= 2 (without quotes: k = 8); '
     'write e.g. k = 8 or k = "auto"'),
    ("[topics]\nk = 2.5\n",
     ': [topics] k = 2.5 must be "auto" or a whole number >= 2; write e.g. k = 8 or k = "auto"'),
    ('[topics]\nmodel = "lsa"\n',
     ': [topics] model = "lsa" is not a topic model (did you mean \'lda\'?); use one of "nmf", "lda"'),
    ('[figures]\nlang = "fr"\n', ': [figures] lang = "fr" is not a figure language; use one of "zh", "en"'),
])
def test_errors(tmp_path, text, message):
    assert _error(tmp_path, text) == message


def test_not_utf8(tmp_path):
    (tmp_path / STUDY_FILE).write_bytes('[figures]\nlang = "中文"\n'.encode("gbk"))
    with pytest.raises(CorpusError, match=r"corpus\.toml: is not UTF-8 text; re-save it as UTF-8$"):
        read_study(tmp_path)


def test_template_reads_back_as_the_default(tmp_path):
    text = study_template()
    assert tomllib.loads(text)  # valid TOML
    _write(tmp_path, text)
    assert read_study(tmp_path) == Study()
    # every key is there, commented out with its default
    for line in ('# by = "auto"', '# k = "auto"', '# model = "nmf"', '# lang = "zh"', '# pairs = [["2011", "2023"]]',
                 '# "改革开放初期" = [1978, 1991]', '# "高质量发展" = "高质量(追赶)?发展"'):
        assert line in text.splitlines()


def test_template_examples_parse_when_uncommented(tmp_path):
    # every example key line, uncommented (by apart: the ranges mean by = "ranges")
    example = re.compile(r'^# ((?:"[^"]+"|(?!by )[a-z]+) = .+)$')
    text = "\n".join(example.sub(r"\1", line) for line in study_template().splitlines())
    _write(tmp_path, text.replace('pairs = [["2011", "2023"]]', 'pairs = [["改革开放初期", "新时代"]]'))
    study = read_study(tmp_path)
    assert study.by == {"改革开放初期": (1978, 1991), "新时代": (2012, 2025)}
    assert study.terms == {"十二五": "十二五", "高质量发展": "高质量(追赶)?发展"}
    assert (study.compare, study.topics_k, study.topics_model, study.lang) == (
        (("改革开放初期", "新时代"),), "auto", "nmf", "zh")


def test_write_study(tmp_path):
    path = write_study(tmp_path)
    assert path == tmp_path / STUDY_FILE
    assert path.read_text(encoding="utf-8") == study_template()
    path.write_text('[figures]\nlang = "en"\n', encoding="utf-8")
    with pytest.raises(CorpusError, match="corpus.toml: already exists; edit it, or pass --force to replace it"):
        write_study(tmp_path)
    assert read_study(tmp_path).lang == "en"  # untouched
    write_study(tmp_path, force=True)
    assert read_study(tmp_path) == Study()
    assert sorted(p.name for p in tmp_path.iterdir()) == [STUDY_FILE]  # no temporary file left
    with pytest.raises(CorpusError, match="no such data folder"):
        write_study(tmp_path / "missing")


def test_with_overrides(tmp_path):
    _write(tmp_path, FULL)
    study = read_study(tmp_path)
    assert study.with_overrides() == study
    changed = Study().with_overrides(by="plan", terms=["十二五", "高质量发展=高质量(追赶)?发展"],
                                     compare=["十二五:十四五", "十一五：十四五"], lang="en")
    assert changed == Study(by="plan", terms={"十二五": "十二五", "高质量发展": "高质量(追赶)?发展"},
                            compare=(("十二五", "十四五"), ("十一五", "十四五")), lang="en")
    assert changed.compare_origin == "--compare"
    # the file's other keys stay
    assert study.with_overrides(lang="zh") == Study(
        by=study.by, terms=study.terms, compare=study.compare, topics_k=8, topics_model="lda", lang="zh")
    assert study.with_overrides(by="ranges").by == study.by
    assert study.with_overrides(by="year", compare=["2011:2023"]).by == "year"


@pytest.mark.parametrize(("overrides", "message"), [
    ({"by": "decade"}, '--by "decade" is not an era scheme; use one of "year", "plan", "congress", "auto"'),
    ({"by": "ranges"}, '--by "ranges" needs named ranges; add them under [eras.ranges] in corpus.toml'),
    ({"lang": "de"}, '--lang "de" is not a figure language; use one of "zh", "en"'),
    ({"compare": ["2011"]}, "--compare '2011': write two eras as A:B, e.g. --compare 2011:2023"),
    ({"compare": ["2011:2023:2024"]}, "--compare '2011:2023:2024': write two eras as A:B, e.g. --compare 2011:2023"),
    ({"compare": ["2011:2011"]}, "--compare '2011:2011': compares era '2011' with itself; give two different eras"),
    ({"compare": [":2011"]}, "--compare ':2011': an era label is empty; give two eras, e.g. 2011 and 2023"),
    ({"by": "plan", "compare": ["2011:2023"]},
     "--compare: '2011' is not an era of by = \"plan\" (from --by); use a five-year plan such as \"十二五\""),
    ({"terms": ["=十二五"]}, 'term "=十二五" has an empty name; write NAME=PATTERN, e.g. 高质量发展=高质量(追赶)?发展'),
    ({"terms": ["x?"]}, 'term "x?" matches the empty string; '
                        "give a pattern with at least one character that must appear, e.g. 高质量(追赶)?发展"),
])
def test_override_errors(overrides, message):
    with pytest.raises(CorpusError) as caught:
        Study().with_overrides(**overrides)
    assert str(caught.value) == message


def test_override_by_checks_the_files_pairs(tmp_path):
    path = _write(tmp_path, '[eras]\nby = "year"\n[compare]\npairs = [["2011", "2023"]]\n')
    with pytest.raises(CorpusError) as caught:
        read_study(tmp_path).with_overrides(by="plan")
    assert str(caught.value) == (f"{path}: [compare] pairs: '2011' is not an era of by = \"plan\" (from --by); "
                                 "use a five-year plan such as \"十二五\"")


def test_check_compare(tmp_path):
    path = _write(tmp_path, '[compare]\npairs = [["2011", "2023"]]\n')
    study = read_study(tmp_path)
    check_compare(study, ["2006", "2011", "2022", "2023"])
    check_compare(Study(), [])  # nothing to compare
    with pytest.raises(CorpusError) as caught:
        check_compare(study, ["2006", "2011", "2022"])
    assert str(caught.value) == (f"{path}: [compare] pairs: era '2023' has no speeches; "
                                 "compare two of the eras the data have: 2006, 2011, 2022")
    with pytest.raises(CorpusError) as caught:
        check_compare(study.with_overrides(compare=["十一五:十四五"]), ["十一五", "十二五"])
    assert str(caught.value) == ("--compare: era '十四五' has no speeches; "
                                 "compare two of the eras the data have: 十一五, 十二五")


# ── write_ranges: the proposed periods as the study's eras ──────────────────────────────────────────────────

RANGES = {"1969-1977": (1969, 1981), "1982-2022": (1982, 2022)}


def test_write_ranges_into_a_folder_without_a_file(tmp_path):
    path = write_ranges(tmp_path, RANGES)
    assert path == tmp_path / STUDY_FILE
    assert path.read_text(encoding="utf-8") == ('[eras]\nby = "ranges"\n\n[eras.ranges]\n'
                                                '"1969-1977" = [1969, 1981]\n"1982-2022" = [1982, 2022]\n')
    assert read_study(tmp_path).by == RANGES


def test_write_ranges_keeps_other_tables_and_comments(tmp_path):
    _write(tmp_path, '# mine\n[eras]\nby = "year"  # was years\n# note\n[terms]\n"新时代" = "新时代"\n'
                     '[eras.ranges]\n"旧" = [2000, 2001]\n[topics]\nk = 5\n')
    write_ranges(tmp_path, RANGES)
    assert (tmp_path / STUDY_FILE).read_text(encoding="utf-8") == (
        '# mine\n[eras]\nby = "ranges"\n# note\n[terms]\n"新时代" = "新时代"\n'
        '[eras.ranges]\n"1969-1977" = [1969, 1981]\n"1982-2022" = [1982, 2022]\n[topics]\nk = 5\n')
    study = read_study(tmp_path)
    assert (study.by, study.terms, study.topics_k) == (RANGES, {"新时代": "新时代"}, 5)


def test_write_ranges_over_the_template_reads_back(tmp_path):
    write_study(tmp_path)
    write_ranges(tmp_path, RANGES)
    text = (tmp_path / STUDY_FILE).read_text(encoding="utf-8")
    assert read_study(tmp_path) == Study(by=RANGES)
    assert text.count("\n") == study_template().count("\n") + 3  # by, and the two ranges; every comment stays
    assert '[eras]\nby = "ranges"\n# How years' in text


def test_write_ranges_rewrites_dotted_eras(tmp_path):
    _write(tmp_path, 'eras.by = "year"\n[topics]\nk = 5\n')
    write_ranges(tmp_path, {"2001-2004": (2001, 2004)})
    assert (tmp_path / STUDY_FILE).read_text(encoding="utf-8") == (
        '[eras]\nby = "ranges"\n\n[eras.ranges]\n"2001-2004" = [2001, 2004]\n\n[topics]\nk = 5\n')


@pytest.mark.parametrize(("text", "ranges", "message"), [
    ('[eras\n', RANGES,
     "not saved: {path} line 1: not valid TOML (Expected ']' at the end of a table declaration); fix that line "
     "(text goes in double quotes, e.g. by = \"plan\")"),
    ('[compare]\npairs = [["2011", "2023"]]\n', RANGES,
     "not saved: with the new ranges, {path}: [compare] pairs: '2011' is not an era of the ranges; "
     "use one of the ranges: 1969-1977, 1982-2022"),
    ('', {"甲": (1991, 1978)},
     "not saved: the ranges are invalid: '甲' = [1991, 1978]: the first year is after the last; write [1978, 1991]"),
])
def test_write_ranges_refuses_and_writes_nothing(tmp_path, text, ranges, message):
    path = _write(tmp_path, text)
    with pytest.raises(CorpusError) as caught:
        write_ranges(tmp_path, ranges)
    assert str(caught.value) == message.format(path=path)
    assert path.read_text(encoding="utf-8") == text


SHIPPED_STUDY = ('[eras]\nby = "year"\n\n[terms]\n"新时代" = "新时代"\n\n'
                 '[compare]\npairs = [["2011", "2023"], ["十一五", "2022"], [2010, "2022"]]\n')


def test_write_ranges_carries_compared_eras_into_the_ranges_that_hold_them(tmp_path):
    """The shipped folder's study file compares 2011 with 2023: saving periods refused, as 2023 was no range."""
    _write(tmp_path, SHIPPED_STUDY)
    write_ranges(tmp_path, {"2006-2011": (2006, 2021), "2022-2023": (2022, 2023)})
    assert (tmp_path / STUDY_FILE).read_text(encoding="utf-8") == (
        '[eras]\nby = "ranges"\n\n[eras.ranges]\n"2006-2011" = [2006, 2021]\n"2022-2023" = [2022, 2023]\n\n'
        '[terms]\n"新时代" = "新时代"\n\n[compare]\npairs = [["2006-2011", "2022-2023"]]\n')
    assert read_study(tmp_path).compare == (("2006-2011", "2022-2023"),)


def test_write_ranges_refuses_a_pair_whose_eras_share_one_range(tmp_path):
    path = _write(tmp_path, SHIPPED_STUDY)
    with pytest.raises(CorpusError) as caught:
        write_ranges(tmp_path, {"2006-2023": (2006, 2023)})
    assert str(caught.value) == (f"not saved: with the new ranges, {path}: [compare] pairs: '2011' is not an era "
                                 "of the ranges; use one of the ranges: 2006-2023")
    assert path.read_text(encoding="utf-8") == SHIPPED_STUDY


def test_by_periods_says_how_the_periods_become_the_eras(tmp_path):
    path = _write(tmp_path, '[eras]\nby = "periods"\n')
    with pytest.raises(CorpusError) as caught:
        read_study(tmp_path)
    assert str(caught.value) == (
        f'{path}: [eras] by = "periods": the periods are proposed by `corpus periods`, and `corpus periods --save` '
        'writes them here as [eras.ranges] (by = "ranges"), so that the eras stay put as speeches are added; run '
        'it, or use by = "auto"')


def test_write_ranges_needs_the_folder(tmp_path):
    with pytest.raises(CorpusError) as caught:
        write_ranges(tmp_path / "nowhere", RANGES)
    assert str(caught.value) == (f"{tmp_path / 'nowhere'}: no such data folder; pass --data DIR or create it "
                                 "with `corpus add`")


def test_write_ranges_refuses_a_file_that_is_not_utf8(tmp_path):
    path = tmp_path / STUDY_FILE
    path.write_bytes("[eras]\nby = \"年\"\n".encode("gbk"))
    with pytest.raises(CorpusError) as caught:
        write_ranges(tmp_path, RANGES)
    assert str(caught.value) == f"not saved: {path}: is not UTF-8 text; re-save it as UTF-8"
    assert path.read_bytes() == "[eras]\nby = \"年\"\n".encode("gbk")
