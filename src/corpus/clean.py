"""Clean transcripts and split them into sections and paragraphs.

Cleaning is a pipeline of pure ``str -> str`` steps (:data:`STEPS`), each
small and tested on its own; :func:`clean_text` composes them and is
idempotent. :func:`clean_docs` adds columns to the docs frame and never
touches ``text``:

===========  =====  ==========================================================
column       dtype  meaning
===========  =====  ==========================================================
text_clean   str    cleaned text; paragraphs separated by one blank line
n_han        int    Han characters in ``text_clean`` (the base of per-10k rates)
===========  =====  ==========================================================

:func:`split_paragraphs` returns the **paragraphs frame**, one row per
paragraph of ``text_clean``:

=========  =====  ============================================================
column     dtype  meaning
=========  =====  ============================================================
doc_id     str    the speech's ``id``
section    int    0 = before the first numbered heading; 1, 2, ... = after
                  heading 一、, 二、, ...; a last section for the closing words
heading    str    text of the section's heading ("" for section 0,
                  "结束语" for the closing words)
para       int    0-based position of the paragraph in the speech
kind       str    "title", "salutation", "heading" or "body"
text       str    the paragraph
n_han      int    Han characters in the paragraph
=========  =====  ============================================================
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pandas as pd

from . import config

HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_HAN_RE = re.compile(f"[{HAN}]")
# Characters that count as "Chinese context" for punctuation folding.
_CJK_CONTEXT = f"{HAN}\u3000-\u303f\uff00-\uffef\u2018-\u201f\u2026\u00b7{config.PLACEHOLDER}"

_ZERO_WIDTH = re.compile("[\u200b-\u200d\u2060\ufeff\u00ad]")
_FULLWIDTH_ALNUM = {
    cp: cp - 0xFEE0 for r in ((0xFF10, 0xFF19), (0xFF21, 0xFF3A), (0xFF41, 0xFF5A)) for cp in range(r[0], r[1] + 1)
}
_FULLWIDTH_ANY = re.compile("[\uff10-\uff19\uff21-\uff3a\uff41-\uff5a]")
_FOLD = str.maketrans({",": "，", ":": "：", ";": "；", "!": "！", "?": "？", "(": "（", ")": "）"})
_FOLD_RE = re.compile(f"(?<=[{_CJK_CONTEXT}])[,:;!?()]|[,:;!?()](?=[{_CJK_CONTEXT}])")
_ASCII_QUOTED = re.compile(f'"([^"\\n]*[{HAN}][^"\\n]*)"')

# Line endings after which a line break is a real paragraph break.
_FINAL = "。！？!?；;：:…”’」』）)】"
_CONTINUES = "，,、"
BROKEN_LINE_MIN_CHARS = 20
_ASCII_ALNUM = re.compile(r"[A-Za-z0-9*]")

HEADING_RE = re.compile(r"^([一二三四五六七八九十]{1,3})、")
_SUBHEADING_RE = re.compile(r"^(（[一二三四五六七八九十]{1,3}）|\d{1,2}[.．、]|第[一二三四五六七八九十]{1,3}[，、部])")
_SALUTATION_RE = re.compile(r"^(各位代表|同志们|各位领导|各位来宾|女士们|先生们|朋友们)")
_SENTENCE_PUNCT = re.compile(r"[，。！？；,!?;]")
_WEB_MARKERS = re.compile(r"https?://|www\.|</?[a-zA-Z]|\"\)|\);|[{}=]")

_PLACEHOLDER_PATTERNS = (
    re.compile(r"(?<![A-Za-z0-9])(?:19|20)[Xx]{1,2}(?![A-Za-z0-9])"),  # 20x年度
    re.compile(r"(?<![A-Za-z0-9])[Xx]+(?![A-Za-z0-9]|光|射线)"),  # XXX县, 第X次
    re.compile(r"[*＊×○]+"),  # *特色, ×××同志, ○○县
)
_PLACEHOLDER_RUN = re.compile(f"{config.PLACEHOLDER}{{2,}}")


def drop_zero_width(text: str) -> str:
    """Remove zero-width spaces and joiners, soft hyphens and stray BOMs."""
    return _ZERO_WIDTH.sub("", text)


def normalize_width(text: str) -> str:
    """Full-width digits and Latin letters to ASCII (``２０２３`` -> ``2023``).

    Full-width punctuation is kept: it is the norm in Chinese text.
    """
    if not _FULLWIDTH_ANY.search(text):  # the usual case; translate() is slow on long texts
        return text
    text = text.translate(_FULLWIDTH_ALNUM)
    return re.sub(r"(?<=\d)．(?=\d)", ".", text)


def unify_whitespace(text: str) -> str:
    """One kind of newline and of space; no spaces at line ends; at most one blank line."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n").replace("\v", "\n")
    text = re.sub(r"[^\S\n]+", " ", text)
    text = re.sub(r" *\n *", "\n", text)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip(" \n")


def is_residue(line: str) -> bool:
    """Is this line web-page residue rather than speech?

    Three rules, not a list of strings: the line has no Han character
    (``47 3432347``, ``");``); or it is made of three or more short
    space-separated fragments without sentence punctuation, like a row of
    page buttons (``好学生 分享 时间:``); or it carries code or links and
    has fewer Han characters than other characters.
    """
    line = line.strip()
    if not line:
        return False
    if not _HAN_RE.search(line):
        return True
    # The cheap tests first: most lines are long sentences that fail them at once.
    if line.count(" ") >= 2 and not _SENTENCE_PUNCT.search(line):
        pieces = mask_placeholders(line).split(" ")
        if len(pieces) >= 3 and all(len(p) <= 4 for p in pieces):
            return True
    if _WEB_MARKERS.search(line):
        n_han = len(_HAN_RE.findall(line))
        return n_han < len(line) - n_han
    return False


def remove_residue_lines(text: str) -> str:
    """Drop residue lines (see :func:`is_residue`); each leaves a paragraph break."""
    lines = ["" if is_residue(line) else line for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n")


def _is_heading(line: str) -> bool:
    return bool(HEADING_RE.match(line) or _SUBHEADING_RE.match(line)) and len(line) <= 60


def _continues(line: str, nxt: str) -> bool:
    if not line or not nxt or _is_heading(nxt):
        return False
    if line[-1] in _CONTINUES or (_ASCII_ALNUM.match(line[-1]) and _ASCII_ALNUM.match(nxt[0])):
        return True
    return line[-1] not in _FINAL and len(line) >= BROKEN_LINE_MIN_CHARS and not _is_heading(line)


def join_broken_lines(text: str) -> str:
    """Join lines broken inside a sentence; separate paragraphs by one blank line.

    A line continues on the next one when it ends with a comma, when a run of
    Latin letters or digits is cut (``XX`` / ``X``), or when it is
    at least :data:`BROKEN_LINE_MIN_CHARS` long, does not end a sentence or
    clause and is not a heading. Blank lines, headings and short title lines
    always end a paragraph.
    """
    paragraphs: list[str] = []
    for block in text.split("\n\n"):
        current = ""
        for line in block.split("\n"):
            if current and _continues(current, line):
                current += line
            else:
                if current:
                    paragraphs.append(current)
                current = line
        if current:
            paragraphs.append(current)
    return "\n\n".join(p for p in paragraphs if p)


def mask_placeholders(text: str) -> str:
    """Replace anonymisation placeholders with :data:`config.PLACEHOLDER`.

    ``XXX县`` -> ``□县``, ``第X次`` -> ``第□次``, ``20x年度`` -> ``□年度``,
    ``*特色`` -> ``□特色``; a run of placeholders becomes one. Latin words
    (``Excel``) and ``X光`` are left alone.
    """
    for pattern in _PLACEHOLDER_PATTERNS:
        text = pattern.sub(config.PLACEHOLDER, text)
    return _PLACEHOLDER_RUN.sub(config.PLACEHOLDER, text)


def fold_punctuation(text: str) -> str:
    """ASCII ``,:;!?()`` in Chinese context to full width; ASCII quotes to “ ”.

    A mark is folded when a Han character, a full-width mark or a placeholder
    stands on either side, so ``116.5亿元`` and ``(a, b)`` are left alone.
    """
    while True:
        folded = _FOLD_RE.sub(lambda m: m.group().translate(_FOLD), _ASCII_QUOTED.sub(r"“\1”", text))
        if folded == text:
            return folded
        text = folded


STEPS: tuple[Callable[[str], str], ...] = (
    drop_zero_width,
    normalize_width,
    unify_whitespace,
    remove_residue_lines,
    join_broken_lines,
    remove_residue_lines,  # again: a row of page buttons can itself be broken over lines
    mask_placeholders,
    fold_punctuation,
)


def clean_text(text: str, *, steps: tuple[Callable[[str], str], ...] = STEPS) -> str:
    """Apply the cleaning steps in order.

    Examples
    --------
    >>> clean_text("今天,XXX县工会第X次代表大会隆重开幕了\\n\\n47 3432347")
    '今天，□县工会第□次代表大会隆重开幕了'
    """
    for step in steps:
        text = step(text)
    return text


def count_han(text: str) -> int:
    """Number of Han characters in ``text``."""
    return len(_HAN_RE.findall(text))


def clean_docs(docs: pd.DataFrame) -> pd.DataFrame:
    """Add ``text_clean`` and ``n_han`` to a docs frame (``text`` is kept as is)."""
    cleaned = [clean_text(t) for t in docs["text"]]
    return docs.assign(text_clean=cleaned, n_han=[count_han(t) for t in cleaned])


def _kind(paragraph: str, *, before_body: bool) -> str:
    if HEADING_RE.match(paragraph) and len(paragraph) <= 60 and not paragraph.endswith("。"):
        return "heading"
    if _SALUTATION_RE.match(paragraph) and len(paragraph) <= 20 and paragraph[-1] in "：:！!，,":
        return "salutation"
    if (before_body and len(paragraph) <= 40 and not _SENTENCE_PUNCT.search(paragraph)
            and not paragraph.endswith(("：", ":"))):
        return "title"
    return "body"


def paragraphs_of(text_clean: str) -> list[str]:
    """Paragraphs of a cleaned text: its non-empty lines, numbered from 0 in this order.

    The one paragraph rule: :func:`split_paragraphs` and segmentation
    (``para`` in the tokens frame) both number paragraphs with it.
    """
    return [p for p in text_clean.split("\n") if p]


def split_paragraphs(docs: pd.DataFrame) -> pd.DataFrame:
    """One row per paragraph of ``text_clean``, with its section and kind.

    Parameters
    ----------
    docs : pandas.DataFrame
        A docs frame with ``text_clean`` (see :func:`clean_docs`).

    Returns
    -------
    pandas.DataFrame
        The paragraphs frame described in the module docstring.
    """
    rows = []
    for doc_id, text in zip(docs["id"], docs["text_clean"], strict=True):
        section, heading, before_body, closed = 0, "", True, False
        for para, paragraph in enumerate(paragraphs_of(text)):
            kind = _kind(paragraph, before_body=before_body)
            if kind == "heading":
                section, heading = section + 1, paragraph
            elif kind == "body" and section > 0 and not closed and _SALUTATION_RE.match(paragraph):
                section, heading, closed = section + 1, "结束语", True
            if kind in ("salutation", "body", "heading"):
                before_body = False
            rows.append((doc_id, section, heading, para, kind, paragraph, count_han(paragraph)))
    return pd.DataFrame(rows, columns=["doc_id", "section", "heading", "para", "kind", "text", "n_han"])


def paragraph_counts(paragraphs: pd.DataFrame) -> pd.DataFrame:
    """Per speech: ``n_paragraphs`` and ``n_sections`` (numbered headings 一、二、...), indexed by ``doc_id``.

    Parameters
    ----------
    paragraphs : pandas.DataFrame
        A paragraphs frame (:func:`split_paragraphs`).
    """
    is_heading = (paragraphs["kind"] == "heading").astype(int)
    grouped = paragraphs.assign(_heading=is_heading).groupby("doc_id", sort=False)
    return grouped.agg(n_paragraphs=("para", "size"), n_sections=("_heading", "sum"))


def split_sections(docs: pd.DataFrame) -> pd.DataFrame:
    """One row per section: ``doc_id, section, heading, n_paragraphs, text``.

    ``text`` joins the section's paragraphs with newlines.
    """
    paragraphs = split_paragraphs(docs)
    grouped = paragraphs.groupby(["doc_id", "section", "heading"], sort=False)
    return grouped.agg(n_paragraphs=("para", "size"), text=("text", "\n".join)).reset_index()
