"""corpus: how the language of Chinese political speeches changes across eras.

The pipeline, one module per stage, each importing only those before it::

    load -> clean -> lexicon -> segment -> features/keyness -> topics -> dating -> plots -> report

>>> from corpus import load_docs, clean_docs
>>> docs = clean_docs(load_docs("data"))     # doctest: +SKIP
"""

from importlib import import_module

from .errors import CorpusError

# Loaded on first use (PEP 562): `corpus --help` and `corpus kwic` need not import pandas through this file.
_LAZY = {"clean_docs": "clean", "clean_text": "clean", "split_paragraphs": "clean", "split_sections": "clean",
         "inspect_corpus": "load", "load_docs": "load", "with_eras": "load"}

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


def __getattr__(name: str):
    if name in _LAZY:
        value = getattr(import_module(f".{_LAZY[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})
