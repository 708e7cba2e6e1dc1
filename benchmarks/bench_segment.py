"""Segmentation speed: the project (cold and cached) against raw ``jieba.lcut``, in one run.

    .venv/bin/python benchmarks/bench_segment.py [--copies 95] [--rounds 3] [--write]

The text is the five shipped speeches, cleaned, copied ``--copies`` times as
separate documents (each copy marked so that the cache cannot merge them):
95 copies make about 1.6 M characters, like the 5 MB corpus of
``ECOSYSTEM.md``. Every mode segments the same strings. ``--write`` puts the
table into ``docs/benchmarks.md``.
"""

from __future__ import annotations

import argparse
import logging
import os
import platform
import statistics
import sys
import sys as _sys
import tempfile
import time
from pathlib import Path
from pathlib import Path as _Path

import jieba
import pandas as pd

_sys.path.insert(0, str(_Path(__file__).parent))
from corpus import clean_docs, load_docs
from corpus.lexicon import read_stopwords
from corpus.segment import available_engine, make_segmenter, segment_docs
from markdown import DATA_DIR, REPO, write_section  # noqa: E402


def corpus_of(copies: int) -> pd.DataFrame:
    docs = clean_docs(load_docs(DATA_DIR))
    rows = [(f"{doc_id}-{i}", f"{text}\n\n（副本{i}）") for i in range(copies)
            for doc_id, text in zip(docs["id"], docs["text_clean"], strict=True)]
    return pd.DataFrame(rows, columns=["id", "text_clean"])


def timed(function) -> float:
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=95)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--write", action="store_true", help="update docs/benchmarks.md")
    args = parser.parse_args(argv)

    docs = corpus_of(args.copies)
    paragraphs = [p for text in docs["text_clean"] for p in text.split("\n") if p]
    n_chars = sum(map(len, paragraphs))
    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()  # raw jieba is timed without its 0.6 s dictionary load
    stopwords = read_stopwords()
    engine = available_engine()
    joined = "\n".join(paragraphs)
    modes = {
        "raw `jieba.lcut` on the joined text, 1 core (reference)": lambda cache: jieba.lcut(joined),
        "raw `jieba.lcut` per paragraph, 1 core": lambda cache: [jieba.lcut(p) for p in paragraphs],
        f"corpus cold, engine={engine} (default)": lambda cache: segment_docs(
            docs, segmenter=make_segmenter(engine=engine), stopwords=stopwords, cache_dir=cache),
        "corpus cold, engine=jieba, 2 processes": lambda cache: segment_docs(
            docs, segmenter=make_segmenter(engine="jieba"), stopwords=stopwords, cache_dir=cache, n_jobs=2,
            progress=False),
        "corpus cached (rerun, nothing changed)": None,
    }
    times: dict[str, list[float]] = {name: [] for name in modes}
    n_tokens = 0
    for _ in range(args.rounds):
        with tempfile.TemporaryDirectory() as tmp:
            for name, run in modes.items():
                if run is None:  # the cache filled by the default cold run
                    cache = Path(tmp) / "default"
                    times[name].append(timed(lambda: segment_docs(
                        docs, segmenter=make_segmenter(engine=engine), stopwords=stopwords, cache_dir=cache)))
                    continue
                cache = Path(tmp) / ("default" if "(default)" in name else name[:12].replace(" ", "_"))
                times[name].append(timed(lambda: run(cache)))
        n_tokens = len(segment_docs(docs, segmenter=make_segmenter(engine=engine), stopwords=stopwords,
                                    cache_dir=False))
    reference = statistics.median(times[next(iter(modes))])
    lines = [
        f"Segmentation of {len(docs):,} documents, {n_chars:,} characters, {n_tokens:,} tokens "
        f"({args.copies} copies of the 5 cleaned speeches); median of {args.rounds} rounds; "
        f"{os.cpu_count()} cores, Python {platform.python_version()}, jieba {jieba.__version__}.",
        "",
        "| mode | median s | M chars/s | × raw jieba |",
        "|---|---|---|---|",
    ]
    for name, values in times.items():
        median = statistics.median(values)
        lines.append(f"| {name} | {median:.3f} | {n_chars / median / 1e6:.2f} | {reference / median:.1f} |")
    lines += ["", "Command: `.venv/bin/python benchmarks/bench_segment.py "
                  f"--copies {args.copies} --rounds {args.rounds}`"]
    table = "\n".join(lines)
    print(table)
    if args.write:
        write_section(REPO / "docs" / "benchmarks.md", "bench_segment", table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
