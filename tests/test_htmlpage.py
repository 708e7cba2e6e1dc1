"""report.html: one self-contained page of the shipped corpus's report, and the helpers that build it."""

from __future__ import annotations

import base64
import io
import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest

from corpus.clean import clean_docs, count_han
from corpus.htmlpage import (
    HTML_FILE,
    MAX_TABLE_ROWS,
    TABLES,
    explorer_texts,
    font_characters,
    font_face_css,
    inline_svg,
    page_html,
    report_files,
    script_json,
    table_html,
    text_limit,
    write_html_report,
)
from corpus.load import load_docs
from corpus.study import read_study

from .conftest import DATA_DIR

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
WARNING = "000: year 2023 (from the title) is outside 2006–2011"
SHIPPED_FIGURES = {"corpus_overview", "dating", "doc_similarity", "keyness_by_era", "term_trajectories",
                   "topic_coherence", "topic_prevalence", "topic_words", "word_shift"}
NAMED_TABLES = {"documents", "keyness_by_era", "era_tfidf", "topic_words", "topic_prevalence"}


class Page(HTMLParser):
    """Every element with its attributes, the text of each script by id, and whether tags balance."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict]] = []
        self.stack: list[str] = []
        self.unbalanced: list[str] = []
        self.scripts: list[tuple[dict, str]] = []
        self.doctype = None

    def handle_decl(self, decl):
        self.doctype = decl

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))
        if tag not in VOID:
            self.stack.append(tag)
        if tag == "script":
            self.scripts.append((dict(attrs), ""))

    def handle_startendtag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.unbalanced.append(tag)
        else:
            self.stack.pop()

    def handle_data(self, data):
        if self.stack and self.stack[-1] == "script":
            attrs, text = self.scripts[-1]
            self.scripts[-1] = (attrs, text + data)


def parse(text: str) -> Page:
    page = Page()
    page.feed(text)
    page.close()
    return page


def embedded(text: str) -> dict:
    page = parse(text)
    return json.loads(next(body for attrs, body in page.scripts if attrs.get("id") == "corpus-data"))


@pytest.fixture(scope="module")
def shipped_texts() -> pd.DataFrame:
    docs = clean_docs(load_docs(DATA_DIR, by=read_study(DATA_DIR).by))
    return explorer_texts(docs)


@pytest.fixture(scope="module")
def page_dir(shipped_report, shipped_texts, tmp_path_factory) -> Path:
    """A copy of the shipped report with report.html written into it (the session's report stays as built)."""
    out = tmp_path_factory.mktemp("htmlpage") / "report"
    shutil.copytree(shipped_report, out)
    write_html_report(out, texts=shipped_texts, warnings=[WARNING])
    return out


@pytest.fixture(scope="module")
def page_text(page_dir) -> str:
    return (page_dir / HTML_FILE).read_text(encoding="utf-8")


def test_page_parses_as_html_with_balanced_tags(page_text):
    page = parse(page_text)
    assert page.doctype == "DOCTYPE html"
    assert page.unbalanced == [] and page.stack == []
    ids = [attrs["id"] for _, attrs in page.elements if "id" in attrs]
    assert len(ids) == len(set(ids)), "inline figures must not share ids"


def test_page_references_no_external_url(page_text):
    assert not re.search(r"""\b(src|href|action|poster|data)\s*=\s*["']?\s*(https?:)?//""", page_text, re.I)
    assert not re.search(r"""url\(\s*["']?\s*(https?:)?//""", page_text, re.I)
    assert "@import" not in page_text
    page = parse(page_text)
    outside_scripts = re.sub(r"<script\b.*?</script>", "", page_text, flags=re.S)
    assert not re.search(r"https?://", outside_scripts)
    assert {attrs.get("src") for _, attrs in page.elements if attrs.get("src")} == set()
    assert all(attrs["href"].startswith("#") for _, attrs in page.elements if "href" in attrs)


def test_every_figure_is_inline_svg_with_caption_and_download(page_dir, page_text):
    names = {p.stem for p in page_dir.glob("*.svg")}
    assert names == SHIPPED_FIGURES
    for name in names:
        block = re.search(rf'<figure id="figure-{name}">(.*?)</figure>', page_text, re.S).group(1)
        assert block.startswith("<svg") and block.count("<svg") == 1
        assert re.search(r"<figcaption><b>" + name + r"</b>: \S", block)
        assert f'<button type="button" data-csv="{name}">' in block
    # matplotlib wrote the figures' text as paths: no font is needed for the Chinese in them
    assert "<text" not in "".join(re.findall(r"<svg.*?</svg>", page_text, re.S))


def test_embedded_csv_equals_the_files_byte_for_byte(page_dir, page_text):
    data = embedded(page_text)
    expected = SHIPPED_FIGURES | {name for name in TABLES if (page_dir / f"{name}.csv").exists()}
    assert set(data["csv"]) == expected
    for name, text in data["csv"].items():
        assert text.encode("utf-8") == (page_dir / f"{name}.csv").read_bytes(), name


def test_named_tables_are_sortable_and_equal_the_csvs(page_dir, page_text):
    assert NAMED_TABLES <= set(report_files(page_dir)[1])
    for name in report_files(page_dir)[1]:
        frame = pd.read_csv(page_dir / f"{name}.csv", dtype=str, keep_default_na=False, encoding="utf-8-sig")
        block = re.search(rf'<table class="sortable" id="table-{name}">(.*?)</table>', page_text, re.S).group(1)
        head = re.findall(r"<th>(.*?)</th>", block)
        assert head == list(frame.columns)
        rows = re.findall(r"<tr>(.*?)</tr>", block.split("<tbody>")[1])
        assert len(rows) == min(len(frame), MAX_TABLE_ROWS)
        first = [re.sub(r"<[^>]+>", "", cell) for cell in re.findall(r"<td>(.*?)</td>", rows[0])]
        assert first == [str(v).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
                         .replace('"', "&quot;").replace("'", "&#x27;") for v in frame.iloc[0]]


def test_keyness_terms_are_buttons_that_explore(page_text):
    block = re.search(r'<table class="sortable" id="table-keyness_by_era">(.*?)</table>', page_text, re.S).group(1)
    assert '<td><button class="term">工会维权</button></td>' in block


def test_explorer_texts_equal_the_cleaned_texts(page_text):
    docs = clean_docs(load_docs(DATA_DIR)).sort_values(["year", "id"], kind="stable")
    texts = embedded(page_text)["texts"]
    assert [t["id"] for t in texts] == list(docs["id"])
    assert [t["text"] for t in texts] == list(docs["text_clean"])
    assert [t["n_han"] for t in texts] == list(docs["n_han"])
    assert embedded(page_text)["eras"] == ["2006", "2011", "2022", "2023"]


def test_summary_and_warnings_are_shown(page_text):
    summary = re.search(r'<section id="summary">(.*?)</section>', page_text, re.S).group(1)
    assert "<dt>讲话</dt><dd>5</dd>" in summary
    assert "<dt>年份</dt><dd>2006–2023</dd>" in summary
    assert f"<li>{WARNING}</li>" in summary
    assert "检索范围：全部 5 篇讲话" in page_text


def test_font_subset_holds_every_character_of_the_texts(page_text, shipped_texts):
    from fontTools.ttLib import TTFont

    woff = base64.b64decode(re.search(r"url\(data:font/woff;base64,([A-Za-z0-9+/=]+)\)", page_text).group(1))
    cmap = TTFont(io.BytesIO(woff)).getBestCmap()
    needed = {ord(c) for c in "".join(shipped_texts["text"]) if not c.isspace()}
    assert needed - set(cmap) == set()


def test_same_data_gives_the_same_bytes(page_dir, shipped_texts, tmp_path):
    again = tmp_path / "again"
    shutil.copytree(page_dir, again)
    write_html_report(again, texts=shipped_texts, warnings=[WARNING])
    assert (again / HTML_FILE).read_bytes() == (page_dir / HTML_FILE).read_bytes()


def test_shipped_page_is_at_most_5_mb(page_dir):
    assert (page_dir / HTML_FILE).stat().st_size <= 5_000_000


def test_stale_figures_are_left_out_when_files_are_given(page_dir, shipped_texts, tmp_path):
    out = tmp_path / "stale"
    shutil.copytree(page_dir, out)
    for ext in ("svg", "csv"):
        shutil.copy(out / f"word_shift.{ext}", out / f"word_shift_2.{ext}")
    written = [p for p in out.iterdir() if not p.stem.startswith("word_shift_2")]
    assert "word_shift_2" in report_files(out)[0]
    assert "word_shift_2" not in report_files(out, written)[0]
    text = write_html_report(out, texts=shipped_texts, files=written).read_text(encoding="utf-8")
    assert 'id="figure-word_shift_2"' not in text and 'id="figure-word_shift"' in text


def test_big_csvs_are_named_not_embedded(page_dir, shipped_texts, tmp_path):
    out = tmp_path / "big"
    shutil.copytree(page_dir, out)
    text = write_html_report(out, texts=shipped_texts, max_embed_bytes=10_000, lang="en").read_text(encoding="utf-8")
    data = embedded(text)
    assert "word_shift" not in data["csv"] and "documents" in data["csv"]
    assert "CSV too large to embed: see word_shift.csv beside this page." in text


@pytest.mark.parametrize(("lengths", "max_chars", "limit"), [
    ([10, 20], 30, None),
    ([10, 10, 100], 60, 40),
    ([50, 50], 60, 30),
    ([1, 1000, 1000], 201, 100),
])
def test_text_limit(lengths, max_chars, limit):
    assert text_limit(lengths, max_chars=max_chars) == limit
    if limit is not None:
        assert sum(min(n, limit) for n in lengths) <= max_chars < sum(min(n, limit + 1) for n in lengths)


def test_capped_texts_keep_each_speech_s_beginning_and_say_so():
    docs = pd.DataFrame({"id": ["b", "a"], "year": [2011, 2006], "era": ["2011", "2006"], "title": ["乙", "甲"],
                         "text_clean": ["高质量发展" * 10, "工会工作。"]})
    texts = explorer_texts(docs, max_chars=25)
    assert texts["id"].tolist() == ["a", "b"]
    assert texts["text"].tolist() == ["工会工作。", ("高质量发展" * 10)[:20]]
    assert texts["n_han"].tolist() == [4, 20] and texts["n_chars"].tolist() == [5, 50]
    assert texts.attrs["limit"] == 20
    text = page_html(figures={}, csvs={}, texts=texts, lang="en")
    assert "Capped: the first 20 characters of each speech (25 of 55, 45%); 1 speeches cut." in text
    assert [t["text"] for t in embedded(text)["texts"]] == texts["text"].tolist()
    assert count_han(texts["text"][1]) == 20


def test_inline_svg_drops_prolog_and_namespaces_and_prefixes_ids():
    svg = ('<?xml version="1.0"?>\n<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/x.dtd">\n'
           '<svg xmlns:xlink="http://www.w3.org/1999/xlink" xmlns="http://www.w3.org/2000/svg">'
           "<metadata><rdf:RDF/></metadata><defs><path id=\"g1\"/><clipPath id=\"c\"/></defs>"
           '<use xlink:href="#g1"/><g clip-path="url(#c)"/></svg>')
    assert inline_svg(svg, prefix="fig") == ('<svg><defs><path id="fig-g1"/><clipPath id="fig-c"/></defs>'
                                             '<use xlink:href="#fig-g1"/><g clip-path="url(#fig-c)"/></svg>')


def test_script_json_cannot_close_the_script():
    text = script_json({"b": "</script><b>&", "a": 1})
    assert text == '{"a":1,"b":"\\u003c/script\\u003e\\u003cb\\u003e\\u0026"}'
    assert json.loads(text) == {"a": 1, "b": "</script><b>&"}


def test_a_title_with_markup_stays_text():
    texts = explorer_texts(pd.DataFrame({"id": ["a"], "year": [2006], "era": ["2006"], "title": ["</script>x"],
                                         "text_clean": ["<b>工会</b>"]}))
    text = page_html(figures={}, csvs={"documents": "\ufeffid,title\na,</script><i>\n"}, texts=texts,
                     title="<T>")
    page = parse(text)
    assert page.unbalanced == [] and page.stack == []
    assert "<i>" not in text.split("<script")[0] and "<h1>&lt;T&gt;</h1>" in text
    assert embedded(text)["texts"][0]["title"] == "</script>x"


def test_table_html_cells_are_the_csv_strings():
    text = table_html("\ufeffterm,g2\n工会,1.50\n<a>,2\n", name="t", terms=True, max_rows=1)
    assert '<td><button class="term">工会</button></td><td>1.50</td>' in text
    assert "&lt;a&gt;" not in text and "显示 1 行，共 2 行（前 1 行；CSV 含全部）。" in text


def _keyness_csv(sizes: dict[str, int]) -> str:
    """A keyness_by_era CSV in era order (as the report writes it), G² not in order within an era: row i of an era
    has G² (i * 7) % n + 1 (a permutation of 1 … n for n not a multiple of 7)."""
    rows = [f"{era},{era}{i},{(i * 7) % n + 1}" for era, n in sizes.items() for i in range(n)]
    return "\ufeffera,term,g2\n" + "\n".join(rows) + "\n"


def test_a_capped_keyness_table_shows_every_era_s_highest_g2_and_the_csv_keeps_every_row():
    """Audit 19: the page showed the CSV's first 1,000 rows, all of the first eras (era c not at all here)."""
    csv_text = _keyness_csv({"a": 900, "b": 200, "c": 100})
    texts = explorer_texts(pd.DataFrame({"id": ["x"], "year": [2006], "era": ["a"], "title": ["甲"],
                                         "text_clean": ["工会"]}))
    page = page_html(figures={}, csvs={"keyness_by_era": csv_text}, texts=texts)
    assert embedded(page)["csv"]["keyness_by_era"] == csv_text  # the download: the whole file
    assert "<p class=\"note\">显示 1,000 行，共 1,200 行（每个时期最多 700 行，G² 最高者；CSV 含全部）。</p>" in page
    block = re.search(r'<table class="sortable" id="table-keyness_by_era">(.*?)</table>', page, re.S).group(1)
    rows = [re.findall(r"<td>(?:<button class=\"term\">)?(.*?)(?:</button>)?</td>", row)
            for row in re.findall(r"<tr>(.*?)</tr>", block.split("<tbody>")[1])]
    assert [sum(row[0] == era for row in rows) for era in "abc"] == [700, 200, 100]
    assert sorted(int(row[2]) for row in rows if row[0] == "a") == list(range(201, 901))  # a's 700 highest G²
    assert rows[:3] == [["a", "a29", "204"], ["a", "a30", "211"], ["a", "a31", "218"]]  # in the CSV's order
    assert rows[-1] == ["c", "c99", "94"]


@pytest.mark.parametrize(("name", "csv_text", "max_rows", "shown", "note"), [
    ("keyness_by_era", "era,term,g2\na,x,3\na,y,9\na,z,1\nb,u,-2\nb,v,5\nc,w,1\n", 5,
     ["x", "y", "u", "v", "w"], "Showing 5 of 6 rows (up to 2 per era, the highest G²; the CSV has them all)."),
    ("keyness_pairs", "term,g2,target,reference\nx,1,b,a\ny,2,b,a\nz,3,b,a\nu,1,c,a\nv,4,c,a\n", 4,
     ["y", "z", "u", "v"], "Showing 4 of 5 rows (up to 2 per pair of eras, the highest G²; the CSV has them all)."),
    ("dating", "id,year,inside,marker\n1,2006,True,m1\n1,2006,True,m2\n2,2006,False,m3\n3,2011,True,m4\n"
     "4,2011,False,m5\n4,2011,False,m6\n5,2022,True,m7\n", 5,
     ["m1", "m3", "m5", "m6", "m7"], "Showing 5 of 7 rows (up to 2 per year, speeches outside their estimated years "
                               "first; the CSV has them all)."),
    ("topic_words", "topic,rank,term\n0,2,b\n0,1,a\n0,3,c\n1,1,d\n1,2,e\n2,1,f\n", 3,
     ["a", "d", "f"], "Showing 3 of 6 rows (up to 1 per topic, the top-ranked; the CSV has them all)."),
    ("era_tfidf", "era,term,rank\n" + "".join(f"e{i},t{i},1\n" for i in range(5)), 3,
     ["t0", "t1", "t2"], "Showing 3 of 5 rows (up to 1 per era, the top-ranked; the CSV has them all)."),
    ("topic_changes", "topic,change\n0,5\n1,4\n2,3\n", 2,
     ["0", "1"], "Showing 2 of 3 rows (the first 2; the CSV has them all)."),
])
def test_capped_tables_show_an_equal_share_of_each_group_the_best_first(name, csv_text, max_rows, shown, note):
    text = table_html(csv_text, name=name, max_rows=max_rows, lang="en")
    column = "term" if "term" in csv_text.split("\n")[0] else "marker" if name == "dating" else "topic"
    frame = pd.read_csv(io.StringIO(csv_text), dtype=str)
    index = list(frame.columns).index(column)
    cells = [re.sub(r"<[^>]+>", "", re.findall(r"<td>(.*?)</td>", row)[index])
             for row in re.findall(r"<tr>(.*?)</tr>", text.split("<tbody>")[1])]
    assert cells == shown
    assert f'<p class="note">{note}</p>' in text


def _keyness_page(eras: int, lang: str = "zh") -> str:
    csv_text = "\ufeffera,term,g2\n" + "".join(f"{2000 + i},工会,1\n" for i in range(eras))
    texts = explorer_texts(pd.DataFrame({"id": ["x"], "year": [2000], "era": ["2000"], "title": ["甲"],
                                         "text_clean": ["工会"]}))
    return page_html(figures={"keyness_by_era": "<svg></svg>"}, csvs={"keyness_by_era": csv_text}, texts=texts,
                     lang=lang)


@pytest.mark.parametrize(("eras", "lang", "caption"), [
    (8, "zh", "各时期对其余时期最有区别性的词（带符号的 G²）及其次数。"),
    (9, "zh", "各时期对其余时期最有区别性的词：热图，颜色为带符号的 G²（红：该时期更多；蓝：更少），"
              "格中放得下时写出其值。"),
    (8, "en", "The most distinctive words of each era against the rest (signed G²), with their counts."),
    (12, "en", "The most distinctive words of each era against the rest: a heat table of signed G² (red: more in the "
               "era; blue: less), its value written in the cells where it fits."),
])
def test_the_keyness_caption_names_counts_only_when_the_figure_shows_them(eras, lang, caption):
    """Audit 19: beyond 8 eras plot_keyness draws a heat table of G² with no counts; the caption said 及其次数."""
    assert f"<figcaption><b>keyness_by_era</b>: {caption} " in _keyness_page(eras, lang)


def test_section_targets_clear_the_sticky_nav_and_the_search_has_a_budget():
    """Audit 19: a jump to a heading (a nav link, a click on a keyness term) hid it under the sticky nav; a
    catastrophic pattern froze the page (the browser test runs both)."""
    page = _keyness_page(2, "en")
    assert "section[id],figure[id],h3[id]{scroll-margin-top:3em}" in page
    data = embedded(page)
    assert data["budget_ms"] == 2000
    assert data["text"]["slow_pattern"] == ("pattern took more than {s} s: simplify it (avoid nested repeats such as "
                                            "(a+)+ or (a|aa)+)")
    assert "new Worker(" in page and "URL.createObjectURL(new Blob([WORKER]" in page


def test_font_face_is_deterministic_and_small():
    first = font_face_css("高质量发展工会")
    assert first == font_face_css("展发量质高会工")
    assert first.startswith('@font-face{font-family:"CorpusCJK";src:url(data:font/woff;base64,')
    assert len(first) < 20_000


def test_the_vendored_vega_bundle_is_inlined(page_text):
    from corpus.htmlpage import vega_bundle

    bundle = vega_bundle()
    assert len(bundle) > 500_000 and "window.vegaEmbed=" in bundle
    assert bundle.replace("</script", "<\\/script") in page_text
    assert '<div id="explorer-chart"></div>' in page_text


def test_a_cut_font_is_kept_and_read_back_for_the_same_characters(tmp_path, monkeypatch):
    import corpus.htmlpage as htmlpage

    chars = "工会职工高质量发展"
    first = htmlpage.cached_font_css(chars, cache_dir=tmp_path)
    assert first == font_face_css(sorted(set(chars)))  # the same bytes as cutting it here
    assert len(list((tmp_path / "font").glob("*.css"))) == 1

    def must_not_cut(chars):
        raise AssertionError("cut again")

    monkeypatch.setattr(htmlpage, "font_face_css", must_not_cut)
    assert htmlpage.cached_font_css("发展高质量职工工会 \n", cache_dir=tmp_path) == first  # order, blanks: same key
    with pytest.raises(AssertionError, match="cut again"):
        htmlpage.cached_font_css(chars + "新", cache_dir=tmp_path)


def test_a_font_cut_beforehand_is_used_when_it_holds_every_character_of_the_page(shipped_report, shipped_texts,
                                                                                 tmp_path, monkeypatch):
    """Issue 16: the report has the font cut by its figure worker while the analyses run; the page takes it only
    if it holds every character the page shows."""
    import corpus.htmlpage as htmlpage

    out = tmp_path / "report"
    shutil.copytree(shipped_report, out)
    chars = htmlpage.characters_of(shipped_texts["text"])
    page = write_html_report(out, texts=shipped_texts, font_chars=chars).read_text(encoding="utf-8")
    needed = htmlpage.font_characters(chars, lang="zh", extra=[
        *shipped_texts["title"], WARNING, *[str(v) for v in pd.read_csv(out / "documents.csv").to_numpy().ravel()],
        *[str(v) for v in pd.read_csv(out / "dating.csv").to_numpy().ravel()]])
    marked = (needed, "@font-face{/* cut beforehand */}")
    again = write_html_report(out, texts=shipped_texts, font_chars=chars, font=marked, warnings=[WARNING])
    assert "<style>@font-face{/* cut beforehand */}" in again.read_text(encoding="utf-8")
    cut = []
    monkeypatch.setattr(htmlpage, "cached_font_css", lambda chars, cache_dir: cut.append(len(chars)) or "")
    short = (frozenset(needed - {"工"}), "@font-face{/* lacks 工 */}")
    assert "lacks 工" not in write_html_report(out, texts=shipped_texts, font_chars=chars, font=short).read_text(
        encoding="utf-8")
    assert len(cut) == 1 and "<style>@font-face" in page


def test_font_characters_hold_the_page_words_and_what_a_font_draws():
    chars = font_characters("工会 \n\t", lang="en", extra=["十二五", "x\u200b"])
    assert {"工", "会", "十", "二", "五", "x", "~", "A"} <= chars and not {" ", "\n", "\t", "\u200b"} & chars
    assert "图" in font_characters("", lang="zh")  # the page's own heading 图 (figures)


@pytest.mark.parametrize("max_chars", [10_000, 10**9])  # cut (the shipped cleaned texts are longer) or whole
def test_page_texts_gathered_slice_by_slice_equal_those_of_all_texts_at_once(max_chars):
    """Issue 16: the report reads the cleaned texts back a few speeches at a time for the page."""
    import corpus.htmlpage as htmlpage

    docs = clean_docs(load_docs(DATA_DIR, by=read_study(DATA_DIR).by))
    page = htmlpage.PageTexts(docs["text_clean"].str.len(), max_chars=max_chars)
    for lo in (0, 2, 3):
        page.add(docs.iloc[lo:{0: 2, 2: 3, 3: 5}[lo]])
    whole = explorer_texts(docs, max_chars=max_chars)
    pd.testing.assert_frame_equal(page.explorer(), whole)
    assert page.explorer().attrs["limit"] == whole.attrs["limit"]
    assert (whole.attrs["limit"] is None) == (max_chars > 10**6)
    assert page.characters() == htmlpage.characters_of(docs["text_clean"])
