"""corpus: how the language of Chinese political speeches changes across eras.

The pipeline, one module per stage, each importing only those before it::

    load -> clean -> lexicon -> segment -> features/keyness -> topics -> dating -> plots -> report

>>> from corpus import load_docs, clean_docs
>>> docs = clean_docs(load_docs("data"))     # doctest: +SKIP
"""

from .clean import clean_docs, clean_text, split_paragraphs, split_sections
from .errors import CorpusError
from .load import inspect_corpus, load_docs, with_eras

__all__ = [
    "CorpusError",
    "clean_docs",
    "clean_text",
    "inspect_corpus",
    "load_docs",
    "split_paragraphs",
    "split_sections",
    "with_eras",
]
__version__ = "0.1.0"
