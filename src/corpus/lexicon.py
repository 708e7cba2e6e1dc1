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
"""

from __future__ import annotations

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
        if not _TERM_RE.fullmatch(term):
            raise CorpusError(f"{where}: term {term!r} may hold only Han characters, letters and digits")
        if category not in LEXICON_CATEGORIES:
            raise CorpusError(f"{where}: category {category!r} is not one of {', '.join(LEXICON_CATEGORIES)}")
        if term in seen:
            raise CorpusError(f"{where}: {term!r} is already on line {seen[term]}; keep one")
        seen[term] = number
        rows.append((term, category, int(freq)))
    return pd.DataFrame(rows, columns=["term", "category", "freq"])


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


def mark_stopwords(tokens: pa.Array | Iterable[str], stopwords: frozenset[str]) -> np.ndarray:
    """Boolean array: is each token a stopword, punctuation, a number or □?"""
    tokens = tokens if isinstance(tokens, pa.Array | pa.ChunkedArray) else pa.array(list(tokens), pa.string())
    # Decide once per distinct token, then spread: a corpus repeats its words.
    words, codes = encode_strings(tokens)
    in_list = pc.is_in(words, value_set=pa.array(sorted(stopwords), pa.string()))
    no_content = pc.invert(pc.match_substring_regex(words, pattern=_CONTENT_RE))
    return pc.or_(in_list, no_content).to_numpy(zero_copy_only=False)[codes] if len(codes) else np.zeros(0, dtype=bool)


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
    """The sentence around ``text[start:end]``, at most ``width`` characters on each side."""
    left = max((m.end() for m in _SENTENCE_END.finditer(text, 0, start)), default=0)
    right = next((m.end() for m in _SENTENCE_END.finditer(text, end)), len(text))
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
                    where.setdefault(term, (doc_id, _sentence(paragraph, window[0][1], window[-1][2])))
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
            for term in present:
                for match in re.finditer(re.escape(term), paragraph):
                    start, end = match.span()
                    cover = [(t, s, e) for t, s, e in spans if s < end and e > start]
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
