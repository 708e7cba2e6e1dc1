"""Topic-model speed: NMF and LDA fits (k=10) and the NMF choice of k, at 1,000 and 50,000 paragraphs.

    .venv/bin/python benchmarks/bench_topics.py [--sizes 1000 50000] [--k 10] [--lda-max-iter 10] [--write]

The units are **synthetic**: the shipped corpus has only 63 paragraphs to
model, so each synthetic paragraph takes the length of a (seeded) randomly
drawn body paragraph of the five speeches and is filled with the shuffled
content tokens of that paragraph and of a second drawn one. Lengths and word
frequencies are those of real speeches; the vocabulary is the speeches' few
thousand terms, smaller than a real corpus of thousands of speeches would have.

Each fit is timed once, including the vectoriser. NMF runs to its tolerance
(at most 1,000 iterations, the library default); LDA runs ``--lda-max-iter``
batch iterations (10 here, not the library's default 50, to keep 50,000 units
affordable). An LDA fit that runs longer than ``--lda-budget`` seconds
(3 minutes) is stopped and LDA is measured at ``--lda-fallback`` units
(10,000) instead; the table says so.
``choose_k`` (NMF, k = 3..10) runs on its capped sample of at most ``config.TOPIC_SAMPLE`` units.
``--write`` puts the table into ``docs/benchmarks.md``.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import platform
import sys
import sys as _sys
import time
import warnings
from pathlib import Path as _Path

import numpy as np
import pandas as pd
import sklearn

_sys.path.insert(0, str(_Path(__file__).parent))
from corpus import clean_docs, config, load_docs, split_paragraphs
from corpus.segment import segment_docs
from corpus.topics import choose_k, fit_topics, topic_units
from markdown import DATA_DIR, REPO, write_section  # noqa: E402


def synthetic_units(n: int, *, random_state: int = config.SEED) -> pd.DataFrame:
    """``n`` synthetic units recombined from the shipped body paragraphs (module docstring)."""
    docs = clean_docs(load_docs(DATA_DIR))
    real = topic_units(segment_docs(docs), split_paragraphs(docs), docs)
    rng = np.random.default_rng(random_state)
    first, second = rng.integers(0, len(real), size=(2, n))
    bags = real["tokens"].tolist()
    tokens = []
    for i, j in zip(first, second, strict=True):
        pool = np.array(bags[i] + bags[j], dtype=object)
        rng.shuffle(pool)
        tokens.append(pool[: len(bags[i])].tolist())
    source = real.iloc[first].reset_index(drop=True)
    return pd.DataFrame({
        "doc_id": [f"s{i:06d}" for i in range(n)],
        "para": 0,
        "era": source["era"],
        "year": source["year"],
        "n_tokens": [len(t) for t in tokens],
        "tokens": tokens,
    })


def timed(function):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        start = time.perf_counter()
        result = function()
        seconds = time.perf_counter() - start
    return result, seconds, [str(w.message).splitlines()[0] for w in caught]


def _lda_child(units, k, max_iter, queue):
    _, seconds, caught = timed(lambda: fit_topics(units, k=k, model="lda", max_iter=max_iter))
    queue.put((seconds, caught))


def timed_lda(units, k: int, max_iter: int, budget: float | None):
    """LDA fit time in a child process, or None when it exceeds ``budget`` seconds (the child is stopped)."""
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    child = context.Process(target=_lda_child, args=(units, k, max_iter, queue))
    child.start()
    child.join(budget)
    if child.is_alive():
        child.terminate()
        child.join()
        return None
    return queue.get()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 50_000])
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--lda-max-iter", type=int, default=10)
    parser.add_argument("--lda-budget", type=float, default=180.0, help="seconds")
    parser.add_argument("--lda-fallback", type=int, default=10_000)
    parser.add_argument("--write", action="store_true", help="update docs/benchmarks.md")
    args = parser.parse_args(argv)

    rows, notes = [], []
    for n in sorted(args.sizes):
        units = synthetic_units(n)
        model, nmf_s, nmf_warn = timed(lambda units=units: fit_topics(units, k=args.k, model="nmf"))
        nnz = int(model._vectorizer.transform(units["tokens"].tolist()).nnz)
        n_iter = int(model._estimator.n_iter_)
        lda_n, measured = n, timed_lda(units, args.k, args.lda_max_iter, args.lda_budget)
        if measured is None:
            lda_n = args.lda_fallback
            notes.append(f"LDA at {n:,} units ran over the {args.lda_budget:.0f} s budget and was stopped: "
                         f"measured at {lda_n:,} units instead.")
            measured = timed_lda(synthetic_units(lda_n), args.k, args.lda_max_iter, None)
        lda_s, lda_warn = measured
        table, choose_s, choose_warn = timed(lambda units=units: choose_k(units, model="nmf"))
        chosen = int(table.loc[table["chosen"], "k"].item())
        for warning in dict.fromkeys(nmf_warn + lda_warn + choose_warn):
            notes.append(f"{n:,} units: warning: {warning}")
        lda_cell = f"{lda_s:.2f}" if lda_n == n else f"{lda_s:.2f} (at {lda_n:,})"
        rows.append(f"| {n:,} | {int(units['n_tokens'].sum()):,} | {len(model.vocabulary):,} | {nnz:,} "
                    f"| {nmf_s:.2f} ({n_iter} it.) | {lda_cell} | {choose_s:.2f} "
                    f"(k={chosen}, {table.attrs['n_units']:,} units) |")
        print(rows[-1], file=sys.stderr)

    lines = [
        (f"Topic models (k={args.k}) on synthetic paragraphs recombined from the body paragraphs of the 5 "
         f"shipped speeches (see the script's docstring); one run each, vectorising included; "
         f"{os.cpu_count()} cores, Python {platform.python_version()}, scikit-learn {sklearn.__version__}."),
        "",
        ("| units | tokens | vocabulary | nnz | NMF s (iterations) "
         f"| LDA s ({args.lda_max_iter} iterations) | `choose_k` NMF k=3..10 s |"),
        "|---|---|---|---|---|---|---|",
        *rows,
    ]
    notes += [
        ("The units are synthetic: real paragraph lengths and word frequencies, but only the five speeches' "
         "vocabulary; a real corpus with a larger vocabulary costs more, LDA most (its work grows with "
         "vocabulary × k)."),
        f"LDA ran {args.lda_max_iter} batch iterations; `fit_topics` defaults to 50, about 5× these times.",
        (f"`choose_k` fits 8 NMF models on a seeded sample of at most {config.TOPIC_SAMPLE:,} units, so its time "
         f"stops growing beyond {config.TOPIC_SAMPLE:,} units."),
    ]
    lines += [""] + [f"- {note}" for note in notes]
    sizes = " ".join(str(s) for s in args.sizes)
    command = (f"Command: `.venv/bin/python benchmarks/bench_topics.py --sizes {sizes} --k {args.k} "
               f"--lda-max-iter {args.lda_max_iter}`")
    lines += ["", command]
    text_table = "\n".join(lines)
    print(text_table)
    if args.write:
        write_section(REPO / "docs" / "benchmarks.md", "bench_topics", text_table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
