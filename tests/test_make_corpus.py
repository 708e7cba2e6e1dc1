"""benchmarks/make_corpus.py: the same seed gives the same bytes, and the vocabulary grows with the corpus."""

from __future__ import annotations

import hashlib
import importlib.util
import re
import sys
from pathlib import Path

import pytest

from corpus import config
from corpus.segment import make_segmenter

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "make_corpus.py"
TINY = (2, 4)  # body paragraphs per speech: tiny speeches, a fast test


@pytest.fixture(scope="module")
def make_corpus():
    spec = importlib.util.spec_from_file_location("bench_make_corpus", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    yield module.make_corpus
    del sys.modules[spec.name]


def digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def vocabulary(folder: Path) -> set[str]:
    segmenter = make_segmenter()
    words: set[str] = set()
    for path in folder.glob("*.txt"):
        words.update(w for w in segmenter.cut(path.read_text(encoding="utf-8")) if re.search(r"[\u4e00-\u9fff]", w))
    return words


def test_same_seed_same_bytes(make_corpus, tmp_path):
    first = make_corpus(12, tmp_path / "a", seed=5, paragraphs=TINY)
    again = make_corpus(12, tmp_path / "b", seed=5, paragraphs=TINY)
    other = make_corpus(12, tmp_path / "c", seed=6, paragraphs=TINY)
    assert len(digest(first)) == 13  # 12 speeches and metadata.csv
    assert digest(first) == digest(again)
    assert digest(first) != digest(other)
    header = (first / config.METADATA_FILE).read_text(encoding="utf-8").splitlines()[0]
    assert header == ",".join([*config.REQUIRED_COLUMNS, *config.OPTIONAL_COLUMNS])


def test_vocabulary_grows_with_size(make_corpus, tmp_path):
    small = vocabulary(make_corpus(12, tmp_path / "small", seed=3, paragraphs=TINY))
    big = vocabulary(make_corpus(48, tmp_path / "big", seed=3, paragraphs=TINY))
    shipped = vocabulary(SCRIPT.parents[1] / "data")
    # Heaps' law with beta ~ 0.6 gives 4 ** 0.6 = 2.3 times the words; recombining the shipped
    # paragraphs alone (the old generator) could never pass the shipped speeches' own vocabulary.
    assert len(big) > 1.8 * len(small)
    assert len(big) > len(shipped)


def test_years_and_gaps(make_corpus, tmp_path):
    folder = make_corpus(6, tmp_path / "years", years=[1990, 1992, 1993], paragraphs=TINY)
    rows = (folder / config.METADATA_FILE).read_text(encoding="utf-8").splitlines()[1:]
    assert [row.split(",")[2] for row in rows] == ["1990", "1992", "1993"] * 2
