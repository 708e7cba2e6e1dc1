"""Make a synthetic data folder of N speeches, for measuring speed at scale.

    .venv/bin/python benchmarks/make_corpus.py N [--out DIR] [--seed 1] [--years 1954-2025] [--gaps 1961,1967]

SYNTHETIC TEXT, honest for throughput only: each speech is a salutation and
15 to 30 body paragraphs drawn (with replacement, seeded) from the shipped
speeches of one year, so its vocabulary and length are those of real
speeches of that year. It is written as a normal data folder (metadata.csv +
transcripts, UTF-8), so every command runs on it unchanged. Years follow the
shipped corpus (2006, 2011, 2022, 2023, 2023), or, with ``--years``, run through
a span (minus ``--gaps``) in turn, each speech drawn from one shipped year's
paragraphs: a corpus of 56 or 70 eras for checking that figures stay readable.
"""

from __future__ import annotations

import argparse
import csv
import shutil
import sys
from pathlib import Path

import numpy as np

from corpus import clean_docs, config, load_docs, split_paragraphs
from markdown import DATA_DIR, REPO


def make_corpus(n: int, out: Path, *, seed: int = config.SEED, years: list[int] | None = None) -> Path:
    """Write ``n`` synthetic speeches and their ``metadata.csv`` into ``out`` (replaced if present)."""
    docs = clean_docs(load_docs(DATA_DIR))
    paragraphs = split_paragraphs(docs)
    body = paragraphs[paragraphs["kind"] == "body"].merge(docs[["id", "year"]], left_on="doc_id", right_on="id")
    pools = {year: group["text"].tolist() for year, group in body.groupby("year")}
    shipped = docs["year"].tolist()
    years = years or shipped
    rng = np.random.default_rng(seed)
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    width = len(str(n - 1))
    rows = []
    for i in range(n):
        year = years[i % len(years)]
        pool = pools[year] if year in pools else pools[shipped[i % len(shipped)]]
        picked = rng.integers(0, len(pool), size=int(rng.integers(15, 31)))
        doc_id = str(i).zfill(width)
        text = f"合成讲话（样本 {doc_id}）\n同志们：\n" + "\n".join(pool[j] for j in picked) + "\n"
        name = f"{doc_id}.txt"
        (out / name).write_text(text, encoding="utf-8")
        rows.append([doc_id, name, year, f"合成讲话 {doc_id}", "", "", "",
                     f"synthetic: paragraphs of the {year} speeches", "source", "synthetic text for benchmarks"])
    with (out / config.METADATA_FILE).open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow([*config.REQUIRED_COLUMNS, *config.OPTIONAL_COLUMNS])
        writer.writerows(rows)
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int, help="number of speeches")
    parser.add_argument("--out", type=Path, default=None, help="data folder to write (default: benchmarks/corpus-N)")
    parser.add_argument("--seed", type=int, default=config.SEED)
    parser.add_argument("--years", metavar="FIRST-LAST", help="spread the speeches over these years, in turn")
    parser.add_argument("--gaps", default="", metavar="Y,Y", help="with --years: years left out")
    args = parser.parse_args(argv)
    years = None
    if args.years:
        first, last = map(int, args.years.split("-"))
        gaps = {int(y) for y in args.gaps.split(",") if y}
        years = [y for y in range(first, last + 1) if y not in gaps]
    out = make_corpus(args.n, args.out or REPO / "benchmarks" / f"corpus-{args.n}", seed=args.seed, years=years)
    print(f"wrote {args.n} synthetic speeches to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
