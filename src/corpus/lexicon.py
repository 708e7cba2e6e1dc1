"""Grow and check the domain lexicon: suggest new terms, audit the ones we have.

:func:`suggest_terms` mines a corpus for candidates not yet in the lexicon;
:func:`audit_lexicon` finds lexicon terms that occur in the text but do not
come out as one token, and says why. Both return frames; the command line
prints them (``corpus lexicon suggest``, ``corpus lexicon audit``).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict

import pandas as pd

from .clean import HAN
from .segment import (
    Segmenter,
    make_segmenter,
    paragraphs_of,
    read_lexicon,
    read_stopwords,
)

_QUOTED = re.compile(f"“([{HAN}0-9A-Za-z]{{2,12}})”")
_NUMBERED = re.compile(f"(?<![{HAN}])((?:两|[二三四五六七八九十])个[{HAN}]{{2}}|[一二三四五六七八九十][{HAN}])(?=[”、，。；])")
_SENTENCE_END = re.compile("[。！？；]")


def _sentence(text: str, start: int, end: int, *, width: int = 40) -> str:
    """The sentence around ``text[start:end]``, at most ``width`` characters on each side."""
    left = max((m.end() for m in _SENTENCE_END.finditer(text, 0, start)), default=0)
    right = next((m.end() for m in _SENTENCE_END.finditer(text, end)), len(text))
    return text[max(left, start - width):min(right, end + width)]


def suggest_terms(
    docs: pd.DataFrame,
    *,
    segmenter: Segmenter | None = None,
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

    Returns
    -------
    pandas.DataFrame
        ``term, source, count, docs, example``; quoted and numbered first,
        then by count.
    """
    segmenter = segmenter or make_segmenter()
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
    for doc_id, text in zip(docs["id"], docs["text_clean"]):
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
    frame = frame.assign(_rank=rank).sort_values(["_rank", "count", "term"], ascending=[True, False, True], kind="stable")
    return frame.drop(columns="_rank").drop_duplicates("term").reset_index(drop=True)


def audit_lexicon(
    docs: pd.DataFrame,
    *,
    segmenter: Segmenter | None = None,
    lexicon: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Lexicon terms that occur in the text but do not always come out as one token.

    Each occurrence of a term in a paragraph is compared with the tokens that
    cover it: one token equal to the term is whole; one longer token holding
    it is "inside"; anything else is "split", because a neighbouring word won
    (自主/创新能力: jieba prefers 创新能力).

    Returns
    -------
    pandas.DataFrame
        ``term, category, occurrences, whole, inside, split, reason``,
        one row per term that is not always whole, most split first.
    """
    segmenter = segmenter or make_segmenter()
    lexicon = read_lexicon() if lexicon is None else lexicon
    category = dict(zip(lexicon["term"], lexicon["category"]))
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
                    entry = stats.setdefault(term, {"occurrences": 0, "whole": 0, "inside": Counter(), "split": Counter()})
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
    return frame.sort_values(["split", "inside", "term"], ascending=[False, False, True], kind="stable").reset_index(drop=True)
