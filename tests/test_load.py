"""Loading: encodings, the docs frame, eras, and one clear error per bad input."""

from __future__ import annotations

import hashlib

import pytest

from corpus import CorpusError, config, inspect_corpus, load_docs, with_eras
from corpus.load import DOC_COLUMNS, decode_bytes, parse_year, read_doc_text

from .conftest import REPO, TINY_METADATA, TINY_TEXTS, write_corpus

TEXT = "同志们：\n今年是“十二五”开局之年。\n"


@pytest.mark.parametrize(
    ("raw", "encoding"),
    [
        (TEXT.encode("utf-8"), "utf-8"),
        (TEXT.encode("utf-8-sig"), "utf-8-sig"),
        (TEXT.encode("gbk"), "gbk"),
        ((TEXT + "㐀").encode("gb18030"), "gb18030"),  # 㐀 (U+3400) is in GB18030, not in GBK
        (TEXT.encode("utf-16"), "utf-16"),  # Python writes a BOM
        (TEXT.encode("utf-16-be").join([b"\xfe\xff", b""]), "utf-16"),
    ],
)
def test_decode_accepts_the_documented_encodings(raw, encoding):
    text, found = decode_bytes(raw)
    assert found == encoding
    assert text.rstrip("㐀") == TEXT


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"", "x.txt: the file is empty; put the transcript text in it or remove it"),
        (b" \r\n\t\xe3\x80\x80\n", "x.txt: contains only whitespace; put the transcript text in it or remove it"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "x.txt: looks binary (contains NUL bytes)"),
        (TEXT.encode("utf-16-le"), "x.txt: looks binary (contains NUL bytes)"),  # UTF-16 without BOM
        (bytes([0x81, 0x30, 0xFF, 0xFE, 0x20]), "x.txt: cannot be decoded as UTF-8, GBK or GB18030"),
        (b"abc\x01\x02\x03 def", "x.txt: looks binary (control characters"),
    ],
)
def test_decode_refuses_bad_bytes_with_one_line(raw, message):
    with pytest.raises(CorpusError) as err:
        decode_bytes(raw, name="x.txt")
    assert str(err.value).startswith(message)
    assert "\n" not in str(err.value)


@pytest.mark.parametrize("value", ["2023", " 2006 ", "1949"])
def test_parse_year_accepts_four_digits(value):
    assert parse_year(value) == int(value)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("23", "year '23' is not valid; write a four-digit year between 1949 and "),
        ("1800", "year '1800' is not valid; write a four-digit year between 1949 and "),
        ("二〇二三", "e.g. 2023"),
        ("二〇二三年", "e.g. 2023"),
        ("3023", "year '3023' is not valid"),
        ("２０２３", "year '２０２３' is not valid"),  # full-width digits are not silently accepted
        ("", "year '' is not valid"),
    ],
)
def test_parse_year_refuses(value, message):
    with pytest.raises(CorpusError, match=None) as err:
        parse_year(value)
    assert message in str(err.value)


def test_docs_frame_schema_and_unmodified_text(tiny_dir):
    docs = load_docs(tiny_dir)
    assert list(docs.columns) == list(DOC_COLUMNS)
    assert list(docs["id"]) == ["a", "b"]
    assert list(docs["era"]) == ["2006", "2011"]
    assert docs.loc[0, "text"] == TINY_TEXTS["a.txt"]
    assert docs.loc[0, "n_chars"] == len(TINY_TEXTS["a.txt"]) == 30
    assert docs.loc[1, "sha256"] == hashlib.sha256(TINY_TEXTS["b.txt"].encode()).hexdigest()
    assert docs.loc[0, "place"] == ""  # optional columns exist, empty


def test_without_texts_each_text_is_its_digest_and_is_read_again_on_demand(tiny_dir):
    docs, problems = inspect_corpus(tiny_dir, text=False)
    assert problems == []
    assert list(docs.columns) == [c if c != "text" else "text_sha256" for c in DOC_COLUMNS]
    assert docs.loc[1, "text_sha256"] == hashlib.sha256(TINY_TEXTS["b.txt"].encode()).hexdigest()
    assert read_doc_text(tiny_dir, "b.txt", sha256=docs.loc[1, "text_sha256"]) == TINY_TEXTS["b.txt"]
    assert list(inspect_corpus(tiny_dir / "missing", text=False)[0].columns) == list(docs.columns)


def test_a_text_edited_after_loading_is_an_error_not_another_text(tiny_dir):
    docs, _ = inspect_corpus(tiny_dir, text=False)
    (tiny_dir / "b.txt").write_text("同志们：\n今年是“十二五”开局之年。\n", encoding="utf-8")
    with pytest.raises(CorpusError, match=r"b.txt: changed while it was being read; run the command again"):
        read_doc_text(tiny_dir, "b.txt", sha256=docs.loc[1, "text_sha256"])


def test_text_keeps_crlf_and_records_gbk(tmp_path):
    folder = write_corpus(tmp_path / "d", {"g.txt": "同志们：\r\n工会。\r\n".encode("gbk")},
                          "id,file,year,title\ng,g.txt,2011,乙\n")
    docs = load_docs(folder)
    assert docs.loc[0, "encoding"] == "gbk"
    assert docs.loc[0, "text"] == "同志们：\r\n工会。\r\n"


@pytest.mark.parametrize(
    ("by", "eras"),
    [("year", ["2006", "2011"]), ("plan", ["十一五", "十二五"]), ("congress", ["十六大", "十七大"]),
     ({"胡温时期": (2003, 2012)}, ["胡温时期", "胡温时期"])],
)
def test_eras(tiny_dir, by, eras):
    assert list(load_docs(tiny_dir, by=by)["era"]) == eras
    assert list(with_eras(load_docs(tiny_dir), by=by)["era"]) == eras


def test_auto_eras(tiny_dir):
    docs = load_docs(tiny_dir, by="auto")
    assert list(docs["era"]) == ["2006", "2011"]
    assert docs.attrs == {"era_scheme": "year", "era_reason": "2 distinct years, at most 6: single years",
                          "era_by": "year"}
    again = with_eras(load_docs(tiny_dir, by="plan"), by="auto")
    assert list(again["era"]) == ["2006", "2011"]
    assert again.attrs == docs.attrs


def test_auto_eras_choose_plans(tmp_path):
    # seven years of one speech each: grouped by five-year plan
    years = [2004, 2005, 2006, 2010, 2011, 2016, 2021]
    texts = {f"{y}.txt": f"{y}年的讲话。\n" for y in years}
    meta = "id,file,year,title\n" + "".join(f"{y},{y}.txt,{y},题\n" for y in years)
    docs = load_docs(write_corpus(tmp_path / "d", texts, meta), by="auto")
    assert list(docs["era"]) == ["十五", "十五", "十一五", "十一五", "十二五", "十三五", "十四五"]
    assert docs.attrs == {"era_scheme": "plan",
                          "era_reason": "7 of 7 years hold a single speech: grouped by five-year plan",
                          "era_by": "plan"}
    # inspect_corpus decides on the speeches that load
    docs, problems = inspect_corpus(write_corpus(tmp_path / "d", {}, meta + "x,x.txt,2022,缺\n"), by="auto")
    assert [p.level for p in problems] == ["error"] and docs.attrs["era_scheme"] == "plan"


@pytest.mark.parametrize(("by", "scheme", "era_by"), [
    ("year", "year", "year"), ("plan", "plan", "plan"), ("congress", "congress", "congress"),
    ({"乙": [2010, 2020], "甲": (2000, 2009)}, "ranges", {"甲": (2000, 2009), "乙": (2010, 2020)}),
])
def test_explicit_eras_are_given(tiny_dir, by, scheme, era_by):
    attrs = {"era_scheme": scheme, "era_reason": "given", "era_by": era_by}
    for docs in (load_docs(tiny_dir, by=by), with_eras(load_docs(tiny_dir), by=by)):
        assert docs.attrs == attrs
    assert inspect_corpus(tiny_dir, by=by)[0].attrs == attrs
    assert list(inspect_corpus(tiny_dir, by=by)[0].attrs["era_by"]) == list(era_by)  # ranges in time order


def test_empty_folder_still_records_the_eras(tmp_path):
    docs, problems = inspect_corpus(tmp_path / "missing", by="auto")
    assert problems and docs.empty
    assert docs.attrs == {"era_scheme": "year", "era_reason": "no speeches: single years", "era_by": "year"}


def test_a_year_outside_every_range_is_an_error(tiny_dir):
    ranges = {"胡温时期": (2003, 2010)}
    message = ('year 2011 is in none of the era ranges ("胡温时期" = [2003, 2010]); '
               "add a range that covers 2011 under [eras.ranges] in corpus.toml")
    with pytest.raises(CorpusError) as err:
        load_docs(tiny_dir, by=ranges)
    assert str(err.value).endswith(f"tiny/metadata.csv line 3 (id b): {message}")
    docs, problems = inspect_corpus(tiny_dir, by=ranges)
    assert list(docs["id"]) == ["a"] and [p.level for p in problems] == ["error"]
    with pytest.raises(CorpusError) as err:
        with_eras(load_docs(tiny_dir), by=ranges)
    assert str(err.value) == f"id b: {message}"


def test_bad_by_fails_before_reading(tmp_path):
    with pytest.raises(ValueError, match="by must be one of year, plan, congress, auto or a mapping, not 'decade'"):
        inspect_corpus(tmp_path / "missing", by="decade")
    with pytest.raises(ValueError, match="the first year is after the last"):
        load_docs(tmp_path / "missing", by={"甲": (2010, 2000)})


def test_extra_metadata_columns_are_kept(tmp_path):
    folder = write_corpus(tmp_path / "d", TINY_TEXTS,
                          "id,file,year,title,county_level\na,a.txt,2006,甲,县\nb,b.txt,2011,乙,市\n")
    assert list(load_docs(folder)["county_level"]) == ["县", "市"]


def _error(folder) -> str:
    with pytest.raises(CorpusError) as err:
        load_docs(folder)
    message = str(err.value)
    assert "\n" not in message
    return message


def test_missing_transcript_file(tmp_path):
    folder = write_corpus(tmp_path / "d", {"a.txt": TINY_TEXTS["a.txt"]}, TINY_METADATA)
    assert _error(folder).endswith(
        "d/b.txt (id b): file not found; put the transcript there or fix line 3 of metadata.csv"
    )


def test_transcript_without_metadata_row(tmp_path):
    folder = write_corpus(tmp_path / "d", {**TINY_TEXTS, "c.txt": "新的讲话。"}, TINY_METADATA)
    assert _error(folder).endswith(
        "d/c.txt: transcript without a metadata row; add it with `corpus add` or a row in metadata.csv"
    )


def test_duplicate_id(tmp_path):
    folder = write_corpus(tmp_path / "d", TINY_TEXTS, "id,file,year,title\na,a.txt,2006,甲\na,b.txt,2011,乙\n")
    assert _error(folder).endswith("metadata.csv line 3: duplicate id 'a' (also on line 2); ids must be unique")


def test_duplicate_content(tmp_path):
    texts = {"a.txt": TINY_TEXTS["a.txt"], "b.txt": TINY_TEXTS["a.txt"].encode("gbk")}
    folder = write_corpus(tmp_path / "d", texts, TINY_METADATA)
    assert _error(folder).endswith("d/b.txt (id b): same text as id 'a'; remove one of them from metadata.csv")


@pytest.mark.parametrize(("content", "message"), [
    ("", "d/b.txt (id b): the file is empty; put the transcript text in it or remove it"),
    ("  \n\n\u3000 ", "d/b.txt (id b): contains only whitespace; put the transcript text in it or remove it"),
])
def test_empty_transcripts(tmp_path, content, message):
    folder = write_corpus(tmp_path / "d", {**TINY_TEXTS, "b.txt": content}, TINY_METADATA)
    assert _error(folder).endswith(message)


def test_bad_year_in_metadata(tmp_path):
    folder = write_corpus(tmp_path / "d", TINY_TEXTS, "id,file,year,title\na,a.txt,二〇〇六,甲\nb,b.txt,2011,乙\n")
    message = _error(folder)
    assert message.endswith("e.g. 2006")
    assert "metadata.csv line 2: year '二〇〇六' is not valid; write a four-digit year between 1949 and" in message


def test_missing_required_column(tmp_path):
    folder = write_corpus(tmp_path / "d", TINY_TEXTS, "id,file,yr,title\na,a.txt,2006,甲\n")
    assert _error(folder).endswith(
        "metadata.csv: missing required column 'year' (header is: id,file,yr,title); "
        "the header needs id,file,year,title"
    )


def test_broken_quote(tmp_path):
    folder = write_corpus(tmp_path / "d", TINY_TEXTS, 'id,file,year,title\na,a.txt,2006,"甲\nb,b.txt,2011,乙\n')
    assert ("metadata.csv line 3: malformed CSV (unexpected end of data); check the quotes on that line"
            in _error(folder))


def test_stray_quote_inside_field(tmp_path):
    folder = write_corpus(tmp_path / "d", TINY_TEXTS, 'id,file,year,title\na,a.txt,2006,"甲"x\n')
    assert "metadata.csv line 2: malformed CSV" in _error(folder)


def test_wrong_number_of_fields(tmp_path):
    folder = write_corpus(tmp_path / "d", TINY_TEXTS, "id,file,year,title\na,a.txt,2006,甲,多余\n")
    assert _error(folder).endswith(
        "metadata.csv line 2: 5 fields where the header has 4; quote values that contain commas"
    )


def test_path_outside_the_folder(tmp_path):
    folder = write_corpus(tmp_path / "d", TINY_TEXTS, "id,file,year,title\na,../a.txt,2006,甲\n")
    assert "metadata.csv line 2 (id a): file '../a.txt' is outside the data folder" in _error(folder)


def test_two_names_of_one_file_are_an_error(tmp_path):
    folder = write_corpus(tmp_path / "d", TINY_TEXTS, TINY_METADATA + "c,./a.txt,2011,丙\n")
    assert _error(folder).endswith(
        "metadata.csv line 4 (id c): file './a.txt' names the same file as line 2 (id a); list each transcript once")


def test_han_characters_are_counted_as_cleaning_counts_them():
    from corpus.clean import HAN
    from corpus.load import _HAN_RE, han_problem

    assert _HAN_RE.pattern == f"[{HAN}]"  # load comes before clean, so it keeps its own copy
    assert han_problem("𠀀") is None and han_problem("ＡＢＣ 123") == "has no Han characters"


def test_missing_metadata_and_folder(tmp_path):
    (tmp_path / "empty").mkdir()
    assert _error(tmp_path / "empty").endswith(
        "metadata.csv: not found; a data folder needs a metadata.csv (see data/README.md)"
    )
    assert _error(tmp_path / "nowhere").endswith(
        "nowhere: no such data folder; pass --data DIR or create it with `corpus add`"
    )


def test_header_only_metadata(tmp_path):
    folder = write_corpus(tmp_path / "d", {}, "id,file,year,title\n")
    assert _error(folder).endswith("metadata.csv: lists no transcripts; add one with `corpus add`")


def test_inspect_collects_every_problem(tmp_path):
    folder = write_corpus(
        tmp_path / "d",
        {**TINY_TEXTS, "c.txt": b"\x00\x01binary"},
        "id,file,year,title,year_basis\na,a.txt,1800,甲,\nb,b.txt,2011,乙,title\nc,c.txt,2012,丙,guess\n",
    )
    docs, problems = inspect_corpus(folder)
    assert list(docs["id"]) == ["b"]
    assert [p.level for p in problems] == ["error", "error"]
    assert "line 2: year '1800'" in problems[0].message
    assert "line 4: year_basis 'guess' is not one of content, title, source" in problems[1].message
    assert str(problems[0]).startswith("error: ")


def test_metadata_in_gbk_with_bom_less_excel_export(tmp_path):
    folder = write_corpus(tmp_path / "d", TINY_TEXTS, "")
    (folder / config.METADATA_FILE).write_bytes(TINY_METADATA.encode("gbk"))
    assert list(load_docs(folder)["title"]) == ["甲", "乙"]


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200))
def test_any_bytes_decode_or_fail_cleanly(raw):
    try:
        text, encoding = decode_bytes(raw, name="x.txt")
    except CorpusError as err:
        assert str(err).startswith("x.txt: ") and "\n" not in str(err)
    else:
        assert text.strip() and encoding in {"utf-8", "utf-8-sig", "utf-16", "gbk", "gb18030"}


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=st.sampled_from(list('id,file,year,title"\n\r 2006a.txt甲乙')), max_size=80))
def test_any_metadata_loads_or_fails_cleanly(tmp_path_factory, metadata):
    folder = write_corpus(tmp_path_factory.mktemp("d"), TINY_TEXTS, "")
    (folder / config.METADATA_FILE).write_text(metadata, encoding="utf-8")
    docs, problems = inspect_corpus(folder)  # never raises: every problem is reported
    assert all("\n" not in p.message for p in problems)
    assert set(docs["file"]) <= {"a.txt", "b.txt"}  # a loaded speech always names a real transcript


def test_nothing_is_unpickled_or_executed():
    """No cache or data file is ever read with pickle, joblib.load, eval or exec."""
    import re as regex

    source = "\n".join(p.read_text(encoding="utf-8") for p in (REPO / "src" / "corpus").glob("*.py"))
    forbidden = regex.findall(r"pickle\.loads?|joblib\.load|read_pickle|allow_pickle|\beval\(|\bexec\(|marshal\.load",
                              source)
    assert forbidden == []


def test_a_metadata_table_larger_than_a_transcript_may_be_is_read(tmp_path, monkeypatch):
    """Issue 16: at 100,000 speeches metadata.csv is ~15 MB, past a transcript's 10 MB; tables have their own bound."""
    import corpus.extract

    monkeypatch.setitem(corpus.extract.read_text_file.__kwdefaults__, "max_bytes", 1000)  # a transcript's bound
    notes = "备注" * 10_000  # 60 KB of UTF-8 in one cell
    folder = write_corpus(tmp_path / "d", TINY_TEXTS, TINY_METADATA.replace("title\n", "title,notes\n", 1)
                          .replace("甲\n", f"甲,{notes}\n").replace("乙\n", "乙,\n"))
    assert (folder / config.METADATA_FILE).stat().st_size > 1000 > max(len(t.encode()) for t in TINY_TEXTS.values())
    docs = load_docs(folder)
    assert list(docs["id"]) == ["a", "b"] and len(docs.loc[0, "notes"]) == len(notes)
    monkeypatch.setattr(config, "MAX_TABLE_BYTES", 1000)
    with pytest.raises(CorpusError, match=r"metadata.csv: more than 0.000953674 MB; a table of speeches is at most"):
        load_docs(folder)
