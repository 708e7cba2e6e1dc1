"""Text out of a transcript file: plain text, Word ``.docx``, PDF with a text layer, saved web pages.

:func:`extract_text` reads one file and returns :class:`Extracted`: the
``text`` every later stage reads, and the ``method`` that produced it
(``"text"`` for plain text, else ``"<format>:<library> <version>"``, e.g.
``"docx:python-docx 1.2.0"``), so a metadata row says how its text was made.

- **Plain text** (any other extension): decoded strictly, as
  :func:`decode_bytes` says (UTF-8, UTF-8 with BOM, GBK/GB18030, UTF-16 with
  BOM); the text is the file's, unmodified.
- **.docx** (python-docx): the body in document order, one line per non-empty
  paragraph (headings included; a manual line break stays a line break); a
  table gives one line per row, its cells separated by a tab (a merged cell
  is written once). Page headers and footers, footnotes, endnotes, comments
  and text boxes are not part of the body and are left out; automatic list
  numbering ("一、" made by Word rather than typed) is not text and is lost.
- **.pdf** (pypdf): the text layer page by page. Page numbers at the top or
  bottom of a page (``3``, ``- 3 -``, ``第3页 共10页``, ``3/10``) and a running
  header or footer repeated on most pages (3 pages or more; a short line that
  ends no sentence, numbers aside) are removed; a
  single space between two Chinese characters (justified text) is removed;
  Kangxi radicals that some PDF makers use for ordinary characters (⽇, U+2F47)
  become the characters (日). Lines stay as laid out: cleaning joins lines
  broken inside a sentence later. A PDF without a text layer (a scan) is
  refused: run OCR first. An encrypted PDF opens when it needs no password to
  read; one that does is refused.
- **.html / .htm** (trafilatura): the main text of a saved page, navigation,
  footer, share buttons and comments removed; the headline is kept as the
  first line; a table row becomes one line, cells separated by a tab.

Extracted text is tidied the same way for every document format: one newline
character, no spaces at line ends, no control characters, at most one blank
line, one final newline. Problems raise :class:`~corpus.errors.CorpusError`
with one line naming the file and the fix: a missing library names
``pip install 'corpus[formats]'``.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import logging
import re
import unicodedata
import warnings
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from . import config
from .errors import CorpusError

_BOMS = (
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)
# Control characters that never occur in a text file (C0 except tab, LF, FF,
# CR; DEL; C1). Their presence means we decoded binary data.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")


def decode_bytes(raw: bytes, *, name: str = "<bytes>") -> tuple[str, str]:
    """Decode a transcript strictly and say which encoding it was.

    Tries, in order: a byte-order mark (UTF-8, UTF-16), UTF-8, GBK, GB18030.
    Every attempt is strict, so text is never decoded silently wrong: bytes
    that are not valid in any of them, or decode to control characters, are
    rejected.

    Parameters
    ----------
    raw : bytes
        The file's content.
    name : str
        File name used in error messages.

    Returns
    -------
    (text, encoding) : tuple of str
        ``text`` without the byte-order mark; ``encoding`` is one of
        "utf-8-sig", "utf-16", "utf-8", "gbk", "gb18030".

    Raises
    ------
    CorpusError
        If the file is empty, whitespace only, binary or in another encoding.

    Examples
    --------
    >>> decode_bytes("工会".encode("gbk"))
    ('工会', 'gbk')
    """
    if not raw:
        raise CorpusError(f"{name}: the file is empty; put the transcript text in it or remove it")
    text = encoding = None
    for bom, codec in _BOMS:
        if raw.startswith(bom):
            try:
                text, encoding = raw.decode(codec), codec
            except UnicodeDecodeError:
                raise CorpusError(f"{name}: starts with a {codec} byte-order mark but is not valid {codec}; "
                                  "re-save it as UTF-8") from None
            text = text.lstrip("\ufeff")
            break
    if text is None:
        if b"\x00" in raw:
            raise CorpusError(
                f"{name}: looks binary (contains NUL bytes); a transcript must be plain text "
                "(UTF-8, GBK/GB18030, or UTF-16 with a byte-order mark)"
            )
        for codec in ("utf-8", "gbk", "gb18030"):
            try:
                text, encoding = raw.decode(codec), codec
                break
            except UnicodeDecodeError:
                continue
        else:
            raise CorpusError(f"{name}: cannot be decoded as UTF-8, GBK or GB18030; re-save it as UTF-8")
    if _CONTROL.search(text) or (encoding == "gb18030" and _private_use_share(text) > 0.01):
        raise CorpusError(
            f"{name}: looks binary (control characters after decoding as {encoding}); "
            "a transcript must be plain text"
        )
    if not text.strip(" \t\r\n\f\v\u3000\u200b\ufeff"):
        raise CorpusError(f"{name}: contains only whitespace; put the transcript text in it or remove it")
    return text, encoding


class TextFile(NamedTuple):
    """A text file as read: its decoded ``text``, the ``encoding`` found and the ``raw`` bytes."""

    text: str
    encoding: str
    raw: bytes


def read_text_file(path: str | Path, *, name: str | None = None,
                   max_bytes: int = config.MAX_TEXT_BYTES) -> TextFile:
    """Read a file and decode it strictly (see :func:`decode_bytes`).

    Parameters
    ----------
    path : path
        The file.
    name : str, optional
        How error messages name it (default: the path).
    max_bytes : int
        Reading stops after this many bytes (a device such as ``/dev/zero`` never ends).

    Raises
    ------
    CorpusError
        When the file cannot be read, is larger than ``max_bytes``, or is empty, binary or in another encoding.
    """
    return _read(path, name=name, max_bytes=max_bytes,
                 too_large="a transcript is plain text of at most that size (split a longer file into speeches)")


def read_table_file(path: str | Path, *, name: str | None = None) -> TextFile:
    """Read a table (``metadata.csv``, a manifest) as :func:`read_text_file` reads a transcript, up to
    ``config.MAX_TABLE_BYTES`` (at 100,000 speeches ``metadata.csv`` passes the transcripts' 10 MB)."""
    return _read(path, name=name, max_bytes=config.MAX_TABLE_BYTES,
                 too_large="a table of speeches is at most that size")


def _read(path: str | Path, *, name: str | None, max_bytes: int, too_large: str) -> TextFile:
    name = str(path) if name is None else name
    try:
        with open(path, "rb") as stream:
            raw = stream.read(max_bytes + 1)
    except OSError as err:
        raise CorpusError(f"{name}: cannot read ({err.strerror or err})") from None
    if len(raw) > max_bytes:
        raise CorpusError(f"{name}: more than {max_bytes / 2**20:g} MB; {too_large}")
    return TextFile(*decode_bytes(raw, name=name), raw)


def _private_use_share(text: str) -> float:
    return sum(unicodedata.category(ch) == "Co" for ch in text) / max(len(text), 1)



# ── documents ──────────────────────────────────────────────────────────────────────────────────────────────────

INSTALL_HINT = "pip install 'corpus[formats]'"
# extension -> (format, importable module, distribution whose version is recorded)
FORMATS = {
    ".docx": ("docx", "docx", "python-docx"),
    ".pdf": ("pdf", "pypdf", "pypdf"),
    ".html": ("html", "trafilatura", "trafilatura"),
    ".htm": ("html", "trafilatura", "trafilatura"),
}
# Formats people have that we do not read, and what to do instead.
UNSUPPORTED = {
    ".doc": "an old Word .doc file is not supported; save it as .docx (Word or WPS: 另存为 .docx)",
    ".wps": "a WPS .wps file is not supported; save it as .docx (WPS: 另存为 .docx)",
    ".rtf": "an .rtf file is not supported; save it as .docx or .txt",
    ".odt": "an .odt file is not supported; save it as .docx or .txt",
    ".mht": "a web archive (.mht) is not supported; save the page as .html (网页，仅HTML)",
    ".mhtml": "a web archive (.mhtml) is not supported; save the page as .html (网页，仅HTML)",
}
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # a compound file: an old .doc, or an encrypted Office file
_LOGGERS = ("pypdf", "trafilatura", "htmldate", "courlan", "justext", "readability")


@dataclass(frozen=True)
class Extracted:
    """A file's text and how it was obtained.

    Attributes
    ----------
    text : str
        The text later stages read.
    method : str
        ``"text"`` for plain text; else ``"<format>:<library> <version>"``
        (``"docx:python-docx 1.2.0"``, ``"pdf:pypdf 7.1.0"``, ``"html:trafilatura 2.3.1"``).
    encoding : str or None
        The encoding of a plain-text file (see :func:`decode_bytes`); None for a document.
    raw : bytes
        The file's bytes, as read (what gets stored).
    """

    text: str
    method: str
    encoding: str | None = None
    raw: bytes = field(default=b"", repr=False)

    @property
    def is_document(self) -> bool:
        """True when the text was extracted from a document rather than read as plain text."""
        return self.method != "text"


def document_format(path: str | Path) -> str | None:
    """``"docx"``, ``"pdf"`` or ``"html"`` for a document :func:`extract_text` converts; None for plain text."""
    entry = FORMATS.get(Path(path).suffix.lower())
    return entry[0] if entry else None


def extract_text(path: str | Path, *, name: str | None = None) -> Extracted:
    """Read a transcript file and return its text.

    The format comes from the extension (``.docx``, ``.pdf``, ``.html``,
    ``.htm``; anything else is plain text). See the module docstring for what
    each format gives.

    Parameters
    ----------
    path : path
        The file.
    name : str, optional
        How error messages name it (default: the path).

    Returns
    -------
    Extracted

    Raises
    ------
    CorpusError
        One line naming the file: it cannot be read, is empty, binary or
        undecodable (plain text); corrupt, password-protected, scanned
        without a text layer, or without any text (documents); or the library
        for its format is not installed (the message names
        ``pip install 'corpus[formats]'``).

    Examples
    --------
    >>> extract_text("data/002_592489f94325e6aa.txt").method          # doctest: +SKIP
    'text'
    >>> extract_text("讲话.docx").method                               # doctest: +SKIP
    'docx:python-docx 1.2.0'
    """
    name = str(path) if name is None else name
    suffix = Path(path).suffix.lower()
    if suffix in UNSUPPORTED:
        raise CorpusError(f"{name}: {UNSUPPORTED[suffix]}")
    try:
        raw = Path(path).read_bytes()
    except OSError as err:
        raise CorpusError(f"{name}: cannot read ({err.strerror or err})") from None
    return extract_bytes(raw, suffix=suffix, name=name)


def extract_bytes(raw: bytes, *, suffix: str, name: str = "<bytes>") -> Extracted:
    """:func:`extract_text` on bytes already read; ``suffix`` (``".pdf"``) says the format."""
    entry = FORMATS.get(suffix.lower())
    if entry is None:
        text, encoding = decode_bytes(raw, name=name)
        return Extracted(text, "text", encoding, raw)
    kind, module, package = entry
    if not raw:
        raise CorpusError(f"{name}: the file is empty; save the document again or remove it")
    library = _need(module, package, suffix.lower(), name)
    with _quiet():
        text = _EXTRACTORS[kind](library, raw, name)
    text = tidy_text(text)
    if not text.strip(" \t\n\u3000"):
        raise CorpusError(f"{name}: has no text; check that it is the right file")
    return Extracted(text, f"{kind}:{package} {config.package_version(package)}", None, raw)


def tidy_text(text: str) -> str:
    """Extracted text as stored: ``\\n`` line ends, no control characters or spaces at line ends,
    at most one blank line, one final newline (an empty text stays empty)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n").replace("\v", "\n")
    text = _CONTROL.sub("", text).replace("\u200b", "").replace("\ufeff", "")
    text = re.sub(r"[ \t\u3000]+\n", "\n", text + "\n")
    text = re.sub(r"\n{3,}", "\n\n", text).strip("\n")
    return text + "\n" if text.strip() else ""


def _need(module: str, package: str, suffix: str, name: str):
    try:
        return importlib.import_module(module)
    except ImportError:
        raise CorpusError(f"{name}: reading {suffix} files needs {package}, which is not installed; "
                          f"{INSTALL_HINT}") from None


@contextlib.contextmanager
def _quiet():
    """Keep the libraries' warnings (logged or warned) off the terminal: problems come back as one CorpusError."""
    saved = [(logger, logger.level) for logger in map(logging.getLogger, _LOGGERS)]
    try:
        for logger, _ in saved:
            logger.setLevel(logging.CRITICAL + 1)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        for logger, level in saved:
            logger.setLevel(level)


def _reason(err: BaseException) -> str:
    """A library's exception as a short phrase for a one-line message."""
    message = " ".join(str(err).split())[:100]
    return f"{type(err).__name__}: {message}" if message else type(err).__name__


# ── .docx ──

def _docx(docx, raw: bytes, name: str) -> str:
    if raw.startswith(_OLE):
        if "EncryptedPackage".encode("utf-16-le") in raw:
            raise CorpusError(f"{name}: is password-protected; open it in Word or WPS, remove the password "
                              "(文件 > 信息 > 保护文档), save it, then add it")
        raise CorpusError(f"{name}: is an old Word .doc file with a .docx name; open it and save it as .docx")
    if not raw.startswith(b"PK"):
        raise CorpusError(f"{name}: is not a Word .docx file (a .docx is a ZIP archive); check the file, "
                          "or save it from Word or WPS as .docx")
    from docx.table import Table

    try:
        document = docx.Document(io.BytesIO(raw))
        lines = []
        for block in document.iter_inner_content():
            lines.extend(_table_lines(block) if isinstance(block, Table) else [block.text])
    except Exception as err:  # a damaged file raises anything: zip, XML, KeyError
        raise CorpusError(f"{name}: cannot be read as .docx ({_reason(err)}); is it complete? "
                          "open it in Word or WPS and save it again") from None
    return "\n".join(line for line in lines if line.strip())


def _table_lines(table) -> list[str]:
    """One line per row, cells separated by a tab; a merged cell (across columns or rows) is written once."""
    seen: set = set()  # the cells' XML elements, kept alive so that identity means the same cell
    lines = []
    for row in table.rows:
        cells, previous = [], None
        for cell in row.cells:
            element = cell._tc
            if element is previous:  # spans several columns: python-docx repeats it
                continue
            previous = element
            cells.append("" if element in seen else " ".join(p.text.strip() for p in cell.paragraphs if p.text.strip()))
            seen.add(element)
        lines.append("\t".join(cells).rstrip("\t"))
    return lines


# ── .pdf ──

_PAGE_NUMBER = re.compile(
    r"[-—–－―\s]*\d{1,4}[-—–－―\s]*"                                  # 3, - 3 -, —3—
    r"|第\s*\d{1,4}\s*页(?:\s*[，,/／]?\s*共\s*\d{1,4}\s*页)?"           # 第3页, 第3页 共10页
    r"|共\s*\d{1,4}\s*页\s*第\s*\d{1,4}\s*页"                         # 共10页 第3页
    r"|\d{1,4}\s*[/／]\s*\d{1,4}"                                    # 3/10
    r"|(?:page|p\.)\s*\d{1,4}(?:\s*(?:of|/)\s*\d{1,4})?",            # Page 3 of 10
    re.IGNORECASE,
)
_CJK = "\u2e80-\u2fdf\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef"
_CJK_SPACE = re.compile(f"(?<=[{_CJK}]) (?=[{_CJK}])")
_RADICALS = re.compile("[\u2e80-\u2fdf]")  # CJK Radicals Supplement and Kangxi Radicals


def _pdf(pypdf, raw: bytes, name: str) -> str:
    if not raw.lstrip()[:1024].startswith(b"%PDF"):
        raise CorpusError(f"{name}: is not a PDF (no %PDF header); check the file, or download it again")
    try:
        reader = pypdf.PdfReader(io.BytesIO(raw))
        if reader.is_encrypted and not reader.decrypt(""):
            raise CorpusError(f"{name}: is password-protected; open it with its password, save an unprotected "
                              "copy (e.g. print to PDF), then add that")
        pages = [page.extract_text() or "" for page in reader.pages]
    except CorpusError:
        raise
    except pypdf.errors.DependencyError:
        raise CorpusError(f"{name}: is encrypted (AES) and reading it needs the cryptography package; "
                          f"{INSTALL_HINT}") from None
    except Exception as err:  # a damaged file raises anything
        raise CorpusError(f"{name}: cannot be read as PDF ({_reason(err)}); is it complete? "
                          "download it again or save it again as PDF") from None
    blank = sum(not page.strip() for page in pages)
    if not pages or blank * 2 > len(pages):
        raise CorpusError(f"{name}: {blank} of {len(pages)} pages have no text layer: it looks scanned and needs OCR "
                          "first (e.g. `ocrmypdf -l chi_sim in.pdf out.pdf`), then add the result")
    return "\n".join(pdf_page_lines(pages))


def pdf_page_lines(pages: list[str]) -> list[str]:
    """The lines of a PDF's pages without page numbers and running headers or footers (see the module docstring)."""
    kept = [[_pdf_line(line) for line in page.split("\n") if line.strip()] for page in pages]
    for lines in kept:
        _drop_page_numbers(lines)
    if len(kept) >= 3:
        for end in (0, -1):  # running headers, then footers
            edges = Counter(_shape(lines[end]) for lines in kept if lines)
            repeated = {shape for shape, n in edges.items() if shape and n >= 3 and n * 2 >= len(kept)}
            for lines in kept:
                if lines and _shape(lines[end]) in repeated:
                    del lines[end]
                    _drop_page_numbers(lines)
    return [line for lines in kept for line in lines]


def _pdf_line(line: str) -> str:
    line = _RADICALS.sub(lambda m: unicodedata.normalize("NFKC", m.group()), line.strip())
    return _CJK_SPACE.sub("", line)


def _drop_page_numbers(lines: list[str]) -> None:
    while lines and _PAGE_NUMBER.fullmatch(lines[0]):
        del lines[0]
    while lines and _PAGE_NUMBER.fullmatch(lines[-1]):
        del lines[-1]


def _shape(line: str) -> str | None:
    """A header line with its numbers hidden, so "某县总工会 2023年第3期" repeats on every page.

    None for a line that cannot be a running header or footer: longer than 40
    characters, or ending a sentence (the text itself, however often it repeats).
    """
    if len(line) > 40 or line.endswith(("。", "！", "？", "；", "：", ".", "!", "?", ";")):
        return None
    return re.sub(r"\d+", "#", line)


# ── .html ──

_TABLE_ROW = re.compile(r"\| (.*) \|")
_TABLE_RULE = re.compile(r"\|(?:\s*:?-{3,}:?\s*\|)+")
# trafilatura takes fewer than 250 characters of main text for a failure and falls back to the whole page, chrome
# and all; 250 Chinese characters are a whole paragraph, so a short notice needs a lower bar.
HTML_MIN_CHARS = 50


def _html(trafilatura, raw: bytes, name: str) -> str:
    from trafilatura.settings import use_config

    settings = use_config()
    settings.set("DEFAULT", "MIN_EXTRACTED_SIZE", str(HTML_MIN_CHARS))
    try:
        text = trafilatura.extract(raw, include_comments=False, include_tables=True, include_images=False,
                                   include_links=False, deduplicate=False, output_format="txt", config=settings)
    except Exception as err:  # lxml and the fallbacks raise anything on odd markup
        raise CorpusError(f"{name}: cannot be read as a web page ({_reason(err)}); save the page again") from None
    if not text or not text.strip():
        raise CorpusError(f"{name}: no article text found in the page; open it in a browser and save the "
                          "speech's text as .txt")
    lines = []
    for line in text.split("\n"):
        if _TABLE_RULE.fullmatch(line.strip()):  # the rule under a table's header row
            continue
        row = _TABLE_ROW.fullmatch(line.strip())
        lines.append("\t".join(cell.strip() for cell in row.group(1).split(" | ")) if row else line)
    return "\n".join(lines)


_EXTRACTORS = {"docx": _docx, "pdf": _pdf, "html": _html}
