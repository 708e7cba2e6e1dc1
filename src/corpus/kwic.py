"""Keyword in context on the cleaned, unsegmented text.

:func:`kwic` returns one row per match: ``doc_id, year, era, start, left,
match, right`` (``start`` is the offset in ``text_clean``). Working on the text rather than on tokens means a pattern
finds 高质量发展 even where segmentation would cut it, and a quotation can be
copied as the speech has it. Paragraph breaks show as ``¶``. A pattern may be
written in either script and never matches inside a longer run of numerals
(九五 finds “九五”计划, not 一九五八年), as in :func:`corpus.features.parse_terms`.
A pattern has a time budget over all the speeches (:func:`corpus.features.pattern_budget`), so that a
catastrophic one such as ``(a|aa)+b`` ends in an error instead of running for ever.
"""

from __future__ import annotations

import pandas as pd

from .errors import CorpusError
from .features import BoundedPattern, parse_terms, pattern_budget

PARAGRAPH_MARK = "¶"


def kwic(docs: pd.DataFrame, pattern: str, *, width: int = 20) -> pd.DataFrame:
    """Every match of ``pattern`` with ``width`` characters of context on each side.

    Parameters
    ----------
    docs : pandas.DataFrame
        A cleaned docs frame (``id, year, era, text_clean``), in the order rows should come.
    pattern : str
        A literal or a regular expression (``"NAME=PATTERN"`` is accepted too), in either script.
    width : int
        Characters of context on each side.

    Returns
    -------
    pandas.DataFrame
        ``doc_id, year, era, start, left, match, right``.

    Raises
    ------
    CorpusError
        For a negative ``width``, an invalid regular expression, or one that takes longer than
        :func:`corpus.features.pattern_budget` of the texts' length over all of them.

    Examples
    --------
    >>> kwic(docs, "十二五", width=6)                      # doctest: +SKIP
      doc_id  year   era  start    left match   right
    0    002  2011  2011     39  刚刚闭幕、我县“  十二五  ”大幕刚刚开
    """
    if width < 0:
        raise CorpusError(f"width must be at least 0 characters of context, not {width}")
    (compiled,) = parse_terms([pattern]).values()
    bounded = BoundedPattern(compiled, pattern, seconds=pattern_budget(int(docs["text_clean"].str.len().sum())))
    rows = []
    for doc in docs[["id", "year", "era", "text_clean"]].itertuples(index=False):
        text = doc.text_clean
        for match in bounded.matches(text, where=f"speech {doc.id}"):
            start, end = match.span()
            rows.append((doc.id, doc.year, doc.era, start, _flat(text[max(0, start - width):start]),
                         _flat(match.group()), _flat(text[end:end + width])))
    return pd.DataFrame(rows, columns=["doc_id", "year", "era", "start", "left", "match", "right"])


def _flat(text: str) -> str:
    return text.replace("\n\n", PARAGRAPH_MARK).replace("\n", PARAGRAPH_MARK)
