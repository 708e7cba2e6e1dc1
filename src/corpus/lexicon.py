"""The domain lexicon and the stopwords: read them, grow the lexicon, audit it.

The lexicon of slogans (提法) keeps 高质量发展 or 两个维护 whole when
segmenting; the stopwords flag the genre's fillers. Both ship with the
package (``corpus/resources/``) and a data folder may override them with its
own ``lexicon/lexicon.tsv`` and ``lexicon/stopwords.txt``.

:func:`read_lexicon` gives the lexicon frame, one row per term:
``term, category, freq``. :func:`read_stopwords` gives a set of words and
:func:`mark_stopwords` flags tokens. :func:`suggest_terms` mines a corpus for
candidates not yet in the lexicon; :func:`audit_lexicon` finds lexicon terms
that occur in the text but do not come out as one token, and says why. Both
take a segmenter (:func:`corpus.segment.make_segmenter`) and return frames;
the command line prints them (``corpus lexicon suggest``, ``corpus lexicon audit``).

Numbers are not words: a token without a Han character or a Latin letter
(2023, 116.5, □) and a number in Chinese numerals (:func:`is_number_token`:
一九五八年, 二三年, 三千万, 十二亿, 十四年) are flagged like stopwords, so
keyness, TF-IDF and topics leave them out; lexicon terms (十五, 十二五,
两个维护, 十九大) stay words.
"""

from __future__ import annotations

import bisect
import functools
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from importlib.resources.abc import Traversable
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from . import config
from .arrays import encode_strings
from .clean import HAN, paragraphs_of
from .errors import CorpusError
from .files import data_resource

LEXICON_CATEGORIES = ("slogan", "formula", "plan", "congress", "theory", "institution", "event", "campaign")
LEXICON_COLUMNS = ("term", "category", "freq")

_TERM_RE = re.compile(r"[\u3400-\u9fffA-Za-z0-9]+")
# A token without a Han character or a Latin letter is punctuation, a number or □.
_CONTENT_RE = r"[\p{Han}A-Za-z]"

# Numbers in Chinese numerals, as jieba cuts them (RE2 syntax: pyarrow matches it on each distinct token).
_DIGIT = "一二三四五六七八九两"
_DIGITS = "[〇零一二三四五六七八九]"
# 十二, 二十五, 一千零七, 三千万, 十二亿, 两千万: never two digits side by side (十二五 is a plan, not a number),
# never beginning with 百, 千, 万 or 亿 (百年, 千万 "by all means", 万岁, 亿万 are words).
_POSITIONAL = f"(?:[{_DIGIT}]?十|[{_DIGIT}][百千万亿])(?:[{_DIGIT}]?[十百千万亿]|[〇零])*[{_DIGIT}]?"
# A number may end with an approximation and one unit of time, measure or money: 十多年, 五十年代, 两个, 三倍.
NUMBER_UNITS = ("周年", "年代", "年间", "世纪", "年", "月", "日", "号", "天", "倍", "个", "次", "岁", "元", "人", "名")
_SUFFIX = f"[多余几]?(?:{'|'.join(NUMBER_UNITS)})?"
# Digit by digit: four or more (一九五八), or three that begin a year (一九七 / 〇 / 年, as jieba cuts 一九七〇年);
# not 五一六, 九一八, 一二九: names of events.
_DIGIT_RUN = f"(?:{_DIGITS}{{4,}}|(?:一九|二[〇零]){_DIGITS})"
_NUMBER = f"(?:{_POSITIONAL}|{_DIGIT_RUN}|[〇零{_DIGIT}])"
NUMBER_TOKEN_RE = (
    f"^(?:{_NUMBER}{_SUFFIX}"  # 十四年, 三千万, 一九五八年, 一九七, 一, 两个
    f"|{_DIGITS}{{2}}年"  # 二三年 (jieba: 二 / 〇 / 二三年); two digits alone are names: 九五, 五四, 九二共识
    f"|[十百千万亿]"  # 亿 cut from 十一 / 亿
    f"|(?:百分之|千分之|{_NUMBER}分之){_NUMBER})$"  # 百分之九十五, 三分之一
)
_NUMBER_TOKEN = re.compile(NUMBER_TOKEN_RE)


# The largest lexicon frequency accepted (the segmenters use 64-bit weights).
MAX_FREQ = 10**12


def lexicon_file(data_dir: str | Path | None = None) -> Path | Traversable:
    """The lexicon of a data folder (``DIR/lexicon/lexicon.tsv``), else the shipped one."""
    return data_resource(data_dir, config.LEXICON_FILE)


def stopwords_file(data_dir: str | Path | None = None) -> Path | Traversable:
    """The project stopwords of a data folder (``DIR/lexicon/stopwords.txt``), else the shipped one."""
    return data_resource(data_dir, config.STOPWORDS_FILE)


def _resource(path: str | Path | Traversable | None, name: str) -> Path | Traversable:
    """``path`` as given, or the shipped resource ``name``."""
    if path is None:
        return config.resource(name)
    return Path(path) if isinstance(path, str) else path


def _read_lines(path: Path | Traversable) -> list[str]:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise CorpusError(f"{path}: not found") from None
    try:
        # utf-8-sig strips a BOM and splitlines() a CR: jieba would keep them in the term.
        return raw.decode("utf-8-sig").splitlines()
    except UnicodeDecodeError as err:
        raise CorpusError(f"{path}: not UTF-8 (byte {err.start}); save it as UTF-8") from None


def read_lexicon(path: str | Path | None = None) -> pd.DataFrame:
    """Read a lexicon file: ``term<TAB>category[<TAB>freq]`` per line, ``#`` comments.

    ``freq`` is optional: without it jieba's suggested frequency is used
    (just enough to keep the term whole, and never lower than a frequency
    jieba already has); give one only where a neighbouring word still wins.

    Returns
    -------
    pandas.DataFrame
        ``term, category, freq`` (``freq`` is 0 where not given), one row per
        entry, in file order.

    Raises
    ------
    CorpusError
        Naming the line, for a line without exactly two fields, a term with
        spaces or punctuation (jieba cannot keep it whole), an unknown
        category or a duplicate term.
    """
    path = _resource(path, config.LEXICON_FILE)
    rows, seen = [], {}
    for number, line in enumerate(_read_lines(path), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        fields = line.split("\t")
        where = f"{path} line {number}"
        if len(fields) not in (2, 3):
            raise CorpusError(f"{where}: expected 'term<TAB>category[<TAB>freq]', found {len(fields)} field(s)")
        term, category = fields[0].strip(), fields[1].strip()
        freq = fields[2].strip() if len(fields) == 3 else "0"
        if not freq.isdigit() or not freq.isascii():
            raise CorpusError(f"{where}: frequency {freq!r} is not a whole number")
        if int(freq) > MAX_FREQ:  # rjieba holds 64 bits; past jieba's own scale a weight means nothing more
            raise CorpusError(f"{where}: frequency {freq} is out of range; give a whole number from 1 to "
                              f"{MAX_FREQ:_} (jieba's most frequent word has 318_825), or none for the suggested one")
        if not _TERM_RE.fullmatch(term):
            raise CorpusError(f"{where}: term {term!r} may hold only Han characters, letters and digits")
        if category not in LEXICON_CATEGORIES:
            raise CorpusError(f"{where}: category {category!r} is not one of {', '.join(LEXICON_CATEGORIES)}")
        if term in seen:
            raise CorpusError(f"{where}: {term!r} is already on line {seen[term]}; keep one")
        seen[term] = number
        rows.append((term, category, int(freq)))
    return pd.DataFrame(rows, columns=list(LEXICON_COLUMNS))


def general_stopwords() -> frozenset[str]:
    """The general Chinese stopword list of ``stopwordsiso`` (MIT), or empty if not installed."""
    try:
        from stopwordsiso import stopwords
    except ImportError:  # pragma: no cover - a declared dependency
        return frozenset()
    return frozenset(stopwords("zh"))


def read_stopwords(path: str | Path | None = None) -> frozenset[str]:
    """General list plus the project file; ``-词`` lines take a word out.

    Punctuation, numbers and the placeholder need no entry: :func:`mark_stopwords`
    treats every token without a Han character or a Latin letter as a stopword.
    """
    path = _resource(path, config.STOPWORDS_FILE)
    words = set(general_stopwords())
    for line in _read_lines(path):
        line = line.split("#", 1)[0].strip()
        if line.startswith("-"):
            words.discard(line[1:].strip())
        elif line:
            words.add(line)
    return frozenset(words)


def is_number_token(token: str) -> bool:
    """Is this token a number written in Chinese numerals (a date, a quantity), not a word?

    Numbers: digits read one by one, at least four (一九五八), three that
    begin a year (一九七 cut from 一九七〇年) or two before 年 (二三年);
    positional numbers (十二, 二十一,
    三千万, 十二亿, 一千零七); a single numeral (〇, 二, 亿); each optionally
    followed by 多/余/几 and one of :data:`NUMBER_UNITS` (十四年, 十多年,
    五十年代, 两个, 三倍); fractions (百分之九十五, 三分之一). Not numbers:
    two digits alone (九五, 五四, 九二: names of plans, movements, consensus)
    and three that do not begin a year (五一六, 九一八: events),
    digit runs inside a positional number (十二五, 十四五: plans), words
    beginning with 百/千/万/亿 (百年, 千万, 万岁, 亿万), ordinals (第十九届)
    and numerals with other characters (十九大, 两个维护, 十分, 十三届).
    Lexicon terms that look like numbers (十五, the plan) are kept as words
    by :func:`mark_stopwords`.

    Examples
    --------
    >>> [is_number_token(t) for t in ("一九五八年", "三千万", "十二亿", "十五", "十二五", "九五", "万岁")]
    [True, True, True, True, False, False, False]
    """
    return bool(_NUMBER_TOKEN.match(token))


@functools.cache
def _shipped_terms() -> frozenset[str]:
    return frozenset(read_lexicon()["term"])


def mark_stopwords(
    tokens: pa.Array | Iterable[str],
    stopwords: frozenset[str],
    *,
    keep: Iterable[str] | None = None,
) -> np.ndarray:
    """Boolean array: is each token a stopword, punctuation, a number or □?

    Numbers are tokens without a Han character or a Latin letter (2023, 116.5)
    and numbers in Chinese numerals (:func:`is_number_token`), except the
    terms in ``keep``: the lexicon terms (default: the shipped lexicon's), so
    that the plan 十五 stays a word while 十四年 and 一九五八年 do not.
    """
    tokens = tokens if isinstance(tokens, pa.Array | pa.ChunkedArray) else pa.array(list(tokens), pa.string())
    # Decide once per distinct token, then spread: a corpus repeats its words.
    words, codes = encode_strings(tokens)
    if not len(codes):
        return np.zeros(0, dtype=bool)
    in_list = pc.is_in(words, value_set=pa.array(sorted(stopwords), pa.string()))
    no_content = pc.invert(pc.match_substring_regex(words, pattern=_CONTENT_RE))
    number = pc.match_substring_regex(words, pattern=NUMBER_TOKEN_RE)
    keep = _shipped_terms() if keep is None else frozenset(keep)
    if keep:
        number = pc.and_(number, pc.invert(pc.is_in(words, value_set=pa.array(sorted(keep), pa.string()))))
    return pc.or_(pc.or_(in_list, no_content), number).to_numpy(zero_copy_only=False)[codes]


def genre_words(path: str | Path | None = None) -> tuple[str, ...]:
    """Multi-character Han entries of the project stopword file (同志们, 各位代表, 一是).

    They are added to the segmenter too, so that they come out whole (plain
    jieba cuts 同志/们) and can then be flagged as stopwords.
    """
    path = _resource(path, config.STOPWORDS_FILE)
    words = (line.split("#", 1)[0].strip() for line in _read_lines(path))
    return tuple(w for w in words if len(w) >= 2 and _TERM_RE.fullmatch(w))


# --------------------------------------------------------------------------- growing and checking the lexicon

_QUOTED = re.compile(f"“([{HAN}0-9A-Za-z]{{2,12}})”")
_NUMBERED = re.compile(f"(?<![{HAN}])((?:两|[二三四五六七八九十])个[{HAN}]{{2}}|[一二三四五六七八九十][{HAN}])"
                       "(?=[”、，。；])")
_SENTENCE_END = re.compile("[。！？；]")


def _sentence(text: str, start: int, end: int, *, width: int = 40) -> str:
    """The sentence around ``text[start:end]``, at most ``width`` characters on each side.

    Only ``width`` characters on each side are searched for the sentence's
    ends, so the cost does not grow with the text (a speech may be one line
    of a million characters).

    Examples
    --------
    >>> _sentence("前文。坚持两个同心，再出发。后文", 5, 9)
    '坚持两个同心，再出发。'
    """
    left = max((m.end() for m in _SENTENCE_END.finditer(text, max(0, start - width), start)), default=0)
    right = next((m.end() for m in _SENTENCE_END.finditer(text, end, end + width)), len(text))
    return text[max(left, start - width):min(right, end + width)]


def suggest_terms(
    docs: pd.DataFrame,
    *,
    segmenter,
    stopwords: frozenset[str] | None = None,
    min_count: int = 3,
    max_ngram: int = 3,
) -> pd.DataFrame:
    """Candidate terms for the lexicon, mined from the cleaned texts.

    Three sources: phrases in quotation marks (“职工之家”, “3341”); numbered
    formulas (两个维护, 三个始终, 四敢); and sequences of 2 to ``max_ngram``
    content tokens that occur at least ``min_count`` times (a phrase the
    segmenter splits, such as 劳动/关系/和谐). Terms already in the lexicon
    are left out; quoted and numbered terms are kept even when jieba happens
    to keep them whole (its HMM guesses 四敢; the lexicon makes it certain).

    Parameters
    ----------
    docs : pandas.DataFrame
        A cleaned docs frame (``id``, ``text_clean``).
    segmenter : corpus.segment.Segmenter
        The segmenter whose splits are checked; its ``terms`` count as known.
    stopwords : frozenset of str, optional
        Default: :func:`read_stopwords`.
    min_count, max_ngram : int
        The least count and the most tokens of a frequent phrase.

    Returns
    -------
    pandas.DataFrame
        ``term, source, count, docs, example``; quoted and numbered first,
        then by count.
    """
    stopwords = read_stopwords() if stopwords is None else stopwords
    known = set(segmenter.terms)
    found: dict[tuple[str, str], list] = {}

    def note(term: str, source: str, doc_id: str, example: str) -> None:
        entry = found.setdefault((term, source), [0, set(), example])
        entry[0] += 1
        entry[1].add(doc_id)

    ngrams: Counter = Counter()
    where: dict[str, tuple[str, str]] = {}
    ngram_docs: defaultdict[str, set] = defaultdict(set)
    for doc_id, text in zip(docs["id"], docs["text_clean"], strict=True):
        for pattern, source in ((_QUOTED, "quoted"), (_NUMBERED, "numbered")):
            for match in pattern.finditer(text):
                note(match.group(1), source, doc_id, _sentence(text, *match.span(1)))
        for paragraph in paragraphs_of(text):
            spans = segmenter.spans(paragraph)
            for i in range(len(spans)):
                for n in range(2, max_ngram + 1):
                    window = spans[i:i + n]
                    if len(window) < n or any(t in stopwords or not re.search(f"[{HAN}]", t) for t, _, _ in window):
                        break
                    if window[-1][1] != window[-2][2]:
                        break  # whitespace between: not a phrase
                    term = "".join(t for t, _, _ in window)
                    ngrams[term] += 1
                    ngram_docs[term].add(doc_id)
                    if term not in where:
                        where[term] = (doc_id, _sentence(paragraph, window[0][1], window[-1][2]))
    for term, count in ngrams.items():
        if count >= min_count:
            found[(term, "ngram")] = [count, ngram_docs[term], where[term][1]]
    rows = [
        (term, source, count, len(doc_ids), example)
        for (term, source), (count, doc_ids, example) in found.items()
        if term not in known and (source != "ngram" or len(segmenter.cut(term)) > 1)
    ]
    frame = pd.DataFrame(rows, columns=["term", "source", "count", "docs", "example"])
    rank = frame["source"].map({"quoted": 0, "numbered": 0, "ngram": 1})
    frame = frame.assign(_rank=rank).sort_values(["_rank", "count", "term"], ascending=[True, False, True],
                                                 kind="stable")
    return frame.drop(columns="_rank").drop_duplicates("term").reset_index(drop=True)


def _covering(spans: list[tuple[str, int, int]], ends: list[int], start: int, end: int) -> list[tuple[str, int, int]]:
    """The spans that overlap ``[start, end)``, found by bisection: a paragraph may have a million spans.

    ``spans`` are in text order and disjoint; ``ends`` are their end offsets.

    Examples
    --------
    >>> spans = [("自主", 0, 2), ("创新能力", 2, 6), ("。", 6, 7)]
    >>> _covering(spans, [2, 6, 7], 0, 4)
    [('自主', 0, 2), ('创新能力', 2, 6)]
    """
    i = bisect.bisect_right(ends, start)
    cover = []
    while i < len(spans) and spans[i][1] < end:
        cover.append(spans[i])
        i += 1
    return cover


def audit_lexicon(
    docs: pd.DataFrame,
    *,
    segmenter,
    lexicon: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Lexicon terms that occur in the text but do not always come out as one token.

    Each occurrence of a term in a paragraph is compared with the tokens that
    cover it: one token equal to the term is whole; one longer token holding
    it is "inside"; anything else is "split", because a neighbouring word won
    (自主/创新能力: jieba prefers 创新能力).

    Parameters
    ----------
    docs : pandas.DataFrame
        A cleaned docs frame (``text_clean``).
    segmenter : corpus.segment.Segmenter
        The segmenter to audit.
    lexicon : pandas.DataFrame, optional
        The lexicon frame; default: :func:`read_lexicon`.

    Returns
    -------
    pandas.DataFrame
        ``term, category, occurrences, whole, inside, split, reason``,
        one row per term that is not always whole, most split first.
    """
    lexicon = read_lexicon() if lexicon is None else lexicon
    category = dict(zip(lexicon["term"], lexicon["category"], strict=True))
    known = set(segmenter.terms)
    stats: dict[str, dict] = {}
    for text in docs["text_clean"]:
        for paragraph in paragraphs_of(text):
            present = [t for t in category if t in paragraph]
            if not present:
                continue
            spans = segmenter.spans(paragraph)
            ends = [e for _, _, e in spans]  # in order, as the spans are
            for term in present:
                for match in re.finditer(re.escape(term), paragraph):
                    start, end = match.span()
                    cover = _covering(spans, ends, start, end)
                    entry = stats.setdefault(term, {"occurrences": 0, "whole": 0, "inside": Counter(),
                                                    "split": Counter()})
                    entry["occurrences"] += 1
                    if len(cover) == 1 and cover[0][1:] == (start, end):
                        entry["whole"] += 1
                    elif len(cover) == 1:
                        entry["inside"][cover[0][0]] += 1
                    else:
                        entry["split"]["/".join(t for t, _, _ in cover)] += 1
    rows = []
    for term, entry in stats.items():
        if entry["whole"] == entry["occurrences"]:
            continue
        reasons = []
        for token, n in entry["inside"].most_common():
            kind = "lexicon term" if token in known else "jieba word"
            reasons.append(f"inside {kind} {token} ×{n}")
        for tokens, n in entry["split"].most_common():
            longer = [t for t in tokens.split("/") if len(t) > 1 and t not in term]
            why = f"jieba prefers {'/'.join(longer)}" if longer else "split by jieba"
            reasons.append(f"{tokens} ({why}) ×{n}")
        rows.append((term, category[term], entry["occurrences"], entry["whole"], sum(entry["inside"].values()),
                     sum(entry["split"].values()), "; ".join(reasons)))
    frame = pd.DataFrame(rows, columns=["term", "category", "occurrences", "whole", "inside", "split", "reason"])
    frame = frame.sort_values(["split", "inside", "term"], ascending=[False, False, True], kind="stable")
    return frame.reset_index(drop=True)
