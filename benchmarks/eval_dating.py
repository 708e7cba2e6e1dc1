"""Calibrate and evaluate dating on real dated documents, leave-one-document-out.

    .venv/bin/python benchmarks/eval_dating.py [--corpus DIR ...] [--chunk 5000 --chunk 2000] [--write]

Real texts only, each with its true year:

1. the development corpus ``../shared/corpora/party-congress/`` (12 national
   party congress reports 1969–2022; true years in its ``metadata.csv``);
2. the four correctly dated shipped speeches (001–004; 000 is left out: its
   metadata year is the error dating must catch and its true year is unknown).

Each document is dated whole, and also cut into chunks of about ``--chunk``
characters (whole paragraphs; 5,000: a county speech, 2,000: a news item), so
the evaluation also covers short texts.

The free parameters of :class:`corpus.dating.DatingModel` (background rates
before a marker's window, the announcement rate, the review rate, grace and
half-life scale after it, the temperature and the dependence) are
chosen on a grid by the mean log probability of the true year (a proper
score, so the stated levels can be honoured). **Leave-one-document-out**: each
document (whole and chunks) is dated with parameters tuned on the other
documents only; the coverage, widths and warnings reported are those
out-of-sample estimates. The parameters tuned on all documents are printed
last: they are the defaults in ``corpus.dating``.
"""

from __future__ import annotations

import argparse
import itertools
import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).parent))
from corpus import clean_docs, config, load_docs
from corpus.dating import (
    MODEL,
    STRONG_EVIDENCE,
    _find,
    _table,
    marker_loglik,
    most_probable,
    posterior,
    read_era_markers,
    shortest_range,
)
from markdown import DATA_DIR, REPO, write_section  # noqa: E402

DEV_CORPUS = REPO.parent / "shared" / "corpora" / "party-congress"
YEAR_MAX = 2026  # fixed, so the numbers do not move when the calendar does
GRID = {
    "before_specific": [0.01, 0.03],
    "before_generic": [0.1, 0.3],
    "announced": [0.2, 0.5],
    "review": [0.1, 0.2],
    "grace": [0, 1],
    "half_life": [1.0, 2.0],
    "temperature": [0.5, 0.7, 1.0, 1.5],
    "dependence": [0, 0.25],
}
LEVELS = (0.5, 0.8, 0.9)
FLOOR = np.log(1e-300)  # no floor: a confident miss must cost what it costs


def real_texts(corpora: list[Path], *, sizes: list[int]) -> pd.DataFrame:
    """``source, kind, part, year, chars, text``: each dated document whole (part 0) and in chunks of each size."""
    rows = []
    for folder in corpora:
        docs = clean_docs(load_docs(folder))
        if folder.resolve() == DATA_DIR.resolve():
            docs = docs[docs["id"] != "000"]
        for doc in docs.itertuples(index=False):
            source = f"{folder.name}/{doc.id}"
            rows.append((source, "whole documents", 0, int(doc.year), len(doc.text_clean), doc.text_clean))
            for size in sizes:
                for part, text in enumerate(chunks(doc.text_clean, size=size), start=1):
                    rows.append((source, f"chunks of ≥ {size:,} characters", part, int(doc.year), len(text), text))
    return pd.DataFrame(rows, columns=["source", "kind", "part", "year", "chars", "text"])


def chunks(text: str, *, size: int) -> list[str]:
    """Consecutive paragraphs joined until each chunk has at least ``size`` characters (the last one joins
    the previous if shorter than half)."""
    parts, current = [], []
    for paragraph in text.split("\n\n"):
        current.append(paragraph)
        if sum(map(len, current)) >= size:
            parts.append("\n\n".join(current))
            current = []
    if current:
        if parts and sum(map(len, current)) < size / 2:
            parts[-1] += "\n\n" + "\n\n".join(current)
        else:
            parts.append("\n\n".join(current))
    return parts if len(parts) > 1 else []


def models():
    """Every parameter combination of the grid, as (settings, model)."""
    for values in itertools.product(*GRID.values()):
        settings = dict(zip(GRID, values, strict=True))
        yield settings, MODEL.scaled(**settings)


def log_scores(found: list, years_true: np.ndarray, years: np.ndarray, model) -> np.ndarray:
    """log P(true year) per text under ``model`` (texts without markers: the flat prior)."""
    scores = np.empty(len(found))
    for n, (markers, year) in enumerate(zip(found, years_true, strict=True)):
        probabilities = posterior(marker_loglik(markers, years, model=model)) if markers else \
            np.full(len(years), 1 / len(years))
        scores[n] = max(np.log(max(probabilities[year - years[0]], 1e-300)), FLOOR)
    return scores


def estimate(markers: list, year: int, years: np.ndarray, model, level: float) -> dict:
    if not markers:
        return {"dated": False, "hit": False, "width": np.nan, "low": None, "high": None, "best": None,
                "strong": False}
    probabilities = posterior(marker_loglik(markers, years, model=model))
    i, j = shortest_range(probabilities, level)
    low, high, best = int(years[i]), int(years[j]), int(years[most_probable(probabilities)])
    hit = low <= year <= high
    odds = np.log10(probabilities[best - years[0]]) - np.log10(max(probabilities[year - years[0]], 1e-300))
    return {"dated": True, "hit": hit, "width": high - low + 1, "low": low, "high": high, "best": best,
            "strong": (not hit) and odds >= STRONG_EVIDENCE}


def leave_one_out(texts: pd.DataFrame, found: list, years: np.ndarray) -> tuple[pd.DataFrame, dict]:
    """Out-of-sample estimates at each level, and the parameters tuned on everything."""
    grid = list(models())
    # weight: each document counts once whole, and its chunks of each size together once more
    weights = texts.groupby(["source", "kind"])["part"].transform(lambda s: 1 / len(s)).to_numpy()
    table = np.array([log_scores(found, texts["year"].to_numpy(), years, model) for _, model in grid])
    rows, folds = [], {}
    for source in texts["source"].unique():
        held = (texts["source"] == source).to_numpy()
        totals = (table[:, ~held] * weights[~held]).sum(axis=1)
        settings, model = grid[int(np.argmax(totals))]
        folds[source] = settings
        for n in np.flatnonzero(held):
            for level in LEVELS:
                rows.append({"source": source, "kind": texts["kind"].iloc[n], "part": int(texts["part"].iloc[n]),
                             "year": int(texts["year"].iloc[n]),
                             "chars": int(texts["chars"].iloc[n]), "level": level,
                             "n_markers": len(found[n]),
                             **estimate(found[n], int(texts["year"].iloc[n]), years, model, level)})
    settings, _ = grid[int(np.argmax((table * weights).sum(axis=1)))]
    return pd.DataFrame(rows), settings, folds


def summary_table(result: pd.DataFrame) -> list[str]:
    lines = ["| texts | level | n | dated | true year in range | mean width | median width | best = true "
             "| strong warnings |", "|---|---|---|---|---|---|---|---|---|"]
    for (name, level), group in result.groupby(["kind", "level"], sort=False):
        dated = group[group["dated"]]
        lines.append(f"| {name} | {level:.0%} | {len(group)} | {len(dated)} | {group['hit'].mean():.0%} "
                     f"({int(group['hit'].sum())}/{len(group)}) | {dated['width'].mean():.1f} | "
                     f"{dated['width'].median():.0f} | {(dated['best'] == dated['year']).mean():.0%} | "
                     f"{int(group['strong'].sum())} |")
    return lines


def documents_table(result: pd.DataFrame) -> list[str]:
    whole = result[(result["part"] == 0) & (result["level"] == 0.8)]
    lines = ["| document | true year | markers | 80% range | most probable | in range |", "|---|---|---|---|---|---|"]
    for row in whole.itertuples(index=False):
        span = "no markers" if not row.dated else f"{int(row.low)}–{int(row.high)}"
        best = int(row.best) if row.dated else ""
        lines.append(f"| {row.source} | {row.year} | {row.n_markers} | {span} | {best} | "
                     f"{'yes' if row.hit else 'NO'} |")
    return lines


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", action="append", type=Path, help="dated corpus folders (default: the "
                        "development corpus and the shipped data)")
    parser.add_argument("--chunk", type=int, action="append", help="characters per chunk (default: 5000 and 2000)")
    parser.add_argument("--write", action="store_true", help="write docs/dating.md")
    args = parser.parse_args(argv)
    corpora = args.corpus or [DEV_CORPUS, DATA_DIR]
    sizes = args.chunk or [5000, 2000]
    texts = real_texts(corpora, sizes=sizes)
    table = _table(read_era_markers())
    found = [_find(text, table) for text in texts["text"]]
    years = np.arange(config.YEAR_MIN, YEAR_MAX + 1)
    result, settings, folds = leave_one_out(texts, found, years)
    whole, parts = texts[texts["part"] == 0], texts[texts["part"] > 0]
    lines = [f"Texts: {len(whole)} documents ({', '.join(p.name for p in corpora)}), {whole['year'].min()}–"
             f"{whole['year'].max()}, and {len(parts)} chunks of them (mean length by size: " +
             ", ".join(f"{c:,.0f}" for c in parts.groupby("kind", sort=False)["chars"].mean()) +
             " characters). Every estimate is leave-one-document-out.", "",
             *summary_table(result), "", "Whole documents at 80 %:", "", *documents_table(result), "",
             "Parameters tuned on all documents (the defaults): " +
             ", ".join(f"`{k}={v}`" for k, v in settings.items()) + ".", "",
             "Folds whose parameters differ from these: " +
             ("; ".join(f"{source}: " + ", ".join(f"`{k}={v}`" for k, v in fold.items() if v != settings[k])
                        for source, fold in folds.items() if fold != settings) or "none") + ".", "",
             "Command: `.venv/bin/python benchmarks/eval_dating.py " + " ".join(f"--chunk {c}" for c in sizes) + "` "
             f"(years capped at {YEAR_MAX}; grid of {int(np.prod([len(v) for v in GRID.values()]))} settings)."]
    text = "\n".join(lines)
    print(text)
    if args.write:
        write_section(REPO / "docs" / "dating.md", "eval_dating", text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
