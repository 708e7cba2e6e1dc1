"""Clean transcripts and split them into sections and paragraphs.

Cleaning is a pipeline of pure ``str -> str`` steps (:data:`STEPS`), each
small and tested on its own; :func:`clean_text` composes them and is
idempotent. :func:`clean_docs` adds columns to the docs frame and never
touches ``text``:

===========  =====  ==========================================================
column       dtype  meaning
===========  =====  ==========================================================
text_clean   str    cleaned text, in simplified script; paragraphs separated
                    by one blank line
n_han        int    Han characters in ``text_clean`` (the base of per-10k rates)
script       str    "simplified", "mixed" or "traditional": the script of the
                    transcript (:func:`script_of`); the last two are converted
===========  =====  ==========================================================

Script. OpenCC's ``t2s`` conversion (characters and common phrases) is the
one rule: the share of a text's Han characters that it changes decides the
script (:data:`SCRIPT_MIXED_MIN_SHARE`, :data:`SCRIPT_TRADITIONAL_MIN_SHARE`),
a simplified text is left byte for byte as it is, any other is converted
(:func:`to_simplified`). Terms, KWIC patterns and era markers go through
:func:`term_pattern`, which makes them match in either script.

Numerals. :data:`NUMERALS` are the Chinese numeral characters. A pattern
never matches inside a longer run of them (:func:`guard_numerals`): 九五 is
not counted in 一九五八年.

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

import functools
import hashlib
import re
import re._constants as _constants
import re._parser as _parser
from collections.abc import Callable, Iterable, Iterator
from difflib import SequenceMatcher
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from . import config
from .load import read_doc_text
from .speechcache import SpeechCache, digest_key, entry_key

# CJK unified ideographs (extension A, the basic block, compatibility ideographs, extensions B-H): t2s maps
# some rare characters to extension B and later, and they must stay Han characters.
HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
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

# Chinese numeral characters: digits (〇 and 零 are zero, 两 is two), and the positional 十百千万亿.
NUMERALS = "〇零一二三四五六七八九十百千万亿两"
# A zero typed with the wrong character next to Chinese digits (一九八○年, 二0一0年, 二O二O年), not inside a Latin
# word or an Arabic number.
_ZERO_LIKE = "0Oo○◯"
_WRONG_ZERO = re.compile(f"(?<![A-Za-z0-9])(?:(?<=[〇一二三四五六七八九])[{_ZERO_LIKE}]+|[{_ZERO_LIKE}]+"
                         f"(?=[〇一二三四五六七八九]))(?![A-Za-z0-9])")

# The script rule: the share of Han characters that OpenCC's t2s conversion changes.
T2S_CONFIG = "t2s"  # OpenCC: traditional to simplified, characters and common phrases
SCRIPTS = ("simplified", "mixed", "traditional")
SCRIPT_MIXED_MIN_SHARE = 0.001  # below: simplified (real simplified speeches: 0 to 0.008 %)
SCRIPT_TRADITIONAL_MIN_SHARE = 0.2  # at or above: traditional (traditional speeches: 35 to 40 %)


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


def unify_zeros(text: str) -> str:
    """A zero written ``○``, ``0`` or ``O`` next to a Chinese digit is 〇: ``一九八○年`` -> ``一九八〇年``.

    Scraped reports write 二0一0年 (or full width 二０一０年, made 0 by
    :func:`normalize_width`) and 二○二○年; without this the circle would become
    the placeholder □. Not in a Latin word or an Arabic number (``一OK``,
    ``10一``); other circles are anonymisation placeholders (``○○县``, see
    :func:`mask_placeholders`).
    """
    return _WRONG_ZERO.sub(lambda m: "〇" * len(m.group()), text)


# --------------------------------------------------------------------------- script


@functools.cache
def _opencc_t2s() -> Callable[[str], str]:
    import opencc

    return opencc.OpenCC(T2S_CONFIG).convert


def _t2s(text: str) -> str:
    """OpenCC t2s, repeated to a fixed point (it maps 薴 to 苧, and 苧 to 苎): converting twice changes nothing."""
    convert = _opencc_t2s()
    for _ in range(4):
        converted = convert(text)
        if converted == text:
            break
        text = converted
    return text


_HAN_RANGES = np.array([[0x3400, 0x4DBF], [0x4E00, 0x9FFF], [0xF900, 0xFAFF], [0x20000, 0x3134F]], dtype=np.uint32)


def _han_and_changed(text: str, converted: str) -> tuple[int, int]:
    """Han characters of ``text``, and how many of them the conversion changed (t2s changes only those)."""
    before = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    n_han = int(sum(((before >= lo) & (before <= hi)).sum() for lo, hi in _HAN_RANGES))
    if len(converted) == len(text):
        return n_han, int((before != np.frombuffer(converted.encode("utf-32-le"), dtype=np.uint32)).sum())
    opcodes = SequenceMatcher(None, text, converted, autojunk=False).get_opcodes()  # pragma: no cover
    return n_han, sum(max(i2 - i1, j2 - j1) for tag, i1, i2, j1, j2 in opcodes if tag != "equal")  # pragma: no cover


def _simplify(text: str) -> tuple[str, str]:
    """``(text in simplified script, script of the text)``: see :func:`script_of` and :func:`to_simplified`."""
    converted = _opencc_t2s()(text)
    if converted == text:  # the usual case: nothing to count
        return text, "simplified"
    n_han, changed = _han_and_changed(text, converted)
    share = changed / max(n_han, 1)
    if share < SCRIPT_MIXED_MIN_SHARE:
        return text, "simplified"
    return _t2s(converted), "traditional" if share >= SCRIPT_TRADITIONAL_MIN_SHARE else "mixed"


def script_of(text: str) -> str:
    """``"simplified"``, ``"mixed"`` or ``"traditional"``: the script a text is written in.

    The rule: convert the text with OpenCC ``t2s`` (characters and common
    phrases) and count the Han characters it changes. Below
    :data:`SCRIPT_MIXED_MIN_SHARE` (0.1 %) of the Han characters the text is
    simplified (a stray traditional character in a simplified speech does
    not make it mixed); from :data:`SCRIPT_TRADITIONAL_MIN_SHARE` (20 %) on
    it is traditional (a traditional political text changes 35 to 40 %);
    between, mixed. A text without Han characters is simplified.

    Examples
    --------
    >>> script_of("我們國家爲人民服務"), script_of("我们国家为人民服务"), script_of("我们国家爲人民服务")
    ('traditional', 'simplified', 'mixed')
    """
    return _simplify(text)[1]


def to_simplified(text: str) -> str:
    """Traditional or mixed text to simplified script; simplified text is returned as it is, byte for byte.

    Only Han characters change, one for one (OpenCC ``t2s``, with its phrases:
    乾淨 -> 干净 but 乾隆 stays). See :func:`script_of` for the rule. A mixed
    text is converted whole; a few of OpenCC's phrases also rewrite simplified
    words (打坏 -> 打坯, 回覆 -> 回复), so its simplified parts may change
    there (on a speech's scale they weigh nothing in the script rule; a
    two-character 打坏 alone counts as traditional).

    Examples
    --------
    >>> to_simplified("我們國家爲人民服務，於一九五四年召開會議。")
    '我们国家为人民服务，于一九五四年召开会议。'
    """
    return _simplify(text)[0]


def _either_script(run: str) -> str:
    """A run of Han characters as a regular expression matching it in either script: 們 -> [們们]."""
    converted = _t2s(run)
    if len(converted) != len(run):  # pragma: no cover - t2s maps one character to one
        converted = "".join(_t2s(c) if len(_t2s(c)) == 1 else c for c in run)
    return "".join(a if a == b else f"[{a}{b}]" for a, b in zip(run, converted, strict=True))


def script_neutral_pattern(pattern: str) -> str:
    """A regular expression that matches what ``pattern`` matches, written in either script.

    Each Han character that OpenCC ``t2s`` changes (in its run of Han
    characters, so that phrases convert as in the texts) becomes a class of
    both forms: ``我們`` -> ``我[們们]``; inside a class the simplified form
    is added: ``[於在]`` -> ``[於于在]``. Escapes, group names, range ends
    (``[一-龥]``) and everything that is not a Han character are left alone,
    so the syntax and the width of every piece stay as they were. A pattern
    that t2s does not change is returned as it is.

    Examples
    --------
    >>> script_neutral_pattern("兩個維護|國(?:家|務)")
    '[兩两][個个][維维][護护]|[國国](?:家|[務务])'
    """
    if _t2s(pattern) == pattern:
        return pattern
    out: list[str] = []
    run: list[str] = []
    in_class, class_open, i, n = False, 0, 0, len(pattern)

    def flush() -> None:
        if run:
            out.append(_either_script("".join(run)))
            run.clear()

    while i < n:
        char = pattern[i]
        if char == "\\":
            flush()
            out.append(pattern[i:i + 2])
            i += 2
            continue
        if not in_class and pattern.startswith(("(?P<", "(?P=", "(?#"), i):  # group names, comments: as they are
            flush()
            end = pattern.find(">" if pattern[i + 3:i + 4] == "<" else ")", i)
            end = n if end < 0 else end + 1
            out.append(pattern[i:end])
            i = end
            continue
        if in_class:
            if char == "]" and i > class_open:
                in_class = False
            elif _HAN_RE.match(char) and "-" not in (pattern[i - 1], pattern[i + 1:i + 2]):
                simplified = _t2s(char)
                out.append(char if simplified == char or len(simplified) != 1 else char + simplified)
                i += 1
                continue
            out.append(char)
        elif char == "[":
            flush()
            in_class = True
            class_open = i + 1 + (pattern[i + 1:i + 2] == "^")  # a "]" right after "[" or "[^" is a literal
            out.append(char)
        elif _HAN_RE.match(char):
            run.append(char)
        else:
            flush()
            out.append(char)
        i += 1
    flush()
    return "".join(out)


# --------------------------------------------------------------------------- numerals in patterns

_NUMERAL_SET = frozenset(NUMERALS)
_ZERO_WIDTH_OPS = (_constants.AT, _constants.ASSERT, _constants.ASSERT_NOT)
_GLOBAL_FLAGS = re.compile(r"^(?:\(\?[aiLmsux]+\))+")
# The first (last) character of the match is a numeral and the one before (after) it a numeral or a digit.
_START_GUARD = f"(?!(?<=[{NUMERALS}0-9])[{NUMERALS}])"
_END_GUARD = f"(?!(?<=[{NUMERALS}])[{NUMERALS}0-9])"


def _set_may_hold_numeral(items) -> bool:
    for op, av in items:
        if op is _constants.LITERAL:
            if chr(av) in _NUMERAL_SET:
                return True
        elif op is _constants.RANGE:
            if any(av[0] <= ord(c) <= av[1] for c in _NUMERAL_SET):
                return True
        elif not (op is _constants.CATEGORY and av is _constants.CATEGORY_DIGIT):  # \d: 0-9 and the like
            return True  # NEGATE, \w, \D, ...
    return False


def _may_be_numeral(items, *, last: bool) -> bool:
    """Can the first (``last``: the last) character a parsed pattern matches be a numeral? True when unsure."""
    items = [item for item in items if item[0] not in _ZERO_WIDTH_OPS]  # assertions consume nothing
    if not items:
        return True
    op, av = items[-1] if last else items[0]
    if op is _constants.LITERAL:
        return chr(av) in _NUMERAL_SET
    if op is _constants.IN:
        return _set_may_hold_numeral(av)
    if op is _constants.SUBPATTERN:
        return _may_be_numeral(list(av[3]), last=last)
    if op is _constants.BRANCH:
        return any(_may_be_numeral(list(branch), last=last) for branch in av[1])
    if op in (_constants.MAX_REPEAT, _constants.MIN_REPEAT) and av[0] >= 1:  # at least once: as its body
        return _may_be_numeral(list(av[2]), last=last)
    return True  # optional pieces, any character, group references: assume it can


def _top_level_alternation(pattern: str) -> bool:
    """Does ``pattern`` have a ``|`` outside groups and classes?"""
    depth, in_class, i = 0, False, 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            i += 1
        elif in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
            i += pattern[i + 1:i + 2] == "^"
            i += pattern[i + 1:i + 2] == "]"  # a "]" right after "[" or "[^" is a literal
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "|" and depth == 0:
            return True
        i += 1
    return False


def guard_numerals(pattern: str) -> str:
    """``pattern`` such that it never matches inside a longer run of numerals.

    When a match starts with a numeral (:data:`NUMERALS`), the character
    before it must not be a numeral or a digit 0-9; when it ends with one, the
    character after it neither. So 九五 is found in “九五”计划 and 九五计划
    but not in 一九五八年; 十五 not in 二十五年 or 十五亿; 十五大 in
    二〇一五年十五大召开 (年 is not a numeral); 千万 not in 3千万.

    Decided edge cases: 十 and 两 are numerals (十五 is not in 二十五,
    两个 not in 十两个); 第 and units such as 年 are not, so 十二五 is found in
    第十二五 and 十五 in 十五年 (write ``十五(?!年)`` to leave those out);
    a numeral pattern never finds a part of a run: ``〇`` counts nothing in
    二〇二三, write the whole run. Patterns that can neither start nor end
    with a numeral are returned as they are; others get lookarounds only on
    the side that needs them, after the first character when that is a
    literal numeral (a pattern that begins with a lookaround is tried at
    every position of the text: 25 times slower).

    Raises
    ------
    re.error
        For an invalid regular expression.

    Examples
    --------
    >>> import re
    >>> len(re.findall(guard_numerals("九五"), "一九五八年，“九五”计划"))
    1
    """
    try:
        parsed = _parser.parse(pattern)
        items, verbose = list(parsed), bool(parsed.state.flags & re.VERBOSE)
        start, end = _may_be_numeral(items, last=False), _may_be_numeral(items, last=True)
    except re.error:
        raise
    except Exception:  # pragma: no cover - an internal module: if it changes, guard both sides
        items, verbose, start, end = [], bool(re.compile(pattern).flags & re.VERBOSE), True, True
    if not (start or end):
        return pattern
    end_guard = _END_GUARD if end else ""
    first = pattern[:1]
    if (start and first in _NUMERAL_SET and items and items[0] == (_constants.LITERAL, ord(first))
            and not _top_level_alternation(pattern)):
        # The same test after the first character, a literal numeral: a search can then skip ahead to it
        # (a pattern that begins with a lookaround is tried at every position, 25 times slower).
        return f"{first}(?<![{NUMERALS}0-9]{first}){pattern[1:]}{end_guard}"
    flags = _GLOBAL_FLAGS.match(pattern)
    prefix, body = (flags.group(), pattern[flags.end():]) if flags else ("", pattern)
    newline = "\n" if verbose else ""  # a trailing comment must not swallow the ")"
    return f"{prefix}{_START_GUARD if start else ''}(?:{body}{newline}){end_guard}"


def term_pattern(pattern: str) -> str:
    """How a term, a KWIC pattern or an era marker is matched on ``text_clean``: in either script, never
    inside a run of numerals (:func:`script_neutral_pattern`, then :func:`guard_numerals`)."""
    return guard_numerals(script_neutral_pattern(pattern))


STEPS: tuple[Callable[[str], str], ...] = (
    drop_zero_width,
    normalize_width,
    unify_whitespace,
    remove_residue_lines,
    join_broken_lines,
    remove_residue_lines,  # again: a row of page buttons can itself be broken over lines
    to_simplified,  # on the text that stays (idempotent), before the placeholders (X射線 is not X射线)
    unify_zeros,  # after the widths (０ is 0), before the placeholders (○ is one too)
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


_HAN_RANGES = np.array([[0x3400, 0x4DBF], [0x4E00, 0x9FFF], [0xF900, 0xFAFF], [0x20000, 0x3134F]], dtype=np.uint32)


def count_han(text: str) -> int:
    """Number of Han characters in ``text`` (the ranges of :data:`HAN`)."""
    if len(text) < 256:  # a paragraph: the regular expression is quicker than building an array
        return len(_HAN_RE.findall(text))
    # A whole speech: its code points compared in bulk, ~50x quicker (1,000 speeches: 0.75 s -> 0.02 s).
    return int(np.count_nonzero(_is_han(_code_points(text))))


def _code_points(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


def _is_han(points: np.ndarray) -> np.ndarray:
    is_han = np.zeros(len(points), dtype=bool)
    for low, high in _HAN_RANGES:
        is_han |= (points >= low) & (points <= high)
    return is_han


def han_per_paragraph(text_clean: str) -> list[int]:
    """Han characters in each paragraph of :func:`paragraphs_of`, counted over the whole text at once.

    >>> han_per_paragraph("同志们：\\n\\n今年是“十一五”开局之年。\\nabc")
    [3, 10, 0]
    """
    points = _code_points(text_clean)
    running = np.concatenate([[0], np.cumsum(_is_han(points))])
    breaks = np.flatnonzero(points == ord("\n"))
    starts, ends = np.concatenate([[0], breaks + 1]), np.concatenate([breaks, [len(points)]])
    filled = ends > starts  # paragraphs_of drops empty lines
    return (running[ends[filled]] - running[starts[filled]]).tolist()


def _clean_with_script(text: str) -> tuple[str, str]:
    """:func:`clean_text` with :data:`STEPS`, and the script :func:`to_simplified` found on its way."""
    script = "simplified"
    for step in STEPS:
        if step is to_simplified:
            text, script = _simplify(text)
        else:
            text = step(text)
    return text, script


_READ_ENTRIES = 500  # cache entries read at once (clean_docs)


def clean_docs(docs: pd.DataFrame, *, cache: SpeechCache | None = None,
               data_dir: str | Path | None = None) -> pd.DataFrame:
    """Add ``text_clean``, ``n_han`` and ``script`` to a docs frame (``text`` is kept as is).

    With a ``cache`` (:class:`corpus.speechcache.SpeechCache`), each speech is
    cleaned once: its result is stored under a hash of its text and of the
    cleaning rules (this module's source and OpenCC's version), and later
    runs read it back.

    Docs loaded without their texts (``text_sha256`` instead of ``text``, :func:`corpus.load.inspect_corpus`)
    need ``data_dir``: a speech the cache does not hold is read from its file there
    (:func:`corpus.load.read_doc_text`).
    """
    # Every text as a Python string is ~2 bytes a character (380 MB at 30,000 speeches), and so is every cleaned
    # one: the raw texts are taken one at a time, and cleaned texts read back from the cache go from their Arrow
    # entries into the column without becoming Python strings.
    keys = clean_keys_of(docs) if cache is not None else []
    chunks, scripts, n_han, n_cached = [], [], [], 0
    for lo in range(0, len(docs), _READ_ENTRIES):  # a slice at a time: the column is never held twice
        stored = cache.get(keys[lo:lo + _READ_ENTRIES]) if cache is not None else {}
        n_cached += len(stored)
        cleaned, new = [], {}
        for i in range(lo, min(lo + _READ_ENTRIES, len(docs))):
            entry = stored.get(keys[i]) if keys else None
            if entry is not None:
                cleaned.append(entry.column("text_clean").combine_chunks().cast(pa.large_string()))
                script, count = entry.column("script")[0].as_py(), entry.column("n_han")[0].as_py()
            else:
                text_clean, script, count = clean_one(raw_text(docs, i, data_dir=data_dir))
                cleaned.append(pa.array([text_clean], pa.large_string()))
                if keys:
                    new[keys[i]] = clean_entry(text_clean, script, count)
            scripts.append(script)
            n_han.append(count)
        if cache is not None:
            cache.put(new)
        if cleaned:
            chunks.append(pa.concat_arrays(cleaned))
        del cleaned, stored
    column = pa.chunked_array(chunks, pa.large_string())
    text_clean = column.to_pandas(types_mapper={pa.large_string(): pd.StringDtype(na_value=np.nan)}.get)
    text_clean.index = docs.index  # positions, not labels: the docs may be a selection
    frame = docs.assign(text_clean=text_clean, n_han=n_han, script=scripts)
    frame.attrs["clean_cached"] = n_cached  # how many speeches were read back rather than cleaned
    return frame


def clean_batches(docs: pd.DataFrame, *, cache: SpeechCache | None = None, data_dir: str | Path | None = None,
                  size: int = 500) -> Iterator[pd.DataFrame]:
    """Consecutive slices of ``docs`` with their ``text_clean``, ``size`` speeches at a time.

    Docs that hold ``text_clean`` are sliced as they are; others are cleaned slice by slice
    (:func:`clean_docs`, with ``cache`` and ``data_dir``): read back from the cache, so that a caller going
    through every cleaned text never holds all of them (at 100,000 speeches they are ~1.9 GB).
    """
    for lo in range(0, len(docs), size):
        part = docs.iloc[lo:lo + size]
        yield part if "text_clean" in part.columns else clean_docs(part, cache=cache, data_dir=data_dir)


def raw_text(docs: pd.DataFrame, position: int, *, data_dir: str | Path | None) -> str:
    """The raw text of the speech at ``position``: its ``text``, or, for docs loaded without texts, its file in
    ``data_dir`` read again (:func:`corpus.load.read_doc_text`)."""
    if "text" in docs.columns:
        return docs["text"].iat[position]
    if data_dir is None:
        raise ValueError("docs loaded without texts (text_sha256) need data_dir to read them")
    return read_doc_text(data_dir, docs["file"].iat[position], sha256=docs["text_sha256"].iat[position])


def clean_one(text: str) -> tuple[str, str, int]:
    """``text_clean, script, n_han`` of one raw text: what :func:`clean_docs` adds for each speech."""
    text_clean, script = _clean_with_script(text)
    return text_clean, script, count_han(text_clean)


def clean_keys(texts: Iterable[str]) -> list[str]:
    """The cache key of each raw text's cleaning (:func:`clean_docs`): the text and the cleaning rules."""
    rules = _cleaning_rules()
    return [entry_key(text, rules) for text in texts]


def clean_keys_of(docs: pd.DataFrame) -> list[str]:
    """:func:`clean_keys` of a docs frame's texts, from ``text`` or, loaded without texts, ``text_sha256``."""
    if "text" in docs.columns:
        return clean_keys(docs["text"])
    rules = hashlib.sha256(_cleaning_rules().encode()).digest()
    return [digest_key(bytes.fromhex(digest), rules) for digest in docs["text_sha256"]]


def clean_entry(text_clean: str, script: str, n_han: int) -> pa.Table:
    """A speech's cleaning as the cache stores it: one row ``text_clean, script, n_han``."""
    return pa.table({"text_clean": [text_clean], "script": [script], "n_han": [n_han]})


def _cleaning_rules() -> str:
    """What a cleaned text depends on besides the text: this module's source and the OpenCC version."""
    return entry_key(Path(__file__).read_bytes(), config.package_version("opencc") or "")


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


def split_paragraphs(docs: pd.DataFrame, *, text: bool = True) -> pd.DataFrame:
    """One row per paragraph of ``text_clean``, with its section and kind.

    Parameters
    ----------
    docs : pandas.DataFrame
        A docs frame with ``text_clean`` (see :func:`clean_docs`).
    text : bool
        Keep each paragraph's text (the ``text`` column). Without it, the
        paragraphs' strings are freed speech by speech (at 10,000 speeches
        they are ~250,000 strings, ~200 MB).

    Returns
    -------
    pandas.DataFrame
        The paragraphs frame described in the module docstring (without ``text`` if so asked).
    """
    rows = []
    for doc_id, text_clean in zip(docs["id"], docs["text_clean"], strict=True):
        section, heading, before_body, closed = 0, "", True, False
        n_han = han_per_paragraph(text_clean)  # at 10,000 speeches, one count per paragraph took 4 s
        for para, paragraph in enumerate(paragraphs_of(text_clean)):
            kind = _kind(paragraph, before_body=before_body)
            if kind == "heading":
                section, heading = section + 1, paragraph
            elif kind == "body" and section > 0 and not closed and _SALUTATION_RE.match(paragraph):
                section, heading, closed = section + 1, "结束语", True
            if kind in ("salutation", "body", "heading"):
                before_body = False
            rows.append((doc_id, section, heading, para, kind, paragraph if text else None, n_han[para]))
    frame = pd.DataFrame(rows, columns=["doc_id", "section", "heading", "para", "kind", "text", "n_han"])
    return frame if text else frame.drop(columns="text")


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
