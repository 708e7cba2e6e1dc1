"""Text out of .docx, .pdf and .html files made here (no binary fixtures), and one-line errors for bad ones."""

from __future__ import annotations

import io
import re
import sys
from pathlib import Path

import pytest

from corpus import CorpusError
from corpus.extract import document_format, extract_text, pdf_page_lines, tidy_text

HEADING = "在全县工会工作会议上的讲话"
PARAGRAPHS = [
    "同志们：",
    "今年是“十四五”开局之年。全县各级工会组织要深入开展党史学习教育，团结动员广大职工为推动高质量发展建功立业。",
    "一、坚持党建带工建，把牢工会工作正确政治方向。",
    "要坚持党对工会工作的全面领导，不断增强“四个意识”、坚定“四个自信”、做到“两个维护”。",
]
TABLE = [["指标", "2020年", "2021年"], ["会员人数", "1200", "1300"]]
# What every format gives for the speech above: heading, paragraphs, the table's rows (cells tab-separated).
EXPECTED = "\n".join([HEADING, *PARAGRAPHS[:2], *("\t".join(row) for row in TABLE), *PARAGRAPHS[2:]]) + "\n"


def speech(n: int) -> tuple[str, list[str]]:
    """A distinct speech (heading and paragraphs) for bulk tests: no two share their shingles."""
    digits = "零一二三四五六七八九"
    name = "".join(digits[int(d)] for d in str(n))
    return (f"第{name}次工会工作会议讲话",
            ["同志们：", f"第{name}项任务是做好职工服务工作，今年全县要新建职工之家{n}个。",
             f"第{name}个要求是落实工会经费{n * 7}万元，确保资金用于基层。"])


def make_docx(path: Path, heading: str = HEADING, paragraphs: list[str] = PARAGRAPHS,
              table: list[list[str]] | None = TABLE) -> Path:
    """A Word file: a heading, paragraphs, a table (with a merged cell), a page header and footer, an empty line."""
    docx = pytest.importorskip("docx")
    document = docx.Document()
    document.add_heading(heading, level=1)
    for paragraph in paragraphs[:2]:
        document.add_paragraph(paragraph)
    if table:
        cells = document.add_table(rows=len(table), cols=len(table[0])).rows
        for row, values in zip(cells, table, strict=True):
            for cell, value in zip(row.cells, values, strict=True):
                cell.text = value
    document.add_paragraph("")
    for paragraph in paragraphs[2:]:
        document.add_paragraph(paragraph)
    section = document.sections[0]
    section.header.paragraphs[0].text = "某县总工会文件"
    section.footer.paragraphs[0].text = "第 1 页"
    document.save(str(path))
    return path


def make_pdf(path: Path, pages: list[list[str]], *, header: str = "某县总工会文件") -> Path:
    """A PDF drawn by matplotlib with the bundled CJK font: per page a running header, the lines, a page number."""
    pytest.importorskip("pypdf")
    import matplotlib
    from matplotlib.backends.backend_pdf import PdfPages
    from matplotlib.figure import Figure

    from corpus.plots import use_cjk_font

    with matplotlib.rc_context(), PdfPages(path) as pdf:
        use_cjk_font()
        for number, lines in enumerate(pages, start=1):
            figure = Figure(figsize=(8.27, 11.69))
            figure.text(0.1, 0.96, header, fontsize=9)
            for i, line in enumerate(lines):
                figure.text(0.08, 0.9 - 0.03 * i, line, fontsize=10)
            figure.text(0.5, 0.04, f"- {number} -", fontsize=9)
            pdf.savefig(figure)
    return path


def speech_pdf_pages() -> list[list[str]]:
    """The speech as PDF lines over three pages (the table's cells separated by spaces, as a layout gives them)."""
    lines = [HEADING, PARAGRAPHS[0], PARAGRAPHS[1][:28], PARAGRAPHS[1][28:], *(" ".join(r) for r in TABLE),
             PARAGRAPHS[2], PARAGRAPHS[3][:30], PARAGRAPHS[3][30:]]
    return [lines[:3], lines[3:6], lines[6:]]


def make_html(heading: str = HEADING, paragraphs: list[str] = PARAGRAPHS, table: list[list[str]] | None = TABLE,
              charset: str = "utf-8") -> str:
    """A saved news page: logo, navigation, breadcrumb, the article, share buttons, comments, footer."""
    rows = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in table or [])
    body = ("".join(f"<p>{p}</p>" for p in paragraphs[:2]) + (f"<table>{rows}</table>" if rows else "")
            + "".join(f"<p>{p}</p>" for p in paragraphs[2:]))
    return f"""<!DOCTYPE html><html lang="zh-CN"><head><meta charset="{charset}">
<title>{heading}_某县总工会</title></head><body>
<header><div class="logo">某县总工会</div><nav><ul><li><a href="/">首页</a></li><li><a href="/news">工会要闻</a></li>
<li><a href="/law">政策法规</a></li><li><a href="/about">关于我们</a></li></ul></nav></header>
<div class="breadcrumb">当前位置：<a href="/">首页</a> &gt; <a href="/news">工会要闻</a></div>
<main><article><h1>{heading}</h1>{body}</article>
<div class="share">分享到：<a href="#">微信</a> <a href="#">微博</a></div>
<div class="comments"><h3>网友评论</h3><p>写得好！</p></div></main>
<footer><p>版权所有：某县总工会 备案号：京ICP备12345678号</p><p>地址：某县人民路1号 电话：0000-1234567</p></footer>
</body></html>"""


def one_line_error(path: Path, message: str) -> str:
    with pytest.raises(CorpusError) as info:
        extract_text(path)
    text = str(info.value)
    assert message in text and "\n" not in text and text.startswith(str(path))
    return text


def test_plain_text_is_read_as_before(tmp_path):
    path = tmp_path / "讲话.txt"
    path.write_bytes("同志们：\n工会工作。\n".encode("gbk"))
    result = extract_text(path)
    assert (result.text, result.method, result.encoding, result.is_document) == (
        "同志们：\n工会工作。\n", "text", "gbk", False)
    assert result.raw == path.read_bytes()
    assert document_format(path) is None and document_format("a.HTM") == "html"


def test_docx_body_in_order_with_its_table(tmp_path):
    path = make_docx(tmp_path / "讲话.docx")
    result = extract_text(path)
    assert result.text == EXPECTED  # the header and footer of the page are left out
    assert result.method.startswith("docx:python-docx 1.") and result.encoding is None
    assert result.raw == path.read_bytes()


def test_docx_merged_cells_are_written_once(tmp_path):
    docx = pytest.importorskip("docx")
    document = docx.Document()
    table = document.add_table(rows=3, cols=3)
    for r, row in enumerate([["项目", "数量", "备注"], ["会员", "1200", "新增"], ["", "", ""]]):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    table.cell(2, 0).merge(table.cell(2, 1)).text = "合计"  # across two columns
    table.cell(1, 2).merge(table.cell(2, 2))  # down two rows: 新增 once
    document.save(str(tmp_path / "t.docx"))
    assert extract_text(tmp_path / "t.docx").text == "项目\t数量\t备注\n会员\t1200\t新增\n合计\n"


def test_pdf_text_layer_without_page_numbers_and_running_header(tmp_path):
    path = make_pdf(tmp_path / "讲话.pdf", speech_pdf_pages())
    result = extract_text(path)
    expected_lines = [line for page in speech_pdf_pages() for line in page]
    assert result.text == "\n".join(expected_lines) + "\n"
    assert result.method.startswith("pdf:pypdf ")
    # the same words as the .docx, laid out in other lines
    assert "".join(result.text.split()) == "".join(EXPECTED.split())


def test_pdf_page_lines_by_hand():
    pages = [f"某县总工会 2023年第{n}期\n正文第{n}页的内容。\n第 {n} 页 共 3 页" for n in (1, 2, 3)]
    assert pdf_page_lines(pages) == ["正文第1页的内容。", "正文第2页的内容。", "正文第3页的内容。"]
    # two pages are too few to call a line a running header; page numbers go anyway; Kangxi radicals become Han
    two = ["标题\n⽇常工作 要 抓 实\n1", "标题\n正文\n2/2"]
    assert pdf_page_lines(two) == ["标题", "日常工作要抓实", "标题", "正文"]


def test_html_main_text_without_navigation_and_footer(tmp_path):
    path = tmp_path / "讲话.html"
    path.write_text(make_html(), encoding="utf-8")
    result = extract_text(path)
    assert result.text == EXPECTED
    assert result.method.startswith("html:trafilatura ")
    for chrome in ("首页", "工会要闻", "分享到", "网友评论", "版权所有", "备案号"):
        assert chrome not in result.text


def test_html_in_gbk_and_with_a_header_row(tmp_path):
    path = tmp_path / "讲话.htm"
    html = make_html(charset="gbk").replace("<td>指标</td><td>2020年</td><td>2021年</td>",
                                            "<th>指标</th><th>2020年</th><th>2021年</th>")
    path.write_bytes(html.encode("gbk"))
    assert extract_text(path).text == EXPECTED


def test_tidy_text():
    assert tidy_text("a \r\n\r\n\r\n\x07b\u3000\n\n") == "a\n\nb\n"
    assert tidy_text(" \n\t\n") == ""


@pytest.mark.parametrize(("name", "content", "message"), [
    ("bad.docx", b"PK\x03\x04" + b"\x00" * 40, "cannot be read as .docx (BadZipFile: "),
    ("bad.docx", "同志们".encode(), "is not a Word .docx file"),
    ("locked.docx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64 + "EncryptedPackage".encode("utf-16-le"),
     "is password-protected"),
    ("old.docx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64, "is an old Word .doc file"),
    ("bad.pdf", b"%PDF-1.7\n" + b"1 0 obj << /Type /Catalog" * 3, "cannot be read as PDF ("),
    ("bad.pdf", b"<html>not a pdf</html>", "is not a PDF"),
    ("empty.pdf", b"", "the file is empty"),
    ("old.doc", b"\xd0\xcf\x11\xe0", "save it as .docx"),
    ("empty.html", b"<html><body></body></html>", "no article text found"),
])
def test_broken_files_give_one_line(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    one_line_error(path, message)


def test_truncated_docx_and_pdf(tmp_path):
    whole = make_docx(tmp_path / "whole.docx").read_bytes()
    (tmp_path / "cut.docx").write_bytes(whole[: len(whole) // 2])
    one_line_error(tmp_path / "cut.docx", "cannot be read as .docx")
    whole = make_pdf(tmp_path / "whole.pdf", speech_pdf_pages()).read_bytes()
    (tmp_path / "cut.pdf").write_bytes(whole[: len(whole) // 3])
    one_line_error(tmp_path / "cut.pdf", "cannot be read as PDF")


def test_empty_docx(tmp_path):
    docx = pytest.importorskip("docx")
    docx.Document().save(str(tmp_path / "empty.docx"))
    one_line_error(tmp_path / "empty.docx", "has no text")


def test_scanned_pdf_needs_ocr(tmp_path):
    pytest.importorskip("pypdf")
    from matplotlib.backends.backend_pdf import PdfPages
    from matplotlib.figure import Figure
    from matplotlib.patches import Rectangle

    with PdfPages(tmp_path / "scan.pdf") as pdf:
        for _ in range(2):
            figure = Figure()
            figure.add_artist(Rectangle((0.1, 0.1), 0.8, 0.8))  # a page of "image", no text layer
            pdf.savefig(figure)
    assert "2 of 2 pages have no text layer: it looks scanned and needs OCR first" in one_line_error(
        tmp_path / "scan.pdf", "ocrmypdf")


@pytest.mark.parametrize("algorithm", ["RC4-128", "AES-256"])
def test_encrypted_pdf(tmp_path, algorithm):
    pypdf = pytest.importorskip("pypdf")
    source = make_pdf(tmp_path / "plain.pdf", speech_pdf_pages())
    for user_password, name in (("secret", "locked.pdf"), ("", "open.pdf")):
        writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(source))
        writer.encrypt(user_password=user_password, owner_password="owner", algorithm=algorithm)
        with open(tmp_path / name, "wb") as handle:
            writer.write(handle)
    one_line_error(tmp_path / "locked.pdf", "is password-protected")
    # encrypted only against editing (opens without a password): read as usual
    assert extract_text(tmp_path / "open.pdf").text == extract_text(source).text


@pytest.mark.parametrize(("suffix", "module", "package"), [
    (".docx", "docx", "python-docx"), (".pdf", "pypdf", "pypdf"), (".html", "trafilatura", "trafilatura")])
def test_missing_library_names_the_extra(tmp_path, monkeypatch, suffix, module, package):
    monkeypatch.setitem(sys.modules, module, None)  # import fails as if not installed
    path = tmp_path / f"讲话{suffix}"
    path.write_bytes(b"whatever")
    message = one_line_error(path, f"reading {suffix} files needs {package}")
    assert message.endswith("pip install 'corpus[formats]'")


def test_library_warnings_stay_off_the_terminal(tmp_path, capfd):
    pypdf = pytest.importorskip("pypdf")
    writer = pypdf.PdfWriter()
    writer.add_blank_page(100, 100)
    source = io.BytesIO()
    writer.write(source)
    path = tmp_path / "odd.pdf"
    path.write_bytes(re.sub(rb"startxref\s+\d+", b"startxref\n5", source.getvalue()))  # pypdf logs, then recovers
    one_line_error(path, "1 of 1 pages have no text layer")
    assert capfd.readouterr().err == ""
